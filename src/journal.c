/*
 * journal.c: the SQLite journal of runs, jobs and attempts, written only by
 * the master.
 *
 * Every write is one BEGIN IMMEDIATE ... COMMIT transaction covering one
 * transition, with statements prepared once at open; a failed write rolls
 * back and leaves the handle usable, so a later write succeeds once the disk
 * has room again.  The file is opened in WAL mode with synchronous=FULL,
 * because the commit is the point after which the master acts.  The schema
 * is versioned with PRAGMA user_version and migrated forward in one
 * transaction; a newer, foreign, corrupt or non-SQLite file is refused and
 * never rewritten.  What is *not* here: the job state machine (job.c), the
 * decision of what to journal when (master.c), and any logging of write
 * failures, which the caller does with journal_error().
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "journal.h"
#include "log.h"
#include "xmalloc.h"

#define JOURNAL_BUSY_TIMEOUT_MS	500	/* only the master writes */
#define JOURNAL_CHECK_ERRORS	10	/* quick_check(N): errors reported */
#define JOURNAL_PREDICT_RUNS	5	/* successes a prediction looks at */
#define JOURNAL_ERR_MAX		1024
/*
 * SQLite's page cache, in KiB (its default is 2000).  A transition writes
 * a few pages (a job row, its index entries, an attempt) and a page not
 * in the cache is a pread from the OS's cache away: eight runs of 10,000
 * jobs took the same CPU with 256 KiB as with 2000, within the noise.  On
 * a large fleet the default was a tenth of the master's memory.
 */
#define JOURNAL_CACHE_KIB	256

/*
 * Schema version 1.  State and status are stored as text names so that an
 * operator reading the file with sqlite3(1) sees what the logs say.  No ON
 * DELETE CASCADE: journal_prune deletes children first, in bounded batches,
 * and the foreign keys catch any code that forgets to.
 */
static const char journal_sql_v1[] =
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  \"trigger\" TEXT NOT NULL,"
	"  patterns TEXT NOT NULL DEFAULT '',"
	"  day TEXT NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER NOT NULL DEFAULT 0,"
	"  outcome TEXT NOT NULL DEFAULT '',"
	"  total INTEGER NOT NULL DEFAULT 0,"
	"  succeeded INTEGER NOT NULL DEFAULT 0,"
	"  failed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX runs_started ON runs(started_ms);"
	"CREATE INDEX runs_day ON runs(day);"
	"CREATE INDEX runs_ended ON runs(ended_ms);"
	"CREATE TABLE jobs ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  project TEXT NOT NULL,"
	"  instance TEXT NOT NULL,"
	"  \"database\" TEXT NOT NULL,"
	"  version TEXT NOT NULL DEFAULT '',"
	"  object TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  operation TEXT NOT NULL DEFAULT '',"
	"  outcome_unknown INTEGER NOT NULL DEFAULT 0,"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  crc32c TEXT NOT NULL DEFAULT '',"
	"  created_ms INTEGER NOT NULL DEFAULT 0,"
	"  first_attempt_ms INTEGER NOT NULL DEFAULT 0,"
	"  started_ms INTEGER NOT NULL DEFAULT 0,"
	"  ended_ms INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
	"  predicted_ms INTEGER NOT NULL DEFAULT 0,"
	"  last_status TEXT NOT NULL DEFAULT 'ok',"
	"  last_error TEXT NOT NULL DEFAULT '',"
	"  UNIQUE(run_id, project, instance, \"database\"));"
	"CREATE INDEX jobs_run ON jobs(run_id);"
	"CREATE INDEX jobs_db ON jobs(project, instance, \"database\", state,"
	"  ended_ms);"
	"CREATE TABLE attempts ("
	"  id INTEGER PRIMARY KEY,"
	"  job_id INTEGER NOT NULL REFERENCES jobs(id),"
	"  attempt INTEGER NOT NULL,"
	"  started_ms INTEGER NOT NULL DEFAULT 0,"
	"  ended_ms INTEGER NOT NULL DEFAULT 0,"
	"  operation TEXT NOT NULL DEFAULT '',"
	"  outcome TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  UNIQUE(job_id, attempt));";

/*
 * Migration steps, in order: step i takes a file from user_version i to
 * i + 1.  To change the schema, bump JOURNAL_SCHEMA_VERSION, append a step
 * and ship a tests/data/journal-vN.sql fixture of the previous version.
 */
static const char *const journal_migrations[] = {
	journal_sql_v1,		/* 0 -> 1: empty file to first schema */
};
_Static_assert(sizeof(journal_migrations) / sizeof(journal_migrations[0]) ==
    JOURNAL_SCHEMA_VERSION, "one migration step per schema version");

#define RUN_COLS	"r.id, r.\"trigger\", r.patterns, r.day," \
			" r.started_ms, r.ended_ms, r.outcome, r.total," \
			" r.succeeded, r.failed"
#define RUN_NCOLS	10
#define JOB_COLS	"j.id, j.run_id, j.project, j.instance," \
			" j.\"database\", j.version, j.object, j.state," \
			" j.attempts, j.failures, j.operation," \
			" j.outcome_unknown, j.size, j.crc32c," \
			" j.created_ms, j.first_attempt_ms, j.started_ms," \
			" j.ended_ms, j.next_attempt_ms, j.predicted_ms," \
			" j.last_status, j.last_error"
#define JOB_NCOLS	22

/*
 * Pruning works on the oldest prunable run (started before ?1 and ended: a
 * run still open is the master's to close), ?2 jobs at a time.  Both
 * orders follow an index (runs_started, jobs_run), so no call sorts, and
 * the attempts and jobs deletes pick the same jobs.
 */
#define PRUNE_RUNS	"SELECT id FROM runs WHERE started_ms < ?1" \
			" AND ended_ms != 0"
#define PRUNE_JOBS	"SELECT id FROM jobs WHERE run_id = (" PRUNE_RUNS \
			" ORDER BY started_ms, id LIMIT 1) ORDER BY id LIMIT ?2"

enum journal_stmt {
	JST_BEGIN,
	JST_COMMIT,
	JST_ROLLBACK,
	JST_RUN_INSERT,
	JST_RUN_END,
	JST_RUN_OPEN,
	JST_RUN_FOR_DAY,
	JST_RUN_GET,
	JST_RUNS,
	JST_JOB_INSERT,
	JST_JOB_UPDATE,
	JST_JOBS,
	JST_ATTEMPT_ADD,
	JST_PREDICT,
	JST_LAST_SUCCESS,
	JST_PRUNE_ATTEMPTS,
	JST_PRUNE_JOBS,
	JST_PRUNE_RUNS,
	JST_HISTORY,
	JST_STALE,
	JST_COUNT
};

