/*
 * check_alert.c: the alerts (alert.c) as a state machine with the
 * clock set by the test; "stale databases" driven by tables of what
 * happens to a small fleet; their memory (which runs count, which databases
 * still fail, when the dead man's switch is pinged) driven by tables of
 * events; the "notifications failing" line; and the notification bodies
 * built from them (notify.c: subject, mail text, webhook formats).
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "config.h"
#include "notify.h"

#define H	(3600 * 1000LL)
#define T0	(1700000000000LL)	/* some day, in unix ms */

static void
target(struct alert_target *t, const char *db, int failures, int64_t when)
{
	memset(t, 0, sizeof(*t));
	strlcpy(t->project, "proj", sizeof(t->project));
	strlcpy(t->instance, "inst", sizeof(t->instance));
	strlcpy(t->database, db, sizeof(t->database));
	t->failures = failures;
	t->when_ms = when;
	snprintf(t->error, sizeof(t->error), "boom %s", db);
}

/* A quiet input: a good run an hour ago, 10 databases. */
static void
quiet(struct alert_input *in, int64_t now)
{
	memset(in, 0, sizeof(*in));
	in->now_ms = now;
	in->run_id = 7;
	in->run_total = 10;
	in->threshold = 3;
	in->last_attempt_ms = now - H;
	in->watch_since_ms = T0 - 48 * H;
	in->ntargets = 10;
	in->not_running_after_ms = 26 * H;
}

START_TEST(test_names)
{
	int	i;

	for (i = 0; i < ALERT_COUNT; i++) {
		ck_assert_str_ne(alert_name(i), "invalid");
		ck_assert(strlen(alert_runbook(i)) > 0);
	}
	ck_assert_str_eq(alert_name(ALERT_RUN_FAILED), "run_failed");
	ck_assert_str_eq(alert_name(ALERT_EXPORT_ERRORS), "export_errors");
	ck_assert_str_eq(alert_name(ALERT_NOT_RUNNING), "not_running");
	ck_assert_str_eq(alert_name(ALERT_STALE), "stale_databases");
	ck_assert_str_eq(alert_title(ALERT_STALE), "Stale databases");
	ck_assert_int_eq(alert_severity(ALERT_STALE), ALERT_LEVEL_WARNING);
	ck_assert_str_eq(alert_name(ALERT_COUNT), "invalid");
	ck_assert_str_eq(alert_state_name(ALERT_FIRING), "firing");
	ck_assert_str_eq(alert_state_name(ALERT_OK), "ok");
}
END_TEST

START_TEST(test_quiet)
{
	struct alert_set	s;
	struct alert_input	in;

	alert_init(&s, T0);
	quiet(&in, T0);
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_OK);
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].state, ALERT_OK);
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].changed_ms, T0);
	ck_assert_ptr_nonnull(strstr(s.a[ALERT_RUN_FAILED].summary,
	    "run 7 succeeded"));
}
END_TEST

/* Fires at the threshold, while retries go on; once per change. */
START_TEST(test_export_errors)
{
	struct alert_set	s;
	struct alert_input	in;
	struct alert_target	t[2];

	alert_init(&s, T0);
	quiet(&in, T0);
	target(&t[0], "a", 2, T0);
	target(&t[1], "b", 1, T0);
	in.failing = t;
	in.nfailing = 2;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);	/* below 3 */

	t[0].failures = 3;
	in.now_ms = T0 + 1000;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_EXPORT_ERRORS);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].state, ALERT_FIRING);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].since_ms, T0 + 1000);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].count, 1);
	ck_assert_str_eq(s.a[ALERT_EXPORT_ERRORS].summary, "1 database "
	    "failed 3 or more times, not exported since: proj/inst/a");
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_CRITICAL);

	/* Still firing: no change, first-fired time kept. */
	in.now_ms = T0 + 60000;
	t[1].failures = 4;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].since_ms, T0 + 1000);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].count, 2);

	/* Failures older than a day still count: nothing exported them. */
	in.now_ms = T0 + 25 * H;
	in.last_attempt_ms = in.now_ms;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].state, ALERT_FIRING);

	/* It clears when the list empties (they were exported). */
	in.nfailing = 0;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_EXPORT_ERRORS);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].since_ms, 0);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].changed_ms, T0 + 25 * H);
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
}
END_TEST

START_TEST(test_and_more)
{
	struct alert_target	t[5];
	char			buf[512];
	int			i;

	for (i = 0; i < 5; i++) {
		snprintf(buf, sizeof(buf), "db%d", i);
		target(&t[i], buf, 3, T0);
	}
	alert_targets_text(t, 5, buf, sizeof(buf));
	ck_assert_str_eq(buf, "proj/inst/db0, proj/inst/db1, proj/inst/db2 "
	    "and 2 more");
	alert_targets_text(t, 2, buf, sizeof(buf));
	ck_assert_str_eq(buf, "proj/inst/db0, proj/inst/db1");
	alert_targets_text(t, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

/* The one list maker every summary and check line uses. */
START_TEST(test_names_helper)
{
	char	buf[64], tiny[12];
	size_t	i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < 5; i++)
		alert_names_add(buf, sizeof(buf), &n, "d%zu (%s)", i, "x");
	ck_assert_uint_eq(n, 5);
	alert_names_more(buf, sizeof(buf), n, n);
	ck_assert_str_eq(buf, "d0 (x), d1 (x), d2 (x) and 2 more");

	/* Fewer items than the total: the rest counted. */
	buf[0] = '\0';
	n = 0;
	alert_names_add(buf, sizeof(buf), &n, "%s", "a");
	alert_names_more(buf, sizeof(buf), n, 4);
	ck_assert_str_eq(buf, "a and 3 more");
	buf[0] = '\0';
	alert_names_more(buf, sizeof(buf), 0, 4);
	ck_assert_str_eq(buf, "4 more");
	buf[0] = '\0';
	alert_names_more(buf, sizeof(buf), 0, 0);
	ck_assert_str_eq(buf, "");

	/* Cut to fit, always terminated. */
	tiny[0] = '\0';
	n = 0;
	for (i = 0; i < 3; i++)
		alert_names_add(tiny, sizeof(tiny), &n, "name%zu", i);
	ck_assert_str_eq(tiny, "name0, name");
}
END_TEST

START_TEST(test_run_failed)
{
	struct alert_set	s;
	struct alert_input	in;
	struct alert_target	t[4];
	int			i;
	char			db[8];

	alert_init(&s, T0);
	quiet(&in, T0);
	strlcpy(in.start_error, "journal: disk I/O error",
	    sizeof(in.start_error));
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_FAILED);
	ck_assert_str_eq(s.a[ALERT_RUN_FAILED].summary, "the scheduled run "
	    "did not start: journal: disk I/O error");
	in.start_error[0] = '\0';
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_FAILED);

	/* Discovery failed: nothing gave up, but the run failed. */
	in.run_failed = 1;
	in.run_total = 0;
	strlcpy(in.disc_error, "folders/1: permission denied",
	    sizeof(in.disc_error));
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_FAILED);
	ck_assert_str_eq(s.a[ALERT_RUN_FAILED].summary, "run 7: discovery "
	    "failed: folders/1: permission denied");
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].count, 0);

	/* Jobs that gave up: named, the first few. */
	in.disc_error[0] = '\0';
	in.run_total = 10;
	for (i = 0; i < 4; i++) {
		snprintf(db, sizeof(db), "d%d", i);
		target(&t[i], db, 5, T0);
	}
	in.gave_up = t;
	in.ngave_up = 4;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_str_eq(s.a[ALERT_RUN_FAILED].summary, "run 7: 4 of 10 "
	    "databases not exported: proj/inst/d0, proj/inst/d1, "
	    "proj/inst/d2 and 1 more");
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].count, 4);

	/* The next run succeeds. */
	in.run_id = 8;
	in.run_failed = 0;
	in.ngave_up = 0;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_FAILED);
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].state, ALERT_OK);
}
END_TEST

