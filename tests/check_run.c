/*
 * check_run.c: the rules a run applies to its jobs (run.c), with a set
 * clock: what a failed attempt comes to, dispatch, counting, the end of a
 * run and its outcome, recovery of journaled jobs, duplicate targets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "discovery.h"
#include "msg.h"
#include "run.h"
#include "sched.h"

#define T0	1764900000000LL	/* 2025-12-05, a fixed "now" */
#define S	1000LL
#define H	(3600 * S)

static const struct run_policy policy = {
	.retry_window_ms = H,
	.poll_initial_ms = 5 * S,
	.poll_max_ms = 60 * S,
	.retry_base_ms = 4 * S,
	.retry_max_ms = 300 * S,
	.busy_cap_ms = 300 * S,
	.resume_delay_ms = 2 * S,
};

static struct job *
mkjob(const char *db, enum job_state st)
{
	struct job	*job;

	job = job_new("proj", "inst", db, "POSTGRES_15", "proj/inst/x.sql.gz");
	ck_assert_ptr_nonnull(job);
	job->state = st;
	job->worker = -1;
	return (job);
}

/* A run with one job in flight (dispatched at t0), as the master has it. */
static struct run *
mkrun_dispatched(struct job **jobp, int64_t t0)
{
	struct run	*r = run_new("manual", "", t0);
	struct job	*job = mkjob("db", JOB_QUEUED);

	run_add_job(r, job);
	run_job_dispatch(r, job, t0);
	*jobp = job;
	return (r);
}

/*
 * The failure table: a report, the job's situation, and what must come of
 * it: the verdict, the state, whether the operation is kept, the attempts
 * and failures counted, and when the job may go again.
 */
static const struct failed_case {
	const char	*name;
	enum gcp_status	 status;
	int		 op_failed;	/* the operation ended in error */
	int		 has_op;	/* the job knows its operation */
	int		 prev_auth;	/* a refused token came just before */
	int64_t		 retry_after_ms;
	int64_t		 since_first_ms; /* now - first attempt */
	enum run_verdict verdict;
	enum job_state	 state;
	int		 keeps_op;
	int		 attempts;	/* after one dispatch */
	int		 failures;
	int64_t		 next_min_ms, next_max_ms; /* from now; -1: unset */
} failed_cases[] = {
	{ "token refused once", GCP_AUTH, 0, 0, 0, -1, 0,
	    RUN_TOKEN_REFUSED, JOB_RETRY_WAIT, 0, 0, 0, 2 * S, 2 * S },
	{ "token refused twice", GCP_AUTH, 0, 0, 1, -1, 0,
	    RUN_RETRY, JOB_RETRY_WAIT, 0, 1, 1, 0, H },
	{ "token refused while polling", GCP_AUTH, 0, 1, 0, -1, 0,
	    RUN_LOST_POLL, JOB_RETRY_WAIT, 1, 1, 0, 2 * S, 2 * S },
	{ "busy instance", GCP_BUSY, 0, 0, 0, -1, 0,
	    RUN_BUSY, JOB_QUEUED, 0, 0, 0, -1, -1 },
	{ "busy past the window", GCP_BUSY, 0, 0, 0, -1, H,
	    RUN_BUSY_TOO_LONG, JOB_FAILED, 0, 0, 0, -1, -1 },
	{ "poll broke", GCP_RETRY, 0, 1, 0, -1, 0,
	    RUN_LOST_POLL, JOB_RETRY_WAIT, 1, 1, 0, 2 * S, 2 * S },
	{ "operation failed", GCP_RETRY, 1, 1, 0, -1, 0,
	    RUN_RETRY, JOB_RETRY_WAIT, 0, 1, 1, 0, H },
	{ "transient", GCP_RETRY, 0, 0, 0, -1, 0,
	    RUN_RETRY, JOB_RETRY_WAIT, 0, 1, 1, 0, H },
	{ "transient, Retry-After", GCP_RETRY, 0, 0, 0, 120 * S, 0,
	    RUN_RETRY, JOB_RETRY_WAIT, 0, 1, 1, 120 * S, 120 * S },
	{ "transient past the window", GCP_RETRY, 0, 0, 0, -1, H,
	    RUN_GAVE_UP, JOB_FAILED, 0, 1, 1, -1, -1 },
	{ "permanent", GCP_PERMANENT, 0, 0, 0, -1, 0,
	    RUN_GAVE_UP, JOB_FAILED, 0, 1, 1, -1, -1 },
	{ "permanent, operation failed", GCP_PERMANENT, 1, 1, 0, -1, 0,
	    RUN_GAVE_UP, JOB_FAILED, 0, 1, 1, -1, -1 },
};

