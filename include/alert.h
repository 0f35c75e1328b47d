/*
 * alert.h: the built-in alerts as a pure state machine, and what they
 * remember between evaluations.
 *
 * The monitor tells the memory (struct alert_mem) what happened: a run
 * ended, an attempt failed, a database was exported.  Before each
 * evaluation it gathers that memory and what the master knows now into a
 * struct alert_input with the current time; alert_eval() turns it into
 * states and reports which alerts changed, so that a notification goes
 * out per change and not per evaluation.  No I/O and no clock here: tests
 * set the time.
 */
#ifndef DATABACKUP_ALERT_H
#define DATABACKUP_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "gcp.h"

#define ALERT_SUMMARY_MAX	512
#define ALERT_NAMES_SHOWN	3	/* targets named before "and N more" */

enum alert_id {
	ALERT_RUN_FAILED,	/* full run did not start, or did not succeed */
	ALERT_EXPORT_ERRORS,	/* failed alert_after_failures times, since
				   not exported */
	ALERT_NOT_RUNNING,	/* no export attempt or export in progress
				   within the period */
	ALERT_RUN_STALLED,	/* run in progress without progress for
				   stall_after */
	ALERT_STALE,		/* a known database has no verified export
				   younger than max_age */
	ALERT_DRILL_FAILED,	/* the last restore drill had failures */
	ALERT_DRILL_OVERDUE,	/* a database not verified by a restore
				   within [drill] cycle */
	ALERT_RETENTION_FAILED,	/* the last prune by [retention] failed */
	ALERT_COUNT
};

enum alert_state {
	ALERT_OK,
	ALERT_FIRING,
};

/* Monitoring-plugin levels: the exit status of `databackupctl check`. */
enum alert_level {
	ALERT_LEVEL_OK = 0,
	ALERT_LEVEL_WARNING = 1,
	ALERT_LEVEL_CRITICAL = 2,
};

/* One database an alert is about. */
struct alert_target {
	char		 project[GCP_PROJECT_ID_MAX + 1];
	char		 instance[GCP_INSTANCE_MAX + 1];
	char		 database[GCP_DATABASE_MAX + 1];
	int		 failures;
	int64_t		 when_ms;	/* last failure, or when it gave up */
	char		 error[GCP_MESSAGE_MAX];
};

/*
 * One known database, for "stale databases": what the monitor keeps of it,
 * borrowed.
 */
struct alert_db {
	const char	*project;
	const char	*instance;
	const char	*database;
	int64_t		 last_ms;	/* newest verified export; 0: never */
	int64_t		 first_ms;	/* first seen; 0: not known */
	int		 excluded;	/* by a rule of the configuration now */
};

/* What the master knows at one instant; borrowed by alert_eval. */
struct alert_input {
	int64_t		 now_ms;
	/* Run failed (alert_mem_input). */
	char		 start_error[256]; /* scheduled run did not start */
	int64_t		 run_id;	/* last finished full run, 0: none */
	int		 run_failed;	/* its outcome was "failed" */
	int		 run_total;
	char		 disc_error[256]; /* its discovery failed: why */
	const struct alert_target *gave_up;	/* its failed jobs */
	size_t		 ngave_up;
	/* Export errors (alert_mem_input). */
	const struct alert_target *failing;	/* not exported since */
	size_t		 nfailing;
	int		 threshold;	/* alert_after_failures */
	/* Exports not running. */
	int64_t		 last_attempt_ms; /* 0: none known */
	int64_t		 watch_since_ms; /* daemon start: counts if later */
	int		 ntargets;	/* databases known to export */
	int		 in_progress;	/* exports bound to a worker now */
	int64_t		 not_running_after_ms;
	/* Run stalled. */
	int64_t		 stalled_run;	/* id of the stalled run, 0: none */
	int64_t		 progress_ms;	/* its last progress */
	/* Stale databases. */
	const struct alert_db *dbs;	/* every known database, by name */
	size_t		 ndbs;
	int64_t		 max_age_ms;
	/* Restore drills (none of it when drills_on is 0). */
	int		 drills_on;	/* a scratch instance is configured */
	int64_t		 drill_id;	/* last ended drill, 0: none */
	int		 drill_total;
	const struct alert_target *drill_failed;	/* its failures */
	size_t		 ndrill_failed;
	const struct alert_db *drilled;	/* last_ms: last verified restore,
					   first_ms: first export */
	size_t		 ndrilled;
	int64_t		 drill_cycle_ms;
	/* Retention (none of it when retention_on is 0). */
	int		 retention_on;	/* [retention] keeps a number */
	int64_t		 prune_ms;	/* last prune (not a dry run) ended;
					   0: none known */
	int		 prune_failed;
	const char	*prune_bucket;	/* the bucket it pruned */
	const char	*prune_error;	/* why it failed */
};

