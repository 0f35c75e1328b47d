/*
 * check_config.c: tests of the configuration module, config*.c.
 *
 * A good file with every key set, the defaults, the parsers, exclusion
 * matching, dump/reload round trips, and every error path: each
 * tests/data/bad-*.conf is loaded and its errors compared, line for line,
 * with tests/data/bad-*.expect.  Also checks that etc/databackup.conf loads
 * clean and that it and docs/configuration.md name every key of the table.
 * Files are found through $top_srcdir, as set by `make check`.
 */
#include <sys/stat.h>

#include <check.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define TEST_TIMEOUT	10
/* Bucket names at the edge of Google's 63-character limit. */
#define A21	"aaaaaaaaaaaaaaaaaaaaa"
#define A63	A21 A21 A21

static glob_t	 bad_files;

static const char *
srcdir(void)
{
	const char	*s = getenv("top_srcdir");

	return (s != NULL ? s : ".");
}

/* Returns the path of a file under the source tree; caller frees. */
static char *
src_path(const char *rel)
{
	char	*p;

	ck_assert_int_ne(asprintf(&p, "%s/%s", srcdir(), rel), -1);
	return (p);
}

/* Returns the whole file as a string; caller frees. */
static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	ck_assert_int_ge(n, 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return (buf);
}

/* Writes text to a new temporary file; returns its path, caller frees. */
static char *
write_tmp(const char *text)
{
	char	*path;
	int	 fd;

	ck_assert_int_ne(asprintf(&path, "%s/check_config.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp"), -1);
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return (path);
}

static void
print_errors(const struct config_errors *errs)
{
	size_t	 i;

	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "  %s\n", errs->line[i]);
}

/* Loads text from a temporary file; errors (if any) are left in errs. */
static struct config *
load_text(const char *text, struct config_errors *errs)
{
	struct config	*cfg;
	char		*path = write_tmp(text);

	cfg = config_load(path, errs);
	unlink(path);
	free(path);
	return (cfg);
}

static struct config *
load_ok(const char *text)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;

	cfg = load_text(text, &errs);
	if (cfg == NULL)
		print_errors(&errs);
	ck_assert_msg(cfg != NULL, "config did not load:\n%s", text);
	ck_assert_uint_eq(errs.n, 0);
	return (cfg);
}

/* Loads text expecting exactly one error ending in want. */
static void
load_one_error(const char *text, const char *want)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	const char		*msg;

	cfg = load_text(text, &errs);
	ck_assert_ptr_null(cfg);
	if (errs.n != 1)
		print_errors(&errs);
	ck_assert_uint_eq(errs.n, 1);
	/* Skip "PATH:LINE: " or "PATH: " (temporary paths hold no ':'). */
	msg = strchr(errs.line[0], ':');
	ck_assert_ptr_nonnull(msg);
	msg++;
	if (*msg >= '0' && *msg <= '9')
		msg = strchr(msg, ':') + 1;
	msg++;
	ck_assert_msg(strcmp(msg, want) == 0, "got \"%s\", want \"%s\"",
	    errs.line[0], want);
	config_errors_clear(&errs);
}

#define MINIMAL	"[export]\nbucket = data-backup-test\n" \
		"[discovery]\nprojects = proj-a\n"

