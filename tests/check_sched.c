/*
 * check_sched.c: the dispatch rules (sched.c): one export per instance,
 * the in-flight bound, a started instance going on, longest remaining
 * chain first, busy instances and retry times.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched.h"

static struct job *
mkjob(const char *p, const char *i, const char *d, int64_t pred)
{
	struct job	*j = job_new(p, i, d, "POSTGRES_15", "object");

	ck_assert_ptr_nonnull(j);
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
	job_free(a);
	job_free(b);
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
	ck_assert_str_eq(job_instance(n), "i3");
	start(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(job_instance(n), "i1");
	start(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(job_instance(n), "i2");
	start(&s, n);
	ck_assert_ptr_null(sched_next(&s, 0, 10, &wake));
	for (i = 0; i < 6; i++)
		job_free(j[i]);
	sched_clear(&s);
}
END_TEST

/*
 * An instance whose first export is done goes on before fresh instances
 * with more work left, unless another operation holds it.
 */
START_TEST(test_started_goes_on)
{
	struct sched	 s;
	struct job	*j[4], *n;
	int64_t		 wake;
	int		 i;

	sched_init(&s);
	j[0] = mkjob("p", "i1", "a", 10);
	j[1] = mkjob("p", "i1", "b", 10);
	j[2] = mkjob("p", "i2", "a", 15);
	j[3] = mkjob("p", "i3", "a", 12);
	for (i = 0; i < 4; i++)
		sched_add(&s, j[i]);
	n = sched_next(&s, 0, 1, &wake);
	ck_assert_str_eq(job_instance(n), "i1");	/* 20 left */
	start(&s, n);
	finish(&s, n);
	/* i1 has 10 left, i2 15: i1 goes on all the same. */
	n = sched_next(&s, 0, 1, &wake);
	ck_assert_str_eq(job_instance(n), "i1");
	/* Held by a backup: the others go meanwhile, most work first. */
	sched_busy(&s, n, 100);
	ck_assert_ptr_eq(sched_next(&s, 0, 1, &wake), j[2]);
	ck_assert_int_eq(wake, 100);
	start(&s, j[2]);
	finish(&s, j[2]);
	/* The hold over, i1 before i3, though i3 has more left. */
	ck_assert_str_eq(job_instance(sched_next(&s, 100, 1, &wake)), "i1");
	for (i = 0; i < 4; i++)
		job_free(j[i]);
	sched_clear(&s);
}
END_TEST

/*
 * An instance held on an earlier night counts the hold as work: it goes
 * before instances with more work but no hold, until its hold is over.
 */
