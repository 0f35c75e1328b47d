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
#include <sys/tree.h>

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

struct job {
	int64_t		 id;		/* journal row id */
	int64_t		 run_id;
	char		 project[GCP_PROJECT_ID_MAX + 1];
	char		 instance[GCP_INSTANCE_MAX + 1];
	char		 database[GCP_DATABASE_MAX + 1];
	char		 version[GCP_VERSION_MAX];	/* databaseVersion */
	char		 object[GCP_OBJECT_MAX + 1];	/* object name in bucket */
	enum job_state	 state;
	int		 attempts;	/* export attempts started */
	int		 failures;	/* attempts that failed */
	char		 operation[GCP_OPERATION_MAX + 1];
	int		 outcome_unknown; /* export sent, answer lost: adopt */
	uint64_t	 size;
	char		 crc32c[16];
	int64_t		 created_ms;	/* wall clock, unix ms */
	int64_t		 first_attempt_ms; /* retry window starts here */
	int64_t		 started_ms;	/* current attempt */
	int64_t		 ended_ms;
	int64_t		 next_attempt_ms; /* retry_wait until */
	int64_t		 predicted_ms;	/* export duration prediction */
	enum gcp_status	 last_status;
	char		 last_error[GCP_MESSAGE_MAX];

	/* Master bookkeeping; not journaled. */
	struct sched_instance *inst;
	int		 worker;	/* slot, or -1 */
	int		 notified;	/* alert_after_failures reached */
	int		 prior;		/* predicted_ms is the disk prior */
	int		 dirty;		/* journal write pending */
	int		 in_run;	/* index in the run's job array */
	TAILQ_ENTRY(job) entry;		/* instance queue */
	RB_ENTRY(job)	 node;		/* the run's index */
};
TAILQ_HEAD(job_list, job);
RB_HEAD(job_tree, job);

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

/* job.c */
const char	*job_state_name(enum job_state);
int		 job_state_from_name(const char *, enum job_state *);
int		 job_state_final(enum job_state);
int		 job_transition_ok(enum job_state, enum job_state);
int64_t		 job_backoff_ms(int, int64_t, int64_t, uint32_t);
enum job_state	 job_fail(struct job *, enum gcp_status, const char *,
		    int64_t, uint64_t, int64_t, uint32_t);
int		 job_object_name(const char *, const char *, const char *,
		    const char *, const char *, int64_t, char *, size_t);
void		 job_label(const struct job *, char *, size_t);
int		 job_cmp(struct job *, struct job *);
void		 job_prior_learn(struct job_prior *, int64_t, int64_t);
int64_t		 job_prior_scaled(const struct job_prior *, int64_t);
RB_PROTOTYPE(job_tree, job, node, job_cmp)

#endif
