/*
 * pacer.c: the request budget shared by the master and the workers (see
 * pacer.h).  One page of shared anonymous memory holds, per API, the
 * emission interval and the theoretical arrival time (TAT) of the next
 * free slot, both C11 atomics; a reservation is one compare-and-swap, so no
 * process ever holds a lock another could die with.  Times are
 * CLOCK_MONOTONIC nanoseconds, one clock for every process of the host.
 * No sleeping and no I/O here: callers wait the way their process waits.
 */
#include <sys/mman.h>

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pacer.h"

#define NS_PER_MS	1000000LL
#define NS_PER_MIN	(60LL * 1000 * NS_PER_MS)

struct pacer_bucket {
	_Atomic int64_t		 interval_ns;	/* 0: no limit */
	_Atomic int64_t		 tat_ns;
	_Atomic int		 rpm;
	_Atomic uint64_t	 granted[PACER_CLASS_COUNT];
	_Atomic uint64_t	 deferred[PACER_CLASS_COUNT];
	_Atomic uint64_t	 waited_ms[PACER_CLASS_COUNT];
};

struct pacer {
	struct pacer_bucket	 b[PACER_API_COUNT];
};

/* The process's pacer: set in the master, inherited by forked workers. */
static struct pacer	*pacer_shared;

const char *
pacer_class_name(enum pacer_class c)
{
	switch (c) {
	case PACER_FIRST:
		return ("first");
	case PACER_LIST:
		return ("list");
	case PACER_POLL:
		return ("poll");
	case PACER_CLASS_COUNT:
		break;
	}
	return ("unknown");
}

/*
 * Maps a new pacer, every API unlimited, shared with every child forked
 * after this call.  Returns NULL (and logs) if the mapping fails.
 */
struct pacer *
pacer_new(void)
{
	struct pacer	*p;

	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("pacer_new: mmap");
		return (NULL);
	}
	memset(p, 0, sizeof(*p));
	return (p);
}

/* Unmaps p (in this process only); NULL is a no-op. */
void
pacer_free(struct pacer *p)
{
	if (p == NULL)
		return;
	if (pacer_shared == p)
		pacer_shared = NULL;
	munmap(p, sizeof(*p));
}

void
pacer_set_global(struct pacer *p)
{
	pacer_shared = p;
}

/* The pacer of this process, or NULL (no pacing). */
struct pacer *
pacer_global(void)
{
	return (pacer_shared);
}

/* Interval between slots for rpm requests a minute, with headroom. */
int64_t
pacer_interval_ns(int rpm)
{
	if (rpm <= 0)
		return (0);
	return (NS_PER_MIN * 100 / ((int64_t)rpm * PACER_HEADROOM_PCT));
}

/* Sets an API's budget in requests per minute; 0 lifts it. */
void
pacer_set_rate(struct pacer *p, enum pacer_api api, int rpm)
{
	if (p == NULL || (unsigned)api >= PACER_API_COUNT)
		return;
	atomic_store(&p->b[api].rpm, rpm > 0 ? rpm : 0);
	atomic_store(&p->b[api].interval_ns, pacer_interval_ns(rpm));
}

int64_t
pacer_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

/*
 * One GCRA decision, pure.  The next free slot is at max(tat, now); if it
 * lies more than horizon after now, the answer is "not now" (0) and *wait
 * says when the line will be short enough.  Otherwise the slot is taken
 * (1): *newtat is one interval after it and *wait is how long to wait for
 * it.  No burst allowance: an idle API does not save up slots, so calls
 * stay evenly spaced whatever happened before.
 */
int
pacer_gcra(int64_t tat, int64_t now, int64_t interval, int64_t horizon,
    int64_t *newtat, int64_t *wait)
{
	int64_t	slot = tat > now ? tat : now;

	if (slot - now > horizon) {
		*newtat = tat;
		*wait = slot - now - horizon;
		return (0);
	}
	*newtat = slot + interval;
	*wait = slot - now;
	return (1);
}

static int64_t
pacer_horizon_ns(enum pacer_class c, int64_t interval)
{
	if (c == PACER_POLL)
		return (interval * PACER_POLL_SLOTS);
	return (PACER_HORIZON_MAX_MS * NS_PER_MS);
}

/*
 * Asks p for a slot of api for a call of class c at now_ns (pacer_now_ns).
 * Returns 1 with *wait_ms the time to wait before sending (the slot is
 * taken: send then, or waste it), or 0 with *wait_ms the time after which
 * to ask again.  A NULL pacer or an unlimited API always answers 1, 0 ms.
 */
int
pacer_reserve(struct pacer *p, enum pacer_api api, enum pacer_class c,
    int64_t now_ns, int64_t *wait_ms)
{
	struct pacer_bucket	*b;
	int64_t			 interval, tat, newtat, wait;
	int			 ok;

	*wait_ms = 0;
	if (p == NULL || (unsigned)api >= PACER_API_COUNT ||
	    (unsigned)c >= PACER_CLASS_COUNT)
		return (1);
	b = &p->b[api];
	if ((interval = atomic_load(&b->interval_ns)) <= 0) {
		atomic_fetch_add(&b->granted[c], 1);
		return (1);
	}
	tat = atomic_load(&b->tat_ns);
	for (;;) {
		ok = pacer_gcra(tat, now_ns, interval,
		    pacer_horizon_ns(c, interval), &newtat, &wait);
		if (!ok)
			break;
		/* On failure tat is reloaded: someone took a slot. */
		if (atomic_compare_exchange_weak(&b->tat_ns, &tat, newtat))
			break;
	}
	/* Round up: waking early would send before the slot. */
	*wait_ms = (wait + NS_PER_MS - 1) / NS_PER_MS;
	if (ok) {
		atomic_fetch_add(&b->granted[c], 1);
		atomic_fetch_add(&b->waited_ms[c], (uint64_t)*wait_ms);
	} else {
		atomic_fetch_add(&b->deferred[c], 1);
		if (*wait_ms < 1)
			*wait_ms = 1;
	}
	return (ok);
}

void
pacer_get_stats(struct pacer *p, enum pacer_api api, struct pacer_stats *st)
{
	int	 c;

	memset(st, 0, sizeof(*st));
	if (p == NULL || (unsigned)api >= PACER_API_COUNT)
		return;
	st->rpm = atomic_load(&p->b[api].rpm);
	for (c = 0; c < PACER_CLASS_COUNT; c++) {
		st->granted[c] = atomic_load(&p->b[api].granted[c]);
		st->deferred[c] = atomic_load(&p->b[api].deferred[c]);
		st->waited_ms[c] = atomic_load(&p->b[api].waited_ms[c]);
	}
}
