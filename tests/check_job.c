/*
 * check_job.c: the job rules (job.c): state names, transitions, backoff,
 * the retry window, object names, the spacing of polls.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

/* The default retry backoff, [export] retry_base and retry_max. */
#define RB	(4 * 1000LL)
#define RC	(5 * 60 * 1000LL)
#define H	(3600 * 1000LL)

START_TEST(test_state_names)
{
	enum job_state	st;
	int		i;

	for (i = 0; i < JOB_STATE_COUNT; i++) {
		ck_assert_int_eq(job_state_from_name(job_state_name(i), &st),
		    0);
		ck_assert_int_eq(st, i);
	}
	ck_assert_int_eq(job_state_from_name("bogus", &st), -1);
	ck_assert_str_eq(job_state_name(99), "invalid");
	ck_assert(job_state_final(JOB_SUCCEEDED));
	ck_assert(job_state_final(JOB_FAILED));
	ck_assert(!job_state_final(JOB_RETRY_WAIT));
}
END_TEST

START_TEST(test_transitions)
{
	ck_assert(job_transition_ok(JOB_QUEUED, JOB_DISPATCHED));
	ck_assert(job_transition_ok(JOB_DISPATCHED, JOB_EXPORTING));
	ck_assert(job_transition_ok(JOB_EXPORTING, JOB_VERIFYING));
	ck_assert(job_transition_ok(JOB_VERIFYING, JOB_SUCCEEDED));
	ck_assert(job_transition_ok(JOB_EXPORTING, JOB_QUEUED));
	ck_assert(job_transition_ok(JOB_RETRY_WAIT, JOB_QUEUED));
	ck_assert(!job_transition_ok(JOB_QUEUED, JOB_SUCCEEDED));
	ck_assert(!job_transition_ok(JOB_SUCCEEDED, JOB_QUEUED));
	ck_assert(!job_transition_ok(JOB_FAILED, JOB_QUEUED));
	ck_assert(!job_transition_ok(JOB_RETRY_WAIT, JOB_EXPORTING));
}
END_TEST

START_TEST(test_backoff)
{
	int64_t		 d;
	int		 a;
	uint32_t	 r;

	/* Full jitter: within [0, ceiling], ceiling doubling up to the cap. */
	for (a = 1; a < 12; a++) {
		int64_t	ceiling = 1000LL << (a - 1), lo = ceiling, hi = 0;

		if (ceiling > 60000)
			ceiling = 60000;
		for (r = 0; r < 50000; r += 37) {
			d = job_backoff_ms(a, 1000, 60000, r * 2654435761U);
			ck_assert_int_ge(d, 0);
			ck_assert_int_le(d, ceiling);
			if (d < lo)
				lo = d;
			if (d > hi)
				hi = d;
		}
		/* It spreads over the whole range. */
		ck_assert_int_lt(lo, ceiling / 10);
		ck_assert_int_gt(hi, ceiling * 9 / 10);
	}
	/* Jitter: different random words give different waits. */
	ck_assert_int_ne(job_backoff_ms(5, 1000, 60000, 1),
	    job_backoff_ms(5, 1000, 60000, 7777));
}
END_TEST

/*
 * Poll spacing: sleeps towards the predicted end (at most sleep_max at a
 * time), then a quarter of the prediction, doubling to poll_max; with no
 * prediction, poll_initial doubling to poll_max.
 */
START_TEST(test_poll_delay)
{
	struct job_polling	 p = { 40000, 30000, 1000, 30000 };
	int64_t			 step, t0 = 1000000;

	/* Before the end: towards it, in sleep_max steps. */
	step = p.poll_initial_ms;
	ck_assert_int_eq(job_poll_delay(&p, t0, t0, &step), 30000);
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 30000, &step), 10000);
	/* Missed: a quarter of 40 s, then doubling to poll_max. */
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 40000, &step), 10000);
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 50000, &step), 20000);
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 70000, &step), 30000);
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 100000, &step), 30000);

	/* A short prediction: the first interval past it is poll_initial. */
	p.predicted_ms = 2000;
	step = p.poll_initial_ms;
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 2000, &step), 1000);
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 3000, &step), 2000);

	/* A long one: never more than poll_max past the end. */
	p.predicted_ms = 600000;
	step = p.poll_initial_ms;
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 600000, &step), 30000);

	/* No prediction: poll_initial doubling to poll_max. */
	p.predicted_ms = 0;
	step = p.poll_initial_ms;
	ck_assert_int_eq(job_poll_delay(&p, t0, t0, &step), 1000);
	ck_assert_int_eq(job_poll_delay(&p, t0, t0, &step), 2000);
	ck_assert_int_eq(job_poll_delay(&p, t0, t0, &step), 4000);

	/* A guess is checked every poll_max until its end. */
	p.predicted_ms = 100000;
	p.sleep_max_ms = p.poll_max_ms;
	step = p.poll_initial_ms;
	ck_assert_int_eq(job_poll_delay(&p, t0, t0, &step), 30000);
	ck_assert_int_eq(job_poll_delay(&p, t0, t0 + 90000, &step), 10000);
}
END_TEST