START_TEST(test_good)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	char			*path = src_path("tests/data/good.conf");

	cfg = config_load(path, &errs);
	if (cfg == NULL)
		print_errors(&errs);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cfg->path, path);
	ck_assert_int_ne(cfg->loaded, 0);
	ck_assert_int_eq(cfg->daily_at, 4 * 60 + 30);
	ck_assert_int_eq(cfg->catch_up, 0);

	ck_assert_uint_eq(cfg->nfolders, 3);
	ck_assert_str_eq(cfg->folders[0], "123456789012");
	ck_assert_str_eq(cfg->folders[1], "987654321098");
	ck_assert_str_eq(cfg->folders[2], "555");
	ck_assert_uint_eq(cfg->nprojects, 3);
	ck_assert_str_eq(cfg->projects[0], "extra-project");
	ck_assert_str_eq(cfg->projects[1], "other-project");
	ck_assert_str_eq(cfg->projects[2], "third-project");
	ck_assert_uint_eq(cfg->nexcludes, 3);
	ck_assert_str_eq(cfg->excludes[0].pattern, "*-devel");
	ck_assert_int_eq(cfg->excludes[0].nparts, 1);
	ck_assert_str_eq(cfg->excludes[1].pattern, "finance-prod/legacy-*/*");
	ck_assert_int_eq(cfg->excludes[1].nparts, 3);
	ck_assert_str_eq(cfg->excludes[1].part[0], "finance-prod");
	ck_assert_str_eq(cfg->excludes[1].part[1], "legacy-*");
	ck_assert_str_eq(cfg->excludes[1].part[2], "*");
	ck_assert_int_eq(cfg->excludes[1].line, 12);
	ck_assert_str_eq(cfg->excludes[1].file, path);
	ck_assert_str_eq(cfg->excludes[2].pattern, "hash#proj");
	ck_assert_int_eq(cfg->skip_replicas, 0);
	ck_assert_int_eq(cfg->include_system_databases, 1);
	ck_assert_int_eq(cfg->discovery_concurrency, 4);

	ck_assert_str_eq(cfg->bucket, "data-backup-prod-63bdb80a");
	ck_assert_str_eq(cfg->object,
	    "backups/{project}/{instance}/{database}/{date}/{time}.{ext}");
	ck_assert_int_eq(cfg->offload, 1);
	ck_assert_int_eq(cfg->max_in_flight, 8);
	ck_assert_uint_eq(cfg->retry_window_ms, 90 * 60 * 1000);
	ck_assert_int_eq(cfg->alert_after_failures, 5);
	ck_assert_uint_eq(cfg->poll_initial_ms, 500);
	ck_assert_uint_eq(cfg->poll_max_ms, 120000);
	ck_assert_int_eq(cfg->workers, 12);
	ck_assert_str_eq(cfg->control_socket, "/tmp/databackup-test.sock");
	ck_assert_str_eq(cfg->journal, "/tmp/databackup-test.db");
	ck_assert_str_eq(cfg->metrics_listen, "[::1]:9478");

	ck_assert_str_eq(cfg->email_to, "cloud@example.org,oncall@example.org");
	ck_assert_str_eq(cfg->smtp_url, "smtps://smtp.example.org:465");
	/* Only endpoints lose their trailing '/'. */
	ck_assert_str_eq(cfg->webhook_url, "https://example.org/hook/");
	ck_assert_str_eq(cfg->pubsub_topic,
	    "projects/ops-project/topics/databackup");

	ck_assert_ptr_null(cfg->credentials);
	ck_assert_str_eq(cfg->sqladmin_endpoint, "http://127.0.0.1:8080");
	ck_assert_str_eq(cfg->resourcemanager_endpoint,
	    "http://127.0.0.1:8080/crm");
	ck_assert_str_eq(cfg->storage_endpoint, "https://storage.example.org");
	ck_assert_str_eq(cfg->pubsub_endpoint, "https://pubsub.example.org");
	/* Set empty: Monitoring is not asked. */
	ck_assert_ptr_null(cfg->monitoring_endpoint);
	ck_assert_ptr_null(cfg->ca_file);
	ck_assert_str_eq(cfg->quota_project, "billing-project");
	ck_assert_int_eq(cfg->sqladmin_rpm, 600);
	ck_assert_uint_eq(cfg->http_timeout_ms, 30000);
	ck_assert_uint_eq(cfg->connect_timeout_ms, 2000);
	config_free(cfg);
	free(path);
}
END_TEST

