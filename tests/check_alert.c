/*
 * check_alert.c: the three alerts (alert.c) as a state machine with the
 * clock set by the test, and the notification bodies built from them
 * (notify.c: subject, mail text, webhook formats).
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "config.h"
#include "notify.h"

#define H	(3600 * 1000LL)
#define T0	(1700000000000LL)	/* some day, in unix ms */

static void
target(struct alert_target *t, const char *db, int failures, int64_t when)
{
	memset(t, 0, sizeof(*t));
	strlcpy(t->project, "proj", sizeof(t->project));
	strlcpy(t->instance, "inst", sizeof(t->instance));
	strlcpy(t->database, db, sizeof(t->database));
	t->failures = failures;
	t->when_ms = when;
	snprintf(t->error, sizeof(t->error), "boom %s", db);
}

/* A quiet input: a good run an hour ago, 10 databases. */
static void
quiet(struct alert_input *in, int64_t now)
{
	memset(in, 0, sizeof(*in));
	in->now_ms = now;
	in->run_id = 7;
	in->run_total = 10;
	in->threshold = 3;
	in->last_attempt_ms = now - H;
	in->watch_since_ms = T0 - 48 * H;
	in->ntargets = 10;
	in->not_running_after_ms = 26 * H;
}

START_TEST(test_names)
{
	int	i;

	for (i = 0; i < ALERT_COUNT; i++) {
		ck_assert_str_ne(alert_name(i), "invalid");
		ck_assert(strlen(alert_runbook(i)) > 0);
	}
	ck_assert_str_eq(alert_name(ALERT_RUN_FAILED), "run_failed");
	ck_assert_str_eq(alert_name(ALERT_EXPORT_ERRORS), "export_errors");
	ck_assert_str_eq(alert_name(ALERT_NOT_RUNNING), "not_running");
	ck_assert_str_eq(alert_name(ALERT_COUNT), "invalid");
	ck_assert_str_eq(alert_state_name(ALERT_FIRING), "firing");
	ck_assert_str_eq(alert_state_name(ALERT_OK), "ok");
}
END_TEST

START_TEST(test_quiet)
{
	struct alert_set	s;
	struct alert_input	in;

	alert_init(&s, T0);
	quiet(&in, T0);
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_OK);
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].state, ALERT_OK);
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].changed_ms, T0);
	ck_assert_ptr_nonnull(strstr(s.a[ALERT_RUN_FAILED].summary,
	    "run 7 succeeded"));
}
END_TEST

/* Fires at the threshold, while retries go on; once per change. */
START_TEST(test_export_errors)
{
	struct alert_set	s;
	struct alert_input	in;
	struct alert_target	t[2];

	alert_init(&s, T0);
	quiet(&in, T0);
	target(&t[0], "a", 2, T0);
	target(&t[1], "b", 1, T0);
	in.failing = t;
	in.nfailing = 2;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);	/* below 3 */

	t[0].failures = 3;
	in.now_ms = T0 + 1000;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_EXPORT_ERRORS);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].state, ALERT_FIRING);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].since_ms, T0 + 1000);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].count, 1);
	ck_assert_str_eq(s.a[ALERT_EXPORT_ERRORS].summary, "1 database "
	    "failed 3 or more times in the last day: proj/inst/a");
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_CRITICAL);

	/* Still firing: no change, first-fired time kept. */
	in.now_ms = T0 + 60000;
	t[1].failures = 4;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].since_ms, T0 + 1000);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].count, 2);

	/* Failures older than a day no longer count. */
	in.now_ms = T0 + 25 * H;
	in.last_attempt_ms = in.now_ms;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_EXPORT_ERRORS);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].state, ALERT_OK);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].since_ms, 0);
	ck_assert_int_eq(s.a[ALERT_EXPORT_ERRORS].changed_ms, T0 + 25 * H);

	/* And it clears when the list empties (they succeeded). */
	t[0].when_ms = t[1].when_ms = in.now_ms;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_EXPORT_ERRORS);
	in.nfailing = 0;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_EXPORT_ERRORS);
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
}
END_TEST

