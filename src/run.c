/*
 * run.c: a run's jobs and the rules the master applies to them, with no
 * I/O and no clock: counting jobs by state, a dispatch, what a failed
 * attempt comes to (run_job_failed), when a run is over and its outcome,
 * how a journaled job resumes after a restart, the duplicates a walk
 * may return, and when a run has stalled (the progress watchdog).  Acting on a decision (journal, workers, logs, alerts) is
 * the master's; check_run tests these rules with a set clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "discovery.h"
#include "job.h"
#include "log.h"
#include "msg.h"
#include "run.h"
#include "sched.h"
#include "xmalloc.h"

/* A new run, discovering; trigger and patterns as the journal keeps them. */
struct run *
run_new(const char *trigger, const char *patterns, int64_t started_ms)
{
	struct run	*r;

	r = xcalloc(1, sizeof(*r));
	strlcpy(r->jr.trigger, trigger, sizeof(r->jr.trigger));
	strlcpy(r->jr.patterns, patterns, sizeof(r->jr.patterns));
	r->jr.started_ms = started_ms;
	run_day(started_ms, r->jr.day, sizeof(r->jr.day));
	r->state = RUN_DISCOVERING;
	return (r);
}

/* Frees the run and every job in it. */
void
run_free(struct run *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->njobs; i++)
		job_free(r->jobs[i]);
	free(r->jobs);
	free(r);
}

const char *
run_state_name(enum run_state st)
{
	switch (st) {
	case RUN_DISCOVERING:
		return ("discovering");
	case RUN_RUNNING:
		return ("running");
	case RUN_FINISHED:
		return ("finished");
	}
	return ("invalid");
}

/* The run takes job (and frees it with itself). */
void
run_add_job(struct run *r, struct job *job)
{
	if (r->njobs == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		r->jobs = xreallocarray(r->jobs, r->cap, sizeof(*r->jobs));
	}
	r->jobs[r->njobs++] = job;
	r->count[job->state]++;
}

/*
 * Takes the i-th job out of the run (the last one takes its place);
 * returns it, the caller's to free.
 */
struct job *
run_remove_job(struct run *r, size_t i)
{
	struct job	*job = r->jobs[i];

	r->count[job->state]--;
	r->jobs[i] = r->jobs[--r->njobs];
	return (job);
}

/* Moves job to st, counted in r (NULL: a job of no run). */
void
run_job_state(struct run *r, struct job *job, enum job_state st)
{
	if (!job_transition_ok(job->state, st) && job->state != st)
		log_warnx("job %s/%s/%s: unexpected %s -> %s",
		    job_project(job), job_instance(job), job_database(job),
		    job_state_name(job->state), job_state_name(st));
	if (r != NULL) {
		r->count[job->state]--;
		r->count[st]++;
	}
	job->state = st;
}

/* Has every job of the run reached a final state? */
int
run_jobs_final(const struct run *r)
{
	return (r->count[JOB_SUCCEEDED] + r->count[JOB_FAILED] ==
	    (int)r->njobs);
}

/*
 * How many queued jobs wait at now for their instance to be free of
 * another operation (a 409: sched_busy): queued, but not startable.
 * O(jobs); asked for a status or a progress line, not per dispatch.
 */
int
run_busy(const struct run *r, int64_t now)
{
	const struct job	*job;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < r->njobs; i++) {
		job = r->jobs[i];
		if (job->state == JOB_QUEUED && job->inst != NULL &&
		    job->inst->busy_until_ms > now)
			n++;
	}
	return (n);
}

/*
 * Fills the run's journal record for its end at now: totals and outcome.
 * A run whose discovery failed has failed, whatever its jobs did.
 */
void
run_end(struct run *r, int64_t now)
{
	r->jr.ended_ms = now;
	r->jr.total = (int)r->njobs;
	r->jr.succeeded = r->count[JOB_SUCCEEDED];
	r->jr.failed = r->count[JOB_FAILED];
	if (r->disc_failed)
		strlcpy(r->jr.outcome, "failed", sizeof(r->jr.outcome));
	else
		strlcpy(r->jr.outcome, r->jr.failed > 0 ? "failed" :
		    "succeeded", sizeof(r->jr.outcome));
}

/*
 * The run's jobs sorted by name, for the lookups of a walk: made once per
 * walk rather than kept in an index, which would cost every job a tree
 * node (320 KiB on a fleet of 10,000).  Caller frees.
 */
struct job **
run_sorted(const struct run *r)
{
	struct job	**v;

	v = xreallocarray(NULL, r->njobs > 0 ? r->njobs : 1, sizeof(*v));
	if (r->njobs > 0) {	/* r->jobs is NULL in a run with none yet */
		memcpy(v, r->jobs, r->njobs * sizeof(*v));
		qsort(v, r->njobs, sizeof(*v), job_ptr_cmp);
	}
	return (v);
}