START_TEST(test_not_running)
{
	struct alert_set	s;
	struct alert_input	in;
	char			line[600];

	alert_init(&s, T0);
	quiet(&in, T0);
	in.last_attempt_ms = T0 - 26 * H;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);	/* not past yet */
	in.now_ms = T0 + 1;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_NOT_RUNNING);
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_WARNING);
	alert_line(&s.a[ALERT_NOT_RUNNING], line, sizeof(line));
	ck_assert_msg(strncmp(line, "WARNING: Exports not running: no "
	    "export attempt for 26h00m although 10 databases are known",
	    85) == 0, "%s", line);

	/* An attempt clears it. */
	in.last_attempt_ms = in.now_ms;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_NOT_RUNNING);

	/* Nothing to export: no alert (run failed covers discovery). */
	in.ntargets = 0;
	in.now_ms += 30 * H;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);

	/* A daemon started recently has not missed anything yet. */
	in.ntargets = 3;
	in.last_attempt_ms = 0;
	in.watch_since_ms = in.now_ms - H;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	in.now_ms += 26 * H;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_NOT_RUNNING);
	ck_assert_ptr_nonnull(strstr(s.a[ALERT_NOT_RUNNING].summary,
	    "last attempt: never"));
}
END_TEST

START_TEST(test_lines)
{
	struct alert_set	s;
	char			line[600];

	alert_init(&s, T0);
	strlcpy(s.a[ALERT_RUN_FAILED].summary, "x", ALERT_SUMMARY_MAX);
	alert_line(&s.a[ALERT_RUN_FAILED], line, sizeof(line));
	ck_assert_str_eq(line, "OK: Run failed: x");
	s.a[ALERT_RUN_FAILED].state = ALERT_FIRING;
	alert_line(&s.a[ALERT_RUN_FAILED], line, sizeof(line));
	ck_assert_str_eq(line, "CRITICAL: Run failed: x");
}
END_TEST

/*
 * The alerts' memory, driven by tables: each step is one event the
 * monitor hears, followed by an evaluation and what it must show.
 */
enum step_kind {
	STEP_FAILED,		/* an attempt of db failed; failures so far */
	STEP_EXPORTED,		/* db has a verified export */
	STEP_FULL_END,		/* a run without patterns ended */
	STEP_PATTERN_END,	/* a run with patterns ended */
	STEP_GONE,		/* a full run that saw everything: not db */
	STEP_WAIT,		/* hours pass */
};

#define WANT_OK		1
#define WANT_FIRING	2
#define NO_PING		1
#define PING		2

struct step {
	enum step_kind	 kind;
	const char	*db;		/* database; END: the one gave up */
	int		 n;		/* failures; END: total; WAIT: hours */
	int		 bad;		/* END: jobs failed; disc: -1 */
	int		 run_failed;	/* want: 0 unchecked, WANT_OK/FIRING */
	int		 export_errors;
	int		 ping;		/* END: 0 unchecked, NO_PING, PING */
	int		 count;		/* export errors' count, -1 unchecked */
};

struct scenario {
	const char	*name;
	struct step	 steps[10];
};

#define END	{ .kind = STEP_WAIT, .n = -1 }

