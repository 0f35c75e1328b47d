/*
 * journal-restore.c: what a restore asks of the journal (the export to
 * read back) and its own record (table restores), drills, and how the
 * prunes of [retention] ended (table retention).  All are rare, so their
 * statements are prepared when used rather than at open.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "journal-int.h"
#include "restore.h"
#include "xmalloc.h"

#define JOURNAL_EXPORT_COLS \
	"j.project, j.instance, j.\"database\", j.version, j.object, r.day," \
	" j.size, j.ended_ms FROM jobs j JOIN runs r ON r.id = j.run_id"

/* Step st for one export row into e: 1 found, 0 none, -1 error. */
static int
journal_export_row(struct journal *j, sqlite3_stmt *st,
    struct journal_export *e, const char *fn)
{
	int	 rc;

	memset(e, 0, sizeof(*e));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		journal_col(st, 0, e->project, sizeof(e->project));
		journal_col(st, 1, e->instance, sizeof(e->instance));
		journal_col(st, 2, e->database, sizeof(e->database));
		journal_col(st, 3, e->version, sizeof(e->version));
		journal_col(st, 4, e->object, sizeof(e->object));
		journal_col(st, 5, e->day, sizeof(e->day));
		e->size = (uint64_t)sqlite3_column_int64(st, 6);
		e->ended_ms = sqlite3_column_int64(st, 7);
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else {
		journal_sqlerr(j, fn, "select");
		rc = -1;
	}
	sqlite3_finalize(st);
	return (rc);
}

/*
 * The newest verified export of a database, of its run for day (local
 * YYYY-MM-DD, as history shows it) unless day is NULL or "".  1 with it
 * in e, 0 if there is none, -1 on error.
 */
int
journal_restore_source(struct journal *j, const char *project,
    const char *instance, const char *database, const char *day,
    struct journal_export *e)
{
	static const char	 fn[] = "journal_restore_source";
	sqlite3_stmt		*st;

	if ((st = journal_prepare(j, "SELECT " JOURNAL_EXPORT_COLS
	    " WHERE j.project = ?1 AND j.instance = ?2"
	    " AND j.\"database\" = ?3 AND j.state = 'succeeded'"
	    " AND (?4 = '' OR r.day = ?4)"
	    " ORDER BY j.ended_ms DESC, j.id DESC LIMIT 1", fn)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, database, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, day != NULL ? day : "", -1, SQLITE_STATIC);
	return (journal_export_row(j, st, e, fn));
}

/* The verified export that wrote object: 1 with it in e, 0, or -1. */
int
journal_export_by_object(struct journal *j, const char *object,
    struct journal_export *e)
{
	static const char	 fn[] = "journal_export_by_object";
	sqlite3_stmt		*st;