START_TEST(test_failed_table)
{
	const struct failed_case	*fc = &failed_cases[_i];
	struct msg_failed		 f;
	struct run			*r;
	struct job			*job;
	enum run_verdict		 v;
	int64_t				 now, busy = 0;

	r = mkrun_dispatched(&job, T0);
	if (fc->has_op) {
		job_set_operation(job, "op-1");
		run_job_state(r, job, JOB_EXPORTING);
	}
	if (fc->prev_auth)
		job->last_status = GCP_AUTH;
	memset(&f, 0, sizeof(f));
	f.status = fc->status;
	f.op_failed = fc->op_failed;
	f.retry_after_ms = fc->retry_after_ms;
	strlcpy(f.message, fc->name, sizeof(f.message));
	now = T0 + fc->since_first_ms;

	v = run_job_failed(r, job, &f, &policy, now, 12345, &busy);
	ck_assert_msg(v == fc->verdict, "%s: verdict %s, want %s", fc->name,
	    run_verdict_name(v), run_verdict_name(fc->verdict));
	ck_assert_msg(job->state == fc->state, "%s: state %s", fc->name,
	    job_state_name(job->state));
	ck_assert_int_eq(job->operation != NULL, fc->keeps_op);
	ck_assert_int_eq(job->attempts, fc->attempts);
	ck_assert_int_eq(job->failures, fc->failures);
	ck_assert_str_eq(job->last_error, fc->name);
	if (fc->next_min_ms >= 0) {
		ck_assert_int_ge(job->next_attempt_ms, now + fc->next_min_ms);
		ck_assert_int_le(job->next_attempt_ms, now + fc->next_max_ms);
	}
	/* A busy instance waits; nothing else does. */
	if (fc->status == GCP_BUSY) {
		ck_assert_int_ge(busy, now + policy.poll_initial_ms);
		ck_assert_int_le(busy, now + policy.poll_initial_ms +
		    policy.busy_cap_ms);
	} else
		ck_assert_int_eq(busy, 0);
	/* The run's counts follow the job. */
	ck_assert_int_eq(r->count[job->state], 1);
	ck_assert_int_eq(r->count[JOB_DISPATCHED] + r->count[JOB_EXPORTING] +
	    r->count[JOB_QUEUED] + r->count[JOB_RETRY_WAIT] +
	    r->count[JOB_FAILED] + r->count[JOB_SUCCEEDED], 1);
	run_free(r);
}
END_TEST

START_TEST(test_busy_retry_after)
{
	struct msg_failed	 f;
	struct run		*r;
	struct job		*job;
	int64_t			 busy;

	/* Google's Retry-After on a 409 is longer than our own wait. */
	r = mkrun_dispatched(&job, T0);
	memset(&f, 0, sizeof(f));
	f.status = GCP_BUSY;
	f.retry_after_ms = 900 * S;
	ck_assert_int_eq(run_job_failed(r, job, &f, &policy, T0, 0, &busy),
	    RUN_BUSY);
	ck_assert_int_eq(busy, T0 + 900 * S);
	run_free(r);
}
END_TEST

