/*
 * master.h: the master process, as the rest of the daemon sees it.  One
 * libevent loop owns the daily timer, signals, workers, discovery, the job
 * queue and the journal; its state is private to src/master*.c.  Those
 * who watch it (the monitor, the control socket) read it through the
 * narrow views below and hear of changes through master_watch(); the
 * master never calls them by name.
 */
#ifndef DATABACKUP_MASTER_H
#define DATABACKUP_MASTER_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "discovery.h"
#include "journal.h"
#include "run.h"

struct auth;
struct auth_info;
struct config;
struct event_base;
struct http_multi;
struct master;
struct msg_api_count;
struct msg_failed;
struct restore;

/* What the master tells its watchers, as it happens. */
enum master_event_type {
	MASTER_EV_RUN_STARTED,		/* run */
	MASTER_EV_RUN_NOT_STARTED,	/* message: why (schedule, catch-up) */
	MASTER_EV_CHANGED,		/* run: counts moved (may be NULL) */
	MASTER_EV_DISCOVERY,		/* run, disc: one walk's result */
	MASTER_EV_WALK_DONE,		/* run, walk, added: its jobs joined */
	MASTER_EV_RUN_END,		/* run: finished and journaled */
	MASTER_EV_DISPATCHED,		/* job */
	MASTER_EV_JOB_DONE,		/* job, calls */
	MASTER_EV_JOB_FAILED,		/* job, failed, calls */
	MASTER_EV_WORKER_DIED,
	MASTER_EV_JOURNAL_ERROR,
	MASTER_EV_RESTORE,		/* restore: queued, a step, or ended */
	MASTER_EV_DRILL_END,		/* drill: a restore drill ended */
	MASTER_EV_PRUNE_LINE,		/* message: what retention did */
	MASTER_EV_PRUNE_END,		/* message, ok: how it ended */
};

struct master_event {
	enum master_event_type		 type;
	const struct run		*run;
	const struct job		*job;
	const struct msg_failed		*failed;
	const struct disc_result	*disc;
	const struct msg_api_count	*calls;
	size_t				 ncalls;
	const struct restore		*restore;
	const struct journal_drill	*drill;
	int				 ok;
	const char			*message;
	uint64_t			 walk;	/* walks ended, ever */
	size_t				 added;
};
typedef void	(*master_watch_cb)(const struct master_event *, void *);

/* The daemon at a glance (status, metrics). */
struct master_info {
	int64_t			 started_ms;
	int64_t			 conf_loaded_ms;
	int64_t			 next_run_ms;
	const char		*conf_path;
	const struct auth_info	*auth;
	int			 journal_ok;
	const char		*journal_err;	/* "" while journal_ok */
	int			 nworkers;
	int			 workers_busy;
	uint64_t		 walks;		/* walks started, ever */
};

struct master_worker_info {
	int			 slot;
	pid_t			 pid;
	const char		*state;		/* idle, busy, backoff */
	const struct job	*job;		/* NULL when idle */
	const struct restore	*restore;	/* or the restore it runs */
	int64_t			 since_ms;
};

/* master.c */
struct master	*master_new(const char *, struct config *);
int		 master_loop(struct master *);
void		 master_close(struct master *);
void		 master_free(struct master *);
int		 master_reload(struct master *, char ***, size_t *);

/* master-run.c */
int		 master_trigger(struct master *, const char *,
		    const struct disc_pattern *, size_t, char *, size_t);
int		 master_plan(struct master *, disc_cb, void *);

/* What databackupctl restore asks (strings borrowed; NULL: not given). */
struct master_restore_req {
	const char	*database;	/* PROJECT/INSTANCE/DATABASE */
	const char	*day;		/* --date YYYY-MM-DD */
	const char	*object;	/* --object gs://BUCKET/OBJECT */
	const char	*to;		/* --to PROJECT/INSTANCE */
	const char	*as;		/* --as NAME */
	int		 replace;
	int		 dry_run;
};

/* A restore of the last drill that failed. */
struct master_drill_fail {
	char		 source[GCP_PROJECT_ID_MAX + GCP_INSTANCE_MAX +
			    GCP_DATABASE_MAX + 3];	/* P/I/D */
	char		 error[GCP_MESSAGE_MAX];
};

/* master-prune.c */
int		 master_prune_start(struct master *, int, const char *, char *,
		    size_t);
int		 master_retention_on(const struct config *);
const struct journal_retention *master_prune_last(const struct master *);

/* master-drill.c */
int64_t		 master_drill_start(struct master *, const char *,
		    const struct disc_pattern *, size_t, char *, size_t);
const struct journal_drill *master_drill_running(const struct master *);
const struct journal_drill *master_drill_last(const struct master *,
		    const struct master_drill_fail **, size_t *);
const struct journal_drill_db *master_drill_dbs(const struct master *,
		    size_t *);
const struct journal_drill_db *master_drill_db(const struct master *,
		    const char *, const char *, const char *);

/* master-restore.c */
const struct restore *master_restore(struct master *,
		    const struct master_restore_req *, char *, size_t);
const struct restore *master_restore_next(const struct master *,
		    const struct restore *);

/* master-journal.c */
int64_t		 master_predict_ms(struct master *,
		    const struct disc_target *);

/* master-state.c */
int64_t		 master_now_ms(void);
void		 master_watch(struct master *, master_watch_cb, void *);
const struct run *master_run(const struct master *);
const struct journal_run *master_last_run(const struct master *);
const struct run_disc *master_last_disc(const struct master *);
const char	*master_restart_keys(const struct master *);
const struct config *master_config(const struct master *);
struct journal	*master_journal(const struct master *);
struct event_base *master_base(const struct master *);
struct http_multi *master_multi(const struct master *);
struct auth	*master_auth(const struct master *);
void		 master_info(const struct master *, struct master_info *);
int		 master_worker_info(const struct master *, int,
		    struct master_worker_info *);

#endif
