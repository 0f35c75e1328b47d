/*
 * check_journal.c: tests of the SQLite journal (src/journal.c).
 *
 * Each test gets its own temporary directory (checked fixture, so it runs
 * in the forked child) and removes it at the end.  Files are inspected and
 * damaged with raw sqlite3 calls and plain I/O; nothing here sleeps.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* nftw */
#endif

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "journal.h"
#include "../src/journal-int.h"

#define TEST_TIMEOUT	30
#define DAY_MS		(24LL * 3600 * 1000)
#define T0		1700000000000LL		/* an arbitrary "now" */

static char	 tmpdir[64];
static char	 dbpath[128];

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return (remove(path));
}

static void
setup(void)
{
	strlcpy(tmpdir, "/tmp/check_journal.XXXXXX", sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/journal.db", tmpdir);
}

static void
teardown(void)
{
	nftw(tmpdir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static struct journal *
jopen(void)
{
	struct journal	*j;
	char		 err[1024];

	j = journal_open(dbpath, err, sizeof(err));
	ck_assert_msg(j != NULL, "journal_open: %s", err);
	return (j);
}

static int64_t
run_add(struct journal *j, const char *trigger, const char *day,
    int64_t started)
{
	struct journal_run	 run;

	memset(&run, 0, sizeof(run));
	strlcpy(run.trigger, trigger, sizeof(run.trigger));
	strlcpy(run.day, day, sizeof(run.day));
	run.started_ms = started;
	ck_assert_int_eq(journal_run_begin(j, &run), 0);
	ck_assert_int_gt(run.id, 0);
	return (run.id);
}

static void
run_close(struct journal *j, int64_t id, int64_t ended)
{
	struct journal_run	 run;

	ck_assert_int_eq(journal_run_get(j, id, &run), 1);
	run.ended_ms = ended;
	strlcpy(run.outcome, "succeeded", sizeof(run.outcome));
	ck_assert_int_eq(journal_run_end(j, &run), 0);
}

/* A new job with every journaled field set to something not default. */
static struct job *
job_fill(int64_t run_id, const char *p, const char *i, const char *d)
{
	struct job	*job;
	char		 object[256];

	snprintf(object, sizeof(object), "%s/%s/%s/x.sql.gz", p, i, d);
	ck_assert_ptr_nonnull(job = job_new(p, i, d, "POSTGRES_15", object));
	job->run_id = run_id;
	job->state = JOB_EXPORTING;
	job->attempts = 2;
	job->failures = 1;
	ck_assert_int_eq(job_set_operation(job, "0f1e2d3c-op"), 0);
	job->outcome_unknown = 1;
	job->size = (1ULL << 40) + 7;
	strlcpy(job->crc32c, "AAAAAA==", sizeof(job->crc32c));
	job->created_ms = T0 + 1;
	job->first_attempt_ms = T0 + 2;
	job->started_ms = T0 + 3;
	job->ended_ms = T0 + 4;
	job->next_attempt_ms = T0 + 5;
	job->predicted_ms = 6;
	job->last_status = GCP_BUSY;
	job_set_error(job, "instance busy: operationInProgress");
	job->worker = 3;	/* master-only: must not come back */
	job->notified = 1;
	return (job);
}

static int64_t
job_add(struct journal *j, int64_t run_id, const char *p, const char *i,
    const char *d, enum job_state state, int64_t started, int64_t ended)
{
	struct job	*job;
	int64_t		 id;

	job = job_fill(run_id, p, i, d);
	job->state = state;
	job->started_ms = started;
	job->ended_ms = ended;
	ck_assert_int_eq(journal_job_insert(j, job), 0);
	id = job->id;
	job_free(job);
	return (id);
}

/* An optional string of a job: unset reads as "". */
static const char *
opt(const char *s)
{
	return (s != NULL ? s : "");
}

static void
job_eq(const struct job *a, const struct job *b)
{
	ck_assert_int_eq(a->id, b->id);
	ck_assert_int_eq(a->run_id, b->run_id);
	ck_assert_str_eq(job_project(a), job_project(b));
	ck_assert_str_eq(job_instance(a), job_instance(b));
	ck_assert_str_eq(job_database(a), job_database(b));
	ck_assert_str_eq(job_version(a), job_version(b));
	ck_assert_str_eq(job_object(a), job_object(b));
	ck_assert_int_eq(a->state, b->state);
	ck_assert_int_eq(a->attempts, b->attempts);
	ck_assert_int_eq(a->failures, b->failures);
	ck_assert_str_eq(opt(a->operation), opt(b->operation));
	ck_assert_int_eq(a->outcome_unknown, b->outcome_unknown);
	ck_assert_uint_eq(a->size, b->size);
	ck_assert_str_eq(a->crc32c, b->crc32c);
	ck_assert_int_eq(a->created_ms, b->created_ms);
	ck_assert_int_eq(a->first_attempt_ms, b->first_attempt_ms);
	ck_assert_int_eq(a->started_ms, b->started_ms);
	ck_assert_int_eq(a->ended_ms, b->ended_ms);
	ck_assert_int_eq(a->next_attempt_ms, b->next_attempt_ms);
	ck_assert_int_eq(a->predicted_ms, b->predicted_ms);
	ck_assert_int_eq(a->last_status, b->last_status);
	ck_assert_str_eq(opt(a->last_error), opt(b->last_error));
}

/* Collectors for the callbacks. */
#define MAXGOT	64
static struct job		*got_jobs[MAXGOT];	/* copies */
static struct journal_run	 got_runs[MAXGOT];
static char			 got_names[MAXGOT][64];
static int64_t			 got_ms[MAXGOT];
static int			 ngot;

static void
collect_job(const struct job *job, void *arg)
{
	ck_assert_int_lt(ngot, MAXGOT);
	job_free(got_jobs[ngot]);
	got_jobs[ngot++] = job_dup(job);
}

static void
collect_run(const struct journal_run *run, void *arg)
{
	ck_assert_int_lt(ngot, MAXGOT);
	got_runs[ngot++] = *run;
}

static void
collect_history(const struct journal_run *run, const struct job *job,
    void *arg)
{
	ck_assert_int_lt(ngot, MAXGOT);
	got_runs[ngot] = *run;
	job_free(got_jobs[ngot]);
	got_jobs[ngot++] = job_dup(job);
}

static void
collect_stale(const char *p, const char *i, const char *d, int64_t last,
    void *arg)
{
	ck_assert_int_lt(ngot, MAXGOT);
	snprintf(got_names[ngot], sizeof(got_names[ngot]), "%s/%s/%s", p, i,
	    d);
	got_ms[ngot++] = last;
}

/* One integer from a raw read-only query on the file. */
static int64_t
raw_int(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 v;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (v);
}

static const char *
raw_text(const char *sql, char *buf, size_t size)
{
	sqlite3		*db;
	sqlite3_stmt	*st;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	strlcpy(buf, (const char *)sqlite3_column_text(st, 0), size);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (buf);
}

static void
raw_exec(const char *sql)
{
	sqlite3	*db;
	char	*msg = NULL;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg);
	sqlite3_close(db);
}

static char *
file_read(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	int		 fd;

	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	*len = (size_t)sb.st_size;
	ck_assert_ptr_nonnull(buf = malloc(*len + 1));
	ck_assert_int_eq(read(fd, buf, *len), (ssize_t)*len);
	close(fd);
	return (buf);
}

static void
file_write(const char *path, off_t off, const void *buf, size_t len)
{
	int	 fd;

	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT, 0600), -1);
	ck_assert_int_eq(pwrite(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* Open must fail with an error containing want, leaving the file as is. */
static void
open_refused(const char *want)
{
	struct journal	*j;
	char		 err[1024], *before, *after;
	size_t		 lb, la;

	before = file_read(dbpath, &lb);
	j = journal_open(dbpath, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"",
	    err, want);
	ck_assert_msg(strstr(err, dbpath) != NULL, "error \"%s\" lacks path",
	    err);
	after = file_read(dbpath, &la);
	ck_assert_uint_eq(la, lb);
	ck_assert_msg(memcmp(before, after, lb) == 0, "file was modified");
	free(before);
	free(after);
}

START_TEST(test_open_create)
{
	struct journal	*j;
	char		 err[1024], buf[32], path[256];

	journal_close(NULL);
	j = jopen();
	journal_close(j);
	ck_assert_int_eq(raw_int("PRAGMA user_version"),
	    JOURNAL_SCHEMA_VERSION);
	ck_assert_str_eq(raw_text("PRAGMA journal_mode", buf, sizeof(buf)),
	    "wal");
	j = jopen();		/* reopen an existing journal */
	journal_close(j);

	/* The directory is not created. */
	snprintf(path, sizeof(path), "%s/missing/journal.db", tmpdir);
	ck_assert_ptr_null(journal_open(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_int_eq(access(path, F_OK), -1);

	ck_assert_ptr_null(journal_open(tmpdir, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
}
END_TEST

START_TEST(test_run_roundtrip)
{
	struct journal		*j;
	struct journal_run	 run, got;
	int64_t			 ids[3];

	j = jopen();
	memset(&run, 0, sizeof(run));
	strlcpy(run.trigger, "manual", sizeof(run.trigger));
	strlcpy(run.patterns, "proj-a/* proj-b", sizeof(run.patterns));
	strlcpy(run.day, "2026-03-29", sizeof(run.day));
	run.started_ms = T0;
	ck_assert_int_eq(journal_run_begin(j, &run), 0);
	ids[0] = run.id;
	ck_assert_int_eq(journal_run_get(j, run.id, &got), 1);
	ck_assert_int_eq(got.id, run.id);
	ck_assert_str_eq(got.trigger, "manual");
	ck_assert_str_eq(got.patterns, "proj-a/* proj-b");
	ck_assert_str_eq(got.day, "2026-03-29");
	ck_assert_int_eq(got.started_ms, T0);
	ck_assert_int_eq(got.ended_ms, 0);
	ck_assert_str_eq(got.outcome, "");

	run.ended_ms = T0 + 1000;
	strlcpy(run.outcome, "failed", sizeof(run.outcome));
	run.total = 10;
	run.succeeded = 8;
	run.failed = 2;
	ck_assert_int_eq(journal_run_end(j, &run), 0);
	ck_assert_int_eq(journal_run_get(j, run.id, &got), 1);
	ck_assert_int_eq(got.ended_ms, T0 + 1000);
	ck_assert_str_eq(got.outcome, "failed");
	ck_assert_int_eq(got.total, 10);
	ck_assert_int_eq(got.succeeded, 8);
	ck_assert_int_eq(got.failed, 2);
	ck_assert_int_eq(journal_run_get(j, 9999, &got), 0);
	run.id = 9999;
	ck_assert_int_eq(journal_run_end(j, &run), -1);
	ck_assert_ptr_nonnull(strstr(journal_error(j), "no run 9999"));

	ids[1] = run_add(j, "schedule", "2026-03-30", T0 + DAY_MS);
	ids[2] = run_add(j, "schedule", "2026-03-31", T0 + 2 * DAY_MS);
	ngot = 0;
	ck_assert_int_eq(journal_runs(j, 0, 10, collect_run, NULL), 3);
	ck_assert_int_eq(got_runs[0].id, ids[2]);
	ck_assert_int_eq(got_runs[2].id, ids[0]);
	ngot = 0;
	ck_assert_int_eq(journal_runs(j, 0, 2, collect_run, NULL), 2);
	ck_assert_int_eq(got_runs[1].id, ids[1]);
	ngot = 0;
	ck_assert_int_eq(journal_runs(j, T0 + DAY_MS, 10, collect_run, NULL),
	    2);
	ck_assert_int_eq(journal_runs(j, 0, 0, collect_run, NULL), -1);
	journal_close(j);
}
END_TEST

START_TEST(test_run_open_for_day)
{
	struct journal		*j;
	struct journal_run	 run;
	int64_t			 manual, sched, catchup, id;

	j = jopen();
	ck_assert_int_eq(journal_run_open(j, &run), 0);
	ck_assert_int_eq(journal_run_for_day(j, "2026-03-29", &id), 0);

	/* A manual run is open but does not count as the day's run. */
	manual = run_add(j, "manual", "2026-03-29", T0);
	ck_assert_int_eq(journal_run_for_day(j, "2026-03-29", &id), 0);
	ck_assert_int_eq(journal_run_open(j, &run), 1);
	ck_assert_int_eq(run.id, manual);

	sched = run_add(j, "schedule", "2026-03-29", T0 + 10);
	ck_assert_int_eq(journal_run_for_day(j, "2026-03-29", &id), 1);
	ck_assert_int_eq(id, sched);
	ck_assert_int_eq(journal_run_open(j, &run), 1);
	ck_assert_int_eq(run.id, sched);	/* newest open */

	run_close(j, sched, T0 + 20);
	ck_assert_int_eq(journal_run_open(j, &run), 1);
	ck_assert_int_eq(run.id, manual);
	run_close(j, manual, T0 + 30);
	ck_assert_int_eq(journal_run_open(j, &run), 0);
	/* An ended run still counts for its day. */
	ck_assert_int_eq(journal_run_for_day(j, "2026-03-29", &id), 1);

	catchup = run_add(j, "catch-up", "2026-03-30", T0 + DAY_MS + 5);
	ck_assert_int_eq(journal_run_for_day(j, "2026-03-30", &id), 1);
	ck_assert_int_eq(id, catchup);
	ck_assert_int_eq(journal_run_for_day(j, "2026-03-31", &id), 0);
	journal_close(j);

	/* The open run survives a restart. */
	j = jopen();
	ck_assert_int_eq(journal_run_open(j, &run), 1);
	ck_assert_int_eq(run.id, catchup);
	ck_assert_str_eq(run.trigger, "catch-up");
	journal_close(j);
}
END_TEST

START_TEST(test_job_roundtrip)
{
	struct journal	*j;
	struct job	*a, *b, *c;
	int64_t		 run;
	char		 sql[128];

	j = jopen();
	run = run_add(j, "schedule", "2026-03-29", T0);
	a = job_fill(run, "proj-a", "inst-1", "db1");
	ck_assert_int_eq(journal_job_insert(j, a), 0);
	ck_assert_int_gt(a->id, 0);
	b = job_fill(run, "proj-a", "inst-1", "db0");
	b->state = JOB_QUEUED;
	b->last_status = GCP_OK;
	ck_assert_int_eq(journal_job_insert(j, b), 0);
	ck_assert_int_gt(b->id, a->id);

	ngot = 0;
	ck_assert_int_eq(journal_jobs(j, run, collect_job, NULL), 2);
	job_eq(got_jobs[0], a);	/* id order, not name order */
	job_eq(got_jobs[1], b);
	ck_assert_int_eq(got_jobs[0]->worker, -1);
	ck_assert_int_eq(got_jobs[0]->notified, 0);
	ck_assert_ptr_null(got_jobs[0]->inst);

	/*
	 * Every state and status survives the trip, and so do other names
	 * (a job's names are fixed: the same row as a new job).
	 */
	ck_assert_ptr_nonnull(c = job_new(job_project(a), job_instance(a),
	    job_database(a), "MYSQL_8_0", "other/object"));
	c->id = a->id;
	c->run_id = a->run_id;
	c->created_ms = a->created_ms;
	job_free(a);
	a = c;
	a->state = JOB_RETRY_WAIT;
	a->attempts = 3;
	a->failures = 2;
	a->outcome_unknown = 0;
	a->first_attempt_ms = T0 + 100;
	a->started_ms = T0 + 101;
	a->ended_ms = T0 + 102;
	a->next_attempt_ms = T0 + 103;
	a->predicted_ms = 104;
	a->last_status = GCP_PERMANENT;
	job_set_error(a, "403 PERMISSION_DENIED");
	ck_assert_int_eq(journal_job_update(j, a), 0);
	ngot = 0;
	ck_assert_int_eq(journal_jobs(j, run, collect_job, NULL), 2);
	job_eq(got_jobs[0], a);
	ck_assert_ptr_null(got_jobs[0]->operation);	/* "" reads as none */
	ck_assert_str_eq(got_jobs[0]->crc32c, "");
	ck_assert_int_eq(journal_jobs(j, run + 1, collect_job, NULL), 0);

	/* The identity must match: a wrong id is an error, not a no-op. */
	b->id = a->id;
	ck_assert_int_eq(journal_job_update(j, b), -1);
	ck_assert_ptr_nonnull(strstr(journal_error(j), "no job"));

	/* Attempts: one row per attempt number, rewriting is idempotent. */
	ck_assert_int_eq(journal_attempt_add(j, a, "retry"), 0);
	ck_assert_int_eq(journal_attempt_add(j, a, "failed"), 0);
	a->attempts = 4;
	a->state = JOB_SUCCEEDED;
	a->last_status = GCP_OK;
	job_set_error(a, NULL);
	ck_assert_int_eq(journal_job_finish_attempt(j, a, "succeeded"), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM attempts WHERE "
	    "job_id = %lld", (long long)a->id);
	ck_assert_int_eq(raw_int(sql), 2);
	snprintf(sql, sizeof(sql), "SELECT outcome || ',' || status || ',' || "
	    "error FROM attempts WHERE job_id = %lld AND attempt = 3",
	    (long long)a->id);
	{
		char	buf[128];

		ck_assert_str_eq(raw_text(sql, buf, sizeof(buf)),
		    "failed,permanent,403 PERMISSION_DENIED");
	}
	ngot = 0;
	ck_assert_int_eq(journal_jobs(j, run, collect_job, NULL), 2);
	ck_assert_int_eq(got_jobs[0]->state, JOB_SUCCEEDED);
	ck_assert_int_eq(got_jobs[0]->attempts, 4);
	ck_assert_ptr_null(got_jobs[0]->last_error);
	job_free(a);
	job_free(b);
	journal_close(j);
}
END_TEST

START_TEST(test_job_unique)
{
	struct journal	*j;
	struct job	*a;
	int64_t		 run;

	j = jopen();
	run = run_add(j, "schedule", "2026-03-29", T0);
	job_add(j, run, "p", "i", "d", JOB_QUEUED, 0, 0);
	a = job_fill(run, "p", "i", "d");
	a->id = -7;
	ck_assert_int_eq(journal_job_insert(j, a), -1);
	ck_assert_int_eq(a->id, -7);
	ck_assert_msg(strstr(journal_error(j), "already has a job for p/i/d")
	    != NULL, "%s", journal_error(j));
	ck_assert_ptr_nonnull(strstr(journal_error(j), dbpath));

	/* A job of a run that does not exist breaks a foreign key. */
	a->run_id = run + 100;
	ck_assert_int_eq(journal_job_insert(j, a), -1);
	job_free(a);
	ck_assert_ptr_nonnull(strstr(journal_error(j), "FOREIGN KEY"));

	/* The handle still works, and the same database in another run. */
	job_add(j, run, "p", "i", "d2", JOB_QUEUED, 0, 0);
	job_add(j, run_add(j, "manual", "2026-03-29", T0 + 1), "p", "i", "d",
	    JOB_QUEUED, 0, 0);
	ck_assert_int_eq(journal_jobs(j, run, collect_job, NULL), 2);
	journal_close(j);
}
END_TEST

START_TEST(test_predict_last_success)
{
	struct journal	*j;
	int64_t		 ms, run, start;
	/* durations of successive successful exports, oldest first */
	static const int64_t durations[] = { 900000, 100, 200, 300, 250, 150 };
	size_t		 k;

	j = jopen();
	ck_assert_int_eq(journal_predict_ms(j, "p", "i", "d", &ms), 0);
	ck_assert_int_eq(journal_last_success(j, "p", "i", "d", &ms), 0);

	for (k = 0; k < sizeof(durations) / sizeof(durations[0]); k++) {
		start = T0 + (int64_t)k * DAY_MS;
		run = run_add(j, "schedule", "day", start);
		job_add(j, run, "p", "i", "d", JOB_SUCCEEDED, start,
		    start + durations[k]);
		/* Failures and other databases do not count. */
		job_add(j, run, "p", "i", "e", JOB_FAILED, start,
		    start + 5000000);
		job_add(j, run, "p", "i2", "d", JOB_SUCCEEDED, start,
		    start + 1);
		if (k == 2) {
			ck_assert_int_eq(journal_predict_ms(j, "p", "i", "d",
			    &ms), 1);
			ck_assert_int_eq(ms, 900000);
		}
	}
	/* The 900000 outlier is older than the last five: aged out. */
	ck_assert_int_eq(journal_predict_ms(j, "p", "i", "d", &ms), 1);
	ck_assert_int_eq(ms, 300);
	ck_assert_int_eq(journal_last_success(j, "p", "i", "d", &ms), 1);
	ck_assert_int_eq(ms, T0 + 5 * DAY_MS + 150);
	ck_assert_int_eq(journal_predict_ms(j, "p", "i", "e", &ms), 0);
	ck_assert_int_eq(journal_last_success(j, "p", "i", "e", &ms), 0);
	ck_assert_int_eq(journal_predict_ms(j, "p", "i2", "d", &ms), 1);
	ck_assert_int_eq(ms, 1);
	journal_close(j);
}
END_TEST

START_TEST(test_prune)
{
	struct journal	*j;
	struct job	*job;
	int64_t		 old1, old2, open_old, recent;
	int		 k, n, total = 0;

	j = jopen();
	old1 = run_add(j, "schedule", "d1", T0);
	old2 = run_add(j, "schedule", "d2", T0 + DAY_MS);
	open_old = run_add(j, "schedule", "d3", T0 + DAY_MS + 1);
	recent = run_add(j, "schedule", "d9", T0 + 9 * DAY_MS);
	for (k = 0; k < 3; k++) {
		char	name[8];

		snprintf(name, sizeof(name), "db%d", k);
		job_add(j, old1, "p", "i", name, JOB_SUCCEEDED, T0, T0 + 1);
		job_add(j, old2, "p", "i", name, JOB_SUCCEEDED, T0, T0 + 1);
		job_add(j, open_old, "p", "i", name, JOB_QUEUED, 0, 0);
		job = job_fill(recent, "p", "i", name);
		ck_assert_int_eq(journal_job_insert(j, job), 0);
		ck_assert_int_eq(journal_attempt_add(j, job, "failed"), 0);
		job_free(job);
	}
	/* Old jobs with attempts, too. */
	job = job_fill(old1, "p", "i", "with-attempts");
	ck_assert_int_eq(journal_job_insert(j, job), 0);
	for (k = 1; k <= 3; k++) {
		job->attempts = k;
		ck_assert_int_eq(journal_attempt_add(j, job, "retry"), 0);
	}
	job_free(job);
	run_close(j, old1, T0 + 10);
	run_close(j, old2, T0 + DAY_MS + 10);
	run_close(j, recent, T0 + 9 * DAY_MS + 10);

	ck_assert_int_eq(journal_prune(j, T0 + 5 * DAY_MS, 0), -1);
	/* Bounded batches: at most 2 jobs per call; loop until done. */
	for (k = 0; k < 100; k++) {
		n = journal_prune(j, T0 + 5 * DAY_MS, 2);
		ck_assert_int_ge(n, 0);
		ck_assert_int_le(n, 2 + 3 + 2);	/* jobs + attempts + runs */
		if (n == 0)
			break;
		total += n;
	}
	ck_assert_int_lt(k, 100);
	ck_assert_int_eq(total, 2 + 7 + 3);	/* runs, jobs, attempts */
	journal_close(j);

	ck_assert_int_eq(raw_int("SELECT count(*) FROM runs"), 2);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM jobs"), 6);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM attempts"), 3);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM runs WHERE id IN "
	    "(SELECT run_id FROM jobs)"), 2);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM "
	    "pragma_foreign_key_check"), 0);
	(void)open_old;
}
END_TEST

START_TEST(test_history_stale)
{
	struct journal	*j;
	int64_t		 r1, r2;

	j = jopen();
	r1 = run_add(j, "schedule", "d1", T0);
	job_add(j, r1, "p", "i", "a", JOB_SUCCEEDED, T0, T0 + 10);
	job_add(j, r1, "p", "i", "b", JOB_FAILED, T0, T0 + 10);
	job_add(j, r1, "p", "i", "c", JOB_SUCCEEDED, T0, T0 + 10);
	r2 = run_add(j, "schedule", "d2", T0 + DAY_MS);
	job_add(j, r2, "p", "i", "a", JOB_SUCCEEDED, T0 + DAY_MS,
	    T0 + DAY_MS + 10);
	job_add(j, r2, "p", "i", "b", JOB_FAILED, T0 + DAY_MS,
	    T0 + DAY_MS + 10);
	job_add(j, r2, "p", "i", "c", JOB_FAILED, T0 + DAY_MS,
	    T0 + DAY_MS + 10);

	ngot = 0;
	ck_assert_int_eq(journal_history(j, 0, 0, 100, collect_history, NULL),
	    6);
	ck_assert_int_eq(got_runs[0].id, r2);	/* newest first */
	ck_assert_str_eq(job_database(got_jobs[0]), "c");
	ck_assert_int_eq(got_runs[5].id, r1);
	ck_assert_str_eq(got_runs[5].day, "d1");
	ck_assert_str_eq(job_database(got_jobs[5]), "a");
	ngot = 0;
	ck_assert_int_eq(journal_history(j, 0, 1, 100, collect_history, NULL),
	    3);
	ck_assert_int_eq(got_jobs[0]->state, JOB_FAILED);
	ck_assert_int_eq(got_jobs[2]->state, JOB_FAILED);
	ck_assert_int_eq(got_runs[2].id, r1);
	ngot = 0;
	ck_assert_int_eq(journal_history(j, 0, 0, 4, collect_history, NULL),
	    4);
	ngot = 0;
	ck_assert_int_eq(journal_history(j, T0 + 1, 0, 100, collect_history,
	    NULL), 3);
	ck_assert_int_eq(journal_history(j, 0, 0, JOURNAL_LIMIT_MAX + 1,
	    collect_history, NULL), -1);

	/* Not exported since T0 + DAY_MS: c (last T0 + 10), b (never). */
	ngot = 0;
	ck_assert_int_eq(journal_stale(j, T0 + DAY_MS, 100, collect_stale,
	    NULL), 2);
	ck_assert_str_eq(got_names[0], "p/i/b");
	ck_assert_int_eq(got_ms[0], 0);
	ck_assert_str_eq(got_names[1], "p/i/c");
	ck_assert_int_eq(got_ms[1], T0 + 10);
	ngot = 0;
	ck_assert_int_eq(journal_stale(j, T0 + DAY_MS, 1, collect_stale,
	    NULL), 1);
	ngot = 0;
	ck_assert_int_eq(journal_stale(j, T0 + 2 * DAY_MS, 100, collect_stale,
	    NULL), 3);
	ngot = 0;
	ck_assert_int_eq(journal_stale(j, 0, 100, collect_stale, NULL), 1);
	journal_close(j);
}
END_TEST

/* journal_health rows, copied. */
struct got_health {
	char		 name[64], object[64], crc32c[16], error[64];
	int64_t		 first, last, attempt, fail;
	int		 failures;
};
static struct got_health	got_health[MAXGOT];

static void
collect_health(const struct journal_db *db, void *arg)
{
	struct got_health	*g;

	(void)arg;
	ck_assert_int_lt(ngot, MAXGOT);
	g = &got_health[ngot++];
	snprintf(g->name, sizeof(g->name), "%s/%s/%s", db->project,
	    db->instance, db->database);
	strlcpy(g->object, db->object, sizeof(g->object));
	strlcpy(g->crc32c, db->crc32c, sizeof(g->crc32c));
	strlcpy(g->error, db->error, sizeof(g->error));
	g->first = db->first_ms;
	g->last = db->last_ms;
	g->attempt = db->attempt_ms;
	g->fail = db->fail_ms;
	g->failures = db->failures;
}

/*
 * Health: one row per database by name, with the newest verified export's
 * object and crc32c (not an older one's, not a failed job's) and the
 * newest failed attempt with its error.
 */
START_TEST(test_health)
{
	struct journal	*j;
	struct job	*job;
	int64_t		 r1, r2;

	j = jopen();
	r1 = run_add(j, "schedule", "d1", T0);
	job_add(j, r1, "p", "i", "b", JOB_SUCCEEDED, T0, T0 + 10);
	job_add(j, r1, "p", "i", "a", JOB_FAILED, T0, T0 + 20);
	r2 = run_add(j, "schedule", "d2", T0 + DAY_MS);
	job = job_fill(r2, "p", "i", "b");
	job->state = JOB_SUCCEEDED;
	job->started_ms = T0 + DAY_MS;
	job->ended_ms = T0 + DAY_MS + 10;
	strlcpy(job->crc32c, "yZRlqg==", sizeof(job->crc32c));
	ck_assert_int_eq(journal_job_insert(j, job), 0);
	job_free(job);
	job = job_fill(r2, "p", "i", "a");
	job->state = JOB_RETRY_WAIT;
	job->started_ms = T0 + DAY_MS + 5;
	job->ended_ms = 0;
	job->created_ms = T0 + DAY_MS;
	job->failures = 4;
	ck_assert_int_eq(journal_job_insert(j, job), 0);
	job_set_error(job, "HTTP 403: denied");
	job->attempts = 1;
	ck_assert_int_eq(journal_attempt_add(j, job, "failed"), 0);
	job_free(job);

	ngot = 0;
	ck_assert_int_eq(journal_health(j, 100, collect_health, NULL), 2);
	ck_assert_str_eq(got_health[0].name, "p/i/a");
	ck_assert_int_eq(got_health[0].last, 0);
	ck_assert_str_eq(got_health[0].object, "");
	ck_assert_str_eq(got_health[0].crc32c, "");
	ck_assert_int_eq(got_health[0].fail, T0 + DAY_MS + 5);
	ck_assert_str_eq(got_health[0].error, "HTTP 403: denied");
	ck_assert_int_eq(got_health[0].attempt, T0 + DAY_MS + 5);
	ck_assert_int_eq(got_health[0].first, T0 + 1);
	ck_assert_int_eq(got_health[0].failures, 4);
	ck_assert_str_eq(got_health[1].name, "p/i/b");
	ck_assert_int_eq(got_health[1].last, T0 + DAY_MS + 10);
	ck_assert_str_eq(got_health[1].object, "p/i/b/x.sql.gz");
	ck_assert_str_eq(got_health[1].crc32c, "yZRlqg==");
	ck_assert_int_eq(got_health[1].fail, 0);
	ck_assert_str_eq(got_health[1].error, "");
	ngot = 0;
	ck_assert_int_eq(journal_health(j, 1, collect_health, NULL), 1);
	ck_assert_int_eq(journal_health(j, 0, collect_health, NULL), -1);
	journal_close(j);
}
END_TEST

/*
 * The health scan, read at every start, sorts nothing of its own: its
 * rows (a database each, object name and all) come in the index's order.
 * A top-level temporary B-tree would hold every database's row at once.
 */
START_TEST(test_health_plan)
{
	struct journal	*j;
	sqlite3_stmt	*st;
	char		*q;
	const char	*detail;
	int		 sorts = 0, rows = 0;

	j = jopen();
	q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s",
	    sqlite3_sql(j->st[JST_HEALTH]));
	ck_assert_int_eq(sqlite3_prepare_v2(j->db, q, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		detail = (const char *)sqlite3_column_text(st, 3);
		if (sqlite3_column_int(st, 1) == 0 && detail != NULL &&
		    strstr(detail, "TEMP B-TREE") != NULL)
			sorts++;
	}
	sqlite3_finalize(st);
	sqlite3_free(q);
	ck_assert_int_gt(rows, 0);
	ck_assert_int_eq(sorts, 0);
	journal_close(j);
}
END_TEST

/*
 * A batch commits its writes together or not at all: a write that fails
 * inside undoes the writes before it, and the ones after it fail too.
 */
START_TEST(test_batch)
{
	struct journal	*j;
	struct job	*a, *b;
	int64_t		 run, id;
	char		 sql[160];

	j = jopen();
	run = run_add(j, "schedule", "2026-03-29", T0);
	a = job_fill(run, "proj-a", "inst-1", "db0");
	ck_assert_int_eq(journal_job_insert(j, a), 0);
	b = job_fill(run, "proj-a", "inst-1", "db1");
	ck_assert_int_eq(journal_job_insert(j, b), 0);

	/* Both writes land, with one attempt row. */
	a->state = JOB_SUCCEEDED;
	b->state = JOB_RETRY_WAIT;
	ck_assert_int_eq(journal_batch_begin(j), 0);
	ck_assert_int_eq(journal_batch_begin(j), -1);	/* not nested */
	ck_assert_int_eq(journal_job_update(j, a), 0);
	ck_assert_int_eq(journal_job_finish_attempt(j, b, "failed"), 0);
	ck_assert_int_eq(journal_batch_commit(j), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM jobs WHERE run_id = "
	    "%lld AND state IN ('succeeded', 'retry_wait')", (long long)run);
	ck_assert_int_eq(raw_int(sql), 2);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM attempts"), 1);

	/* A failing write undoes the whole batch. */
	a->state = JOB_FAILED;
	ck_assert_int_eq(journal_batch_begin(j), 0);
	ck_assert_int_eq(journal_job_finish_attempt(j, a, "failed"), 0);
	id = b->id;
	b->id = id + 1000;		/* no such row */
	ck_assert_int_eq(journal_job_update(j, b), -1);
	b->id = id;
	ck_assert_int_eq(journal_job_update(j, b), -1);
	ck_assert_int_eq(journal_batch_commit(j), -1);
	ck_assert_ptr_nonnull(strstr(journal_error(j), "no job"));
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM jobs WHERE id = %lld "
	    "AND state = 'succeeded'", (long long)a->id);
	ck_assert_int_eq(raw_int(sql), 1);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM attempts"), 1);

	/* The handle works after it, outside a batch too. */
	ck_assert_int_eq(journal_batch_commit(j), -1);	/* none open */
	ck_assert_int_eq(journal_job_update(j, a), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM jobs WHERE id = %lld "
	    "AND state = 'failed'", (long long)a->id);
	ck_assert_int_eq(raw_int(sql), 1);
	job_free(a);
	job_free(b);
	journal_close(j);
}
END_TEST