START_TEST(test_fail_window)
{
	struct job	*job = job_new("p", "i", "d", "POSTGRES_15", "o");
	enum job_state	 st;
	int64_t		 now = 1000 * H;

	job->state = JOB_DISPATCHED;
	job->first_attempt_ms = now;
	st = job_fail(job, GCP_RETRY, "HTTP 503", now, H, -1, 12345, RB, RC);
	ck_assert_int_eq(st, JOB_RETRY_WAIT);
	ck_assert_int_eq(job->failures, 1);
	ck_assert_int_gt(job->next_attempt_ms, now);
	ck_assert_str_eq(job->last_error, "HTTP 503");

	/* Retry-After wins over a shorter backoff. */
	st = job_fail(job, GCP_RETRY, "429", now, H, 120000, 1, RB, RC);
	ck_assert_int_eq(st, JOB_RETRY_WAIT);
	ck_assert_int_ge(job->next_attempt_ms, now + 120000);

	/* The last retry is placed no later than the window's end. */
	st = job_fail(job, GCP_RETRY, "x", now + H - 1000, H, 30 * 60000, 1,
	    RB, RC);
	ck_assert_int_eq(st, JOB_RETRY_WAIT);
	ck_assert_int_eq(job->next_attempt_ms, now + H);

	/* At the end of the window, it fails. */
	st = job_fail(job, GCP_RETRY, "x", now + H, H, -1, 1, RB, RC);
	ck_assert_int_eq(st, JOB_FAILED);
	ck_assert_int_eq(job->failures, 4);
	job_free(job);
}
END_TEST

START_TEST(test_fail_permanent)
{
	struct job	*job = job_new("p", "i", "d", "POSTGRES_15", "o");

	job->state = JOB_DISPATCHED;
	ck_assert_int_eq(job_fail(job, GCP_PERMANENT, "404 instance gone",
	    5000, H, -1, 1, RB, RC), JOB_FAILED);
	ck_assert_int_eq(job->first_attempt_ms, 5000);
	ck_assert_str_eq(job->last_error, "404 instance gone");
	job_free(job);
}
END_TEST

/*
 * Stuck exports: the key when set, else 4 x the prediction and at least an
 * hour; only a job whose operation runs can be stuck.
 */
START_TEST(test_stuck)
{
	static const struct {
		enum job_state	 state;
		int64_t		 started, predicted, now;
		uint64_t	 key;
		int64_t		 after;
		int		 stuck;
	} t[] = {
		/* The key rules, either side of the line. */
		{ JOB_EXPORTING, 1000, 136000, 1000 + 10000, 10000, 10000, 0 },
		{ JOB_EXPORTING, 1000, 136000, 1000 + 10001, 10000, 10000, 1 },
		/* No key: an hour for a short prediction... */
		{ JOB_EXPORTING, 1000, 136000, 1000 + H, 0, H, 0 },
		{ JOB_EXPORTING, 1000, 136000, 1000 + H + 1, 0, H, 1 },
		/* ... 4 x a long one (the 136 s export at 11 min is not). */
		{ JOB_VERIFYING, 1000, H, 1000 + 4 * H, 0, 4 * H, 0 },
		{ JOB_VERIFYING, 1000, H, 1000 + 4 * H + 1, 0, 4 * H, 1 },
		/* Not running an operation: never stuck. */
		{ JOB_QUEUED, 1000, 1000, 10 * H, 10000, 10000, 0 },
		{ JOB_DISPATCHED, 1000, 1000, 10 * H, 10000, 10000, 0 },
		{ JOB_RETRY_WAIT, 1000, 1000, 10 * H, 10000, 10000, 0 },
		{ JOB_SUCCEEDED, 1000, 1000, 10 * H, 10000, 10000, 0 },
		{ JOB_FAILED, 1000, 1000, 10 * H, 10000, 10000, 0 },
		{ JOB_EXPORTING, 0, 1000, 10 * H, 10000, 10000, 0 },
	};
	struct job	*job = job_new("p", "i", "d", "POSTGRES_15", "o");
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		job->state = t[i].state;
		job->started_ms = t[i].started;
		job->predicted_ms = t[i].predicted;
		ck_assert_msg(job_stuck_after(job, t[i].key) == t[i].after,
		    "case %zu: after %lld", i,
		    (long long)job_stuck_after(job, t[i].key));
		ck_assert_msg(job_stuck(job, t[i].now, t[i].key) == t[i].stuck,
		    "case %zu", i);
	}
	job_free(job);
}
END_TEST