START_TEST(test_busy_backoff_grows)
{
	struct sched_instance	 si;
	struct msg_failed	 f;
	struct run		*r;
	struct job		*job;
	int64_t			 busy, ceiling;
	int			 n;

	/*
	 * The wait is poll_initial plus a jitter whose ceiling starts at
	 * 2 x poll_initial and doubles with the instance's 409s in a row, up
	 * to the cap; a jitter word equal to the ceiling draws the ceiling.
	 */
	memset(&si, 0, sizeof(si));
	memset(&f, 0, sizeof(f));
	f.status = GCP_BUSY;
	f.retry_after_ms = -1;
	for (n = 0; n < 12; n++) {
		ceiling = 2 * policy.poll_initial_ms << n;
		if (ceiling > policy.busy_cap_ms)
			ceiling = policy.busy_cap_ms;
		r = mkrun_dispatched(&job, T0);
		job->inst = &si;
		si.busy_count = n;
		ck_assert_int_eq(run_job_failed(r, job, &f, &policy, T0,
		    (uint32_t)ceiling, &busy), RUN_BUSY);
		ck_assert_int_eq(busy - T0, policy.poll_initial_ms + ceiling);
		job->inst = NULL;
		run_free(r);
	}
}
END_TEST

START_TEST(test_dispatch)
{
	struct run	*r = run_new("manual", "", T0);
	struct job	*a = mkjob("a", JOB_QUEUED), *b = mkjob("b", JOB_QUEUED);

	run_add_job(r, a);
	run_add_job(r, b);
	ck_assert_int_eq(r->count[JOB_QUEUED], 2);

	/* A new attempt. */
	run_job_dispatch(r, a, T0 + S);
	ck_assert_int_eq(a->state, JOB_DISPATCHED);
	ck_assert_int_eq(a->attempts, 1);
	ck_assert_int_eq(a->first_attempt_ms, T0 + S);
	ck_assert_int_eq(a->started_ms, T0 + S);

	/* A journaled operation resumes: no new attempt, same start. */
	b->state = JOB_RETRY_WAIT;
	r->count[JOB_QUEUED]--;
	r->count[JOB_RETRY_WAIT]++;
	job_set_operation(b, "op-b");
	b->attempts = 1;
	b->first_attempt_ms = b->started_ms = T0;
	run_job_dispatch(r, b, T0 + 5 * S);
	ck_assert_int_eq(b->state, JOB_EXPORTING);
	ck_assert_int_eq(b->attempts, 1);
	ck_assert_int_eq(b->started_ms, T0);
	ck_assert_int_eq(b->first_attempt_ms, T0);

	ck_assert_int_eq(r->in_flight, 2);
	ck_assert_int_eq(r->count[JOB_DISPATCHED], 1);
	ck_assert_int_eq(r->count[JOB_EXPORTING], 1);
	ck_assert_int_eq(r->count[JOB_QUEUED] + r->count[JOB_RETRY_WAIT], 0);
	run_free(r);
}
END_TEST

/* The end of a run: when it is over, and what its outcome is. */
static const struct end_case {
	const char	*name;
	int		 succeeded, failed, open;
	int		 disc_failed;
	int		 over;
	const char	*outcome;
} end_cases[] = {
	{ "all exported", 3, 0, 0, 0, 1, "succeeded" },
	{ "one failed", 2, 1, 0, 0, 1, "failed" },
	{ "one still going", 2, 0, 1, 0, 0, NULL },
	{ "nothing found", 0, 0, 0, 0, 1, "succeeded" },
	{ "discovery failed", 3, 0, 0, 1, 1, "failed" },
	{ "discovery failed, nothing found", 0, 0, 0, 1, 1, "failed" },
};

START_TEST(test_end_table)
{
	const struct end_case	*ec = &end_cases[_i];
	struct run		*r = run_new("schedule", "", T0);
	char			 name[16];
	int			 k;

	for (k = 0; k < ec->succeeded + ec->failed + ec->open; k++) {
		snprintf(name, sizeof(name), "db%d", k);
		run_add_job(r, mkjob(name, k < ec->succeeded ? JOB_SUCCEEDED :
		    k < ec->succeeded + ec->failed ? JOB_FAILED :
		    JOB_RETRY_WAIT));
	}
	r->disc_failed = ec->disc_failed;
	ck_assert_msg(run_jobs_final(r) == ec->over, "%s", ec->name);
	if (ec->over) {
		run_end(r, T0 + H);
		ck_assert_str_eq(r->jr.outcome, ec->outcome);
		ck_assert_int_eq(r->jr.total, ec->succeeded + ec->failed);
		ck_assert_int_eq(r->jr.succeeded, ec->succeeded);
		ck_assert_int_eq(r->jr.failed, ec->failed);
		ck_assert_int_eq(r->jr.ended_ms, T0 + H);
	}
	run_free(r);
}
END_TEST