START_TEST(test_defaults)
{
	struct config	*cfg = load_ok(MINIMAL);

	ck_assert_int_eq(cfg->daily_at, 3 * 60);
	ck_assert_int_eq(cfg->catch_up, 1);
	ck_assert_uint_eq(cfg->nfolders, 0);
	ck_assert_uint_eq(cfg->nprojects, 1);
	ck_assert_uint_eq(cfg->nexcludes, 0);
	ck_assert_int_eq(cfg->skip_replicas, 1);
	ck_assert_int_eq(cfg->include_system_databases, 0);
	ck_assert_int_eq(cfg->discovery_concurrency, 8);
	ck_assert_str_eq(cfg->object,
	    "{project}/{instance}/{database}/{date}T{time}Z.{ext}");
	ck_assert_int_eq(cfg->offload, 0);
	ck_assert_int_eq(cfg->max_in_flight, 16);
	ck_assert_uint_eq(cfg->retry_window_ms, 3600 * 1000);
	ck_assert_int_eq(cfg->alert_after_failures, 3);
	ck_assert_uint_eq(cfg->poll_initial_ms, 5000);
	ck_assert_uint_eq(cfg->poll_max_ms, 60000);
	ck_assert_int_eq(cfg->workers, 16);
	ck_assert_str_eq(cfg->control_socket, DATABACKUP_SOCKET);
	ck_assert_str_eq(cfg->journal, DATABACKUP_JOURNAL);
	ck_assert_ptr_null(cfg->metrics_listen);
	ck_assert_ptr_null(cfg->email_to);
	ck_assert_ptr_null(cfg->smtp_url);
	ck_assert_ptr_null(cfg->webhook_url);
	ck_assert_ptr_null(cfg->pubsub_topic);
	ck_assert_ptr_null(cfg->credentials);
	ck_assert_str_eq(cfg->sqladmin_endpoint,
	    "https://sqladmin.googleapis.com");
	ck_assert_str_eq(cfg->resourcemanager_endpoint,
	    "https://cloudresourcemanager.googleapis.com");
	ck_assert_str_eq(cfg->storage_endpoint,
	    "https://storage.googleapis.com");
	ck_assert_str_eq(cfg->pubsub_endpoint,
	    "https://pubsub.googleapis.com");
	ck_assert_str_eq(cfg->monitoring_endpoint,
	    "https://monitoring.googleapis.com");
	ck_assert_ptr_null(cfg->ca_file);
	ck_assert_ptr_null(cfg->quota_project);
	ck_assert_int_eq(cfg->sqladmin_rpm, 180);
	ck_assert_uint_eq(cfg->http_timeout_ms, 60000);
	ck_assert_uint_eq(cfg->connect_timeout_ms, 10000);
	config_free(cfg);
}
END_TEST

/* Reads lines of an .expect file, skipping blank ones. */
static char **
read_expect(const char *path, size_t *n)
{
	char	*text = slurp(path), *line, *save, **v = NULL;

	*n = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		v = realloc(v, (*n + 1) * sizeof(*v));
		ck_assert_ptr_nonnull(v);
		v[(*n)++] = strdup(line);
	}
	free(text);
	return (v);
}

START_TEST(test_bad_file)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	const char		*conf = bad_files.gl_pathv[_i], *base;
	char			*expect, **want, *got;
	size_t			 nwant, i, dirlen;

	base = strrchr(conf, '/') != NULL ? strrchr(conf, '/') + 1 : conf;
	dirlen = (size_t)(base - conf);
	ck_assert_int_ne(asprintf(&expect, "%.*s.expect",
	    (int)(strlen(conf) - strlen(".conf")), conf), -1);
	want = read_expect(expect, &nwant);

	cfg = config_load(conf, &errs);
	ck_assert_msg(cfg == NULL, "%s loaded without error", base);
	for (i = 0; i < errs.n || i < nwant; i++) {
		/* The expect files name the file without its directory. */
		got = i < errs.n ? errs.line[i] + dirlen : NULL;
		if (got == NULL || i >= nwant || strcmp(got, want[i]) != 0) {
			fprintf(stderr, "%s: got:\n", base);
			print_errors(&errs);
		}
		ck_assert_msg(got != NULL, "%s: missing error \"%s\"", base,
		    want[i]);
		ck_assert_msg(i < nwant, "%s: unexpected error \"%s\"", base,
		    got);
		ck_assert_str_eq(got, want[i]);
	}
	for (i = 0; i < nwant; i++)
		free(want[i]);
	free(want);
	free(expect);
	config_errors_clear(&errs);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_ptr_null(errs.line);
}
END_TEST

START_TEST(test_bad_files_exist)
{
	/* A broken glob must not make the data-driven test vacuous. */
	ck_assert_uint_ge(bad_files.gl_pathc, 20);
}
END_TEST

