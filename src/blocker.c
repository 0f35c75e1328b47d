/*
 * blocker.c: how long to wait on the operation holding an instance (see
 * blocker.h).  The prediction, given how long the operation has run:
 * what the same instance's operation of that type took last time, if it
 * has not run longer already; else, while it is younger than half the
 * shortest of its type seen lately (at least BLOCKER_MIN_SAMPLES), that
 * half (none has been seen to end sooner than the shortest, and a look
 * before then would find it running; half, as the shortest of a few
 * dozen is not the shortest there is); else nothing.  A type's other
 * durations say little about when this one ends: they spread over half
 * an hour, and aiming at the next of them past the age wakes up to that
 * spread after the end.  With no end predicted the looks come poll_max
 * apart (or busy_max if shorter), as an export's polls do, so the export
 * starts within one poll interval of the end.
 */
#include <string.h>

#include "blocker.h"

static struct blocker_type *
blocker_type_find(struct blocker_stats *s, const char *type, int create)
{
	int	 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->t[i].type, type) == 0)
			return (&s->t[i]);
	if (!create)
		return (NULL);
	if (s->n == BLOCKER_NTYPES)
		return (&s->t[BLOCKER_NTYPES - 1]);	/* shares the last */
	memset(&s->t[s->n], 0, sizeof(s->t[s->n]));
	strlcpy(s->t[s->n].type, type, sizeof(s->t[s->n].type));
	return (&s->t[s->n++]);
}

/* An operation of type took ms, start to end. */
void
blocker_learn(struct blocker_stats *s, const char *type, int64_t ms)
{
	struct blocker_type	*t;

	if (ms <= 0 || type == NULL || *type == '\0')
		return;
	t = blocker_type_find(s, type, 1);
	t->ms[t->next] = ms;
	t->next = (t->next + 1) % BLOCKER_SAMPLES;
	if (t->n < BLOCKER_SAMPLES)
		t->n++;
}

/*
 * The predicted duration of an operation of type that has run elapsed
 * ms, last_ms what it took on this instance last time (0: unknown); 0
 * when nothing predicts an end still to come.
 */
int64_t
blocker_predict(const struct blocker_stats *s, const char *type,
    int64_t last_ms, int64_t elapsed_ms)
{
	struct blocker_type	*t;
	int64_t			 least;
	int			 i;

	if (last_ms > elapsed_ms)
		return (last_ms);
	t = blocker_type_find((struct blocker_stats *)s, type, 0);
	if (t == NULL || t->n < BLOCKER_MIN_SAMPLES)
		return (0);
	least = t->ms[0];
	for (i = 1; i < t->n; i++)
		if (t->ms[i] < least)
			least = t->ms[i];
	least /= 2;
	return (least > elapsed_ms ? least : 0);
}

/*
 * How long to wait before looking at the operation again: just past its
 * predicted end, or, with no end predicted, poll_max, never over
 * busy_max.
 */
int64_t
blocker_wait(const struct blocker_stats *s, const char *type, int64_t last_ms,
    int64_t elapsed_ms, const struct blocker_policy *p)
{
	int64_t	 d;

	if (elapsed_ms < 0)
		elapsed_ms = 0;
	d = blocker_predict(s, type, last_ms, elapsed_ms);
	if (d > elapsed_ms)
		return (d - elapsed_ms + p->poll_initial_ms);
	return (p->poll_max_ms < p->busy_max_ms ? p->poll_max_ms :
	    p->busy_max_ms);
}
