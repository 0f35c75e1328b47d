/*
 * journal-write.c: the write side of the journal: runs begun and ended,
 * jobs inserted, updated and deleted, attempts recorded, and pruning, each
 * call one transition in one transaction (journal_begin() ...
 * journal_end()).
 *
 * What is *not* here: the transaction and batch plumbing (journal.c), the
 * SQL (journal-schema.c), and anything that reads rows back
 * (journal-query.c).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "journal-int.h"
#include "xmalloc.h"

/* An optional string of a job as SQL wants it: "" when unset. */
static const char *
journal_opt(const char *s)
{
	return (s != NULL ? s : "");
}

/*
 * Bind parameters ?1-?21 of JST_JOB_INSERT / JST_JOB_UPDATE.  State and
 * status are stored as their names: job_state_name() and
 * journal_status_text().
 */
static int
journal_bind_job(struct journal *j, sqlite3_stmt *st, const struct job *job,
    const char *fn)
{
	const char	*status;

	if ((unsigned)job->state >= JOB_STATE_COUNT) {
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
	sqlite3_bind_text(st, 7, job_state_name(job->state), -1,
	    SQLITE_STATIC);
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
 * Bind what a run's end sets (ended_ms, outcome and counts) to parameters
 * first..first+4 of st: a run is inserted with them and ended with them.
 */
static void
journal_bind_run_end(sqlite3_stmt *st, const struct journal_run *run,
    int first)
{
	sqlite3_bind_int64(st, first, run->ended_ms);
	sqlite3_bind_text(st, first + 1, run->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, first + 2, run->total);
	sqlite3_bind_int(st, first + 3, run->succeeded);
	sqlite3_bind_int(st, first + 4, run->failed);
}

/* Insert run and set run->id.  0 on commit, -1 otherwise. */
int
journal_run_begin(struct journal *j, struct journal_run *run)
{
	static const char	 fn[] = "journal_run_begin";
	sqlite3_stmt		*st = j->st[JST_RUN_INSERT];
	int64_t			 id;
	int			 rc;

	if (journal_begin(j, fn) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, run->trigger, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, run->patterns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, run->day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, run->started_ms);
	journal_bind_run_end(st, run, 5);
	rc = journal_step_done(j, st, fn, "insert");
	id = sqlite3_last_insert_rowid(j->db);
	if (journal_end(j, fn, rc) == -1)
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
	int			 rc;

	if (journal_begin(j, fn) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, run->id);
	journal_bind_run_end(st, run, 2);
	rc = journal_step_done(j, st, fn, "update");
	if (rc == 0 && sqlite3_changes(j->db) != 1) {
		journal_seterr(j, "%s: no run %" PRId64, fn, run->id);
		rc = -1;
	}
	return (journal_end(j, fn, rc));
}

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

/*
 * Insert job and set job->id.  A second job for the same database in the
 * same run is refused (-1).
 */
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
	int			 rc = 0;

	if (n == 0)
		return (0);
	if (journal_begin(j, fn) == -1)
		return (-1);
	ids = xcalloc(n, sizeof(*ids));
	for (i = 0; i < n && rc == 0; i++)
		rc = journal_job_insert1(j, jobs[i], fn, &ids[i]);
	if ((rc = journal_end(j, fn, rc)) == 0) {
		for (i = 0; i < n; i++)
			jobs[i]->id = ids[i];
	}
	free(ids);
	return (rc);
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
	return (journal_end(j, fn, journal_job_update1(j, job, fn)));
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
	return (journal_end(j, fn, journal_attempt_add1(j, job, outcome, fn)));
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
	int			 rc;

	if (journal_begin(j, fn) == -1)
		return (-1);
	rc = journal_job_update1(j, job, fn);
	if (rc == 0)
		rc = journal_attempt_add1(j, job, outcome, fn);
	return (journal_end(j, fn, rc));
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
	int			 n = 0, rc = 0;

	if (journal_enter(j, fn) == -1 ||
	    journal_check_limit(j, max_rows, fn) == -1)
		return (-1);
	if (journal_begin(j, fn) == -1)
		return (-1);
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && rc == 0; i++) {
		st = j->st[order[i]];
		sqlite3_bind_int64(st, 1, older_than_ms);
		sqlite3_bind_int(st, 2, max_rows);
		if ((rc = journal_step_done(j, st, fn, "delete")) == 0)
			n += sqlite3_changes(j->db);
	}
	if (journal_end(j, fn, rc) == -1)
		return (-1);
	return (n);
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
	int			 rc = SQLITE_DONE;

	if (journal_begin(j, fn) == -1)
		return (-1);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && rc == SQLITE_DONE;
	    i++) {
		rc = sqlite3_prepare_v2(j->db, sql[i], -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, id);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
		}
		if (rc != SQLITE_DONE)
			journal_seterr(j, "%s: %s", fn, sqlite3_errmsg(j->db));
	}
	return (journal_end(j, fn, rc == SQLITE_DONE ? 0 : -1));
}
