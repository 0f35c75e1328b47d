/*
 * sched.c: the dispatch order.  Instances live in a tree keyed by
 * project/instance; each keeps its unfinished jobs.  Those with jobs and
 * nothing in flight are also in a second tree, the candidates, in the
 * order of sched_ccmp(): an instance already started before fresh
 * ones, then the most predicted work left first.  sched_next() walks the
 * candidates in that order and picks the first one not marked busy that
 * has a ready job; inside it, the ready job with the longest prediction.
 * The walk usually stops after a few instances; scanning every instance
 * for every pick cost the master a measurable share of its CPU on a
 * fleet of 3,000 instances.  Longest-chain-first keeps the run's makespan
 * near its lower bound.  No I/O and no clock: time is an argument.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sched.h"
#include "xmalloc.h"

static int
sched_cmp(struct sched_instance *a, struct sched_instance *b)
{
	int	c;

	if ((c = strcmp(a->project, b->project)) != 0)
		return (c);
	return (strcmp(a->instance, b->instance));
}

RB_PROTOTYPE(sched_tree, sched_instance, node, sched_cmp)
RB_GENERATE(sched_tree, sched_instance, node, sched_cmp)

/*
 * An instance already started first: its exports follow one another, so
 * it is exposed to its backup window for the length of its work, not for
 * most of the run (with the most work left first and nothing else, an
 * instance whose first export is done drops behind every fresh one and
 * its exports spread over the run).  Then most remaining work (a hold
 * counted) first; ties in name order.
 */
static int
sched_ccmp(struct sched_instance *a, struct sched_instance *b)
{
	int64_t	 x = a->remaining_ms + a->hold_ms;
	int64_t	 y = b->remaining_ms + b->hold_ms;

	if (a->started != b->started)
		return (a->started ? -1 : 1);
	if (x != y)
		return (x > y ? -1 : 1);
	return (sched_cmp(a, b));
}

RB_PROTOTYPE(sched_ctree, sched_instance, cnode, sched_ccmp)
RB_GENERATE(sched_ctree, sched_instance, cnode, sched_ccmp)

/* Take si out of the candidates before its key or eligibility changes. */
static void
sched_cand_out(struct sched *s, struct sched_instance *si)
{
	if (si->candidate) {
		RB_REMOVE(sched_ctree, &s->candidates, si);
		si->candidate = 0;
	}
}

/* And put it back if it has jobs and nothing in flight. */
static void
sched_cand_in(struct sched *s, struct sched_instance *si)
{
	if (!si->candidate && si->njobs > 0 && !si->in_flight) {
		RB_INSERT(sched_ctree, &s->candidates, si);
		si->candidate = 1;
	}
}

void
sched_init(struct sched *s)
{
	memset(s, 0, sizeof(*s));
	RB_INIT(&s->instances);
	RB_INIT(&s->candidates);
}

/* Free the instances; the jobs belong to the caller. */
void
sched_clear(struct sched *s)
{
	struct sched_instance	*si, *next;

	RB_FOREACH_SAFE(si, sched_tree, &s->instances, next) {
		RB_REMOVE(sched_tree, &s->instances, si);
		free(si->blocker);
		free(si);
	}
	sched_init(s);
}

static struct sched_instance *
sched_instance_get(struct sched *s, const char *project, const char *instance)
{
	struct sched_instance	 key, *si;
	size_t			 plen, ilen;

	key.project = project;
	key.instance = instance;
	if ((si = RB_FIND(sched_tree, &s->instances, &key)) != NULL)
		return (si);
	plen = strlen(project);
	ilen = strlen(instance);
	si = xcalloc(1, sizeof(*si) + plen + 1 + ilen + 1);
	memcpy(si->names, project, plen + 1);
	memcpy(si->names + plen + 1, instance, ilen + 1);
	si->project = si->names;
	si->instance = si->names + plen + 1;
	TAILQ_INIT(&si->jobs);
	RB_INSERT(sched_tree, &s->instances, si);
	s->ninstances++;
	return (si);
}

