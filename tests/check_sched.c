/*
 * check_sched.c: the dispatch rules (sched.c): one export per instance,
 * the in-flight bound, longest remaining chain first, busy instances and
 * retry times.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

static struct job *
mkjob(const char *p, const char *i, const char *d, int64_t pred)
{
	struct job	*j = calloc(1, sizeof(*j));

	strlcpy(j->project, p, sizeof(j->project));
	strlcpy(j->instance, i, sizeof(j->instance));
	strlcpy(j->database, d, sizeof(j->database));
	j->predicted_ms = pred;
	j->state = JOB_QUEUED;
	return (j);
}

static void
start(struct sched *s, struct job *j)
{
	j->state = JOB_DISPATCHED;
	sched_started(s, j);
}

static void
finish(struct sched *s, struct job *j)
{
	j->state = JOB_SUCCEEDED;
	sched_stopped(s, j);
	sched_remove(s, j);
}

START_TEST(test_one_per_instance)
{
	struct sched	 s;
	struct job	*a = mkjob("p", "i1", "a", 10), *b = mkjob("p", "i1",
			    "b", 10), *n;
	int64_t		 wake;

	sched_init(&s);
	sched_add(&s, a);
	sched_add(&s, b);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_ptr_nonnull(n);
	start(&s, n);
	/* Cloud SQL: one operation per instance, so nothing else now. */
	ck_assert_ptr_null(sched_next(&s, 0, 10, &wake));
	finish(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_ne(n, NULL);
	start(&s, n);
	finish(&s, n);
	ck_assert_ptr_null(sched_next(&s, 0, 10, &wake));
	ck_assert_int_eq(s.njobs, 0);
	sched_clear(&s);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_longest_chain_first)
{
	struct sched	 s;
	struct job	*j[6], *n;
	int64_t		 wake;
	int		 i;

	sched_init(&s);
	/* i1: 3 jobs of 10 = 30; i2: 1 job of 25; i3: 2 jobs of 20 = 40. */
	j[0] = mkjob("p", "i1", "a", 10);
	j[1] = mkjob("p", "i1", "b", 10);
	j[2] = mkjob("p", "i1", "c", 10);
	j[3] = mkjob("p", "i2", "a", 25);
	j[4] = mkjob("q", "i3", "a", 20);
	j[5] = mkjob("q", "i3", "b", 20);
	for (i = 0; i < 6; i++)
		sched_add(&s, j[i]);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(n->instance, "i3");
	start(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(n->instance, "i1");
	start(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(n->instance, "i2");
	start(&s, n);
	ck_assert_ptr_null(sched_next(&s, 0, 10, &wake));
	for (i = 0; i < 6; i++)
		free(j[i]);
	sched_clear(&s);
}
END_TEST

/* After a restart, a job with a running export goes before its neighbours. */
START_TEST(test_resumed_first)
{
	struct sched	 s;
	struct job	*j[3], *n;
	int64_t		 wake;
	int		 i;

	sched_init(&s);
	j[0] = mkjob("p", "i1", "big", 100);
	j[1] = mkjob("p", "i1", "resumed", 10);
	j[2] = mkjob("p", "i1", "adopt", 5);
	strlcpy(j[1]->operation, "op-1", sizeof(j[1]->operation));
	j[2]->outcome_unknown = 1;
	for (i = 0; i < 3; i++)
		sched_add(&s, j[i]);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(n->database, "resumed");
	start(&s, n);
	finish(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(n->database, "adopt");
	start(&s, n);
	finish(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(n->database, "big");
	for (i = 0; i < 3; i++)
		free(j[i]);
	sched_clear(&s);
}
END_TEST

START_TEST(test_max_in_flight)
{
	struct sched	 s;
	struct job	*j[4], *n;
	int64_t		 wake;
	int		 i;
	char		 name[8];

	sched_init(&s);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		j[i] = mkjob("p", name, "d", 10);
		sched_add(&s, j[i]);
	}
	for (i = 0; i < 2; i++) {
		n = sched_next(&s, 0, 2, &wake);
		ck_assert_ptr_nonnull(n);
		start(&s, n);
	}
	ck_assert_ptr_null(sched_next(&s, 0, 2, &wake));
	ck_assert_int_eq(s.in_flight, 2);
	for (i = 0; i < 4; i++)
		free(j[i]);
	sched_clear(&s);
}
END_TEST

START_TEST(test_busy_and_retry)
{
	struct sched	 s;
	struct job	*a = mkjob("p", "i1", "a", 10), *b = mkjob("p", "i2",
			    "b", 5), *n;
	int64_t		 wake;

	sched_init(&s);
	sched_add(&s, a);
	sched_add(&s, b);
	n = sched_next(&s, 1000, 10, &wake);
	ck_assert_ptr_eq(n, a);
	/* a's instance is busy (409) until 5000. */
	start(&s, a);
	a->state = JOB_QUEUED;
	sched_stopped(&s, a);
	sched_busy(&s, a, 5000);
	n = sched_next(&s, 1000, 10, &wake);
	ck_assert_ptr_eq(n, b);
	ck_assert_int_eq(wake, 5000);
	start(&s, b);
	b->state = JOB_RETRY_WAIT;
	b->next_attempt_ms = 3000;
	sched_stopped(&s, b);
	ck_assert_ptr_null(sched_next(&s, 1000, 10, &wake));
	ck_assert_int_eq(wake, 3000);
	ck_assert_ptr_eq(sched_next(&s, 3000, 10, &wake), b);
	ck_assert_ptr_eq(sched_next(&s, 5000, 10, &wake), a);
	ck_assert_ptr_eq(sched_find(&s, "p", "i2", "b"), b);
	ck_assert_ptr_null(sched_find(&s, "p", "i2", "zz"));
	free(a);
	free(b);
	sched_clear(&s);
}
END_TEST

static Suite *
sched_suite(void)
{
	Suite	*s = suite_create("sched");
	TCase	*tc = tcase_create("dispatch");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_one_per_instance);
	tcase_add_test(tc, test_longest_chain_first);
	tcase_add_test(tc, test_resumed_first);
	tcase_add_test(tc, test_max_in_flight);
	tcase_add_test(tc, test_busy_and_retry);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(sched_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
