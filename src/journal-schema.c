/*
 * journal-schema.c: what a journal file must hold and how an opened file
 * gets there: the schema and its migrations, the checks and settings
 * applied at open, the text a status is stored as, and the SQL of every
 * statement prepared at open.
 *
 * A newer, foreign, corrupt or non-SQLite file is refused here and never
 * rewritten.  What is *not* here: the handle and its transactions
 * (journal.c), and running the statements (journal-write.c,
 * journal-query.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "journal-int.h"
#include "log.h"

#define JOURNAL_CHECK_ERRORS	10	/* quick_check(N): errors reported */
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
 * Version 2: restores, one row each, kept for the record (what was
 * imported into which database, and how it ended), and restore drills,
 * whose restores name them.  Rare: their statements are prepared when
 * used (journal-restore.c).
 */
static const char journal_sql_v2[] =
	"CREATE TABLE restores ("
	"  id INTEGER PRIMARY KEY,"
	"  requested_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER NOT NULL DEFAULT 0,"
	"  source TEXT NOT NULL,"
	"  uri TEXT NOT NULL,"
	"  project TEXT NOT NULL,"
	"  instance TEXT NOT NULL,"
	"  \"database\" TEXT NOT NULL,"
	"  replace INTEGER NOT NULL DEFAULT 0,"
	"  dry_run INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL,"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  steps TEXT NOT NULL DEFAULT '',"
	"  drill INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX restores_requested ON restores(requested_ms);"
	"CREATE INDEX restores_source ON restores(source);"
	"CREATE TABLE drills ("
	"  id INTEGER PRIMARY KEY,"
	"  \"trigger\" TEXT NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER NOT NULL DEFAULT 0,"
	"  total INTEGER NOT NULL DEFAULT 0,"
	"  succeeded INTEGER NOT NULL DEFAULT 0,"
	"  failed INTEGER NOT NULL DEFAULT 0);";

/*
 * Version 3: how each prune by [retention] ended (dry runs aside), so
 * that a failed one stays an alert across a restart until one succeeds
 * (a few rows a day at most, trimmed to JOURNAL_RETENTION_KEPT:
 * journal-restore.c); and how long the operations that held an instance
 * (its automated backup, maintenance) lasted, the newest of each type per
 * instance, so the next night's wait on them aims at their end
 * (journal-blocker.c).
 */
static const char journal_sql_v3[] =
	"CREATE TABLE retention ("
	"  id INTEGER PRIMARY KEY,"
	"  started_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER NOT NULL,"
	"  bucket TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  error TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE blockers ("
	"  project TEXT NOT NULL,"
	"  instance TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  duration_ms INTEGER NOT NULL,"
	"  seen_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (project, instance, type)) WITHOUT ROWID;"
	"CREATE INDEX blockers_seen ON blockers(seen_ms);";

/*
 * Migration steps, in order: step i takes a file from user_version i to
 * i + 1.  To change the schema, bump JOURNAL_SCHEMA_VERSION, append a step
 * and ship a tests/data/journal-vN.sql fixture of the previous version.
 */
static const char *const journal_migrations[] = {
	journal_sql_v1,		/* 0 -> 1: empty file to first schema */
	journal_sql_v2,		/* 1 -> 2: restores */
	journal_sql_v3,		/* 2 -> 3: retention, blockers */
};
_Static_assert(sizeof(journal_migrations) / sizeof(journal_migrations[0]) ==
    JOURNAL_SCHEMA_VERSION, "one migration step per schema version");

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

