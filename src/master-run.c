/*
 * master-run.c: a run's life in the master: it starts (a trigger, the
 * schedule, or an unfinished run found in the journal at start), takes
 * its jobs from each walk of discovery, and ends once every job's end is
 * journaled; a run that could not start waits here until nothing is in
 * the way.  The rules (counts, outcome, duplicates) are run.c's.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "master-int.h"
#include "msg.h"
#include "xmalloc.h"

static void	master_disc_cb(struct disc_result *, void *);

/*
 * job joins the run in progress, and the queue unless it is over; its
 * instance's hold on earlier nights is looked up unless told not to (a
 * journal callback may not query the journal).
 */
static void
master_run_add_job(struct master *m, struct job *job, int lookup)
{
	int64_t	 hold;

	run_add_job(m->run, job);
	if (job_state_final(job->state))
		return;
	sched_add(&m->sched, job);
	if (lookup && job->inst != NULL && !job->inst->hold_known) {
		if (m->journal == NULL || journal_blocker_longest(m->journal,
		    job_project(job), job_instance(job), &hold) != 1)
			hold = 0;
		sched_hold(&m->sched, job->inst, hold);
	}
}

void
master_run_check_end(struct master *m)
{
	struct run		*r = m->run;
	struct master_event	 ev;

	if (r == NULL || r->discovering > 0 || m->disc != NULL)
		return;
	if (!run_jobs_final(r))
		return;
	/*
	 * Every job's end is journaled before the run's end is; queued
	 * writes bring us back here once committed (master_flush_cb).
	 */
	if (!m->journal_ok || m->rewalk || m->npend > 0)
		return;
	/* What held its instances, read before the run ends. */
	if (master_survey_pending(m, r))
		return;
	run_end(r, master_now_ms());
	if (journal_run_end(m->journal, &r->jr) == -1) {
		master_journal_failed(m);
		return;		/* the retry timer brings us back */
	}
	r->state = RUN_FINISHED;
	log_emit(r->jr.failed > 0 || r->disc_failed ? LOG_ERR : LOG_NOTICE,
	    "run %lld %s: %d of %d databases exported, %d failed, in %llds "
	    "(journal: %llu job writes in %llu commits since start)",
	    (long long)r->jr.id, r->jr.outcome, r->jr.succeeded, r->jr.total,
	    r->jr.failed, (long long)(r->jr.ended_ms - r->jr.started_ms) /
	    1000, (unsigned long long)m->flushed_jobs,
	    (unsigned long long)m->flushes);
	memset(&ev, 0, sizeof(ev));
	ev.run = r;
	/* New databases have their first export: drills see them. */
	master_drill_load(m);
	master_emit(m, MASTER_EV_RUN_END, &ev);
	master_prune_after_run(m, r);
	memcpy(&m->last_run, &r->jr, sizeof(m->last_run));
	m->last_disc = r->disc;
	m->last_disc_id = r->jr.id;
	sched_clear(&m->sched);
	m->run = NULL;
	run_free(r);
	master_status(m);
	master_deferred(m);
}

/*
 * Exports past their time (job_stuck): each is logged once as it crosses
 * the line, and the run counts them for status.  With [alerts]
 * cancel_stuck, the worker holding it is asked then to cancel its
 * operation; the attempt then fails and is retried within the retry
 * window.  Called from the token tick, which comes often enough for the
 * shortest stuck_after.
 */
void
master_run_stuck_scan(struct master *m)
{
	struct run	*r = m->run;
	struct job	*job;
	int64_t		 now = master_now_ms();
	size_t		 i;
	int		 n = 0, was;

	if (r == NULL)
		return;
	for (i = 0; i < r->njobs; i++) {
		job = r->jobs[i];
		was = job->stuck;
		job->stuck = job_stuck(job, now, m->conf->stuck_after_ms);
		if (!job->stuck)
			continue;
		n++;
		if (!was)
			job_log(LOG_WARNING, job, "export stuck: operation %s "
			    "running for %llds, stuck after %llds",
			    job->operation != NULL ? job->operation : "?",
			    (long long)(now - job->started_ms) / 1000,
			    (long long)job_stuck_after(job,
			    m->conf->stuck_after_ms) / 1000);
		if (!was && m->conf->cancel_stuck && job->operation != NULL &&
		    job->worker >= 0 && job->worker < m->nworkers &&
		    m->workers[job->worker].job == job &&
		    (job->dirty & (MASTER_DIRTY_START | MASTER_DIRTY_ACK)) ==
		    0) {
			job_log(LOG_WARNING, job, "cancelling stuck operation "
			    "%s ([alerts] cancel_stuck)", job->operation);
			master_worker_send(m, &m->workers[job->worker],
			    MSG_JOB_CANCEL, job->id, NULL, 0);
		}
	}
	if (n != r->stuck) {
		r->stuck = n;
		master_changed(m);
	}
}