START_TEST(test_missing_file)
{
	struct config_errors	 errs = { NULL, 0 };

	ck_assert_ptr_null(config_load("/nonexistent/databackup.conf", &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.line[0], "/nonexistent/databackup.conf: "
	    "cannot open: No such file or directory");
	config_errors_clear(&errs);
	/* No errs: errors are logged, not lost, and nothing leaks. */
	ck_assert_ptr_null(config_load("/nonexistent/databackup.conf", NULL));
}
END_TEST

START_TEST(test_free_null)
{
	struct config_errors	 errs = { NULL, 0 };

	config_free(NULL);
	config_errors_clear(&errs);
	config_errors_clear(NULL);
}
END_TEST

START_TEST(test_duration)
{
	static const struct {
		const char	*s;
		int		 ok;
		uint64_t	 ms;
	} t[] = {
		{ "0s", 1, 0 }, { "5s", 1, 5000 }, { "500ms", 1, 500 },
		{ "1m", 1, 60000 }, { "1h", 1, 3600000 },
		{ "1h30m", 1, 5400000 }, { "2m5s", 1, 125000 },
		{ "1h1m1s1ms", 1, 3661001 }, { "90m", 1, 5400000 },
		{ "", 0, 0 }, { "5", 0, 0 }, { "60", 0, 0 }, { "5x", 0, 0 },
		{ "s", 0, 0 }, { "1.5h", 0, 0 }, { "-1s", 0, 0 },
		{ " 5s", 0, 0 }, { "5s ", 0, 0 }, { "5 s", 0, 0 },
		{ "1m1h", 0, 0 }, { "1s1s", 0, 0 }, { "5sm", 0, 0 },
		{ "1h30", 0, 0 }, { "5msx", 0, 0 },
		{ "99999999999999999999999h", 0, 0 },
		{ "18446744073709551615h", 0, 0 },
	};
	uint64_t	 ms;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ms = 42;
		if (t[i].ok) {
			ck_assert_msg(config_parse_duration(t[i].s, &ms) == 0,
			    "\"%s\" refused", t[i].s);
			ck_assert_uint_eq(ms, t[i].ms);
		} else
			ck_assert_msg(config_parse_duration(t[i].s, &ms) == -1,
			    "\"%s\" accepted", t[i].s);
	}
}
END_TEST

START_TEST(test_time)
{
	static const struct {
		const char	*s;
		int		 min;	/* -1: refused */
	} t[] = {
		{ "00:00", 0 }, { "03:00", 180 }, { "3:00", 180 },
		{ "23:59", 1439 }, { "12:05", 725 },
		{ "24:00", -1 }, { "25:00", -1 }, { "12:60", -1 },
		{ "3pm", -1 }, { "", -1 }, { "03", -1 }, { "03:0", -1 },
		{ "03:000", -1 }, { "003:00", -1 }, { "03-00", -1 },
		{ ":30", -1 }, { "03:00 ", -1 },
	};
	size_t	 i;
	int	 m;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = -2;
		if (t[i].min >= 0) {
			ck_assert_msg(config_parse_time(t[i].s, &m) == 0,
			    "\"%s\" refused", t[i].s);
			ck_assert_int_eq(m, t[i].min);
		} else
			ck_assert_msg(config_parse_time(t[i].s, &m) == -1,
			    "\"%s\" accepted", t[i].s);
	}
}
END_TEST

START_TEST(test_object_check)
{
	static const struct {
		const char	*t;
		const char	*err;	/* NULL: accepted */
	} t[] = {
		{ "{project}/{instance}/{database}/{date}T{time}Z.{ext}",
		    NULL },
		{ "{date}/{project}-{instance}-{database}.sql.gz", NULL },
		{ "x/{project}/{instance}/{database}/{date}", NULL },
		{ "", "empty template" },
		{ "/{project}/{instance}/{database}/{date}",
		    "must not start with /" },
		{ "{project}/../{instance}/{database}/{date}",
		    "must not contain .." },
		{ "{project}/{instance}/{db}/{date}", "unknown placeholder "
		    "{db} (use {project} {instance} {database} {date} {time} "
		    "{ext})" },
		{ "{project}/{instance}/{date}", "missing {database} (an "
		    "object must be unique per database and day)" },
		{ "{instance}/{database}/{date}", "missing {project} (an "
		    "object must be unique per database and day)" },
		{ "{project}/{instance}/{database}/{time}", "missing {date} "
		    "(an object must be unique per database and day)" },
		{ "{project}/{instance}/{database}/{date", "{ without }" },
		{ "{project}/{instance}/{database}/date}", "} without {" },
		{ "{project}/{instance}/{database}/{date}\n",
		    "must not contain control characters" },
	};
	char	 err[256];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		if (t[i].err == NULL) {
			ck_assert_msg(config_object_check(t[i].t, err,
			    sizeof(err)) == 0, "\"%s\": %s", t[i].t, err);
			continue;
		}
		ck_assert_int_eq(config_object_check(t[i].t, err, sizeof(err)),
		    -1);
		ck_assert_str_eq(err, t[i].err);
	}
}
END_TEST

