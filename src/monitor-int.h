/*
 * monitor-int.h: what monitor.c and monitor-report.c share: the monitor
 * itself, the health of each database, and the helpers the reports call.
 * Nothing outside the monitor uses it.
 */
#ifndef DATABACKUP_MONITOR_INT_H
#define DATABACKUP_MONITOR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "metrics.h"

struct event;
struct master;
struct notify;
struct metrics_server;

/*
 * The health of one database (a time of 0: none).  There is one for every
 * database known,
 * 10,000 on a large fleet, so the names share the entry's allocation, the
 * object name and the error are allocated only when known (about 250
 * bytes an entry in all), and the entries sit in an array sorted by name:
 * a pointer each, where a tree node costs four.  An insert moves the
 * array's tail; a whole run of new databases moves a few hundred MB that
 * way, a few tens of ms.  Times are in the monitor's clock
 * (monitor_now_ms): the wall clock, unless a test moved it.
 */
struct monitor_db {
	int64_t			 last_ms;	/* newest verified export */
	int64_t			 first_ms;	/* first seen */
	int64_t			 attempt_ms;	/* newest attempt */
	int64_t			 fail_ms;	/* newest failed attempt */
	int64_t			 seen_run;
	char			*object;	/* of last_ms; NULL: unknown */
	char			*error;		/* of fail_ms; NULL: none */
	char			 crc32c[12];	/* of last_ms, base64 */
	int			 failures;	/* of its newest job */
	char			 names[];	/* project, instance, db */
};

/* A place the discovery of the current run could not see whole. */
struct monitor_place {
	char			*project;	/* NULL: a folder, anything */
	char			*instance;	/* NULL: the whole project */
};

struct monitor {
	struct master		*m;
	struct metrics		 mt;
	struct alert_set	 alerts;
	struct notify		*notify;
	struct metrics_server	*server;
	struct event		*ev_tick;
	struct event		*ev_soon;
	int64_t			 eval_ms;	/* last evaluation, our clock */
	int64_t			 offset_ms;	/* test clock only */
	int64_t			 last_attempt_ms;
	char			 start_error[256];
	char			 disc_error[256];	/* current run */
	char			 partial[ALERT_SUMMARY_MAX]; /* check line */
	struct alert_mem	 mem;
	struct monitor_db	**dbs;		/* sorted by name */
	size_t			 ndbs, capdbs;
	struct monitor_place	*places;	/* partial, current run */
	size_t			 nplaces;
};

void		 monitor_db_names(const struct monitor_db *, const char **,
		    const char **, const char **);
struct alert_db	*monitor_alert_dbs(struct monitor *);
void		 monitor_eval(struct monitor *);

#endif