static const char *const journal_stmt_sql[JST_COUNT] = {
	[JST_BEGIN] = "BEGIN IMMEDIATE",
	[JST_COMMIT] = "COMMIT",
	[JST_ROLLBACK] = "ROLLBACK",
	[JST_RUN_INSERT] = "INSERT INTO runs (\"trigger\", patterns, day,"
	    " started_ms, ended_ms, outcome, total, succeeded, failed)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[JST_RUN_END] = "UPDATE runs SET ended_ms = ?2, outcome = ?3,"
	    " total = ?4, succeeded = ?5, failed = ?6 WHERE id = ?1",
	[JST_RUN_OPEN] = "SELECT " RUN_COLS " FROM runs r WHERE r.ended_ms = 0"
	    " ORDER BY r.id DESC LIMIT 1",
	/* Manual runs do not count: they must not suppress a catch-up. */
	[JST_RUN_FOR_DAY] = "SELECT r.id FROM runs r WHERE r.day = ?1"
	    " AND r.\"trigger\" IN ('schedule', 'catch-up')"
	    " ORDER BY r.id DESC LIMIT 1",
	[JST_RUN_GET] = "SELECT " RUN_COLS " FROM runs r WHERE r.id = ?1",
	[JST_RUNS] = "SELECT " RUN_COLS " FROM runs r WHERE r.started_ms >= ?1"
	    " ORDER BY r.started_ms DESC, r.id DESC LIMIT ?2",
	[JST_JOB_INSERT] = "INSERT INTO jobs (run_id, project, instance,"
	    " \"database\", version, object, state, attempts, failures,"
	    " operation, outcome_unknown, size, crc32c, created_ms,"
	    " first_attempt_ms, started_ms, ended_ms, next_attempt_ms,"
	    " predicted_ms, last_status, last_error) VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
	    " ?19, ?20, ?21)",
	/* The identity (?1-?4) is fixed at insert and only checked here. */
	[JST_JOB_UPDATE] = "UPDATE jobs SET version = ?5, object = ?6,"
	    " state = ?7, attempts = ?8, failures = ?9, operation = ?10,"
	    " outcome_unknown = ?11, size = ?12, crc32c = ?13,"
	    " created_ms = ?14, first_attempt_ms = ?15, started_ms = ?16,"
	    " ended_ms = ?17, next_attempt_ms = ?18, predicted_ms = ?19,"
	    " last_status = ?20, last_error = ?21 WHERE id = ?22"
	    " AND run_id = ?1 AND project = ?2 AND instance = ?3"
	    " AND \"database\" = ?4",
	[JST_JOBS] = "SELECT " JOB_COLS " FROM jobs j WHERE j.run_id = ?1"
	    " ORDER BY j.id",
	/* Idempotent: recording the same attempt twice keeps the last. */
	[JST_ATTEMPT_ADD] = "INSERT INTO attempts (job_id, attempt, started_ms,"
	    " ended_ms, operation, outcome, status, error)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT(job_id, attempt) DO UPDATE SET"
	    " started_ms = excluded.started_ms, ended_ms = excluded.ended_ms,"
	    " operation = excluded.operation, outcome = excluded.outcome,"
	    " status = excluded.status, error = excluded.error",
	[JST_PREDICT] = "SELECT max(d) FROM (SELECT ended_ms - started_ms AS d"
	    " FROM jobs WHERE project = ?1 AND instance = ?2"
	    " AND \"database\" = ?3 AND state = 'succeeded'"
	    " AND started_ms > 0 AND ended_ms >= started_ms"
	    " ORDER BY ended_ms DESC LIMIT ?4)",
	[JST_LAST_SUCCESS] = "SELECT ended_ms FROM jobs WHERE project = ?1"
	    " AND instance = ?2 AND \"database\" = ?3 AND state = 'succeeded'"
	    " ORDER BY ended_ms DESC LIMIT 1",
	[JST_PRUNE_ATTEMPTS] = "DELETE FROM attempts WHERE job_id IN ("
	    PRUNE_JOBS ")",
	[JST_PRUNE_JOBS] = "DELETE FROM jobs WHERE id IN (" PRUNE_JOBS ")",
	[JST_PRUNE_RUNS] = "DELETE FROM runs WHERE id IN (" PRUNE_RUNS
	    " AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.run_id = runs.id)"
	    " ORDER BY started_ms, id LIMIT ?2)",
	[JST_HISTORY] = "SELECT " JOB_COLS ", " RUN_COLS " FROM runs r"
	    " JOIN jobs j ON j.run_id = r.id WHERE r.started_ms >= ?1"
	    " AND (?2 = 0 OR j.state = 'failed')"
	    " ORDER BY r.started_ms DESC, r.id DESC, j.id DESC LIMIT ?3",
	/*
	 * One row per database the journal knows, from one scan of the
	 * covering index jobs_db (bounded by pruning); 0 if never succeeded.
	 */
	[JST_STALE] = "SELECT project, instance, \"database\","
	    " max(CASE WHEN state = 'succeeded' THEN ended_ms ELSE 0 END)"
	    " AS last FROM jobs GROUP BY project, instance, \"database\""
	    " HAVING last = 0 OR last < ?1"
	    " ORDER BY last, project, instance, \"database\" LIMIT ?2",
};

struct journal {
	sqlite3		*db;
	char		*path;
	sqlite3_stmt	*st[JST_COUNT];
	int		 in_callback;	/* a callback of ours is running */
	int		 batch;		/* inside journal_batch_begin */
	int		 batch_failed;	/* a write of the batch failed */
	char		 err[JOURNAL_ERR_MAX];
};

/* Text names in the file; job.c's job_state_name() is for logs. */
static const char *const journal_state_names[JOB_STATE_COUNT] = {
	[JOB_QUEUED] = "queued",
	[JOB_DISPATCHED] = "dispatched",
	[JOB_EXPORTING] = "exporting",
	[JOB_VERIFYING] = "verifying",
	[JOB_SUCCEEDED] = "succeeded",
	[JOB_RETRY_WAIT] = "retry_wait",
	[JOB_FAILED] = "failed",
};

static const char *const journal_status_names[] = {
	[GCP_OK] = "ok",
	[GCP_RETRY] = "retry",
	[GCP_BUSY] = "busy",
	[GCP_PERMANENT] = "permanent",
	[GCP_AUTH] = "auth",
};
#define JOURNAL_NSTATUS	\
	(sizeof(journal_status_names) / sizeof(journal_status_names[0]))

