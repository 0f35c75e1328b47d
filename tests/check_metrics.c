/*
 * check_metrics.c: the Prometheus text rendering (metrics.c), read back by
 * a parser of the exposition format's rules (HELP/TYPE before samples,
 * metric and label names, quoted and escaped label values, one sample per
 * series, _total on counters), the per-API table and the per-database
 * series.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define FAMILIES_MAX	64
#define SAMPLES_MAX	256

struct family {
	char	name[128];
	char	type[16];
	int	help;
};

struct sample {
	char	series[512];	/* name{labels} as parsed, canonical */
	double	value;
};

struct parsed {
	struct family	f[FAMILIES_MAX];
	int		nf;
	struct sample	s[SAMPLES_MAX];
	int		ns;
};

static int
name_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' ||
	    s[0] == ':'))
		return (0);
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == ':'))
			return (0);
	return (1);
}

static struct family *
family_of(struct parsed *p, const char *name)
{
	int	i;

	for (i = 0; i < p->nf; i++)
		if (strcmp(p->f[i].name, name) == 0)
			return (&p->f[i]);
	return (NULL);
}

/* Parses text by the format rules; fails the test on any violation. */
static void
parse(const char *text, struct parsed *p)
{
	char		 line[1024], name[128], kw[16], series[512];
	const char	*s = text, *nl, *q;
	struct family	*f;
	size_t		 n, o;
	char		*end;
	int		 i;

	memset(p, 0, sizeof(*p));
	ck_assert(text[strlen(text) - 1] == '\n');
	for (; *s != '\0'; s = nl + 1) {
		nl = strchr(s, '\n');
		ck_assert_ptr_nonnull(nl);
		n = (size_t)(nl - s);
		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, s, n);
		line[n] = '\0';
		if (strncmp(line, "# ", 2) == 0) {
			ck_assert_int_eq(sscanf(line, "# %15s %127s", kw, name),
			    2);
			ck_assert(name_ok(name, strlen(name)));
			if ((f = family_of(p, name)) == NULL) {
				ck_assert_int_lt(p->nf, FAMILIES_MAX);
				f = &p->f[p->nf++];
				strlcpy(f->name, name, sizeof(f->name));
			}
			if (strcmp(kw, "HELP") == 0) {
				ck_assert_int_eq(f->help, 0);
				f->help = 1;
			} else if (strcmp(kw, "TYPE") == 0) {
				ck_assert_str_eq(f->type, "");
				ck_assert_int_eq(sscanf(line, "# TYPE %*s %15s",
				    f->type), 1);
				ck_assert(strcmp(f->type, "counter") == 0 ||
				    strcmp(f->type, "gauge") == 0);
				if (strcmp(f->type, "counter") == 0)
					ck_assert_msg(strlen(name) > 6 &&
					    strcmp(name + strlen(name) - 6,
					    "_total") == 0, "%s", name);
			} else
				ck_abort_msg("bad comment: %s", line);
			continue;
		}
		/* name{label="value",...} value */
		q = line;
		while (*q != '\0' && *q != '{' && *q != ' ')
			q++;
		ck_assert(name_ok(line, (size_t)(q - line)));
		memcpy(name, line, (size_t)(q - line));
		name[q - line] = '\0';
		f = family_of(p, name);
		ck_assert_msg(f != NULL && f->help && f->type[0] != '\0',
		    "sample before HELP/TYPE: %s", line);
		o = strlcpy(series, name, sizeof(series));
		if (*q == '{') {
			series[o++] = *q++;
			while (*q != '}') {
				const char *ln = q;

				while (*q != '=')
					q++;
				ck_assert(name_ok(ln, (size_t)(q - ln)));
				memcpy(series + o, ln, (size_t)(q - ln) + 1);
				o += (size_t)(q - ln) + 1;
				q++;
				ck_assert(*q == '"');
				series[o++] = *q++;
				while (*q != '"') {
					ck_assert(*q != '\0');
					if (*q == '\\') {
						series[o++] = *q++;
						ck_assert(*q == '\\' ||
						    *q == '"' || *q == 'n');
					}
					series[o++] = *q++;
				}
				series[o++] = *q++;
				if (*q == ',')
					series[o++] = *q++;
				else
					ck_assert(*q == '}');
			}
			series[o++] = *q++;
		}
		series[o] = '\0';
		ck_assert(*q == ' ');
		q++;
		p->s[p->ns].value = strtod(q, &end);
		ck_assert(end != q && *end == '\0');
		for (i = 0; i < p->ns; i++)
			ck_assert_msg(strcmp(p->s[i].series, series) != 0,
			    "duplicate series %s", series);
		ck_assert_int_lt(p->ns, SAMPLES_MAX);
		strlcpy(p->s[p->ns++].series, series, sizeof(series));
	}
}

