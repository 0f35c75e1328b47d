/*
 * blocker.h: waiting on the operation that holds an instance.  Cloud SQL
 * runs one administrative operation per instance, so an export refused
 * with 409 waits for the one in its way (an automated backup, maintenance,
 * someone's import).  How long such operations last is learnt per type,
 * and per instance (a nightly backup takes about as long each night);
 * the wait aims just past the predicted end, so the export starts within
 * one poll interval of it and no call is spent before.  No I/O.
 */
#ifndef DATABACKUP_BLOCKER_H
#define DATABACKUP_BLOCKER_H

#include <stdint.h>

#define BLOCKER_TYPE_MAX	32	/* "BACKUP_VOLUME" */
#define BLOCKER_SAMPLES		32	/* per type, the newest */
#define BLOCKER_NTYPES		8	/* types learnt; more share the last */
/* Fewer: the type says nothing yet (1 in 17 is shorter than 16 seen). */
#define BLOCKER_MIN_SAMPLES	16

struct blocker_type {
	char		 type[BLOCKER_TYPE_MAX];
	int64_t		 ms[BLOCKER_SAMPLES];	/* durations, a ring */
	int		 n, next;
};

struct blocker_stats {
	struct blocker_type t[BLOCKER_NTYPES];
	int		 n;
};

struct blocker_policy {
	int64_t		 poll_initial_ms;	/* margin past a predicted end */
	int64_t		 poll_max_ms;		/* looks once overdue: 1-2 x */
	int64_t		 busy_max_ms;		/* longest look of all */
};

void		 blocker_learn(struct blocker_stats *, const char *, int64_t);
int64_t		 blocker_predict(const struct blocker_stats *, const char *,
		    int64_t, int64_t);
int64_t		 blocker_wait(const struct blocker_stats *, const char *,
		    int64_t, int64_t, const struct blocker_policy *);

#endif
