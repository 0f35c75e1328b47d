/*
 * job.c: the rules of a job's life: which transitions exist, how long to
 * wait before the next attempt, when to give up, and what the exported
 * object is called.  No I/O and no clock here: time is an argument, so
 * tests set it.  The master (master.c, sched.c) applies these rules and the
 * journal records them.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job.h"
#include "log.h"
#include "xmalloc.h"

/*
 * The one table of state names: logs, JSON and the journal's jobs.state
 * column all use it, so an operator reading the journal with sqlite3(1)
 * sees what the logs say.  A name changed here is a journal schema change.
 */
static const char *const job_state_names[JOB_STATE_COUNT] = {
	[JOB_QUEUED] = "queued",
	[JOB_DISPATCHED] = "dispatched",
	[JOB_EXPORTING] = "exporting",
	[JOB_VERIFYING] = "verifying",
	[JOB_SUCCEEDED] = "succeeded",
	[JOB_RETRY_WAIT] = "retry_wait",
	[JOB_FAILED] = "failed",
};

const char *
job_state_name(enum job_state st)
{
	if ((unsigned)st >= JOB_STATE_COUNT)
		return ("invalid");
	return (job_state_names[st]);
}

/* The state called name: 0 and *st set, or -1 for an unknown name. */
int
job_state_from_name(const char *name, enum job_state *st)
{
	int	i;

	for (i = 0; i < JOB_STATE_COUNT; i++) {
		if (strcmp(name, job_state_names[i]) == 0) {
			*st = i;
			return (0);
		}
	}
	return (-1);
}

static const size_t job_name_max[JOB_NNAMES] = {
	[JOB_PROJECT] = GCP_PROJECT_ID_MAX,
	[JOB_INSTANCE] = GCP_INSTANCE_MAX,
	[JOB_DATABASE] = GCP_DATABASE_MAX,
	[JOB_VERSION] = JOB_VERSION_MAX,
	[JOB_OBJECT] = GCP_OBJECT_MAX,
};

/*
 * A new queued job for project/instance/database, of engine version,
 * exported as object: the names are copied into the job's own allocation,
 * end to end.  Returns NULL (nothing allocated) when a name is longer than
 * Google allows; the caller frees the job with job_free().
 */
struct job *
job_new(const char *project, const char *instance, const char *database,
    const char *version, const char *object)
{
	const char	*name[JOB_NNAMES] = {
		project, instance, database, version, object
	};
	struct job	*job;
	size_t		 len[JOB_NNAMES], total = 0;
	int		 i;

	for (i = 0; i < JOB_NNAMES; i++) {
		len[i] = strnlen(name[i], job_name_max[i] + 1);
		if (len[i] > job_name_max[i])
			return (NULL);
		total += len[i] + 1;
	}
	/* The limits keep every offset well within name_at's range. */
	job = xcalloc(1, offsetof(struct job, names) + total);
	total = 0;
	for (i = 0; i < JOB_NNAMES; i++) {
		job->name_at[i] = (uint16_t)total;
		memcpy(job->names + total, name[i], len[i] + 1);
		total += len[i] + 1;
	}
	job->state = JOB_QUEUED;
	job->worker = -1;
	return (job);
}

/*
 * A copy of job with its own strings; the master's bookkeeping (instance,
 * worker, queue link, pending writes) is not copied.  Caller frees.
 */
struct job *
job_dup(const struct job *job)
{
	struct job	*n;

	n = job_new(job_project(job), job_instance(job), job_database(job),
	    job_version(job), job_object(job));
	if (n == NULL)
		fatalx("job_dup: job %lld has a name over its limit",
		    (long long)job->id);
	n->id = job->id;
	n->run_id = job->run_id;
	if (job_set_operation(n, job->operation) == -1)
		fatalx("job_dup: job %lld has an operation over its limit",
		    (long long)job->id);
	job_set_error(n, job->last_error);
	if (job->via != NULL)
		n->via = xstrdup(job->via);
	n->state = job->state;
	n->last_status = job->last_status;
	n->attempts = job->attempts;
	n->failures = job->failures;
	n->outcome_unknown = job->outcome_unknown;
	memcpy(n->crc32c, job->crc32c, sizeof(n->crc32c));
	n->size = job->size;
	n->created_ms = job->created_ms;
	n->first_attempt_ms = job->first_attempt_ms;
	n->started_ms = job->started_ms;
	n->ended_ms = job->ended_ms;
	n->next_attempt_ms = job->next_attempt_ms;
	n->predicted_ms = job->predicted_ms;
	n->notified = job->notified;
	return (n);
}