static int
sched_in_flight_state(enum job_state st)
{
	return (st == JOB_DISPATCHED || st == JOB_EXPORTING ||
	    st == JOB_VERIFYING);
}

/* Add an unfinished job; borrows it until sched_remove(). */
void
sched_add(struct sched *s, struct job *job)
{
	struct sched_instance	*si;

	si = sched_instance_get(s, job_project(job), job_instance(job));
	sched_cand_out(s, si);
	job->inst = si;
	TAILQ_INSERT_TAIL(&si->jobs, job, entry);
	si->njobs++;
	s->njobs++;
	if (!sched_in_flight_state(job->state))
		si->remaining_ms += job->predicted_ms;
	sched_cand_in(s, si);
}

/*
 * Forget a job (it has finished).  Call sched_stopped() first if needed.
 * An instance left with no jobs is forgotten too: by the end of a run
 * that is every instance, 3,000 on a large fleet.  What it knew (a busy
 * window) was for the jobs it had; a job added later starts afresh.
 */
void
sched_remove(struct sched *s, struct job *job)
{
	struct sched_instance	*si = job->inst;

	if (si == NULL)
		return;
	sched_cand_out(s, si);
	TAILQ_REMOVE(&si->jobs, job, entry);
	si->njobs--;
	s->njobs--;
	if (!sched_in_flight_state(job->state))
		si->remaining_ms -= job->predicted_ms;
	job->inst = NULL;
	if (si->njobs == 0 && !si->in_flight) {
		RB_REMOVE(sched_tree, &s->instances, si);
		s->ninstances--;
		free(si->blocker);
		free(si);
		return;
	}
	sched_cand_in(s, si);
}

/* May an export of this job be running at Google already? */
static int
sched_running(const struct job *job)
{
	return (job->operation != NULL || job->outcome_unknown);
}

static int
sched_ready(const struct job *job, int64_t now)
{
	if (job->state == JOB_QUEUED)
		return (1);
	return (job->state == JOB_RETRY_WAIT && job->next_attempt_ms <= now);
}

/*
 * The next job to dispatch at time now, or NULL.  *wake is set to the
 * earliest future time something waiting (retry, busy instance) becomes
 * ready, or 0 if nothing waits; when a job is returned, only among the
 * instances with more work left than its own (the caller asks again
 * when the job has left its worker).
 */
struct job *
sched_next(struct sched *s, int64_t now, int max_in_flight, int64_t *wake)
{
	struct sched_instance	*si, *best = NULL;
	struct job		*job, *pick;
	int64_t			 w = 0, t;

	*wake = 0;
	if (s->in_flight >= max_in_flight)
		return (NULL);
	RB_FOREACH(si, sched_ctree, &s->candidates) {
		if (si->busy_until_ms > now) {
			if (w == 0 || si->busy_until_ms < w)
				w = si->busy_until_ms;
			continue;
		}
		pick = NULL;
		TAILQ_FOREACH(job, &si->jobs, entry) {
			if (sched_ready(job, now)) {
				pick = job;
				break;
			}
			if (job->state == JOB_RETRY_WAIT) {
				t = job->next_attempt_ms;
				if (w == 0 || t < w)
					w = t;
			}
		}
		if (pick != NULL) {
			best = si;	/* the most work left of the ready */
			break;
		}
	}
	*wake = w;
	if (best == NULL)
		return (NULL);

	/*
	 * Inside the instance: a job whose export may be running at Google
	 * (operation known, or outcome unknown) first, since any other
	 * export would meet it as a 409; then the longest ready job.
	 */
	pick = NULL;
	TAILQ_FOREACH(job, &best->jobs, entry) {
		if (!sched_ready(job, now))
			continue;
		if (pick == NULL || sched_running(job) > sched_running(pick) ||
		    (sched_running(job) == sched_running(pick) &&
		    job->predicted_ms > pick->predicted_ms))
			pick = job;
	}
	return (pick);
}