static struct journal	*reenter_j;
static int		 reenter_rv;

static void
reenter_cb(const struct journal_run *run, void *arg)
{
	struct journal_run	 r;

	reenter_rv = journal_run_get(reenter_j, run->id, &r);
}

START_TEST(test_reentry)
{
	struct journal_run	 r;

	reenter_j = jopen();
	run_add(reenter_j, "manual", "d", T0);
	reenter_rv = 0;
	ck_assert_int_eq(journal_runs(reenter_j, 0, 10, reenter_cb, NULL), 1);
	ck_assert_int_eq(reenter_rv, -1);
	ck_assert_ptr_nonnull(strstr(journal_error(reenter_j), "callback"));
	ck_assert_int_eq(journal_run_open(reenter_j, &r), 1);
	journal_close(reenter_j);
}
END_TEST

START_TEST(test_migrate_v0)
{
	struct journal	*j;

	/* An empty SQLite file with user_version 0 (the v0 "schema"). */
	raw_exec("CREATE TABLE t(x); DROP TABLE t; PRAGMA user_version = 0");
	ck_assert_int_eq(raw_int("PRAGMA user_version"), 0);
	j = jopen();
	run_add(j, "schedule", "d", T0);
	journal_close(j);
	ck_assert_int_eq(raw_int("PRAGMA user_version"),
	    JOURNAL_SCHEMA_VERSION);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM runs"), 1);
}
END_TEST

