/*
 * discovery.h: what is there to back up.  Walks the configured folders
 * (sub-folders recursively, ACTIVE projects), adds the configured projects,
 * lists each project's Cloud SQL instances and each instance's databases,
 * and sorts every database into targets, skipped (with the reason) and
 * excluded (with the rule), each target with its instance's size (data
 * disk, and disk bytes used from Cloud Monitoring when it answered; see
 * discovery-size.c).  Where it could not see everything (a list
 * answer's warnings, a listing that failed for good) the result says so,
 * place by place.  Runs on the master's loop through http_multi, with a
 * bounded number of requests in flight.
 */
#ifndef DATABACKUP_DISCOVERY_H
#define DATABACKUP_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "gcp.h"

struct arena;
struct event_base;
struct http_multi;
struct auth;
struct config;

#define DISC_REASON_MAX		256
/* A partial place's code when a listing failed rather than warned. */
#define DISC_PARTIAL_FAILED	"LIST_FAILED"

/* A trigger pattern: PROJECT[/INSTANCE[/DATABASE]] shell globs. */
struct disc_pattern {
	char		 part[3][GCP_DATABASE_MAX + 1];
	int		 nparts;
};

/*
 * The strings of targets and items live in the result's arena: one copy
 * of each project, instance and version however many databases share it.
 */
struct disc_target {
	const char	*project;
	const char	*instance;
	const char	*database;
	const char	*version;
	int64_t		 disk_gb;	/* the instance's data disk */
	int		 ndatabases;	/* targets of that instance */
	const char	*via;		/* read replica that exports it, or NULL */
	int64_t		 used_bytes;	/* the instance's disk bytes used, as
					   Monitoring saw it; 0: unknown */
};

/* A read replica seen by the walk, whose primary is in its project. */
struct disc_replica {
	const char	*project;
	const char	*instance;
	const char	*primary;
	int		 healthy;	/* running: may export for the primary */
};

/* A skipped or excluded item, or an error; empty instance = whole project. */
struct disc_item {
	const char	*project;
	const char	*instance;	/* "" if none */
	const char	*database;	/* "" if none */
	const char	*text;		/* reason, rule or error */
};

struct disc_list {
	struct disc_item *v;
	size_t		 n, cap;
};

/*
 * A place the walk could not see whole: a project whose instances.list
 * warned (REGION_UNREACHABLE: that region's instances are missing), or a
 * folder, project or instance whose listing failed after its retries.
 */
struct disc_partial {
	const char	*where;		/* project id, or "folders/N" */
	const char	*instance;	/* "" unless an instance's databases */
	const char	*region;	/* "" unless the warning named one */
	const char	*code;		/* ApiWarning code, or LIST_FAILED */
	const char	*text;		/* Google's message, or the error */
};

struct disc_partials {
	struct disc_partial *v;
	size_t		 n, cap;
};

struct disc_result {
	struct arena	*strings;	/* of targets, items and the walk */
	struct disc_target *targets;
	size_t		 ntargets, cap;
	struct disc_list skipped;
	struct disc_list excluded;
	struct disc_list errors;
	struct disc_partials partial;	/* one entry per place */
	struct disc_replica *replicas;
	size_t		 nreplicas, replicas_cap;
	int		 bucket_checked;	/* disc_check_bucket asked */
	const char	*bucket_problem;	/* NULL: none */
	int		 folders;
	int		 projects;
	int		 instances;
	int		 databases;	/* seen, before skipping/excluding */
	int		 api_disabled;
	int		 requests;
	int		 failed;	/* nothing could be read at all */
	int		 lasting;	/* an error that will not pass by itself */
	int64_t		 started_ms, ended_ms;
};

struct disc;
typedef void	(*disc_cb)(struct disc_result *, void *);

/* discovery.c */
void		 disc_replicas_apply(struct disc_result *, int);
void		 disc_check_bucket(struct disc *);
int		 disc_pattern_parse(const char *, struct disc_pattern *,
		    char *, size_t);
int		 disc_pattern_match(const struct disc_pattern *, size_t,
		    const char *, const char *, const char *);
struct disc	*disc_start(struct event_base *, struct http_multi *,
		    struct auth *, struct config **, const struct gcp_ctx *,
		    const struct disc_pattern *, size_t, disc_cb, void *);
void		 disc_no_token_retry(struct disc *);
size_t		 disc_explain(const struct disc_result *,
		    const struct disc_pattern *, size_t, char *, size_t);
void		 disc_cancel(struct disc *);
void		 disc_result_free(struct disc_result *);

#endif
