/*
 * monitor.c: the master's watch over itself.
 *
 * Holds the metrics (counted from the events the master sends its
 * watchers, monitor_event_cb), the alert set and the facts the alerts
 * need that the master does not keep: the alerts' memory (the last full
 * run, the databases that keep failing; rebuilt from the journal at
 * start), why a scheduled run did not start, when an export was last
 * attempted, and the health of every known database (newest verified
 * export, last attempt, last failure), which `coverage`, the "stale
 * databases" alert and the per-database metrics read.
 * Evaluation runs every MONITOR_EVAL_SEC and soon after each relevant
 * event; each alert change is logged and handed to notify.c.  The rules
 * themselves are alert.c's.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "alert.h"
#include "config.h"
#include "discovery.h"
#include "http.h"
#include "job.h"
#include "journal.h"
#include "log.h"
#include "master.h"
#include "metrics.h"
#include "gcp.h"
#include "monitor.h"
#include "monitor-int.h"
#include "msg.h"
#include "notify.h"
#include "xmalloc.h"


/* db's names against p/i/d: less than, equal to or more than 0. */
static int
monitor_db_cmp(const struct monitor_db *db, const char *p, const char *i,
    const char *d)
{
	const char	*n = db->names;
	int		 c;

	if ((c = strcmp(n, p)) != 0)
		return (c);
	n += strlen(n) + 1;
	if ((c = strcmp(n, i)) != 0)
		return (c);
	n += strlen(n) + 1;
	return (strcmp(n, d));
}

/* For qsort: by name, as monitor_db_cmp. */
static int
monitor_db_sort_cmp(const void *a, const void *b)
{
	const struct monitor_db	*y = *(struct monitor_db * const *)b;
	const char		*p, *i, *d;

	p = y->names;
	i = p + strlen(p) + 1;
	d = i + strlen(i) + 1;
	return (monitor_db_cmp(*(struct monitor_db * const *)a, p, i, d));
}

/* A new entry for p/i/d, never exported; not yet in the array. */
static struct monitor_db *
monitor_db_new(const char *p, const char *i, const char *d)
{
	struct monitor_db	*db;
	size_t			 pl = strlen(p) + 1, il = strlen(i) + 1;
	size_t			 dl = strlen(d) + 1;

	db = xcalloc(1, sizeof(*db) + pl + il + dl);
	memcpy(db->names, p, pl);
	memcpy(db->names + pl, i, il);
	memcpy(db->names + pl + il, d, dl);
	return (db);
}

static void
monitor_db_free(struct monitor_db *db)
{
	if (db == NULL)
		return;
	free(db->object);
	free(db->error);
	free(db);
}

/* db's project, instance and database; borrowed from db. */
void
monitor_db_names(const struct monitor_db *db, const char **p, const char **i,
    const char **d)
{
	*p = db->names;
	*i = *p + strlen(*p) + 1;
	*d = *i + strlen(*i) + 1;
}

/* Room for one more entry at the end of the array. */
static void
monitor_db_grow(struct monitor *mon)
{
	if (mon->ndbs < mon->capdbs)
		return;
	mon->capdbs = mon->capdbs == 0 ? 64 : mon->capdbs * 2;
	mon->dbs = xreallocarray(mon->dbs, mon->capdbs, sizeof(*mon->dbs));
}

/* The entry for p/i/d; if there is none, a new one or NULL (!create). */
static struct monitor_db *
monitor_db_get(struct monitor *mon, const char *p, const char *i,
    const char *d, int create)
{
	struct monitor_db	*db;
	size_t			 lo = 0, hi = mon->ndbs, mid;
	int			 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = monitor_db_cmp(mon->dbs[mid], p, i, d)) == 0)
			return (mon->dbs[mid]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!create)
		return (NULL);
	db = monitor_db_new(p, i, d);
	monitor_db_grow(mon);
	memmove(&mon->dbs[lo + 1], &mon->dbs[lo], (mon->ndbs - lo) *
	    sizeof(*mon->dbs));
	mon->dbs[lo] = db;
	mon->ndbs++;
	return (db);
}

int64_t
monitor_now_ms(const struct monitor *mon)
{
	return (master_now_ms() + (mon != NULL ? mon->offset_ms : 0));
}

