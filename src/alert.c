/*
 * alert.c: the built-in alerts ("run failed", "export errors", "exports
 * not running", "run stalled", "stale databases", the two of restore
 * drills, "retention failed") as a pure state machine: inputs and a time
 * in, states, summaries and the set of changed alerts out.  Also the rules of
 * what the alerts remember (which run counts, which databases still fail,
 * when the dead man's switch is pinged) and the "notifications failing"
 * line of `check`.  Hearing of events is monitor.c's; telling people is
 * notify.c's.  No I/O and no clock here; the memory's arrays are the only
 * allocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "jsonutil.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	const char	*title;
	enum alert_level level;
	const char	*runbook;
} alert_info[ALERT_COUNT] = {
	[ALERT_RUN_FAILED] = { "run_failed", "Run failed",
	    ALERT_LEVEL_CRITICAL,
	    "1. `databackupctl status` and `databackupctl jobs`: which "
	    "databases failed and why.\n"
	    "2. A failed discovery: check the service account's roles on the "
	    "folders (resourcemanager.folders.get, projects list) and "
	    "`databackupctl plan`.\n"
	    "3. A run that did not start: `journalctl -u databackupd` for the "
	    "reason (journal, shutdown).\n"
	    "4. Fix the cause, then `databackupctl trigger PROJECT/INSTANCE/"
	    "DATABASE --wait` for the databases concerned." },
	[ALERT_EXPORT_ERRORS] = { "export_errors", "Export errors",
	    ALERT_LEVEL_CRITICAL,
	    "1. `databackupctl jobs` shows each failing database's last "
	    "error; retries go on within the retry window.\n"
	    "2. Permission errors: the instance's service account needs "
	    "roles/storage.objectAdmin on the bucket.\n"
	    "3. Instance busy or stopped: check the instance in the console "
	    "(maintenance, backups, activation policy).\n"
	    "4. Once fixed: `databackupctl trigger PROJECT/INSTANCE/DATABASE "
	    "--wait`; the alert clears when the export succeeds." },
	[ALERT_NOT_RUNNING] = { "not_running", "Exports not running",
	    ALERT_LEVEL_WARNING,
	    "1. Is databackupd running? `systemctl status databackupd`.\n"
	    "2. `databackupctl status`: next scheduled run, workers, journal.\n"
	    "3. `journalctl -u databackupd --since -2d` for errors "
	    "(credentials, journal writes, configuration).\n"
	    "4. Start a run by hand: `databackupctl trigger --wait`." },
	[ALERT_RUN_STALLED] = { "run_stalled", "Run stalled",
	    ALERT_LEVEL_CRITICAL,
	    "1. `databackupctl status` and `databackupctl jobs`: what the "
	    "run waits on; the daemon has asked for a token and restarted "
	    "silent workers.\n"
	    "2. `journalctl -u databackupd` for \"stalled\", token and "
	    "worker errors.\n"
	    "3. The alert clears as soon as the run progresses; "
	    "docs/operations.md#alert-run-stalled." },
	[ALERT_STALE] = { "stale_databases", "Stale databases",
	    ALERT_LEVEL_WARNING,
	    "1. `databackupctl coverage --stale` lists each stale database "
	    "with its newest verified export.\n"
	    "2. `databackupctl jobs --failed` and `databackupctl check`: "
	    "failing exports, runs that failed or did not start, partial "
	    "discovery.\n"
	    "3. A database that is gone for good: it is forgotten after the "
	    "next full run that sees everything; one that is not wanted: "
	    "exclude it.\n"
	    "4. Once fixed: `databackupctl trigger PROJECT/INSTANCE/DATABASE "
	    "--wait`; the alert clears when no database is stale." },
	[ALERT_DRILL_FAILED] = { "drill_failed", "Restore drill failed",
	    ALERT_LEVEL_WARNING,
	    "1. `databackupctl status` names the last drill; `journalctl -u "
	    "databackupd` has each failed restore's reason (\"restore ... "
	    "failed\").\n"
	    "2. The object missing or unreadable, or an import error: the "
	    "export may not restore; export again (`databackupctl trigger "
	    "PROJECT/INSTANCE/DATABASE --wait`) and drill it "
	    "(`databackupctl drill PROJECT/INSTANCE/DATABASE --wait`).\n"
	    "3. No scratch instance of the engine, or the scratch busy or "
	    "stopped: fix [drill] scratch.\n"
	    "4. The alert clears when a drill ends without failures; "
	    "docs/operations.md#alert-restore-drill-failed." },
	[ALERT_DRILL_OVERDUE] = { "drill_overdue", "Restores not verified",
	    ALERT_LEVEL_WARNING,
	    "1. `databackupctl coverage` shows each database's last "
	    "verified restore.\n"
	    "2. Drills run each week ([drill] weekly_at) on a rotating "
	    "sample; are they running (`databackupctl status`, last restore "
	    "drill)?  Do they fail (alert \"Restore drill failed\")?\n"
	    "3. Drill the databases now: `databackupctl drill "
	    "PROJECT/INSTANCE/DATABASE --wait`, or raise [drill] sample." },
	[ALERT_RETENTION_FAILED] = { "retention_failed", "Retention failed",
	    ALERT_LEVEL_WARNING,
	    "1. `journalctl -u databackupd` has the prune's lines "
	    "(\"retention: cannot delete ...\", \"retention failed: ...\").\n"
	    "2. A listing or deletion refused (403): the daemon's service "
	    "account needs storage.objects.list and storage.objects.delete "
	    "on the bucket; a retention policy or object hold on the bucket "
	    "also refuses deletions.\n"
	    "3. Old exports stay until a prune succeeds: the bucket grows, "
	    "nothing is lost.\n"
	    "4. Once fixed: `databackupctl prune`; the alert clears when a "
	    "prune succeeds; docs/operations.md#alert-retention-failed." },
};

const char *
alert_name(enum alert_id id)
{
	if (id >= ALERT_COUNT)
		return ("invalid");
	return (alert_info[id].name);
}

const char *
alert_title(enum alert_id id)
{
	if (id >= ALERT_COUNT)
		return ("Invalid");
	return (alert_info[id].title);
}

const char *
alert_state_name(enum alert_state st)
{
	switch (st) {
	case ALERT_OK:
		return ("ok");
	case ALERT_FIRING:
		return ("firing");
	}
	return ("invalid");
}

const char *
alert_level_name(enum alert_level l)
{
	switch (l) {
	case ALERT_LEVEL_OK:
		return ("OK");
	case ALERT_LEVEL_WARNING:
		return ("WARNING");
	case ALERT_LEVEL_CRITICAL:
		return ("CRITICAL");
	}
	return ("UNKNOWN");
}

/* The level of a firing alert. */
enum alert_level
alert_severity(enum alert_id id)
{
	if (id >= ALERT_COUNT)
		return (ALERT_LEVEL_CRITICAL);
	return (alert_info[id].level);
}