/* By name, then place in the result (the walk's order). */
static int
run_target_cmp(const void *a, const void *b)
{
	const struct disc_target	*x = *(const struct disc_target **)a;
	const struct disc_target	*y = *(const struct disc_target **)b;
	int				 c;

	if ((c = strcmp(x->project, y->project)) != 0 ||
	    (c = strcmp(x->instance, y->instance)) != 0 ||
	    (c = strcmp(x->database, y->database)) != 0)
		return (c);
	return (x < y ? -1 : x > y);
}

/*
 * The targets the walk found more than once (a list that changed between
 * two of its pages): a flag per target, set on every one but the first.
 * Caller frees.
 */
char *
run_disc_dups(const struct disc_result *res)
{
	const struct disc_target	**v;
	char				 *dup;
	size_t				  i, n = res->ntargets;

	dup = xcalloc(n > 0 ? n : 1, 1);
	if (n < 2)
		return (dup);
	v = xreallocarray(NULL, n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = &res->targets[i];
	qsort(v, n, sizeof(*v), run_target_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i]->project, v[i - 1]->project) == 0 &&
		    strcmp(v[i]->instance, v[i - 1]->instance) == 0 &&
		    strcmp(v[i]->database, v[i - 1]->database) == 0)
			dup[v[i] - res->targets] = 1;
	}
	free(v);
	return (dup);
}

/* A walk ended: its totals join the run's. */
void
run_disc_add(struct run *r, const struct disc_result *res)
{
	r->disc.projects += res->projects;
	r->disc.instances += res->instances;
	r->disc.databases += res->databases;
	r->disc.skipped += (int)res->skipped.n;
	r->disc.excluded += (int)res->excluded.n;
	r->disc.api_disabled += res->api_disabled;
	r->disc.errors += (int)res->errors.n;
	r->disc.partial += (int)res->partial.n;
	if (res->failed)
		r->disc_failed = 1;
}

/* Patterns as the journal keeps them: "p/i/d p2", space-separated. */
void
run_patterns_text(const struct disc_pattern *pat, size_t npat, char *buf,
    size_t len)
{
	size_t	i;
	int	k;

	buf[0] = '\0';
	for (i = 0; i < npat; i++) {
		if (i > 0)
			strlcat(buf, " ", len);
		for (k = 0; k < pat[i].nparts; k++) {
			if (k > 0)
				strlcat(buf, "/", len);
			strlcat(buf, pat[i].part[k], len);
		}
	}
}