START_TEST(test_and_more)
{
	struct alert_target	t[5];
	char			buf[512];
	int			i;

	for (i = 0; i < 5; i++) {
		snprintf(buf, sizeof(buf), "db%d", i);
		target(&t[i], buf, 3, T0);
	}
	alert_targets_text(t, 5, buf, sizeof(buf));
	ck_assert_str_eq(buf, "proj/inst/db0, proj/inst/db1, proj/inst/db2 "
	    "and 2 more");
	alert_targets_text(t, 2, buf, sizeof(buf));
	ck_assert_str_eq(buf, "proj/inst/db0, proj/inst/db1");
	alert_targets_text(t, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_run_failed)
{
	struct alert_set	s;
	struct alert_input	in;
	struct alert_target	t[4];
	int			i;
	char			db[8];

	alert_init(&s, T0);
	quiet(&in, T0);
	strlcpy(in.start_error, "journal: disk I/O error",
	    sizeof(in.start_error));
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_FAILED);
	ck_assert_str_eq(s.a[ALERT_RUN_FAILED].summary, "the scheduled run "
	    "did not start: journal: disk I/O error");
	in.start_error[0] = '\0';
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_FAILED);

	/* Discovery failed: nothing gave up, but the run failed. */
	in.run_failed = 1;
	in.run_total = 0;
	strlcpy(in.disc_error, "folders/1: permission denied",
	    sizeof(in.disc_error));
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_FAILED);
	ck_assert_str_eq(s.a[ALERT_RUN_FAILED].summary, "run 7: discovery "
	    "failed: folders/1: permission denied");
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].count, 0);

	/* Jobs that gave up: named, the first few. */
	in.disc_error[0] = '\0';
	in.run_total = 10;
	for (i = 0; i < 4; i++) {
		snprintf(db, sizeof(db), "d%d", i);
		target(&t[i], db, 5, T0);
	}
	in.gave_up = t;
	in.ngave_up = 4;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	ck_assert_str_eq(s.a[ALERT_RUN_FAILED].summary, "run 7: 4 of 10 "
	    "databases not exported: proj/inst/d0, proj/inst/d1, "
	    "proj/inst/d2 and 1 more");
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].count, 4);

	/* The next run succeeds. */
	in.run_id = 8;
	in.run_failed = 0;
	in.ngave_up = 0;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_RUN_FAILED);
	ck_assert_int_eq(s.a[ALERT_RUN_FAILED].state, ALERT_OK);
}
END_TEST

START_TEST(test_not_running)
{
	struct alert_set	s;
	struct alert_input	in;
	char			line[600];

	alert_init(&s, T0);
	quiet(&in, T0);
	in.last_attempt_ms = T0 - 26 * H;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);	/* not past yet */
	in.now_ms = T0 + 1;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_NOT_RUNNING);
	ck_assert_int_eq(alert_level(&s), ALERT_LEVEL_WARNING);
	alert_line(&s.a[ALERT_NOT_RUNNING], line, sizeof(line));
	ck_assert_msg(strncmp(line, "WARNING: Exports not running: no "
	    "export attempt for 26h00m although 10 databases are known",
	    85) == 0, "%s", line);

	/* An attempt clears it. */
	in.last_attempt_ms = in.now_ms;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_NOT_RUNNING);

	/* Nothing to export: no alert (run failed covers discovery). */
	in.ntargets = 0;
	in.now_ms += 30 * H;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);

	/* A daemon started recently has not missed anything yet. */
	in.ntargets = 3;
	in.last_attempt_ms = 0;
	in.watch_since_ms = in.now_ms - H;
	ck_assert_uint_eq(alert_eval(&s, &in), 0);
	in.now_ms += 26 * H;
	ck_assert_uint_eq(alert_eval(&s, &in), 1U << ALERT_NOT_RUNNING);
	ck_assert_ptr_nonnull(strstr(s.a[ALERT_NOT_RUNNING].summary,
	    "last attempt: never"));
}
END_TEST

START_TEST(test_lines)
{
	struct alert_set	s;
	char			line[600];

	alert_init(&s, T0);
	strlcpy(s.a[ALERT_RUN_FAILED].summary, "x", ALERT_SUMMARY_MAX);
	alert_line(&s.a[ALERT_RUN_FAILED], line, sizeof(line));
	ck_assert_str_eq(line, "OK: Run failed: x");
	s.a[ALERT_RUN_FAILED].state = ALERT_FIRING;
	alert_line(&s.a[ALERT_RUN_FAILED], line, sizeof(line));
	ck_assert_str_eq(line, "CRITICAL: Run failed: x");
}
END_TEST