/* A journaled job of an unfinished run, as it comes back at start. */
static const struct recover_case {
	enum job_state	 state;
	int		 has_op;
	int		 attempts;
	enum job_state	 want_state;
	int		 want_attempts;
	int		 want_adopt;
} recover_cases[] = {
	{ JOB_DISPATCHED, 0, 2, JOB_QUEUED, 1, 1 },
	{ JOB_DISPATCHED, 1, 2, JOB_QUEUED, 2, 1 },
	{ JOB_EXPORTING, 1, 1, JOB_QUEUED, 1, 0 },
	{ JOB_VERIFYING, 1, 1, JOB_QUEUED, 1, 0 },
	{ JOB_RETRY_WAIT, 0, 1, JOB_RETRY_WAIT, 1, 0 },
	{ JOB_QUEUED, 0, 0, JOB_QUEUED, 0, 0 },
	{ JOB_SUCCEEDED, 1, 1, JOB_SUCCEEDED, 1, 0 },
	{ JOB_FAILED, 0, 3, JOB_FAILED, 3, 0 },
};

START_TEST(test_recover_table)
{
	const struct recover_case	*rc = &recover_cases[_i];
	struct job			*job = mkjob("db", rc->state);

	job->attempts = rc->attempts;
	if (rc->has_op)
		job_set_operation(job, "op-1");
	run_recover_job(job);
	ck_assert_int_eq(job->state, rc->want_state);
	ck_assert_int_eq(job->attempts, rc->want_attempts);
	ck_assert_int_eq(job->outcome_unknown, rc->want_adopt);
	ck_assert_int_eq(job->operation != NULL, rc->has_op);
	job_free(job);
}
END_TEST

START_TEST(test_remove_and_counts)
{
	struct run	*r = run_new("manual", "", T0);
	struct job	*job;

	run_add_job(r, mkjob("a", JOB_QUEUED));
	run_add_job(r, mkjob("b", JOB_RETRY_WAIT));
	run_add_job(r, mkjob("c", JOB_SUCCEEDED));
	job = run_remove_job(r, 0);
	ck_assert_str_eq(job_database(job), "a");
	job_free(job);
	ck_assert_int_eq(r->njobs, 2);
	ck_assert_str_eq(job_database(r->jobs[0]), "c");
	ck_assert_int_eq(r->count[JOB_QUEUED], 0);
	ck_assert_int_eq(r->count[JOB_RETRY_WAIT], 1);
	ck_assert(!run_jobs_final(r));
	run_job_state(r, r->jobs[1], JOB_QUEUED);
	run_job_state(r, r->jobs[1], JOB_DISPATCHED);
	run_job_state(r, r->jobs[1], JOB_EXPORTING);
	run_job_state(r, r->jobs[1], JOB_VERIFYING);
	run_job_state(r, r->jobs[1], JOB_SUCCEEDED);
	ck_assert(run_jobs_final(r));
	ck_assert_int_eq(r->count[JOB_SUCCEEDED], 2);
	run_free(r);
}
END_TEST

START_TEST(test_busy_count)
{
	struct sched_instance	 busy, free_si;
	struct run		*r = run_new("manual", "", T0);
	size_t			 i;

	memset(&busy, 0, sizeof(busy));
	memset(&free_si, 0, sizeof(free_si));
	busy.busy_until_ms = T0 + 60 * S;
	free_si.busy_until_ms = T0 - S;		/* was busy, is no more */
	run_add_job(r, mkjob("a", JOB_QUEUED));
	run_add_job(r, mkjob("b", JOB_QUEUED));
	run_add_job(r, mkjob("c", JOB_RETRY_WAIT));
	run_add_job(r, mkjob("d", JOB_QUEUED));
	run_add_job(r, mkjob("e", JOB_QUEUED));
	r->jobs[0]->inst = &busy;
	r->jobs[1]->inst = &busy;
	r->jobs[2]->inst = &busy;	/* retry wait: counted as such */
	r->jobs[3]->inst = &free_si;
	ck_assert_int_eq(run_busy(r, T0), 2);
	ck_assert_int_eq(run_busy(r, T0 + 60 * S), 0);
	busy.busy_until_ms = 0;
	ck_assert_int_eq(run_busy(r, T0), 0);
	for (i = 0; i < r->njobs; i++)
		r->jobs[i]->inst = NULL;
	run_free(r);
}
END_TEST