static const char *
journal_state_text(enum job_state s)
{
	if ((unsigned)s >= JOB_STATE_COUNT)
		return (NULL);
	return (journal_state_names[s]);
}

static int
journal_state_parse(const char *text, enum job_state *s)
{
	int	 i;

	for (i = 0; i < JOB_STATE_COUNT; i++) {
		if (strcmp(journal_state_names[i], text) == 0) {
			*s = (enum job_state)i;
			return (0);
		}
	}
	return (-1);
}

static const char *
journal_status_text(enum gcp_status st)
{
	if ((unsigned)st >= JOURNAL_NSTATUS)
		return (NULL);
	return (journal_status_names[st]);
}

static int
journal_status_parse(const char *text, enum gcp_status *st)
{
	size_t	 i;

	for (i = 0; i < JOURNAL_NSTATUS; i++) {
		if (strcmp(journal_status_names[i], text) == 0) {
			*st = (enum gcp_status)i;
			return (0);
		}
	}
	return (-1);
}

static void journal_seterr(struct journal *, const char *, ...)
    __attribute__((__format__(printf, 2, 3)));

/* Set the text journal_error() returns; the path is appended. */
static void
journal_seterr(struct journal *j, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[JOURNAL_ERR_MAX];

	int	 n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(j->err, sizeof(j->err), "%s (journal %s)", msg, j->path);
	if (n < 0 || (size_t)n >= sizeof(j->err))	/* mark, don't hide */
		memcpy(j->err + sizeof(j->err) - 4, "...", 4);
}

/* Record SQLite's message for the failed step of function fn. */
static void
journal_sqlerr(struct journal *j, const char *fn, const char *what)
{
	journal_seterr(j, "%s: %s: %s", fn, what, sqlite3_errmsg(j->db));
}

/*
 * Undo the open transaction, if any.  SQLite may already have rolled back
 * by itself (SQLITE_FULL, SQLITE_IOERR), hence the autocommit test.  The
 * error text is kept: it says why we got here.
 */
static void
journal_rollback(struct journal *j)
{
	sqlite3_stmt	*st = j->st[JST_ROLLBACK];

	if (j->batch)
		j->batch_failed = 1;	/* the whole batch is undone */
	if (sqlite3_get_autocommit(j->db))
		return;
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("journal %s: rollback: %s", j->path,
		    sqlite3_errmsg(j->db));
	sqlite3_reset(st);
}

/* Refuse to be called from inside one of our callbacks. */
static int
journal_enter(struct journal *j, const char *fn)
{
	if (j->in_callback) {
		journal_seterr(j, "%s: called from a journal callback", fn);
		return (-1);
	}
	return (0);
}