struct fixture_jobs {
	struct job	*job[4];	/* copies */
	int		 n;
};

static void
fixture_job_cb(const struct job *job, void *arg)
{
	struct fixture_jobs	*f = arg;

	if (f->n < 4)
		f->job[f->n] = job_dup(job);
	f->n++;
}


static void
blocker_row_cb(const char *type, int64_t ms, void *arg)
{
	char	*s = arg;
	char	 one[64];

	snprintf(one, sizeof(one), "%s=%lld;", type, (long long)ms);
	strlcat(s, one, 256);
}

/*
 * Per instance and type the newest duration is kept; the load gives the
 * newest rows, oldest first, so a ring fed in that order ends newest.
 */
START_TEST(test_blockers)
{
	struct journal	*j = jopen();
	char		 s[256] = "";
	int64_t		 ms;

	ck_assert_int_eq(journal_blocker_put(j, "p", "i1", "BACKUP_VOLUME",
	    1000, T0), 0);
	ck_assert_int_eq(journal_blocker_put(j, "p", "i2", "MAINTENANCE",
	    2000, T0 + 1), 0);
	ck_assert_int_eq(journal_blocker_put(j, "p", "i1", "BACKUP_VOLUME",
	    3000, T0 + 2), 0);	/* replaces the first */
	ck_assert_int_eq(journal_blocker_put(j, "p", "i1", "MAINTENANCE",
	    4000, T0 + 3), 0);
	ck_assert_int_eq(journal_blocker_get(j, "p", "i1", "BACKUP_VOLUME",
	    &ms), 1);
	ck_assert_int_eq(ms, 3000);
	ck_assert_int_eq(journal_blocker_get(j, "p", "i3", "BACKUP_VOLUME",
	    &ms), 0);
	ck_assert_int_eq(ms, 0);
	ck_assert_int_eq(journal_blockers(j, 2, blocker_row_cb, s), 2);
	ck_assert_str_eq(s, "BACKUP_VOLUME=3000;MAINTENANCE=4000;");
	s[0] = '\0';
	ck_assert_int_eq(journal_blockers(j, 10, blocker_row_cb, s), 3);
	ck_assert_str_eq(s, "MAINTENANCE=2000;BACKUP_VOLUME=3000;"
	    "MAINTENANCE=4000;");
	journal_close(j);
}
END_TEST