/* The current walk's patterns, for explaining what it did not find. */
static void
master_walk_patterns(struct master *m, const struct disc_pattern *pat,
    size_t npat)
{
	free(m->walk_pat);
	m->walk_pat = NULL;
	m->nwalk_pat = npat;
	if (npat > 0) {
		m->walk_pat = xreallocarray(NULL, npat, sizeof(*pat));
		memcpy(m->walk_pat, pat, npat * sizeof(*pat));
	}
}

static void
master_start_walk(struct master *m, const struct disc_pattern *pat,
    size_t npat)
{
	m->run->discovering++;
	m->run->full |= npat == 0;	/* every database: a full run */
	m->walks++;
	master_walk_patterns(m, pat, npat);
	m->disc = disc_start(m->base, m->multi, m->auth, &m->conf, &m->ctx,
	    pat, npat, master_disc_cb, m);
}

/* A trigger while a walk is under way: another walk follows it. */
static void
master_pending_add(struct master *m, const char *trigger,
    const struct disc_pattern *pat, size_t npat)
{
	size_t	i;

	if (m->pending_trigger[0] == '\0')
		strlcpy(m->pending_trigger, trigger,
		    sizeof(m->pending_trigger));
	if (npat == 0)
		m->pending_all = 1;
	for (i = 0; i < npat; i++) {
		m->pending_pat = xreallocarray(m->pending_pat,
		    m->npending_pat + 1, sizeof(*pat));
		m->pending_pat[m->npending_pat++] = pat[i];
	}
}

/* Start a run and journal it; -1 with a message if it cannot be. */
static struct run *
master_run_begin(struct master *m, const char *trigger,
    const struct disc_pattern *pat, size_t npat, char *err, size_t errlen)
{
	struct run	*r;
	char		 patterns[sizeof(r->jr.patterns)];

	run_patterns_text(pat, npat, patterns, sizeof(patterns));
	r = run_new(trigger, patterns, master_now_ms());
	if (journal_run_begin(m->journal, &r->jr) == -1) {
		snprintf(err, errlen, "journal: %s", journal_error(m->journal));
		master_journal_failed(m);
		run_free(r);
		return (NULL);
	}
	m->run = r;
	log_notice("run %lld started (%s%s%s)", (long long)r->jr.id, trigger,
	    npat > 0 ? ": " : "", r->jr.patterns);
	master_emit(m, MASTER_EV_RUN_STARTED, NULL);
	return (r);
}

/*
 * A trigger with patterns and no run: the walk comes first, and a run
 * starts only if the patterns select something to export.
 */
static void
master_trigger_walk(struct master *m, const char *trigger,
    const struct disc_pattern *pat, size_t npat)
{
	m->walks++;
	m->trigger_walk = 1;
	strlcpy(m->walk_trigger, trigger, sizeof(m->walk_trigger));
	master_walk_patterns(m, pat, npat);
	m->disc = disc_start(m->base, m->multi, m->auth, &m->conf, &m->ctx,
	    pat, npat, master_disc_cb, m);
}

/*
 * Start a run, or add to the one in progress: only databases not already
 * in it become new jobs.  A trigger with patterns starts no run until its
 * walk found something to export (the walk's answer says why not).
 * Returns 0, or -1 with a message.
 */
