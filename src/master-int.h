/*
 * master-int.h: the master's own state, shared by its files and by no
 * one else (include/master.h is what others see).  The files, from the
 * ground up, each calling only those below it:
 *
 *   master-state.c	the public views, the watchers and systemd's STATUS
 *   master-journal.c	journal writes grouped per loop turn, pruning,
 *			predictions
 *   master-dispatch.c	jobs and tokens handed to idle workers
 *   master-run.c	a run's life: start, walks, end, recovery
 *   master-worker.c	the workers: started, heard, reaped
 *   master-daily.c	the daily timer, catch-up and deferred runs
 *   master.c		setup, signals, reload, stop, teardown
 */
#ifndef DATABACKUP_MASTER_INT_H
#define DATABACKUP_MASTER_INT_H

#include <sys/types.h>
#include <stdint.h>

#include "auth.h"
#include "blocker.h"
#include "discovery.h"
#include "gcp.h"
#include "job.h"
#include "journal.h"
#include "master.h"
#include "restore.h"
#include "run.h"
#include "sched.h"

struct bufferevent;
struct event;
struct event_base;
struct http_multi;
struct msg_failed;
struct msg_hdr;
struct msg_job;

#define MASTER_STOP_TIMEOUT_SEC		30	/* then workers are killed */
#define MASTER_RESTART_WINDOW_MS	(60 * 1000)
#define MASTER_RESTART_MAX		5	/* per window, then back off */
#define MASTER_RESTART_RING		8	/* recent starts remembered */
#define MASTER_RESPAWN_BACKOFF_SEC	10
#define MASTER_TOKEN_CHECK_SEC		60
/*
 * The other waits the master picks follow from the keys, so that a
 * time-compressed test or bench scales them with the keys:
 *   a failed token or walk: again after poll_initial plus a backoff from
 *	retry_base / 2, doubling up to poll_max;
 *   a lost poll: resumed after retry_base / 2;
 *   a failed journal write: tried again every poll_initial;
 *   a busy instance: see run_job_failed (busy_max).
 */
#define MASTER_DAILY_RECHECK_SEC	3600	/* wall clock may jump */
#define MASTER_PRUNE_SEC		3600	/* between pruning passes */
/* An instance's operations are read again after this (master-survey.c). */
#define MASTER_SURVEY_EVERY_MS	(7LL * 24 * 3600 * 1000)
#define MASTER_PRUNE_BATCH		500	/* jobs per prune transaction */
#define MASTER_WATCHERS_MAX		4
#define MASTER_PATTERNS_MAX		16	/* a run's patterns, walked again */

/* m->prune_state */
#define MASTER_PRUNE_IDLE	0
#define MASTER_PRUNE_QUEUED	1
#define MASTER_PRUNE_RUNNING	2

/* job->dirty: what is still to be journaled once writes work again. */
#define MASTER_DIRTY_JOB	0x1	/* the job's row */
#define MASTER_DIRTY_ATTEMPT	0x2	/* the attempt that ended, with it */
#define MASTER_DIRTY_ACK	0x4	/* then let the worker poll its op */
#define MASTER_DIRTY_START	0x8	/* then send the job to its worker */
#define MASTER_DIRTY_QUEUED	0x10	/* in m->pend */
/* Prior export rate when a database has no history: MiB/s of data. */
#define MASTER_PRIOR_MIB_PER_SEC	25
/* Bytes used above this are not believed (Cloud SQL disks end at 64 TB). */
#define MASTER_PRIOR_BYTES_MAX		(1LL << 50)
#define MASTER_PRIOR_MIN_MS		1000

enum master_worker_state {
	MW_IDLE,
	MW_BUSY,
	MW_DEAD,	/* exited; a replacement is due */
};