/* The job was handed to a worker. */
void
sched_started(struct sched *s, struct job *job)
{
	struct sched_instance	*si = job->inst;

	sched_cand_out(s, si);
	si->in_flight = 1;
	si->started = 1;
	si->remaining_ms -= job->predicted_ms;
	s->in_flight++;
}

/*
 * The job left its worker (finished, failed, or its worker died).  Its
 * state must already be the new one: an unfinished job counts again
 * towards the instance's remaining work.
 */
void
sched_stopped(struct sched *s, struct job *job)
{
	struct sched_instance	*si = job->inst;

	sched_cand_out(s, si);
	si->in_flight = 0;
	s->in_flight--;
	if (!sched_in_flight_state(job->state))
		si->remaining_ms += job->predicted_ms;
	sched_cand_in(s, si);
}

/* Another operation runs on the job's instance: hold it until then. */
void
sched_busy(struct sched *s, struct job *job, int64_t until_ms)
{
	struct sched_instance	*si = job->inst;

	(void)s;
	if (si == NULL)
		return;
	si->busy_until_ms = until_ms;
	si->busy_count++;
}

/* The unfinished job for project/instance/database, or NULL. */
struct job *
sched_find(struct sched *s, const char *project, const char *instance,
    const char *database)
{
	struct sched_instance	 key, *si;
	struct job		*job;

	key.project = project;
	key.instance = instance;
	if ((si = RB_FIND(sched_tree, &s->instances, &key)) == NULL)
		return (NULL);
	TAILQ_FOREACH(job, &si->jobs, entry) {
		if (strcmp(job_database(job), database) == 0)
			return (job);
	}
	return (NULL);
}

/*
 * minutes after local midnight on the first local calendar day (of
 * weekday wday, or any with wday -1) whose time is after now; with today,
 * today's time even if past.
 */
static int64_t
sched_local_next(int wday, int minutes, int64_t now_ms, int today)
{
	time_t		now = (time_t)(now_ms / 1000), t;
	struct tm	tm;
	int		day;

	for (day = 0; day < 9; day++) {
		localtime_r(&now, &tm);
		tm.tm_mday += day;
		tm.tm_hour = minutes / 60;
		tm.tm_min = minutes % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (wday != -1 && tm.tm_wday != wday)
			continue;
		if (today || (int64_t)t * 1000 > now_ms)
			return ((int64_t)t * 1000);
	}
	return (now_ms + (wday == -1 ? 1 : 7) * 86400 * 1000LL);
}

/*
 * The daily run time: daily_at (minutes after local midnight) on the
 * first local calendar day whose run time is after now; with today set,
 * today's run time even if past.  Computed from the calendar each time
 * (mktime with tm_isdst = -1), so a DST change moves nothing: a time
 * that does not exist that day (02:30 when clocks spring forward) comes
 * out an hour later, one that exists twice comes out once.  The caller
 * runs at most once per local calendar day (the journal knows).
 */
int64_t
sched_daily_next(int daily_at, int64_t now_ms, int today)
{
	return (sched_local_next(-1, daily_at, now_ms, today));
}

/*
 * The weekly time (wday 0 = Sunday, minutes after local midnight) next
 * after now, from the calendar as sched_daily_next does.
 */
int64_t
sched_weekly_next(int wday, int minutes, int64_t now_ms)
{
	return (sched_local_next(wday, minutes, now_ms, 0));
}

/* The operation holding si (to look at before the next export), or NULL. */
void
sched_blocker(struct sched_instance *si, const char *op)
{
	free(si->blocker);
	si->blocker = op != NULL && *op != '\0' ? xstrdup(op) : NULL;
}

/*
 * si was held by another operation for ms on an earlier night (0: not,
 * or its hold is over tonight): counted with its work in the order.
 */
void
sched_hold(struct sched *s, struct sched_instance *si, int64_t ms)
{
	sched_cand_out(s, si);
	si->hold_ms = ms > 0 ? ms : 0;
	si->hold_known = 1;
	sched_cand_in(s, si);
}