/* Run a statement that returns no rows, then reset it.  0 or -1. */
static int
journal_step_done(struct journal *j, sqlite3_stmt *st, const char *fn,
    const char *what)
{
	int	 rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		journal_sqlerr(j, fn, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

static int
journal_begin(struct journal *j, const char *fn)
{
	if (journal_enter(j, fn) == -1)
		return (-1);
	if (j->batch)		/* joins the batch's transaction */
		return (j->batch_failed ? -1 : 0);
	if (journal_step_done(j, j->st[JST_BEGIN], fn, "begin") == -1) {
		journal_rollback(j);
		return (-1);
	}
	return (0);
}

static int
journal_commit(struct journal *j, const char *fn)
{
	if (j->batch)		/* journal_batch_commit commits */
		return (j->batch_failed ? -1 : 0);
	if (journal_step_done(j, j->st[JST_COMMIT], fn, "commit") == -1) {
		journal_rollback(j);
		return (-1);
	}
	return (0);
}

/*
 * Batches: the writes between journal_batch_begin and journal_batch_commit
 * share one transaction, so one commit (one fsync) covers them all.  A
 * write that fails inside undoes the whole batch and every later write of
 * the batch fails too; journal_batch_commit then returns -1 and nothing of
 * the batch is in the file.  Reads are fine inside a batch.
 */
int
journal_batch_begin(struct journal *j)
{
	static const char	 fn[] = "journal_batch_begin";

	if (j->batch) {
		journal_seterr(j, "%s: a batch is already open", fn);
		return (-1);
	}
	if (journal_begin(j, fn) == -1)
		return (-1);
	j->batch = 1;
	j->batch_failed = 0;
	return (0);
}

int
journal_batch_commit(struct journal *j)
{
	static const char	 fn[] = "journal_batch_commit";
	int			 failed = j->batch_failed;

	if (!j->batch) {
		journal_seterr(j, "%s: no batch is open", fn);
		return (-1);
	}
	j->batch = 0;
	j->batch_failed = 0;
	if (failed) {
		journal_rollback(j);
		return (-1);
	}
	return (journal_commit(j, fn));
}

/*
 * Copy a text column into a fixed buffer.  A value that does not fit can
 * only come from a damaged or foreign file: an error, never a truncation.
 */
static int
journal_col_text(struct journal *j, sqlite3_stmt *st, int col, char *buf,
    size_t size, const char *fn)
{
	const unsigned char	*t;

	t = sqlite3_column_text(st, col);
	if (t == NULL)
		t = (const unsigned char *)"";
	if (strlcpy(buf, (const char *)t, size) >= size) {
		journal_seterr(j, "%s: column %s too long", fn,
		    sqlite3_column_name(st, col));
		return (-1);
	}
	return (0);
}

static int
journal_read_run(struct journal *j, sqlite3_stmt *st, int c,
    struct journal_run *run, const char *fn)
{
	memset(run, 0, sizeof(*run));
	run->id = sqlite3_column_int64(st, c + 0);
	if (journal_col_text(j, st, c + 1, run->trigger, sizeof(run->trigger),
	    fn) == -1 ||
	    journal_col_text(j, st, c + 2, run->patterns,
	    sizeof(run->patterns), fn) == -1 ||
	    journal_col_text(j, st, c + 3, run->day, sizeof(run->day),
	    fn) == -1 ||
	    journal_col_text(j, st, c + 6, run->outcome, sizeof(run->outcome),
	    fn) == -1)
		return (-1);
	run->started_ms = sqlite3_column_int64(st, c + 4);
	run->ended_ms = sqlite3_column_int64(st, c + 5);
	run->total = sqlite3_column_int(st, c + 7);
	run->succeeded = sqlite3_column_int(st, c + 8);
	run->failed = sqlite3_column_int(st, c + 9);
	return (0);
}

/*
 * A text column as a string borrowed from the statement (valid until the
 * next step), "" for NULL, or NULL when it is longer than max bytes: that
 * can only come from a damaged or foreign file, and is an error.
 */
static const char *
journal_col_str(struct journal *j, sqlite3_stmt *st, int col, size_t max,
    const char *fn)
{
	const char	*t;

	t = (const char *)sqlite3_column_text(st, col);
	if (t == NULL)
		return ("");
	if (strnlen(t, max + 1) > max) {
		journal_seterr(j, "%s: column %s too long", fn,
		    sqlite3_column_name(st, col));
		return (NULL);
	}
	return (t);
}

/*
 * A new job from JOB_COLS at column c, master-only fields cleared; caller
 * frees it with job_free().  NULL with the journal's error set if the row
 * cannot be a job.
 */
static struct job *
journal_read_job(struct journal *j, sqlite3_stmt *st, int c, const char *fn)
{
	struct job	*job;
	const char	*t, *project, *instance, *database, *version, *object;
	const char	*op, *error;

	if ((project = journal_col_str(j, st, c + 2, GCP_PROJECT_ID_MAX,
	    fn)) == NULL ||
	    (instance = journal_col_str(j, st, c + 3, GCP_INSTANCE_MAX,
	    fn)) == NULL ||
	    (database = journal_col_str(j, st, c + 4, GCP_DATABASE_MAX,
	    fn)) == NULL ||
	    (version = journal_col_str(j, st, c + 5, JOB_VERSION_MAX,
	    fn)) == NULL ||
	    (object = journal_col_str(j, st, c + 6, GCP_OBJECT_MAX,
	    fn)) == NULL ||
	    (op = journal_col_str(j, st, c + 10, GCP_OPERATION_MAX,
	    fn)) == NULL ||
	    (error = journal_col_str(j, st, c + 21, JOB_ERROR_MAX,
	    fn)) == NULL)
		return (NULL);
	if ((job = job_new(project, instance, database, version,
	    object)) == NULL)
		fatalx("%s: a name within its limit refused", fn);
	job->id = sqlite3_column_int64(st, c + 0);
	job->run_id = sqlite3_column_int64(st, c + 1);
	if (job_set_operation(job, op) == -1)
		fatalx("%s: an operation within its limit refused", fn);
	job_set_error(job, error);
	if (journal_col_text(j, st, c + 13, job->crc32c, sizeof(job->crc32c),
	    fn) == -1)
		goto bad;
	t = (const char *)sqlite3_column_text(st, c + 7);
	if (t == NULL || journal_state_parse(t, &job->state) == -1) {
		journal_seterr(j, "%s: job %" PRId64 ": unknown state \"%s\"",
		    fn, job->id, t == NULL ? "" : t);
		goto bad;
	}
	job->attempts = sqlite3_column_int(st, c + 8);
	job->failures = sqlite3_column_int(st, c + 9);
	job->outcome_unknown = sqlite3_column_int(st, c + 11);
	job->size = (uint64_t)sqlite3_column_int64(st, c + 12);
	job->created_ms = sqlite3_column_int64(st, c + 14);
	job->first_attempt_ms = sqlite3_column_int64(st, c + 15);
	job->started_ms = sqlite3_column_int64(st, c + 16);
	job->ended_ms = sqlite3_column_int64(st, c + 17);
	job->next_attempt_ms = sqlite3_column_int64(st, c + 18);
	job->predicted_ms = sqlite3_column_int64(st, c + 19);
	t = (const char *)sqlite3_column_text(st, c + 20);
	if (t == NULL || journal_status_parse(t, &job->last_status) == -1) {
		journal_seterr(j, "%s: job %" PRId64 ": unknown status \"%s\"",
		    fn, job->id, t == NULL ? "" : t);
		goto bad;
	}
	return (job);
bad:
	job_free(job);
	return (NULL);
}

/* An optional string of a job as SQL wants it: "" when unset. */
static const char *
journal_opt(const char *s)
{
	return (s != NULL ? s : "");
}

/* Bind parameters ?1-?21 of JST_JOB_INSERT / JST_JOB_UPDATE. */
static int
journal_bind_job(struct journal *j, sqlite3_stmt *st, const struct job *job,
    const char *fn)
{
	const char	*state, *status;

	if ((state = journal_state_text(job->state)) == NULL) {
		journal_seterr(j, "%s: job %" PRId64 ": invalid state %d", fn,
		    job->id, (int)job->state);
		return (-1);
	}
	if ((status = journal_status_text(job->last_status)) == NULL) {
		journal_seterr(j, "%s: job %" PRId64 ": invalid status %d", fn,
		    job->id, (int)job->last_status);
		return (-1);
	}
	sqlite3_bind_int64(st, 1, job->run_id);
	sqlite3_bind_text(st, 2, job_project(job), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, job_instance(job), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, job_database(job), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, job_version(job), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, job_object(job), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, job->attempts);
	sqlite3_bind_int(st, 9, job->failures);
	sqlite3_bind_text(st, 10, journal_opt(job->operation), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 11, job->outcome_unknown);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)job->size);
	sqlite3_bind_text(st, 13, job->crc32c, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, job->created_ms);
	sqlite3_bind_int64(st, 15, job->first_attempt_ms);
	sqlite3_bind_int64(st, 16, job->started_ms);
	sqlite3_bind_int64(st, 17, job->ended_ms);
	sqlite3_bind_int64(st, 18, job->next_attempt_ms);
	sqlite3_bind_int64(st, 19, job->predicted_ms);
	sqlite3_bind_text(st, 20, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 21, journal_opt(job->last_error), -1,
	    SQLITE_STATIC);
	return (0);
}

/*
 * Open-time checks, run before anything may write to the file (WAL mode
 * rewrites the header): readable as SQLite, passes quick_check, a schema
 * version we know, and not someone else's database.  Returns the file's
 * user_version, or -1 with err filled.
 */
