/*
 * blocker.c: how long to wait on the operation holding an instance (see
 * blocker.h).  The prediction, given how long the operation has run:
 * what the same instance's operation of that type took last time, if it
 * has not run longer already; else the shortest of the type's usual
 * durations longer than what it has run (its tenth percentile: the
 * earliest end to expect, knowing it is not over, since a look too early
 * costs one call and a look too late delays the export); else nothing.
 * Past every prediction the looks come a quarter of the overrun apart,
 * at least poll_max and at most twice that (or busy_max if shorter), so
 * the export starts within two poll intervals of the end while an
 * operation of unusual length costs a look per two poll intervals.
 */
#include <stdlib.h>
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

static int
blocker_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
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
	int64_t			 v[BLOCKER_SAMPLES];
	int			 i, n = 0;

	if (last_ms > elapsed_ms)
		return (last_ms);
	t = blocker_type_find((struct blocker_stats *)s, type, 0);
	if (t == NULL || t->n < BLOCKER_MIN_SAMPLES)
		return (0);
	for (i = 0; i < t->n; i++)
		if (t->ms[i] > elapsed_ms)
			v[n++] = t->ms[i];
	if (n == 0)
		return (0);
	qsort(v, (size_t)n, sizeof(v[0]), blocker_cmp);
	return (v[n / 10]);
}

/*
 * How long to wait before looking at the operation again: just past its
 * predicted end, or, with no end predicted, a quarter of how far it has
 * run past the last prediction (or of its age), within [poll_max,
 * 2 x poll_max], and never over busy_max.
 */
int64_t
blocker_wait(const struct blocker_stats *s, const char *type, int64_t last_ms,
    int64_t elapsed_ms, const struct blocker_policy *p)
{
	int64_t	 d, over, w;

	if (elapsed_ms < 0)
		elapsed_ms = 0;
	d = blocker_predict(s, type, last_ms, elapsed_ms);
	if (d > elapsed_ms)
		return (d - elapsed_ms + p->poll_initial_ms);
	over = last_ms > 0 ? elapsed_ms - last_ms : elapsed_ms;
	w = over / 4;
	if (w > 2 * p->poll_max_ms)
		w = 2 * p->poll_max_ms;
	if (w < p->poll_max_ms)
		w = p->poll_max_ms;
	if (w > p->busy_max_ms)
		w = p->busy_max_ms;
	return (w);
}
