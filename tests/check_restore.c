/*
 * check_restore.c: the pure rules of a restore (restore.c): the names a
 * request gives, the steps each engine needs and when it is refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "restore.h"

static const struct {
	const char	*version;
	int		 exists, replace;
	int		 steps;		/* -1: refused */
} step_cases[] = {
	{ "POSTGRES_15",	0, 0, RESTORE_STEP_CREATE | RESTORE_STEP_IMPORT },
	{ "POSTGRES_15",	1, 0, -1 },
	{ "POSTGRES_15",	1, 1, RESTORE_STEP_DELETE | RESTORE_STEP_CREATE |
	    RESTORE_STEP_IMPORT },
	{ "MYSQL_8_0",		0, 0, RESTORE_STEP_CREATE | RESTORE_STEP_IMPORT },
	{ "MYSQL_8_0",		1, 1, RESTORE_STEP_DELETE | RESTORE_STEP_CREATE |
	    RESTORE_STEP_IMPORT },
	{ "SQLSERVER_2019_STANDARD", 0, 0, RESTORE_STEP_IMPORT },
	{ "SQLSERVER_2019_STANDARD", 1, 0, -1 },
	{ "SQLSERVER_2019_STANDARD", 1, 1, RESTORE_STEP_DELETE |
	    RESTORE_STEP_IMPORT },
	{ "",			0, 0, -1 },	/* unknown engine */
	{ "ORACLE_19",		0, 0, -1 },
};

START_TEST(test_steps)
{
	char	why[RESTORE_TEXT_MAX];
	int	got;

	got = restore_steps(step_cases[_i].version, step_cases[_i].exists,
	    step_cases[_i].replace, why, sizeof(why));
	ck_assert_int_eq(got, step_cases[_i].steps);
	if (got == -1)
		ck_assert_int_gt((int)strlen(why), 0);
	if (step_cases[_i].exists && !step_cases[_i].replace &&
	    *step_cases[_i].version != '\0' &&
	    strncmp(step_cases[_i].version, "ORACLE", 6) != 0)
		ck_assert_ptr_nonnull(strstr(why, "--replace"));
}
END_TEST

static const struct {
	const char	*in;
	int		 parts, ok;
	const char	*p, *i, *d;
} split_cases[] = {
	{ "proj/inst/db",	3, 1, "proj", "inst", "db" },
	{ "proj/inst",		2, 1, "proj", "inst", NULL },
	{ "proj/inst",		3, 0, NULL, NULL, NULL },
	{ "proj/inst/db",	2, 0, NULL, NULL, NULL },
	{ "proj//db",		3, 0, NULL, NULL, NULL },
	{ "/inst/db",		3, 0, NULL, NULL, NULL },
	{ "proj/inst/",		3, 0, NULL, NULL, NULL },
	{ "proj/inst/a/b",	3, 0, NULL, NULL, NULL },
	{ "proj",		2, 0, NULL, NULL, NULL },
	{ "a-project-id-that-is-far-too-long-for-google/i/d", 3, 0, NULL,
	    NULL, NULL },
};

START_TEST(test_split)
{
	char	p[GCP_PROJECT_ID_MAX + 1], i[GCP_INSTANCE_MAX + 1];
	char	d[GCP_DATABASE_MAX + 1];
	int	r;

	r = restore_split(split_cases[_i].in, split_cases[_i].parts, p,
	    sizeof(p), i, sizeof(i), d, sizeof(d));
	ck_assert_int_eq(r, split_cases[_i].ok ? 0 : -1);
	if (!split_cases[_i].ok)
		return;
	ck_assert_str_eq(p, split_cases[_i].p);
	ck_assert_str_eq(i, split_cases[_i].i);
	if (split_cases[_i].d != NULL)
		ck_assert_str_eq(d, split_cases[_i].d);
}
END_TEST

START_TEST(test_engine)
{
	ck_assert(restore_same_engine("POSTGRES_14", "POSTGRES_16"));
	ck_assert(!restore_same_engine("POSTGRES_14", "MYSQL_8_0"));
	ck_assert(!restore_same_engine("MYSQL_8_0", "SQLSERVER_2019_WEB"));
	ck_assert(restore_same_engine("", "MYSQL_8_0"));
	ck_assert(!restore_same_engine("POSTGRES", "POSTGRESQL_1"));
}
END_TEST

START_TEST(test_uri)
{
	char	b[GCP_BUCKET_MAX + 1], o[GCP_OBJECT_MAX + 1];

	ck_assert_int_eq(restore_parse_uri("gs://bkt/a/b/c.sql.gz", b,
	    sizeof(b), o, sizeof(o)), 0);
	ck_assert_str_eq(b, "bkt");
	ck_assert_str_eq(o, "a/b/c.sql.gz");
	ck_assert_int_eq(restore_parse_uri("gs://bkt/", b, sizeof(b), o,
	    sizeof(o)), -1);
	ck_assert_int_eq(restore_parse_uri("gs:///o", b, sizeof(b), o,
	    sizeof(o)), -1);
	ck_assert_int_eq(restore_parse_uri("s3://bkt/o", b, sizeof(b), o,
	    sizeof(o)), -1);
	ck_assert_int_eq(restore_parse_uri("gs://bkt", b, sizeof(b), o,
	    sizeof(o)), -1);
}
END_TEST

START_TEST(test_mysql_name)
{
	char	why[RESTORE_TEXT_MAX];

	ck_assert_int_eq(restore_name_ok("MYSQL_8_0", "d1", "d1", why,
	    sizeof(why)), 0);
	ck_assert_int_eq(restore_name_ok("MYSQL_8_0", "d1", "copy", why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "--to"));
	ck_assert_int_eq(restore_name_ok("POSTGRES_15", "d1", "copy", why,
	    sizeof(why)), 0);
	ck_assert_int_eq(restore_name_ok("SQLSERVER_2019_WEB", "d1", "copy",
	    why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_plan_lines)
{
	struct restore	r;

	memset(&r, 0, sizeof(r));
	restore_add_plan(&r, "one");
	restore_add_plan(&r, "two");
	ck_assert_str_eq(r.plan, "one\ntwo");
	ck_assert_str_eq(r.step, "two");
	free(r.plan);
}
END_TEST

static Suite *
restore_suite(void)
{
	Suite	*s = suite_create("restore");
	TCase	*tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_steps, 0,
	    sizeof(step_cases) / sizeof(step_cases[0]));
	tcase_add_loop_test(tc, test_split, 0,
	    sizeof(split_cases) / sizeof(split_cases[0]));
	tcase_add_test(tc, test_engine);
	tcase_add_test(tc, test_uri);
	tcase_add_test(tc, test_mysql_name);
	tcase_add_test(tc, test_plan_lines);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(restore_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