/* What the runbook says to do first; a static string. */
const char *
alert_runbook(enum alert_id id)
{
	if (id >= ALERT_COUNT)
		return ("");
	return (alert_info[id].runbook);
}

void
alert_init(struct alert_set *s, int64_t now_ms)
{
	int	i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ALERT_COUNT; i++) {
		s->a[i].id = i;
		s->a[i].state = ALERT_OK;
		s->a[i].changed_ms = now_ms;
		s->a[i].level = alert_severity(i);
	}
}

/* The alert's level now: OK unless it fires. */
enum alert_level
alert_now(const struct alert *a)
{
	return (a->state == ALERT_FIRING ? a->level : ALERT_LEVEL_OK);
}

/*
 * The lists of every summary and `check` line: "a, b, c and 4 more".
 * alert_names_add appends the item fmt makes (after ", ") while fewer
 * than ALERT_NAMES_SHOWN are shown, and counts it in *n either way;
 * alert_names_more then appends how many of total were not shown.  buf
 * holds a string ("" to start with); everything is cut to fit len.
 */
void
alert_names_add(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	char	one[ALERT_SUMMARY_MAX];
	va_list	ap;

	if ((*n)++ >= ALERT_NAMES_SHOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(one, sizeof(one), fmt, ap);
	va_end(ap);
	if (*n > 1)
		strlcat(buf, ", ", len);
	strlcat(buf, one, len);
}

/* " and 4 more" (or "4 more" when none is named) after n added items. */
void
alert_names_more(char *buf, size_t len, size_t n, size_t total)
{
	char	more[48];
	size_t	shown = n < ALERT_NAMES_SHOWN ? n : ALERT_NAMES_SHOWN;

	if (total <= shown)
		return;
	snprintf(more, sizeof(more), "%s%zu more", shown > 0 ? " and " : "",
	    total - shown);
	strlcat(buf, more, len);
}

/*
 * "p/i/d, p/i/d, p/i/d and 4 more": the first ALERT_NAMES_SHOWN targets,
 * since that is the first thing the runbook asks.
 */
void
alert_targets_text(const struct alert_target *t, size_t n, char *buf,
    size_t len)
{
	size_t	i, k = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		alert_names_add(buf, len, &k, "%s/%s/%s", t[i].project,
		    t[i].instance, t[i].database);
	alert_names_more(buf, len, k, n);
}

/* Returns 1 if firing; fills the summary and count either way. */
static int
alert_eval_run_failed(struct alert *a, const struct alert_input *in)
{
	char	names[ALERT_SUMMARY_MAX / 2];

	a->count = 0;
	if (in->start_error[0] != '\0') {
		snprintf(a->summary, sizeof(a->summary), "the scheduled run "
		    "did not start: %s", in->start_error);
		return (1);
	}
	if (in->run_id == 0) {
		snprintf(a->summary, sizeof(a->summary), "no run yet");
		return (0);
	}
	if (!in->run_failed) {
		snprintf(a->summary, sizeof(a->summary), "run %lld "
		    "succeeded: %d databases exported", (long long)in->run_id,
		    in->run_total);
		return (0);
	}
	a->count = (int)in->ngave_up;
	if (in->disc_error[0] != '\0' && in->ngave_up == 0) {
		snprintf(a->summary, sizeof(a->summary), "run %lld: discovery "
		    "failed: %s", (long long)in->run_id, in->disc_error);
		return (1);
	}
	alert_targets_text(in->gave_up, in->ngave_up, names, sizeof(names));
	snprintf(a->summary, sizeof(a->summary), "run %lld: %zu of %d "
	    "databases not exported%s%s%s%.100s", (long long)in->run_id,
	    in->ngave_up, in->run_total, in->ngave_up > 0 ? ": " : "", names,
	    in->disc_error[0] != '\0' ? "; discovery failed: " : "",
	    in->disc_error);
	return (1);
}

/*
 * Does this target count for "export errors"?  However old the failure:
 * only an export of the database since (or its disappearance) clears it.
 * The threshold is checked again because a reload may have raised it.
 */
int
alert_target_counts(const struct alert_target *t,
    const struct alert_input *in)
{
	return (t->failures >= in->threshold);
}

static int
alert_eval_export_errors(struct alert *a, const struct alert_input *in)
{
	char	names[ALERT_SUMMARY_MAX];
	size_t	i, n = 0;

	names[0] = '\0';
	for (i = 0; i < in->nfailing; i++) {
		if (!alert_target_counts(&in->failing[i], in))
			continue;
		alert_names_add(names, sizeof(names), &n, "%s/%s/%s",
		    in->failing[i].project, in->failing[i].instance,
		    in->failing[i].database);
	}
	a->count = (int)n;
	if (n == 0) {
		snprintf(a->summary, sizeof(a->summary), "every database that "
		    "failed %d times was exported since", in->threshold);
		return (0);
	}
	alert_names_more(names, sizeof(names), n, n);
	snprintf(a->summary, sizeof(a->summary), "%zu database%s failed %d "
	    "or more times, not exported since: %s", n, n == 1 ? "" : "s",
	    in->threshold, names);
	return (1);
}

static int
alert_eval_not_running(struct alert *a, const struct alert_input *in)
{
	int64_t	from = in->last_attempt_ms, idle;
	char	when[32];

	if (in->watch_since_ms > from)
		from = in->watch_since_ms;
	idle = in->now_ms - from;
	a->count = in->ntargets;
	if (in->last_attempt_ms > 0)
		json_time(in->last_attempt_ms, when, sizeof(when));
	else
		strlcpy(when, "never", sizeof(when));
	/* A long export is work going on, however long ago it started. */
	if (in->in_progress > 0) {
		snprintf(a->summary, sizeof(a->summary), "%d export%s in "
		    "progress (last attempt: %s)", in->in_progress,
		    in->in_progress == 1 ? "" : "s", when);
		return (0);
	}
	if (in->ntargets > 0 && idle > in->not_running_after_ms) {
		snprintf(a->summary, sizeof(a->summary), "no export attempt "
		    "for %lldh%02lldm although %d databases are known (last "
		    "attempt: %s)", (long long)(idle / 3600000),
		    (long long)(idle / 60000 % 60), in->ntargets, when);
		return (1);
	}
	snprintf(a->summary, sizeof(a->summary), "last export attempt: %s",
	    when);
	return (0);
}

static int
alert_eval_run_stalled(struct alert *a, const struct alert_input *in)
{
	char	when[32];

	a->count = in->stalled_run != 0;
	if (in->stalled_run == 0) {
		strlcpy(a->summary, "no run stalled", sizeof(a->summary));
		return (0);
	}
	json_time(in->progress_ms, when, sizeof(when));
	snprintf(a->summary, sizeof(a->summary), "run %lld: no progress "
	    "for %llds (no job changed state, no export or poll since %s)",
	    (long long)in->stalled_run,
	    (long long)(in->now_ms - in->progress_ms) / 1000, when);
	return (1);
}

/* "26h", "1h30m", "90s": a duration for people, to the second. */
void
alert_age_text(int64_t ms, char *buf, size_t len)
{
	long long	h = ms / 3600000, m = ms / 60000 % 60;
	long long	s = ms / 1000 % 60;

	if (h > 0 && m == 0 && s == 0)
		snprintf(buf, len, "%lldh", h);
	else if (h > 0)
		snprintf(buf, len, "%lldh%02lldm", h, m);
	else if (m > 0 && s == 0)
		snprintf(buf, len, "%lldm", m);
	else if (m > 0)
		snprintf(buf, len, "%lldm%02llds", m, s);
	else
		snprintf(buf, len, "%llds", s);
}

/*
 * Is the database stale at now_ms: has it no verified export younger than
 * max_age?  One never exported counts from when it was first seen: a
 * database found an hour ago had no chance of an export yet, and a new
 * daemon must not cry wolf before its first run; it turns stale max_age
 * after it was first seen.  An excluded database is not wanted, so never
 * stale.  One whose first sighting is not known and that was never
 * exported is stale.
 */
int
alert_db_stale(const struct alert_db *db, int64_t now_ms, int64_t max_age_ms)
{
	int64_t	from = db->last_ms > 0 ? db->last_ms : db->first_ms;

	if (db->excluded)
		return (0);
	return (from == 0 || now_ms - from > max_age_ms);
}

/*
 * WARNING while every stale database is stale for less than another
 * max_age, CRITICAL once one has gone twice max_age without an export.
 */
static int
alert_eval_stale(struct alert *a, const struct alert_input *in)
{
	char	names[ALERT_SUMMARY_MAX], age[32];
	size_t	i, n = 0;

	names[0] = '\0';
	for (i = 0; i < in->ndbs; i++) {
		if (!alert_db_stale(&in->dbs[i], in->now_ms, in->max_age_ms))
			continue;
		if (alert_db_stale(&in->dbs[i], in->now_ms,
		    2 * in->max_age_ms))
			a->level = ALERT_LEVEL_CRITICAL;
		alert_names_add(names, sizeof(names), &n, "%s/%s/%s",
		    in->dbs[i].project, in->dbs[i].instance,
		    in->dbs[i].database);
	}
	a->count = (int)n;
	alert_age_text(in->max_age_ms, age, sizeof(age));
	if (n == 0) {
		snprintf(a->summary, sizeof(a->summary), "%zu known "
		    "database%s, none without a verified export in %s",
		    in->ndbs, in->ndbs == 1 ? "" : "s", age);
		return (0);
	}
	alert_names_more(names, sizeof(names), n, n);
	snprintf(a->summary, sizeof(a->summary), "%zu database%s without a "
	    "verified export in %s: %s", n, n == 1 ? "" : "s", age, names);
	return (1);
}

/* Firing while the last drill that ended had failures. */
static int
alert_eval_drill_failed(struct alert *a, const struct alert_input *in)
{
	char	names[ALERT_SUMMARY_MAX];
	size_t	i, n = 0;

	a->count = (int)in->ndrill_failed;
	if (!in->drills_on || in->drill_id == 0) {
		strlcpy(a->summary, in->drills_on ? "no restore drill has "
		    "ended yet" : "no restore drills ([drill] scratch unset)",
		    sizeof(a->summary));
		return (0);
	}
	if (in->ndrill_failed == 0) {
		snprintf(a->summary, sizeof(a->summary), "drill %lld: %d "
		    "restore%s verified", (long long)in->drill_id,
		    in->drill_total, in->drill_total == 1 ? "" : "s");
		return (0);
	}
	names[0] = '\0';
	for (i = 0; i < in->ndrill_failed; i++)
		alert_names_add(names, sizeof(names), &n, "%s/%s/%s (%.120s)",
		    in->drill_failed[i].project, in->drill_failed[i].instance,
		    in->drill_failed[i].database, in->drill_failed[i].error);
	alert_names_more(names, sizeof(names), n, n);
	snprintf(a->summary, sizeof(a->summary), "drill %lld: %zu of %d "
	    "restores failed: %s", (long long)in->drill_id,
	    in->ndrill_failed, in->drill_total, names);
	return (1);
}

/*
 * A database with an export and no verified restore within the drill
 * cycle, counted from its first export: one exported last week had no
 * chance to be drilled yet.
 */
static int
alert_eval_drill_overdue(struct alert *a, const struct alert_input *in)
{
	char	names[ALERT_SUMMARY_MAX], age[32];
	size_t	i, n = 0;

	a->count = 0;
	if (!in->drills_on) {
		strlcpy(a->summary, "no restore drills ([drill] scratch "
		    "unset)", sizeof(a->summary));
		return (0);
	}
	names[0] = '\0';
	for (i = 0; i < in->ndrilled; i++) {
		if (!alert_db_stale(&in->drilled[i], in->now_ms,
		    in->drill_cycle_ms))
			continue;
		alert_names_add(names, sizeof(names), &n, "%s/%s/%s",
		    in->drilled[i].project, in->drilled[i].instance,
		    in->drilled[i].database);
	}
	a->count = (int)n;
	if (in->drill_cycle_ms % (86400 * 1000LL) == 0)
		snprintf(age, sizeof(age), "%lldd", (long long)
		    (in->drill_cycle_ms / (86400 * 1000LL)));
	else
		alert_age_text(in->drill_cycle_ms, age, sizeof(age));
	if (n == 0) {
		snprintf(a->summary, sizeof(a->summary), "%zu database%s with "
		    "exports, each with a verified restore in %s or exported "
		    "first since", in->ndrilled, in->ndrilled == 1 ? "" : "s",
		    age);
		return (0);
	}
	alert_names_more(names, sizeof(names), n, n);
	snprintf(a->summary, sizeof(a->summary), "%zu database%s without a "
	    "verified restore in %s: %s", n, n == 1 ? "" : "s", age, names);
	return (1);
}

/*
 * Firing while the last prune that was not a dry run failed (a dry run
 * deletes nothing, so says nothing of deletions), until one succeeds.
 * Retention turned off fires nothing: no prune would ever clear it.
 */
static int
alert_eval_retention(struct alert *a, const struct alert_input *in)
{
	const char	*bucket = in->prune_bucket != NULL ? in->prune_bucket :
			    "";
	char		 when[32];

	a->count = 0;
	if (!in->retention_on) {
		strlcpy(a->summary, "retention off ([retention] unset): "
		    "exports are never deleted", sizeof(a->summary));
		return (0);
	}
	if (in->prune_ms == 0) {
		strlcpy(a->summary, "no prune has ended yet",
		    sizeof(a->summary));
		return (0);
	}
	json_time(in->prune_ms, when, sizeof(when));
	if (!in->prune_failed) {
		snprintf(a->summary, sizeof(a->summary), "last prune of "
		    "gs://%.222s succeeded at %s", bucket, when);
		return (0);
	}
	snprintf(a->summary, sizeof(a->summary), "prune of gs://%.222s at %s "
	    "failed: %s", bucket, when, in->prune_error != NULL ?
	    in->prune_error : "");
	return (1);
}

/*
 * Evaluates every alert at in->now_ms.  Returns a bit mask (1 << id) of
 * the alerts whose state changed; summaries and counts are refreshed
 * whether or not the state changed.
 */
unsigned int
alert_eval(struct alert_set *s, const struct alert_input *in)
{
	struct alert	*a;
	unsigned int	 changed = 0;
	enum alert_level prev;
	int		 i, firing = 0;

	for (i = 0; i < ALERT_COUNT; i++) {
		a = &s->a[i];
		prev = a->level;
		a->level = alert_severity(a->id);
		switch (a->id) {
		case ALERT_RUN_FAILED:
			firing = alert_eval_run_failed(a, in);
			break;
		case ALERT_EXPORT_ERRORS:
			firing = alert_eval_export_errors(a, in);
			break;
		case ALERT_NOT_RUNNING:
			firing = alert_eval_not_running(a, in);
			break;
		case ALERT_RUN_STALLED:
			firing = alert_eval_run_stalled(a, in);
			break;
		case ALERT_STALE:
			firing = alert_eval_stale(a, in);
			break;
		case ALERT_DRILL_FAILED:
			firing = alert_eval_drill_failed(a, in);
			break;
		case ALERT_DRILL_OVERDUE:
			firing = alert_eval_drill_overdue(a, in);
			break;
		case ALERT_RETENTION_FAILED:
			firing = alert_eval_retention(a, in);
			break;
		case ALERT_COUNT:
			break;
		}
		if (firing && a->state == ALERT_OK) {
			a->state = ALERT_FIRING;
			a->since_ms = a->changed_ms = in->now_ms;
			changed |= 1U << i;
		} else if (!firing && a->state == ALERT_FIRING) {
			a->state = ALERT_OK;
			a->since_ms = 0;
			a->changed_ms = in->now_ms;
			changed |= 1U << i;
		} else if (firing && a->level != prev) {
			/* Worse (or better) while firing: told again. */
			a->changed_ms = in->now_ms;
			changed |= 1U << i;
		}
	}
	return (changed);
}

/* The worst level among firing alerts. */
enum alert_level
alert_level(const struct alert_set *s)
{
	enum alert_level	l = ALERT_LEVEL_OK;
	int			i;

	for (i = 0; i < ALERT_COUNT; i++)
		if (alert_now(&s->a[i]) > l)
			l = alert_now(&s->a[i]);
	return (l);
}

/* "CRITICAL: export errors: ..." - the monitoring-plugin line. */
void
alert_line(const struct alert *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s: %s", alert_level_name(alert_now(a)),
	    alert_title(a->id), a->summary);
}