/* A wall-clock time of the master's (0: none) in the monitor's clock. */
static int64_t
monitor_clock(const struct monitor *mon, int64_t ms)
{
	return (ms != 0 ? ms + mon->offset_ms : 0);
}

/*
 * The entry of job's database, made if it is new: first seen when its
 * job was created, exported when the journal last saw it exported (it may
 * have been forgotten and found again).
 */
static struct monitor_db *
monitor_db_job(struct monitor *mon, const struct job *job)
{
	struct monitor_db	*db;
	int64_t			 last;

	db = monitor_db_get(mon, job_project(job), job_instance(job),
	    job_database(job), 0);
	if (db != NULL)
		return (db);
	db = monitor_db_get(mon, job_project(job), job_instance(job),
	    job_database(job), 1);
	db->first_ms = job->created_ms > 0 ? monitor_clock(mon,
	    job->created_ms) : monitor_now_ms(mon);
	if (master_journal(mon->m) != NULL && journal_last_success(
	    master_journal(mon->m), job_project(job), job_instance(job),
	    job_database(job), &last) == 1)
		db->last_ms = last;
	return (db);
}

/*
 * The known databases as the alerts read them; a new array of mon->ndbs
 * entries borrowing the names, caller frees.
 */
struct alert_db *
monitor_alert_dbs(struct monitor *mon)
{
	const struct config	*conf = master_config(mon->m);
	struct alert_db		*v;
	struct monitor_db	*db;
	size_t			 k;

	v = xcalloc(mon->ndbs + 1, sizeof(*v));
	for (k = 0; k < mon->ndbs; k++) {
		db = mon->dbs[k];
		monitor_db_names(db, &v[k].project, &v[k].instance,
		    &v[k].database);
		v[k].last_ms = db->last_ms;
		v[k].first_ms = db->first_ms;
		v[k].excluded = config_exclude_match(conf, v[k].project,
		    v[k].instance, v[k].database) != NULL;
	}
	return (v);
}

/*
 * The first NOTIFY_TARGETS_LISTED stale databases, for the message (its
 * count says how many there are in all); a new array, caller frees.
 */
static struct alert_target *
monitor_stale_targets(struct monitor *mon, const struct alert_input *in)
{
	struct alert_target	*tl, *t;
	struct monitor_db	*db;
	const char		*p, *i, *d;
	size_t			 k, n = 0;

	tl = xcalloc(NOTIFY_TARGETS_LISTED, sizeof(*tl));
	for (k = 0; k < in->ndbs && n < NOTIFY_TARGETS_LISTED; k++) {
		if (!alert_db_stale(&in->dbs[k], in->now_ms, in->max_age_ms))
			continue;
		db = mon->dbs[k];
		t = &tl[n++];
		monitor_db_names(db, &p, &i, &d);
		strlcpy(t->project, p, sizeof(t->project));
		strlcpy(t->instance, i, sizeof(t->instance));
		strlcpy(t->database, d, sizeof(t->database));
		t->when_ms = db->fail_ms;
		t->failures = db->failures;
		if (db->error != NULL)
			strlcpy(t->error, db->error, sizeof(t->error));
	}
	return (tl);
}

static void
monitor_target(struct alert_target *t, const struct job *job, int64_t when)
{
	memset(t, 0, sizeof(*t));
	strlcpy(t->project, job_project(job), sizeof(t->project));
	strlcpy(t->instance, job_instance(job), sizeof(t->instance));
	strlcpy(t->database, job_database(job), sizeof(t->database));
	t->failures = job->failures;
	t->when_ms = when;
	if (job->last_error != NULL)
		strlcpy(t->error, job->last_error, sizeof(t->error));
}

/* Fill in's retention part; in borrows the master's record. */
static void
monitor_retention_input(struct monitor *mon, const struct config *conf,
    struct alert_input *in)
{
	const struct journal_retention	*r = master_prune_last(mon->m);

	in->retention_on = master_retention_on(conf);
	if (r == NULL)
		return;
	in->prune_ms = monitor_clock(mon, r->ended_ms);
	in->prune_failed = r->failed;
	in->prune_bucket = r->bucket;
	in->prune_error = r->error;
}