START_TEST(test_exclude_match)
{
	static const char text[] = MINIMAL
	    "exclude = *-devel\n"
	    "exclude = finance-prod/legacy-*\n"
	    "exclude = shop/main/tmp_*\n"
	    "exclude = shop/[ab]-replica/*\n"
	    "exclude = shop/*/scratch\n";
	static const struct {
		const char	*p, *i, *d;
		const char	*want;
	} t[] = {
		{ "web-devel", NULL, NULL, "*-devel" },
		{ "web-devel", "db1", NULL, "*-devel" },
		{ "web-devel", "db1", "users", "*-devel" },
		{ "web-prod", NULL, NULL, NULL },
		{ "web-prod", "db1", "users", NULL },
		/* A 2-part rule excludes an instance, not its project. */
		{ "finance-prod", NULL, NULL, NULL },
		{ "finance-prod", "legacy-1", NULL, "finance-prod/legacy-*" },
		{ "finance-prod", "legacy-1", "ledger",
		    "finance-prod/legacy-*" },
		{ "finance-prod", "current", "ledger", NULL },
		/* A 3-part rule excludes one database only. */
		{ "shop", NULL, NULL, NULL },
		{ "shop", "main", NULL, NULL },
		{ "shop", "main", "tmp_1", "shop/main/tmp_*" },
		{ "shop", "main", "orders", NULL },
		{ "shop", "a-replica", "orders", "shop/[ab]-replica/*" },
		{ "shop", "c-replica", "orders", NULL },
		{ "shop", "other", "scratch", "shop/*/scratch" },
		/* Globs are per part: '*' does not cross a '/'. */
		{ "shop/main", NULL, NULL, NULL },
		{ "SHOP", "main", "tmp_1", NULL },
		{ NULL, NULL, NULL, NULL },
	};
	struct config	*cfg = load_ok(text);
	const char	*got;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = config_exclude_match(cfg, t[i].p, t[i].i, t[i].d);
		if (t[i].want == NULL)
			ck_assert_msg(got == NULL, "%s/%s/%s excluded by %s",
			    t[i].p, t[i].i, t[i].d, got);
		else {
			ck_assert_msg(got != NULL, "%s/%s/%s not excluded",
			    t[i].p, t[i].i, t[i].d);
			ck_assert_str_eq(got, t[i].want);
		}
	}
	config_free(cfg);
}
END_TEST

START_TEST(test_values)
{
	static const struct {
		const char	*text;	/* added to MINIMAL */
		const char	*section, *key, *want;
	} t[] = {
		{ "[schedule]\ndaily_at = 7:05\n", "schedule", "daily_at",
		    "07:05" },
		{ "[schedule]\ncatch_up = On\n", "schedule", "catch_up",
		    "yes" },
		{ "[schedule]\ncatch_up = 0 # off\n", "schedule", "catch_up",
		    "no" },
		{ "[export]\nretry_window = 90m\n", "export", "retry_window",
		    "1h30m" },
		{ "[export]\npoll_initial = 1500ms\n", "export", "poll_initial",
		    "1s500ms" },
		{ "[discovery]\nfolders = folders/42\tfolders/7 42\n",
		    "discovery", "folders", "42 7" },
		{ "[discovery]\nprojects = a-b   c-d # e-f\n", "discovery",
		    "projects", "proj-a a-b c-d" },
		{ "[discovery]\nexclude=x#y\n", "discovery", "exclude", "x#y" },
		{ "[discovery]\nexclude =\n", "discovery", "exclude", "" },
		{ "[gcp]\nstorage_endpoint = https://s.example.org///\n", "gcp",
		    "storage_endpoint", "https://s.example.org" },
		{ "[gcp]\nsqladmin_endpoint = \"http://h:1/x/\"  # emu\n",
		    "gcp", "sqladmin_endpoint", "http://h:1/x" },
		{ "[metrics]\nlisten = 127.0.0.1:9478\n", "metrics", "listen",
		    "127.0.0.1:9478" },
		{ "[metrics]\nlisten =\n", "metrics", "listen", "" },
		{ "[notify]\nemail_to = \"\"\n", "notify", "email_to", "" },
		{ "\t[gcp]   # comment\r\n  sqladmin_rpm\t=\t7  \r\n", "gcp",
		    "sqladmin_rpm", "7" },
	};
	struct config	*cfg;
	char		*text, *v;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_ne(asprintf(&text, "%s%s", MINIMAL, t[i].text),
		    -1);
		cfg = load_ok(text);
		v = config_value(cfg, t[i].section, t[i].key);
		ck_assert_ptr_nonnull(v);
		ck_assert_msg(strcmp(v, t[i].want) == 0, "%s: got \"%s\"",
		    t[i].text, v);
		free(v);
		config_free(cfg);
		free(text);
	}
	cfg = load_ok(MINIMAL);
	ck_assert_ptr_null(config_value(cfg, "export", "nope"));
	config_free(cfg);
}
END_TEST