static const struct scenario scenarios[] = {
	/* Issue 13, case 2: a partial run clears nothing. */
	{ "partial run after a failure", {
	    { STEP_FAILED, "a", 3, 0, WANT_OK, WANT_FIRING, 0, 1 },
	    { STEP_FULL_END, "a", 10, 1, WANT_FIRING, WANT_FIRING, NO_PING,
	      1 },
	    { STEP_PATTERN_END, NULL, 5, 0, WANT_FIRING, WANT_FIRING,
	      NO_PING, 1 },
	    { STEP_EXPORTED, "b", 0, 0, WANT_FIRING, WANT_FIRING, 0, 1 },
	    { STEP_EXPORTED, "a", 0, 0, WANT_FIRING, WANT_OK, 0, 0 },
	    { STEP_FULL_END, NULL, 10, 0, WANT_OK, WANT_OK, PING, 0 },
	    END } },
	{ "a run with patterns never fires run failed", {
	    { STEP_FAILED, "a", 3, 0, WANT_OK, WANT_FIRING, 0, 1 },
	    { STEP_PATTERN_END, "a", 2, 1, WANT_OK, WANT_FIRING, NO_PING,
	      1 },
	    { STEP_PATTERN_END, NULL, 2, -1, WANT_OK, WANT_FIRING, NO_PING,
	      1 },
	    END } },
	{ "a full run's discovery failure fires, the next full run clears", {
	    { STEP_FULL_END, NULL, 0, -1, WANT_FIRING, WANT_OK, NO_PING, 0 },
	    { STEP_PATTERN_END, NULL, 3, 0, WANT_FIRING, WANT_OK, NO_PING,
	      0 },
	    { STEP_FULL_END, NULL, 10, 0, WANT_OK, WANT_OK, PING, 0 },
	    END } },
	{ "export errors clear only when every failing database exported", {
	    { STEP_FAILED, "a", 3, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_FAILED, "b", 4, 0, 0, WANT_FIRING, 0, 2 },
	    { STEP_EXPORTED, "a", 0, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_FAILED, "c", 1, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_FAILED, "b", 1, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_EXPORTED, "c", 0, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_EXPORTED, "b", 0, 0, 0, WANT_OK, 0, 0 },
	    END } },
	{ "below the threshold nothing fires", {
	    { STEP_FAILED, "a", 2, 0, 0, WANT_OK, 0, 0 },
	    { STEP_FAILED, "a", 2, 0, 0, WANT_OK, 0, 0 },
	    { STEP_FAILED, "a", 3, 0, 0, WANT_FIRING, 0, 1 },
	    END } },
	{ "an old failure still counts until exported", {
	    { STEP_FAILED, "a", 3, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_WAIT, NULL, 24 * 30, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_EXPORTED, "a", 0, 0, 0, WANT_OK, 0, 0 },
	    END } },
	{ "a failing database that is gone fails no more", {
	    { STEP_FAILED, "a", 3, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_FAILED, "b", 3, 0, 0, WANT_FIRING, 0, 2 },
	    { STEP_GONE, "a", 0, 0, 0, WANT_FIRING, 0, 1 },
	    { STEP_GONE, "b", 0, 0, 0, WANT_OK, 0, 0 },
	    END } },
	{ "the dead man's switch: full runs that exported everything", {
	    { STEP_FULL_END, NULL, 10, 0, WANT_OK, 0, PING, -1 },
	    { STEP_PATTERN_END, NULL, 3, 0, WANT_OK, 0, NO_PING, -1 },
	    { STEP_FULL_END, "a", 10, 1, WANT_FIRING, 0, NO_PING, -1 },
	    { STEP_FULL_END, NULL, 10, -1, WANT_FIRING, 0, NO_PING, -1 },
	    { STEP_FULL_END, NULL, 0, 0, WANT_OK, 0, PING, -1 },
	    END } },
};

/* Names the target "a" as proj/inst/a with n failures. */
static void
step_target(struct alert_target *t, const char *db, int n, int64_t now)
{
	target(t, db, n, now);
}

static int
step_known(const struct alert_target *t, void *arg)
{
	return (strcmp(t->database, arg) != 0);
}

/* One step on mem; returns the ping verdict of a run's end, else -1. */
static int
step_apply(struct alert_mem *mem, const struct step *st, int64_t *now,
    int64_t *run_id)
{
	struct alert_target	t;
	struct alert_run	r;

	switch (st->kind) {
	case STEP_FAILED:
		step_target(&t, st->db, st->n, *now);
		alert_mem_failed(mem, &t, 3);
		return (-1);
	case STEP_EXPORTED:
		alert_mem_exported(mem, "proj", "inst", st->db);
		return (-1);
	case STEP_GONE:
		alert_mem_forget(mem, step_known, (void *)st->db);
		return (-1);
	case STEP_WAIT:
		*now += st->n * H;
		return (-1);
	case STEP_FULL_END:
	case STEP_PATTERN_END:
		break;
	}
	memset(&r, 0, sizeof(r));
	r.id = ++*run_id;
	r.full = st->kind == STEP_FULL_END;
	r.total = st->n;
	r.disc_failed = st->bad < 0;
	r.failed = st->bad != 0;
	r.succeeded = st->n - (st->bad > 0 ? st->bad : 0);
	if (st->db != NULL)
		step_target(&t, st->db, 5, *now);
	alert_mem_run_end(mem, &r, &t, st->db != NULL ? 1 : 0,
	    r.disc_failed ? "folders/1: denied" : "");
	return (alert_ping_due(&r));
}

static void
step_check(const char *name, int i, const char *what, int want,
    const struct alert *a)
{
	if (want == 0)
		return;
	ck_assert_msg(a->state == (want == WANT_FIRING ? ALERT_FIRING :
	    ALERT_OK), "%s, step %d: %s is %s: %s", name, i, what,
	    alert_state_name(a->state), a->summary);
}

START_TEST(test_memory)
{
	const struct scenario	*sc = &scenarios[_i];
	const struct step	*st;
	struct alert_mem	 mem;
	struct alert_set	 s;
	struct alert_input	 in;
	int64_t			 now = T0, run_id = 0;
	int			 i, ping;

	memset(&mem, 0, sizeof(mem));
	alert_init(&s, now);
	for (i = 0; sc->steps[i].n != -1; i++) {
		st = &sc->steps[i];
		ping = step_apply(&mem, st, &now, &run_id);
		quiet(&in, now);
		alert_mem_input(&mem, &in);
		alert_eval(&s, &in);
		step_check(sc->name, i, "run failed", st->run_failed,
		    &s.a[ALERT_RUN_FAILED]);
		step_check(sc->name, i, "export errors", st->export_errors,
		    &s.a[ALERT_EXPORT_ERRORS]);
		if (st->count >= 0)
			ck_assert_msg(s.a[ALERT_EXPORT_ERRORS].count ==
			    st->count, "%s, step %d: count %d, want %d",
			    sc->name, i, s.a[ALERT_EXPORT_ERRORS].count,
			    st->count);
		if (st->ping != 0)
			ck_assert_msg(ping == (st->ping == PING), "%s, step "
			    "%d: ping %d", sc->name, i, ping);
	}
	alert_mem_clear(&mem);
}
END_TEST

/* The failing set stays sorted and keeps the newest error. */
START_TEST(test_memory_set)
{
	struct alert_mem	mem;
	struct alert_target	t;
	const char		*order[] = { "d", "b", "a", "c" };
	size_t			i;

	memset(&mem, 0, sizeof(mem));
	for (i = 0; i < 4; i++) {
		target(&t, order[i], 3, T0 + (int64_t)i);
		alert_mem_failed(&mem, &t, 3);
	}
	ck_assert_uint_eq(mem.nfailing, 4);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(mem.failing[i].database[0], 'a' + (int)i);
	target(&t, "b", 1, T0 + H);
	strlcpy(t.error, "newer", sizeof(t.error));
	alert_mem_failed(&mem, &t, 3);
	ck_assert_uint_eq(mem.nfailing, 4);
	ck_assert_str_eq(mem.failing[1].error, "newer");
	ck_assert_int_eq(mem.failing[1].failures, 3);	/* the most */
	ck_assert_int_eq(alert_mem_exported(&mem, "proj", "inst", "x"), 0);
	ck_assert_int_eq(alert_mem_exported(&mem, "proj", "inst", "b"), 1);
	ck_assert_uint_eq(mem.nfailing, 3);
	ck_assert_str_eq(mem.failing[1].database, "c");
	alert_mem_clear(&mem);
	ck_assert_uint_eq(mem.nfailing, 0);
}
END_TEST