int
master_trigger(struct master *m, const char *trigger,
    const struct disc_pattern *pat, size_t npat, char *err, size_t errlen)
{
	if (m->stopping) {
		snprintf(err, errlen, "databackupd is shutting down");
		return (-1);
	}
	if (m->disc != NULL) {
		/* A walk is under way: another follows when it ends. */
		master_pending_add(m, trigger, pat, npat);
		return (0);
	}
	if (m->run != NULL) {
		master_start_walk(m, pat, npat);
		return (0);
	}
	if (npat > 0) {
		master_trigger_walk(m, trigger, pat, npat);
		return (0);
	}
	if (master_run_begin(m, trigger, pat, npat, err, errlen) == NULL)
		return (-1);
	master_start_walk(m, pat, npat);
	master_status(m);
	return (0);
}

/* The walks asked for during the last one. */
static void
master_pending_start(struct master *m)
{
	struct disc_pattern	*pat = m->pending_pat;
	size_t			 npat = m->pending_all ? 0 : m->npending_pat;
	char			 trigger[sizeof(m->pending_trigger)];
	char			 err[256];

	strlcpy(trigger, m->pending_trigger, sizeof(trigger));
	m->pending_pat = NULL;
	m->npending_pat = 0;
	m->pending_all = 0;
	m->pending_trigger[0] = '\0';
	if (m->run != NULL)
		master_start_walk(m, pat, npat);
	else if (master_trigger(m, trigger, pat, npat, err,
	    sizeof(err)) == -1)
		log_warnx("%s run not started: %s", trigger, err);
	free(pat);
}

/* why, one reason per line, as one log line. */
static void
master_log_explained(const char *prefix, const char *why)
{
	char	line[1024], *s;

	strlcpy(line, why, sizeof(line));
	for (s = line; (s = strchr(s, '\n')) != NULL; s++)
		*s = ' ';
	log_notice("%s: %s", prefix, line);
}

/*
 * The end of a trigger's walk that selected nothing: no run, and its
 * answer says, for each pattern, why.
 */
static void
master_trigger_refused(struct master *m, const struct disc_result *res)
{
	struct master_event	 ev;
	char			 why[1024];

	if (disc_explain(res, m->walk_pat, m->nwalk_pat, why,
	    sizeof(why)) == 0)
		strlcpy(why, "nothing to export", sizeof(why));
	master_log_explained("trigger starts no run: nothing to export", why);
	memset(&ev, 0, sizeof(ev));
	ev.walk = m->walks_done;
	ev.message = why;
	master_emit(m, MASTER_EV_WALK_DONE, &ev);
}

/*
 * A trigger's walk ended: refused (it read the fleet and selected
 * nothing, or the run could not be journaled; res is freed and -1
 * returned), or its run starts now and takes res as its first walk.  A
 * walk that could read nothing at all starts its run, which fails and
 * says why, as a full run would.
 */
static int
master_trigger_walk_end(struct master *m, struct disc_result *res)
{
	struct master_event	 ev;
	struct run		*r;
	char			 err[256];

	m->trigger_walk = 0;
	if (res->ntargets == 0 && !res->failed)
		master_trigger_refused(m, res);
	else if ((r = master_run_begin(m, m->walk_trigger, m->walk_pat,
	    m->nwalk_pat, err, sizeof(err))) != NULL) {
		r->discovering++;
		master_status(m);
		return (0);
	} else {
		log_warnx("%s run not started: %s", m->walk_trigger, err);
		memset(&ev, 0, sizeof(ev));
		ev.walk = m->walks_done;
		ev.message = err;
		master_emit(m, MASTER_EV_WALK_DONE, &ev);
	}
	disc_result_free(res);
	if (m->pending_all || m->npending_pat > 0)
		master_pending_start(m);
	return (-1);
}

/*
 * A walk that could read nothing at all for reasons that may pass (the
 * token source, Resource Manager or the network down: no error that
 * lasts, like a 403 or a rejected key) is tried again, with backoff from
 * poll_initial, while the run's retry window lasts; the run waits in
 * "discovering".  Returns 1 if it will be, 0 if the run takes the failure.
 */
