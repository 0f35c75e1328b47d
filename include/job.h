/*
 * job.h: one database of one instance of one project in one run, and the
 * pure rules of its life (state machine, backoff, object names).  No I/O:
 * time comes in as an argument, so tests set the clock.
 *
 *   queued -> dispatched -> exporting(op) -> verifying -> succeeded
 *      ^          |              |               |
 *      +-- retry_wait <----------+---------------+--> failed
 */
#ifndef DATABACKUP_JOB_H
#define DATABACKUP_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "gcp.h"

enum job_state {
	JOB_QUEUED = 0,
	JOB_DISPATCHED,		/* handed to a worker, export not yet sent */
	JOB_EXPORTING,		/* operation known and journaled */
	JOB_VERIFYING,		/* operation DONE, checking the object */
	JOB_SUCCEEDED,
	JOB_RETRY_WAIT,		/* waiting for next_attempt */
	JOB_FAILED,
};
#define JOB_STATE_COUNT	(JOB_FAILED + 1)

struct sched_instance;

/* Longest values a job holds, without the NUL (Google's limits). */
#define JOB_VERSION_MAX		(GCP_VERSION_MAX - 1)
#define JOB_ERROR_MAX		(GCP_MESSAGE_MAX - 1)	/* longer is cut */

/* A job's names, in the order they sit in names[]. */
enum job_name {
	JOB_PROJECT = 0,
	JOB_INSTANCE,
	JOB_DATABASE,
	JOB_VERSION,	/* databaseVersion */
	JOB_OBJECT,	/* object name in the bucket */
};
#define JOB_NNAMES	(JOB_OBJECT + 1)

/*
 * A run of 10,000 databases is 10,000 jobs in the master, so a job is
 * kept small.  The names never change: they sit end to end in names[], in
 * the job's own allocation, and are read with job_project() and the other
 * accessors.  operation and last_error come and go, and are set only
 * through job_set_operation() and job_set_error().  Make jobs with
 * job_new() or job_dup(), free them with job_free().
 */
struct job {
	int64_t		 id;		/* journal row id */
	int64_t		 run_id;
	char		*operation;	/* NULL until known */
	char		*last_error;	/* NULL if none */
	char		*via;		/* read replica that exports it; not journaled */
	uint64_t	 size;
	int64_t		 created_ms;	/* wall clock, unix ms */
	int64_t		 first_attempt_ms; /* retry window starts here */
	int64_t		 started_ms;	/* current attempt */
	int64_t		 ended_ms;
	int64_t		 next_attempt_ms; /* retry_wait until */
	int64_t		 predicted_ms;	/* export duration prediction */
	enum job_state	 state;
	enum gcp_status	 last_status;
	int		 attempts;	/* export attempts started */
	int		 failures;	/* attempts that failed */
	char		 crc32c[16];

	/* Master bookkeeping; not journaled. */
	struct sched_instance *inst;
	TAILQ_ENTRY(job) entry;		/* instance queue */
	int		 worker;	/* slot, or -1 */
	uint8_t		 notified;	/* alert_after_failures reached */
	uint8_t		 dirty;		/* journal write pending */
	uint8_t		 prior;		/* predicted_ms is the disk prior */
	uint8_t		 history;	/* predicted_ms is the database's own */
	uint8_t		 stuck;		/* export past job_stuck_after */

	/* Here rather than above, where it would cost padding. */
	uint8_t		 outcome_unknown; /* export sent, answer lost: adopt */
	uint16_t	 name_at[JOB_NNAMES]; /* where each name starts */
	char		 names[];	/* project\0instance\0...object\0 */
};
TAILQ_HEAD(job_list, job);

/*
 * What the exports of a fleet teach about the disk-size prior: a moving
 * least-squares line of log(real time) on log(prior) over about the last
 * JOB_PRIOR_WINDOW exports.
 */
#define JOB_PRIOR_MIN_SEEN	3	/* exports before it replaces the prior */
#define JOB_PRIOR_WINDOW	50
struct job_prior {
	double		 mx, my;	/* means of log prior, log real */
	double		 cxx, cxy;	/* their (co)variances */
	int		 n;
};

/*
 * How a worker spaces the polls of an export (job_poll_delay): the
 * prediction (0: none), the longest sleep towards it, and the interval's
 * floor and ceiling after it.
 */
struct job_polling {
	int64_t		 predicted_ms;
	int64_t		 sleep_max_ms;
	int64_t		 poll_initial_ms;
	int64_t		 poll_max_ms;
};

/* job.c */
struct job	*job_new(const char *, const char *, const char *, const char *,
		    const char *);
struct job	*job_dup(const struct job *);
void		 job_free(struct job *);
int		 job_set_operation(struct job *, const char *);
void		 job_set_error(struct job *, const char *);
const char	*job_project(const struct job *);
const char	*job_instance(const struct job *);
const char	*job_database(const struct job *);
const char	*job_version(const struct job *);
const char	*job_object(const struct job *);
int		 job_name_cmp(const struct job *, const char *, const char *,
		    const char *);
int		 job_ptr_cmp(const void *, const void *);
struct job	*job_find(struct job *const *, size_t, const char *,
		    const char *, const char *);
const char	*job_state_name(enum job_state);
int		 job_state_from_name(const char *, enum job_state *);
int		 job_state_final(enum job_state);
int		 job_transition_ok(enum job_state, enum job_state);
int64_t		 job_backoff_ms(int, int64_t, int64_t, uint32_t);
int64_t		 job_stuck_after(const struct job *, uint64_t);
int		 job_stuck(const struct job *, int64_t, uint64_t);
enum job_state	 job_fail(struct job *, enum gcp_status, const char *,
		    int64_t, uint64_t, int64_t, uint32_t, int64_t, int64_t);
int		 job_object_name(const char *, const char *, const char *,
		    const char *, const char *, int64_t, char *, size_t);
void		 job_label(const struct job *, char *, size_t);
void		 job_prior_learn(struct job_prior *, int64_t, int64_t);
int64_t		 job_prior_scaled(const struct job_prior *, int64_t);
int64_t		 job_poll_delay(const struct job_polling *, int64_t, int64_t,
		    int64_t *);

#endif