/* Issue 13, case 7: an export in progress is exports running. */
static const struct {
	int64_t		 idle;		/* since the last attempt */
	int		 in_progress;
	int		 ntargets;
	int		 firing;
} not_running_rows[] = {
	{ 25 * H, 0, 10, 0 },
	{ 27 * H, 0, 10, 1 },
	{ 27 * H, 1, 10, 0 },	/* a long export */
	{ 90 * H, 4, 10, 0 },
	{ 27 * H, 0, 0, 0 },	/* nothing to export */
};

START_TEST(test_not_running_rows)
{
	struct alert_set	s;
	struct alert_input	in;

	alert_init(&s, T0);
	quiet(&in, T0);
	in.last_attempt_ms = T0 - not_running_rows[_i].idle;
	in.in_progress = not_running_rows[_i].in_progress;
	in.ntargets = not_running_rows[_i].ntargets;
	alert_eval(&s, &in);
	ck_assert_msg((s.a[ALERT_NOT_RUNNING].state == ALERT_FIRING) ==
	    not_running_rows[_i].firing, "row %d: %s", _i,
	    s.a[ALERT_NOT_RUNNING].summary);
	if (not_running_rows[_i].in_progress > 0)
		ck_assert_ptr_nonnull(strstr(s.a[ALERT_NOT_RUNNING].summary,
		    "in progress"));
}
END_TEST

/*
 * "Stale databases", driven by tables: a fleet of up to STALE_DBS
 * databases (proj/inst/NAME, kept by name as the monitor keeps them),
 * each step one thing that happens to it, then an evaluation and what it
 * must show.
 */
enum stale_kind {
	SK_NEW,			/* db first seen now, never exported */
	SK_EXPORTED,		/* db has a verified export now */
	SK_FORGET,		/* a full run that saw everything: not db */
	SK_EXCLUDE,		/* a reload excludes db */
	SK_MAX_AGE,		/* a reload sets max_age to n hours */
	SK_WAIT,		/* n hours pass */
	SK_END
};

struct stale_step {
	enum stale_kind	 kind;
	const char	*db;
	int		 n;
	int		 want;		/* WANT_OK or WANT_FIRING */
	int		 changed;	/* the evaluation reports a change */
	int		 count;
	const char	*summary;	/* a part of it; NULL unchecked */
	int		 level;		/* alert_now; 0 unchecked */
};

#define STALE_DBS	8
#define STALE_END	{ .kind = SK_END }

static const struct {
	const char		*name;
	struct stale_step	 steps[12];
} stale_scenarios[] = {
	{ "fires past max_age, an export of each resolves", {
	    { SK_EXPORTED, "a", 0, WANT_OK, 0, 0, "1 known database, none", 0 },
	    { SK_EXPORTED, "b", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_EXPORTED, "c", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 26, WANT_OK, 0, 0, "none without a verified "
	      "export in 26h", 0 },
	    { SK_WAIT, NULL, 1, WANT_FIRING, 1, 3, "3 databases without a "
	      "verified export in 26h: proj/inst/a, proj/inst/b, "
	      "proj/inst/c", 0 },
	    { SK_EXPORTED, "a", 0, WANT_FIRING, 0, 2, ": proj/inst/b, "
	      "proj/inst/c", 0 },
	    { SK_EXPORTED, "c", 0, WANT_FIRING, 0, 1, "1 database without "
	      "a verified export in 26h: proj/inst/b", 0 },
	    { SK_EXPORTED, "b", 0, WANT_OK, 1, 0, NULL, 0 },
	    STALE_END } },
	{ "a changing set keeps firing without a change", {
	    { SK_EXPORTED, "a", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 20, WANT_OK, 0, 0, NULL, 0 },
	    { SK_EXPORTED, "b", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 10, WANT_FIRING, 1, 1, ": proj/inst/a", 0 },
	    { SK_EXPORTED, "a", 0, WANT_OK, 1, 0, NULL, 0 },
	    { SK_WAIT, NULL, 20, WANT_FIRING, 1, 1, ": proj/inst/b", 0 },
	    /* b renamed b2: b is gone, b2 is new. */
	    { SK_FORGET, "b", 0, WANT_OK, 1, 0, NULL, 0 },
	    { SK_NEW, "b2", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 7, WANT_FIRING, 1, 1, ": proj/inst/a", 0 },
	    { SK_WAIT, NULL, 20, WANT_FIRING, 0, 2, ": proj/inst/a, "
	      "proj/inst/b2", 0 },
	    { SK_EXPORTED, "a", 0, WANT_FIRING, 0, 1, ": proj/inst/b2", 0 },
	    STALE_END } },
	{ "forgotten after a full run resolves", {
	    { SK_EXPORTED, "a", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_EXPORTED, "b", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 30, WANT_FIRING, 1, 2, NULL, 0 },
	    { SK_EXPORTED, "a", 0, WANT_FIRING, 0, 1, ": proj/inst/b", 0 },
	    { SK_FORGET, "b", 0, WANT_OK, 1, 0, "1 known database, none", 0 },
	    STALE_END } },
	{ "max_age changed by a reload", {
	    { SK_EXPORTED, "a", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 27, WANT_FIRING, 1, 1, NULL, 0 },
	    { SK_MAX_AGE, NULL, 48, WANT_OK, 1, 0, "in 48h", 0 },
	    { SK_MAX_AGE, NULL, 1, WANT_FIRING, 1, 1, "export in 1h: "
	      "proj/inst/a", 0 },
	    STALE_END } },
	{ "an excluded database is not stale", {
	    { SK_EXPORTED, "a", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_EXPORTED, "b", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 30, WANT_FIRING, 1, 2, NULL, 0 },
	    { SK_EXCLUDE, "a", 0, WANT_FIRING, 0, 1, ": proj/inst/b", 0 },
	    { SK_EXCLUDE, "b", 0, WANT_OK, 1, 0, NULL, 0 },
	    STALE_END } },
	{ "never exported: stale max_age after first seen", {
	    { SK_NEW, "a", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 26, WANT_OK, 0, 0, NULL, 0 },
	    { SK_NEW, "b", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 1, WANT_FIRING, 1, 1, ": proj/inst/a",
	      ALERT_LEVEL_WARNING },
	    /* a, seen 53 h ago, is past twice max_age: worse, told. */
	    { SK_WAIT, NULL, 26, WANT_FIRING, 1, 2, ": proj/inst/a, "
	      "proj/inst/b", ALERT_LEVEL_CRITICAL },
	    /* b, seen 27 h ago, is left: better, told. */
	    { SK_EXPORTED, "a", 0, WANT_FIRING, 1, 1, NULL,
	      ALERT_LEVEL_WARNING },
	    { SK_EXPORTED, "b", 0, WANT_OK, 1, 0, NULL, 0 },
	    STALE_END } },
	{ "WARNING, CRITICAL past twice max_age, told at each", {
	    { SK_EXPORTED, "a", 0, WANT_OK, 0, 0, NULL, ALERT_LEVEL_OK },
	    { SK_EXPORTED, "b", 0, WANT_OK, 0, 0, NULL, ALERT_LEVEL_OK },
	    { SK_WAIT, NULL, 27, WANT_FIRING, 1, 2, NULL,
	      ALERT_LEVEL_WARNING },
	    { SK_WAIT, NULL, 24, WANT_FIRING, 0, 2, NULL,
	      ALERT_LEVEL_WARNING },
	    { SK_WAIT, NULL, 2, WANT_FIRING, 1, 2, NULL,
	      ALERT_LEVEL_CRITICAL },
	    { SK_WAIT, NULL, 5, WANT_FIRING, 0, 2, NULL,
	      ALERT_LEVEL_CRITICAL },
	    /* a exported: b is still past twice max_age. */
	    { SK_EXPORTED, "a", 0, WANT_FIRING, 0, 1, ": proj/inst/b",
	      ALERT_LEVEL_CRITICAL },
	    { SK_MAX_AGE, NULL, 40, WANT_FIRING, 1, 1, "in 40h",
	      ALERT_LEVEL_WARNING },
	    { SK_EXPORTED, "b", 0, WANT_OK, 1, 0, NULL, ALERT_LEVEL_OK },
	    STALE_END } },
	{ "the first three named, and N more", {
	    { SK_NEW, "a", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_NEW, "b", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_NEW, "c", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_NEW, "d", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_NEW, "e", 0, WANT_OK, 0, 0, NULL, 0 },
	    { SK_WAIT, NULL, 27, WANT_FIRING, 1, 5, "5 databases without a "
	      "verified export in 26h: proj/inst/a, proj/inst/b, proj/inst/c "
	      "and 2 more", 0 },
	    STALE_END } },
};

