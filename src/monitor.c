/*
 * monitor.c: the master's watch over itself.
 *
 * Holds the metrics (counted from the events the master sends its
 * watchers, monitor_event_cb), the alert set and the facts the alerts need that the master
 * does not keep: the jobs that gave up in the last finished run, why a
 * scheduled run did not start, when an export was last attempted, and the
 * newest successful export of every known database.  Evaluation runs every
 * MONITOR_EVAL_SEC and soon after each relevant event; each alert change
 * is logged and handed to notify.c.  The rules themselves are alert.c's.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "alert.h"
#include "config.h"
#include "discovery.h"
#include "http.h"
#include "job.h"
#include "journal.h"
#include "jsonutil.h"
#include "log.h"
#include "master.h"
#include "metrics.h"
#include "gcp.h"
#include "monitor.h"
#include "msg.h"
#include "notify.h"
#include "xmalloc.h"

/*
 * The newest successful export of one database.  There is one for every
 * database known, 10,000 on a large fleet, so the names share the entry's
 * allocation and the entries sit in an array sorted by name: a pointer
 * each, where a tree node costs four.  An insert moves the array's tail;
 * a whole run of new databases moves a few hundred MB that way, a few
 * tens of ms.
 */
struct monitor_db {
	int64_t			 last_ms;	/* 0: never */
	int64_t			 seen_run;
	char			 names[];	/* project, instance, db */
};

struct monitor {
	struct master		*m;
	struct metrics		 mt;
	struct alert_set	 alerts;
	struct notify		*notify;
	struct metrics_server	*server;
	struct event		*ev_tick;
	struct event		*ev_soon;
	int64_t			 eval_ms;	/* last evaluation, our clock */
	int64_t			 offset_ms;	/* test clock only */
	int64_t			 last_attempt_ms;
	char			 start_error[256];
	char			 disc_error[256];	/* current run */
	char			 last_disc_error[256];	/* last finished */
	struct alert_target	*gave_up;	/* last finished run */
	size_t			 ngave_up;
	struct alert_target	*failing;	/* scratch, per evaluation */
	size_t			 nfailing, capfailing;
	struct monitor_db	**dbs;		/* sorted by name */
	size_t			 ndbs, capdbs;
};

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

static int
monitor_same(const struct alert_target *t, const struct job *job)
{
	return (strcmp(t->project, job_project(job)) == 0 &&
	    strcmp(t->instance, job_instance(job)) == 0 &&
	    strcmp(t->database, job_database(job)) == 0);
}

static void
monitor_failing_add(struct monitor *mon, const struct alert_target *t)
{
	if (mon->nfailing == mon->capfailing) {
		mon->capfailing = mon->capfailing == 0 ? 16 :
		    mon->capfailing * 2;
		mon->failing = xreallocarray(mon->failing, mon->capfailing,
		    sizeof(*mon->failing));
	}
	mon->failing[mon->nfailing++] = *t;
}

/*
 * "Export errors" inputs: jobs of the run in progress that failed often
 * enough and have not succeeded, then those that gave up in the last run
 * unless the run in progress has that database already.
 */
static void
monitor_gather_failing(struct monitor *mon, int64_t now)
{
	const struct run	*r = master_run(mon->m);
	struct alert_target	 t;
	struct job		*job;
	size_t			 i, k;
	int			 thr, dup;

	thr = master_config(mon->m)->alert_after_failures;
	mon->nfailing = 0;
	if (r != NULL) {
		for (i = 0; i < r->njobs; i++) {
			job = r->jobs[i];
			if (job->failures < thr || job->state == JOB_SUCCEEDED)
				continue;
			monitor_target(&t, job, job->state == JOB_FAILED &&
			    job->ended_ms > 0 ? job->ended_ms : now);
			monitor_failing_add(mon, &t);
		}
	}
	for (k = 0; k < mon->ngave_up; k++) {
		dup = 0;
		for (i = 0; r != NULL && i < r->njobs && !dup; i++)
			dup = monitor_same(&mon->gave_up[k], r->jobs[i]) &&
			    (r->jobs[i]->state == JOB_SUCCEEDED ||
			    r->jobs[i]->failures >= thr);
		if (!dup)
			monitor_failing_add(mon, &mon->gave_up[k]);
	}
}