/* Run tests/data/NAME (a journal of an older schema) into the file. */
static void
load_fixture(const char *name)
{
	const char	*top = getenv("top_srcdir");
	char		 path[512], *sql;
	FILE		*fp;
	long		 len;

	snprintf(path, sizeof(path), "%s/tests/data/%s",
	    top != NULL ? top : ".", name);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	sql = calloc(1, (size_t)len + 1);
	ck_assert_int_eq(fread(sql, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	raw_exec(sql);
	free(sql);
}

/*
 * A file of the first schema version, with a finished run and an open one,
 * opens with this build (migrated if the schema has moved on since): the
 * open run resumes with its jobs as they were, history answers, and the
 * file takes writes.
 */
START_TEST(test_migrate_v1_fixture)
{
	struct journal		*j;
	struct journal_run	 r;
	struct fixture_jobs	 f;
	char			 buf[64];
	int64_t			 ms, id;

	load_fixture("journal-v1.sql");
	ck_assert_int_eq(raw_int("PRAGMA user_version"), 1);

	j = jopen();
	ck_assert_int_eq(raw_int("PRAGMA user_version"),
	    JOURNAL_SCHEMA_VERSION);
	ck_assert_int_eq(journal_run_open(j, &r), 1);
	ck_assert_int_eq(r.id, 2);
	ck_assert_str_eq(r.trigger, "catch-up");
	ck_assert_str_eq(r.patterns, "proj-a");
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(journal_jobs(j, 2, fixture_job_cb, &f), 2);
	ck_assert_int_eq(f.job[0]->state, JOB_EXPORTING);
	ck_assert_str_eq(f.job[0]->operation, "op-3");
	ck_assert_int_eq(f.job[1]->state, JOB_RETRY_WAIT);
	ck_assert_int_eq(f.job[1]->attempts, 1);
	ck_assert_int_eq(f.job[1]->failures, 1);
	ck_assert_int_eq(f.job[1]->outcome_unknown, 1);
	ck_assert_int_eq(f.job[1]->next_attempt_ms, T0 + 20000);
	ck_assert_int_eq(f.job[1]->last_status, GCP_RETRY);
	ck_assert_int_eq(journal_predict_ms(j, "proj-a", "inst-1", "db2", &ms),
	    1);
	ck_assert_int_eq(ms, 30000);
	ck_assert_int_eq(journal_last_success(j, "proj-a", "inst-1", "db1",
	    &ms), 1);
	ck_assert_int_eq(ms, T0 - DAY_MS + 90000);
	ck_assert_int_eq(journal_run_for_day(j, "2023-11-13", &id), 1);
	ck_assert_int_eq(id, 1);

	/* The resumed job ends, in one transaction with its attempt. */
	f.job[0]->state = JOB_SUCCEEDED;
	f.job[0]->ended_ms = T0 + 60000;
	ck_assert_int_eq(journal_job_finish_attempt(j, f.job[0],
	    "succeeded"), 0);
	job_free(f.job[0]);
	job_free(f.job[1]);
	journal_close(j);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM attempts"), 5);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM jobs WHERE id = 3 AND "
	    "state = 'succeeded'"), 1);
	ck_assert_str_eq(raw_text("PRAGMA integrity_check", buf, sizeof(buf)),
	    "ok");
}
END_TEST