void
monitor_eval(struct monitor *mon)
{
	const struct config	*conf = master_config(mon->m);
	const struct run	*r = master_run(mon->m);
	struct master_info	 mi;
	struct alert_input	 in;
	const struct alert_target *t;
	struct alert_target	*tl;
	struct alert		*a;
	struct alert_db		*dbs, *ddbs;
	struct alert_target	*dtargets;
	unsigned int		 changed;
	size_t			 nt, i, n;
	char			 line[ALERT_SUMMARY_MAX + 64];
	int			 k;

	mon->eval_ms = master_now_ms();
	master_info(mon->m, &mi);
	memset(&in, 0, sizeof(in));
	in.now_ms = monitor_now_ms(mon);
	strlcpy(in.start_error, mon->start_error, sizeof(in.start_error));
	alert_mem_input(&mon->mem, &in);
	in.threshold = conf->alert_after_failures;
	in.last_attempt_ms = mon->last_attempt_ms;
	in.watch_since_ms = mi.started_ms;
	in.ntargets = (int)mon->ndbs;
	if (r != NULL && (int)r->njobs > in.ntargets)
		in.ntargets = (int)r->njobs;
	in.in_progress = r != NULL ? r->in_flight : 0;
	in.not_running_after_ms = (int64_t)conf->not_running_after_ms;
	in.stalled_run = r != NULL && r->stalled ? r->jr.id : 0;
	in.progress_ms = r != NULL ? r->progress_ms : 0;
	in.dbs = dbs = monitor_alert_dbs(mon);
	in.ndbs = mon->ndbs;
	in.max_age_ms = (int64_t)conf->max_age_ms;
	monitor_drill_input(mon->m, conf, &in, &dtargets, &ddbs);
	monitor_retention_input(mon, conf, &in);

	changed = alert_eval(&mon->alerts, &in);
	for (k = 0; k < ALERT_COUNT; k++) {
		if ((changed & (1U << k)) == 0)
			continue;
		a = &mon->alerts.a[k];
		alert_line(a, line, sizeof(line));
		log_emit(a->state == ALERT_FIRING ? LOG_ERR : LOG_NOTICE,
		    "alert %s %s: %s", alert_name(a->id), a->state ==
		    ALERT_FIRING ? "fires" : "clears", line);
		t = NULL;
		nt = 0;
		tl = NULL;
		if (a->id == ALERT_EXPORT_ERRORS) {
			/* Only the targets that count, in order. */
			tl = xcalloc(in.nfailing + 1, sizeof(*tl));
			for (i = n = 0; i < in.nfailing; i++)
				if (alert_target_counts(&in.failing[i], &in))
					tl[n++] = in.failing[i];
			t = tl;
			nt = n;
		} else if (a->id == ALERT_RUN_FAILED) {
			t = in.gave_up;
			nt = in.ngave_up;
		} else if (a->id == ALERT_STALE) {
			/* The first ones listed; nt counts them all. */
			t = tl = monitor_stale_targets(mon, &in);
			nt = (size_t)a->count;
		}
		if (a->state != ALERT_FIRING)
			nt = 0;
		notify_alert(mon->notify, conf, a, t, nt);
		free(tl);
	}
	free(dbs);
	free(dtargets);
	free(ddbs);
}

static void
monitor_soon_cb(evutil_socket_t fd, short ev, void *arg)
{
	monitor_eval(arg);
}

static void
monitor_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct monitor	*mon = arg;
	struct timeval	 tv = { MONITOR_EVAL_SEC, 0 };

	monitor_eval(mon);
	evtimer_add(mon->ev_tick, &tv);
}

/*
 * Something changed: evaluate from the loop, once however many asked, and
 * at most once per MONITOR_SOON_MS: an evaluation looks at every job of
 * the run, and a large run changes many times a second.
 */
void
monitor_eval_soon(struct monitor *mon)
{
	struct timeval	tv = { 0, 0 };
	int64_t		d;

	if (mon == NULL || evtimer_pending(mon->ev_soon, NULL))
		return;
	d = mon->eval_ms + MONITOR_SOON_MS - master_now_ms();
	if (d > 0 && d <= MONITOR_SOON_MS) {
		tv.tv_sec = d / 1000;
		tv.tv_usec = (d % 1000) * 1000;
	}
	evtimer_add(mon->ev_soon, &tv);
}

/* What the master tells (monitor_event_cb). */

static void
monitor_dispatched(struct monitor *mon, const struct job *job)
{
	if (mon == NULL)
		return;
	mon->last_attempt_ms = monitor_now_ms(mon);
	monitor_db_job(mon, job)->attempt_ms = mon->last_attempt_ms;
	if (job->operation == NULL)
		mon->mt.attempts++;
}