/* A string of n copies of c; caller frees. */
static char *
repeat(int c, size_t n)
{
	char	*s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return (s);
}

/* The names are the job's own copies, each up to Google's limit. */
START_TEST(test_job_new)
{
	struct job	*job;
	char		 p[] = "proj", *at[5], *over[5];
	const size_t	 max[5] = { GCP_PROJECT_ID_MAX, GCP_INSTANCE_MAX,
	    GCP_DATABASE_MAX, JOB_VERSION_MAX, GCP_OBJECT_MAX };
	const char	*a[5];
	int		 i, k;

	job = job_new(p, "inst", "db", "MYSQL_8_0", "proj/inst/db.sql.gz");
	ck_assert_ptr_nonnull(job);
	p[0] = 'X';
	ck_assert_str_eq(job_project(job), "proj");
	ck_assert_str_eq(job_instance(job), "inst");
	ck_assert_str_eq(job_database(job), "db");
	ck_assert_str_eq(job_version(job), "MYSQL_8_0");
	ck_assert_str_eq(job_object(job), "proj/inst/db.sql.gz");
	ck_assert_ptr_null(job->operation);
	ck_assert_ptr_null(job->last_error);
	ck_assert_int_eq(job->state, JOB_QUEUED);
	ck_assert_int_eq(job->worker, -1);
	job_free(job);
	job_free(NULL);

	/* Each name: at its limit it is taken, one byte more refused. */
	for (i = 0; i < 5; i++) {
		at[i] = repeat('a' + i, max[i]);
		over[i] = repeat('a' + i, max[i] + 1);
	}
	for (i = 0; i < 5; i++) {
		for (k = 0; k < 5; k++)
			a[k] = k == i ? over[k] : at[k];
		ck_assert_msg(job_new(a[0], a[1], a[2], a[3], a[4]) == NULL,
		    "name %d over its limit taken", i);
	}
	job = job_new(at[0], at[1], at[2], at[3], at[4]);
	ck_assert_ptr_nonnull(job);
	ck_assert_str_eq(job_instance(job), at[1]);
	ck_assert_str_eq(job_object(job), at[4]);
	job_free(job);
	for (i = 0; i < 5; i++) {
		free(at[i]);
		free(over[i]);
	}
}
END_TEST

