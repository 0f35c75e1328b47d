/*
 * monitor-report.c: what the monitor tells the control socket and the
 * metrics endpoint: the alerts, `check`, `coverage` and the metrics text.
 * Read-only over the state monitor.c keeps, except that `check` and the
 * alerts evaluate first, so that they answer for now.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "config.h"
#include "job.h"
#include "jsonutil.h"
#include "master.h"
#include "metrics.h"
#include "monitor.h"
#include "monitor-int.h"
#include "notify.h"
#include "xmalloc.h"

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
		    alert_now(a)));
		json_add_time(o, "since", a->since_ms);
		json_add_time(o, "changed", a->changed_ms);
		cJSON_AddNumberToObject(o, "count", a->count);
		cJSON_AddStringToObject(o, "summary", a->summary);
		cJSON_AddItemToArray(arr, o);
	}
	return (arr);
}

/*
 * The "notifications failing" line of `check`: a WARNING naming every
 * channel whose last delivery ran out of attempts.  Returns its level.
 */
static int
monitor_channels_line(struct monitor *mon, char *line, size_t len)
{
	struct alert_channel	ch[METRICS_CH_COUNT];
	int			k;

	for (k = 0; k < METRICS_CH_COUNT; k++) {
		ch[k].name = metrics_channel_name(k);
		ch[k].failing_since_ms = notify_failing_since(mon->notify, k);
	}
	return (alert_channels_line(ch, METRICS_CH_COUNT, line, len));
}

/*
 * The "exports stuck" line of `check`: the run's stuck exports, named with
 * how long they have run.
 */
static void
monitor_stuck_line(struct monitor *mon, char *line, size_t len)
{
	const struct run	*r = master_run(mon->m);
	const struct job	*job;
	const char		*items[3];
	char			 buf[3][GCP_PROJECT_ID_MAX + GCP_INSTANCE_MAX +
			    GCP_DATABASE_MAX + 48];
	int64_t			 now = master_now_ms(), s;
	size_t			 i, n = 0;

	line[0] = '\0';
	if (r == NULL || r->stuck == 0)
		return;
	for (i = 0; i < r->njobs && n < 3; i++) {
		job = r->jobs[i];
		if (!job->stuck)
			continue;
		s = (now - job->started_ms) / 1000;
		snprintf(buf[n], sizeof(buf[n]), "%s/%s/%s running %lld%s",
		    job_project(job), job_instance(job), job_database(job),
		    (long long)(s >= 120 ? s / 60 : s), s >= 120 ? "m" : "s");
		items[n] = buf[n];
		n++;
	}
	alert_list_line("exports stuck", items, n, (size_t)r->stuck, line,
	    len);
}

/*
 * The configuration file as it is on disk now: if it does not load, a
 * restart would fail (a reload would be refused), so say so with its
 * first FILE:LINE error in buf and return 1; else "" and 0.  Reads a small
 * local file, as a reload does.
 */
static int
monitor_config_line(const char *path, char *buf, size_t len)
{
	struct config_errors	 ce = { NULL, 0 };
	struct config		*c;

	buf[0] = '\0';
	if ((c = config_load(path, &ce)) != NULL) {
		config_free(c);
		config_errors_clear(&ce);
		return (0);
	}
	snprintf(buf, len, "WARNING: configuration on disk does not load, a "
	    "restart would fail: %s%s", ce.n > 0 ? ce.line[0] : path,
	    ce.n > 1 ? " (and more: databackupd -n)" : "");
	config_errors_clear(&ce);
	return (1);
}

/*
 * The `check` reply: "status" (0, 1, 2) and "lines", one per alert, the
 * worst first, one more when the journal cannot be written, one when
 * notifications fail, and one when the configuration file does not load.
 */
void
monitor_check(struct monitor *mon, cJSON *o)
{
	struct master_info	 mi;
	cJSON			*lines;
	char			 line[ALERT_SUMMARY_MAX + 64];
	char			 chans[ALERT_SUMMARY_MAX];
	char			 stuck[ALERT_SUMMARY_MAX];
	char			 conf[ALERT_SUMMARY_MAX];
	int			 level, k, status, chlevel;

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
	chlevel = monitor_channels_line(mon, chans, sizeof(chans));
	monitor_stuck_line(mon, stuck, sizeof(stuck));
	monitor_config_line(mi.conf_path, conf, sizeof(conf));
	if ((stuck[0] != '\0' || mon->partial[0] != '\0' ||
	    conf[0] != '\0') &&
	    chlevel < ALERT_LEVEL_WARNING)
		chlevel = ALERT_LEVEL_WARNING;
	if (chlevel > status)
		status = chlevel;
	for (level = ALERT_LEVEL_CRITICAL; level >= ALERT_LEVEL_OK; level--) {
		for (k = 0; k < ALERT_COUNT; k++) {
			struct alert	*a = &mon->alerts.a[k];

			if ((int)alert_now(a) != level)
				continue;
			alert_line(a, line, sizeof(line));
			cJSON_AddItemToArray(lines, cJSON_CreateString(line));
		}
		if (level != ALERT_LEVEL_WARNING)
			continue;
		if (chans[0] != '\0')
			cJSON_AddItemToArray(lines, cJSON_CreateString(chans));
		if (stuck[0] != '\0')
			cJSON_AddItemToArray(lines, cJSON_CreateString(stuck));
		if (mon->partial[0] != '\0')
			cJSON_AddItemToArray(lines,
			    cJSON_CreateString(mon->partial));
		if (conf[0] != '\0')
			cJSON_AddItemToArray(lines, cJSON_CreateString(conf));
	}
	cJSON_AddNumberToObject(o, "status", status);
	cJSON_AddItemToObject(o, "lines", lines);
}