static void
monitor_eval(struct monitor *mon)
{
	const struct journal_run *last = master_last_run(mon->m);
	const struct config	*conf = master_config(mon->m);
	const struct run	*r = master_run(mon->m);
	struct master_info	 mi;
	struct alert_input	 in;
	struct alert_target	*t, *tl;
	struct alert		*a;
	unsigned int		 changed;
	size_t			 nt, i, n;
	char			 line[ALERT_SUMMARY_MAX + 64];
	int			 k;

	mon->eval_ms = master_now_ms();
	master_info(mon->m, &mi);
	memset(&in, 0, sizeof(in));
	in.now_ms = monitor_now_ms(mon);
	strlcpy(in.start_error, mon->start_error, sizeof(in.start_error));
	in.run_id = last->id;
	in.run_failed = strcmp(last->outcome, "failed") == 0;
	in.run_total = last->total;
	strlcpy(in.disc_error, mon->last_disc_error, sizeof(in.disc_error));
	if (in.run_failed && mon->ngave_up == 0 && in.disc_error[0] == '\0')
		strlcpy(in.disc_error, "see the log", sizeof(in.disc_error));
	in.gave_up = mon->gave_up;
	in.ngave_up = mon->ngave_up;
	monitor_gather_failing(mon, in.now_ms);
	in.failing = mon->failing;
	in.nfailing = mon->nfailing;
	in.threshold = conf->alert_after_failures;
	in.last_attempt_ms = mon->last_attempt_ms;
	in.watch_since_ms = mi.started_ms;
	in.ntargets = (int)mon->ndbs;
	if (r != NULL && (int)r->njobs > in.ntargets)
		in.ntargets = (int)r->njobs;
	in.not_running_after_ms = (int64_t)conf->not_running_after_ms;

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
			tl = xcalloc(mon->nfailing + 1, sizeof(*tl));
			for (i = n = 0; i < mon->nfailing; i++)
				if (alert_target_counts(&mon->failing[i], &in))
					tl[n++] = mon->failing[i];
			t = tl;
			nt = n;
		} else if (a->id == ALERT_RUN_FAILED) {
			t = mon->gave_up;
			nt = mon->ngave_up;
		}
		if (a->state != ALERT_FIRING)
			nt = 0;
		notify_alert(mon->notify, conf, a, t, nt);
		free(tl);
	}
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
	db = monitor_db_get(mon, job_project(job), job_instance(job),
	    job_database(job), 1);
	if (job->ended_ms > db->last_ms)
		db->last_ms = job->ended_ms;
	monitor_eval_soon(mon);
}

/* After a failed attempt was judged: the job gave up, or waits for what? */
static void
monitor_job_failed(struct monitor *mon, const struct job *job,
    const struct msg_failed *f)
{
	enum metrics_retry	r;

	if (mon == NULL)
		return;
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
	if (res->failed)
		strlcpy(mon->disc_error, res->errors.n > 0 ?
		    res->errors.v[0].text : "nothing could be read",
		    sizeof(mon->disc_error));
	monitor_eval_soon(mon);
}