START_TEST(test_single_errors)
{
	static const struct {
		const char	*text;	/* added to MINIMAL */
		const char	*want;
	} t[] = {
		{ "[export]\nbucket2 = x\n", "unknown key \"bucket2\" in "
		    "[export]" },
		{ "[gcp]\nbucket = x\n", "unknown key \"bucket\" in [gcp] (it "
		    "belongs in [export])" },
		{ "[export]\npoll_max = 2h\n", "poll_max 2h out of range "
		    "(1s-1h)" },
		{ "[export]\npoll_initial = 10ms\n", "poll_initial 10ms out of "
		    "range (100ms-1h)" },
		{ "[export]\npoll_initial = \"5s\n", "poll_initial: missing "
		    "closing quote" },
		{ "[export]\npoll_initial = \"5s\" x\n", "poll_initial: text "
		    "after closing quote" },
		{ "[workers]\ncount = 99999999999999999999\n", "bad number "
		    "\"99999999999999999999\" for count (1-256)" },
		{ "[workers]\ncount = 1\n", "max_in_flight (16) is more than "
		    "[workers] count (1): a worker holds one export" },
		{ "[export]\nbucket = x\n", "duplicate key \"bucket\" in "
		    "[export] (first set on line 2)" },
		{ "[metrics]\nlisten = host:0\n", "bad address \"host:0\" for "
		    "listen (HOST:PORT or [IPV6]:PORT; leave empty for no "
		    "metrics)" },
		{ "[metrics]\nlisten = [::1]9478\n", "bad address "
		    "\"[::1]9478\" for listen (HOST:PORT or [IPV6]:PORT; "
		    "leave empty for no metrics)" },
		{ "[metrics]\nlisten = ::1:9478\n", "bad address \"::1:9478\" "
		    "for listen (HOST:PORT or [IPV6]:PORT; leave empty for no "
		    "metrics)" },
		{ "[notify]\npubsub_topic = projects//topics/t\n", "bad topic "
		    "\"projects//topics/t\" for pubsub_topic "
		    "(projects/PROJECT/topics/TOPIC)" },
		{ "[notify]\npubsub_topic = projects/p/topics/\n", "bad topic "
		    "\"projects/p/topics/\" for pubsub_topic "
		    "(projects/PROJECT/topics/TOPIC)" },
		{ "[notify]\nemail_to = a@b,\n", "bad address \"a@b,\" for "
		    "email_to (user@domain, several separated by commas)" },
		{ "[control]\nsocket =\n", "empty value for socket" },
		{ "[export]\nobject = {project}/{instance}/{database}/{date}/"
		    "..x\n", "bad object template \"{project}/{instance}/"
		    "{database}/{date}/..x\": must not contain .." },
		{ "[discovery]\nexclude = a/b\\\n", "bad exclude \"a/b\\\": "
		    "trailing \\ in \"b\\\"" },
		{ "[schedule]\ndaily_at = \n", "empty value for daily_at" },
	};
	char	*text;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_ne(asprintf(&text, "%s%s", MINIMAL, t[i].text),
		    -1);
		load_one_error(text, t[i].want);
		free(text);
	}
}
END_TEST

START_TEST(test_bucket_names)
{
	static const struct {
		const char	*name;
		const char	*why;	/* NULL: accepted */
	} t[] = {
		{ "abc", NULL }, { "a_b-c.d", NULL }, { "0123", NULL },
		{ "data-backup-prod-63bdb80a", NULL },
		{ A63, NULL },
		{ A63 ".example.org", NULL },
		{ "ab", "shorter than 3 characters" },
		{ A63 "a", "longer than 63 characters (222 with dots)" },
		{ A63 "a.org", "a dot-separated part is longer than 63 "
		    "characters" },
		{ "My-bucket", "only lowercase letters, digits, -, _ and . are "
		    "allowed" },
		{ "a b", "only lowercase letters, digits, -, _ and . are "
		    "allowed" },
		{ "-abc", "must start and end with a letter or digit" },
		{ "abc_", "must start and end with a letter or digit" },
		{ "a..b", "empty part between dots" },
		{ "192.168.5.4", "must not look like an IP address" },
		{ "goog-backups", "must not start with \"goog\" or contain "
		    "\"google\"" },
		{ "my-google-backups", "must not start with \"goog\" or "
		    "contain \"google\"" },
	};
	char	*text, *want;
	size_t	 i;
	struct config *cfg;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_ne(asprintf(&text, "[discovery]\nprojects = p-a\n"
		    "[export]\nbucket = \"%s\"\n", t[i].name), -1);
		if (t[i].why == NULL) {
			cfg = load_ok(text);
			ck_assert_str_eq(cfg->bucket, t[i].name);
			config_free(cfg);
		} else {
			ck_assert_int_ne(asprintf(&want, "bad bucket name "
			    "\"%s\": %s", t[i].name, t[i].why), -1);
			load_one_error(text, want);
			free(want);
		}
		free(text);
	}
}
END_TEST