/* Free job and its strings; NULL is a no-op. */
void
job_free(struct job *job)
{
	if (job == NULL)
		return;
	free(job->operation);
	free(job->last_error);
	free(job->via);
	free(job);
}

/*
 * Set the job's operation name (a copy); NULL or "" clears it.  Returns
 * 0, or -1 leaving the job unchanged when the name is longer than
 * GCP_OPERATION_MAX.
 */
int
job_set_operation(struct job *job, const char *op)
{
	if (op != NULL && strnlen(op, GCP_OPERATION_MAX + 1) >
	    GCP_OPERATION_MAX)
		return (-1);
	free(job->operation);
	job->operation = op != NULL && *op != '\0' ? xstrdup(op) : NULL;
	return (0);
}

/*
 * Set the job's last error text (a copy, cut at JOB_ERROR_MAX bytes like
 * every error text the daemon keeps); NULL or "" clears it.
 */
void
job_set_error(struct job *job, const char *text)
{
	size_t	len;

	free(job->last_error);
	job->last_error = NULL;
	if (text == NULL || *text == '\0')
		return;
	len = strnlen(text, JOB_ERROR_MAX);
	job->last_error = xmalloc(len + 1);
	memcpy(job->last_error, text, len);
	job->last_error[len] = '\0';
}

/* The job's names (borrowed; as long as the job lives). */
const char *
job_project(const struct job *job)
{
	return (job->names + job->name_at[JOB_PROJECT]);
}

const char *
job_instance(const struct job *job)
{
	return (job->names + job->name_at[JOB_INSTANCE]);
}

const char *
job_database(const struct job *job)
{
	return (job->names + job->name_at[JOB_DATABASE]);
}

const char *
job_version(const struct job *job)
{
	return (job->names + job->name_at[JOB_VERSION]);
}

const char *
job_object(const struct job *job)
{
	return (job->names + job->name_at[JOB_OBJECT]);
}

/* job's place against project/instance/database, as strcmp. */
int
job_name_cmp(const struct job *job, const char *project, const char *instance,
    const char *database)
{
	int	c;

	if ((c = strcmp(job_project(job), project)) != 0)
		return (c);
	if ((c = strcmp(job_instance(job), instance)) != 0)
		return (c);
	return (strcmp(job_database(job), database));
}

/* For qsort of job pointers: by project, instance, database. */
int
job_ptr_cmp(const void *a, const void *b)
{
	const struct job	*y = *(struct job *const *)b;

	return (job_name_cmp(*(struct job *const *)a, job_project(y),
	    job_instance(y), job_database(y)));
}

/*
 * The job for project/instance/database among n jobs sorted with
 * job_ptr_cmp, or NULL.  O(log n).
 */