/* Subjects, mail text and the three webhook formats. */
START_TEST(test_notify_bodies)
{
	struct config		c;
	struct alert		a;
	struct alert_target	t[1];
	char			*s;
	cJSON			*o, *d;

	memset(&c, 0, sizeof(c));
	c.environment = (char *)"staging";
	memset(&a, 0, sizeof(a));
	a.id = ALERT_EXPORT_ERRORS;
	a.state = ALERT_FIRING;
	a.since_ms = a.changed_ms = T0;
	a.count = 1;
	strlcpy(a.summary, "1 database failed", sizeof(a.summary));
	target(&t[0], "sales", 3, T0);

	s = notify_alert_subject(&c, &a);
	ck_assert_str_eq(s, "[databackup staging] FIRING: Export errors "
	    "(1 database)");
	free(s);
	s = notify_alert_text(&c, "host1", &a, t, 1);
	ck_assert_ptr_nonnull(strstr(s, "Environment: staging\n"));
	ck_assert_ptr_nonnull(strstr(s, "- proj/inst/sales: 3 failures; "
	    "last error: boom sales\n"));
	ck_assert_ptr_nonnull(strstr(s, "Runbook:\n1. "));
	free(s);

	c.webhook_format = (char *)"generic";
	s = notify_webhook_body(&c, "host1", &a, t, 1);
	ck_assert_ptr_nonnull(o = cJSON_Parse(s));
	ck_assert_str_eq(cJSON_GetObjectItem(o, "alert")->valuestring,
	    "export_errors");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "state")->valuestring,
	    "firing");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "severity")->valuestring,
	    "CRITICAL");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "since")->valuestring,
	    "2023-11-14T22:13:20Z");
	d = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "databases"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(d, "database")->valuestring,
	    "sales");
	ck_assert_str_eq(cJSON_GetObjectItem(d, "error")->valuestring,
	    "boom sales");
	cJSON_Delete(o);
	free(s);

	c.webhook_format = (char *)"teams";
	s = notify_webhook_body(&c, "host1", &a, t, 1);
	ck_assert_ptr_nonnull(o = cJSON_Parse(s));
	ck_assert_str_eq(cJSON_GetObjectItem(o, "@type")->valuestring,
	    "MessageCard");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "themeColor")->valuestring,
	    "D70000");
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(o, "text")->
	    valuestring, "proj/inst/sales"));
	cJSON_Delete(o);
	free(s);

	c.webhook_format = (char *)"googlechat";
	a.state = ALERT_OK;
	s = notify_webhook_body(&c, "host1", &a, NULL, 0);
	ck_assert_ptr_nonnull(o = cJSON_Parse(s));
	ck_assert_int_eq(cJSON_GetArraySize(o), 1);
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(o, "text")->
	    valuestring, "*[databackup staging] RESOLVED: Export errors*"));
	cJSON_Delete(o);
	free(s);
}
END_TEST

/* config.c: the SMTP password file must not be readable by everyone. */
START_TEST(test_secret_mode)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*c;
	char			 dir[] = "/tmp/check_alert.XXXXXX", conf[64];
	char			 secret[64];
	FILE			*fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/a.conf", dir);
	snprintf(secret, sizeof(secret), "%s/auth", dir);
	ck_assert_ptr_nonnull(fp = fopen(secret, "w"));
	fputs("user:pass\n", fp);
	fclose(fp);
	ck_assert_ptr_nonnull(fp = fopen(conf, "w"));
	/* Its own socket: the compiled-in one may be too long to use. */
	fprintf(fp, "[export]\nbucket = b-test\n[discovery]\nprojects = "
	    "proj-a\n[notify]\nsmtp_auth_file = %s\n[control]\n"
	    "socket = %s/s.sock\n", secret, dir);
	fclose(fp);
	ck_assert_int_eq(chmod(secret, 0644), 0);
	ck_assert_ptr_null(config_load(conf, &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_ptr_nonnull(strstr(errs.line[0], "is readable by everyone"));
	config_errors_clear(&errs);
	ck_assert_int_eq(chmod(secret, 0600), 0);
	ck_assert_ptr_nonnull(c = config_load(conf, &errs));
	ck_assert_str_eq(c->smtp_auth_file, secret);
	ck_assert_str_eq(c->environment, "production");
	ck_assert_str_eq(c->webhook_format, "generic");
	ck_assert_str_eq(c->log_format, "text");
	ck_assert_uint_eq(c->not_running_after_ms, 26 * H);
	config_free(c);
	unlink(conf);
	unlink(secret);
	rmdir(dir);
}
END_TEST

static Suite *
alert_suite(void)
{
	Suite	*s = suite_create("alert");
	TCase	*tc = tcase_create("rules");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_quiet);
	tcase_add_test(tc, test_export_errors);
	tcase_add_test(tc, test_and_more);
	tcase_add_test(tc, test_run_failed);
	tcase_add_test(tc, test_not_running);
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_notify_bodies);
	tcase_add_test(tc, test_secret_mode);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(alert_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
