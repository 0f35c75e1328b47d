/*
 * control.h: the control socket (docs/control.md).  One JSON request per
 * connection, newline-delimited JSON replies; `trigger --wait` keeps its
 * connection open and gets progress lines until the run ends.
 */
#ifndef DATABACKUP_CONTROL_H
#define DATABACKUP_CONTROL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct config;
struct evbuffer;
struct master;
struct monitor;

#define CONTROL_VERSION		1
#define CONTROL_REQUEST_MAX	(64 * 1024)

struct control;

/* What a peer may do; each role may do what those before it may. */
enum control_role {
	CONTROL_ROLE_NONE,
	CONTROL_ROLE_READER,	/* status, jobs, history, plan, check, ... */
	CONTROL_ROLE_OPERATOR,	/* and trigger, reload */
	CONTROL_ROLE_ADMIN,	/* root, the daemon's user: everything */
};

/* The [control] operators and readers groups, resolved; NULL: unset. */
struct control_acl {
	uid_t		 self;		/* the daemon's uid */
	char		*operators;
	gid_t		 operators_gid;
	char		*readers;
	gid_t		 readers_gid;
};

/* control.c */
struct control	*control_new(struct master *, struct monitor *, const char *,
		    char *, size_t);
void		 control_free(struct control *);
int		 control_nofile_budget(const struct config *);

/* control-cmd.c */
int		 control_cmd_need(const char *, enum control_role *);

/* control-parse.c */
int		 control_readline(struct evbuffer *, char **, char *, size_t);
struct cJSON	*control_parse(const char *, const char **, char *, size_t);

/* control-role.c */
const char	*control_role_name(enum control_role);
int		 control_privileged(const struct control_acl *, uid_t);
enum control_role control_role(const struct control_acl *, uid_t,
		    const gid_t *, size_t);
int		 control_allow(const struct control_acl *, enum control_role,
		    enum control_role, const char *, char *, size_t);
int		 control_peer_privileged(const struct control_acl *, int);
enum control_role control_peer_role(const struct control_acl *, int,
		    uid_t *);

#endif