static const char *const journal_stmt_sql[JST_COUNT] = {
	[JST_BEGIN] = "BEGIN IMMEDIATE",
	[JST_COMMIT] = "COMMIT",
	[JST_ROLLBACK] = "ROLLBACK",
	[JST_RUN_INSERT] = "INSERT INTO runs (\"trigger\", patterns, day,"
	    " started_ms, ended_ms, outcome, total, succeeded, failed)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[JST_RUN_END] = "UPDATE runs SET ended_ms = ?2, outcome = ?3,"
	    " total = ?4, succeeded = ?5, failed = ?6 WHERE id = ?1",
	[JST_RUN_OPEN] = "SELECT " JOURNAL_RUN_COLS " FROM runs r"
	    " WHERE r.ended_ms = 0 ORDER BY r.id DESC LIMIT 1",
	/* Manual runs do not count: they must not suppress a catch-up. */
	[JST_RUN_FOR_DAY] = "SELECT r.id FROM runs r WHERE r.day = ?1"
	    " AND r.\"trigger\" IN ('schedule', 'catch-up')"
	    " ORDER BY r.id DESC LIMIT 1",
	[JST_RUN_GET] = "SELECT " JOURNAL_RUN_COLS " FROM runs r"
	    " WHERE r.id = ?1",
	[JST_RUNS] = "SELECT " JOURNAL_RUN_COLS " FROM runs r"
	    " WHERE r.started_ms >= ?1"
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
	[JST_JOBS] = "SELECT " JOURNAL_JOB_COLS " FROM jobs j"
	    " WHERE j.run_id = ?1 ORDER BY j.id",
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
	[JST_HISTORY] = "SELECT " JOURNAL_JOB_COLS ", " JOURNAL_RUN_COLS
	    " FROM runs r JOIN jobs j ON j.run_id = r.id"
	    " WHERE r.started_ms >= ?1 AND (?3 = 0 OR j.state = 'failed')"
	    " ORDER BY r.started_ms DESC, r.id DESC, j.id DESC LIMIT ?2",
	/*
	 * One row per database the journal knows, from one scan of the
	 * covering index jobs_db (bounded by pruning); 0 if never succeeded.
	 */
	[JST_STALE] = "SELECT project, instance, \"database\","
	    " max(CASE WHEN state = 'succeeded' THEN ended_ms ELSE 0 END)"
	    " AS last FROM jobs GROUP BY project, instance, \"database\""
	    " HAVING last = 0 OR last < ?1"
	    " ORDER BY last, project, instance, \"database\" LIMIT ?2",
	/*
	 * The same scan, with what the monitor keeps of each database: the
	 * newest verified export's object and crc32c, the newest failed
	 * attempt and the failures of the newest job, each one index lookup
	 * (jobs_db, then attempts by job).  The groups come in jobs_db's
	 * order and the lookups name only their columns, so no temporary
	 * sort of every database's row (object name and all) is made: on a
	 * journal of 10,000 databases that sort took 1.3 MB at start.
	 */
	[JST_HEALTH] = "SELECT g.project, g.instance, g.\"database\","
	    " min(g.created_ms),"
	    " max(CASE WHEN g.state = 'succeeded' THEN g.ended_ms ELSE 0 END),"
	    " max(g.started_ms),"
	    " (SELECT s.object FROM jobs s WHERE s.project = g.project"
	    "  AND s.instance = g.instance AND s.\"database\" = g.\"database\""
	    "  AND s.state = 'succeeded' ORDER BY s.ended_ms DESC LIMIT 1),"
	    " (SELECT s.crc32c FROM jobs s WHERE s.project = g.project"
	    "  AND s.instance = g.instance AND s.\"database\" = g.\"database\""
	    "  AND s.state = 'succeeded' ORDER BY s.ended_ms DESC LIMIT 1),"
	    " (SELECT max(a.started_ms, a.ended_ms) || char(9) || a.error"
	    "  FROM jobs f JOIN attempts a ON a.job_id = f.id"
	    "  WHERE f.project = g.project AND f.instance = g.instance"
	    "  AND f.\"database\" = g.\"database\" AND a.outcome = 'failed'"
	    "  ORDER BY max(a.started_ms, a.ended_ms) DESC, a.id DESC LIMIT 1),"
	    " (SELECT s.failures FROM jobs s WHERE s.project = g.project"
	    "  AND s.instance = g.instance AND s.\"database\" = g.\"database\""
	    "  ORDER BY s.created_ms DESC, s.id DESC LIMIT 1)"
	    " FROM jobs g GROUP BY g.project, g.instance, g.\"database\""
	    " ORDER BY g.project, g.instance, g.\"database\" LIMIT ?1",
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

const char *
journal_status_text(enum gcp_status st)
{
	if ((unsigned)st >= JOURNAL_NSTATUS)
		return (NULL);
	return (journal_status_names[st]);
}

int
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
 * The settings every open applies.  synchronous=FULL: a commit is on disk
 * before the master acts on it.
 */
static int
journal_settings(struct journal *j, char *err, size_t errlen)
{
	char	 cache[64];

	snprintf(cache, sizeof(cache), "PRAGMA cache_size = -%d",
	    JOURNAL_CACHE_KIB);
	if (journal_pragma(j, "PRAGMA journal_mode = WAL", "wal", err,
	    errlen) == -1 ||
	    journal_pragma(j, "PRAGMA synchronous = FULL", NULL, err,
	    errlen) == -1 ||
	    journal_pragma(j, "PRAGMA foreign_keys = ON", NULL, err,
	    errlen) == -1 ||
	    journal_pragma(j, cache, NULL, err, errlen) == -1)
		return (-1);
	return (0);
}

/*
 * Make the file just opened into j ready for use: check it, apply the
 * settings, migrate it to JOURNAL_SCHEMA_VERSION and prepare every
 * statement.  Returns 0, or -1 with a message naming the path in err; a
 * file refused by the checks has not been written to.
 */
int
journal_schema_open(struct journal *j, char *err, size_t errlen)
{
	int	 rc, version, i;

	if ((version = journal_check(j, err, errlen)) == -1 ||
	    journal_settings(j, err, errlen) == -1)
		return (-1);
	if (version < JOURNAL_SCHEMA_VERSION &&
	    journal_migrate(j, version, err, errlen) == -1)
		return (-1);
	for (i = 0; i < JST_COUNT; i++) {
		rc = sqlite3_prepare_v3(j->db, journal_stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &j->st[i], NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "journal %s: preparing statement "
			    "%d: %s", j->path, i, sqlite3_errmsg(j->db));
			return (-1);
		}
	}
	return (0);
}