/* The fleet of a stale scenario, kept by name. */
struct stale_fleet {
	struct alert_db	 db[STALE_DBS];
	size_t		 n;
};

static struct alert_db *
stale_find(struct stale_fleet *f, const char *name, int create)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->db[i].database, name) == 0)
			return (&f->db[i]);
	if (!create)
		return (NULL);
	for (i = f->n; i > 0 && strcmp(f->db[i - 1].database, name) > 0; i--)
		f->db[i] = f->db[i - 1];
	f->n++;
	memset(&f->db[i], 0, sizeof(f->db[i]));
	f->db[i].project = "proj";
	f->db[i].instance = "inst";
	f->db[i].database = name;
	return (&f->db[i]);
}

static void
stale_apply(struct stale_fleet *f, const struct stale_step *st, int64_t *now,
    int64_t *max_age)
{
	struct alert_db	*d;

	switch (st->kind) {
	case SK_NEW:
		stale_find(f, st->db, 1)->first_ms = *now;
		break;
	case SK_EXPORTED:
		d = stale_find(f, st->db, 1);
		if (d->first_ms == 0)
			d->first_ms = *now;
		d->last_ms = *now;
		break;
	case SK_FORGET:
		d = stale_find(f, st->db, 0);
		ck_assert_ptr_nonnull(d);
		memmove(d, d + 1, (size_t)(&f->db[f->n] - (d + 1)) *
		    sizeof(*d));
		f->n--;
		break;
	case SK_EXCLUDE:
		stale_find(f, st->db, 0)->excluded = 1;
		break;
	case SK_MAX_AGE:
		*max_age = st->n * H;
		break;
	case SK_WAIT:
		*now += st->n * H;
		break;
	case SK_END:
		break;
	}
}

START_TEST(test_stale)
{
	const struct stale_step	*st;
	const char		*name = stale_scenarios[_i].name;
	struct stale_fleet	 f;
	struct alert_set	 s;
	struct alert_input	 in;
	struct alert		*a = &s.a[ALERT_STALE];
	int64_t			 now = T0, max_age = 26 * H;
	unsigned int		 changed;
	int			 i;

	memset(&f, 0, sizeof(f));
	alert_init(&s, now);
	for (i = 0; stale_scenarios[_i].steps[i].kind != SK_END; i++) {
		st = &stale_scenarios[_i].steps[i];
		stale_apply(&f, st, &now, &max_age);
		quiet(&in, now);
		in.dbs = f.db;
		in.ndbs = f.n;
		in.max_age_ms = max_age;
		changed = alert_eval(&s, &in);
		step_check(name, i, "stale", st->want, a);
		ck_assert_msg(((changed >> ALERT_STALE) & 1) == (unsigned)
		    st->changed, "%s, step %d: changed %#x", name, i, changed);
		ck_assert_msg(a->count == st->count, "%s, step %d: count %d, "
		    "want %d", name, i, a->count, st->count);
		if (st->summary != NULL)
			ck_assert_msg(strstr(a->summary, st->summary) != NULL,
			    "%s, step %d: summary \"%s\"", name, i,
			    a->summary);
		if (st->level != 0)
			ck_assert_msg((int)alert_now(a) == st->level,
			    "%s, step %d: level %d, want %d", name, i,
			    (int)alert_now(a), st->level);
		if (a->state == ALERT_FIRING)
			ck_assert_int_ge(alert_level(&s), ALERT_LEVEL_WARNING);
	}
}
END_TEST

/* The rule itself, at its edges. */
static const struct {
	int64_t		 last, first;	/* hours before now; -1: 0 */
	int		 excluded;
	int		 stale;
} stale_rows[] = {
	{ 26, 30, 0, 0 },	/* exactly max_age: not older */
	{ 27, 30, 0, 1 },
	{ -1, 25, 0, 0 },	/* new, never exported: not yet */
	{ -1, 27, 0, 1 },
	{ -1, -1, 0, 1 },	/* never exported, first sighting unknown */
	{ 90, 99, 1, 0 },	/* excluded */
	{ 1, -1, 0, 0 },
};