START_TEST(test_credentials)
{
	struct config	*cfg;
	char		*key, *text, *want, *dir;

	key = write_tmp("{}\n");
	ck_assert_int_ne(asprintf(&text, "%s[gcp]\ncredentials = %s\n"
	    "ca_file = %s\n", MINIMAL, key, key), -1);
	cfg = load_ok(text);
	ck_assert_str_eq(cfg->credentials, key);
	ck_assert_str_eq(cfg->ca_file, key);
	config_free(cfg);
	free(text);

	/* A directory opens, but is no key file. */
	dir = strdup(key);
	ck_assert_ptr_nonnull(dir);
	*strrchr(dir, '/') = '\0';
	ck_assert_int_ne(asprintf(&text, "%s[gcp]\ncredentials = %s\n",
	    MINIMAL, dir), -1);
	ck_assert_int_ne(asprintf(&want, "credentials \"%s\" is not a regular "
	    "file", dir), -1);
	load_one_error(text, want);
	free(want);
	free(text);

	unlink(key);
	ck_assert_int_ne(asprintf(&text, "%s[gcp]\ncredentials = %s\n",
	    MINIMAL, key), -1);
	ck_assert_int_ne(asprintf(&want, "cannot read credentials \"%s\": No "
	    "such file or directory", key), -1);
	load_one_error(text, want);
	free(want);
	free(text);
	free(dir);
	free(key);
}
END_TEST

START_TEST(test_many_errors_capped)
{
	struct config_errors	 errs = { NULL, 0 };
	char			*text = NULL, *t;
	int			 i;

	ck_assert_int_ne(asprintf(&text, "%s", MINIMAL), -1);
	for (i = 0; i < 500; i++) {
		ck_assert_int_ne(asprintf(&t, "%sjunk\n", text), -1);
		free(text);
		text = t;
	}
	ck_assert_ptr_null(load_text(text, &errs));
	ck_assert_uint_eq(errs.n, 101);
	ck_assert_ptr_nonnull(strstr(errs.line[100], ": 400 more errors not "
	    "shown"));
	config_errors_clear(&errs);
	free(text);
}
END_TEST

