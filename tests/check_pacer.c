/*
 * check_pacer.c: the shared request budget (pacer.c): the GCRA decision
 * on its own, priorities between classes, and the budget held across
 * forked processes that share one mapping.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pacer.h"

#define MS	1000000LL
#define SEC	(1000 * MS)

START_TEST(test_interval)
{
	/* 180 a minute at 95%: one call every 60/171 s. */
	ck_assert_int_eq(pacer_interval_ns(180), 60 * SEC * 100 / (180 * 95));
	ck_assert_int_eq(pacer_interval_ns(0), 0);
	ck_assert_int_eq(pacer_interval_ns(-5), 0);
}
END_TEST

START_TEST(test_gcra_even)
{
	int64_t	tat = 0, nt, wait, now = 1000 * SEC;
	int	i;

	/* Five callers at the same instant get slots one interval apart. */
	for (i = 0; i < 5; i++) {
		ck_assert(pacer_gcra(tat, now, 100 * MS, 10 * SEC, &nt, &wait));
		ck_assert_int_eq(wait, i * 100 * MS);
		tat = nt;
	}
	/* After a long idle time nothing is saved up: no burst. */
	now += 60 * SEC;
	ck_assert(pacer_gcra(tat, now, 100 * MS, 10 * SEC, &nt, &wait));
	ck_assert_int_eq(wait, 0);
	tat = nt;
	ck_assert(pacer_gcra(tat, now, 100 * MS, 10 * SEC, &nt, &wait));
	ck_assert_int_eq(wait, 100 * MS);
}
END_TEST

START_TEST(test_gcra_horizon)
{
	int64_t	nt, wait;

	/* Line 500 ms long, horizon 100 ms: come back in 400 ms. */
	ck_assert(!pacer_gcra(1500 * MS, 1000 * MS, 100 * MS, 100 * MS, &nt,
	    &wait));
	ck_assert_int_eq(wait, 400 * MS);
	ck_assert_int_eq(nt, 1500 * MS);
	/* Exactly at the horizon: taken. */
	ck_assert(pacer_gcra(1100 * MS, 1000 * MS, 100 * MS, 100 * MS, &nt,
	    &wait));
	ck_assert_int_eq(wait, 100 * MS);
	ck_assert_int_eq(nt, 1200 * MS);
}
END_TEST

START_TEST(test_unlimited)
{
	struct pacer		*p;
	struct pacer_stats	 st;
	int64_t			 w;
	int			 i;

	ck_assert(pacer_reserve(NULL, PACER_SQLADMIN, PACER_POLL, 0, &w));
	ck_assert_int_eq(w, 0);
	p = pacer_new();
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 1000; i++) {
		ck_assert(pacer_reserve(p, PACER_SQLADMIN, PACER_FIRST,
		    pacer_now_ns(), &w));
		ck_assert_int_eq(w, 0);
	}
	pacer_get_stats(p, PACER_SQLADMIN, &st);
	ck_assert_int_eq(st.granted[PACER_FIRST], 1000);
	ck_assert_int_eq(st.rpm, 0);
	pacer_free(p);
}
END_TEST

/* Polls yield: with starts queued, a poll is told to come back later. */
START_TEST(test_poll_yields)
{
	struct pacer		*p;
	struct pacer_stats	 st;
	int64_t			 w, now = pacer_now_ns();
	int			 i;

	p = pacer_new();
	pacer_set_rate(p, PACER_SQLADMIN, 600);	/* ~105 ms apart */
	for (i = 0; i < 5; i++)
		ck_assert(pacer_reserve(p, PACER_SQLADMIN, PACER_FIRST, now,
		    &w));
	ck_assert_int_ge(w, 4 * 105);
	ck_assert(!pacer_reserve(p, PACER_SQLADMIN, PACER_POLL, now, &w));
	/* Back when one slot is left in the line. */
	ck_assert_int_ge(w, 3 * 105);
	ck_assert_int_le(w, 4 * 106);
	/* Starts and discovery still get in line. */
	ck_assert(pacer_reserve(p, PACER_SQLADMIN, PACER_LIST, now, &w));
	ck_assert(pacer_reserve(p, PACER_SQLADMIN, PACER_FIRST, now, &w));
	/* Later the line is short again and the poll goes. */
	ck_assert(pacer_reserve(p, PACER_SQLADMIN, PACER_POLL, now +
	    7 * 106 * MS, &w));
	ck_assert_int_le(w, 106);
	pacer_get_stats(p, PACER_SQLADMIN, &st);
	ck_assert_int_eq(st.deferred[PACER_POLL], 1);
	ck_assert_int_eq(st.granted[PACER_POLL], 1);
	ck_assert_int_eq(st.granted[PACER_FIRST], 6);
	ck_assert_int_eq(st.rpm, 600);
	pacer_free(p);
}
END_TEST

/*
 * Four processes forked after pacer_new share the budget: every slot
 * they were granted keeps the spacing, so no window holds more than its share.
 */
#define NPROC	4
#define NEACH	20
#define RPM	3000		/* 21 ms apart at 95% */

START_TEST(test_shared_across_fork)
{
	struct pacer	*p;
	int64_t		*t, w, iv = pacer_interval_ns(RPM), tmp, now;
	struct timespec	 ts;
	pid_t		 pid[NPROC];
	int		 i, k, st, n = NPROC * NEACH, inwin, j;

	p = pacer_new();
	pacer_set_rate(p, PACER_SQLADMIN, RPM);
	t = mmap(NULL, n * sizeof(*t), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(t != MAP_FAILED);
	for (i = 0; i < NPROC; i++) {
		if ((pid[i] = fork()) == 0) {
			for (k = 0; k < NEACH; k++) {
				while (!pacer_reserve(p, PACER_SQLADMIN,
				    k % 2 ? PACER_POLL : PACER_FIRST,
				    (now = pacer_now_ns()), &w)) {
					ts.tv_sec = 0;
					ts.tv_nsec = w * MS;
					nanosleep(&ts, NULL);
				}
				/*
				 * The granted slot (rounded up to the ms):
				 * when the caller is allowed to send.  A
				 * loaded host sends later, never earlier.
				 */
				t[i * NEACH + k] = now + w * MS;
				ts.tv_sec = w / 1000;
				ts.tv_nsec = (w % 1000) * MS;
				nanosleep(&ts, NULL);
			}
			_exit(0);
		}
		ck_assert_int_gt(pid[i], 0);
	}
	for (i = 0; i < NPROC; i++) {
		ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* Sort the send times. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && t[j - 1] > t[j]; j--) {
			tmp = t[j];
			t[j] = t[j - 1];
			t[j - 1] = tmp;
		}
	/* No two slots closer than an interval (less the rounding). */
	for (i = 1; i < n; i++)
		ck_assert_int_ge(t[i] - t[i - 1], iv - MS);
	/* Any window of 10 intervals holds at most 11 sends. */
	for (i = 0; i < n; i++) {
		inwin = 0;
		for (j = i; j < n && t[j] - t[i] < 10 * iv; j++)
			inwin++;
		ck_assert_int_le(inwin, 11);
	}
	munmap(t, n * sizeof(*t));
	pacer_free(p);
}
END_TEST

static Suite *
pacer_suite(void)
{
	Suite	*s = suite_create("pacer");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_interval);
	tcase_add_test(tc, test_gcra_even);
	tcase_add_test(tc, test_gcra_horizon);
	tcase_add_test(tc, test_unlimited);
	tcase_add_test(tc, test_poll_yields);
	tcase_add_test(tc, test_shared_across_fork);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(pacer_suite());
	int	 nf;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