static double
value(const struct parsed *p, const char *series)
{
	int	i;

	for (i = 0; i < p->ns; i++)
		if (strcmp(p->s[i].series, series) == 0)
			return (p->s[i].value);
	ck_abort_msg("no series %s", series);
	return (-1);
}

START_TEST(test_render)
{
	struct metrics	 mt;
	struct parsed	*p = calloc(1, sizeof(*p));
	char		*text;

	memset(&mt, 0, sizeof(mt));
	mt.runs[METRICS_SUCCEEDED] = 3;
	mt.runs[METRICS_FAILED] = 1;
	mt.jobs[METRICS_SUCCEEDED] = 40;
	mt.jobs[METRICS_FAILED] = 2;
	mt.attempts = 45;
	mt.retries[METRICS_RETRY_BUSY] = 4;
	mt.in_flight = 3;
	mt.stuck = 2;
	mt.disc_partial = 5;
	mt.disc_seconds = 1.5;
	mt.disc_databases = 44;
	mt.now_ms = 1700000100000LL;
	mt.oldest_export_ms = 1700000000000LL;
	mt.last_success_run_ms = 1699999999999LL;
	alert_init(&mt.alerts, 1700000000000LL);
	mt.alerts.a[ALERT_EXPORT_ERRORS].state = ALERT_FIRING;
	metrics_api_count(&mt, "sqladmin", 200, 1);
	metrics_api_count(&mt, "sqladmin", 200, 1);
	metrics_api_count(&mt, "sqladmin", 409, 1);
	metrics_api_count(&mt, "storage", 0, 1);
	metrics_api_count(&mt, "we\"ird\\", 500, 1);
	mt.notifications[METRICS_CH_EMAIL][METRICS_SUCCEEDED] = 2;

	text = metrics_render(&mt);
	parse(text, p);
	ck_assert_double_eq(value(p,
	    "databackup_runs_total{outcome=\"succeeded\"}"), 3);
	ck_assert_double_eq(value(p,
	    "databackup_runs_total{outcome=\"failed\"}"), 1);
	ck_assert_double_eq(value(p,
	    "databackup_jobs_total{outcome=\"failed\"}"), 2);
	ck_assert_double_eq(value(p, "databackup_export_attempts_total"), 45);
	ck_assert_double_eq(value(p,
	    "databackup_retries_total{reason=\"busy\"}"), 4);
	ck_assert_double_eq(value(p,
	    "databackup_retries_total{reason=\"transient\"}"), 0);
	ck_assert_double_eq(value(p, "databackup_exports_in_flight"), 3);
	ck_assert_double_eq(value(p, "databackup_exports_stuck"), 2);
	ck_assert_double_eq(value(p,
	    "databackup_discovery_objects{kind=\"partial\"}"), 5);
	ck_assert_double_eq(value(p,
	    "databackup_discovery_duration_seconds"), 1.5);
	ck_assert_double_eq(value(p,
	    "databackup_discovery_objects{kind=\"databases\"}"), 44);
	ck_assert_double_eq(value(p,
	    "databackup_oldest_export_age_seconds"), 100);
	ck_assert_double_eq(value(p,
	    "databackup_last_success_timestamp_seconds"), 1699999999);
	ck_assert_double_eq(value(p,
	    "databackup_alert_firing{alert=\"export_errors\"}"), 1);
	ck_assert_double_eq(value(p,
	    "databackup_alert_firing{alert=\"run_failed\"}"), 0);
	ck_assert_double_eq(value(p,
	    "databackup_api_requests_total{api=\"sqladmin\",code=\"200\"}"), 2);
	ck_assert_double_eq(value(p,
	    "databackup_api_requests_total{api=\"sqladmin\",code=\"409\"}"), 1);
	ck_assert_double_eq(value(p,
	    "databackup_api_errors_total{api=\"sqladmin\",code=\"409\"}"), 1);
	ck_assert_double_eq(value(p,
	    "databackup_api_errors_total{api=\"storage\",code=\"0\"}"), 1);
	ck_assert_double_eq(value(p, "databackup_api_requests_total{"
	    "api=\"we\\\"ird\\\\\",code=\"500\"}"), 1);
	ck_assert_double_eq(value(p, "databackup_notifications_total{"
	    "channel=\"email\",outcome=\"succeeded\"}"), 2);
	ck_assert_double_eq(value(p, "databackup_worker_restarts_total"), 0);
	ck_assert_double_eq(value(p, "databackup_journal_errors_total"), 0);
	/* Successful requests are no errors. */
	ck_assert_ptr_null(strstr(text, "databackup_api_errors_total{"
	    "api=\"sqladmin\",code=\"200\"}"));
	free(text);
	free(p);
}
END_TEST