/* The ended drill's failed restores, as journal_drill_last tells them. */
static void
fixture_drill_cb(const char *source, const char *error, void *arg)
{
	int	*n = arg;

	ck_assert_str_eq(source, "proj-a/inst-1/db2");
	ck_assert_str_eq(error, "import failed");
	(*n)++;
}

/*
 * A version 2 file (restores and drills) opens as the current version:
 * its drill is still read, and prunes and blockers are recorded from
 * then on.
 */
START_TEST(test_migrate_v2_fixture)
{
	struct journal			*j;
	struct journal_drill		 d;
	struct journal_retention	 r;
	char				 buf[64];
	int64_t				 ms;
	int				 nfail = 0;

	load_fixture("journal-v2.sql");
	ck_assert_int_eq(raw_int("PRAGMA user_version"), 2);

	j = jopen();
	ck_assert_int_eq(raw_int("PRAGMA user_version"),
	    JOURNAL_SCHEMA_VERSION);
	ck_assert_int_eq(journal_drill_last(j, &d, fixture_drill_cb, &nfail),
	    1);
	ck_assert_int_eq(d.id, 1);
	ck_assert_int_eq(d.failed, 1);
	ck_assert_int_eq(nfail, 1);
	ck_assert_int_eq(journal_retention_last(j, &r), 0);
	memset(&r, 0, sizeof(r));
	r.started_ms = T0;
	r.ended_ms = T0 + 1000;
	strlcpy(r.bucket, "b", sizeof(r.bucket));
	ck_assert_int_eq(journal_retention_add(j, &r), 0);
	ck_assert_int_eq(journal_retention_last(j, &r), 1);
	ck_assert_int_eq(r.failed, 0);
	/* And the blockers table, empty. */
	ck_assert_int_eq(journal_blocker_get(j, "proj-a", "inst-1",
	    "BACKUP_VOLUME", &ms), 0);
	ck_assert_int_eq(journal_blocker_put(j, "proj-a", "inst-1",
	    "BACKUP_VOLUME", 600000, T0), 0);
	ck_assert_int_eq(journal_blocker_get(j, "proj-a", "inst-1",
	    "BACKUP_VOLUME", &ms), 1);
	ck_assert_int_eq(ms, 600000);
	journal_close(j);
	ck_assert_str_eq(raw_text("PRAGMA integrity_check", buf, sizeof(buf)),
	    "ok");
}
END_TEST

