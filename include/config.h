/*
 * config.h: databackup.conf, parsed into one struct.
 *
 * One table in config.c lists every key ({section, key, type, default,
 * flags}); the parser, the defaults, `databackupd -n` and the docs come
 * from it.  config_load() reads the whole file and collects every error as
 * "FILE:LINE: message" before returning; a reload swaps pointers only
 * when the new file loaded clean.
 */
#ifndef DATABACKUP_CONFIG_H
#define DATABACKUP_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* An exclusion rule: PROJECT[/INSTANCE[/DATABASE]] shell globs. */
struct config_exclude {
	char		*pattern;	/* as written */
	char		*part[3];	/* project, instance, database globs */
	int		 nparts;	/* 1-3 */
	char		*file;
	int		 line;
};

struct config {
	char		*path;
	time_t		 loaded;	/* wall clock of config_load */

	/* [schedule] */
	int		 daily_at;	/* minutes after local midnight */
	int		 catch_up;

	/* [discovery] */
	char		**folders;	/* numeric ids, without "folders/" */
	size_t		 nfolders;
	char		**projects;	/* project ids */
	size_t		 nprojects;
	struct config_exclude *excludes;
	size_t		 nexcludes;
	int		 skip_replicas;
	int		 include_system_databases;
	int		 discovery_concurrency;	/* requests in flight */

	/* [export] */
	char		*bucket;
	char		*object;	/* template: {project} {instance} ... */
	int		 offload;
	char		*from_replica;	/* "no" or "prefer" */
	int		 max_in_flight;
	uint64_t	 retry_window_ms;
	int		 alert_after_failures;
	uint64_t	 poll_initial_ms;
	uint64_t	 poll_max_ms;
	uint64_t	 retry_base_ms;	/* first retry after a failed attempt */
	uint64_t	 retry_max_ms;	/* longest wait between attempts */
	uint64_t	 busy_max_ms;	/* longest wait on a busy instance */

	/* [workers] */
	int		 workers;

	/* [control] */
	char		*control_socket;
	int		 control_max_conns;	/* open at once, beyond: busy */
	uint64_t	 control_idle_timeout_ms;	/* for the request line */
	char		*control_operators;	/* group: trigger, reload */
	char		*control_readers;	/* group: read only */

	/* [drill] */
#define CONFIG_SCRATCH_MAX	4
	char		**drill_scratch;	/* "PROJECT/INSTANCE" each */
	size_t		 ndrill_scratch;	/* 0: no drills */
	char		*drill_weekly_at;	/* "sun 05:00" */
	int		 drill_sample;	/* databases per drill, at least */
	uint64_t	 drill_cycle_ms;	/* each database drilled within */

	/* [retention] (all 0: keep every export) */
	int		 keep_daily;
	int		 keep_weekly;
	int		 keep_monthly;

	/* [state] */
	char		*journal;
	uint64_t	 retention_ms;	/* journal rows older are pruned */

	/* [metrics] */
	char		*metrics_listen;	/* "host:port" or NULL */

	/* [notify] */
	char		*email_to;
	char		*smtp_url;
	char		*webhook_url;
	char		*pubsub_topic;
	char		*environment;	/* label in subjects and events */
	char		*email_from;
	char		*smtp_auth_file;	/* "user:password", private */
	char		*webhook_format;	/* generic, teams, googlechat */
	char		*ping_url;	/* dead man's switch, each good run */

	/* [alerts] */
	uint64_t	 not_running_after_ms;
	uint64_t	 max_age_ms;	/* older newest export: stale */
	uint64_t	 stall_after_ms;	/* run without progress: stalled */
	uint64_t	 stuck_after_ms;	/* 0: from the prediction */
	int		 cancel_stuck;	/* cancel stuck operations, retry */

	/* [log] */
	char		*log_format;	/* "text" or "json" */

	/* [gcp] */
	char		*credentials;	/* key file, or NULL for ADC */
	char		*sqladmin_endpoint;
	char		*resourcemanager_endpoint;
	char		*storage_endpoint;
	char		*pubsub_endpoint;
	char		*monitoring_endpoint;	/* NULL: not asked */
	char		*ca_file;	/* extra CA bundle, or NULL */
	char		*quota_project;	/* x-goog-user-project, or NULL */
	int		 sqladmin_rpm;	/* Cloud SQL Admin requests per minute */
	uint64_t	 http_timeout_ms;
	uint64_t	 connect_timeout_ms;
};

/* Key flags, as in the table of config.c. */
#define CFG_REPEAT	0x01	/* the key may be given more than once */
#define CFG_RESTART	0x02	/* a change needs a restart, not a reload */

/* One row of the key table, for docs, status and tests. */
struct config_keyinfo {
	const char	*section;
	const char	*key;
	const char	*type;		/* "DUR", "BOOL", "INT", "STR", ... */
	const char	*def;		/* default as written, or NULL */
	int		 flags;		/* CFG_REPEAT, CFG_RESTART */
};

/* Every error of one load, each "FILE:LINE: message". */
struct config_errors {
	char		**line;
	size_t		 n;
};

/* config-type.c */
int		 config_parse_weekly(const char *, int *, int *);

/* config.c */
struct config	*config_load(const char *, struct config_errors *);
void		 config_free(struct config *);
void		 config_errors_clear(struct config_errors *);
int		 config_restart_keys(const struct config *,
		    const struct config *, char *, size_t);
void		 config_dump(const struct config *, FILE *);
int		 config_key_info(size_t, struct config_keyinfo *);
char		*config_value(const struct config *, const char *,
		    const char *);

/* config-type.c */
int		 config_parse_duration(const char *, uint64_t *);
int		 config_parse_time(const char *, int *);
const char	*config_exclude_match(const struct config *, const char *,
		    const char *, const char *);

/* config-check.c */
int		 config_object_check(const char *, char *, size_t);

#endif