static void
monitor_job_done(struct monitor *mon, const struct job *job)
{
	struct monitor_db	*db;

	if (mon == NULL)
		return;
	mon->mt.jobs[METRICS_SUCCEEDED]++;
	mon->last_attempt_ms = monitor_now_ms(mon);
	db = monitor_db_job(mon, job);
	db->failures = job->failures;
	if (monitor_clock(mon, job->ended_ms) > db->last_ms) {
		db->last_ms = monitor_clock(mon, job->ended_ms);
		free(db->object);
		db->object = xstrdup(job_object(job));
		strlcpy(db->crc32c, job->crc32c, sizeof(db->crc32c));
	}
	alert_mem_exported(&mon->mem, job_project(job), job_instance(job),
	    job_database(job));
	monitor_eval_soon(mon);
}

/* After a failed attempt was judged: the job gave up, or waits for what? */
static void
monitor_job_failed(struct monitor *mon, const struct job *job,
    const struct msg_failed *f)
{
	struct alert_target	t;
	struct monitor_db	*db;
	enum metrics_retry	r;

	if (mon == NULL)
		return;
	mon->last_attempt_ms = monitor_now_ms(mon);
	db = monitor_db_job(mon, job);
	db->fail_ms = mon->last_attempt_ms;
	db->failures = job->failures;
	free(db->error);
	db->error = xstrdup(job->last_error != NULL ? job->last_error :
	    f->message);
	monitor_target(&t, job, job->state == JOB_FAILED && job->ended_ms > 0 ?
	    job->ended_ms : monitor_now_ms(mon));
	alert_mem_failed(&mon->mem, &t,
	    master_config(mon->m)->alert_after_failures);
	if (job->state == JOB_FAILED)
		mon->mt.jobs[METRICS_FAILED]++;
	else {
		if (f->status == GCP_BUSY)
			r = METRICS_RETRY_BUSY;
		else if (job->operation != NULL && !f->op_failed)
			r = METRICS_RETRY_RESUME;
		else if (f->op_failed)
			r = METRICS_RETRY_OPERATION;
		else if (f->status == GCP_AUTH)
			r = METRICS_RETRY_AUTH;
		else
			r = METRICS_RETRY_TRANSIENT;
		mon->mt.retries[r]++;
	}
	monitor_eval_soon(mon);
}

static void
monitor_worker_died(struct monitor *mon)
{
	if (mon != NULL)
		mon->mt.worker_restarts++;
}

static void
monitor_journal_error(struct monitor *mon)
{
	if (mon != NULL)
		mon->mt.journal_errors++;
}

/*
 * The places a walk could not see, named for `check` until a walk of a
 * full run sees everything again (a walk of a few patterns proves nothing
 * about the rest).
 */
static void
monitor_partial(struct monitor *mon, const struct disc_result *res)
{
	const struct run	*r = master_run(mon->m);
	const struct disc_partial *p;
	const char		*items[3];
	char			 buf[3][160];
	size_t			 i;

	if (res->partial.n == 0) {
		if (r != NULL && r->full) {
			mon->partial[0] = '\0';
			mon->mt.disc_partial = 0;
		}
		return;
	}
	for (i = 0; i < res->partial.n && i < 3; i++) {
		p = &res->partial.v[i];
		snprintf(buf[i], sizeof(buf[i]), "%s%s%s%s%s (%s)", p->where,
		    p->instance[0] != '\0' ? "/" : "", p->instance,
		    p->region[0] != '\0' ? " region " : "", p->region, p->code);
		items[i] = buf[i];
	}
	alert_list_line("discovery partial", items, i, res->partial.n,
	    mon->partial, sizeof(mon->partial));
	mon->mt.disc_partial = (int)res->partial.n;
}

/* Forget the places the current run could not see. */
static void
monitor_places_clear(struct monitor *mon)
{
	size_t	i;

	for (i = 0; i < mon->nplaces; i++) {
		free(mon->places[i].project);
		free(mon->places[i].instance);
	}
	free(mon->places);
	mon->places = NULL;
	mon->nplaces = 0;
}

/*
 * Remember where a walk of the current run could not see whole: a folder
 * (anything could be under it), a project, or an instance of one.  A
 * region that did not answer names no instance, so it stands for its
 * whole project.
 */
