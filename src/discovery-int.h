/*
 * discovery-int.h: what discovery.c, discovery-size.c and
 * discovery-result.c share: the walk, its requests, and the few functions
 * one calls in another.  Nothing outside discovery uses it.
 */
#ifndef DATABACKUP_DISCOVERY_INT_H
#define DATABACKUP_DISCOVERY_INT_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>

#include "discovery.h"
#include "gcp.h"

struct event;

/*
 * A Monitoring answer slower than this is not worth holding the walk up
 * for (the disk size will do); a whole request, like [gcp] http_timeout,
 * which applies when it is shorter.
 */
#define DISC_SIZE_TIMEOUT_MS	15000

/* An instance's disk bytes used, as Monitoring last saw it. */
struct disc_size {
	const char		*project;
	const char		*instance;
	int64_t			 bytes;
};

enum disc_kind {
	DISC_FOLDERS,
	DISC_PROJECTS,
	DISC_PROJECT_GET,
	DISC_INSTANCES,
	DISC_DATABASES,
	DISC_BUCKET,		/* plan: the daemon's permissions on it */
	DISC_SIZES,		/* Monitoring: a project's disk bytes used */
};

/*
 * One step of the walk.  Its strings are in an arena, the walk's (folder)
 * or the result's (the others, so the targets it finds share them), and
 * are "" when they do not apply.
 */
struct disc_req {
	struct disc		*d;
	enum disc_kind		 kind;
	const char		*project;
	const char		*folder;
	const char		*instance;	/* DISC_DATABASES */
	const char		*version;	/* the instance's */
	int64_t			 disk_gb;	/* the instance's data disk */
	char			*page;		/* page token, or NULL */
	int			 tries;
	int			 auth_retried;
	int			 top;		/* a configured folder */
	int			 sized;		/* DISC_INSTANCES: sizes asked */
	int64_t			 end_ms;	/* DISC_SIZES: every page's */
	struct event		*timer;		/* retry backoff */
	struct event		*pace_ev;	/* waiting for its slot */
	int			 paced;		/* slot reserved: send now */
	TAILQ_ENTRY(disc_req)	 entry;
};
TAILQ_HEAD(disc_reqs, disc_req);

struct disc_name {
	const char		*name;		/* in the walk's arena */
	RB_ENTRY(disc_name)	 node;
};
RB_HEAD(disc_names, disc_name);

struct disc {
	struct event_base	*base;
	struct http_multi	*multi;
	struct auth		*auth;
	struct config		**confp;
	struct gcp_ctx		 ctx;
	struct disc_pattern	*pat;
	size_t			 npat;
	disc_cb			 cb;
	void			*arg;

	struct disc_reqs	 queue;		/* waiting to be sent */
	struct disc_reqs	 waiting;	/* in backoff */
	int			 in_flight;
	int			 wanting_token;	/* asked, or to ask again */
	int			 token_tries;	/* failed asks in a row */
	int			 no_token_retry; /* a plan: answer now */
	struct event		*token_ev;	/* ask again after a failure */
	int			 top_failed;
	char			 disabled_consumer[64];	/* first 403 */
	char			 disabled_project[GCP_PROJECT_ID_MAX + 1];
	int			 own_disabled;
	struct disc_names	 seen;		/* folders and projects */
	struct arena		*names;		/* seen's keys, folders */
	struct disc_result	*res;
	struct event		*done_ev;

	/* discovery-size.c */
	char			*monitoring;	/* endpoint; NULL: not asked */
	struct disc_size	*sizes;		/* strings in res's arena */
	size_t			 nsizes, sizes_cap;
	int			 sizes_failed;	/* projects, logged once */
};

/* discovery.c */
struct disc_req	*disc_req_new(struct disc *, enum disc_kind);
void		 disc_enqueue(struct disc *, struct disc_req *);

/* discovery-size.c */
void		 disc_size_want(struct disc *, struct disc_req *);
char		*disc_size_url(struct disc_req *);
int		 disc_size_parse(struct disc_req *, const char *, size_t,
		    char **, struct gcp_error *);
void		 disc_size_failed(struct disc_req *, const struct gcp_error *);
void		 disc_size_apply(struct disc *);
void		 disc_size_free(struct disc *);

/* discovery-result.c */
void		 disc_list_add(struct disc_result *, struct disc_list *,
		    const char *, const char *, const char *, const char *, ...)
		    __attribute__((__format__(printf, 6, 7)));
void		 disc_partial_add(struct disc_result *, const char *,
		    const char *, const char *, const char *, const char *);

#endif