START_TEST(test_stale_rule)
{
	struct alert_db	d;

	memset(&d, 0, sizeof(d));
	d.last_ms = stale_rows[_i].last < 0 ? 0 : T0 - stale_rows[_i].last * H;
	d.first_ms = stale_rows[_i].first < 0 ? 0 :
	    T0 - stale_rows[_i].first * H;
	d.excluded = stale_rows[_i].excluded;
	ck_assert_msg(alert_db_stale(&d, T0, 26 * H) == stale_rows[_i].stale,
	    "row %d", _i);
}
END_TEST

START_TEST(test_age_text)
{
	static const struct {
		int64_t		 ms;
		const char	*text;
	} rows[] = {
		{ 26 * H, "26h" }, { 90 * 60 * 1000LL, "1h30m" },
		{ 60 * 1000LL, "1m" }, { 90 * 1000LL, "1m30s" },
		{ 45 * 1000LL, "45s" }, { 0, "0s" },
	};
	char	buf[32];
	size_t	i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		alert_age_text(rows[i].ms, buf, sizeof(buf));
		ck_assert_str_eq(buf, rows[i].text);
	}
}
END_TEST

/* The named list of stuck exports and partial places, table-driven. */
START_TEST(test_list_line)
{
	static const char *const items[] = { "a/i/d1 for 12m",
	    "a/i/d2 for 11m", "b/j/x for 10m", "c/k/y for 9m" };
	static const struct {
		size_t		 n, total, len;
		const char	*want;
	} t[] = {
		{ 0, 0, 256, "" },
		{ 1, 1, 256, "WARNING: exports stuck: a/i/d1 for 12m" },
		{ 2, 2, 256, "WARNING: exports stuck: a/i/d1 for 12m, "
		    "a/i/d2 for 11m" },
		/* Three named, then a count of the rest. */
		{ 4, 4, 256, "WARNING: exports stuck: a/i/d1 for 12m, "
		    "a/i/d2 for 11m, b/j/x for 10m and 1 more" },
		{ 2, 40, 256, "WARNING: exports stuck: a/i/d1 for 12m, "
		    "a/i/d2 for 11m and 38 more" },
		{ 0, 5, 256, "WARNING: exports stuck: 5 more" },
		/* Cut to fit, always terminated. */
		{ 4, 4, 20, "WARNING: exports st" },
	};
	char	line[256];
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(line, 'x', sizeof(line));
		alert_list_line("exports stuck", items, t[i].n, t[i].total,
		    line, t[i].len);
		ck_assert_msg(strcmp(line, t[i].want) == 0, "case %zu: %s",
		    i, line);
	}
}
END_TEST

/* Issue 13, case 6: a channel fails from its first give-up to a success. */
START_TEST(test_channels)
{
	struct alert_channel	ch[3] = { { "email", 0 }, { "webhook", 0 },
				    { "pubsub", 0 } };
	char			line[256];

	ck_assert_int_eq(alert_channels_line(ch, 3, line, sizeof(line)),
	    ALERT_LEVEL_OK);
	ck_assert_str_eq(line, "");
	alert_channel_result(&ch[1].failing_since_ms, 1, T0);
	ck_assert_int_eq(ch[1].failing_since_ms, 0);
	alert_channel_result(&ch[0].failing_since_ms, 0, T0);
	alert_channel_result(&ch[0].failing_since_ms, 0, T0 + H);
	ck_assert_int_eq(ch[0].failing_since_ms, T0);	/* the first */
	ck_assert_int_eq(alert_channels_line(ch, 3, line, sizeof(line)),
	    ALERT_LEVEL_WARNING);
	ck_assert_str_eq(line, "WARNING: notifications failing: email since "
	    "2023-11-14T22:13:20Z");
	alert_channel_result(&ch[2].failing_since_ms, 0, T0 + H);
	alert_channels_line(ch, 3, line, sizeof(line));
	ck_assert_str_eq(line, "WARNING: notifications failing: email since "
	    "2023-11-14T22:13:20Z, pubsub since 2023-11-14T23:13:20Z");
	/* One through on email: email is well again, pubsub is not. */
	alert_channel_result(&ch[0].failing_since_ms, 1, T0 + 2 * H);
	ck_assert_int_eq(alert_channels_line(ch, 3, line, sizeof(line)),
	    ALERT_LEVEL_WARNING);
	ck_assert_str_eq(line, "WARNING: notifications failing: pubsub since "
	    "2023-11-14T23:13:20Z");
	alert_channel_result(&ch[2].failing_since_ms, 1, T0 + 3 * H);
	ck_assert_int_eq(alert_channels_line(ch, 3, line, sizeof(line)),
	    ALERT_LEVEL_OK);
}
END_TEST

/* Subjects, mail text and the three webhook formats. */
START_TEST(test_notify_bodies)
{
	struct config		c;
	struct alert		a;
	struct alert_target	t[1];
	char			*s;
	cJSON			*o, *d;

	memset(&c, 0, sizeof(c));
	c.environment = (char *)"staging";
	memset(&a, 0, sizeof(a));
	a.id = ALERT_EXPORT_ERRORS;
	a.state = ALERT_FIRING;
	a.level = alert_severity(a.id);
	a.since_ms = a.changed_ms = T0;
	a.count = 1;
	strlcpy(a.summary, "1 database failed", sizeof(a.summary));
	target(&t[0], "sales", 3, T0);

	s = notify_alert_subject(&c, &a);
	ck_assert_str_eq(s, "[databackup staging] FIRING: Export errors "
	    "(1 database)");
	free(s);
	s = notify_alert_text(&c, "host1", &a, t, 1);
	ck_assert_ptr_nonnull(strstr(s, "Environment: staging\n"));
	ck_assert_ptr_nonnull(strstr(s, "- proj/inst/sales: 3 failures; "
	    "last error: boom sales\n"));
	ck_assert_ptr_nonnull(strstr(s, "Runbook:\n1. "));
	free(s);

	c.webhook_format = (char *)"generic";
	s = notify_webhook_body(&c, "host1", &a, t, 1);
	ck_assert_ptr_nonnull(o = cJSON_Parse(s));
	ck_assert_str_eq(cJSON_GetObjectItem(o, "alert")->valuestring,
	    "export_errors");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "state")->valuestring,
	    "firing");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "severity")->valuestring,
	    "CRITICAL");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "since")->valuestring,
	    "2023-11-14T22:13:20Z");
	d = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "databases"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(d, "database")->valuestring,
	    "sales");
	ck_assert_str_eq(cJSON_GetObjectItem(d, "error")->valuestring,
	    "boom sales");
	cJSON_Delete(o);
	free(s);

	c.webhook_format = (char *)"teams";
	s = notify_webhook_body(&c, "host1", &a, t, 1);
	ck_assert_ptr_nonnull(o = cJSON_Parse(s));
	ck_assert_str_eq(cJSON_GetObjectItem(o, "@type")->valuestring,
	    "MessageCard");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "themeColor")->valuestring,
	    "D70000");
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(o, "text")->
	    valuestring, "proj/inst/sales"));
	cJSON_Delete(o);
	free(s);

	c.webhook_format = (char *)"googlechat";
	a.state = ALERT_OK;
	s = notify_webhook_body(&c, "host1", &a, NULL, 0);
	ck_assert_ptr_nonnull(o = cJSON_Parse(s));
	ck_assert_int_eq(cJSON_GetArraySize(o), 1);
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(o, "text")->
	    valuestring, "*[databackup staging] RESOLVED: Export errors*"));
	cJSON_Delete(o);
	free(s);
}
END_TEST