START_TEST(test_hold_first)
{
	struct sched	 s;
	struct job	*j[3], *n;
	int64_t		 wake;
	int		 i;

	sched_init(&s);
	j[0] = mkjob("p", "big", "a", 100);
	j[1] = mkjob("p", "held", "a", 10);
	j[2] = mkjob("p", "held", "b", 10);
	for (i = 0; i < 3; i++)
		sched_add(&s, j[i]);
	ck_assert_ptr_eq(sched_next(&s, 0, 10, &wake), j[0]);
	sched_hold(&s, j[1]->inst, 600);	/* 20 + 600 > 100 */
	ck_assert_int_eq(j[1]->inst->hold_known, 1);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(job_instance(n), "held");
	sched_hold(&s, j[1]->inst, 0);		/* over tonight */
	ck_assert_ptr_eq(sched_next(&s, 0, 10, &wake), j[0]);
	sched_hold(&s, j[1]->inst, -5);		/* nonsense: none */
	ck_assert_int_eq(j[1]->inst->hold_ms, 0);
	for (i = 0; i < 3; i++)
		job_free(j[i]);
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
	ck_assert_int_eq(job_set_operation(j[1], "op-1"), 0);
	j[2]->outcome_unknown = 1;
	for (i = 0; i < 3; i++)
		sched_add(&s, j[i]);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(job_database(n), "resumed");
	start(&s, n);
	finish(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(job_database(n), "adopt");
	start(&s, n);
	finish(&s, n);
	n = sched_next(&s, 0, 10, &wake);
	ck_assert_str_eq(job_database(n), "big");
	for (i = 0; i < 3; i++)
		job_free(j[i]);
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
		job_free(j[i]);
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
	job_free(a);
	job_free(b);
	sched_clear(&s);
}
END_TEST

/* An instance whose jobs have all finished is forgotten, busy window too. */
START_TEST(test_instance_forgotten)
{
	struct sched	 s;
	struct job	*a = mkjob("p", "i1", "a", 10), *b = mkjob("p", "i1",
			    "b", 10), *c = mkjob("p", "i1", "c", 10);
	int64_t		 wake;

	sched_init(&s);
	sched_add(&s, a);
	sched_add(&s, b);
	ck_assert_uint_eq(s.ninstances, 1);
	ck_assert_ptr_eq(a->inst, b->inst);
	ck_assert_ptr_eq(sched_next(&s, 1000, 10, &wake), a);
	start(&s, a);
	sched_busy(&s, a, 5000);
	finish(&s, a);
	ck_assert_uint_eq(s.ninstances, 1);	/* b is still there */
	ck_assert_ptr_null(sched_next(&s, 1000, 10, &wake));
	ck_assert_int_eq(wake, 5000);
	/* b leaves without running (a reload excluded it). */
	sched_remove(&s, b);
	ck_assert_ptr_null(b->inst);
	ck_assert_uint_eq(s.ninstances, 0);
	ck_assert_uint_eq(s.njobs, 0);
	ck_assert_ptr_null(sched_find(&s, "p", "i1", "b"));
	/* A job added later gets a new instance, not busy. */
	sched_add(&s, c);
	ck_assert_uint_eq(s.ninstances, 1);
	ck_assert_ptr_eq(sched_next(&s, 1000, 10, &wake), c);
	job_free(a);
	job_free(b);
	job_free(c);
	sched_clear(&s);
}
END_TEST

/* Local calendar day and minute of a time, in the test's TZ. */
static void
local(int64_t ms, int *ymd, int *hm)
{
	time_t		t = ms / 1000;
	struct tm	tm;

	localtime_r(&t, &tm);
	*ymd = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
	*hm = tm.tm_hour * 100 + tm.tm_min;
}

/* Successive daily times: one per calendar day, at daily_at. */
static void
daily_walk(int daily_at, int64_t from, int days, int first_day)
{
	int64_t	t = from;
	int	i, ymd, hm, prev = 0;

	for (i = 0; i < days; i++) {
		t = sched_daily_next(daily_at, t, 0);
		local(t, &ymd, &hm);
		if (i == 0)
			ck_assert_int_eq(ymd, first_day);
		ck_assert_int_gt(ymd, prev);	/* never twice a day */
		prev = ymd;
		/* At daily_at, or an hour later where it does not exist. */
		ck_assert(hm == daily_at / 60 * 100 + daily_at % 60 ||
		    hm == (daily_at / 60 + 1) * 100 + daily_at % 60);
	}
}

START_TEST(test_daily_dst)
{
	int	ymd, hm;
	int64_t	t;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	/* 2026-03-28 12:00 CET: clocks spring forward on the 29th. */
	daily_walk(3 * 60, 1774695600LL * 1000, 5, 20260329);
	daily_walk(2 * 60 + 30, 1774695600LL * 1000, 5, 20260329);
	/* 2026-10-24 12:00 CEST: clocks fall back on the 25th. */
	daily_walk(3 * 60, 1792836000LL * 1000, 5, 20261025);
	daily_walk(2 * 60 + 30, 1792836000LL * 1000, 5, 20261025);
	/* The day after a spring-forward day is 23 h later, not 24. */
	t = sched_daily_next(3 * 60, 1774695600LL * 1000, 0);
	local(sched_daily_next(3 * 60, t, 0), &ymd, &hm);
	ck_assert_int_eq(ymd, 20260330);
	ck_assert_int_eq(hm, 300);
	/* today: today's time even when it has passed. */
	local(sched_daily_next(3 * 60, 1774695600LL * 1000, 1), &ymd, &hm);
	ck_assert_int_eq(ymd, 20260328);
	ck_assert_int_eq(hm, 300);
}
END_TEST


/* The weekly drill: the named weekday's time, next after now (UTC). */
START_TEST(test_weekly)
{
	const int64_t	now = 1796529600000LL;	/* Sun 2026-12-06 04:00 */

	setenv("TZ", "UTC", 1);
	tzset();
	/* Sunday 05:00: later today. */
	ck_assert_int_eq(sched_weekly_next(0, 5 * 60, now), 1796533200000LL);
	/* Sunday 03:00: passed today, so next Sunday. */
	ck_assert_int_eq(sched_weekly_next(0, 3 * 60, now), 1797130800000LL);
	/* Sunday 04:00: now is not after now. */
	ck_assert_int_eq(sched_weekly_next(0, 4 * 60, now),
	    now + 7 * 86400 * 1000LL);
	/* Monday 00:00: tomorrow. */
	ck_assert_int_eq(sched_weekly_next(1, 0, now), 1796601600000LL);
	/* Saturday 23:59: six days on. */
	ck_assert_int_eq(sched_weekly_next(6, 23 * 60 + 59, now),
	    1796601600000LL + 5 * 86400 * 1000LL + (23 * 60 + 59) * 60000LL);
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
	tcase_add_test(tc, test_started_goes_on);
	tcase_add_test(tc, test_hold_first);
	tcase_add_test(tc, test_resumed_first);
	tcase_add_test(tc, test_max_in_flight);
	tcase_add_test(tc, test_busy_and_retry);
	tcase_add_test(tc, test_instance_forgotten);
	tcase_add_test(tc, test_daily_dst);
	tcase_add_test(tc, test_weekly);
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