static int
master_walk_again(struct master *m, struct run *r,
    const struct disc_result *res)
{
	struct timeval	 tv;
	int64_t		 wait, now = master_now_ms();

	if (m->stopping || res->lasting)
		return (0);
	m->rewalk_failures++;
	wait = m->conf->poll_initial_ms + job_backoff_ms(m->rewalk_failures,
	    m->conf->retry_base_ms / 2, m->conf->poll_max_ms, arc4random());
	if (now + wait - r->jr.started_ms > (int64_t)m->conf->retry_window_ms)
		return (0);
	log_warnx("run %lld: discovery failed (%d in a row): %s; walking "
	    "again in %lld ms", (long long)r->jr.id, m->rewalk_failures,
	    res->errors.n > 0 ? res->errors.v[0].text : "nothing could be "
	    "read", (long long)wait);
	free(m->rewalk_pat);
	m->rewalk_pat = NULL;
	m->nrewalk_pat = m->nwalk_pat;
	if (m->nwalk_pat > 0) {
		m->rewalk_pat = xreallocarray(NULL, m->nwalk_pat,
		    sizeof(*m->walk_pat));
		memcpy(m->rewalk_pat, m->walk_pat, m->nwalk_pat *
		    sizeof(*m->walk_pat));
	}
	r->discovering++;	/* the run waits for the walk */
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(m->ev_rewalk, &tv);
	return (1);
}

/* The failed walk's time has come: walk again (after one under way). */
void
master_rewalk_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master		*m = arg;
	struct disc_pattern	*pat = m->rewalk_pat;
	size_t			 npat = m->nrewalk_pat;

	(void)fd;
	(void)ev;
	m->rewalk_pat = NULL;
	m->nrewalk_pat = 0;
	if (m->run == NULL || m->stopping) {
		free(pat);
		return;
	}
	m->run->discovering--;
	if (m->disc != NULL)
		master_pending_add(m, "retry", pat, npat);
	else
		master_start_walk(m, pat, npat);
	free(pat);
}

/*
 * The walk's targets that are new to the run, as jobs not yet journaled.
 * A database already in the run, or found twice by the walk, is not
 * added twice.  Returns how many are in *out (caller frees the array).
 */
static size_t
master_disc_jobs(struct master *m, const struct disc_result *res,
    struct job ***out)
{
	struct run		*r = m->run;
	const struct disc_target *t;
	struct job		*job, **newjobs, **sorted;
	char			 obj[GCP_OBJECT_MAX + 1], *dup;
	size_t			 i, nnew = 0;
	int			 prior;

	newjobs = xcalloc(res->ntargets > 0 ? res->ntargets : 1,
	    sizeof(*newjobs));
	sorted = run_sorted(r);
	dup = run_disc_dups(res);
	for (i = 0; i < res->ntargets; i++) {
		t = &res->targets[i];
		if (dup[i] || job_find(sorted, r->njobs, t->project,
		    t->instance, t->database) != NULL)
			continue;
		if (job_object_name(m->conf->object, t->project, t->instance,
		    t->database, gcp_engine_ext(t->version), r->jr.started_ms,
		    obj, sizeof(obj)) == -1) {
			log_warnx("%s/%s/%s: object name too long; skipped",
			    t->project, t->instance, t->database);
			continue;
		}
		if ((job = job_new(t->project, t->instance, t->database,
		    t->version, obj)) == NULL) {
			log_warnx("%s/%s/%s: name too long; skipped",
			    t->project, t->instance, t->database);
			continue;
		}
		job->run_id = r->jr.id;
		job->created_ms = master_now_ms();
		if (t->via != NULL)
			job->via = xstrdup(t->via);
		job->predicted_ms = master_predict(m, t, &prior);
		job->prior = prior;
		job->history = !prior;
		newjobs[nnew++] = job;
	}
	free(sorted);
	free(dup);
	*out = newjobs;
	return (nnew);
}

/* One line per place the walk could not see whole. */
static void
master_log_partial(const struct run *r, const struct disc_partial *p)
{
	log_warnx("run %lld: discovery partial: %s%s%s%s%s: %s: %s",
	    (long long)r->jr.id, p->where, p->instance[0] != '\0' ? "/" : "",
	    p->instance, p->region[0] != '\0' ? " region " : "", p->region,
	    p->code, p->text);
}