/* Local calendar day of a wall-clock time, as YYYY-MM-DD. */
void
run_day(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/*
 * A job read back from the journal of an unfinished run, made ready to go
 * on: one that was dispatched may have sent its export, so it looks
 * before sending again, and its attempt goes on (adopted, or sent now)
 * rather than counting twice; one that was exporting or verifying resumes
 * its operation.
 */
void
run_recover_job(struct job *job)
{
	switch (job->state) {
	case JOB_DISPATCHED:
		job->outcome_unknown = 1;
		job->state = JOB_QUEUED;
		if (job->operation == NULL && job->attempts > 0)
			job->attempts--;
		break;
	case JOB_EXPORTING:
	case JOB_VERIFYING:
		job->state = JOB_QUEUED;
		break;
	default:
		break;
	}
}

/*
 * job goes to a worker at now: a new attempt unless it resumes a journaled
 * operation, which goes straight back to exporting.
 */
void
run_job_dispatch(struct run *r, struct job *job, int64_t now)
{
	if (job->operation == NULL) {
		job->attempts++;
		job->started_ms = now;
	}
	if (job->first_attempt_ms == 0)
		job->first_attempt_ms = now;
	if (job->state == JOB_RETRY_WAIT)
		run_job_state(r, job, JOB_QUEUED);
	run_job_state(r, job, JOB_DISPATCHED);
	if (job->operation != NULL)
		run_job_state(r, job, JOB_EXPORTING);
	r->in_flight++;
}

/*
 * What a worker's failure report f does to job at now, under policy p
 * (rnd: the jitter).  The job's fields and state change here; the caller
 * journals, logs and acts (a refused token is invalidated, a busy
 * instance waits until *busy_until).  A job whose operation is still
 * known (the poll broke, not the export) keeps it and resumes without
 * counting a failure; so does a refused token, once.
 */
enum run_verdict
run_job_failed(struct run *r, struct job *job, const struct msg_failed *f,
    const struct run_policy *p, int64_t now, uint32_t rnd,
    int64_t *busy_until)
{
	enum gcp_status		 gst = f->status;
	enum job_state		 st, prev;
	int64_t			 wait;

	*busy_until = 0;
	if (gst == GCP_AUTH && job->last_status != GCP_AUTH &&
	    job->operation == NULL) {
		job->last_status = GCP_AUTH;
		job->outcome_unknown = f->outcome_unknown;
		if (job->attempts > 0)
			job->attempts--;
		job->next_attempt_ms = now + p->resume_delay_ms;
		job_set_error(job, f->message);
		run_job_state(r, job, JOB_RETRY_WAIT);
		return (RUN_TOKEN_REFUSED);
	}
	if (gst == GCP_AUTH)
		gst = GCP_RETRY;
	if (gst == GCP_BUSY) {
		/*
		 * Another operation on the instance (automated backup,
		 * maintenance): wait on it when it was seen (busy_wait_ms,
		 * from blocker.c), else look again about as often as a
		 * poll would, backing off.
		 */
		if (p->busy_wait_ms > 0)
			wait = p->busy_wait_ms;
		else
			wait = p->poll_initial_ms + job_backoff_ms(job->inst !=
			    NULL ? job->inst->busy_count + 1 : 1,
			    2 * p->poll_initial_ms, p->busy_cap_ms, rnd);
		if (f->retry_after_ms > wait)
			wait = f->retry_after_ms;
		*busy_until = now + wait;
		if (job->attempts > 0)
			job->attempts--;
		job_set_error(job, f->message);
		job->last_status = GCP_BUSY;
		if (job->first_attempt_ms != 0 && now >= job->first_attempt_ms +
		    (int64_t)p->retry_window_ms) {
			run_job_state(r, job, JOB_FAILED);
			job->ended_ms = now;
			return (RUN_BUSY_TOO_LONG);
		}
		run_job_state(r, job, JOB_QUEUED);
		return (RUN_BUSY);
	}
	if (job->operation != NULL && !f->op_failed) {
		job->next_attempt_ms = now + p->resume_delay_ms;
		job_set_error(job, f->message);
		run_job_state(r, job, JOB_RETRY_WAIT);
		return (RUN_LOST_POLL);
	}
	if (f->op_failed)
		job_set_operation(job, NULL);
	job->outcome_unknown = f->outcome_unknown;
	prev = job->state;
	st = job_fail(job, gst, f->message, now, p->retry_window_ms,
	    f->retry_after_ms, rnd, p->retry_base_ms, p->retry_max_ms);
	job->state = prev;
	run_job_state(r, job, st);
	return (st == JOB_FAILED ? RUN_GAVE_UP : RUN_RETRY);
}

const char *
run_verdict_name(enum run_verdict v)
{
	switch (v) {
	case RUN_TOKEN_REFUSED:
		return ("token_refused");
	case RUN_BUSY:
		return ("busy");
	case RUN_BUSY_TOO_LONG:
		return ("busy_too_long");
	case RUN_LOST_POLL:
		return ("lost_poll");
	case RUN_RETRY:
		return ("retry");
	case RUN_GAVE_UP:
		return ("gave_up");
	}
	return ("invalid");
}

/*
 * Is something whose last sign of progress was at progress_ms stalled at
 * now, after stall_after_ms?  (0: never.)  The run's watchdog and the
 * master's look at each busy worker both ask this.
 */
int
run_stalled(int64_t progress_ms, int64_t now, uint64_t stall_after_ms)
{
	if (stall_after_ms == 0)
		return (0);
	return (now - progress_ms >= (int64_t)stall_after_ms);
}

/*
 * r progressed at now: a job changed state, an export was sent or a poll
 * answered.  The stall clock starts again.  Returns 1 if r was stalled
 * (the caller says it has recovered), else 0.
 */
int
run_progress(struct run *r, int64_t now)
{
	int	 was = r->stalled;

	r->progress_ms = now;
	r->stalled = 0;
	r->kicked_ms = 0;
	return (was);
}

/*
 * The progress watchdog's look at r at now.  Only a running run with jobs
 * left is watched: discovery has its own timeouts and retries, so until
 * its jobs can run (and at the first look after a restart) the clock
 * starts again.  RUN_WATCH_STALLED when no progress came for
 * stall_after_ms (r->stalled says so until the next run_progress), then
 * RUN_WATCH_KICK every stall_after_ms while it lasts.
 */
enum run_watch
run_watch(struct run *r, int64_t now, uint64_t stall_after_ms)
{
	if (r->state != RUN_RUNNING || run_jobs_final(r) ||
	    r->progress_ms == 0) {
		run_progress(r, now);
		return (RUN_WATCH_OK);
	}
	if (r->stalled) {
		if (!run_stalled(r->kicked_ms, now, stall_after_ms))
			return (RUN_WATCH_OK);
		r->kicked_ms = now;
		return (RUN_WATCH_KICK);
	}
	if (!run_stalled(r->progress_ms, now, stall_after_ms))
		return (RUN_WATCH_OK);
	r->stalled = 1;
	r->kicked_ms = now;
	return (RUN_WATCH_STALLED);
}