struct master_worker {
	struct master		*m;
	int			 slot;
	pid_t			 pid;
	struct bufferevent	*bev;
	enum master_worker_state state;
	struct job		*job;
	struct restore		*restore;	/* or a restore, not both */
	int			 prune;		/* or the prune */
	size_t			 survey;	/* or a survey: index + 1 */
	int64_t			 since_ms;
	int64_t			 heard_ms;	/* its job's last report */
	int			 shutdown_sent;
};

struct master_watcher {
	master_watch_cb		 cb;
	void			*arg;
};

struct master {
	struct event_base	*base;
	char			*conf_path;
	struct config		*conf;
	struct config		*conf_start;	/* in force for restart-only
						   keys; NULL: conf is it */
	char			 restart_keys[256]; /* changed since start */
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
	struct blocker_stats	 blockers;	/* what held instances, by type */
	struct event		*ev_prune;	/* prunes old runs in batches */
	int64_t			 pruned;	/* rows, this pruning pass */
	int			 rewalk;	/* insert failed: walk again */
	char			 deferred[16];	/* trigger to start when idle */

	struct http_multi	*multi;
	struct auth		*auth;
	struct auth_info	 auth_info;
	struct gcp_ctx		 ctx;		/* endpoints; token per job */
	int			 wanting_token;
	int			 token_failures; /* in a row, for the backoff */

	struct master_worker	*workers;
	int			 nworkers;
	int64_t			 restarts[MASTER_RESTART_RING];
	int			 nrestarts;
	struct event		*ev_respawn;
	uint64_t		 worker_deaths;

	struct sched		 sched;
	struct run		*run;
	struct restore_list	 restores;	/* queued, running, recent */
	struct journal_drill	 drill;		/* running; id 0: none */
	struct journal_drill	 last_drill;	/* the last that ended */
	struct master_drill_fail *drill_fails;	/* its failed restores */
	size_t			 ndrill_fails;
	struct journal_drill_db	*drill_dbs;	/* least recently drilled */
	size_t			 ndrill_dbs, capdrill_dbs;
	struct event		*ev_drill;	/* the weekly drill */
	int64_t			 next_drill_ms;
	const struct job	**survey;	/* a job of each instance */
	size_t			 nsurvey, survey_next;
	int			 survey_running;
	int64_t			 survey_run;	/* the run they are for */
	int64_t			 survey_since_ms;
	int			 survey_found, survey_failed;
	int			 prune_state;	/* MASTER_PRUNE_* */
	int			 prune_dry;
	char			 prune_last[GCP_MESSAGE_MAX]; /* its last line */
	int64_t			 prune_started_ms;
	char			 prune_bucket[GCP_BUCKET_MAX + 1]; /* its */
	struct journal_retention last_prune;	/* not a dry run; id 0:
						   none since the journal */
	struct journal_run	 last_run;	/* id 0: none */
	struct run_disc		 last_disc;	/* its discovery, if ... */
	int64_t			 last_disc_id;	/* ... it ended in this life */
	struct disc		*disc;		/* the run's current walk */
	uint64_t		 walks;		/* walks started, ever */
	uint64_t		 walks_done;	/* walks finished, ever */
	struct disc_pattern	*walk_pat;	/* the current walk's */
	size_t			 nwalk_pat;
	struct disc_pattern	*rewalk_pat;	/* a failed walk's, again */
	size_t			 nrewalk_pat;
	int			 rewalk_failures; /* walks failed in a row */
	int			 trigger_walk;	/* it decides if a run starts */
	char			 walk_trigger[16];
	struct disc_pattern	*pending_pat;	/* triggers during a walk */
	size_t			 npending_pat;
	int			 pending_all;
	char			 pending_trigger[16];

	struct master_watcher	 watchers[MASTER_WATCHERS_MAX];
	int			 nwatchers;
	struct event		*ev_daily;
	struct event		*ev_wake;	/* retry / busy timer */
	struct event		*ev_token;	/* keeps workers' tokens fresh */
	struct event		*ev_watchdog;
	struct event		*ev_rewalk;	/* a failed walk again */
	struct event		*ev_stop;	/* shutdown deadline */
	struct event		*ev_sig[4];
	int64_t			 next_run_ms;
	uint64_t		 watchdog_usec;
	int			 stopping;
	char			 token_sent[GCP_TOKEN_MAX];
};

