/*
 * alert.h: the three built-in alerts as a pure state machine.
 *
 * The master gathers what it knows (the last run, the jobs that keep
 * failing, the last export attempt) into a struct alert_input with the
 * current time; alert_eval() turns it into states and reports which alerts
 * changed, so that a notification goes out per change and not per
 * evaluation.  No I/O and no clock here: tests set the time.
 */
#ifndef DATABACKUP_ALERT_H
#define DATABACKUP_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "gcp.h"

#define ALERT_SUMMARY_MAX	512
#define ALERT_NAMES_SHOWN	3	/* targets named before "and N more" */
#define ALERT_DAY_MS		(24LL * 3600 * 1000)

enum alert_id {
	ALERT_RUN_FAILED,	/* run did not start, discovery failed, gave up */
	ALERT_EXPORT_ERRORS,	/* a job failed alert_after_failures times */
	ALERT_NOT_RUNNING,	/* no export attempt within the period */
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

/* What the master knows at one instant; borrowed by alert_eval. */
struct alert_input {
	int64_t		 now_ms;
	/* Run failed. */
	char		 start_error[256]; /* scheduled run did not start */
	int64_t		 run_id;	/* last finished run, 0: none */
	int		 run_failed;	/* its outcome was "failed" */
	int		 run_total;
	char		 disc_error[256]; /* its discovery failed: why */
	const struct alert_target *gave_up;	/* its failed jobs */
	size_t		 ngave_up;
	/* Export errors. */
	const struct alert_target *failing;	/* failed >= threshold, 24 h */
	size_t		 nfailing;
	int		 threshold;	/* alert_after_failures */
	/* Exports not running. */
	int64_t		 last_attempt_ms; /* 0: none known */
	int64_t		 watch_since_ms; /* daemon start: counts if later */
	int		 ntargets;	/* databases known to export */
	int64_t		 not_running_after_ms;
};

struct alert {
	enum alert_id	 id;
	enum alert_state state;
	int64_t		 since_ms;	/* first fired, this episode; 0: ok */
	int64_t		 changed_ms;	/* last state change (or start) */
	int		 count;		/* databases concerned */
	char		 summary[ALERT_SUMMARY_MAX];
};

struct alert_set {
	struct alert	 a[ALERT_COUNT];
};

/* alert.c */
const char	*alert_name(enum alert_id);
const char	*alert_title(enum alert_id);
const char	*alert_state_name(enum alert_state);
const char	*alert_level_name(enum alert_level);
enum alert_level alert_severity(enum alert_id);
const char	*alert_runbook(enum alert_id);
void		 alert_init(struct alert_set *, int64_t);
int		 alert_target_counts(const struct alert_target *,
		    const struct alert_input *);
unsigned int	 alert_eval(struct alert_set *, const struct alert_input *);
enum alert_level alert_level(const struct alert_set *);
void		 alert_line(const struct alert *, char *, size_t);
void		 alert_targets_text(const struct alert_target *, size_t,
		    char *, size_t);

#endif
