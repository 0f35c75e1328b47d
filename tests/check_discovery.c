/*
 * check_discovery.c: the pure parts of discovery (discovery.c): matching
 * patterns, why a trigger's patterns select nothing in a walk's result,
 * one copy per database with read replicas, from results built by hand,
 * and each target's disk bytes used from a Monitoring answer
 * (discovery-size.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "discovery.h"
#include "../src/discovery-int.h"
#include "xmalloc.h"

static struct disc_item	excluded[] = {
	{ "chemistry-devel", "", "", "*-devel" },
	{ "finance-prod", "finance-pg", "payroll", "finance-prod/*/payroll" },
};
static struct disc_item	skipped[] = {
	{ "law-archive", "", "", "Cloud SQL Admin API disabled" },
	{ "physics-lab", "physics-replica", "", "read replica (skip_replicas)" },
	{ "alumni-old", "", "", "project state DELETE_REQUESTED" },
};
static struct disc_item	errors[] = {
	{ "locked-lab", "", "", "instances.list: HTTP 403: denied" },
};
static struct disc_partial partial[] = {
	{ "geo-lab", "", "us-east4", "REGION_UNREACHABLE", "unreachable" },
};
static struct disc_target targets[] = {
	{ "physics-lab", "physics-mysql", "wiki", "MYSQL_8_0", 10, 1, NULL, 0 },
	{ "finance-prod", "finance-pg", "ledger", "POSTGRES_15", 10, 2, NULL,
	    0 },
};

static void
mkresult(struct disc_result *res)
{
	memset(res, 0, sizeof(*res));
	res->targets = targets;
	res->ntargets = sizeof(targets) / sizeof(targets[0]);
	res->excluded.v = excluded;
	res->excluded.n = sizeof(excluded) / sizeof(excluded[0]);
	res->skipped.v = skipped;
	res->skipped.n = sizeof(skipped) / sizeof(skipped[0]);
	res->errors.v = errors;
	res->errors.n = sizeof(errors) / sizeof(errors[0]);
	res->partial.v = partial;
	res->partial.n = sizeof(partial) / sizeof(partial[0]);
}

static const struct {
	const char	*pattern;
	const char	*why;		/* NULL: it selects something */
} explain_cases[] = {
	{ "physics-lab", NULL },
	{ "physics-*/*/wiki", NULL },
	{ "finance-prod/finance-pg/ledger", NULL },
	{ "nosuch-project", "'nosuch-project': no such project, instance "
	    "or database" },
	{ "physics-lab/physics-mysql/nosuch", "'physics-lab/physics-mysql/"
	    "nosuch': no such project, instance or database" },
	{ "chemistry-devel", "'chemistry-devel': chemistry-devel excluded "
	    "by rule '*-devel'" },
	{ "chemistry-devel/chem-pg/spectra", "'chemistry-devel/chem-pg/"
	    "spectra': chemistry-devel excluded by rule '*-devel'" },
	{ "finance-prod/finance-pg/payroll", "'finance-prod/finance-pg/"
	    "payroll': finance-prod/finance-pg/payroll excluded by rule "
	    "'finance-prod/*/payroll'" },
	{ "law-archive", "'law-archive': law-archive skipped: Cloud SQL "
	    "Admin API disabled" },
	{ "physics-lab/physics-replica", "'physics-lab/physics-replica': "
	    "physics-lab/physics-replica skipped: read replica "
	    "(skip_replicas)" },
	{ "alumni-*", "'alumni-*': alumni-old skipped: project state "
	    "DELETE_REQUESTED" },
	{ "locked-lab/pg", "'locked-lab/pg': locked-lab could not be "
	    "listed: instances.list: HTTP 403: denied" },
	{ "geo-lab", "'geo-lab': not found, but discovery was partial "
	    "(geo-lab region us-east4: REGION_UNREACHABLE)" },
};

START_TEST(test_explain_table)
{
	struct disc_result	 res;
	struct disc_pattern	 pat;
	char			 buf[1024], err[256];
	size_t			 n;

	mkresult(&res);
	ck_assert_int_eq(disc_pattern_parse(explain_cases[_i].pattern, &pat,
	    err, sizeof(err)), 0);
	n = disc_explain(&res, &pat, 1, buf, sizeof(buf));
	if (explain_cases[_i].why == NULL) {
		ck_assert_uint_eq(n, 0);
		ck_assert_str_eq(buf, "");
	} else {
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(buf, explain_cases[_i].why);
	}
}
END_TEST

