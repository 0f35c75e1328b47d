/*
 * journal-query.c: the read side of the journal: every query (the open
 * run, runs by day and id, the runs listing, a run's jobs, a database's
 * prediction and last success, history and stale databases), each stepped
 * through journal_rows() and read back into runs and jobs.
 *
 * Reads never open a transaction and never write.  A callback borrows what
 * it is given and must not call the journal: journal_enter() refuses it.
 * What is *not* here: the SQL (journal-schema.c) and any write
 * (journal-write.c).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "journal-int.h"
#include "log.h"

#define JOURNAL_PREDICT_RUNS	5	/* successes a prediction looks at */

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
	if (t == NULL || job_state_from_name(t, &job->state) == -1) {
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

/*
 * Step st, which the caller has bound, calling row(j, st, fn, arg) for
 * each row, then reset it and clear its bindings.  row returns 1 for a row
 * that counts, 0 for one that does not, or -1 with the journal's error
 * set, which ends the loop.  row runs as a callback of ours, so nothing it
 * calls may call the journal.  Returns the number of rows counted, or -1.
 */
static int
journal_rows(struct journal *j, sqlite3_stmt *st, const char *fn,
    int (*row)(struct journal *, sqlite3_stmt *, const char *, void *),
    void *arg)
{
	int	 rc, n = 0, counted;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		j->in_callback = 1;
		counted = row(j, st, fn, arg);
		j->in_callback = 0;
		if (counted == -1) {
			n = -1;
			break;
		}
		n += counted;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		journal_sqlerr(j, fn, "select");
		n = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (n);
}

/* A row of a one-run query: the run into arg. */
static int
journal_run_row(struct journal *j, sqlite3_stmt *st, const char *fn,
    void *arg)
{
	return (journal_read_run(j, st, 0, arg, fn) == -1 ? -1 : 1);
}

/* A row of a one-integer query: column 0 into arg; NULL does not count. */
static int
journal_int_row(struct journal *j, sqlite3_stmt *st, const char *fn,
    void *arg)
{
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		return (0);
	*(int64_t *)arg = sqlite3_column_int64(st, 0);
	return (1);
}

/* The newest run not yet ended: 1 (run filled), 0 none, -1 error. */
int
journal_run_open(struct journal *j, struct journal_run *run)
{
	static const char	 fn[] = "journal_run_open";

	if (journal_enter(j, fn) == -1)
		return (-1);
	return (journal_rows(j, j->st[JST_RUN_OPEN], fn, journal_run_row,
	    run));
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

	if (journal_enter(j, fn) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	return (journal_rows(j, st, fn, journal_int_row, id));
}

/* Run id: 1 (run filled), 0 no such run, -1 error. */
int
journal_run_get(struct journal *j, int64_t id, struct journal_run *run)
{
	static const char	 fn[] = "journal_run_get";
	sqlite3_stmt		*st = j->st[JST_RUN_GET];

	if (journal_enter(j, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	return (journal_rows(j, st, fn, journal_run_row, run));
}

/*
 * Enter a listing query: refuse a call from a callback and a limit out of
 * range, then bind ms to ?1 and limit to ?2 of st.  0, or -1 (error set).
 */
static int
journal_list(struct journal *j, sqlite3_stmt *st, const char *fn,
    int64_t ms, int limit)
{
	if (journal_enter(j, fn) == -1 ||
	    journal_check_limit(j, limit, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, ms);
	sqlite3_bind_int(st, 2, limit);
	return (0);
}

/*
 * The caller's callback of a listing query, and its argument: each query
 * sets the member of its own type.
 */
struct journal_cb {
	union {
		void	 (*run)(const struct journal_run *, void *);
		void	 (*job)(const struct job *, void *);
		void	 (*history)(const struct journal_run *,
			    const struct job *, void *);
		void	 (*stale)(const char *, const char *, const char *,
			    int64_t, void *);
		void	 (*health)(const struct journal_db *, void *);
	}	 cb;
	void	*arg;
};

static int
journal_runs_row(struct journal *j, sqlite3_stmt *st, const char *fn,
    void *arg)
{
	struct journal_cb	*c = arg;
	struct journal_run	 run;

	if (journal_read_run(j, st, 0, &run, fn) == -1)
		return (-1);
	c->cb.run(&run, c->arg);
	return (1);
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
	struct journal_cb	 c = { .cb.run = cb, .arg = arg };

	if (journal_list(j, st, fn, since_ms, limit) == -1)
		return (-1);
	return (journal_rows(j, st, fn, journal_runs_row, &c));
}

static int
journal_jobs_row(struct journal *j, sqlite3_stmt *st, const char *fn,
    void *arg)
{
	struct journal_cb	*c = arg;
	struct job		*job;

	if ((job = journal_read_job(j, st, 0, fn)) == NULL)
		return (-1);
	c->cb.job(job, c->arg);
	job_free(job);
	return (1);
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
	struct journal_cb	 c = { .cb.job = cb, .arg = arg };

	if (journal_enter(j, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, run_id);
	return (journal_rows(j, st, fn, journal_jobs_row, &c));
}

/*
 * Bind ?1-?3 to project/instance/database and step a one-integer query:
 * 1 (value in *out), 0 none, -1 error.
 */
static int
journal_db_int(struct journal *j, sqlite3_stmt *st, const char *project,
    const char *instance, const char *database, int64_t *out, const char *fn)
{
	if (journal_enter(j, fn) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, database, -1, SQLITE_STATIC);
	return (journal_rows(j, st, fn, journal_int_row, out));
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
	/* The same value every time: safe to bind before the entry check. */
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

static int
journal_history_row(struct journal *j, sqlite3_stmt *st, const char *fn,
    void *arg)
{
	struct journal_cb	*c = arg;
	struct journal_run	 run;
	struct job		*job;

	if ((job = journal_read_job(j, st, 0, fn)) == NULL)
		return (-1);
	if (journal_read_run(j, st, JOURNAL_JOB_NCOLS, &run, fn) == -1) {
		job_free(job);
		return (-1);
	}
	c->cb.history(&run, job, c->arg);
	job_free(job);
	return (1);
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
	struct journal_cb	 c = { .cb.history = cb, .arg = arg };

	if (journal_list(j, st, fn, since_ms, limit) == -1)
		return (-1);
	sqlite3_bind_int(st, 3, failed_only != 0);
	return (journal_rows(j, st, fn, journal_history_row, &c));
}

static int
journal_stale_row(struct journal *j, sqlite3_stmt *st, const char *fn,
    void *arg)
{
	struct journal_cb	*c = arg;

	c->cb.stale((const char *)sqlite3_column_text(st, 0),
	    (const char *)sqlite3_column_text(st, 1),
	    (const char *)sqlite3_column_text(st, 2),
	    sqlite3_column_int64(st, 3), c->arg);
	return (1);
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
	struct journal_cb	 c = { .cb.stale = cb, .arg = arg };

	if (journal_list(j, st, fn, older_than_ms, limit) == -1)
		return (-1);
	return (journal_rows(j, st, fn, journal_stale_row, &c));
}

/* A column's text, "" for NULL. */
static const char *
journal_text_or_empty(sqlite3_stmt *st, int col)
{
	const char	*s = (const char *)sqlite3_column_text(st, col);

	return (s != NULL ? s : "");
}

static int
journal_health_row(struct journal *j, sqlite3_stmt *st, const char *fn,
    void *arg)
{
	struct journal_cb	*c = arg;
	struct journal_db	 db;
	const char		*fail, *tab;

	memset(&db, 0, sizeof(db));
	db.project = journal_text_or_empty(st, 0);
	db.instance = journal_text_or_empty(st, 1);
	db.database = journal_text_or_empty(st, 2);
	db.first_ms = sqlite3_column_int64(st, 3);
	db.last_ms = sqlite3_column_int64(st, 4);
	db.attempt_ms = sqlite3_column_int64(st, 5);
	db.object = journal_text_or_empty(st, 6);
	db.crc32c = journal_text_or_empty(st, 7);
	/* "TIME\tERROR", one column for one lookup. */
	fail = journal_text_or_empty(st, 8);
	db.error = "";
	if ((tab = strchr(fail, '\t')) != NULL) {
		db.fail_ms = strtoll(fail, NULL, 10);
		db.error = tab + 1;
	}
	db.failures = sqlite3_column_int(st, 9);
	c->cb.health(&db, c->arg);
	return (1);
}

/*
 * Health: call cb for each database the journal knows, by name, at most
 * limit, with its newest verified export (object, crc32c), newest attempt,
 * newest failed attempt (time, error) and its newest job's failures.  Like journal_stale, a
 * database stays until its runs are pruned.  cb borrows the row and must
 * not call the journal.  Returns the count, or -1.
 */
int
journal_health(struct journal *j, int limit,
    void (*cb)(const struct journal_db *, void *), void *arg)
{
	static const char	 fn[] = "journal_health";
	sqlite3_stmt		*st = j->st[JST_HEALTH];
	struct journal_cb	 c = { .cb.health = cb, .arg = arg };

	if (journal_enter(j, fn) == -1 ||
	    journal_check_limit(j, limit, fn) == -1)
		return (-1);
	sqlite3_bind_int(st, 1, limit);
	return (journal_rows(j, st, fn, journal_health_row, &c));
}