/* config.c: the SMTP password file must not be readable by everyone. */
START_TEST(test_secret_mode)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*c;
	char			 dir[] = "/tmp/check_alert.XXXXXX", conf[64];
	char			 secret[64];
	FILE			*fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/a.conf", dir);
	snprintf(secret, sizeof(secret), "%s/auth", dir);
	ck_assert_ptr_nonnull(fp = fopen(secret, "w"));
	fputs("user:pass\n", fp);
	fclose(fp);
	ck_assert_ptr_nonnull(fp = fopen(conf, "w"));
	/* Its own socket: the compiled-in one may be too long to use. */
	fprintf(fp, "[export]\nbucket = b-test\n[discovery]\nprojects = "
	    "proj-a\n[notify]\nsmtp_auth_file = %s\n[control]\n"
	    "socket = %s/s.sock\n", secret, dir);
	fclose(fp);
	ck_assert_int_eq(chmod(secret, 0644), 0);
	ck_assert_ptr_null(config_load(conf, &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_ptr_nonnull(strstr(errs.line[0], "is readable by everyone"));
	config_errors_clear(&errs);
	ck_assert_int_eq(chmod(secret, 0600), 0);
	ck_assert_ptr_nonnull(c = config_load(conf, &errs));
	ck_assert_str_eq(c->smtp_auth_file, secret);
	ck_assert_str_eq(c->environment, "production");
	ck_assert_str_eq(c->webhook_format, "generic");
	ck_assert_str_eq(c->log_format, "text");
	ck_assert_uint_eq(c->not_running_after_ms, 26 * H);
	config_free(c);
	unlink(conf);
	unlink(secret);
	rmdir(dir);
}
END_TEST

/*
 * Run stalled: fires while the run in progress is stalled, resolves as
 * soon as it progresses or ends; CRITICAL, with its runbook.
 */
static const struct {
	const char	*what;
	int64_t		 stalled_run;	/* 0: no run stalled */
	int64_t		 progress_ago_ms;
	int		 firing;
	const char	*summary;	/* a part of it */
} stall_rows[] = {
	{ "no run", 0, 0, 0, "no run stalled" },
	{ "progressing run", 0, 5 * 1000, 0, "no run stalled" },
	{ "stalled run", 4, 20 * 60 * 1000, 1,
	    "run 4: no progress for 1200s" },
	{ "stalled, progress named", 9, 15 * 60 * 1000, 1,
	    "no job changed state, no export or poll since " },
};

START_TEST(test_run_stalled_rows)
{
	struct alert_set	 s;
	struct alert_input	 in;
	struct alert		*a = &s.a[ALERT_RUN_STALLED];
	char			 line[ALERT_SUMMARY_MAX + 64];
	unsigned int		 ch;

	alert_init(&s, T0);
	quiet(&in, T0 + H);
	in.stalled_run = stall_rows[_i].stalled_run;
	in.progress_ms = in.now_ms - stall_rows[_i].progress_ago_ms;
	ch = alert_eval(&s, &in);
	ck_assert_msg((a->state == ALERT_FIRING) == stall_rows[_i].firing,
	    "%s: %s", stall_rows[_i].what, a->summary);
	ck_assert_uint_eq(ch, stall_rows[_i].firing ?
	    1U << ALERT_RUN_STALLED : 0);
	ck_assert_msg(strstr(a->summary, stall_rows[_i].summary) != NULL,
	    "%s: %s", stall_rows[_i].what, a->summary);
	ck_assert_str_eq(alert_name(ALERT_RUN_STALLED), "run_stalled");
	ck_assert_str_eq(alert_title(ALERT_RUN_STALLED), "Run stalled");
	ck_assert_int_eq(alert_severity(ALERT_RUN_STALLED),
	    ALERT_LEVEL_CRITICAL);
	ck_assert_ptr_nonnull(strstr(alert_runbook(ALERT_RUN_STALLED),
	    "docs/operations.md#alert-run-stalled"));
	if (!stall_rows[_i].firing)
		return;
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_CRITICAL);
	alert_line(a, line, sizeof(line));
	ck_assert_msg(strncmp(line, "CRITICAL: ", 10) == 0, "%s", line);
	/* Still stalled: no change.  Progress: resolved. */
	in.now_ms += 60 * 1000;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	in.stalled_run = 0;
	in.progress_ms = in.now_ms;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_STALLED);
	ck_assert_int_eq(a->state, ALERT_OK);
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_OK);
}
END_TEST


/*
 * Restore drills: "Restore drill failed" fires with the last drill's
 * failures, once, and clears with a drill without; "Restores not
 * verified" counts the databases past the cycle since their last
 * verified restore (or first export), and neither speaks without drills.
 */