/* Several patterns: one line each for those that select nothing. */
START_TEST(test_explain_several)
{
	struct disc_result	 res;
	struct disc_pattern	 pat[3];
	char			 buf[1024], err[256];

	mkresult(&res);
	ck_assert_int_eq(disc_pattern_parse("nosuch", &pat[0], err,
	    sizeof(err)), 0);
	ck_assert_int_eq(disc_pattern_parse("physics-lab", &pat[1], err,
	    sizeof(err)), 0);
	ck_assert_int_eq(disc_pattern_parse("law-archive", &pat[2], err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(disc_explain(&res, pat, 3, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "'nosuch': no such project, instance or "
	    "database\n'law-archive': law-archive skipped: Cloud SQL Admin "
	    "API disabled");
	/* A short buffer is cut, never overrun. */
	ck_assert_uint_eq(disc_explain(&res, pat, 3, buf, 12), 2);
	ck_assert_str_eq(buf, "'nosuch': n");
}
END_TEST

/* A walk that read nothing says so for every pattern. */
START_TEST(test_explain_failed)
{
	struct disc_result	 res;
	struct disc_pattern	 pat;
	char			 buf[256], err[256];

	memset(&res, 0, sizeof(res));
	res.failed = 1;
	ck_assert_int_eq(disc_pattern_parse("a/b", &pat, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(disc_explain(&res, &pat, 1, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "'a/b': discovery failed: nothing could be "
	    "read");
}
END_TEST

/*
 * Replicas: physics-mysql has a running replica (its own listing, with
 * skip_replicas = no, repeats the primary's databases); finance-pg's only
 * replica is stopped; geo-pg's primary is not a target (excluded), so its
 * replica's databases are the only copy and stay.
 */
static void
mkreplicas(struct disc_result *res, struct disc_target *t, size_t nt,
    struct disc_replica *rp, size_t nrp)
{
	memset(res, 0, sizeof(*res));
	res->strings = arena_new();
	res->targets = t;
	res->ntargets = nt;
	res->replicas = rp;
	res->nreplicas = nrp;
}

static size_t
count_on(const struct disc_result *res, const char *instance,
    const char *via)
{
	size_t	 i, n = 0;

	for (i = 0; i < res->ntargets; i++)
		if (strcmp(res->targets[i].instance, instance) == 0 &&
		    (via == NULL ? res->targets[i].via == NULL :
		    res->targets[i].via != NULL &&
		    strcmp(res->targets[i].via, via) == 0))
			n++;
	return (n);
}

START_TEST(test_replicas)
{
	struct disc_target	 t[] = {
		{ "physics-lab", "physics-mysql", "wiki", "MYSQL_8_0", 10, 2,
		  NULL, 0 },
		{ "physics-lab", "physics-mysql", "detectors", "MYSQL_8_0", 10,
		  2, NULL, 0 },
		{ "physics-lab", "physics-replica", "wiki", "MYSQL_8_0", 10, 2,
		  NULL, 0 },
		{ "physics-lab", "physics-replica", "detectors", "MYSQL_8_0",
		  10, 2, NULL, 0 },
		{ "finance-prod", "finance-pg", "ledger", "POSTGRES_15", 10, 1,
		  NULL, 0 },
		{ "geo-lab", "geo-replica", "maps", "POSTGRES_15", 10, 1,
		  NULL, 0 },
	};
	struct disc_replica	 rp[] = {
		{ "physics-lab", "physics-replica", "physics-mysql", 1 },
		{ "finance-prod", "finance-stopped", "finance-pg", 0 },
		{ "geo-lab", "geo-replica", "geo-pg", 1 },
	};
	struct disc_target	 copy[sizeof(t) / sizeof(t[0])];
	struct disc_result	 res;
	int			 prefer;

	for (prefer = 0; prefer <= 1; prefer++) {
		memcpy(copy, t, sizeof(t));
		mkreplicas(&res, copy, sizeof(t) / sizeof(t[0]), rp,
		    sizeof(rp) / sizeof(rp[0]));
		disc_replicas_apply(&res, prefer);
		/* One copy per database, whatever prefer says. */
		ck_assert_uint_eq(res.ntargets, 4);
		ck_assert_uint_eq(count_on(&res, "physics-replica", NULL), 0);
		ck_assert_uint_eq(count_on(&res, "physics-mysql",
		    prefer ? "physics-replica" : NULL), 2);
		ck_assert_uint_eq(count_on(&res, "finance-pg", NULL), 1);
		ck_assert_uint_eq(count_on(&res, "geo-replica", NULL), 1);
		ck_assert_uint_eq(res.skipped.n, 1);
		ck_assert_str_eq(res.skipped.v[0].instance, "physics-replica");
		ck_assert_str_eq(res.skipped.v[0].text, "read replica of "
		    "physics-mysql, whose databases are exported once");
		free(res.skipped.v);
		arena_free(res.strings);
	}
}
END_TEST

START_TEST(test_sizes)
{
	static const char	 body[] = "{\"timeSeries\":["
	    "{\"resource\":{\"labels\":{\"database_id\":"
	    "\"sizes-lab:roomy-pg\"}},"
	    "\"points\":[{\"value\":{\"int64Value\":\"52428800\"}}]},"
	    "{\"resource\":{\"labels\":{\"database_id\":"
	    "\"sizes-lab:tight-pg\"}},"
	    "\"points\":[{\"value\":{\"int64Value\":\"15770583040\"}}]},"
	    "{\"resource\":{\"labels\":{\"database_id\":\"other-lab:x\"}},"
	    "\"points\":[{\"value\":{\"int64Value\":\"5\"}}]},"
	    "{\"resource\":{\"labels\":{\"database_id\":\"sizes-lab:idle\"}},"
	    "\"points\":[{\"value\":{\"int64Value\":\"0\"}}]}],"
	    "\"nextPageToken\":\"p2\"}";
	struct disc_target	 t[] = {
		{ "sizes-lab", "tight-pg", "archive", "POSTGRES_15", 20, 1,
		  NULL, 0 },
		{ "sizes-lab", "roomy-pg", "notes", "POSTGRES_15", 500, 1,
		  NULL, 0 },
		{ "sizes-lab", "idle", "d", "POSTGRES_15", 10, 1, NULL, 0 },
		{ "other-lab", "x", "d", "POSTGRES_15", 10, 1, NULL, 0 },
	};
	struct disc		 d;
	struct disc_result	 res;
	struct disc_req		 pr, r, *q;
	struct gcp_error	 err;
	char			*next = NULL;

	memset(&d, 0, sizeof(d));
	memset(&res, 0, sizeof(res));
	TAILQ_INIT(&d.queue);
	res.strings = arena_new();
	d.res = &res;

	/* Asked once a project, and only with an endpoint. */
	memset(&pr, 0, sizeof(pr));
	pr.d = &d;
	pr.project = "sizes-lab";
	disc_size_want(&d, &pr);
	ck_assert(TAILQ_EMPTY(&d.queue));
	d.monitoring = xstrdup("http://127.0.0.1:1");
	disc_size_want(&d, &pr);
	disc_size_want(&d, &pr);
	q = TAILQ_FIRST(&d.queue);
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_null(TAILQ_NEXT(q, entry));
	ck_assert_int_eq(q->kind, DISC_SIZES);
	ck_assert_str_eq(q->project, "sizes-lab");
	TAILQ_REMOVE(&d.queue, q, entry);
	free(q);

	/* Only the project's own series, only sizes above zero. */
	memset(&r, 0, sizeof(r));
	r.d = &d;
	r.project = "sizes-lab";
	ck_assert_int_eq(disc_size_parse(&r, body, strlen(body), &next,
	    &err), 0);
	ck_assert_str_eq(next, "p2");
	free(next);
	ck_assert_uint_eq(d.nsizes, 2);
	ck_assert_int_eq(disc_size_parse(&r, "{", 1, &next, &err), -1);

	res.targets = t;
	res.ntargets = sizeof(t) / sizeof(t[0]);
	disc_size_apply(&d);
	ck_assert_int_eq(t[0].used_bytes, 15770583040LL);
	ck_assert_int_eq(t[1].used_bytes, 52428800);
	ck_assert_int_eq(t[2].used_bytes, 0);	/* unknown: the disk */
	ck_assert_int_eq(t[3].used_bytes, 0);

	/* Failures are counted, never an error of the walk. */
	disc_size_failed(&r, NULL);
	disc_size_failed(&r, &err);
	ck_assert_int_eq(d.sizes_failed, 2);
	ck_assert_uint_eq(res.errors.n, 0);
	ck_assert_uint_eq(res.partial.n, 0);

	disc_size_free(&d);
	ck_assert_ptr_null(d.monitoring);
	arena_free(res.strings);
}
END_TEST

static Suite *
discovery_suite(void)
{
	Suite	*s = suite_create("discovery");
	TCase	*tc = tcase_create("explain");

	tcase_add_loop_test(tc, test_explain_table, 0,
	    sizeof(explain_cases) / sizeof(explain_cases[0]));
	tcase_add_test(tc, test_explain_several);
	tcase_add_test(tc, test_explain_failed);
	suite_add_tcase(s, tc);
	tc = tcase_create("replicas");
	tcase_add_test(tc, test_replicas);
	suite_add_tcase(s, tc);
	tc = tcase_create("sizes");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_sizes);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(discovery_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