struct job *
job_find(struct job *const *v, size_t n, const char *project,
    const char *instance, const char *database)
{
	size_t	lo = 0, hi = n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = job_name_cmp(v[mid], project, instance, database);
		if (c == 0)
			return (v[mid]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

int
job_state_final(enum job_state st)
{
	return (st == JOB_SUCCEEDED || st == JOB_FAILED);
}

/*
 * The edges of the state machine.  Anything not listed is a bug in the
 * caller.  A job goes back to queued from dispatched/exporting/verifying
 * when its worker dies (resume or retry), and from retry_wait when its
 * time has come.
 */
int
job_transition_ok(enum job_state from, enum job_state to)
{
	switch (from) {
	case JOB_QUEUED:
		return (to == JOB_DISPATCHED || to == JOB_FAILED);
	case JOB_DISPATCHED:
		return (to == JOB_EXPORTING || to == JOB_RETRY_WAIT ||
		    to == JOB_FAILED || to == JOB_QUEUED);
	case JOB_EXPORTING:
		return (to == JOB_VERIFYING || to == JOB_RETRY_WAIT ||
		    to == JOB_FAILED || to == JOB_QUEUED ||
		    to == JOB_SUCCEEDED);
	case JOB_VERIFYING:
		return (to == JOB_SUCCEEDED || to == JOB_RETRY_WAIT ||
		    to == JOB_FAILED || to == JOB_QUEUED);
	case JOB_RETRY_WAIT:
		return (to == JOB_QUEUED || to == JOB_FAILED);
	case JOB_SUCCEEDED:
	case JOB_FAILED:
		return (0);
	}
	return (0);
}

/*
 * How long to wait before the next poll of an export.  All times are the
 * worker's clock: op_start is when the export was accepted (or first
 * seen), so Google's and our clocks never need to agree.  Until the
 * predicted end the worker sleeps towards it (each poll before it is
 * wasted quota), at most sleep_max at a time.  After it, or without a
 * prediction, the interval doubles from *step (start it at poll_initial)
 * up to poll_max.  An export that outlives its prediction is late by an
 * amount that grows with its length, so the first interval past the end
 * is a quarter of the prediction (between poll_initial and poll_max):
 * from poll_initial, an export a third late took four or five looks.
 */
int64_t
job_poll_delay(const struct job_polling *p, int64_t op_start, int64_t now,
    int64_t *step)
{
	int64_t	 end, d, first;

	if (p->predicted_ms > 0 && op_start > 0) {
		end = op_start + p->predicted_ms;
		if (end - now > p->poll_initial_ms) {
			d = end - now;
			if (d > p->sleep_max_ms && d > p->poll_max_ms)
				d = p->sleep_max_ms > p->poll_max_ms ?
				    p->sleep_max_ms : p->poll_max_ms;
			return (d);
		}
		first = p->predicted_ms / 4;
		if (first > p->poll_max_ms)
			first = p->poll_max_ms;
		if (*step < first)
			*step = first;
	}
	d = *step;
	*step *= 2;
	if (*step > p->poll_max_ms)
		*step = p->poll_max_ms;
	if (*step < p->poll_initial_ms)
		*step = p->poll_initial_ms;
	return (d);
}

/*
 * Exponential backoff with full jitter (Google's advice for its APIs): the
 * ceiling doubles per attempt from base_ms up to cap_ms, and the wait is
 * drawn uniformly from [0, ceiling].  A burst of failures spreads out
 * instead of coming back in step.  rnd is any uniform random word.
 */
int64_t
job_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd)
{
	int64_t	ceiling = base_ms;
	int	i;

	if (base_ms <= 0)
		return (0);
	for (i = 1; i < attempt && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	return ((int64_t)(rnd % (uint64_t)(ceiling + 1)));
}

/*
 * How long an export may run before it counts as stuck: [alerts]
 * stuck_after when set (stuck_after_ms > 0), else four times its
 * prediction and at least an hour, since a prediction can be short of a
 * slow day by a wide margin without anything being wrong.
 */
#define JOB_STUCK_FACTOR	4
#define JOB_STUCK_MIN_MS	(60 * 60 * 1000)

int64_t
job_stuck_after(const struct job *job, uint64_t stuck_after_ms)
{
	int64_t	 t;

	if (stuck_after_ms > 0)
		return ((int64_t)stuck_after_ms);
	t = job->predicted_ms * JOB_STUCK_FACTOR;
	return (t > JOB_STUCK_MIN_MS ? t : JOB_STUCK_MIN_MS);
}

/* Whether job's export (operation sent, not yet verified) is stuck at now. */
int
job_stuck(const struct job *job, int64_t now_ms, uint64_t stuck_after_ms)
{
	if (job->state != JOB_EXPORTING && job->state != JOB_VERIFYING)
		return (0);
	if (job->started_ms == 0)
		return (0);
	return (now_ms - job->started_ms > job_stuck_after(job,
	    stuck_after_ms));
}

/*
 * Record a failed attempt and decide what follows: retry_wait with
 * next_attempt_ms set, or failed.  Permanent errors fail at once; others
 * retry while the retry window (from the first attempt) lasts, after a
 * backoff whose ceilings go from base_ms, doubling, up to cap_ms
 * ([export] retry_base and retry_max: by default 4 s, 8 s, ... 5 min, a
 * dozen or more attempts within the hour, never a retry storm), and at
 * least retry_after_ms when the server asked for it.  The last retry is
 * placed no later than the window's end.  Returns the new state (also set
 * in job->state).
 */
enum job_state
job_fail(struct job *job, enum gcp_status st, const char *message,
    int64_t now_ms, uint64_t window_ms, int64_t retry_after_ms, uint32_t rnd,
    int64_t base_ms, int64_t cap_ms)
{
	int64_t	 end, wait;

	job->last_status = st;
	job_set_error(job, message);
	job->failures++;
	job->ended_ms = now_ms;
	if (job->first_attempt_ms == 0)
		job->first_attempt_ms = now_ms;
	end = job->first_attempt_ms + (int64_t)window_ms;

	if (st == GCP_PERMANENT || now_ms >= end) {
		job->state = JOB_FAILED;
		job->next_attempt_ms = 0;
		return (job->state);
	}
	wait = job_backoff_ms(job->failures, base_ms, cap_ms, rnd);
	if (retry_after_ms > wait)
		wait = retry_after_ms;
	job->next_attempt_ms = now_ms + wait;
	if (job->next_attempt_ms > end)
		job->next_attempt_ms = end;
	job->state = JOB_RETRY_WAIT;
	return (job->state);
}

/*
 * Expand an object name template.  {date} and {time} are the run's start
 * in UTC (YYYY-MM-DD, HHMMSS), so every object of a run shares them and an
 * operator finds "the export of p/i/d for day D" by prefix.  Returns 0, or
 * -1 when the result does not fit or a placeholder is unknown.
 */
int
job_object_name(const char *tmpl, const char *project, const char *instance,
    const char *database, const char *ext, int64_t run_start_ms, char *buf,
    size_t len)
{
	struct tm	 tm;
	time_t		 t = (time_t)(run_start_ms / 1000);
	char		 date[16], tod[16];
	const char	*p, *end, *val;
	size_t		 n, used = 0;

	if (gmtime_r(&t, &tm) == NULL)
		return (-1);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	strftime(tod, sizeof(tod), "%H%M%S", &tm);

	if (len == 0)
		return (-1);
	buf[0] = '\0';
	for (p = tmpl; *p != '\0'; p = end) {
		if (*p != '{') {
			end = strchr(p, '{');
			if (end == NULL)
				end = p + strlen(p);
			n = end - p;
			if (used + n >= len)
				return (-1);
			memcpy(buf + used, p, n);
			used += n;
			buf[used] = '\0';
			continue;
		}
		end = strchr(p, '}');
		if (end == NULL)
			return (-1);
		n = end - p - 1;
		end++;
		if (n == 7 && strncmp(p + 1, "project", n) == 0)
			val = project;
		else if (n == 8 && strncmp(p + 1, "instance", n) == 0)
			val = instance;
		else if (n == 8 && strncmp(p + 1, "database", n) == 0)
			val = database;
		else if (n == 4 && strncmp(p + 1, "date", n) == 0)
			val = date;
		else if (n == 4 && strncmp(p + 1, "time", n) == 0)
			val = tod;
		else if (n == 3 && strncmp(p + 1, "ext", n) == 0)
			val = ext;
		else
			return (-1);
		if (strlcat(buf, val, len) >= len)
			return (-1);
		used = strlen(buf);
	}
	return (0);
}

/* "project/instance/database": how logs and replies name a job. */
void
job_label(const struct job *job, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", job_project(job), job_instance(job),
	    job_database(job));
}

/*
 * The disk-size prior is a guess about every database at once: a disk
 * holds free space and indexes a dump leaves out, and a small export's
 * time is mostly Cloud SQL's start-up.  Each export that ends with a
 * prior prediction adds a point (log prior, log real); the prediction is
 * the moving least-squares line through them, its slope kept in [0, 1]:
 * 1 when real times follow the prior (then it only rescales it), 0 when
 * they do not (then every database gets the fleet's typical time).  With
 * no spread in the priors seen, the slope is taken as 1.  Dispatch order
 * keeps the raw prior.
 */
void
job_prior_learn(struct job_prior *jp, int64_t prior_ms, int64_t real_ms)
{
	double	x, y, a, dx, dy;

	if (prior_ms <= 0 || real_ms <= 0)
		return;
	x = log((double)prior_ms);
	y = log((double)real_ms);
	if (jp->n < JOB_PRIOR_WINDOW)
		jp->n++;
	a = 1.0 / jp->n;	/* plain means first, then moving ones */
	dx = x - jp->mx;
	dy = y - jp->my;
	jp->mx += a * dx;
	jp->my += a * dy;
	jp->cxx = (1.0 - a) * (jp->cxx + a * dx * dx);
	jp->cxy = (1.0 - a) * (jp->cxy + a * dx * dy);
}

int64_t
job_prior_scaled(const struct job_prior *jp, int64_t prior_ms)
{
	double	x, b;

	if (jp->n < JOB_PRIOR_MIN_SEEN || prior_ms <= 0)
		return (prior_ms);
	x = log((double)prior_ms);
	b = jp->cxx > 1e-6 ? jp->cxy / jp->cxx : 1.0;
	if (b < 0.0)
		b = 0.0;
	if (b > 1.0)
		b = 1.0;
	return ((int64_t)(exp(jp->my + b * (x - jp->mx)) + 0.5));
}
