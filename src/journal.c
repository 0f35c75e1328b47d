/*
 * journal.c: the SQLite journal of runs, jobs and attempts, written only by
 * the master: here the handle (open, close, its error text) and the
 * transaction every write runs in.
 *
 * Every write is one BEGIN IMMEDIATE ... COMMIT transaction covering one
 * transition, with statements prepared once at open; a failed write rolls
 * back and leaves the handle usable, so a later write succeeds once the disk
 * has room again.  The file is opened in WAL mode with synchronous=FULL,
 * because the commit is the point after which the master acts.  What is
 * *not* here: the schema, its migrations and the open-time checks
 * (journal-schema.c), the writes themselves (journal-write.c), the queries
 * (journal-query.c), the job state machine (job.c), the decision of what
 * to journal when (master.c), and any logging of write failures, which the
 * caller does with journal_error().
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "journal-int.h"
#include "log.h"
#include "xmalloc.h"

#define JOURNAL_BUSY_TIMEOUT_MS	500	/* only the master writes */

/* Set the text journal_error() returns; the path is appended. */
void
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
void
journal_sqlerr(struct journal *j, const char *fn, const char *what)
{
	journal_seterr(j, "%s: %s: %s", fn, what, sqlite3_errmsg(j->db));
}

/*
 * Undo the open transaction, if any.  SQLite may already have rolled back
 * by itself (SQLITE_FULL, SQLITE_IOERR), hence the autocommit test.  The
 * error text is kept: it says why we got here.
 */
void
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
int
journal_enter(struct journal *j, const char *fn)
{
	if (j->in_callback) {
		journal_seterr(j, "%s: called from a journal callback", fn);
		return (-1);
	}
	return (0);
}

/* Run a statement that returns no rows, then reset it.  0 or -1. */
int
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

int
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

int
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
 * The end of a transition begun with journal_begin(): commit it when rc,
 * the result of its writes, is 0; otherwise undo it.  0 or -1.
 */
int
journal_end(struct journal *j, const char *fn, int rc)
{
	if (rc == -1) {
		journal_rollback(j);
		return (-1);
	}
	return (journal_commit(j, fn));
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
	return (journal_end(j, fn, failed ? -1 : 0));
}

/* Whether limit is a row count a query may ask for: 0, or -1 (error set). */
int
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
	int		 flags, rc;

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

	if (journal_schema_open(j, err, errlen) == -1)
		goto fail;
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
	int			 rc = 0;

	if (journal_begin(j, fn) == -1)
		return (-1);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    JOURNAL_SCHEMA_VERSION);
	if (sqlite3_exec(j->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		journal_sqlerr(j, fn, "write");
		rc = -1;
	}
	return (journal_end(j, fn, rc));
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

/* A statement prepared when used (rare ones, not kept open). */
sqlite3_stmt *
journal_prepare(struct journal *j, const char *sql, const char *fn)
{
	sqlite3_stmt	*st;

	if (journal_enter(j, fn) == -1)
		return (NULL);
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		journal_sqlerr(j, fn, "prepare");
		return (NULL);
	}
	return (st);
}

/* Text column i into buf, "" for NULL. */
void
journal_col(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char	*s = sqlite3_column_text(st, i);

	strlcpy(buf, s != NULL ? (const char *)s : "", len);
}