static void
monitor_places_add(struct monitor *mon, const struct disc_result *res)
{
	const struct disc_partial	*p;
	struct monitor_place		*pl;
	size_t				 i;

	for (i = 0; i < res->partial.n; i++) {
		p = &res->partial.v[i];
		mon->places = xreallocarray(mon->places, mon->nplaces + 1,
		    sizeof(*mon->places));
		pl = &mon->places[mon->nplaces++];
		pl->project = strncmp(p->where, "folders/", 8) == 0 ? NULL :
		    xstrdup(p->where);
		pl->instance = p->instance[0] != '\0' ? xstrdup(p->instance) :
		    NULL;
	}
}

/* Is db under a place the current run could not see whole? */
static int
monitor_db_unseen(const struct monitor *mon, const struct monitor_db *db)
{
	const struct monitor_place	*pl;
	const char			*p, *i, *d;
	size_t				 k;

	monitor_db_names(db, &p, &i, &d);
	for (k = 0; k < mon->nplaces; k++) {
		pl = &mon->places[k];
		if (pl->project == NULL)
			return (1);
		if (strcmp(pl->project, p) == 0 && (pl->instance == NULL ||
		    strcmp(pl->instance, i) == 0))
			return (1);
	}
	return (0);
}

static void
monitor_discovery(struct monitor *mon, const struct disc_result *res)
{
	if (mon == NULL)
		return;
	mon->mt.disc_seconds = (double)(res->ended_ms - res->started_ms) /
	    1000;
	mon->mt.disc_projects = res->projects;
	mon->mt.disc_instances = res->instances;
	mon->mt.disc_databases = res->databases;
	mon->mt.disc_skipped = (int)res->skipped.n;
	mon->mt.disc_excluded = (int)res->excluded.n;
	monitor_partial(mon, res);
	monitor_places_add(mon, res);
	if (res->failed)
		strlcpy(mon->disc_error, res->errors.n > 0 ?
		    res->errors.v[0].text : "nothing could be read",
		    sizeof(mon->disc_error));
	monitor_eval_soon(mon);
}

static void
monitor_run_started(struct monitor *mon, const struct run *r)
{
	if (mon == NULL)
		return;
	/* A full run is under way: the scheduled one did start after all. */
	if (r != NULL && r->jr.patterns[0] == '\0')
		mon->start_error[0] = '\0';
	mon->disc_error[0] = '\0';
	monitor_places_clear(mon);
	monitor_eval_soon(mon);
}

/* The scheduled (or catch-up) run could not start. */
static void
monitor_run_not_started(struct monitor *mon, const char *why)
{
	if (mon == NULL)
		return;
	strlcpy(mon->start_error, why, sizeof(mon->start_error));
	monitor_eval_soon(mon);
}

/* The failed jobs of a finished run, gathered for alert_mem_run_end. */
struct monitor_targets {
	struct alert_target	*v;
	size_t			 n;
};

static void
monitor_targets_add(struct monitor_targets *ts, const struct job *job)
{
	ts->v = xreallocarray(ts->v, ts->n + 1, sizeof(*ts->v));
	monitor_target(&ts->v[ts->n++], job, job->ended_ms);
}

/* Does a failing database still exist?  For alert_mem_forget. */
static int
monitor_known_target(const struct alert_target *t, void *arg)
{
	return (monitor_db_get(arg, t->project, t->instance, t->database,
	    0) != NULL);
}

static void
monitor_known(struct monitor *mon, const struct job *job, int64_t run_id)
{
	struct monitor_db	*db;

	db = monitor_db_job(mon, job);
	if (job->state == JOB_SUCCEEDED && monitor_clock(mon,
	    job->ended_ms) > db->last_ms) {
		db->last_ms = monitor_clock(mon, job->ended_ms);
		free(db->object);
		db->object = xstrdup(job_object(job));
		strlcpy(db->crc32c, job->crc32c, sizeof(db->crc32c));
	}
	db->seen_run = run_id;
}

/*
 * A run ended.  A full run replaces the memory's last run (a run with
 * patterns does not: it says nothing of the other databases), and if it
 * saw everything, it tells which databases exist: failing ones it did not
 * find are gone or excluded, and fail no more.  A database last seen
 * where this run's discovery could not see whole stays known, so that it
 * turns stale rather than vanish.
 */