static int
journal_check(struct journal *j, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*t;
	char		 sql[64];
	int		 rc, version, objects;

	rc = sqlite3_prepare_v2(j->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = sqlite3_extended_errcode(j->db);
		if ((rc & 0xff) == SQLITE_NOTADB)
			snprintf(err, errlen, "journal %s is not an SQLite "
			    "database: %s; check [state] journal or move the "
			    "file aside", j->path, sqlite3_errmsg(j->db));
		else if ((rc & 0xff) == SQLITE_CORRUPT)
			goto corrupt;
		else
			snprintf(err, errlen, "journal %s: cannot read: %s",
			    j->path, sqlite3_errmsg(j->db));
		sqlite3_finalize(st);
		return (-1);
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;

	/* Bounded in what it reports; its time grows with the file. */
	snprintf(sql, sizeof(sql), "PRAGMA quick_check(%d)",
	    JOURNAL_CHECK_ERRORS);
	rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		goto corrupt;
	t = (const char *)sqlite3_column_text(st, 0);
	if (t == NULL || strcmp(t, "ok") != 0) {
		snprintf(err, errlen, "journal %s is corrupt: %s; move it "
		    "aside to start fresh", j->path, t == NULL ? "?" : t);
		sqlite3_finalize(st);
		return (-1);
	}
	sqlite3_finalize(st);
	st = NULL;

	if (version > JOURNAL_SCHEMA_VERSION) {
		snprintf(err, errlen, "journal %s has schema version %d, newer "
		    "than this databackup knows (%d); refusing to open it",
		    j->path, version, JOURNAL_SCHEMA_VERSION);
		return (-1);
	}
	if (version < 0) {
		snprintf(err, errlen, "journal %s has invalid schema version "
		    "%d", j->path, version);
		return (-1);
	}
	if (version == 0) {
		/* Version 0 must be empty: never build over another schema. */
		rc = sqlite3_prepare_v2(j->db,
		    "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			goto corrupt;
		objects = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (objects != 0) {
			snprintf(err, errlen, "journal %s is an SQLite "
			    "database but not a databackup journal (%d "
			    "objects, no schema version); check [state] "
			    "journal", j->path, objects);
			return (-1);
		}
	}
	return (version);

corrupt:
	snprintf(err, errlen, "journal %s is corrupt: %s; move it aside to "
	    "start fresh", j->path, sqlite3_errmsg(j->db));
	sqlite3_finalize(st);
	return (-1);
}

/* Run PRAGMA sql expecting one text row equal to want (NULL: any). */
static int
journal_pragma(struct journal *j, const char *sql, const char *want,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*t;
	int		 rc;

	rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "journal %s: %s: %s", j->path, sql,
		    sqlite3_errmsg(j->db));
		sqlite3_finalize(st);
		return (-1);
	}
	if (want != NULL) {
		t = rc == SQLITE_ROW ?
		    (const char *)sqlite3_column_text(st, 0) : NULL;
		if (t == NULL || strcasecmp(t, want) != 0) {
			snprintf(err, errlen, "journal %s: %s: got \"%s\", "
			    "want \"%s\"", j->path, sql, t == NULL ? "" : t,
			    want);
			sqlite3_finalize(st);
			return (-1);
		}
	}
	sqlite3_finalize(st);
	return (0);
}

/*
 * Bring the schema from version `from` to JOURNAL_SCHEMA_VERSION in one
 * transaction: either every step and the new user_version commit, or the
 * file stays as it was.
 */
static int
journal_migrate(struct journal *j, int from, char *err, size_t errlen)
{
	char	*msg = NULL, sql[64];
	int	 v;

	if (sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) !=
	    SQLITE_OK)
		goto fail;
	for (v = from; v < JOURNAL_SCHEMA_VERSION; v++) {
		if (sqlite3_exec(j->db, journal_migrations[v], NULL, NULL,
		    &msg) != SQLITE_OK)
			goto fail;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    JOURNAL_SCHEMA_VERSION);
	if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(j->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (from != 0)
		log_info("journal %s: schema migrated from version %d to %d",
		    j->path, from, JOURNAL_SCHEMA_VERSION);
	return (0);

fail:
	snprintf(err, errlen, "journal %s: migrating schema from version %d "
	    "to %d: %s", j->path, from, JOURNAL_SCHEMA_VERSION,
	    msg != NULL ? msg : sqlite3_errmsg(j->db));
	sqlite3_free(msg);
	if (!sqlite3_get_autocommit(j->db))
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}

/*
 * Open the journal at path, creating the file (not its directory) if it is
 * missing.  Returns a new handle, which the caller frees with
 * journal_close(); or NULL with a message naming the path in err.  An
 * existing file that is not a sound journal of a version we know is refused
 * and left exactly as it was.
 */
struct journal *
journal_open(const char *path, char *err, size_t errlen)
{
	struct journal	*j;
	struct stat	 sb;
	char		 cache[64];
	int		 flags, rc, version, i;

	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (stat(path, &sb) == -1) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "journal %s: %s", path,
			    strerror(errno));
			return (NULL);
		}
		flags |= SQLITE_OPEN_CREATE;
	} else if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "journal %s: not a regular file", path);
		return (NULL);
	}

	j = xcalloc(1, sizeof(*j));
	j->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &j->db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "journal %s: cannot open: %s (%s)", path,
		    j->db != NULL ? sqlite3_errmsg(j->db) : sqlite3_errstr(rc),
		    strerror(j->db != NULL ? sqlite3_system_errno(j->db) : 0));
		goto fail;
	}
	sqlite3_extended_result_codes(j->db, 1);
	/*
	 * Until the checks pass, closing must not checkpoint a WAL left by
	 * an earlier run into a file we are about to refuse.
	 */
	sqlite3_db_config(j->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_busy_timeout(j->db, JOURNAL_BUSY_TIMEOUT_MS);

	if ((version = journal_check(j, err, errlen)) == -1)
		goto fail;

	/* synchronous=FULL: a commit is on disk before we act on it. */
	snprintf(cache, sizeof(cache), "PRAGMA cache_size = -%d",
	    JOURNAL_CACHE_KIB);
	if (journal_pragma(j, "PRAGMA journal_mode = WAL", "wal", err,
	    errlen) == -1 ||
	    journal_pragma(j, "PRAGMA synchronous = FULL", NULL, err,
	    errlen) == -1 ||
	    journal_pragma(j, "PRAGMA foreign_keys = ON", NULL, err,
	    errlen) == -1 ||
	    journal_pragma(j, cache, NULL, err, errlen) == -1)
		goto fail;
	if (version < JOURNAL_SCHEMA_VERSION &&
	    journal_migrate(j, version, err, errlen) == -1)
		goto fail;

	for (i = 0; i < JST_COUNT; i++) {
		rc = sqlite3_prepare_v3(j->db, journal_stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &j->st[i], NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "journal %s: preparing statement "
			    "%d: %s", path, i, sqlite3_errmsg(j->db));
			goto fail;
		}
	}
	sqlite3_db_config(j->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
	return (j);

fail:
	journal_close(j);
	return (NULL);
}