/*
 * Is the dead man's switch pinged after this run?  Only when it says that
 * everything is well: a full run in which every database was exported.
 */
int
alert_ping_due(const struct alert_run *r)
{
	return (r->full && !r->failed && !r->disc_failed &&
	    r->succeeded == r->total);
}

/*
 * A run ended.  Only a full run counts for "run failed": it replaces the
 * last one (with copies of its gave_up targets and discovery error).  A
 * run with patterns changes nothing.  Returns 1 if the run counted.
 */
int
alert_mem_run_end(struct alert_mem *m, const struct alert_run *r,
    const struct alert_target *gave_up, size_t n, const char *disc_error)
{
	if (!r->full)
		return (0);
	m->run_id = r->id;
	m->run_failed = r->failed;
	m->run_total = r->total;
	strlcpy(m->disc_error, disc_error != NULL ? disc_error : "",
	    sizeof(m->disc_error));
	free(m->gave_up);
	m->gave_up = NULL;
	m->ngave_up = 0;
	if (n > 0) {
		m->gave_up = xreallocarray(NULL, n, sizeof(*m->gave_up));
		memcpy(m->gave_up, gave_up, n * sizeof(*m->gave_up));
		m->ngave_up = n;
	}
	return (1);
}

static int
alert_target_cmp(const struct alert_target *t, const char *p, const char *i,
    const char *d)
{
	int	c;

	if ((c = strcmp(t->project, p)) != 0 ||
	    (c = strcmp(t->instance, i)) != 0)
		return (c);
	return (strcmp(t->database, d));
}