/* Operation and error: set, replaced, cleared; never over the limit. */
START_TEST(test_job_strings)
{
	struct job	*job, *copy;
	char		*op = repeat('o', GCP_OPERATION_MAX);
	char		*long_op = repeat('o', GCP_OPERATION_MAX + 1);
	char		*long_error = repeat('e', JOB_ERROR_MAX + 100);

	job = job_new("p", "i", "d", "POSTGRES_15", "o");
	ck_assert_int_eq(job_set_operation(job, "op-1"), 0);
	ck_assert_str_eq(job->operation, "op-1");
	ck_assert_int_eq(job_set_operation(job, long_op), -1);
	ck_assert_str_eq(job->operation, "op-1");	/* unchanged */
	ck_assert_int_eq(job_set_operation(job, op), 0);
	ck_assert_str_eq(job->operation, op);
	ck_assert_int_eq(job_set_operation(job, ""), 0);
	ck_assert_ptr_null(job->operation);
	ck_assert_int_eq(job_set_operation(job, "op-2"), 0);
	ck_assert_int_eq(job_set_operation(job, NULL), 0);
	ck_assert_ptr_null(job->operation);

	job_set_error(job, long_error);
	ck_assert_uint_eq(strlen(job->last_error), JOB_ERROR_MAX);
	ck_assert(strncmp(job->last_error, long_error, JOB_ERROR_MAX) == 0);
	job_set_error(job, "");
	ck_assert_ptr_null(job->last_error);
	job_set_error(job, "HTTP 503");
	ck_assert_str_eq(job->last_error, "HTTP 503");

	/* A copy has its own strings and none of the master's bookkeeping. */
	ck_assert_int_eq(job_set_operation(job, "op-3"), 0);
	job->id = 7;
	job->attempts = 2;
	job->worker = 3;
	job->dirty = 1;
	strlcpy(job->crc32c, "AAAAAA==", sizeof(job->crc32c));
	copy = job_dup(job);
	job_set_error(job, NULL);
	ck_assert_int_eq(job_set_operation(job, NULL), 0);
	ck_assert_str_eq(copy->operation, "op-3");
	ck_assert_str_eq(copy->last_error, "HTTP 503");
	ck_assert_str_eq(job_project(copy), "p");
	ck_assert_ptr_ne(job_project(copy), job_project(job));
	ck_assert_str_eq(copy->crc32c, "AAAAAA==");
	ck_assert_int_eq(copy->id, 7);
	ck_assert_int_eq(copy->attempts, 2);
	ck_assert_int_eq(copy->worker, -1);
	ck_assert_int_eq(copy->dirty, 0);
	job_free(job);
	job_free(copy);
	free(op);
	free(long_op);
	free(long_error);
}
END_TEST

/* Sorted by project, instance, database; found by binary search. */
START_TEST(test_job_find)
{
	static const char *const names[][3] = {
		{ "p2", "i1", "a" }, { "p1", "i2", "a" }, { "p1", "i1", "b" },
		{ "p1", "i1", "a" }, { "p10", "i", "x" }, { "p1", "i10", "a" },
	};
	struct job	*v[6];
	size_t		 i, n = sizeof(names) / sizeof(names[0]);

	for (i = 0; i < n; i++)
		ck_assert_ptr_nonnull(v[i] = job_new(names[i][0], names[i][1],
		    names[i][2], "POSTGRES_15", "o"));
	ck_assert_int_lt(job_name_cmp(v[3], "p1", "i1", "b"), 0);
	ck_assert_int_gt(job_name_cmp(v[1], "p1", "i10", "a"), 0);
	ck_assert_int_eq(job_name_cmp(v[4], "p10", "i", "x"), 0);
	qsort(v, n, sizeof(v[0]), job_ptr_cmp);
	ck_assert_str_eq(job_database(v[0]), "a");
	ck_assert_str_eq(job_instance(v[0]), "i1");
	ck_assert_str_eq(job_database(v[1]), "b");
	ck_assert_str_eq(job_instance(v[2]), "i10");
	ck_assert_str_eq(job_instance(v[3]), "i2");
	ck_assert_str_eq(job_project(v[4]), "p10");
	ck_assert_str_eq(job_project(v[5]), "p2");
	for (i = 0; i < n; i++)
		ck_assert_ptr_eq(job_find(v, n, job_project(v[i]),
		    job_instance(v[i]), job_database(v[i])), v[i]);
	ck_assert_ptr_null(job_find(v, n, "p1", "i1", "c"));
	ck_assert_ptr_null(job_find(v, n, "p0", "i1", "a"));
	ck_assert_ptr_null(job_find(v, n, "p3", "i1", "a"));
	ck_assert_ptr_null(job_find(v, 0, "p1", "i1", "a"));
	for (i = 0; i < n; i++)
		job_free(v[i]);
}
END_TEST

/*
 * The learnt prior: unused until it has seen a few exports; then a line
 * through (log prior, log real): a pure rescaling when real times follow
 * the prior, the fleet's typical time when they do not, following the
 * fleet when it changes.
 */