/* Finalize the statements and close the file.  NULL is a no-op. */
void
journal_close(struct journal *j)
{
	int	 i;

	if (j == NULL)
		return;
	for (i = 0; i < JST_COUNT; i++)
		sqlite3_finalize(j->st[i]);
	if (j->db != NULL && sqlite3_close(j->db) != SQLITE_OK)
		log_warnx("journal %s: close: %s", j->path,
		    sqlite3_errmsg(j->db));
	free(j->path);
	free(j);
}

/* The last error, for logs and alerts.  Borrowed; valid until next call. */
const char *
journal_error(struct journal *j)
{
	if (j == NULL)
		return ("no journal");
	return (j->err[0] != '\0' ? j->err : "no error");
}

/* Insert run and set run->id.  0 on commit, -1 otherwise. */
int
journal_run_begin(struct journal *j, struct journal_run *run)
{
	static const char	 fn[] = "journal_run_begin";
	sqlite3_stmt		*st = j->st[JST_RUN_INSERT];
	int64_t			 id;

	if (journal_begin(j, fn) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, run->trigger, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, run->patterns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, run->day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, run->started_ms);
	sqlite3_bind_int64(st, 5, run->ended_ms);
	sqlite3_bind_text(st, 6, run->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, run->total);
	sqlite3_bind_int(st, 8, run->succeeded);
	sqlite3_bind_int(st, 9, run->failed);
	if (journal_step_done(j, st, fn, "insert") == -1) {
		journal_rollback(j);
		return (-1);
	}
	id = sqlite3_last_insert_rowid(j->db);
	if (journal_commit(j, fn) == -1)
		return (-1);
	run->id = id;
	return (0);
}