/* Where p/i/d is in the failing set, or would go; *found if it is. */
static size_t
alert_mem_find(const struct alert_mem *m, const char *p, const char *i,
    const char *d, int *found)
{
	size_t	lo = 0, hi = m->nfailing, mid;
	int	c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = alert_target_cmp(&m->failing[mid], p, i, d)) == 0) {
			*found = 1;
			return (mid);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/*
 * An attempt failed: a database that reached the threshold joins the
 * failing set, or its entry takes the newer error.  Borrows t.
 */
void
alert_mem_failed(struct alert_mem *m, const struct alert_target *t,
    int threshold)
{
	struct alert_target	*e;
	size_t			 k;
	int			 found, failures;

	k = alert_mem_find(m, t->project, t->instance, t->database, &found);
	if (found) {
		e = &m->failing[k];
		failures = e->failures > t->failures ? e->failures :
		    t->failures;
		*e = *t;
		e->failures = failures;
		return;
	}
	if (t->failures < threshold)
		return;
	if (m->nfailing == m->capfailing) {
		m->capfailing = m->capfailing == 0 ? 16 : m->capfailing * 2;
		m->failing = xreallocarray(m->failing, m->capfailing,
		    sizeof(*m->failing));
	}
	memmove(&m->failing[k + 1], &m->failing[k], (m->nfailing - k) *
	    sizeof(*m->failing));
	m->failing[k] = *t;
	m->nfailing++;
}

static void
alert_mem_remove(struct alert_mem *m, size_t k)
{
	memmove(&m->failing[k], &m->failing[k + 1], (m->nfailing - k - 1) *
	    sizeof(*m->failing));
	m->nfailing--;
}

/* p/i/d has a verified export: it fails no more.  1 if it did. */
int
alert_mem_exported(struct alert_mem *m, const char *p, const char *i,
    const char *d)
{
	size_t	k;
	int	found;

	k = alert_mem_find(m, p, i, d, &found);
	if (found)
		alert_mem_remove(m, k);
	return (found);
}

/*
 * Drop the failing databases that known() says no longer exist (a full
 * run that saw everything did not find them, or they are excluded now).
 * Returns how many were dropped.
 */
size_t
alert_mem_forget(struct alert_mem *m,
    int (*known)(const struct alert_target *, void *), void *arg)
{
	size_t	k, n = 0;

	for (k = 0; k < m->nfailing;) {
		if (known(&m->failing[k], arg)) {
			k++;
			continue;
		}
		alert_mem_remove(m, k);
		n++;
	}
	return (n);
}

/* Fill the run-failed and export-errors inputs; in borrows m's arrays. */
void
alert_mem_input(const struct alert_mem *m, struct alert_input *in)
{
	in->run_id = m->run_id;
	in->run_failed = m->run_failed;
	in->run_total = m->run_total;
	strlcpy(in->disc_error, m->disc_error, sizeof(in->disc_error));
	if (in->run_failed && m->ngave_up == 0 && in->disc_error[0] == '\0')
		strlcpy(in->disc_error, "see the log", sizeof(in->disc_error));
	in->gave_up = m->gave_up;
	in->ngave_up = m->ngave_up;
	in->failing = m->failing;
	in->nfailing = m->nfailing;
}

/* Frees the arrays; m is empty again. */
void
alert_mem_clear(struct alert_mem *m)
{
	free(m->gave_up);
	free(m->failing);
	memset(m, 0, sizeof(*m));
}

/*
 * A delivery on a channel came to an end: through (ok), or out of
 * attempts.  The channel fails from its first give-up until something
 * goes through again.
 */
void
alert_channel_result(int64_t *since_ms, int ok, int64_t now_ms)
{
	if (ok)
		*since_ms = 0;
	else if (*since_ms == 0)
		*since_ms = now_ms;
}

/*
 * "WARNING: notifications failing: email since 2026-01-02T03:04:05Z": one
 * line for every failing channel, since an alert nobody hears of is no
 * alert.  Returns ALERT_LEVEL_WARNING with the line, or ALERT_LEVEL_OK
 * and "".
 */
enum alert_level
alert_channels_line(const struct alert_channel *ch, size_t n, char *buf,
    size_t len)
{
	char	one[96], when[32];
	size_t	i, k = 0;

	if (len == 0)
		return (ALERT_LEVEL_OK);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (ch[i].failing_since_ms == 0)
			continue;
		json_time(ch[i].failing_since_ms, when, sizeof(when));
		snprintf(one, sizeof(one), "%s%s since %s", k++ == 0 ?
		    "WARNING: notifications failing: " : ", ", ch[i].name,
		    when);
		strlcat(buf, one, len);
	}
	return (k > 0 ? ALERT_LEVEL_WARNING : ALERT_LEVEL_OK);
}

/*
 * "WARNING: HEAD: a, b, c and N more": the first items by name, then how
 * many of total are left, cut to fit len.  Nothing ("") when total is 0.
 */
void
alert_list_line(const char *head, const char *const *items, size_t n,
    size_t total, char *buf, size_t len)
{
	size_t	i, k = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (total == 0)
		return;
	snprintf(buf, len, "WARNING: %s: ", head);
	for (i = 0; i < n; i++)
		alert_names_add(buf, len, &k, "%s", items[i]);
	alert_names_more(buf, len, k, total);
}