static void
monitor_run_end(struct monitor *mon, const struct run *r)
{
	struct monitor_targets	 gave_up = { NULL, 0 };
	struct alert_run	 ar;
	size_t			 i, k, n;

	if (mon == NULL)
		return;
	mon->mt.runs[strcmp(r->jr.outcome, "succeeded") == 0 ?
	    METRICS_SUCCEEDED : METRICS_FAILED]++;
	if (strcmp(r->jr.outcome, "succeeded") == 0)
		mon->mt.last_success_run_ms = r->jr.ended_ms;
	for (i = 0; i < r->njobs; i++) {
		if (r->jobs[i]->state == JOB_FAILED)
			monitor_targets_add(&gave_up, r->jobs[i]);
		monitor_known(mon, r->jobs[i], r->jr.id);
	}
	memset(&ar, 0, sizeof(ar));
	ar.id = r->jr.id;
	ar.full = r->full;
	ar.failed = strcmp(r->jr.outcome, "succeeded") != 0;
	ar.total = r->jr.total;
	ar.succeeded = r->jr.succeeded;
	ar.disc_failed = r->disc_failed || r->disc.errors > 0;
	if (alert_mem_run_end(&mon->mem, &ar, gave_up.v, gave_up.n,
	    r->disc_failed ? (mon->disc_error[0] != '\0' ? mon->disc_error :
	    "discovery failed") : ""))
		mon->start_error[0] = '\0';
	free(gave_up.v);
	mon->disc_error[0] = '\0';
	if (r->full && !r->disc_failed && r->disc.errors == 0) {
		for (i = k = 0; i < mon->ndbs; i++) {
			if (mon->dbs[i]->seen_run == r->jr.id ||
			    monitor_db_unseen(mon, mon->dbs[i]))
				mon->dbs[k++] = mon->dbs[i];
			else
				monitor_db_free(mon->dbs[i]);
		}
		mon->ndbs = k;
		if ((n = alert_mem_forget(&mon->mem, monitor_known_target,
		    mon)) > 0)
			log_info("alerts: %zu failing database%s no longer "
			    "found", n, n == 1 ? "" : "s");
	}
	notify_run(mon->notify, master_config(mon->m), &r->jr,
	    alert_ping_due(&ar));
	monitor_eval_soon(mon);
}


static char *
monitor_metrics_cb(void *arg)
{
	return (monitor_metrics_text(arg));
}

static void
monitor_api_cb(const char *url, long status, int curl_code, void *arg)
{
	struct monitor	*mon = arg;

	metrics_api_count(&mon->mt, gcp_api_name(url), curl_code != 0 ?
	    0 : status, 1);
}

/*
 * Databases the journal knows, with their health: one row each, by name,
 * so each is appended in order.
 */
static void
monitor_load_db(const struct journal_db *jd, void *arg)
{
	struct monitor		*mon = arg;
	struct monitor_db	*db;

	db = monitor_db_new(jd->project, jd->instance, jd->database);
	db->first_ms = jd->first_ms;
	db->last_ms = jd->last_ms;
	db->attempt_ms = jd->attempt_ms;
	db->fail_ms = jd->fail_ms;
	db->failures = jd->failures;
	if (jd->last_ms != 0 && jd->object[0] != '\0')
		db->object = xstrdup(jd->object);
	strlcpy(db->crc32c, jd->crc32c, sizeof(db->crc32c));
	if (jd->fail_ms != 0)
		db->error = xstrdup(jd->error);
	monitor_db_grow(mon);
	mon->dbs[mon->ndbs++] = db;
}

/*
 * What the journal tells the alerts' memory at start: the runs to read
 * (newest first, back to the newest full run that succeeded, which
 * exported every database there was) and the last finished full run.
 */
struct monitor_load {
	struct monitor		*mon;
	int64_t			 ids[MONITOR_RUNS_LOADED];
	int			 nids;
	int			 done;		/* reached a good full run */
	struct journal_run	 full;		/* id 0: none found */
	struct monitor_targets	 gave_up;
	int			 threshold;
};