/* Write the run's end: ended_ms, outcome and counts. */
int
journal_run_end(struct journal *j, const struct journal_run *run)
{
	static const char	 fn[] = "journal_run_end";
	sqlite3_stmt		*st = j->st[JST_RUN_END];

	if (journal_begin(j, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, run->id);
	sqlite3_bind_int64(st, 2, run->ended_ms);
	sqlite3_bind_text(st, 3, run->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, run->total);
	sqlite3_bind_int(st, 5, run->succeeded);
	sqlite3_bind_int(st, 6, run->failed);
	if (journal_step_done(j, st, fn, "update") == -1)
		goto fail;
	if (sqlite3_changes(j->db) != 1) {
		journal_seterr(j, "%s: no run %" PRId64, fn, run->id);
		goto fail;
	}
	return (journal_commit(j, fn));

fail:
	journal_rollback(j);
	return (-1);
}

/* Step a statement expected to give at most one run row: 1, 0 or -1. */
static int
journal_one_run(struct journal *j, sqlite3_stmt *st, struct journal_run *run,
    const char *fn)
{
	int	 rc, found = -1;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		found = journal_read_run(j, st, 0, run, fn) == -1 ? -1 : 1;
	else if (rc == SQLITE_DONE)
		found = 0;
	else
		journal_sqlerr(j, fn, "select");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (found);
}

/* The newest run not yet ended: 1 (run filled), 0 none, -1 error. */
int
journal_run_open(struct journal *j, struct journal_run *run)
{
	if (journal_enter(j, "journal_run_open") == -1)
		return (-1);
	return (journal_one_run(j, j->st[JST_RUN_OPEN], run,
	    "journal_run_open"));
}

/*
 * Whether a scheduled or catch-up run exists for local day "YYYY-MM-DD":
 * 1 (newest id in *id), 0 none, -1 error.  Manual runs do not count, so a
 * manual run does not stop the day's catch-up.
 */
int
journal_run_for_day(struct journal *j, const char *day, int64_t *id)
{
	static const char	 fn[] = "journal_run_for_day";
	sqlite3_stmt		*st = j->st[JST_RUN_FOR_DAY];
	int			 rc, found = -1;

	if (journal_enter(j, fn) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		found = 1;
	} else if (rc == SQLITE_DONE)
		found = 0;
	else
		journal_sqlerr(j, fn, "select");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (found);
}

/* Run id: 1 (run filled), 0 no such run, -1 error. */
int
journal_run_get(struct journal *j, int64_t id, struct journal_run *run)
{
	sqlite3_stmt	*st = j->st[JST_RUN_GET];

	if (journal_enter(j, "journal_run_get") == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	return (journal_one_run(j, st, run, "journal_run_get"));
}

static int
journal_check_limit(struct journal *j, int limit, const char *fn)
{
	if (limit <= 0 || limit > JOURNAL_LIMIT_MAX) {
		journal_seterr(j, "%s: limit %d not in 1..%d", fn, limit,
		    JOURNAL_LIMIT_MAX);
		return (-1);
	}
	return (0);
}

/*
 * Call cb for each run started at or after since_ms, newest first, at most
 * limit of them.  cb borrows the run and must not call the journal.
 * Returns the number of runs, or -1.
 */
int
journal_runs(struct journal *j, int64_t since_ms, int limit,
    void (*cb)(const struct journal_run *, void *), void *arg)
{
	static const char	 fn[] = "journal_runs";
	sqlite3_stmt		*st = j->st[JST_RUNS];
	struct journal_run	 run;
	int			 rc, n = 0;

	if (journal_enter(j, fn) == -1 ||
	    journal_check_limit(j, limit, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (journal_read_run(j, st, 0, &run, fn) == -1) {
			n = -1;
			break;
		}
		j->in_callback = 1;
		cb(&run, arg);
		j->in_callback = 0;
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		journal_sqlerr(j, fn, "select");
		n = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (n);
}

/*
 * Insert job and set job->id.  A second job for the same database in the
 * same run is refused (-1).
 */
/* One job row, inside a caller's transaction; its rowid in *id. */
static int
journal_job_insert1(struct journal *j, const struct job *job, const char *fn,
    int64_t *id)
{
	sqlite3_stmt	*st = j->st[JST_JOB_INSERT];
	int		 rc;

	if (journal_bind_job(j, st, job, fn) == -1) {
		sqlite3_clear_bindings(st);
		return (-1);
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(j->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			journal_seterr(j, "%s: run %" PRId64 " already has "
			    "a job for %s/%s/%s", fn, job->run_id,
			    job_project(job), job_instance(job),
			    job_database(job));
		else
			journal_sqlerr(j, fn, "insert");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return (-1);
	*id = sqlite3_last_insert_rowid(j->db);
	return (0);
}

int
journal_job_insert(struct journal *j, struct job *job)
{
	return (journal_job_insert_many(j, &job, 1));
}

/*
 * Insert n jobs in one transaction: all or none.  A walk of a large
 * organisation finds thousands of databases at once, and one commit
 * (one fsync with synchronous=FULL) per job would cost seconds of the
 * master's time; one commit for all costs one.  The ids are set only
 * once the transaction has committed.
 */
int
journal_job_insert_many(struct journal *j, struct job **jobs, size_t n)
{
	static const char	 fn[] = "journal_job_insert";
	int64_t			*ids;
	size_t			 i;

	if (n == 0)
		return (0);
	ids = xcalloc(n, sizeof(*ids));
	if (journal_begin(j, fn) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (journal_job_insert1(j, jobs[i], fn, &ids[i]) == -1) {
			journal_rollback(j);
			goto out;
		}
	}
	if (journal_commit(j, fn) == -1)
		goto out;
	for (i = 0; i < n; i++)
		jobs[i]->id = ids[i];
	free(ids);
	return (0);
out:
	free(ids);
	return (-1);
}

/* The job update, inside a caller's transaction. */
static int
journal_job_update1(struct journal *j, const struct job *job, const char *fn)
{
	sqlite3_stmt	*st = j->st[JST_JOB_UPDATE];

	if (journal_bind_job(j, st, job, fn) == -1) {
		sqlite3_clear_bindings(st);
		return (-1);
	}
	sqlite3_bind_int64(st, 22, job->id);
	if (journal_step_done(j, st, fn, "update job") == -1)
		return (-1);
	if (sqlite3_changes(j->db) != 1) {
		journal_seterr(j, "%s: no job %" PRId64 " for %s/%s/%s in run "
		    "%" PRId64, fn, job->id, job_project(job),
		    job_instance(job), job_database(job), job->run_id);
		return (-1);
	}
	return (0);
}

/* The attempt row, inside a caller's transaction. */
static int
journal_attempt_add1(struct journal *j, const struct job *job,
    const char *outcome, const char *fn)
{
	sqlite3_stmt	*st = j->st[JST_ATTEMPT_ADD];
	const char	*status;

	if ((status = journal_status_text(job->last_status)) == NULL) {
		journal_seterr(j, "%s: job %" PRId64 ": invalid status %d", fn,
		    job->id, (int)job->last_status);
		return (-1);
	}
	sqlite3_bind_int64(st, 1, job->id);
	sqlite3_bind_int(st, 2, job->attempts);
	sqlite3_bind_int64(st, 3, job->started_ms);
	sqlite3_bind_int64(st, 4, job->ended_ms);
	sqlite3_bind_text(st, 5, journal_opt(job->operation), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 6, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, journal_opt(job->last_error), -1,
	    SQLITE_STATIC);
	return (journal_step_done(j, st, fn, "insert attempt"));
}

/*
 * Write every journaled field of job, found by id.  The identity (run,
 * project, instance, database) is not rewritten but must match.
 */
int
journal_job_update(struct journal *j, const struct job *job)
{
	static const char	 fn[] = "journal_job_update";

	if (journal_begin(j, fn) == -1)
		return (-1);
	if (journal_job_update1(j, job, fn) == -1) {
		journal_rollback(j);
		return (-1);
	}
	return (journal_commit(j, fn));
}

/*
 * Call cb for each job of run_id in id order; cb borrows a job whose
 * master-only fields are cleared (worker -1) and must not call the journal.
 * Returns the number of jobs, or -1.  Not LIMIT-ed: the master needs every
 * job of a run to resume it, and a run has one row per database.
 */
int
journal_jobs(struct journal *j, int64_t run_id,
    void (*cb)(const struct job *, void *), void *arg)
{
	static const char	 fn[] = "journal_jobs";
	sqlite3_stmt		*st = j->st[JST_JOBS];
	struct job		*job;
	int			 rc, n = 0;

	if (journal_enter(j, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((job = journal_read_job(j, st, 0, fn)) == NULL) {
			n = -1;
			break;
		}
		j->in_callback = 1;
		cb(job, arg);
		j->in_callback = 0;
		job_free(job);
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		journal_sqlerr(j, fn, "select");
		n = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (n);
}

/*
 * Record attempt job->attempts of job from its current fields, with outcome
 * ("succeeded", "failed", "retry", ...).  Recording the same attempt again
 * replaces the row, so a repeated write after a crash is harmless.
 */
int
journal_attempt_add(struct journal *j, const struct job *job,
    const char *outcome)
{
	static const char	 fn[] = "journal_attempt_add";

	if (journal_begin(j, fn) == -1)
		return (-1);
	if (journal_attempt_add1(j, job, outcome, fn) == -1) {
		journal_rollback(j);
		return (-1);
	}
	return (journal_commit(j, fn));
}

/*
 * The end of an attempt as one transition: update the job and record the
 * attempt in one transaction, so a crash cannot leave one without the other.
 */
int
journal_job_finish_attempt(struct journal *j, const struct job *job,
    const char *outcome)
{
	static const char	 fn[] = "journal_job_finish_attempt";

	if (journal_begin(j, fn) == -1)
		return (-1);
	if (journal_job_update1(j, job, fn) == -1 ||
	    journal_attempt_add1(j, job, outcome, fn) == -1) {
		journal_rollback(j);
		return (-1);
	}
	return (journal_commit(j, fn));
}

/* Bind ?1-?3 to p/i/d and step a one-integer query: 1, 0 or -1. */
static int
journal_db_int(struct journal *j, sqlite3_stmt *st, const char *project,
    const char *instance, const char *database, int64_t *out, const char *fn)
{
	int	 rc, found = -1;

	if (journal_enter(j, fn) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, database, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			found = 0;
		else {
			*out = sqlite3_column_int64(st, 0);
			found = 1;
		}
	} else if (rc == SQLITE_DONE)
		found = 0;
	else
		journal_sqlerr(j, fn, "select");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (found);
}

/*
 * Predicted export duration of a database: the longest (ended_ms -
 * started_ms) of its last JOURNAL_PREDICT_RUNS successful exports.  The max
 * rather than a mean or an EWMA because the prediction orders instances and
 * paces polling: overestimating a chain costs a little idle time at the end
 * of a run, underestimating starts the longest chain late and lengthens the
 * whole run; and a database that grows is caught at once.  One slow outlier
 * ages out after JOURNAL_PREDICT_RUNS successes.  1 found, 0 none, -1 error.
 */
int
journal_predict_ms(struct journal *j, const char *project,
    const char *instance, const char *database, int64_t *ms)
{
	sqlite3_bind_int(j->st[JST_PREDICT], 4, JOURNAL_PREDICT_RUNS);
	return (journal_db_int(j, j->st[JST_PREDICT], project, instance,
	    database, ms, "journal_predict_ms"));
}

/* When the database was last exported successfully: 1, 0 never, -1. */
int
journal_last_success(struct journal *j, const char *project,
    const char *instance, const char *database, int64_t *ended_ms)
{
	return (journal_db_int(j, j->st[JST_LAST_SUCCESS], project, instance,
	    database, ended_ms, "journal_last_success"));
}

/*
 * Delete runs that started before older_than_ms and have ended, with their
 * jobs and attempts, children first, oldest run first.  One call is one
 * transaction touching at most max_rows jobs of one run (and their
 * attempts) and max_rows emptied runs, so it never holds the loop for
 * long; call again (from a timer) until it returns 0.
 * Returns the number of rows deleted, or -1.
 */
int
journal_prune(struct journal *j, int64_t older_than_ms, int max_rows)
{
	static const char	 fn[] = "journal_prune";
	static const enum journal_stmt order[] = {
		JST_PRUNE_ATTEMPTS, JST_PRUNE_JOBS, JST_PRUNE_RUNS
	};
	sqlite3_stmt		*st;
	size_t			 i;
	int			 n = 0;

	if (journal_enter(j, fn) == -1 ||
	    journal_check_limit(j, max_rows, fn) == -1)
		return (-1);
	if (journal_begin(j, fn) == -1)
		return (-1);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		st = j->st[order[i]];
		sqlite3_bind_int64(st, 1, older_than_ms);
		sqlite3_bind_int(st, 2, max_rows);
		if (journal_step_done(j, st, fn, "delete") == -1) {
			journal_rollback(j);
			return (-1);
		}
		n += sqlite3_changes(j->db);
	}
	if (journal_commit(j, fn) == -1)
		return (-1);
	return (n);
}

/*
 * Call cb for each job (with its run) of runs started at or after
 * since_ms, newest run first, at most limit jobs; only jobs that ended
 * failed if failed_only.  cb borrows both and must not call the journal.
 * Returns the number of jobs, or -1.
 */
int
journal_history(struct journal *j, int64_t since_ms, int failed_only,
    int limit, void (*cb)(const struct journal_run *, const struct job *,
    void *), void *arg)
{
	static const char	 fn[] = "journal_history";
	sqlite3_stmt		*st = j->st[JST_HISTORY];
	struct journal_run	 run;
	struct job		*job;
	int			 rc, n = 0;

	if (journal_enter(j, fn) == -1 ||
	    journal_check_limit(j, limit, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int(st, 2, failed_only != 0);
	sqlite3_bind_int(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((job = journal_read_job(j, st, 0, fn)) == NULL) {
			n = -1;
			break;
		}
		if (journal_read_run(j, st, JOB_NCOLS, &run, fn) == -1) {
			job_free(job);
			n = -1;
			break;
		}
		j->in_callback = 1;
		cb(&run, job, arg);
		j->in_callback = 0;
		job_free(job);
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		journal_sqlerr(j, fn, "select");
		n = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (n);
}

/*
 * Coverage: call cb(project, instance, database, last_ms, arg) for each
 * database in the journal whose newest successful export ended before
 * older_than_ms, or never (last_ms 0, always listed), oldest first, at most
 * limit.
 * A database dropped from discovery stays here until its runs are pruned,
 * which is the point: nobody exports it any more.  cb borrows the strings
 * and must not call the journal.  Returns the count, or -1.
 */
int
journal_stale(struct journal *j, int64_t older_than_ms, int limit,
    void (*cb)(const char *, const char *, const char *, int64_t, void *),
    void *arg)
{
	static const char	 fn[] = "journal_stale";
	sqlite3_stmt		*st = j->st[JST_STALE];
	int			 rc, n = 0;

	if (journal_enter(j, fn) == -1 ||
	    journal_check_limit(j, limit, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, older_than_ms);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		j->in_callback = 1;
		cb((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    sqlite3_column_int64(st, 3), arg);
		j->in_callback = 0;
		n++;
	}
	if (rc != SQLITE_DONE) {
		journal_sqlerr(j, fn, "select");
		n = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (n);
}

/*
 * Whether a write commits now: rewrite the schema version in a transaction
 * of its own.  The master calls it when a write failed earlier and it has
 * nothing else to write, to learn that the disk has room again.
 * 0 on commit, -1 otherwise.
 */
int
journal_probe(struct journal *j)
{
	static const char	 fn[] = "journal_probe";
	char			 sql[64];

	if (journal_begin(j, fn) == -1)
		return (-1);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    JOURNAL_SCHEMA_VERSION);
	if (sqlite3_exec(j->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		journal_sqlerr(j, fn, "write");
		journal_rollback(j);
		return (-1);
	}
	return (journal_commit(j, fn));
}

/*
 * Cap the file at pages database pages (PRAGMA max_page_count); a write
 * that needs more fails as if the disk were full.  Lets an operator bound
 * the journal, and tests simulate SQLITE_FULL.  Returns the cap in effect,
 * which SQLite never sets below the current size; -1 on error.
 */
int64_t
journal_set_max_pages(struct journal *j, int64_t pages)
{
	sqlite3_stmt	*st = NULL;
	char		 sql[64];
	int64_t		 v = -1;

	if (journal_enter(j, "journal_set_max_pages") == -1)
		return (-1);
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %" PRId64, pages);
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		journal_sqlerr(j, "journal_set_max_pages", "pragma");
	sqlite3_finalize(st);
	return (v);
}

/*
 * Remove a job that never started an export (a reload excluded it) with
 * its attempts, in one transaction.  Rare, so the statements are prepared
 * here rather than kept.  Returns 0 or -1.
 */
int
journal_job_delete(struct journal *j, int64_t id)
{
	static const char	 fn[] = "journal_job_delete";
	static const char	*sql[] = {
		"DELETE FROM attempts WHERE job_id = ?1",
		"DELETE FROM jobs WHERE id = ?1",
	};
	sqlite3_stmt		*st;
	size_t			 i;
	int			 rc;

	if (journal_begin(j, fn) == -1)
		return (-1);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (sqlite3_prepare_v2(j->db, sql[i], -1, &st, NULL) !=
		    SQLITE_OK) {
			journal_seterr(j, "%s: %s", fn, sqlite3_errmsg(j->db));
			journal_rollback(j);
			return (-1);
		}
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			journal_seterr(j, "%s: %s", fn, sqlite3_errmsg(j->db));
			journal_rollback(j);
			return (-1);
		}
	}
	return (journal_commit(j, fn));
}