static void
master_disc_cb(struct disc_result *res, void *arg)
{
	struct master		*m = arg;
	struct run		*r;
	struct master_event	 ev;
	struct job		**newjobs;
	size_t			 i, nnew, added = 0;
	size_t			 ntargets, nskipped, nexcluded, nerrors;
	size_t			 npartial;
	int			 api_disabled, requests;
	int64_t			 took_ms;
	char			 why[1024];

	m->disc = NULL;
	m->walks_done++;
	if (m->trigger_walk && master_trigger_walk_end(m, res) == -1)
		return;
	if ((r = m->run) == NULL) {
		disc_result_free(res);
		return;
	}
	r->discovering--;
	if (res->failed && master_walk_again(m, r, res)) {
		disc_result_free(res);
		master_changed(m);
		return;
	}
	m->rewalk_failures = 0;
	why[0] = '\0';
	if (m->nwalk_pat > 0 && res->ntargets == 0 && !res->failed &&
	    disc_explain(res, m->walk_pat, m->nwalk_pat, why,
	    sizeof(why)) > 0)
		master_log_explained("trigger adds nothing to the run", why);
	run_disc_add(r, res);
	memset(&ev, 0, sizeof(ev));
	ev.disc = res;
	master_emit(m, MASTER_EV_DISCOVERY, &ev);
	if (res->failed)
		log_warnx("run %lld: discovery failed: %s", (long long)r->jr.id,
		    res->errors.n > 0 ? res->errors.v[0].text : "no targets");
	for (i = 0; i < res->errors.n; i++)
		log_warnx("run %lld: discovery: %s%s%s: %s",
		    (long long)r->jr.id, res->errors.v[i].project,
		    res->errors.v[i].instance[0] != '\0' ? "/" : "",
		    res->errors.v[i].instance, res->errors.v[i].text);
	for (i = 0; i < res->partial.n; i++)
		master_log_partial(r, &res->partial.v[i]);

	/*
	 * The new jobs are journaled in one transaction (one commit for the
	 * whole walk, not one per database) and join the run once it has
	 * committed.
	 */
	nnew = master_disc_jobs(m, res, &newjobs);
	/*
	 * The jobs have their own copies of the names: the result goes now,
	 * before the run and the scheduler take on thousands more.
	 */
	ntargets = res->ntargets;
	nskipped = res->skipped.n;
	nexcluded = res->excluded.n;
	nerrors = res->errors.n;
	npartial = res->partial.n;
	api_disabled = res->api_disabled;
	requests = res->requests;
	took_ms = res->ended_ms - res->started_ms;
	disc_result_free(res);

	if (journal_job_insert_many(m->journal, newjobs, nnew) == -1) {
		log_warnx("run %lld: journal: %s; %zu databases not added",
		    (long long)r->jr.id, journal_error(m->journal), nnew);
		master_journal_failed(m);
		m->rewalk = 1;	/* walk again once writes work */
		for (i = 0; i < nnew; i++)
			job_free(newjobs[i]);
		nnew = 0;
	}
	for (i = 0; i < nnew; i++) {
		master_run_add_job(m, newjobs[i], 1);
		added++;
	}
	free(newjobs);
	log_notice("run %lld: discovery found %zu databases to export (%zu "
	    "new), %zu skipped, %zu excluded, %d projects without the Cloud "
	    "SQL Admin API, %zu errors, %zu places partial, %d requests in "
	    "%lld ms", (long long)r->jr.id, ntargets, added, nskipped,
	    nexcluded, api_disabled, nerrors, npartial, requests,
	    (long long)took_ms);
	memset(&ev, 0, sizeof(ev));
	ev.walk = m->walks_done;
	ev.added = added;
	ev.message = why[0] != '\0' ? why : NULL;
	master_emit(m, MASTER_EV_WALK_DONE, &ev);

	if (m->pending_all || m->npending_pat > 0)
		master_pending_start(m);
	else if (r->state == RUN_DISCOVERING)
		r->state = RUN_RUNNING;
	master_changed(m);
	master_run_check_end(m);
	master_dispatch(m);
}

/* Plan: a walk without a run. */
int
master_plan(struct master *m, disc_cb cb, void *arg)
{
	struct disc	*d;

	if ((d = disc_start(m->base, m->multi, m->auth, &m->conf, &m->ctx,
	    NULL, 0, cb, arg)) == NULL)
		return (-1);
	disc_no_token_retry(d);
	disc_check_bucket(d);
	return (0);
}

/* Recovery: an unfinished run in the journal goes on. */
static void
master_recover_job(const struct job *j, void *arg)
{
	struct master	*m = arg;
	struct job	*job;

	job = job_dup(j);
	run_recover_job(job);
	master_run_add_job(m, job, 0);
}