/*
 * How prunes ended: the newest is the one read back (a failure with its
 * bucket and error, then a success over it), and the table keeps only
 * the last JOURNAL_RETENTION_KEPT rows.
 */
START_TEST(test_retention_record)
{
	struct journal			*j;
	struct journal_retention	 r, got;
	int				 i;

	j = jopen();
	ck_assert_int_eq(journal_retention_last(j, &got), 0);
	memset(&r, 0, sizeof(r));
	r.started_ms = T0;
	r.ended_ms = T0 + 5000;
	strlcpy(r.bucket, "backups-b", sizeof(r.bucket));
	r.failed = 1;
	strlcpy(r.error, "2 objects could not be deleted", sizeof(r.error));
	ck_assert_int_eq(journal_retention_add(j, &r), 0);
	ck_assert_int_eq(journal_retention_last(j, &got), 1);
	ck_assert_int_eq(got.id, r.id);
	ck_assert_int_eq(got.started_ms, T0);
	ck_assert_int_eq(got.ended_ms, T0 + 5000);
	ck_assert_str_eq(got.bucket, "backups-b");
	ck_assert_int_eq(got.failed, 1);
	ck_assert_str_eq(got.error, "2 objects could not be deleted");

	for (i = 0; i < JOURNAL_RETENTION_KEPT + 5; i++) {
		r.failed = 0;
		r.error[0] = '\0';
		r.ended_ms = T0 + 10000 + i;
		ck_assert_int_eq(journal_retention_add(j, &r), 0);
	}
	ck_assert_int_eq(journal_retention_last(j, &got), 1);
	ck_assert_int_eq(got.failed, 0);
	ck_assert_str_eq(got.error, "");
	ck_assert_int_eq(got.ended_ms, T0 + 10000 + JOURNAL_RETENTION_KEPT +
	    4);
	journal_close(j);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM retention"),
	    JOURNAL_RETENTION_KEPT);
}
END_TEST

