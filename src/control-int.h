/*
 * control-int.h: the control socket's own state and the parts its files
 * share: connections (control.c), replies (control-reply.c) and commands
 * (control-cmd.c).  Nothing outside src/control*.c includes it.
 */
#ifndef DATABACKUP_CONTROL_INT_H
#define DATABACKUP_CONTROL_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "job.h"
#include "journal.h"
#include "run.h"

struct bufferevent;
struct evconnlistener;
struct event;
struct master;
struct monitor;
struct restore;
struct disc_pattern;
struct journal_drill;
struct master_event;

#define CONTROL_PROGRESS_MS	250	/* progress lines at most this often */
#define CONTROL_PATTERNS_MAX	64
#define CONTROL_HISTORY_MAX	1000	/* rows in one history reply */
#define CONTROL_JOBS_LIMIT_MAX	1000000	/* jobs --limit; --all has none */
#define CONTROL_STALE_HOURS	26
#define CONTROL_LINGER_SEC	5	/* wait this long for a client's EOF */
#define CONTROL_HISTORY_DAYS	7	/* history without "days" */
#define CONTROL_DAYS_MAX	36500
#define CONTROL_REFUSED_MAX	64	/* "busy" replies in flight at once */
#define CONTROL_RESERVED	1	/* beyond the cap, for root/ourselves */
#define CONTROL_NOFILE_BASE	64	/* descriptors besides the counted */

struct control_conn {
	struct control		*ctl;
	struct bufferevent	*bev;
	struct event		*ev_idle;	/* until the request line */
	int			 refused;	/* over the cap: "busy" */
	int			 reserved;	/* over the cap: root's place */
	enum control_role	 role;		/* from SO_PEERCRED */
	uid_t			 uid;
	int			 waiting;	/* trigger --wait */
	uint64_t		 walk;		/* trigger: the walk that serves it */
	int			 wait_run;	/* --wait for the run it starts */
	struct disc_pattern	*pat;		/* --wait: the databases asked */
	size_t			 npat;
	int64_t			 run_id;
	int64_t			 restore_id;	/* restore --wait, dry run */
	int			 restore_said;	/* its steps sent */
	int64_t			 drill_id;	/* drill --wait */
	int			 prune_wait;	/* prune: until it ends */
	int			 busy;		/* a plan walk holds us */
	int			 dead;		/* peer gone while busy */
	int			 closing;	/* free once written */
	int			 shut;		/* our side shut, await EOF */
	TAILQ_ENTRY(control_conn) entry;
};

struct control {
	struct master		*m;
	struct monitor		*mon;
	struct evconnlistener	*lev;
	char			*path;
	struct control_acl	 acl;		/* as the daemon started */
	TAILQ_HEAD(, control_conn) conns;
	int			 nconns;	/* served, up to the cap */
	int			 nrefused;	/* answered "busy", lingering */
	int			 nreserved;	/* served beyond the cap */
	int			 paused;	/* accept failed: listener off */
	int			 failing;	/* accept failing, logged */
	int64_t			 failed_ms;	/* its last failure, monotonic */
	struct event		*ev_resume;	/* accept again after a pause */
	struct event		*ev_progress;
	int			 dirty;
};

/* One command of the protocol: its name and what answers it. */
struct control_cmd {
	const char	*name;
	enum control_role need;
	void		(*fn)(struct control_conn *, const cJSON *);
};

/* control.c */
void		 control_conn_gone(struct control *, int, int);

/* control-reply.c */
cJSON		*control_jrun_json(const struct journal_run *);
cJSON		*control_run_json(const struct run *);
cJSON		*control_disc_json(const struct run_disc *);
cJSON		*control_job_json(const struct job *);
void		 control_send(struct control_conn *, cJSON *, int);
cJSON		*control_result(int);
void		 control_error(struct control_conn *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
void		 control_conn_free(struct control_conn *);

/* control-cmd.c */
const struct control_cmd *control_cmd_find(const char *);

/* control-cmd.c */
int		 control_patterns(struct control_conn *, const cJSON *,
		    struct disc_pattern *);

/* control-restore.c */
cJSON		*control_restore_json(const struct restore *);
cJSON		*control_drill_json(const struct journal_drill *);
void		 control_cmd_drill(struct control_conn *, const cJSON *);
void		 control_drill_event(struct control *,
		    const struct journal_drill *);
void		 control_cmd_prune(struct control_conn *, const cJSON *);
void		 control_coverage_restores(struct master *, cJSON *);
void		 control_prune_event(struct control *,
		    const struct master_event *);
void		 control_cmd_restore(struct control_conn *, const cJSON *);
void		 control_restore_event(struct control *, const struct restore *);

#endif