/* Walk again for the run's patterns; the walk adds what is missing. */
static void
master_walk_run(struct master *m)
{
	struct run		*r = m->run;
	struct disc_pattern	 pat[MASTER_PATTERNS_MAX];
	size_t			 npat = 0;
	char			 buf[sizeof(r->jr.patterns)], *p, *s;
	char			 err[256];

	strlcpy(buf, r->jr.patterns, sizeof(buf));
	for (s = buf; (p = strsep(&s, " ")) != NULL &&
	    npat < MASTER_PATTERNS_MAX;) {
		if (*p == '\0')
			continue;
		if (disc_pattern_parse(p, &pat[npat], err, sizeof(err)) == 0)
			npat++;
	}
	master_start_walk(m, pat, npat);
}

/*
 * At start, an unfinished run in the journal goes on: its jobs come back
 * with their attempts, operations and retry times (run_recover_job), and
 * a walk adds what its discovery had not reached.  A journal that cannot
 * be read is fatal: never start from nothing over it.
 */
void
master_recover(struct master *m)
{
	struct run	*r;
	int		 rv;

	r = run_new("", "", 0);
	rv = journal_run_open(m->journal, &r->jr);
	if (rv != 1) {
		run_free(r);
		if (rv == -1)
			fatalx("journal: cannot read the open run: %s",
			    journal_error(m->journal));
		return;
	}
	r->state = RUN_RUNNING;
	m->run = r;
	if (journal_jobs(m->journal, r->jr.id, master_recover_job, m) == -1)
		fatalx("journal: cannot load run %lld: %s",
		    (long long)r->jr.id, journal_error(m->journal));
	log_notice("run %lld (%s, started %s) resumes: %d of %zu databases "
	    "done", (long long)r->jr.id, r->jr.trigger, r->jr.day,
	    r->count[JOB_SUCCEEDED] + r->count[JOB_FAILED], r->njobs);
	master_walk_run(m);
}

/* Has today's scheduled (or catch-up) run happened?  1 yes, 0 no, -1 ?. */
int
master_ran_today(struct master *m, int64_t now_ms)
{
	char	day[16];
	int64_t	id;

	run_day(now_ms, day, sizeof(day));
	return (journal_run_for_day(m->journal, day, &id));
}

/*
 * A scheduled or catch-up run that could not start (journal failing, or
 * a run from an earlier day still going) starts as soon as nothing is in
 * the way, unless the day has its run by then.
 */
void
master_deferred(struct master *m)
{
	char	trigger[sizeof(m->deferred)], err[256];

	if (m->deferred[0] == '\0' || m->run != NULL || !m->journal_ok ||
	    m->stopping)
		return;
	strlcpy(trigger, m->deferred, sizeof(trigger));
	m->deferred[0] = '\0';
	if (master_ran_today(m, master_now_ms()) != 0)
		return;
	log_notice("%s run: starting now", trigger);
	if (master_trigger(m, trigger, NULL, 0, err, sizeof(err)) == -1) {
		log_warnx("%s run not started: %s", trigger, err);
		if (!m->journal_ok)
			strlcpy(m->deferred, trigger, sizeof(m->deferred));
	}
}

/* End of a loop turn: write what it queued; the run may be over. */
void
master_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;

	if (master_commit(m) == 0 && m->run != NULL)
		master_run_check_end(m);
}

/* The journal's retry timer: once writes work again, everything goes on. */
void
master_journal_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	struct run	*r = m->run;
	int		 bad = 0, flushed;

	flushed = m->npend > 0;
	if (master_commit(m) == -1)
		bad = 1;
	/* Nothing was pending: make sure a write commits before going on. */
	if (!bad && flushed == 0 && journal_probe(m->journal) == -1) {
		master_journal_failed(m);
		bad = 1;
	}
	if (bad)
		return;
	if (!m->journal_ok)
		log_notice("journal: writes work again; dispatching");
	m->journal_ok = 1;
	m->journal_err[0] = '\0';
	if (m->rewalk && r != NULL && m->disc == NULL && !m->stopping) {
		/* Databases whose insert failed: the walk adds them now. */
		m->rewalk = 0;
		master_walk_run(m);
	}
	master_changed(m);
	master_run_check_end(m);
	master_deferred(m);
	master_dispatch(m);
}
