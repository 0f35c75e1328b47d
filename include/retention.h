/*
 * retention.h: grandfather-father-son retention of export objects.  Which
 * objects of a bucket are the daemon's exports (their names match the
 * [export] object template), and which of one database's exports a
 * policy of so many daily, weekly and monthly ones keeps.  No I/O and no
 * clock: the caller lists the bucket, passes the time, deletes.
 */
#ifndef DATABACKUP_RETENTION_H
#define DATABACKUP_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "gcp.h"

#define RETENTION_WHY_MAX	64	/* "beyond daily N, weekly N, ..." */
#define RETENTION_HELD_MAX	160	/* why nothing at all was pruned */

/* How many days, ISO weeks and months keep an export; all 0: keep all. */
struct retention_policy {
	int		 daily;
	int		 weekly;
	int		 monthly;
};

/* One export object: filled by retention_parse_name, judged by _decide. */
struct retention_obj {
	char		 name[GCP_OBJECT_MAX + 1];
	char		 project[GCP_PROJECT_ID_MAX + 1];
	char		 instance[GCP_INSTANCE_MAX + 1];
	char		 database[GCP_DATABASE_MAX + 1];
	int64_t		 t_ms;		/* run start, unix ms */
	uint64_t	 size;		/* the caller's, not read */
	int		 keep;		/* out: 1 keep, 0 delete */
	char		 why[RETENTION_WHY_MAX];	/* out */
};

/* retention.c */
int		 retention_parse_name(const char *, const char *,
		    struct retention_obj *);
int		 retention_prefix(const char *, char *, size_t);
int		 retention_decide(struct retention_obj *, size_t,
		    const struct retention_policy *, int64_t, char *, size_t);

#endif
