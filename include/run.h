/*
 * run.h: one run (a scheduled, catch-up or manual pass over the fleet) as
 * the master holds it, and the pure rules of its life: counting its jobs
 * by state, what a failed attempt does to a job, when the run is over and
 * how it ended.  No I/O and no clock: time comes in as an argument, so
 * tests set it.  The master (master-*.c) acts on what these decide.
 */
#ifndef DATABACKUP_RUN_H
#define DATABACKUP_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "journal.h"

struct disc_pattern;
struct disc_result;
struct msg_failed;

enum run_state {
	RUN_DISCOVERING,
	RUN_RUNNING,
	RUN_FINISHED,
};

/* Discovery totals, over every walk of a run. */
struct run_disc {
	int		 projects, instances, databases;
	int		 skipped, excluded, api_disabled, errors;
	int		 partial;	/* places not seen whole */
};

struct run {
	struct journal_run	 jr;
	enum run_state		 state;
	int			 discovering;	/* walks in progress */
	struct job		**jobs;		/* owned */
	size_t			 njobs, cap;
	int			 count[JOB_STATE_COUNT];
	int			 in_flight;	/* jobs bound to a worker */
	int			 stuck;		/* exports past their time */
	int64_t			 progress_ms;	/* last progress (run_progress) */
	int64_t			 kicked_ms;	/* stalled: last kick */
	int			 stalled;	/* no progress for stall_after */
	struct run_disc		 disc;
	int			 disc_failed;
	int			 full;		/* a walk without patterns */
};

/* The retry rules a failed attempt is judged by (from the config). */
struct run_policy {
	uint64_t	 retry_window_ms;
	int64_t		 poll_initial_ms;
	int64_t		 poll_max_ms;
	int64_t		 retry_base_ms;	/* a failed attempt's first backoff */
	int64_t		 retry_max_ms;	/* and its ceiling */
	int64_t		 busy_cap_ms;	/* longest wait on a busy instance */
	int64_t		 busy_wait_ms;	/* > 0: the wait on what holds it */
	int64_t		 resume_delay_ms; /* before a lost poll resumes */
};

/* What a failed attempt came to (run_job_failed). */
enum run_verdict {
	RUN_TOKEN_REFUSED,	/* one refresh, one retry: not a failure */
	RUN_BUSY,		/* another operation on the instance */
	RUN_BUSY_TOO_LONG,	/* busy for the whole retry window: failed */
	RUN_LOST_POLL,		/* the export runs on; resume watching it */
	RUN_RETRY,		/* the attempt failed; retry later */
	RUN_GAVE_UP,		/* failed for good */
};

/* What the progress watchdog finds (run_watch). */
enum run_watch {
	RUN_WATCH_OK,		/* progressing, or not watched */
	RUN_WATCH_STALLED,	/* has just stalled: say so, kick */
	RUN_WATCH_KICK,		/* still stalled a stall_after later: kick */
};

/* run.c */
struct run	*run_new(const char *, const char *, int64_t);
void		 run_free(struct run *);
const char	*run_state_name(enum run_state);
void		 run_add_job(struct run *, struct job *);
struct job	*run_remove_job(struct run *, size_t);
void		 run_job_state(struct run *, struct job *, enum job_state);
int		 run_jobs_final(const struct run *);
int		 run_busy(const struct run *, int64_t);
void		 run_end(struct run *, int64_t);
struct job	**run_sorted(const struct run *);
char		*run_disc_dups(const struct disc_result *);
void		 run_disc_add(struct run *, const struct disc_result *);
void		 run_patterns_text(const struct disc_pattern *, size_t,
		    char *, size_t);
void		 run_day(int64_t, char *, size_t);
void		 run_recover_job(struct job *);
void		 run_job_dispatch(struct run *, struct job *, int64_t);
enum run_verdict run_job_failed(struct run *, struct job *,
		    const struct msg_failed *, const struct run_policy *,
		    int64_t, uint32_t, int64_t *);
const char	*run_verdict_name(enum run_verdict);
int		 run_stalled(int64_t, int64_t, uint64_t);
int		 run_progress(struct run *, int64_t);
enum run_watch	 run_watch(struct run *, int64_t, uint64_t);

#endif
