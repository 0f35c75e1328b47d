/*
 * journal-blocker.c: the operations that held instances (table blockers):
 * per instance and type, how long the newest lasted.  A hint for the next
 * wait, written when one is seen to end; rare, so prepared when used.  A
 * survey that found nothing holding an instance leaves a row of type ""
 * and duration 0: when its operations were last read.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "journal-int.h"

/* An operation of type held project/instance for ms, seen at seen_ms. */
int
journal_blocker_put(struct journal *j, const char *project,
    const char *instance, const char *type, int64_t ms, int64_t seen_ms)
{
	static const char	 fn[] = "journal_blocker_put";
	sqlite3_stmt		*st;
	int			 rv;

	if ((st = journal_prepare(j, "INSERT OR REPLACE INTO blockers"
	    " (project, instance, type, duration_ms, seen_ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", fn)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, ms);
	sqlite3_bind_int64(st, 5, seen_ms);
	rv = journal_step_done(j, st, fn, "insert");
	sqlite3_finalize(st);
	return (rv);
}

/* How long project/instance's last operation of type lasted: 1, 0, -1. */
int
journal_blocker_get(struct journal *j, const char *project,
    const char *instance, const char *type, int64_t *ms)
{
	static const char	 fn[] = "journal_blocker_get";
	sqlite3_stmt		*st;
	int			 rc;

	*ms = 0;
	if ((st = journal_prepare(j, "SELECT duration_ms FROM blockers"
	    " WHERE project = ?1 AND instance = ?2 AND type = ?3", fn)) ==
	    NULL)
		return (-1);
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ms = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		journal_sqlerr(j, fn, "select");
	sqlite3_finalize(st);
	return (rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1);
}

/* The longest hold of project/instance, any type: 1, 0 none, -1. */
int
journal_blocker_longest(struct journal *j, const char *project,
    const char *instance, int64_t *ms)
{
	static const char	 fn[] = "journal_blocker_longest";
	sqlite3_stmt		*st;
	int			 rc;

	*ms = 0;
	if ((st = journal_prepare(j, "SELECT max(duration_ms) FROM blockers"
	    " WHERE project = ?1 AND instance = ?2", fn)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, instance, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ms = sqlite3_column_int64(st, 0);	/* NULL: 0 */
	else
		journal_sqlerr(j, fn, "select");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return (-1);
	return (*ms > 0 ? 1 : 0);
}

/* When project/instance was last surveyed or seen held: 1, 0 never, -1. */
int
journal_blocker_seen(struct journal *j, const char *project,
    const char *instance, int64_t *seen_ms)
{
	static const char	 fn[] = "journal_blocker_seen";
	sqlite3_stmt		*st;
	int			 rc;

	*seen_ms = 0;
	if ((st = journal_prepare(j, "SELECT max(seen_ms) FROM blockers"
	    " WHERE project = ?1 AND instance = ?2", fn)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, instance, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seen_ms = sqlite3_column_int64(st, 0);	/* NULL: 0 */
	else
		journal_sqlerr(j, fn, "select");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return (-1);
	return (*seen_ms > 0 ? 1 : 0);
}

/* cb(type, ms) for the newest limit rows, oldest first; their count or -1. */
int
journal_blockers(struct journal *j, int limit,
    void (*cb)(const char *, int64_t, void *), void *arg)
{
	static const char	 fn[] = "journal_blockers";
	sqlite3_stmt		*st;
	char			 type[64];
	int			 rc, n = 0;

	if ((st = journal_prepare(j, "SELECT type, duration_ms FROM"
	    " (SELECT type, duration_ms, seen_ms FROM blockers"
	    " WHERE duration_ms > 0 ORDER BY seen_ms DESC LIMIT ?1) ORDER BY seen_ms", fn)) == NULL)
		return (-1);
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		journal_col(st, 0, type, sizeof(type));
		cb(type, sqlite3_column_int64(st, 1), arg);
		n++;
	}
	if (rc != SQLITE_DONE)
		journal_sqlerr(j, fn, "select");
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? n : -1);
}
