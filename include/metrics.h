/*
 * metrics.h: the daemon's counters and gauges, their Prometheus text
 * rendering, and the HTTP listener that serves them at /metrics.
 *
 * The master owns one struct metrics and bumps its counters where things
 * happen; gauges are filled just before rendering (monitor.c).  Names and
 * types follow Prometheus conventions: counters end in _total, durations
 * are in seconds, timestamps in seconds since the epoch.
 */
#ifndef DATABACKUP_METRICS_H
#define DATABACKUP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"

struct event_base;
struct evbuffer;

#define METRICS_API_MAX		64	/* distinct (api, code) pairs */
#define METRICS_API_NAME_MAX	24

enum metrics_outcome {
	METRICS_SUCCEEDED,
	METRICS_FAILED,
	METRICS_OUTCOME_COUNT
};

/* Why a job went back to wait for another attempt. */
enum metrics_retry {
	METRICS_RETRY_TRANSIENT,	/* 5xx, 429, timeout, transport */
	METRICS_RETRY_BUSY,		/* another operation on the instance */
	METRICS_RETRY_AUTH,		/* token refused */
	METRICS_RETRY_OPERATION,	/* the export operation failed */
	METRICS_RETRY_RESUME,		/* lost track of a running export */
	METRICS_RETRY_COUNT
};

enum metrics_channel {
	METRICS_CH_EMAIL,
	METRICS_CH_WEBHOOK,
	METRICS_CH_PUBSUB,
	METRICS_CH_PING,
	METRICS_CH_COUNT
};

struct metrics_api {
	char		 api[METRICS_API_NAME_MAX];
	long		 code;		/* HTTP status; 0: no answer */
	uint64_t	 n;
};

/* One known database's series; borrowed while rendering. */
struct metrics_db {
	const char	*project;
	const char	*instance;
	const char	*database;
	int64_t		 success_ms;	/* newest verified export; 0: none */
	int64_t		 failure_ms;	/* newest failed attempt; 0: none */
};

struct metrics {
	/* Counters. */
	uint64_t	 runs[METRICS_OUTCOME_COUNT];
	uint64_t	 jobs[METRICS_OUTCOME_COUNT];
	uint64_t	 attempts;
	uint64_t	 retries[METRICS_RETRY_COUNT];
	uint64_t	 worker_restarts;
	uint64_t	 journal_errors;
	uint64_t	 notifications[METRICS_CH_COUNT][METRICS_OUTCOME_COUNT];
	struct metrics_api api[METRICS_API_MAX];
	size_t		 napi;
	uint64_t	 api_dropped;	/* pairs beyond METRICS_API_MAX */
	/* Gauges, filled before rendering. */
	int		 in_flight;
	int		 workers;
	int		 workers_busy;
	int		 run_active;
	double		 disc_seconds;	/* the last discovery walk */
	int		 disc_projects, disc_instances, disc_databases;
	int		 disc_skipped, disc_excluded;
	int		 disc_partial;	/* places the last walk could not see */
	int		 stuck;		/* exports past their time */
	int64_t		 last_success_run_ms;	/* 0: none */
	int64_t		 oldest_export_ms;	/* 0: none */
	int		 never_exported;
	int		 known_databases;
	int		 stale;		/* databases stale by max_age */
	const struct metrics_db *dbs;	/* every known database */
	size_t		 ndbs;
	int64_t		 now_ms;
	int64_t		 started_ms;
	struct alert_set alerts;
};

typedef char	*(*metrics_text_fn)(void *);
struct metrics_server;

/* metrics.c */
const char	*metrics_retry_name(enum metrics_retry);
const char	*metrics_channel_name(enum metrics_channel);
void		 metrics_api_count(struct metrics *, const char *, long,
		    uint64_t);
char		*metrics_render(const struct metrics *);
struct metrics_server *metrics_listen(struct event_base *, const char *,
		    metrics_text_fn, void *, char *, size_t);
void		 metrics_server_free(struct metrics_server *);

#endif