START_TEST(test_drills)
{
	struct alert_set	 s;
	struct alert_input	 in;
	struct alert_target	 fail[1];
	struct alert_db		 dbs[3];
	struct alert		*f = &s.a[ALERT_DRILL_FAILED];
	struct alert		*o = &s.a[ALERT_DRILL_OVERDUE];
	const int64_t		 cycle = 56 * 24 * H;
	unsigned int		 changed;

	alert_init(&s, T0);
	quiet(&in, T0);
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_ptr_nonnull(strstr(f->summary, "[drill] scratch unset"));
	ck_assert_ptr_nonnull(strstr(o->summary, "[drill] scratch unset"));

	memset(dbs, 0, sizeof(dbs));
	dbs[0].project = dbs[1].project = dbs[2].project = "p";
	dbs[0].instance = dbs[1].instance = dbs[2].instance = "i";
	dbs[0].database = "verified";		/* a week ago */
	dbs[0].last_ms = T0 - 7 * 24 * H;
	dbs[0].first_ms = T0 - 400 * 24 * H;
	dbs[1].database = "never";		/* exported 60 days ago */
	dbs[1].first_ms = T0 - 60 * 24 * H;
	dbs[2].database = "new";		/* exported yesterday */
	dbs[2].first_ms = T0 - 24 * H;
	target(&fail[0], "broken", 0, T0);
	in.drills_on = 1;
	in.drill_cycle_ms = cycle;
	in.drilled = dbs;
	in.ndrilled = 3;
	in.drill_id = 4;
	in.drill_total = 10;
	in.drill_failed = fail;
	in.ndrill_failed = 1;
	changed = alert_eval(&s, &in);
	ck_assert_uint_eq(changed, (1U << ALERT_DRILL_FAILED) |
	    (1U << ALERT_DRILL_OVERDUE));
	ck_assert_int_eq(f->state, ALERT_FIRING);
	ck_assert_ptr_nonnull(strstr(f->summary, "drill 4: 1 of 10 restores "
	    "failed: proj/inst/broken (boom broken)"));
	ck_assert_int_eq(o->state, ALERT_FIRING);
	ck_assert_int_eq(o->count, 1);
	ck_assert_ptr_nonnull(strstr(o->summary, "1 database without a "
	    "verified restore in 56d: p/i/never"));
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_WARNING);
	/* Evaluated again: no news. */
	ck_assert_uint_eq(alert_eval(&s, &in), 0);

	/* The next drill passes and verifies "never". */
	in.drill_id = 5;
	in.ndrill_failed = 0;
	dbs[1].last_ms = T0;
	changed = alert_eval(&s, &in);
	ck_assert_uint_eq(changed, (1U << ALERT_DRILL_FAILED) |
	    (1U << ALERT_DRILL_OVERDUE));
	ck_assert_int_eq(f->state, ALERT_OK);
	ck_assert_ptr_nonnull(strstr(f->summary, "drill 5: 10 restores "
	    "verified"));
	ck_assert_int_eq(o->state, ALERT_OK);

	/* An excluded database is not wanted: never overdue. */
	dbs[1].last_ms = 0;
	dbs[1].excluded = 1;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
}
END_TEST

/*
 * "Retention failed": quiet while retention is off or no prune ended,
 * fires (WARNING) on a failed prune naming the bucket and the error, says
 * nothing more while nothing changes, clears on the next good prune, and
 * falls quiet when retention is turned off.
 */
START_TEST(test_retention)
{
	struct alert_set	 s;
	struct alert_input	 in;
	struct alert		*a = &s.a[ALERT_RETENTION_FAILED];
	char			 line[ALERT_SUMMARY_MAX + 64];

	ck_assert_str_eq(alert_name(ALERT_RETENTION_FAILED),
	    "retention_failed");
	ck_assert_str_eq(alert_title(ALERT_RETENTION_FAILED),
	    "Retention failed");
	ck_assert_int_eq(alert_severity(ALERT_RETENTION_FAILED),
	    ALERT_LEVEL_WARNING);
	alert_init(&s, T0);
	quiet(&in, T0);
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_ptr_nonnull(strstr(a->summary, "retention off"));
	in.retention_on = 1;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_str_eq(a->summary, "no prune has ended yet");

	/* A prune fails: the bucket and why. */
	in.prune_ms = T0 - H;
	in.prune_failed = 1;
	in.prune_bucket = "backups-b";
	in.prune_error = "2 objects could not be deleted, the first "
	    "gs://backups-b/p/i/d/x.sql.gz: HTTP 403";
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RETENTION_FAILED);
	ck_assert_int_eq(a->state, ALERT_FIRING);
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_WARNING);
	alert_line(a, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "WARNING: Retention failed: "
	    "prune of gs://backups-b at "));
	ck_assert_ptr_nonnull(strstr(line, "failed: 2 objects could not be "
	    "deleted"));
	ck_assert_uint_eq(alert_eval(&s, &in), 0);

	/* Still failing at the next prune: no news either. */
	in.prune_ms = T0;
	in.prune_error = "listing gs://backups-b/: HTTP 503";
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_ptr_nonnull(strstr(a->summary, "listing gs://backups-b/"));

	/* A good prune clears it. */
	in.prune_ms = T0 + H;
	in.prune_failed = 0;
	in.now_ms = T0 + H;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RETENTION_FAILED);
	ck_assert_int_eq(a->state, ALERT_OK);
	ck_assert_ptr_nonnull(strstr(a->summary, "last prune of "
	    "gs://backups-b succeeded at "));

	/* Failed again, then retention off: nothing would clear it. */
	in.prune_failed = 1;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RETENTION_FAILED);
	in.retention_on = 0;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RETENTION_FAILED);
	ck_assert_int_eq(a->state, ALERT_OK);
}
END_TEST

static Suite *
alert_suite(void)
{
	Suite	*s = suite_create("alert");
	TCase	*tc = tcase_create("rules");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_quiet);
	tcase_add_test(tc, test_export_errors);
	tcase_add_test(tc, test_and_more);
	tcase_add_test(tc, test_names_helper);
	tcase_add_test(tc, test_run_failed);
	tcase_add_test(tc, test_not_running);
	tcase_add_loop_test(tc, test_not_running_rows, 0,
	    sizeof(not_running_rows) / sizeof(not_running_rows[0]));
	tcase_add_loop_test(tc, test_memory, 0,
	    sizeof(scenarios) / sizeof(scenarios[0]));
	tcase_add_test(tc, test_memory_set);
	tcase_add_test(tc, test_drills);
	tcase_add_test(tc, test_retention);
	tcase_add_loop_test(tc, test_stale, 0,
	    sizeof(stale_scenarios) / sizeof(stale_scenarios[0]));
	tcase_add_loop_test(tc, test_stale_rule, 0,
	    sizeof(stale_rows) / sizeof(stale_rows[0]));
	tcase_add_test(tc, test_age_text);
	tcase_add_test(tc, test_channels);
	tcase_add_test(tc, test_list_line);
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_notify_bodies);
	tcase_add_test(tc, test_secret_mode);
	tcase_add_loop_test(tc, test_run_stalled_rows, 0,
	    sizeof(stall_rows) / sizeof(stall_rows[0]));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(alert_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