START_TEST(test_migrate_zero_length)
{
	struct journal	*j;

	file_write(dbpath, 0, "", 0);
	j = jopen();
	journal_close(j);
	ck_assert_int_eq(raw_int("PRAGMA user_version"),
	    JOURNAL_SCHEMA_VERSION);
}
END_TEST

START_TEST(test_refuse_foreign)
{
	raw_exec("CREATE TABLE runs(something_else)");
	open_refused("not a databackup journal");
}
END_TEST

START_TEST(test_refuse_newer)
{
	journal_close(jopen());
	raw_exec("PRAGMA user_version = 99");
	open_refused("schema version 99, newer");
}
END_TEST

/* A negative user_version is nobody's schema: refused, not built over. */
START_TEST(test_refuse_negative)
{
	journal_close(jopen());
	raw_exec("PRAGMA user_version = -1");
	open_refused("has invalid schema version -1");
}
END_TEST

START_TEST(test_refuse_corrupt)
{
	struct journal	*j;
	struct stat	 sb;
	char		 garbage[4096];
	int64_t		 run, pagesz;
	int		 k;

	j = jopen();
	run = run_add(j, "schedule", "d", T0);
	for (k = 0; k < 200; k++) {
		char	name[16];

		snprintf(name, sizeof(name), "db%d", k);
		job_add(j, run, "p", "i", name, JOB_SUCCEEDED, T0, T0 + k);
	}
	journal_close(j);	/* checkpoints the WAL into the file */
	pagesz = raw_int("PRAGMA page_size");
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	ck_assert_int_gt(sb.st_size, 4 * pagesz);

	/* Keep page 1 (header, schema); trash pages 2 and 3. */
	memset(garbage, 0xa5, sizeof(garbage));
	file_write(dbpath, pagesz, garbage,
	    (size_t)pagesz < sizeof(garbage) ? (size_t)pagesz :
	    sizeof(garbage));
	file_write(dbpath, 2 * pagesz, garbage,
	    (size_t)pagesz < sizeof(garbage) ? (size_t)pagesz :
	    sizeof(garbage));
	open_refused("is corrupt");
	open_refused("move it aside to start fresh");
}
END_TEST