static void
monitor_load_run(const struct journal_run *jr, void *arg)
{
	struct monitor_load	*ld = arg;
	int			 full = jr->patterns[0] == '\0';

	if (ld->done || ld->nids == MONITOR_RUNS_LOADED)
		return;
	ld->ids[ld->nids++] = jr->id;
	if (full && jr->ended_ms != 0 && ld->full.id == 0)
		ld->full = *jr;
	if (full && strcmp(jr->outcome, "succeeded") == 0)
		ld->done = 1;
}

/* One job of a past run, replayed in the order the runs happened. */
static void
monitor_load_job(const struct job *job, void *arg)
{
	struct monitor_load	*ld = arg;
	struct alert_target	 t;

	if (job->state == JOB_SUCCEEDED) {
		alert_mem_exported(&ld->mon->mem, job_project(job),
		    job_instance(job), job_database(job));
		return;
	}
	monitor_target(&t, job, job->ended_ms);
	alert_mem_failed(&ld->mon->mem, &t, ld->threshold);
	if (job->run_id == ld->full.id && job->state == JOB_FAILED)
		monitor_targets_add(&ld->gave_up, job);
}

/*
 * Rebuild the alerts' memory from the journal, so that a restart neither
 * clears "export errors" nor forgets a failed full run.  The journal
 * keeps runs and jobs, not why a discovery failed: a failed full run
 * without failed jobs comes back as "discovery failed: see the log".  At
 * most MONITOR_RUNS_LOADED runs are read; a failure older than that is
 * forgotten, and the log says so.
 */
static void
monitor_load_alerts(struct monitor *mon, struct journal *j)
{
	struct monitor_load	 ld;
	struct alert_run	 ar;
	int			 k;

	memset(&ld, 0, sizeof(ld));
	ld.mon = mon;
	ld.threshold = master_config(mon->m)->alert_after_failures;
	if (journal_runs(j, 0, MONITOR_RUNS_LOADED, monitor_load_run,
	    &ld) == -1) {
		log_warnx("journal: %s; the alerts start from nothing",
		    journal_error(j));
		return;
	}
	if (!ld.done && ld.nids == MONITOR_RUNS_LOADED)
		log_warnx("alerts: export errors older than the last %d runs "
		    "are not known after this restart", MONITOR_RUNS_LOADED);
	for (k = ld.nids - 1; k >= 0; k--) {
		if (journal_jobs(j, ld.ids[k], monitor_load_job, &ld) == -1) {
			log_warnx("journal: %s", journal_error(j));
			break;
		}
	}
	if (ld.full.id != 0) {
		memset(&ar, 0, sizeof(ar));
		ar.id = ld.full.id;
		ar.full = 1;
		ar.failed = strcmp(ld.full.outcome, "succeeded") != 0;
		ar.total = ld.full.total;
		ar.succeeded = ld.full.succeeded;
		alert_mem_run_end(&mon->mem, &ar, ld.gave_up.v, ld.gave_up.n,
		    "");
	}
	free(ld.gave_up.v);
	if (mon->mem.nfailing > 0 || mon->mem.run_failed)
		log_info("alerts: from the journal: %zu failing database%s, "
		    "last full run %lld %s", mon->mem.nfailing,
		    mon->mem.nfailing == 1 ? "" : "s",
		    (long long)mon->mem.run_id, mon->mem.run_failed ?
		    "failed" : "succeeded");
}

int
monitor_clock_enabled(void)
{
	const char	*e = getenv(MONITOR_CLOCK_ENV);

	return (e != NULL && strcmp(e, "1") == 0);
}

/* Tests only (MONITOR_CLOCK_ENV=1): shift the alerts' clock, evaluate. */
void
monitor_set_clock(struct monitor *mon, int64_t offset_ms)
{
	log_warnx("test clock: alerts evaluated %+llds from now",
	    (long long)offset_ms / 1000);
	mon->offset_ms = offset_ms;
	monitor_eval(mon);
}

/* API calls a worker made for a job, reported with its result. */
static void
monitor_api_counts(struct monitor *mon, const struct msg_api_count *c,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n && c[i].api[0] != '\0'; i++)
		metrics_api_count(&mon->mt, c[i].api, c[i].status, c[i].n);
}

