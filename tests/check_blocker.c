/*
 * check_blocker.c: how long a job waits on the operation holding its
 * instance (blocker.c): just past the end the instance's last operation
 * of the type predicts, else, while it is younger than half of them,
 * half the shortest of the type seen lately, else a look every poll_max,
 * never over busy_max.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blocker.h"

#define MIN_MS	(60 * 1000LL)

static const struct blocker_policy pol = {
	.poll_initial_ms = 5000, .poll_max_ms = 60000, .busy_max_ms = 300000
};
static const struct blocker_policy tight = {
	.poll_initial_ms = 5000, .poll_max_ms = 60000, .busy_max_ms = 45000
};

/* The instance's own history wins while the operation is younger. */
START_TEST(test_instance_last)
{
	struct blocker_stats	 s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 20 * MIN_MS,
	    5 * MIN_MS), 20 * MIN_MS);
	/* 5 min in, 20 min last time: wake 15 min on, plus the margin. */
	ck_assert_int_eq(blocker_wait(&s, "BACKUP_VOLUME", 20 * MIN_MS,
	    5 * MIN_MS, &pol), 15 * MIN_MS + 5000);
	/* Older than last time, with no type history: a look per poll_max. */
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 20 * MIN_MS,
	    21 * MIN_MS), 0);
	ck_assert_int_eq(blocker_wait(&s, "BACKUP_VOLUME", 20 * MIN_MS,
	    21 * MIN_MS, &pol), 60000);
	ck_assert_int_eq(blocker_wait(&s, "BACKUP_VOLUME", 20 * MIN_MS,
	    80 * MIN_MS, &pol), 60000);
	/* A busy_max below poll_max caps every look. */
	ck_assert_int_eq(blocker_wait(&s, "BACKUP_VOLUME", 20 * MIN_MS,
	    80 * MIN_MS, &tight), 45000);
}
END_TEST

/*
 * The type: half its shortest duration while the operation is younger,
 * then nothing (the next longer one would be a guess of up to the
 * spread).
 */
START_TEST(test_type_shortest)
{
	struct blocker_stats	 s;
	int			 i;

	memset(&s, 0, sizeof(s));
	/* 20, 30 and 40 min, five times over; then one of 10 min. */
	for (i = 0; i < BLOCKER_MIN_SAMPLES - 1; i++)
		blocker_learn(&s, "BACKUP_VOLUME", (20 + 10 * (i % 3)) * MIN_MS);
	/* Fewer than BLOCKER_MIN_SAMPLES: nothing predicted. */
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 0, 0), 0);
	ck_assert_int_eq(blocker_wait(&s, "BACKUP_VOLUME", 0, 0, &pol), 60000);
	blocker_learn(&s, "BACKUP_VOLUME", 10 * MIN_MS);
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 0, 0),
	    5 * MIN_MS);
	/* 3 min in: wake at half the shortest, 5 min, plus the margin. */
	ck_assert_int_eq(blocker_wait(&s, "BACKUP_VOLUME", 0, 3 * MIN_MS,
	    &pol), 2 * MIN_MS + 5000);
	/* 6 min in: 10, 20, 30 or 40 would be guesses; every poll_max. */
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 0, 6 * MIN_MS),
	    0);
	ck_assert_int_eq(blocker_wait(&s, "BACKUP_VOLUME", 0, 6 * MIN_MS,
	    &pol), 60000);
	/* Another type learns apart; an unknown type predicts nothing. */
	ck_assert_int_eq(blocker_predict(&s, "MAINTENANCE", 0, 0), 0);
	ck_assert_int_eq(blocker_wait(&s, "MAINTENANCE", 0, 0, &pol), 60000);
	/* An instance's own last duration beats the type. */
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 12 * MIN_MS,
	    5 * MIN_MS), 12 * MIN_MS);
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 12 * MIN_MS,
	    11 * MIN_MS), 12 * MIN_MS);
	/* The ring keeps the newest: the 10 min one is forgotten. */
	for (i = 0; i < BLOCKER_SAMPLES; i++)
		blocker_learn(&s, "BACKUP_VOLUME", (16 + i) * MIN_MS);
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 0, 0),
	    8 * MIN_MS);
	ck_assert_int_eq(blocker_predict(&s, "BACKUP_VOLUME", 0, 8 * MIN_MS),
	    0);
}
END_TEST

/* Bad input: no type, non-positive durations, more types than slots. */
START_TEST(test_bounds)
{
	struct blocker_stats	 s;
	char			 t[16];
	int			 i, k;

	memset(&s, 0, sizeof(s));
	blocker_learn(&s, "", 1000);
	blocker_learn(&s, NULL, 1000);
	blocker_learn(&s, "X", 0);
	blocker_learn(&s, "X", -5);
	ck_assert_int_eq(s.n, 0);
	for (i = 0; i < BLOCKER_NTYPES + 3; i++) {
		snprintf(t, sizeof(t), "T%d", i);
		for (k = 0; k < BLOCKER_MIN_SAMPLES; k++)
			blocker_learn(&s, t, 1000 * (i + 1));
	}
	ck_assert_int_eq(s.n, BLOCKER_NTYPES);
	ck_assert_int_eq(blocker_predict(&s, "T0", 0, 0), 500);
	/* Negative ages count as 0. */
	ck_assert_int_eq(blocker_wait(&s, "T0", 0, -50, &pol),
	    500 + 5000);
}
END_TEST

static Suite *
blocker_suite(void)
{
	Suite	*s = suite_create("blocker");
	TCase	*tc = tcase_create("wait");

	tcase_add_test(tc, test_instance_last);
	tcase_add_test(tc, test_type_shortest);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(blocker_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