START_TEST(test_disc_dups)
{
	struct disc_result	 res;
	struct disc_target	 t[5];
	char			*dup;
	static const char	*names[5][3] = {
		{ "p", "i", "a" }, { "p", "i", "b" }, { "p", "i", "a" },
		{ "q", "i", "a" }, { "p", "i", "a" },
	};
	int			 k;

	memset(&res, 0, sizeof(res));
	memset(t, 0, sizeof(t));
	for (k = 0; k < 5; k++) {
		t[k].project = names[k][0];
		t[k].instance = names[k][1];
		t[k].database = names[k][2];
	}
	res.targets = t;
	res.ntargets = 5;
	dup = run_disc_dups(&res);
	/* Every one but the first of each name, in the walk's order. */
	ck_assert_int_eq(dup[0], 0);
	ck_assert_int_eq(dup[1], 0);
	ck_assert_int_eq(dup[2], 1);
	ck_assert_int_eq(dup[3], 0);
	ck_assert_int_eq(dup[4], 1);
	free(dup);
}
END_TEST

START_TEST(test_patterns_text)
{
	struct disc_pattern	 pat[3];
	char			 buf[64], err[128];

	ck_assert_int_eq(disc_pattern_parse("finance-prod", &pat[0], err,
	    sizeof(err)), 0);
	ck_assert_int_eq(disc_pattern_parse("hr/pg-1/payroll", &pat[1], err,
	    sizeof(err)), 0);
	ck_assert_int_eq(disc_pattern_parse("lab-*/mysql-*", &pat[2], err,
	    sizeof(err)), 0);
	run_patterns_text(pat, 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "finance-prod hr/pg-1/payroll lab-*/mysql-*");
	run_patterns_text(pat, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

/* The stall rule: (progress, now, stall_after) -> stalled? */
static const struct {
	int64_t		 progress, now;
	uint64_t	 after;
	int		 stalled;
} stall_cases[] = {
	{ T0, T0, 10 * S, 0 },
	{ T0, T0 + 10 * S - 1, 10 * S, 0 },
	{ T0, T0 + 10 * S, 10 * S, 1 },		/* exactly stall_after */
	{ T0, T0 + 3600 * S, 15 * 60 * S, 1 },
	{ T0, T0 + 3600 * S, 0, 0 },		/* 0: never */
	{ T0 + 5 * S, T0, 10 * S, 0 },		/* clock behind progress */
};

START_TEST(test_stalled_table)
{
	ck_assert_int_eq(run_stalled(stall_cases[_i].progress,
	    stall_cases[_i].now, stall_cases[_i].after),
	    stall_cases[_i].stalled);
}
END_TEST

/* The watchdog over a run's life: stall, kicks, progress, the end. */
START_TEST(test_watch)
{
	struct run	*r = run_new("manual", "", T0);
	struct job	*a = mkjob("a", JOB_QUEUED), *b = mkjob("b", JOB_QUEUED);
	const uint64_t	 after = 10 * S;

	run_add_job(r, a);
	run_add_job(r, b);
	/* Discovering: not watched, the clock keeps starting again. */
	ck_assert_int_eq(run_watch(r, T0 + 100 * S, after), RUN_WATCH_OK);
	ck_assert_int_eq(r->progress_ms, T0 + 100 * S);
	r->state = RUN_RUNNING;
	ck_assert_int_eq(run_watch(r, T0 + 109 * S, after), RUN_WATCH_OK);
	ck_assert_int_eq(r->stalled, 0);
	ck_assert_int_eq(run_watch(r, T0 + 110 * S, after),
	    RUN_WATCH_STALLED);
	ck_assert_int_eq(r->stalled, 1);
	/* Said once; kicked again a stall_after later. */
	ck_assert_int_eq(run_watch(r, T0 + 115 * S, after), RUN_WATCH_OK);
	ck_assert_int_eq(r->stalled, 1);
	ck_assert_int_eq(run_watch(r, T0 + 120 * S, after), RUN_WATCH_KICK);
	ck_assert_int_eq(run_watch(r, T0 + 121 * S, after), RUN_WATCH_OK);
	/* Progress ends the stall, and says it did. */
	ck_assert_int_eq(run_progress(r, T0 + 122 * S), 1);
	ck_assert_int_eq(r->stalled, 0);
	ck_assert_int_eq(run_progress(r, T0 + 123 * S), 0);
	ck_assert_int_eq(run_watch(r, T0 + 130 * S, after), RUN_WATCH_OK);
	ck_assert_int_eq(run_watch(r, T0 + 133 * S, after),
	    RUN_WATCH_STALLED);
	/* Every job over: nothing left to stall. */
	run_job_state(r, a, JOB_FAILED);
	run_job_state(r, b, JOB_FAILED);
	ck_assert_int_eq(run_watch(r, T0 + 500 * S, after), RUN_WATCH_OK);
	ck_assert_int_eq(r->stalled, 0);
	run_free(r);
}
END_TEST

/* Resumed after a restart: no progress known yet, the first look starts it. */
START_TEST(test_watch_recovered)
{
	struct run	*r = run_new("", "", 0);

	run_add_job(r, mkjob("a", JOB_QUEUED));
	r->state = RUN_RUNNING;
	ck_assert_int_eq(run_watch(r, T0, 10 * S), RUN_WATCH_OK);
	ck_assert_int_eq(r->progress_ms, T0);
	ck_assert_int_eq(run_watch(r, T0 + 10 * S, 10 * S),
	    RUN_WATCH_STALLED);
	/* stall_after 0 never stalls. */
	run_progress(r, T0);
	ck_assert_int_eq(run_watch(r, T0 + 3600 * S, 0), RUN_WATCH_OK);
	run_free(r);
}
END_TEST

/* Each verdict has its own name for the logs; an unknown one says so. */
START_TEST(test_verdict_names)
{
	static const struct {
		enum run_verdict	 v;
		const char		*name;
	} names[] = {
		{ RUN_TOKEN_REFUSED, "token_refused" },
		{ RUN_BUSY, "busy" },
		{ RUN_BUSY_TOO_LONG, "busy_too_long" },
		{ RUN_LOST_POLL, "lost_poll" },
		{ RUN_RETRY, "retry" },
		{ RUN_GAVE_UP, "gave_up" },
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_str_eq(run_verdict_name(names[i].v), names[i].name);
	ck_assert_str_eq(run_verdict_name((enum run_verdict)99), "invalid");
}
END_TEST

static Suite *
run_suite(void)
{
	Suite	*s = suite_create("run");
	TCase	*tc = tcase_create("rules");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_failed_table, 0,
	    sizeof(failed_cases) / sizeof(failed_cases[0]));
	tcase_add_test(tc, test_busy_retry_after);
	tcase_add_test(tc, test_busy_backoff_grows);
	tcase_add_test(tc, test_dispatch);
	tcase_add_loop_test(tc, test_end_table, 0,
	    sizeof(end_cases) / sizeof(end_cases[0]));
	tcase_add_loop_test(tc, test_recover_table, 0,
	    sizeof(recover_cases) / sizeof(recover_cases[0]));
	tcase_add_test(tc, test_remove_and_counts);
	tcase_add_test(tc, test_busy_count);
	tcase_add_test(tc, test_disc_dups);
	tcase_add_test(tc, test_patterns_text);
	tcase_add_loop_test(tc, test_stalled_table, 0,
	    sizeof(stall_cases) / sizeof(stall_cases[0]));
	tcase_add_test(tc, test_watch);
	tcase_add_test(tc, test_watch_recovered);
	tcase_add_test(tc, test_verdict_names);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(run_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