START_TEST(test_prior)
{
	struct job_prior	jp;
	int			i;

	memset(&jp, 0, sizeof(jp));
	ck_assert_int_eq(job_prior_scaled(&jp, 1000), 1000);
	job_prior_learn(&jp, 1000, 250);
	job_prior_learn(&jp, 1000, 4000);
	ck_assert_int_eq(job_prior_scaled(&jp, 1000), 1000);	/* 2 seen */
	job_prior_learn(&jp, 0, 1000);		/* ignored */
	job_prior_learn(&jp, 1000, -5);		/* ignored */
	job_prior_learn(&jp, 1000, 1000);
	ck_assert_int_eq(jp.n, 3);
	/* One prior only: geometric mean of 0.25, 4 and 1, as a scale. */
	ck_assert_int_eq(job_prior_scaled(&jp, 1000), 1000);
	ck_assert_int_eq(job_prior_scaled(&jp, 8000), 8000);

	/* Real times a tenth of the prior, whatever the prior. */
	memset(&jp, 0, sizeof(jp));
	for (i = 0; i < 4 * JOB_PRIOR_WINDOW; i++)
		job_prior_learn(&jp, 1000 << (i % 8), 100 << (i % 8));
	ck_assert_int_eq(jp.n, JOB_PRIOR_WINDOW);
	ck_assert_int_le(labs(job_prior_scaled(&jp, 100000) - 10000), 100);
	ck_assert_int_le(labs(job_prior_scaled(&jp, 3000) - 300), 3);

	/* Real times unrelated to the prior: the typical time for all. */
	memset(&jp, 0, sizeof(jp));
	for (i = 0; i < 4 * JOB_PRIOR_WINDOW; i++)
		job_prior_learn(&jp, 1000 << (i % 8), i % 2 ? 2000 : 8000);
	ck_assert_int_le(labs(job_prior_scaled(&jp, 1000) - 4000), 400);
	ck_assert_int_le(labs(job_prior_scaled(&jp, 128000) - 4000), 400);

	/*
	 * It follows the fleet when it changes: real times now equal to
	 * the prior.  A line through all 210 points would still predict
	 * 4,120 ms for a 1,000,000 ms prior; ten new ones move it more.
	 */
	for (i = 0; i < 10; i++)
		job_prior_learn(&jp, 1000 << (i % 8), 1000 << (i % 8));
	ck_assert_int_gt(job_prior_scaled(&jp, 1000000), 6000);

	/*
	 * Priors thousands of times too long (a big disk, small dumps):
	 * the line finds the real times all the same.
	 */
	memset(&jp, 0, sizeof(jp));
	for (i = 0; i < JOB_PRIOR_WINDOW; i++)
		job_prior_learn(&jp, 4000000 << (i % 4), 200);
	ck_assert_int_eq(job_prior_scaled(&jp, 8000000), 200);

	/* Longer priors, shorter exports: the slope stays at 0. */
	memset(&jp, 0, sizeof(jp));
	for (i = 0; i < JOB_PRIOR_WINDOW; i++)
		job_prior_learn(&jp, 1000 << (i % 4), 8000 >> (i % 4));
	ck_assert_int_eq(job_prior_scaled(&jp, 1000),
	    job_prior_scaled(&jp, 8000));
	ck_assert_int_eq(job_prior_scaled(&jp, 0), 0);
}
END_TEST

START_TEST(test_object_name)
{
	char	buf[256];
	/* 2026-11-25T03:00:07Z */
	int64_t	t = 1795575607LL * 1000;

	ck_assert_int_eq(job_object_name("{project}/{instance}/{database}/"
	    "{date}T{time}Z.{ext}", "p", "i", "d", "sql.gz", t, buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "p/i/d/2026-11-25T030007Z.sql.gz");
	ck_assert_int_eq(job_object_name("x/{date}/{database}.{ext}", "p", "i",
	    "db1", "bak", t, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "x/2026-11-25/db1.bak");
	ck_assert_int_eq(job_object_name("{nope}", "p", "i", "d", "bak", t,
	    buf, sizeof(buf)), -1);
	ck_assert_int_eq(job_object_name("{project", "p", "i", "d", "bak", t,
	    buf, sizeof(buf)), -1);
	ck_assert_int_eq(job_object_name("{project}/{database}", "p", "i",
	    "a-rather-long-database-name", "bak", t, buf, 10), -1);
}
END_TEST

static Suite *
job_suite(void)
{
	Suite	*s = suite_create("job");
	TCase	*tc = tcase_create("rules");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_transitions);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_fail_window);
	tcase_add_test(tc, test_fail_permanent);
	tcase_add_test(tc, test_stuck);
	tcase_add_test(tc, test_job_new);
	tcase_add_test(tc, test_job_strings);
	tcase_add_test(tc, test_job_find);
	tcase_add_test(tc, test_object_name);
	tcase_add_test(tc, test_prior);
	tcase_add_test(tc, test_poll_delay);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(job_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
