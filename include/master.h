/*
 * master.h: the master process.  One libevent loop owns everything: the
 * daily timer, signals, workers, discovery, the job queue, the journal and
 * the control socket.  Callbacks make one transition and return.
 */
#ifndef DATABACKUP_MASTER_H
#define DATABACKUP_MASTER_H

#include <sys/types.h>
#include <stdint.h>

#include "auth.h"
#include "discovery.h"
#include "gcp.h"
#include "journal.h"
#include "sched.h"

struct event_base;
struct event;
struct bufferevent;
struct config;
struct control;
struct http_multi;
struct monitor;

enum master_worker_state {
	MW_IDLE,
	MW_BUSY,
	MW_DEAD,	/* exited; a replacement is due */
};

struct master_worker {
	int			 slot;
	pid_t			 pid;
	struct bufferevent	*bev;
	enum master_worker_state state;
	struct job		*job;
	int64_t			 since_ms;
	int			 shutdown_sent;
};

enum run_state {
	RUN_DISCOVERING,
	RUN_RUNNING,
	RUN_FINISHED,
};

struct run {
	struct journal_run	 jr;
	enum run_state		 state;
	int			 discovering;	/* walks in progress */
	struct job		**jobs;		/* owned */
	size_t			 njobs, cap;
	int			 count[JOB_STATE_COUNT];
	int			 in_flight;
	/* Discovery totals, over every walk of the run. */
	int			 d_projects, d_instances, d_databases;
	int			 d_skipped, d_excluded, d_api_disabled, d_errors;
	int			 disc_failed;
};

struct master {
	struct event_base	*base;
	char			*conf_path;
	struct config		*conf;
	int64_t			 started_ms;
	int64_t			 conf_loaded_ms;

	struct journal		*journal;
	int			 journal_ok;
	char			 journal_err[256];
	struct event		*ev_journal;	/* retries dirty writes */
	struct event		*ev_flush;	/* end of turn: write m->pend */
	struct job		**pend;		/* jobs to write, in order */
	size_t			 npend, cappend;
	int			 flush_armed;
	uint64_t		 flushes;	/* commits of queued jobs */
	uint64_t		 flushed_jobs;	/* job writes they held */
	struct job_prior	 prior;		/* learnt from this fleet */
	struct event		*ev_prune;	/* prunes old runs in batches */
	int			 rewalk;	/* insert failed: walk again */
	char			 deferred[16];	/* trigger to start when idle */

	struct http_multi	*multi;
	struct auth		*auth;
	struct auth_info	 auth_info;
	struct gcp_ctx		 ctx;		/* endpoints; token per job */
	int			 wanting_token;

	struct master_worker	*workers;
	int			 nworkers;
	int64_t			 restarts[8];	/* recent worker restarts */
	int			 nrestarts;
	struct event		*ev_respawn;
	uint64_t		 worker_deaths;

	struct sched		 sched;
	struct run		*run;
	struct journal_run	 last_run;	/* id 0: none */
	struct disc		*disc;		/* the run's current walk */
	uint64_t		 walks;		/* walks started, ever */
	uint64_t		 walks_done;	/* walks finished, ever */
	struct disc_pattern	*pending_pat;	/* triggers during a walk */
	size_t			 npending_pat;
	int			 pending_all;

	struct control		*control;
	struct monitor		*monitor;	/* metrics, alerts, notify */
	struct event		*ev_daily;
	struct event		*ev_wake;	/* retry / busy timer */
	struct event		*ev_token;	/* keeps workers' tokens fresh */
	struct event		*ev_watchdog;
	struct event		*ev_stop;	/* shutdown deadline */
	struct event		*ev_sig[5];
	int64_t			 next_run_ms;
	uint64_t		 watchdog_usec;
	int			 stopping;
	char			 token_sent[GCP_TOKEN_MAX];
};

/* master.c */
int		 master_main(const char *, struct config *, int);
int		 master_trigger(struct master *, const char *,
		    const struct disc_pattern *, size_t, char *, size_t);
int		 master_reload(struct master *, char ***, size_t *);
int		 master_plan(struct master *, disc_cb, void *);
int64_t		 master_now_ms(void);
int64_t		 master_predict_ms(struct master *, const char *, const char *,
		    const char *, int64_t, int);
const char	*run_state_name(enum run_state);

#endif