/* The master's events, each to the hook that counts it. */
static void
monitor_event_cb(const struct master_event *ev, void *arg)
{
	struct monitor	*mon = arg;

	switch (ev->type) {
	case MASTER_EV_RUN_STARTED:
		monitor_run_started(mon, ev->run);
		break;
	case MASTER_EV_RUN_NOT_STARTED:
		monitor_run_not_started(mon, ev->message);
		break;
	case MASTER_EV_DISCOVERY:
		monitor_discovery(mon, ev->disc);
		break;
	case MASTER_EV_RUN_END:
		monitor_run_end(mon, ev->run);
		break;
	case MASTER_EV_DISPATCHED:
		monitor_dispatched(mon, ev->job);
		break;
	case MASTER_EV_JOB_DONE:
		monitor_job_done(mon, ev->job);
		monitor_api_counts(mon, ev->calls, ev->ncalls);
		break;
	case MASTER_EV_JOB_FAILED:
		monitor_job_failed(mon, ev->job, ev->failed);
		monitor_api_counts(mon, ev->calls, ev->ncalls);
		break;
	case MASTER_EV_WORKER_DIED:
		monitor_worker_died(mon);
		break;
	case MASTER_EV_JOURNAL_ERROR:
		monitor_journal_error(mon);
		break;
	case MASTER_EV_CHANGED:
	case MASTER_EV_WALK_DONE:
		break;		/* the next evaluation reads the run */
	case MASTER_EV_RESTORE:
		break;		/* asked for: its client hears how it ends */
	case MASTER_EV_DRILL_END:
		break;		/* the next evaluation reads the drills */
	case MASTER_EV_PRUNE_LINE:
		break;		/* logged by the master */
	case MASTER_EV_PRUNE_END:
		monitor_eval_soon(mon);	/* "Retention failed" reads it */
		break;
	}
}

/*
 * Set up on the master (after master_new): load what the journal knows,
 * listen for scrapes, start the evaluation timer and watch the master.  Returns
 * NULL with a message if the metrics address cannot be bound.
 */
struct monitor *
monitor_new(struct master *m, char *err, size_t errlen)
{
	const struct config	*conf = master_config(m);
	const struct journal_run *last = master_last_run(m);
	struct journal		*j = master_journal(m);
	struct event_base	*base = master_base(m);
	struct monitor		*mon;
	struct timeval		 tv = { 0, 0 };

	mon = xcalloc(1, sizeof(*mon));
	mon->m = m;
	alert_init(&mon->alerts, master_now_ms());
	if (conf->metrics_listen != NULL && (mon->server = metrics_listen(
	    base, conf->metrics_listen, monitor_metrics_cb, mon, err,
	    errlen)) == NULL) {
		free(mon);
		return (NULL);
	}
	mon->notify = notify_new(base, master_multi(m), master_auth(m),
	    &mon->mt);
	http_multi_observe(master_multi(m), monitor_api_cb, mon);
	if (journal_health(j, JOURNAL_LIMIT_MAX, monitor_load_db, mon) == -1)
		log_warnx("journal: %s", journal_error(j));
	if (mon->ndbs > 0)
		qsort(mon->dbs, mon->ndbs, sizeof(*mon->dbs),
		    monitor_db_sort_cmp);
	if (last->id != 0) {
		if (last->total > 0)
			mon->last_attempt_ms = last->started_ms;
		if (strcmp(last->outcome, "succeeded") == 0)
			mon->mt.last_success_run_ms = last->ended_ms;
	}
	monitor_load_alerts(mon, j);
	if (monitor_clock_enabled())
		log_warnx("%s=1: the alerts' clock can be moved through the "
		    "control socket (tests only)", MONITOR_CLOCK_ENV);
	mon->ev_soon = evtimer_new(base, monitor_soon_cb, mon);
	mon->ev_tick = evtimer_new(base, monitor_tick_cb, mon);
	if (mon->ev_soon == NULL || mon->ev_tick == NULL)
		fatalx("monitor_new: evtimer_new");
	evtimer_add(mon->ev_tick, &tv);
	master_watch(m, monitor_event_cb, mon);
	return (mon);
}

/* After http_multi_free: see notify_free. */
void
monitor_free(struct monitor *mon)
{
	size_t	i;

	if (mon == NULL)
		return;
	metrics_server_free(mon->server);
	notify_free(mon->notify);
	event_free(mon->ev_soon);
	event_free(mon->ev_tick);
	for (i = 0; i < mon->ndbs; i++)
		monitor_db_free(mon->dbs[i]);
	free(mon->dbs);
	monitor_places_clear(mon);
	alert_mem_clear(&mon->mem);
	free(mon);
}
