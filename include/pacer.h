/*
 * pacer.h: one request budget per Google API, shared by the master and
 * every worker.  Cloud SQL Admin counts each call against the caller's
 * quota project per minute (on the order of 180 by default), so the
 * daemon as a whole, not each process, must stay under it, with calls
 * spread evenly rather than in bursts.
 *
 * A GCRA (the virtual-scheduling form of a token bucket without burst)
 * lives in a shared anonymous mapping that the master creates before it
 * forks the workers; every process moves the theoretical arrival time with
 * a compare-and-swap.  A caller reserves a slot and then waits until it
 * (workers sleep, the master arms a timer).  Export starts and lookups
 * reserve however far ahead the line is; polls, the elastic part of the
 * budget, only take a slot when the line is short, so they yield to starts.
 */
#ifndef DATABACKUP_PACER_H
#define DATABACKUP_PACER_H

#include <stdint.h>

enum pacer_api {
	PACER_SQLADMIN = 0,	/* Cloud SQL Admin: [gcp] sqladmin_rpm */
	PACER_API_COUNT
};

enum pacer_class {
	PACER_FIRST = 0,	/* export starts and their lookups */
	PACER_LIST,		/* discovery (the master) */
	PACER_POLL,		/* operation polls: yield to the others */
	PACER_CLASS_COUNT
};

/*
 * Paced at this share of the configured rate: a request reaches Google a
 * little after its slot, by a varying delay, and the headroom keeps that
 * jitter from pushing a minute over the budget.
 */
#define PACER_HEADROOM_PCT	95
/* Polls take a slot only while at most this many slots are queued. */
#define PACER_POLL_SLOTS	1
/* Nobody reserves further ahead than this (a sanity bound). */
#define PACER_HORIZON_MAX_MS	(10 * 60 * 1000)

struct pacer_stats {
	uint64_t	 granted[PACER_CLASS_COUNT];
	uint64_t	 deferred[PACER_CLASS_COUNT];	/* "not now" answers */
	uint64_t	 waited_ms[PACER_CLASS_COUNT];	/* sum of slot waits */
	int		 rpm;
};

struct pacer;

/* pacer.c */
struct pacer	*pacer_new(void);
void		 pacer_free(struct pacer *);
void		 pacer_set_global(struct pacer *);
struct pacer	*pacer_global(void);
void		 pacer_set_rate(struct pacer *, enum pacer_api, int);
int64_t		 pacer_interval_ns(int);
int64_t		 pacer_now_ns(void);
int		 pacer_gcra(int64_t, int64_t, int64_t, int64_t, int64_t *,
		    int64_t *);
int		 pacer_reserve(struct pacer *, enum pacer_api, enum pacer_class,
		    int64_t, int64_t *);
void		 pacer_get_stats(struct pacer *, enum pacer_api,
		    struct pacer_stats *);
const char	*pacer_class_name(enum pacer_class);

#endif
