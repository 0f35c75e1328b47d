/*
 * journal-int.h: what the journal's own files share and nobody else sees:
 * the handle, the prepared statements, and the helpers every read and
 * write goes through.  Included only by src/journal*.c; the rest of the
 * tree knows the journal through include/journal.h alone.
 */
#ifndef DATABACKUP_JOURNAL_INT_H
#define DATABACKUP_JOURNAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "journal.h"

#define JOURNAL_ERR_MAX		1024

/* The statements prepared at open; their SQL is in journal-schema.c. */
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
	JST_HEALTH,
	JST_COUNT
};

/* A run's and a job's columns, as every query that reads them lists them. */
#define JOURNAL_RUN_COLS \
	"r.id, r.\"trigger\", r.patterns, r.day, r.started_ms, r.ended_ms," \
	" r.outcome, r.total, r.succeeded, r.failed"
#define JOURNAL_RUN_NCOLS	10
#define JOURNAL_JOB_COLS \
	"j.id, j.run_id, j.project, j.instance, j.\"database\", j.version," \
	" j.object, j.state, j.attempts, j.failures, j.operation," \
	" j.outcome_unknown, j.size, j.crc32c, j.created_ms," \
	" j.first_attempt_ms, j.started_ms, j.ended_ms, j.next_attempt_ms," \
	" j.predicted_ms, j.last_status, j.last_error"
#define JOURNAL_JOB_NCOLS	22

struct journal {
	sqlite3		*db;
	char		*path;
	sqlite3_stmt	*st[JST_COUNT];
	int		 in_callback;	/* a callback of ours is running */
	int		 batch;		/* inside journal_batch_begin */
	int		 batch_failed;	/* a write of the batch failed */
	char		 err[JOURNAL_ERR_MAX];
};

/* journal.c */
void		 journal_seterr(struct journal *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
void		 journal_sqlerr(struct journal *, const char *, const char *);
void		 journal_rollback(struct journal *);
int		 journal_enter(struct journal *, const char *);
int		 journal_step_done(struct journal *, sqlite3_stmt *,
		    const char *, const char *);
int		 journal_begin(struct journal *, const char *);
int		 journal_commit(struct journal *, const char *);
int		 journal_end(struct journal *, const char *, int);
int		 journal_check_limit(struct journal *, int, const char *);
sqlite3_stmt	*journal_prepare(struct journal *, const char *, const char *);
void		 journal_col(sqlite3_stmt *, int, char *, size_t);

/* journal-schema.c */
const char	*journal_status_text(enum gcp_status);
int		 journal_status_parse(const char *, enum gcp_status *);
int		 journal_schema_open(struct journal *, char *, size_t);

#endif