	if ((st = journal_prepare(j, "SELECT " JOURNAL_EXPORT_COLS
	    " WHERE j.object = ?1 AND j.state = 'succeeded'"
	    " ORDER BY j.ended_ms DESC LIMIT 1", fn)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, object, -1, SQLITE_STATIC);
	return (journal_export_row(j, st, e, fn));
}

/* Run a prepared write in its own transaction; 0 or -1. */
static int
journal_restore_write(struct journal *j, sqlite3_stmt *st, const char *fn)
{
	int	 rc;

	if (journal_begin(j, fn) == -1) {
		sqlite3_finalize(st);
		return (-1);
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc == -1)
		journal_sqlerr(j, fn, "write");
	sqlite3_finalize(st);
	return (journal_end(j, fn, rc));
}

/* A new restore's row; its id into r->id. */
int
journal_restore_insert(struct journal *j, struct restore *r)
{
	static const char	 fn[] = "journal_restore_insert";
	sqlite3_stmt		*st;

	if ((st = journal_prepare(j, "INSERT INTO restores (requested_ms,"
	    " source, uri, project, instance, \"database\", replace, dry_run,"
	    " state, drill) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    fn)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, r->requested_ms);
	sqlite3_bind_text(st, 2, r->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->uri, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->database, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, r->replace);
	sqlite3_bind_int(st, 8, r->dry_run);
	sqlite3_bind_text(st, 9, restore_state_name(r->state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, r->drill);
	if (journal_restore_write(j, st, fn) == -1)
		return (-1);
	r->id = sqlite3_last_insert_rowid(j->db);
	return (0);
}

/* A restore's state, size, error and steps as they are now. */
int
journal_restore_update(struct journal *j, const struct restore *r)
{
	static const char	 fn[] = "journal_restore_update";
	sqlite3_stmt		*st;

	if ((st = journal_prepare(j, "UPDATE restores SET state = ?2,"
	    " ended_ms = ?3, size = ?4, error = ?5, steps = ?6, project = ?7,"
	    " instance = ?8, \"database\" = ?9 WHERE id = ?1", fn)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, restore_state_name(r->state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->ended_ms);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->size);
	sqlite3_bind_text(st, 5, r->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->plan != NULL ? r->plan : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->database, -1, SQLITE_STATIC);
	return (journal_restore_write(j, st, fn));
}

/*
 * At start: restores a stopped or dead daemon left unfinished end failed,
 * with why, and so do their drills.  Returns how many restores, or -1.
 */
int
journal_restore_interrupted(struct journal *j, int64_t now_ms,
    const char *why)
{
	static const char	 fn[] = "journal_restore_interrupted";
	sqlite3_stmt		*st;
	int			 n;

	if ((st = journal_prepare(j, "UPDATE restores SET state = 'failed',"
	    " ended_ms = ?1, error = ?2 WHERE state IN ('queued', 'running')",
	    fn)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	if (journal_restore_write(j, st, fn) == -1)
		return (-1);
	n = sqlite3_changes(j->db);
	/* The drills they were part of end with them, counted as they are. */
	if ((st = journal_prepare(j, "UPDATE drills SET ended_ms = ?1,"
	    " succeeded = (SELECT count(*) FROM restores r"
	    "  WHERE r.drill = drills.id AND r.state = 'succeeded'),"
	    " failed = (SELECT count(*) FROM restores r"
	    "  WHERE r.drill = drills.id AND r.state != 'succeeded')"
	    " WHERE ended_ms = 0", fn)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, now_ms);
	if (journal_restore_write(j, st, fn) == -1)
		return (-1);
	return (n);
}

/*
 * Call cb for the newest limit restores, newest first (r->plan holds its
 * steps; borrowed).  Returns how many, or -1.
 */
int
journal_restores(struct journal *j, int limit,
    void (*cb)(const struct restore *, void *), void *arg)
{
	static const char	 fn[] = "journal_restores";
	sqlite3_stmt		*st;
	struct restore		 r;
	char			 steps[8192];
	int			 rc, n = 0;

	if ((st = journal_prepare(j, "SELECT id, requested_ms, ended_ms,"
	    " source, uri, project, instance, \"database\", replace, dry_run,"
	    " state, size, error, steps FROM restores"
	    " ORDER BY id DESC LIMIT ?1", fn)) == NULL)
		return (-1);
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(st, 0);
		r.requested_ms = sqlite3_column_int64(st, 1);
		r.ended_ms = sqlite3_column_int64(st, 2);
		journal_col(st, 3, r.source, sizeof(r.source));
		journal_col(st, 4, r.uri, sizeof(r.uri));
		journal_col(st, 5, r.project, sizeof(r.project));
		journal_col(st, 6, r.instance, sizeof(r.instance));
		journal_col(st, 7, r.database, sizeof(r.database));
		r.replace = sqlite3_column_int(st, 8);
		r.dry_run = sqlite3_column_int(st, 9);
		journal_col(st, 10, steps, sizeof(steps));
		r.state = strcmp(steps, "succeeded") == 0 ? RESTORE_SUCCEEDED :
		    strcmp(steps, "failed") == 0 ? RESTORE_FAILED :
		    strcmp(steps, "running") == 0 ? RESTORE_RUNNING :
		    RESTORE_QUEUED;
		r.size = (uint64_t)sqlite3_column_int64(st, 11);
		journal_col(st, 12, r.error, sizeof(r.error));
		journal_col(st, 13, steps, sizeof(steps));
		r.plan = steps;
		r.worker = -1;
		j->in_callback = 1;
		cb(&r, arg);
		j->in_callback = 0;
		n++;
	}
	if (rc != SQLITE_DONE) {
		journal_sqlerr(j, fn, "select");
		n = -1;
	}
	sqlite3_finalize(st);
	return (n);
}

/* A drill begins (d->id set) or ends (d->ended_ms set). */
int
journal_drill_begin(struct journal *j, struct journal_drill *d)
{
	static const char	 fn[] = "journal_drill_begin";
	sqlite3_stmt		*st;

	if ((st = journal_prepare(j, "INSERT INTO drills (\"trigger\","
	    " started_ms, total) VALUES (?1, ?2, ?3)", fn)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, d->trigger, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, d->started_ms);
	sqlite3_bind_int(st, 3, d->total);
	if (journal_restore_write(j, st, fn) == -1)
		return (-1);
	d->id = sqlite3_last_insert_rowid(j->db);
	return (0);
}

int
journal_drill_end(struct journal *j, const struct journal_drill *d)
{
	static const char	 fn[] = "journal_drill_end";
	sqlite3_stmt		*st;

	if ((st = journal_prepare(j, "UPDATE drills SET ended_ms = ?2,"
	    " total = ?3, succeeded = ?4, failed = ?5 WHERE id = ?1", fn)) ==
	    NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, d->id);
	sqlite3_bind_int64(st, 2, d->ended_ms);
	sqlite3_bind_int(st, 3, d->total);
	sqlite3_bind_int(st, 4, d->succeeded);
	sqlite3_bind_int(st, 5, d->failed);
	return (journal_restore_write(j, st, fn));
}

/*
 * The newest ended drill into d: 1, 0 if none, -1 on error.  Its failed
 * restores' sources go to cb.
 */
int
journal_drill_last(struct journal *j, struct journal_drill *d,
    void (*cb)(const char *, const char *, void *), void *arg)
{
	static const char	 fn[] = "journal_drill_last";
	sqlite3_stmt		*st;
	char			 src[RESTORE_LABEL_MAX], err[RESTORE_TEXT_MAX];
	int			 rc;

	memset(d, 0, sizeof(*d));
	if ((st = journal_prepare(j, "SELECT id, \"trigger\", started_ms,"
	    " ended_ms, total, succeeded, failed FROM drills"
	    " WHERE ended_ms != 0 ORDER BY id DESC LIMIT 1", fn)) == NULL)
		return (-1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		d->id = sqlite3_column_int64(st, 0);
		journal_col(st, 1, d->trigger, sizeof(d->trigger));
		d->started_ms = sqlite3_column_int64(st, 2);
		d->ended_ms = sqlite3_column_int64(st, 3);
		d->total = sqlite3_column_int(st, 4);
		d->succeeded = sqlite3_column_int(st, 5);
		d->failed = sqlite3_column_int(st, 6);
	} else if (rc != SQLITE_DONE)
		journal_sqlerr(j, fn, "select");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return (rc == SQLITE_DONE ? 0 : -1);
	if ((st = journal_prepare(j, "SELECT source, error FROM restores"
	    " WHERE drill = ?1 AND state = 'failed' ORDER BY source", fn)) ==
	    NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		journal_col(st, 0, src, sizeof(src));
		journal_col(st, 1, err, sizeof(err));
		j->in_callback = 1;
		cb(src, err, arg);
		j->in_callback = 0;
	}
	if (rc != SQLITE_DONE)
		journal_sqlerr(j, fn, "select");
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 1 : -1);
}

/*
 * Every database with a verified export, with its newest one and what
 * restores say of it: the last drill started and the last restore that
 * succeeded (dry runs aside).  Least recently drilled first.  Returns how
 * many, or -1.
 */
int
journal_drill_state(struct journal *j,
    void (*cb)(const struct journal_drill_db *, void *), void *arg)
{
	static const char	 fn[] = "journal_drill_state";
	sqlite3_stmt		*st;
	struct journal_drill_db	 d;
	int			 rc, n = 0;

	if ((st = journal_prepare(j, "SELECT e.project, e.instance, e.db,"
	    " e.version, e.object, e.size, e.last, f.first,"
	    " coalesce(r.drilled, 0), coalesce(r.verified, 0)"
	    /* One aggregate per query: its bare columns are its row's. */
	    " FROM (SELECT project, instance, \"database\" AS db, version,"
	    "  object, size, max(ended_ms) AS last"
	    "  FROM jobs WHERE state = 'succeeded'"
	    "  GROUP BY project, instance, \"database\") e"
	    " JOIN (SELECT project, instance, \"database\" AS db,"
	    "  min(created_ms) AS first FROM jobs WHERE state = 'succeeded'"
	    "  GROUP BY project, instance, \"database\") f"
	    " USING (project, instance, db)"
	    " LEFT JOIN (SELECT source,"
	    "  max(CASE WHEN drill != 0 THEN requested_ms ELSE 0 END)"
	    "  AS drilled,"
	    "  max(CASE WHEN state = 'succeeded' AND dry_run = 0"
	    "  THEN ended_ms ELSE 0 END) AS verified"
	    "  FROM restores GROUP BY source) r"
	    " ON r.source = e.project || '/' || e.instance || '/' || e.db"
	    " ORDER BY coalesce(r.drilled, 0), e.project, e.instance, e.db",
	    fn)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		journal_col(st, 0, d.project, sizeof(d.project));
		journal_col(st, 1, d.instance, sizeof(d.instance));
		journal_col(st, 2, d.database, sizeof(d.database));
		journal_col(st, 3, d.version, sizeof(d.version));
		journal_col(st, 4, d.object, sizeof(d.object));
		d.size = (uint64_t)sqlite3_column_int64(st, 5);
		d.exported_ms = sqlite3_column_int64(st, 6);
		d.first_ms = sqlite3_column_int64(st, 7);
		d.drilled_ms = sqlite3_column_int64(st, 8);
		d.verified_ms = sqlite3_column_int64(st, 9);
		j->in_callback = 1;
		cb(&d, arg);
		j->in_callback = 0;
		n++;
	}
	if (rc != SQLITE_DONE) {
		journal_sqlerr(j, fn, "select");
		n = -1;
	}
	sqlite3_finalize(st);
	return (n);
}

/*
 * A prune ended (r->ended_ms set): its row, id into r->id, and the rows
 * older than the last JOURNAL_RETENTION_KEPT go.  0 or -1.
 */
int
journal_retention_add(struct journal *j, struct journal_retention *r)
{
	static const char	 fn[] = "journal_retention_add";
	sqlite3_stmt		*st;

	if ((st = journal_prepare(j, "INSERT INTO retention (started_ms,"
	    " ended_ms, bucket, outcome, error) VALUES (?1, ?2, ?3, ?4, ?5)",
	    fn)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, r->started_ms);
	sqlite3_bind_int64(st, 2, r->ended_ms);
	sqlite3_bind_text(st, 3, r->bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->failed ? "failed" : "succeeded", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->error, -1, SQLITE_STATIC);
	if (journal_restore_write(j, st, fn) == -1)
		return (-1);
	r->id = sqlite3_last_insert_rowid(j->db);
	if ((st = journal_prepare(j, "DELETE FROM retention WHERE id <= ?1",
	    fn)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, r->id - JOURNAL_RETENTION_KEPT);
	return (journal_restore_write(j, st, fn));
}

/* The newest prune into r: 1, 0 if none, -1 on error. */
int
journal_retention_last(struct journal *j, struct journal_retention *r)
{
	static const char	 fn[] = "journal_retention_last";
	sqlite3_stmt		*st;
	char			 outcome[16];
	int			 rc;

	memset(r, 0, sizeof(*r));
	if ((st = journal_prepare(j, "SELECT id, started_ms, ended_ms, bucket,"
	    " outcome, error FROM retention ORDER BY id DESC LIMIT 1", fn)) ==
	    NULL)
		return (-1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		r->started_ms = sqlite3_column_int64(st, 1);
		r->ended_ms = sqlite3_column_int64(st, 2);
		journal_col(st, 3, r->bucket, sizeof(r->bucket));
		journal_col(st, 4, outcome, sizeof(outcome));
		r->failed = strcmp(outcome, "succeeded") != 0;
		journal_col(st, 5, r->error, sizeof(r->error));
	} else if (rc != SQLITE_DONE)
		journal_sqlerr(j, fn, "select");
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : -1);
}