struct alert {
	enum alert_id	 id;
	enum alert_state state;
	int64_t		 since_ms;	/* first fired, this episode; 0: ok */
	int64_t		 changed_ms;	/* last state change (or start) */
	int		 count;		/* databases concerned */
	enum alert_level level;		/* while firing; may rise */
	char		 summary[ALERT_SUMMARY_MAX];
};

struct alert_set {
	struct alert	 a[ALERT_COUNT];
};

/* How a run ended, as the alerts' memory takes it. */
struct alert_run {
	int64_t		 id;
	int		 full;		/* walked without patterns */
	int		 failed;	/* its outcome was "failed" */
	int		 total;		/* its jobs */
	int		 succeeded;	/* its jobs exported and verified */
	int		 disc_failed;
};

/*
 * What the alerts remember between evaluations.  "Run failed" is about
 * the last finished full run only: a manual run of a few databases says
 * nothing of the others.  "Export errors" is about a set of databases,
 * each of which failed alert_after_failures attempts in some run and has
 * not been exported since, whatever runs came in between.
 */
struct alert_mem {
	int64_t		 run_id;	/* last finished full run, 0: none */
	int		 run_failed;
	int		 run_total;
	char		 disc_error[256];
	struct alert_target *gave_up;	/* its failed jobs */
	size_t		 ngave_up;
	struct alert_target *failing;	/* sorted by name */
	size_t		 nfailing, capfailing;
};

/* One notification channel, for the "notifications failing" line. */
struct alert_channel {
	const char	*name;		/* "email" */
	int64_t		 failing_since_ms; /* gave up, none through since */
};

/* alert.c */
const char	*alert_name(enum alert_id);
const char	*alert_title(enum alert_id);
const char	*alert_state_name(enum alert_state);
const char	*alert_level_name(enum alert_level);
enum alert_level alert_severity(enum alert_id);
enum alert_level alert_now(const struct alert *);
const char	*alert_runbook(enum alert_id);
void		 alert_init(struct alert_set *, int64_t);
void		 alert_names_add(char *, size_t, size_t *, const char *, ...)
		    __attribute__((__format__(printf, 4, 5)));
void		 alert_names_more(char *, size_t, size_t, size_t);
int		 alert_target_counts(const struct alert_target *,
		    const struct alert_input *);
int		 alert_db_stale(const struct alert_db *, int64_t, int64_t);
void		 alert_age_text(int64_t, char *, size_t);
unsigned int	 alert_eval(struct alert_set *, const struct alert_input *);
enum alert_level alert_level(const struct alert_set *);
void		 alert_line(const struct alert *, char *, size_t);
void		 alert_targets_text(const struct alert_target *, size_t,
		    char *, size_t);
int		 alert_ping_due(const struct alert_run *);
int		 alert_mem_run_end(struct alert_mem *, const struct alert_run *,
		    const struct alert_target *, size_t, const char *);
void		 alert_mem_failed(struct alert_mem *,
		    const struct alert_target *, int);
int		 alert_mem_exported(struct alert_mem *, const char *,
		    const char *, const char *);
size_t		 alert_mem_forget(struct alert_mem *,
		    int (*)(const struct alert_target *, void *), void *);
void		 alert_mem_input(const struct alert_mem *,
		    struct alert_input *);
void		 alert_mem_clear(struct alert_mem *);
void		 alert_channel_result(int64_t *, int, int64_t);
void		 alert_list_line(const char *, const char *const *, size_t,
		    size_t, char *, size_t);
enum alert_level alert_channels_line(const struct alert_channel *, size_t,
		    char *, size_t);

#endif