START_TEST(test_nul_byte)
{
	struct config_errors	 errs = { NULL, 0 };
	static const char	 text[] = MINIMAL "[gcp]\nca_file = a\0b\n";
	char			*path;
	FILE			*fp;

	ck_assert_int_ne(asprintf(&path, "/tmp/check_config_nul.%d",
	    (int)getpid()), -1);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fwrite(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	ck_assert_ptr_null(config_load(path, &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_ptr_nonnull(strstr(errs.line[0], ":6: NUL byte in line"));
	config_errors_clear(&errs);
	unlink(path);
	free(path);
}
END_TEST

/* Dumps cfg into a new string; caller frees. */
static char *
dump_string(const struct config *cfg)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(fp);
	config_dump(cfg, fp);
	fclose(fp);
	return (buf);
}

START_TEST(test_dump_roundtrip)
{
	struct config	*a, *b;
	char		*path = src_path("tests/data/good.conf");
	char		*d1, *d2, *why;
	struct config_keyinfo ki;
	size_t		 i;

	a = config_load(path, NULL);
	ck_assert_ptr_nonnull(a);
	d1 = dump_string(a);
	/* Every key of the table is in the dump, in [section] blocks. */
	for (i = 0; config_key_info(i, &ki) == 0; i++) {
		char *sec, *key;

		ck_assert_int_ne(asprintf(&sec, "[%s]\n", ki.section), -1);
		ck_assert_int_ne(asprintf(&key, "\n%s =", ki.key), -1);
		ck_assert_ptr_nonnull(strstr(d1, sec));
		ck_assert_msg(strstr(strstr(d1, sec), key) != NULL,
		    "%s missing from dump", ki.key);
		free(sec);
		free(key);
	}
	ck_assert_ptr_nonnull(strstr(d1, "\nexclude = \"hash#proj\"\n"));
	ck_assert_ptr_nonnull(strstr(d1, "\nfolders = 123456789012 "
	    "987654321098 555\n"));
	ck_assert_ptr_nonnull(strstr(d1, "\nretry_window = 1h30m\n"));
	ck_assert_ptr_nonnull(strstr(d1, "\ncredentials =\n"));
	b = load_ok(d1);
	d2 = dump_string(b);
	ck_assert_str_eq(d1, d2);
	why = malloc(256);
	ck_assert_int_eq(config_restart_keys(a, b, why, 256), 0);
	ck_assert_str_eq(why, "");
	free(why);
	config_free(a);
	config_free(b);
	free(d1);
	free(d2);
	free(path);
}
END_TEST

START_TEST(test_restart_keys)
{
	struct config	*a, *b;
	char		 buf[256], tiny[10];

	a = load_ok(MINIMAL);
	b = load_ok(MINIMAL "[workers]\ncount = 20\n[control]\nsocket = /x\n"
	    "[export]\npoll_max = 30s\n[metrics]\nlisten = h:1\n");
	ck_assert_int_eq(config_restart_keys(a, b, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "workers.count, control.socket, metrics.listen");
	ck_assert_int_eq(config_restart_keys(a, b, tiny, sizeof(tiny)), 3);
	ck_assert_str_eq(tiny, "workers.c");
	ck_assert_int_eq(config_restart_keys(a, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	config_free(a);
	config_free(b);
}
END_TEST

START_TEST(test_example_conf)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	char			*path = src_path("etc/databackup.conf");

	cfg = config_load(path, &errs);
	if (cfg == NULL)
		print_errors(&errs);
	ck_assert_ptr_nonnull(cfg);
	config_free(cfg);
	free(path);
}
END_TEST

/* Every key of the table is documented and shown in the example. */
START_TEST(test_docs_cover_table)
{
	static const char *const files[] = {
		"docs/configuration.md", "etc/databackup.conf"
	};
	struct config_keyinfo	 ki;
	char			*path, *text, *needle;
	size_t			 f, i;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		path = src_path(files[f]);
		text = slurp(path);
		for (i = 0; config_key_info(i, &ki) == 0; i++) {
			ck_assert_int_ne(asprintf(&needle, "[%s]", ki.section),
			    -1);
			ck_assert_msg(strstr(text, needle) != NULL,
			    "%s: no %s", files[f], needle);
			free(needle);
			if (f == 0)
				ck_assert_int_ne(asprintf(&needle, "`%s`",
				    ki.key), -1);
			else
				ck_assert_int_ne(asprintf(&needle, "%s =",
				    ki.key), -1);
			ck_assert_msg(strstr(text, needle) != NULL,
			    "%s: key %s.%s missing", files[f], ki.section,
			    ki.key);
			free(needle);
		}
		free(text);
		free(path);
	}
}
END_TEST

START_TEST(test_key_info)
{
	struct config_keyinfo	 ki;
	size_t			 i;
	int			 restart = 0, repeat = 0;

	for (i = 0; config_key_info(i, &ki) == 0; i++) {
		if (ki.flags & CFG_RESTART)
			restart++;
		if (ki.flags & CFG_REPEAT)
			repeat++;
	}
	ck_assert_uint_eq(i, 62);
	ck_assert_int_eq(restart, 6);
	ck_assert_int_eq(repeat, 4);
	ck_assert_int_eq(config_key_info(0, &ki), 0);
	ck_assert_str_eq(ki.section, "schedule");
	ck_assert_str_eq(ki.key, "daily_at");
	ck_assert_str_eq(ki.type, "TIME");
	ck_assert_str_eq(ki.def, "03:00");
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("load");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_free_null);
	tcase_add_test(tc, test_example_conf);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_bad_files_exist);
	tcase_add_loop_test(tc, test_bad_file, 0, (int)bad_files.gl_pathc);
	tcase_add_test(tc, test_single_errors);
	tcase_add_test(tc, test_bucket_names);
	tcase_add_test(tc, test_credentials);
	tcase_add_test(tc, test_many_errors_capped);
	tcase_add_test(tc, test_nul_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("parsers");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_object_check);
	tcase_add_test(tc, test_exclude_match);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_dump_roundtrip);
	tcase_add_test(tc, test_restart_keys);
	tcase_add_test(tc, test_key_info);
	tcase_add_test(tc, test_docs_cover_table);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	char	*pattern;
	int	 failed;

	if (asprintf(&pattern, "%s/tests/data/bad-*.conf", srcdir()) == -1)
		return (EXIT_FAILURE);
	if (glob(pattern, 0, NULL, &bad_files) != 0)
		bad_files.gl_pathc = 0;
	free(pattern);

	sr = srunner_create(config_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	globfree(&bad_files);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