static void
monitor_run_started(struct monitor *mon)
{
	if (mon == NULL)
		return;
	mon->start_error[0] = '\0';
	mon->disc_error[0] = '\0';
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

/* Remember the failed jobs of a finished run (or of the journal's last). */
static void
monitor_gave_up_add(struct monitor *mon, const struct job *job)
{
	mon->gave_up = xreallocarray(mon->gave_up, mon->ngave_up + 1,
	    sizeof(*mon->gave_up));
	monitor_target(&mon->gave_up[mon->ngave_up++], job, job->ended_ms);
}

static void
monitor_known(struct monitor *mon, const struct job *job, int64_t run_id)
{
	struct monitor_db	*db;
	int64_t			 last;

	db = monitor_db_get(mon, job_project(job), job_instance(job),
	    job_database(job), 0);
	if (db == NULL) {
		db = monitor_db_get(mon, job_project(job), job_instance(job),
		    job_database(job), 1);
		if (master_journal(mon->m) != NULL && journal_last_success(
		    master_journal(mon->m), job_project(job),
		    job_instance(job), job_database(job), &last) == 1)
			db->last_ms = last;
	}
	if (job->state == JOB_SUCCEEDED && job->ended_ms > db->last_ms)
		db->last_ms = job->ended_ms;
	db->seen_run = run_id;
}

static void
monitor_run_end(struct monitor *mon, const struct run *r)
{
	size_t			 i, k;
	int			 full;

	if (mon == NULL)
		return;
	mon->mt.runs[strcmp(r->jr.outcome, "succeeded") == 0 ?
	    METRICS_SUCCEEDED : METRICS_FAILED]++;
	if (strcmp(r->jr.outcome, "succeeded") == 0)
		mon->mt.last_success_run_ms = r->jr.ended_ms;
	free(mon->gave_up);
	mon->gave_up = NULL;
	mon->ngave_up = 0;
	for (i = 0; i < r->njobs; i++) {
		if (r->jobs[i]->state == JOB_FAILED)
			monitor_gave_up_add(mon, r->jobs[i]);
		monitor_known(mon, r->jobs[i], r->jr.id);
	}
	strlcpy(mon->last_disc_error, r->disc_failed ? (mon->disc_error[0] !=
	    '\0' ? mon->disc_error : "discovery failed") : "",
	    sizeof(mon->last_disc_error));
	mon->disc_error[0] = '\0';
	/* A full run that saw everything tells which databases exist. */
	full = r->jr.patterns[0] == '\0' && !r->disc_failed &&
	    r->disc.errors == 0;
	if (full) {
		for (i = k = 0; i < mon->ndbs; i++) {
			if (mon->dbs[i]->seen_run == r->jr.id)
				mon->dbs[k++] = mon->dbs[i];
			else
				free(mon->dbs[i]);
		}
		mon->ndbs = k;
	}
	notify_run(mon->notify, master_config(mon->m), &r->jr);
	monitor_eval_soon(mon);
}

/* Control socket. */

/* [{"name","state","since","changed","summary",...}] */
cJSON *
monitor_alerts_json(struct monitor *mon)
{
	cJSON		*arr, *o;
	struct alert	*a;
	int		 k;

	arr = cJSON_CreateArray();
	for (k = 0; k < ALERT_COUNT; k++) {
		a = &mon->alerts.a[k];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", alert_name(a->id));
		cJSON_AddStringToObject(o, "title", alert_title(a->id));
		cJSON_AddStringToObject(o, "state", alert_state_name(a->state));
		cJSON_AddStringToObject(o, "severity", alert_level_name(
		    a->state == ALERT_FIRING ? alert_severity(a->id) :
		    ALERT_LEVEL_OK));
		json_add_time(o, "since", a->since_ms);
		json_add_time(o, "changed", a->changed_ms);
		cJSON_AddNumberToObject(o, "count", a->count);
		cJSON_AddStringToObject(o, "summary", a->summary);
		cJSON_AddItemToArray(arr, o);
	}
	return (arr);
}

/*
 * The `check` reply: "status" (0, 1, 2) and "lines", one per alert, the
 * worst first, and one more when the journal cannot be written.
 */
void
monitor_check(struct monitor *mon, cJSON *o)
{
	struct master_info	 mi;
	cJSON			*lines;
	char			 line[ALERT_SUMMARY_MAX + 64];
	int			 level, k, status;

	monitor_eval(mon);
	master_info(mon->m, &mi);
	status = alert_level(&mon->alerts);
	lines = cJSON_CreateArray();
	if (!mi.journal_ok) {
		snprintf(line, sizeof(line), "CRITICAL: journal writes fail: "
		    "%s", mi.journal_err);
		cJSON_AddItemToArray(lines, cJSON_CreateString(line));
		status = ALERT_LEVEL_CRITICAL;
	}
	for (level = ALERT_LEVEL_CRITICAL; level >= ALERT_LEVEL_OK; level--) {
		for (k = 0; k < ALERT_COUNT; k++) {
			struct alert	*a = &mon->alerts.a[k];

			if ((a->state == ALERT_FIRING ? (int)alert_severity(
			    a->id) : ALERT_LEVEL_OK) != level)
				continue;
			alert_line(a, line, sizeof(line));
			cJSON_AddItemToArray(lines, cJSON_CreateString(line));
		}
	}
	cJSON_AddNumberToObject(o, "status", status);
	cJSON_AddItemToObject(o, "lines", lines);
}

/* Prometheus text; returns a new string. */
char *
monitor_metrics_text(struct monitor *mon)
{
	const struct run	*r = master_run(mon->m);
	struct master_info	 mi;
	struct monitor_db	*db;
	size_t			 k;

	master_info(mon->m, &mi);
	mon->mt.now_ms = monitor_now_ms(mon);
	mon->mt.started_ms = mi.started_ms;
	mon->mt.in_flight = r != NULL ? r->in_flight : 0;
	mon->mt.run_active = r != NULL;
	mon->mt.workers = mi.nworkers;
	mon->mt.workers_busy = mi.workers_busy;
	mon->mt.oldest_export_ms = 0;
	mon->mt.never_exported = 0;
	for (k = 0; k < mon->ndbs; k++) {
		db = mon->dbs[k];
		if (db->last_ms == 0)
			mon->mt.never_exported++;
		else if (mon->mt.oldest_export_ms == 0 ||
		    db->last_ms < mon->mt.oldest_export_ms)
			mon->mt.oldest_export_ms = db->last_ms;
	}
	mon->mt.known_databases = (int)mon->ndbs;
	memcpy(&mon->mt.alerts, &mon->alerts, sizeof(mon->alerts));
	return (metrics_render(&mon->mt));
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
 * Databases the journal knows, with their newest export: one row each, in
 * the order of the export time.  Appended, then sorted once by name.
 */
static void
monitor_load_db(const char *p, const char *i, const char *d, int64_t last,
    void *arg)
{
	struct monitor		*mon = arg;
	struct monitor_db	*db;

	db = monitor_db_new(p, i, d);
	db->last_ms = last;
	monitor_db_grow(mon);
	mon->dbs[mon->ndbs++] = db;
}

static void
monitor_load_job(const struct job *job, void *arg)
{
	struct monitor	*mon = arg;

	if (job->state == JOB_FAILED)
		monitor_gave_up_add(mon, job);
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
		monitor_run_started(mon);
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
	if (journal_stale(j, INT64_MAX, JOURNAL_LIMIT_MAX, monitor_load_db,
	    mon) == -1)
		log_warnx("journal: %s", journal_error(j));
	if (mon->ndbs > 0)
		qsort(mon->dbs, mon->ndbs, sizeof(*mon->dbs),
		    monitor_db_sort_cmp);
	if (last->id != 0) {
		if (last->total > 0)
			mon->last_attempt_ms = last->started_ms;
		if (strcmp(last->outcome, "succeeded") == 0)
			mon->mt.last_success_run_ms = last->ended_ms;
		if (strcmp(last->outcome, "failed") == 0 && journal_jobs(j,
		    last->id, monitor_load_job, mon) == -1)
			log_warnx("journal: %s", journal_error(j));
	}
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
		free(mon->dbs[i]);
	free(mon->dbs);
	free(mon->gave_up);
	free(mon->failing);
	free(mon);
}