/* master-state.c */
void		 master_emit(struct master *, enum master_event_type,
		    const struct master_event *);
void		 master_changed(struct master *);
void		 master_status(struct master *);
void		 job_log(int, const struct job *, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

/* master-journal.c */
void		 master_journal_failed(struct master *);
void		 master_job_write(struct master *, struct job *, int);
int		 master_flush(struct master *,
		    void (*)(struct master *, struct job *, int));
void		 master_prune_cb(int, short, void *);
int64_t		 master_predict(struct master *, const struct disc_target *,
		    int *);
int64_t		 master_job_predicted(struct master *, const struct job *);

/* master-dispatch.c */
struct master_worker *master_idle_worker(struct master *);
struct msg_job	*master_msg_new(struct master *, const char *);
void		 master_msg_send(struct master *, struct master_worker *,
		    int64_t, struct msg_job *);
void		 master_worker_send(struct master *, struct master_worker *,
		    uint32_t, int64_t, const void *, size_t);
void		 master_job_unbind(struct master *, struct master_worker *,
		    struct job *);
int		 master_commit(struct master *);
void		 master_dispatch(struct master *);
void		 master_wake_cb(int, short, void *);
void		 master_token_tick_cb(int, short, void *);
void		 master_rewalk_cb(int, short, void *);
void		 master_progress(struct master *);
void		 master_token_renew(struct master *);

/* master-drill.c */
void		 master_drill_load(struct master *);
void		 master_drill_arm(struct master *);
void		 master_drill_cb(int, short, void *);
void		 master_drill_restore_ended(struct master *,
		    const struct restore *);
void		 master_drill_ended(struct master *);
int		 master_drill_engine_busy(const struct master *,
		    const struct restore *);
void		 master_drill_free(struct master *);

/* master-prune.c */
int		 master_prune_dispatch(struct master *);
void		 master_prune_msg(struct master *, struct master_worker *,
		    const struct msg_hdr *, const void *);
void		 master_prune_orphaned(struct master *, struct master_worker *,
		    const char *);
void		 master_prune_after_run(struct master *, const struct run *);
void		 master_prune_load(struct master *);

/* master-survey.c */
int		 master_survey_pending(struct master *, const struct run *);
int		 master_survey_dispatch(struct master *);
void		 master_survey_msg(struct master *, struct master_worker *,
		    const struct msg_hdr *, const void *);
void		 master_survey_orphaned(struct master *, struct master_worker *,
		    const char *);
void		 master_survey_free(struct master *);

/* master-restore.c */
int		 master_restore_dispatch(struct master *);
int		 master_restore_waiting(const struct master *);
void		 master_restore_msg(struct master *, struct master_worker *,
		    const struct msg_hdr *, const void *);
void		 master_restore_orphaned(struct master *, struct master_worker *,
		    const char *);
void		 master_restore_recover(struct master *);
void		 master_restore_free(struct master *);

/* master-run.c */
void		 master_run_check_end(struct master *);
void		 master_run_stuck_scan(struct master *);
void		 master_recover(struct master *);
void		 master_deferred(struct master *);
int		 master_ran_today(struct master *, int64_t);
void		 master_flush_cb(int, short, void *);
void		 master_journal_cb(int, short, void *);

/* master-worker.c */
void		 master_worker_spawn(struct master *, struct master_worker *);
void		 master_respawn_cb(int, short, void *);
void		 master_reap(struct master *);
void		 master_stall_check(struct master *);

/* master-daily.c */
void		 master_timer_at(struct event *, int64_t);
void		 master_daily_arm(struct master *);
void		 master_daily_cb(int, short, void *);
void		 master_catch_up(struct master *);

#endif
