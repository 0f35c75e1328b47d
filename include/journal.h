/*
 * journal.h: the SQLite journal of runs, jobs and attempts.
 *
 * Written only by the master.  Every call is one short transaction, and the
 * journal write is the commit point: a caller acts on a transition only
 * after the call returned 0.  A failing write returns -1 with the reason in
 * journal_error(); the caller stops dispatching until writes work again.
 */
#ifndef DATABACKUP_JOURNAL_H
#define DATABACKUP_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"

#define JOURNAL_SCHEMA_VERSION	3
#define JOURNAL_LIMIT_MAX	10000	/* rows one history query may return */

struct journal;

struct journal_run {
	int64_t		 id;
	char		 trigger[16];	/* "schedule", "manual", "catch-up" */
	char		 patterns[1024]; /* space-separated, "" for all */
	char		 day[11];	/* local YYYY-MM-DD the run is for */
	int64_t		 started_ms;	/* unix ms */
	int64_t		 ended_ms;	/* 0 while open */
	char		 outcome[16];	/* "", "succeeded", "failed", ... */
	int		 total, succeeded, failed;
};

/* What the journal knows of one database (journal_health); borrowed. */
struct journal_db {
	const char	*project;
	const char	*instance;
	const char	*database;
	int64_t		 first_ms;	/* its first job was created */
	int64_t		 last_ms;	/* newest verified export; 0: never */
	const char	*object;	/* of that export; "" if none */
	const char	*crc32c;	/* of that export; "" if none */
	int64_t		 attempt_ms;	/* newest attempt started; 0: none */
	int64_t		 fail_ms;	/* newest failed attempt; 0: none */
	const char	*error;		/* its error; "" if none */
	int		 failures;	/* failed attempts of its newest job */
};

/* journal.c */
int		 journal_batch_begin(struct journal *);
int		 journal_batch_commit(struct journal *);
struct journal	*journal_open(const char *, char *, size_t);
void		 journal_close(struct journal *);
const char	*journal_error(struct journal *);
int		 journal_probe(struct journal *);
int64_t		 journal_set_max_pages(struct journal *, int64_t);

/* journal-write.c */
int		 journal_run_begin(struct journal *, struct journal_run *);
int		 journal_run_end(struct journal *, const struct journal_run *);
int		 journal_job_insert(struct journal *, struct job *);
int		 journal_job_insert_many(struct journal *, struct job **,
		    size_t);
int		 journal_job_update(struct journal *, const struct job *);
int		 journal_attempt_add(struct journal *, const struct job *,
		    const char *);
int		 journal_job_finish_attempt(struct journal *,
		    const struct job *, const char *);
int		 journal_prune(struct journal *, int64_t, int);
int		 journal_job_delete(struct journal *, int64_t);

/* journal-query.c */
int		 journal_run_open(struct journal *, struct journal_run *);
int		 journal_run_for_day(struct journal *, const char *, int64_t *);
int		 journal_run_get(struct journal *, int64_t,
		    struct journal_run *);
int		 journal_runs(struct journal *, int64_t, int,
		    void (*)(const struct journal_run *, void *), void *);
int		 journal_jobs(struct journal *, int64_t,
		    void (*)(const struct job *, void *), void *);
int		 journal_predict_ms(struct journal *, const char *,
		    const char *, const char *, int64_t *);
int		 journal_last_success(struct journal *, const char *,
		    const char *, const char *, int64_t *);
int		 journal_history(struct journal *, int64_t, int, int,
		    void (*)(const struct journal_run *, const struct job *,
		    void *), void *);
int		 journal_stale(struct journal *, int64_t, int,
		    void (*)(const char *, const char *, const char *, int64_t,
		    void *), void *);
int		 journal_health(struct journal *, int,
		    void (*)(const struct journal_db *, void *), void *);

/* The export a restore reads back (journal_restore_source). */
struct journal_export {
	char		 project[GCP_PROJECT_ID_MAX + 1];
	char		 instance[GCP_INSTANCE_MAX + 1];
	char		 database[GCP_DATABASE_MAX + 1];
	char		 version[GCP_VERSION_MAX];
	char		 object[GCP_OBJECT_MAX + 1];
	char		 day[11];	/* its run's */
	uint64_t	 size;
	int64_t		 ended_ms;
};

/* A restore drill: a sample of databases imported into scratch instances. */
struct journal_drill {
	int64_t		 id;
	char		 trigger[16];	/* "schedule", "manual" */
	int64_t		 started_ms;
	int64_t		 ended_ms;	/* 0 while it runs */
	int		 total, succeeded, failed;
};

/* One database with a verified export, as drills see it. */
struct journal_drill_db {
	char		 project[GCP_PROJECT_ID_MAX + 1];
	char		 instance[GCP_INSTANCE_MAX + 1];
	char		 database[GCP_DATABASE_MAX + 1];
	char		 version[GCP_VERSION_MAX];
	char		 object[GCP_OBJECT_MAX + 1];	/* newest export */
	uint64_t	 size;
	int64_t		 exported_ms;	/* its end */
	int64_t		 first_ms;	/* first job of the database */
	int64_t		 drilled_ms;	/* last drill of it; 0: never */
	int64_t		 verified_ms;	/* last restore that worked; 0: none */
};

/* A prune by [retention], not a dry run, as it ended. */
struct journal_retention {
	int64_t		 id;
	int64_t		 started_ms;
	int64_t		 ended_ms;
	char		 bucket[GCP_BUCKET_MAX + 1];
	int		 failed;
	char		 error[GCP_MESSAGE_MAX];	/* why, if it failed */
};
#define JOURNAL_RETENTION_KEPT	100	/* rows of prunes kept */

struct restore;

/* journal-restore.c */
int		 journal_drill_begin(struct journal *, struct journal_drill *);
int		 journal_drill_end(struct journal *, const struct journal_drill *);
int		 journal_drill_last(struct journal *, struct journal_drill *,
		    void (*)(const char *, const char *, void *), void *);
int		 journal_drill_state(struct journal *,
		    void (*)(const struct journal_drill_db *, void *), void *);
int		 journal_restore_source(struct journal *, const char *,
		    const char *, const char *, const char *,
		    struct journal_export *);
int		 journal_export_by_object(struct journal *, const char *,
		    struct journal_export *);
int		 journal_restore_insert(struct journal *, struct restore *);
int		 journal_restore_update(struct journal *, const struct restore *);
int		 journal_restore_interrupted(struct journal *, int64_t,
		    const char *);
int		 journal_restores(struct journal *, int,
		    void (*)(const struct restore *, void *), void *);
int		 journal_retention_add(struct journal *,
		    struct journal_retention *);
int		 journal_retention_last(struct journal *,
		    struct journal_retention *);

/* journal-blocker.c */
int		 journal_blocker_put(struct journal *, const char *,
		    const char *, const char *, int64_t, int64_t);
int		 journal_blocker_get(struct journal *, const char *,
		    const char *, const char *, int64_t *);
int		 journal_blocker_seen(struct journal *, const char *,
		    const char *, int64_t *);
int		 journal_blocker_longest(struct journal *, const char *,
		    const char *, int64_t *);
int		 journal_blockers(struct journal *, int,
		    void (*)(const char *, int64_t, void *), void *);

#endif