/*
 * One series per known database and value, labels escaped; a database
 * without a success (or a failure) has no such series.
 */
START_TEST(test_databases)
{
	static const struct metrics_db	 dbs[] = {
		{ "proj", "pg", "orders", 1700000000000LL, 0 },
		{ "proj", "pg", "new", 0, 1700000050000LL },
		{ "proj", "my\"sql", "we\\ird\ndb", 1699990000999LL,
		  1700000010000LL },
	};
	struct metrics	 mt;
	struct parsed	*p = calloc(1, sizeof(*p));
	char		*text;

	memset(&mt, 0, sizeof(mt));
	alert_init(&mt.alerts, 1700000000000LL);
	mt.dbs = dbs;
	mt.ndbs = sizeof(dbs) / sizeof(dbs[0]);
	mt.stale = 2;
	text = metrics_render(&mt);
	parse(text, p);
	ck_assert_double_eq(value(p, "databackup_databases_stale"), 2);
	ck_assert_double_eq(value(p,
	    "databackup_database_last_success_timestamp_seconds{"
	    "project=\"proj\",instance=\"pg\",database=\"orders\"}"),
	    1700000000);
	ck_assert_double_eq(value(p,
	    "databackup_database_last_failure_timestamp_seconds{"
	    "project=\"proj\",instance=\"pg\",database=\"new\"}"),
	    1700000050);
	ck_assert_double_eq(value(p,
	    "databackup_database_last_success_timestamp_seconds{"
	    "project=\"proj\",instance=\"my\\\"sql\","
	    "database=\"we\\\\ird\\ndb\"}"), 1699990000);
	ck_assert_double_eq(value(p,
	    "databackup_database_last_failure_timestamp_seconds{"
	    "project=\"proj\",instance=\"my\\\"sql\","
	    "database=\"we\\\\ird\\ndb\"}"), 1700000010);
	ck_assert_ptr_null(strstr(text, "last_failure_timestamp_seconds{"
	    "project=\"proj\",instance=\"pg\",database=\"orders\"}"));
	ck_assert_ptr_null(strstr(text, "last_success_timestamp_seconds{"
	    "project=\"proj\",instance=\"pg\",database=\"new\"}"));
	free(text);
	free(p);
}
END_TEST

/* With no database known, the families are there without samples. */
START_TEST(test_databases_none)
{
	struct metrics	 mt;
	struct parsed	*p = calloc(1, sizeof(*p));
	char		*text;

	memset(&mt, 0, sizeof(mt));
	alert_init(&mt.alerts, 1700000000000LL);
	text = metrics_render(&mt);
	parse(text, p);
	ck_assert_double_eq(value(p, "databackup_databases_stale"), 0);
	ck_assert_ptr_nonnull(family_of(p,
	    "databackup_database_last_success_timestamp_seconds"));
	ck_assert_ptr_null(strstr(text,
	    "databackup_database_last_success_timestamp_seconds{"));
	free(text);
	free(p);
}
END_TEST

START_TEST(test_api_table_full)
{
	struct metrics	mt;
	char		name[16];
	int		i;

	memset(&mt, 0, sizeof(mt));
	for (i = 0; i < METRICS_API_MAX + 5; i++) {
		snprintf(name, sizeof(name), "api%d", i);
		metrics_api_count(&mt, name, 200, 1);
	}
	ck_assert_uint_eq(mt.napi, METRICS_API_MAX);
	ck_assert_uint_eq(mt.api_dropped, 5);
	metrics_api_count(&mt, "api0", 200, 1);
	ck_assert_uint_eq(mt.api[0].n, 2);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("render");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_api_table_full);
	tcase_add_test(tc, test_databases);
	tcase_add_test(tc, test_databases_none);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(metrics_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