/*
 * The coverage reply: every known database that is not excluded (or only
 * the stale ones), by name, with its newest verified export, its age and
 * whether it is stale by max_age_ms; "count" listed, "stale" among them.
 * Returns how many are stale.
 */
int
monitor_coverage(struct monitor *mon, cJSON *o, int64_t max_age_ms,
    int stale_only)
{
	struct alert_db		*dbs;
	struct monitor_db	*db;
	cJSON			*arr, *e;
	int64_t			 now = monitor_now_ms(mon);
	size_t			 k;
	int			 stale, nstale = 0, n = 0;

	dbs = monitor_alert_dbs(mon);
	cJSON_AddNumberToObject(o, "max_age", (double)(max_age_ms / 1000));
	arr = cJSON_AddArrayToObject(o, "databases");
	for (k = 0; k < mon->ndbs; k++) {
		if (dbs[k].excluded)
			continue;
		stale = alert_db_stale(&dbs[k], now, max_age_ms);
		if (stale_only && !stale)
			continue;
		db = mon->dbs[k];
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "project", dbs[k].project);
		cJSON_AddStringToObject(e, "instance", dbs[k].instance);
		cJSON_AddStringToObject(e, "database", dbs[k].database);
		json_add_time(e, "last_success", db->last_ms);
		if (db->last_ms != 0)
			cJSON_AddNumberToObject(e, "age",
			    (double)((now - db->last_ms) / 1000));
		else
			cJSON_AddNullToObject(e, "age");
		json_add_str(e, "object", db->object);
		json_add_str(e, "crc32c", db->crc32c);
		json_add_time(e, "first_seen", db->first_ms);
		json_add_time(e, "last_attempt", db->attempt_ms);
		json_add_time(e, "last_failure", db->fail_ms);
		json_add_str(e, "last_error", db->error);
		cJSON_AddBoolToObject(e, "stale", stale);
		cJSON_AddItemToArray(arr, e);
		nstale += stale;
		n++;
	}
	cJSON_AddNumberToObject(o, "count", n);
	cJSON_AddNumberToObject(o, "stale", nstale);
	free(dbs);
	return (nstale);
}

/* Prometheus text; returns a new string. */
char *
monitor_metrics_text(struct monitor *mon)
{
	const struct run	*r = master_run(mon->m);
	struct master_info	 mi;
	struct monitor_db	*db;
	struct metrics_db	*mdb;
	struct alert_db		*dbs;
	size_t			 k;
	char			*text;

	master_info(mon->m, &mi);
	mon->mt.now_ms = monitor_now_ms(mon);
	mon->mt.started_ms = mi.started_ms;
	mon->mt.in_flight = r != NULL ? r->in_flight : 0;
	mon->mt.stuck = r != NULL ? r->stuck : 0;
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
	dbs = monitor_alert_dbs(mon);
	mdb = xcalloc(mon->ndbs + 1, sizeof(*mdb));
	mon->mt.stale = 0;
	for (k = 0; k < mon->ndbs; k++) {
		mdb[k].project = dbs[k].project;
		mdb[k].instance = dbs[k].instance;
		mdb[k].database = dbs[k].database;
		mdb[k].success_ms = mon->dbs[k]->last_ms;
		mdb[k].failure_ms = mon->dbs[k]->fail_ms;
		mon->mt.stale += alert_db_stale(&dbs[k], mon->mt.now_ms,
		    (int64_t)master_config(mon->m)->max_age_ms);
	}
	mon->mt.dbs = mdb;
	mon->mt.ndbs = mon->ndbs;
	text = metrics_render(&mon->mt);
	mon->mt.dbs = NULL;
	mon->mt.ndbs = 0;
	free(mdb);
	free(dbs);
	return (text);
}