START_TEST(test_refuse_not_sqlite)
{
	static const char	 text[] = "[state]\njournal = here\n"
	    "this is a configuration file, not a database, and long enough "
	    "to have a header of sorts.\n";

	file_write(dbpath, 0, text, sizeof(text) - 1);
	open_refused("not an SQLite database");
}
END_TEST

static int
count_jobs(struct journal *j, int64_t run)
{
	ngot = 0;
	return (journal_jobs(j, run, collect_job, NULL));
}

START_TEST(test_disk_full)
{
	struct journal	*j;
	struct job	*job = NULL, *saved;
	int64_t		 run, cap;
	int		 k, ok = 0, rv = 0, saved_attempts;
	char		 error[JOB_ERROR_MAX + 1];

	j = jopen();
	run = run_add(j, "schedule", "d", T0);
	cap = journal_set_max_pages(j, 1);	/* never below current size */
	ck_assert_int_gt(cap, 1);

	memset(error, 'x', sizeof(error) - 1);
	error[sizeof(error) - 1] = '\0';
	for (k = 0; k < 10000; k++) {
		char	name[16];

		snprintf(name, sizeof(name), "db%d", k);
		job_free(job);
		job = job_fill(run, "p", "i", name);
		job_set_error(job, error);
		job->id = -7;
		if ((rv = journal_job_insert(j, job)) == -1)
			break;
		ok++;
	}
	ck_assert_int_eq(rv, -1);
	ck_assert_int_eq(job->id, -7);
	job_free(job);
	ck_assert_msg(strstr(journal_error(j), "full") != NULL, "%s",
	    journal_error(j));
	/* Nothing half-written: exactly the committed jobs are there. */
	ck_assert_int_eq(count_jobs(j, run), ok);
	/* Reads and in-place writes still work on a full journal. */
	run_close(j, run, T0 + 1);

	/* A two-row transition fails as a whole. */
	saved = got_jobs[0];
	saved_attempts = saved->attempts;
	job = job_dup(saved);
	for (k = 2; k < 10000; k++) {
		job->attempts = k;
		if (journal_job_finish_attempt(j, job, "retry") == -1)
			break;
		saved_attempts = k;
	}
	ck_assert_int_lt(k, 10000);
	count_jobs(j, run);
	ck_assert_int_eq(got_jobs[0]->attempts, saved_attempts);

	/* Room again: the next writes succeed on the same handle. */
	ck_assert_int_gt(journal_set_max_pages(j, 1 << 30), cap);
	ck_assert_int_eq(journal_job_finish_attempt(j, job, "retry"), 0);
	job_free(job);
	job = job_fill(run, "p", "i", "after-full");
	ck_assert_int_eq(journal_job_insert(j, job), 0);
	job_free(job);
	ck_assert_int_eq(count_jobs(j, run), ok + 1);
	journal_close(j);
	{
		char	buf[64];

		ck_assert_str_eq(raw_text("PRAGMA integrity_check", buf,
		    sizeof(buf)), "ok");
	}
}
END_TEST

static Suite *
journal_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("journal");
#define CASE(name, fn) do {						\
	tc = tcase_create(name);					\
	tcase_add_checked_fixture(tc, setup, teardown);			\
	tcase_set_timeout(tc, TEST_TIMEOUT);				\
	tcase_add_test(tc, fn);						\
	suite_add_tcase(s, tc);						\
} while (0)
	CASE("open", test_open_create);
	CASE("runs", test_run_roundtrip);
	CASE("run_open_for_day", test_run_open_for_day);
	CASE("jobs", test_job_roundtrip);
	CASE("job_unique", test_job_unique);
	CASE("predict", test_predict_last_success);
	CASE("prune", test_prune);
	CASE("history_stale", test_history_stale);
	CASE("health", test_health);
	CASE("health plan", test_health_plan);
	CASE("batch", test_batch);
	CASE("reentry", test_reentry);
	CASE("migrate_v0", test_migrate_v0);
	CASE("migrate_v1_fixture", test_migrate_v1_fixture);
	CASE("migrate_v2_fixture", test_migrate_v2_fixture);
	CASE("blockers", test_blockers);
	CASE("retention", test_retention_record);
	CASE("migrate_zero_length", test_migrate_zero_length);
	CASE("refuse_foreign", test_refuse_foreign);
	CASE("refuse_newer", test_refuse_newer);
	CASE("refuse_negative", test_refuse_negative);
	CASE("refuse_corrupt", test_refuse_corrupt);
	CASE("refuse_not_sqlite", test_refuse_not_sqlite);
	CASE("disk_full", test_disk_full);
#undef CASE
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(journal_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
