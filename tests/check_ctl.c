/*
 * check_ctl.c: tests of databackupctl.
 *
 * Unit cases call the command rows of src/ctl/ directly: argument parsing
 * and the request each builds, the formatting helpers, and the rendering of
 * the canned replies in tests/data/ctl/NAME.json against NAME.txt (TZ=UTC
 * and a fixed "now", so the text is stable; CTL_UPDATE=1 rewrites the .txt
 * files).  End-to-end cases run the real binary against a fake daemon: a
 * child that listens on a temporary unix socket, records the request line
 * and answers with canned lines.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "xmalloc.h"

#define TEST_TIMEOUT	20
#define TEST_NOW	"2026-11-25T10:00:00Z"

static const char *
test_srcdir(void)
{
	const char	*s = getenv("top_srcdir");

	return (s != NULL ? s : ".");
}

static const char *
test_builddir(void)
{
	const char	*s = getenv("top_builddir");

	return (s != NULL ? s : ".");
}

/* Reads a whole file; returns a new string, or NULL if it cannot. */
static char *
test_slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		ck_abort_msg("short read of %s", path);
	buf[n] = '\0';
	fclose(fp);
	return (buf);
}

static char *
test_data_path(const char *name)
{
	char	*p;

	xasprintf(&p, "%s/tests/data/ctl/%s", test_srcdir(), name);
	return (p);
}

static cJSON *
test_load_json(const char *name)
{
	char	*path, *text;
	cJSON	*j;

	path = test_data_path(name);
	text = test_slurp(path);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	j = cJSON_Parse(text);
	ck_assert_msg(j != NULL, "bad JSON in %s", path);
	free(text);
	free(path);
	return (j);
}

/* What fp holds; returns a new string. */
static char *
test_contents(FILE *fp)
{
	long	 n;
	char	*buf;

	fflush(fp);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		ck_abort_msg("short read of a temporary file");
	buf[n] = '\0';
	return (buf);
}

static void
test_clock(void)
{
	time_t	now;

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(ctl_parse_time(TEST_NOW, &now), 0);
	ctl_set_now(now);
	ctl_set_width(0);
	ctl_set_tty(0);
}

/* ---- formatting ---- */

START_TEST(test_duration)
{
	static const struct {
		double		 secs;
		const char	*text;
	} t[] = {
		{ 0, "0s" }, { 45, "45s" }, { 59.4, "59s" }, { 60, "1m 00s" },
		{ 62, "1m 02s" }, { 3599, "59m 59s" }, { 3600, "1h 00m" },
		{ 7500, "2h 05m" }, { 11520, "3h 12m" }, { 86399, "23h 59m" },
		{ 86400, "1d 0h" }, { 273600, "3d 4h" }, { -5, "0s" },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = ctl_fmt_duration(t[i].secs);
		ck_assert_msg(strcmp(s, t[i].text) == 0, "%g: got '%s', "
		    "want '%s'", t[i].secs, s, t[i].text);
		free(s);
	}
}
END_TEST

START_TEST(test_size)
{
	static const struct {
		double		 bytes;
		const char	*text;
	} t[] = {
		{ 0, "0 B" }, { 512, "512 B" }, { 1023, "1023 B" },
		{ 1024, "1.0 KiB" }, { 1536, "1.5 KiB" },
		{ 1048576, "1.0 MiB" }, { 1288490189, "1.2 GiB" },
		{ 1099511627776.0, "1.0 TiB" }, { -1, "-" },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = ctl_fmt_size(t[i].bytes);
		ck_assert_msg(strcmp(s, t[i].text) == 0, "%g: got '%s', "
		    "want '%s'", t[i].bytes, s, t[i].text);
		free(s);
	}
}
END_TEST

START_TEST(test_time)
{
	cJSON	*v;
	char	*s;
	time_t	 t, t2;

	test_clock();
	ck_assert_int_eq(ctl_parse_time("2026-11-25T03:00:00Z", &t), 0);
	ck_assert_int_eq(ctl_parse_time("2026-11-25T04:00:00.25+01:00", &t2),
	    0);
	ck_assert_int_eq((long long)t, (long long)t2);
	ck_assert_int_eq(ctl_parse_time("2026-11-25 03:00:00", &t), -1);
	ck_assert_int_eq(ctl_parse_time("2026-11-25T03:00:00Zjunk", &t), -1);

	v = cJSON_CreateString("2026-11-25T04:00:01Z");
	s = ctl_fmt_time(v);
	ck_assert_str_eq(s, "2026-11-25 04:00:01");
	free(s);
	s = ctl_fmt_age(v);
	ck_assert_str_eq(s, "5h 59m");
	free(s);
	cJSON_Delete(v);

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	v = cJSON_CreateString("2026-11-25T04:00:01Z");
	s = ctl_fmt_time(v);
	ck_assert_str_eq(s, "2026-11-25 05:00:01");
	free(s);
	cJSON_Delete(v);

	v = cJSON_CreateNull();
	s = ctl_fmt_time(v);
	ck_assert_str_eq(s, "-");
	free(s);
	s = ctl_fmt_age(v);
	ck_assert_str_eq(s, "-");
	free(s);
	cJSON_Delete(v);
	s = ctl_fmt_time(NULL);
	ck_assert_str_eq(s, "-");
	free(s);
	v = cJSON_CreateString("yesterday");
	s = ctl_fmt_time(v);
	ck_assert_str_eq(s, "yesterday");
	free(s);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_table)
{
	struct ctl_table	*t;
	FILE			*fp;
	char			*s;

	t = ctl_table_new(3, "A", "LONGER", "ERROR");
	ctl_table_add(t, "first", "x", "a fairly long error message");
	ctl_table_add(t, "2", NULL, "short");
	fp = tmpfile();
	ctl_table_print(t, fp, 0);
	s = test_contents(fp);
	ck_assert_str_eq(s,
	    "A      LONGER  ERROR\n"
	    "first  x       a fairly long error message\n"
	    "2      -       short\n");
	free(s);
	fclose(fp);

	fp = tmpfile();
	ctl_table_print(t, fp, 25);
	s = test_contents(fp);
	ck_assert_str_eq(s,
	    "A      LONGER  ERROR\n"
	    "first  x       a fairl...\n"
	    "2      -       short\n");
	free(s);
	fclose(fp);
	ctl_table_free(t);
	ctl_table_free(NULL);
}
END_TEST

/* ---- argument parsing and requests ---- */

/*
 * Runs a command's parse on a NULL-terminated argv; returns its result and
 * what it printed on stderr (a new string) in *err, the request in *req.
 */
static int
test_parse(char **argv, char **req, char **err)
{
	const struct ctl_cmd	*cmd;
	cJSON			*r;
	FILE			*fp;
	int			 argc, rc, saved;
	char			*s;

	for (argc = 0; argv[argc] != NULL; argc++)
		;
	cmd = ctl_find(argv[0]);
	ck_assert_msg(cmd != NULL, "no command %s", argv[0]);
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "version", CTL_PROTOCOL_VERSION);
	cJSON_AddStringToObject(r, "command", cmd->name);
	fp = tmpfile();
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(fp), STDERR_FILENO);
	rc = cmd->parse(argc, argv, r);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fseek(fp, 0, SEEK_END);
	*err = test_contents(fp);
	fclose(fp);
	s = cJSON_PrintUnformatted(r);
	*req = xstrdup(s);
	cJSON_free(s);
	cJSON_Delete(r);
	return (rc);
}

static const struct {
	const char	*args[8];
	const char	*req;	/* NULL: usage error */
	const char	*err;	/* part of the error message */
} test_parses[] = {
	{ { "status" }, "{\"version\":1,\"command\":\"status\"}", NULL },
	{ { "status", "now" }, NULL, "status takes no arguments" },
	{ { "status", "--all" }, NULL, "status: unknown option: --all" },
	{ { "trigger" }, "{\"version\":1,\"command\":\"trigger\","
	    "\"patterns\":[],\"wait\":false}", NULL },
	{ { "trigger", "proj-a", "proj-b/inst-1", "--wait" },
	    "{\"version\":1,\"command\":\"trigger\",\"patterns\":[\"proj-a\","
	    "\"proj-b/inst-1\"],\"wait\":true}", NULL },
	{ { "trigger", "--wait", "p/i/d*" },
	    "{\"version\":1,\"command\":\"trigger\",\"patterns\":[\"p/i/d*\"],"
	    "\"wait\":true}", NULL },
	{ { "trigger", "--", "-odd" },
	    "{\"version\":1,\"command\":\"trigger\",\"patterns\":[\"-odd\"],"
	    "\"wait\":false}", NULL },
	{ { "trigger", "a/b/c/d" }, NULL, "bad pattern 'a/b/c/d'" },
	{ { "trigger", "a//c" }, NULL, "bad pattern 'a//c'" },
	{ { "trigger", "/a" }, NULL, "bad pattern '/a'" },
	{ { "trigger", "a/" }, NULL, "bad pattern 'a/'" },
	{ { "trigger", "" }, NULL, "bad pattern ''" },
	{ { "trigger", "--now" }, NULL, "trigger: unknown option: --now" },
	{ { "jobs" }, "{\"version\":1,\"command\":\"jobs\"}", NULL },
	{ { "jobs", "12" }, "{\"version\":1,\"command\":\"jobs\",\"run\":12}",
	    NULL },
	{ { "jobs", "0" }, NULL, "bad RUN '0'" },
	{ { "jobs", "-3" }, NULL, "unknown option: -3" },
	{ { "jobs", "12x" }, NULL, "bad RUN '12x'" },
	{ { "jobs", "99999999999" }, NULL, "bad RUN '99999999999'" },
	{ { "jobs", "1", "2" }, NULL, "more than one RUN" },
	{ { "jobs", "--state", "failed", "--limit", "5" },
	    "{\"version\":1,\"command\":\"jobs\",\"state\":\"failed\","
	    "\"limit\":5}", NULL },
	{ { "jobs", "3", "--state=retry_wait", "--all", "--failed" },
	    "{\"version\":1,\"command\":\"jobs\",\"run\":3,"
	    "\"state\":\"retry_wait\",\"all\":true,\"failed\":true}", NULL },
	{ { "jobs", "--limit=1000000" },
	    "{\"version\":1,\"command\":\"jobs\",\"limit\":1000000}", NULL },
	{ { "jobs", "--state", "done" }, NULL, "bad --state 'done': expected "
	    "one of queued, dispatched, exporting, verifying, succeeded, "
	    "retry_wait, failed" },
	{ { "jobs", "--state" }, NULL, "--state needs a state name" },
	{ { "jobs", "--limit", "0" }, NULL, "bad --limit '0'" },
	{ { "jobs", "--limit", "x" }, NULL, "bad --limit 'x'" },
	{ { "jobs", "--limit", "1000001" }, NULL, "bad --limit '1000001'" },
	{ { "jobs", "--limit" }, NULL, "--limit needs a number" },
	{ { "jobs", "--limit", "2", "--all" }, NULL,
	    "--limit and --all exclude each other" },
	{ { "jobs", "--all", "--limit=2" }, NULL,
	    "--limit and --all exclude each other" },
	{ { "jobs", "--stated" }, NULL, "unknown option: --stated" },
	{ { "history" }, "{\"version\":1,\"command\":\"history\","
	    "\"runs\":true}", NULL },
	{ { "history", "--days", "7", "--failed" },
	    "{\"version\":1,\"command\":\"history\",\"days\":7,"
	    "\"failed\":true,\"runs\":true}", NULL },
	{ { "history", "--failed", "--days=30", "--jobs" },
	    "{\"version\":1,\"command\":\"history\",\"failed\":true,"
	    "\"days\":30}", NULL },
	{ { "history", "--jobs" }, "{\"version\":1,\"command\":\"history\"}",
	    NULL },
	{ { "history", "--job" }, NULL, "unknown option: --job" },
	{ { "history", "--days" }, NULL, "--days needs a number" },
	{ { "history", "--days", "0" }, NULL, "bad --days '0'" },
	{ { "history", "--days", "x" }, NULL, "bad --days 'x'" },
	{ { "history", "7" }, NULL, "unexpected argument: 7" },
	{ { "plan" }, "{\"version\":1,\"command\":\"plan\"}", NULL },
	{ { "plan", "x" }, NULL, "plan: unexpected argument: x" },
	{ { "plan", "--summary" }, "{\"version\":1,\"command\":\"plan\"}",
	    NULL },
	{ { "plan", "--sum" }, NULL, "plan: unknown option: --sum" },
	{ { "reload" }, "{\"version\":1,\"command\":\"reload\"}", NULL },
	{ { "check" }, "{\"version\":1,\"command\":\"check\"}", NULL },
	{ { "check", "-v" }, NULL, "check: unknown option: -v" },
	{ { "metrics" }, "{\"version\":1,\"command\":\"metrics\"}", NULL },
	{ { "coverage" }, "{\"version\":1,\"command\":\"coverage\"}", NULL },
	{ { "coverage", "--hours", "26" },
	    "{\"version\":1,\"command\":\"coverage\",\"hours\":26}", NULL },
	{ { "coverage", "--hours=48" },
	    "{\"version\":1,\"command\":\"coverage\",\"hours\":48}", NULL },
	{ { "coverage", "--hours", "-1" }, NULL, "bad --hours '-1'" },
	{ { "coverage", "--days", "1" }, NULL, "unknown option: --days" },
	{ { "restore", "p/i/d" },
	    "{\"version\":1,\"command\":\"restore\",\"database\":\"p/i/d\"}",
	    NULL },
	{ { "restore", "p/i/d", "--as", "copy", "--to", "q/j", "--replace" },
	    "{\"version\":1,\"command\":\"restore\",\"as\":\"copy\","
	    "\"to\":\"q/j\",\"replace\":true,\"database\":\"p/i/d\"}",
	    NULL },
	{ { "restore", "--wait", "p/i/d" }, "{\"version\":1,\"command\":"
	    "\"restore\",\"wait\":true,\"database\":\"p/i/d\"}", NULL },
	{ { "restore", "p/i/d", "--date", "2026-12-01", "--dry-run" },
	    "{\"version\":1,\"command\":\"restore\",\"date\":"
	    "\"2026-12-01\",\"dry_run\":true,\"database\":\"p/i/d\"}",
	    NULL },
	{ { "restore" }, NULL, "which database?" },
	{ { "restore", "p/i" }, NULL, "bad database 'p/i'" },
	{ { "restore", "p/i/d", "q/j/e" }, NULL, "one database at a time" },
	{ { "restore", "p/i/d", "--as" }, NULL, "--as needs a value" },
	{ { "restore", "p/i/d", "--as", "a", "--as", "b" }, NULL,
	    "--as given twice" },
	{ { "restore", "p/i/d", "--date", "1/12/2026" }, NULL,
	    "--date: expected YYYY-MM-DD" },
	{ { "restore", "p/i/d", "--date", "2026-12-01", "--object",
	    "gs://b/o" }, NULL, "--date and --object both choose" },
	{ { "restore", "p/i/d", "--object", "/tmp/x" }, NULL,
	    "--object: expected gs://" },
	{ { "restore", "p/i/d", "--to", "p/i/d" }, NULL,
	    "--to: expected PROJECT/INSTANCE" },
	{ { "restore", "p/i/d", "--force" }, NULL, "unknown option: --force" },
	{ { "drill" }, "{\"version\":1,\"command\":\"drill\",\"patterns\":"
	    "[]}", NULL },
	{ { "drill", "p/*", "--wait" }, "{\"version\":1,\"command\":"
	    "\"drill\",\"patterns\":[\"p/*\"],\"wait\":true}", NULL },
	{ { "drill", "p//d" }, NULL, "bad pattern 'p//d'" },
	{ { "drill", "-n" }, NULL, "unknown option: -n" },
	{ { "prune" }, "{\"version\":1,\"command\":\"prune\"}", NULL },
	{ { "prune", "--dry-run" }, "{\"version\":1,\"command\":\"prune\","
	    "\"dry_run\":true}", NULL },
	{ { "prune", "now" }, NULL, "unknown argument: now" },
	{ { "coverage", "--stale" },
	    "{\"version\":1,\"command\":\"coverage\",\"stale\":true}",
	    NULL },
	{ { "coverage", "--stale", "--hours", "2" },
	    "{\"version\":1,\"command\":\"coverage\",\"stale\":true,"
	    "\"hours\":2}", NULL },
	{ { "coverage", "stale" }, NULL, "unexpected argument: stale" },
};

START_TEST(test_parse_loop)
{
	char	*req, *err;
	int	 rc;

	rc = test_parse((char **)test_parses[_i].args, &req, &err);
	if (test_parses[_i].req != NULL) {
		ck_assert_msg(rc == 0, "%s: rejected: %s",
		    test_parses[_i].args[0], err);
		ck_assert_str_eq(req, test_parses[_i].req);
		ck_assert_str_eq(err, "");
	} else {
		ck_assert_msg(rc == -1, "%s: accepted: %s",
		    test_parses[_i].args[0], req);
		ck_assert_msg(strstr(err, test_parses[_i].err) != NULL,
		    "message '%s' lacks '%s'", err, test_parses[_i].err);
		ck_assert_msg(strstr(err, "usage: databackupctl") != NULL,
		    "no usage hint in '%s'", err);
		ck_assert_msg(strchr(err, '\n') != NULL &&
		    strncmp(err, "databackupctl: ", 15) == 0,
		    "bad first line '%s'", err);
	}
	free(req);
	free(err);
}
END_TEST

START_TEST(test_table_of_commands)
{
	static const char	*names[] = { "status", "trigger", "jobs",
				    "history", "plan", "reload", "check",
				    "metrics", "coverage" };
	size_t			 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_ptr_nonnull(ctl_find(names[i]));
		ck_assert_ptr_nonnull(ctl_find(names[i])->render);
		ck_assert_ptr_nonnull(ctl_find(names[i])->parse);
		ck_assert_uint_le(strlen(ctl_find(names[i])->description) +
		    strlen(ctl_find(names[i])->usage) + strlen(names[i]), 80);
	}
	ck_assert_ptr_null(ctl_find("stop"));
	ck_assert_ptr_null(ctl_find(""));
}
END_TEST

/* ---- rendering ---- */

static const struct {
	const char	*data;
	const char	*cmd;
} test_renders[] = {
	{ "status", "status" },
	{ "status-idle", "status" },
	{ "trigger", "trigger" },
	{ "trigger-added", "trigger" },
	{ "trigger-wait", "trigger" },
	{ "trigger-wait-ok", "trigger" },
	{ "trigger-selected", "trigger" },
	{ "jobs", "jobs" },
	{ "jobs-truncated", "jobs" },
	{ "history", "history" },
	{ "history-runs", "history" },
	{ "plan", "plan" },
	{ "check", "check" },
	{ "metrics", "metrics" },
	{ "coverage", "coverage" },
	{ "coverage-empty", "coverage" },
	{ "reload", "reload" },
	{ "reload-restart", "reload" },
	{ "restore-wait", "restore" },
	{ "drill-wait", "drill" },
};

/* Feeds one reply to cmd as databackupctl would. */
static void
test_feed(const struct ctl_cmd *cmd, const cJSON *reply, FILE *fp)
{
	const char	*type = ctl_str(reply, "type");

	ck_assert_ptr_nonnull(type);
	if (strcmp(type, "progress") == 0) {
		ck_assert_ptr_nonnull(cmd->progress);
		cmd->progress(reply, fp);
	} else
		cmd->render(reply, fp);
}

START_TEST(test_render_loop)
{
	const struct ctl_cmd	*cmd;
	const cJSON		*e;
	cJSON			*j;
	FILE			*fp;
	char			*name, *path, *got, *want;

	test_clock();
	cmd = ctl_find(test_renders[_i].cmd);
	xasprintf(&name, "%s.json", test_renders[_i].data);
	j = test_load_json(name);
	free(name);
	fp = tmpfile();
	if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(e, j)
			test_feed(cmd, e, fp);
	} else
		test_feed(cmd, j, fp);
	got = test_contents(fp);
	fclose(fp);
	cJSON_Delete(j);

	xasprintf(&name, "%s.txt", test_renders[_i].data);
	path = test_data_path(name);
	if (getenv("CTL_UPDATE") != NULL) {
		fp = fopen(path, "w");
		ck_assert_ptr_nonnull(fp);
		fputs(got, fp);
		fclose(fp);
	}
	want = test_slurp(path);
	ck_assert_msg(want != NULL, "cannot read %s", path);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got\n%s\nwant\n%s", path,
	    got, want);
	free(got);
	free(want);
	free(path);
	free(name);
}
END_TEST

/*
 * Views chosen by an option of the command (parsed first, as databackupctl
 * does): the reply in JSON, the text in TXT.
 */
static const struct {
	const char	*args[4];
	const char	*json;
	const char	*txt;
} test_views[] = {
	{ { "plan", "--summary" }, "plan-summary.json", "plan-summary.txt" },
	{ { "plan" }, "plan-summary.json", "plan-summary-targets.txt" },
};

START_TEST(test_view_loop)
{
	const struct ctl_cmd	*cmd;
	cJSON			*j;
	FILE			*fp;
	char			*path, *got, *want, *req, *err;

	test_clock();
	ck_assert_int_eq(test_parse((char **)test_views[_i].args, &req, &err),
	    0);
	free(req);
	free(err);
	cmd = ctl_find(test_views[_i].args[0]);
	j = test_load_json(test_views[_i].json);
	fp = tmpfile();
	test_feed(cmd, j, fp);
	got = test_contents(fp);
	fclose(fp);
	cJSON_Delete(j);
	path = test_data_path(test_views[_i].txt);
	if (getenv("CTL_UPDATE") != NULL) {
		fp = fopen(path, "w");
		ck_assert_ptr_nonnull(fp);
		fputs(got, fp);
		fclose(fp);
	}
	want = test_slurp(path);
	ck_assert_msg(want != NULL, "cannot read %s", path);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got\n%s\nwant\n%s", path,
	    got, want);
	free(got);
	free(want);
	free(path);
}
END_TEST

START_TEST(test_trigger_tty)
{
	const struct ctl_cmd	*cmd = ctl_find("trigger");
	const cJSON		*e;
	cJSON			*j;
	FILE			*fp;
	char			*got;

	test_clock();
	ctl_set_tty(1);
	j = test_load_json("trigger-wait-ok.json");
	fp = tmpfile();
	cJSON_ArrayForEach(e, j)
		test_feed(cmd, e, fp);
	got = test_contents(fp);
	ck_assert_str_eq(got,
	    "\r\033[Ksucceeded 0/2  failed 0  in flight 1  queued 1  "
	    "retry wait 0  elapsed 1m 00s"
	    "\r\033[Krun 8 finished: succeeded; 2/2 succeeded, 0 failed; "
	    "took 45s\n");
	free(got);
	fclose(fp);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_exit_status)
{
	const struct ctl_cmd	*trigger = ctl_find("trigger");
	const struct ctl_cmd	*check = ctl_find("check");
	cJSON			*req, *j;
	const cJSON		*last;

	req = cJSON_Parse("{\"wait\":true}");
	j = test_load_json("trigger-wait.json");
	last = cJSON_GetArrayItem(j, cJSON_GetArraySize(j) - 1);
	ck_assert_int_eq(trigger->exit_status(req, last), 1);
	cJSON_Delete(req);
	req = cJSON_Parse("{\"wait\":false}");
	ck_assert_int_eq(trigger->exit_status(req, last), 0);
	cJSON_Delete(j);
	j = test_load_json("check.json");
	ck_assert_int_eq(check->exit_status(req, j), 2);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"status\":7}");
	ck_assert_int_eq(check->exit_status(req, j), 3);
	cJSON_Delete(j);
	cJSON_Delete(req);
}
END_TEST

/* ---- end to end: the binary against a fake daemon ---- */

struct fake {
	char	dir[64];
	char	sock[128];
	char	reqfile[128];
	pid_t	pid;
};

/*
 * Lines the fake daemon sends: a data file holding one reply (one line) or
 * an array of replies (one line each).  Returns a NULL-terminated array.
 */
static char **
test_reply_lines(const char *name)
{
	cJSON		*j;
	const cJSON	*e;
	char		**lines, *s;
	size_t		 n = 0;

	j = test_load_json(name);
	lines = xcalloc((size_t)cJSON_GetArraySize(j) + 2, sizeof(*lines));
	if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(e, j) {
			s = cJSON_PrintUnformatted(e);
			lines[n++] = xstrdup(s);
			cJSON_free(s);
		}
	} else {
		s = cJSON_PrintUnformatted(j);
		lines[n++] = xstrdup(s);
		cJSON_free(s);
	}
	cJSON_Delete(j);
	return (lines);
}

static void
test_write_all(int fd, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n <= 0)
			_exit(1);
		s += n;
		len -= (size_t)n;
	}
}

/*
 * Starts a fake daemon: listens before forking (so the client can connect
 * at once), accepts one connection, saves the request line, writes each of
 * lines with a newline, then closes, or with hold waits for the client to
 * go away first.
 */
static void
fake_start(struct fake *f, char **lines, int hold)
{
	struct sockaddr_un	 sun;
	char			 buf[4096];
	int			 s, c, fd, i;
	ssize_t			 n;
	size_t			 used = 0;

	strlcpy(f->dir, "/tmp/check_ctl.XXXXXX", sizeof(f->dir));
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/control.sock", f->dir);
	snprintf(f->reqfile, sizeof(f->reqfile), "%s/request", f->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, f->sock, sizeof(sun.sun_path));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(s, -1);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	f->pid = fork();
	ck_assert_int_ne(f->pid, -1);
	if (f->pid != 0) {
		close(s);
		return;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((c = accept(s, NULL, NULL)) == -1)
		_exit(1);
	while (used < sizeof(buf) - 1 && memchr(buf, '\n', used) == NULL) {
		n = read(c, buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	fd = open(f->reqfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	test_write_all(fd, buf, used);
	close(fd);
	for (i = 0; lines[i] != NULL; i++) {
		test_write_all(c, lines[i], strlen(lines[i]));
		test_write_all(c, "\n", 1);
	}
	if (hold) {
		while (read(c, buf, sizeof(buf)) > 0)
			;
	}
	close(c);
	_exit(0);
}

/* Waits for the fake daemon; returns the request it got (new string). */
static char *
fake_finish(struct fake *f)
{
	char	*req;
	int	 st;

	ck_assert_int_eq(waitpid(f->pid, &st, 0), f->pid);
	req = test_slurp(f->reqfile);
	unlink(f->reqfile);
	unlink(f->sock);
	rmdir(f->dir);
	return (req != NULL ? req : xstrdup(""));
}

static void
test_free_lines(char **lines)
{
	size_t	i;

	for (i = 0; lines[i] != NULL; i++)
		free(lines[i]);
	free(lines);
}

/*
 * Runs databackupctl with the NULL-terminated args; returns its exit
 * status, with stdout and stderr as new strings.
 */
static int
test_run(const char *const *args, char **out, char **err)
{
	char		*bin, *argv[16];
	FILE		*fo, *fe;
	pid_t		 pid;
	int		 st, i;

	xasprintf(&bin, "%s/databackupctl", test_builddir());
	argv[0] = bin;
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	fo = tmpfile();
	fe = tmpfile();
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		dup2(fileno(fo), STDOUT_FILENO);
		dup2(fileno(fe), STDERR_FILENO);
		execv(bin, argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	fseek(fo, 0, SEEK_END);
	fseek(fe, 0, SEEK_END);
	*out = test_contents(fo);
	*err = test_contents(fe);
	fclose(fo);
	fclose(fe);
	free(bin);
	ck_assert_msg(WIFEXITED(st), "databackupctl died of signal %d",
	    WTERMSIG(st));
	ck_assert_msg(WEXITSTATUS(st) != 127, "cannot run databackupctl");
	return (WEXITSTATUS(st));
}

/*
 * One exchange: the fake daemon answers with lines; args get "-s SOCKET"
 * prepended.  Returns the exit status; *req is the request line.
 */
static int
test_exchange(char **lines, const char *const *args, char **req, char **out,
    char **err)
{
	struct fake	 f;
	const char	*a[16];
	int		 i, rc;

	fake_start(&f, lines, 0);
	a[0] = "-s";
	a[1] = f.sock;
	for (i = 0; args[i] != NULL && i < 13; i++)
		a[i + 2] = args[i];
	a[i + 2] = NULL;
	rc = test_run(a, out, err);
	*req = fake_finish(&f);
	return (rc);
}

static void
test_contains(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL, "'%s' not in:\n%s", needle,
	    hay);
}

START_TEST(test_e2e_status)
{
	const char	*args[] = { "status", NULL };
	char		**lines, *req, *out, *err;

	lines = test_reply_lines("status.json");
	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err), 0);
	ck_assert_str_eq(req, "{\"version\":1,\"command\":\"status\"}\n");
	test_contains(out, "databackupd 0.1.0, pid 4242, up 3h 12m\n");
	test_contains(out, "billing-prod/pg-main/invoices (exporting)");
	ck_assert_str_eq(err, "");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_json)
{
	const char	*args[] = { "trigger", "--json", "p/i", "--wait",
			    NULL };
	char		**lines, *req, *out, *err, *want = NULL, *t;
	size_t		 i;

	lines = test_reply_lines("trigger-wait.json");
	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err), 1);
	ck_assert_str_eq(req, "{\"version\":1,\"command\":\"trigger\","
	    "\"patterns\":[\"p/i\"],\"wait\":true}\n");
	for (i = 0; lines[i] != NULL; i++) {
		xasprintf(&t, "%s%s\n", want != NULL ? want : "", lines[i]);
		free(want);
		want = t;
	}
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(err, "");
	free(want);
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_trigger_wait)
{
	const char	*fail[] = { "--wait", "trigger", NULL };
	const char	*ok[] = { "trigger", "--wait", NULL };
	char		**lines, *req, *out, *err;

	lines = test_reply_lines("trigger-wait.json");
	ck_assert_int_eq(test_exchange(lines, fail, &req, &out, &err), 1);
	test_contains(out, "discovering databases  elapsed");
	test_contains(out, "succeeded 15/31  failed 1  in flight 4  "
	    "queued 10 (3 busy)  retry wait 1  elapsed");
	test_contains(out, "run 7 finished: failed; 30/31 succeeded, "
	    "1 failed");
	ck_assert_ptr_null(strchr(out, '\r'));
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);

	lines = test_reply_lines("trigger-wait-ok.json");
	ck_assert_int_eq(test_exchange(lines, ok, &req, &out, &err), 0);
	test_contains(out, "run 8 finished: succeeded");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_closed_early)
{
	const char	*args[] = { "trigger", "--wait", NULL };
	char		**lines, *req, *out, *err;

	lines = test_reply_lines("trigger-wait.json");
	free(lines[4]);
	lines[4] = NULL;	/* no result */
	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err), 1);
	ck_assert_str_eq(err, "databackupctl: connection to databackupd "
	    "closed before the result\n");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_malformed)
{
	const char	*args[] = { "status", NULL };
	const char	*cargs[] = { "check", NULL };
	char		*lines[] = {
			    (char *)"{\"type\": \"result\", \"ok\": tr",
			    NULL };
	char		*notype[] = { (char *)"{\"ok\": true}", NULL };
	char		*req, *out, *err;

	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err), 1);
	test_contains(err, "databackupctl: malformed reply from databackupd");
	ck_assert_str_eq(out, "");
	free(req);
	free(out);
	free(err);

	ck_assert_int_eq(test_exchange(notype, args, &req, &out, &err), 1);
	test_contains(err, "malformed reply from databackupd: no type");
	free(req);
	free(out);
	free(err);

	ck_assert_int_eq(test_exchange(lines, cargs, &req, &out, &err), 3);
	test_contains(out, "UNKNOWN: malformed reply from databackupd");
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_not_ok)
{
	const char	*args[] = { "reload", NULL };
	const char	*cargs[] = { "check", NULL };
	char		**lines, *req, *out, *err;

	lines = test_reply_lines("reload-fail.json");
	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err), 1);
	ck_assert_str_eq(req, "{\"version\":1,\"command\":\"reload\"}\n");
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err,
	    "databackupctl: configuration has errors, not reloaded\n"
	    "/etc/databackup/databackup.conf:12: unknown key 'bukket'\n"
	    "/etc/databackup/databackup.conf:30: poll_initial > poll_max\n");
	free(req);
	free(out);
	free(err);

	ck_assert_int_eq(test_exchange(lines, cargs, &req, &out, &err), 3);
	test_contains(out, "UNKNOWN: configuration has errors, not reloaded\n");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_reload_restart)
{
	const char	*args[] = { "reload", NULL };
	char		**lines, *req, *out, *err;

	lines = test_reply_lines("reload-restart.json");
	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err),
	    CTL_EXIT_RESTART);
	ck_assert_str_eq(out, "configuration reloaded\n"
	    "changed, in force only after a restart: workers.count, "
	    "control.socket\n");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);

	lines = test_reply_lines("reload.json");
	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err), 0);
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_check)
{
	const char	*args[] = { "check", NULL };
	char		**lines, *req, *out, *err;

	lines = test_reply_lines("check.json");
	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err), 2);
	ck_assert_str_eq(out,
	    "CRITICAL: crm/mysql-1/contacts failed 4 times (run 7)\n"
	    "WARNING: journal is 900 MiB\n");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_metrics_version)
{
	const char	*args[] = { "metrics", NULL };
	const char	*rargs[] = { "reload", NULL };
	char		**lines, *req, *out, *err;

	lines = test_reply_lines("metrics.json");
	ck_assert_int_eq(test_exchange(lines, args, &req, &out, &err), 0);
	ck_assert_str_eq(out, "# HELP databackup_jobs_total Jobs by outcome.\n"
	    "# TYPE databackup_jobs_total counter\n"
	    "databackup_jobs_total{outcome=\"succeeded\"} 30\n");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);

	lines = test_reply_lines("version2.json");
	ck_assert_int_eq(test_exchange(lines, rargs, &req, &out, &err), 0);
	ck_assert_str_eq(out, "configuration reloaded\n");
	test_contains(err, "warning: databackupd speaks protocol version 2");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_env_socket)
{
	struct fake	 f;
	const char	*args[] = { "coverage", "--hours", "12", NULL };
	char		**lines, *req, *out, *err;

	lines = test_reply_lines("coverage-empty.json");
	fake_start(&f, lines, 0);
	setenv("DATABACKUP_SOCKET", f.sock, 1);
	ck_assert_int_eq(test_run(args, &out, &err), 0);
	req = fake_finish(&f);
	ck_assert_str_eq(req, "{\"version\":1,\"command\":\"coverage\","
	    "\"hours\":12}\n");
	ck_assert_str_eq(out, "no stale database (max age 12h 00m)\n");
	test_free_lines(lines);
	free(req);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_not_running)
{
	const char	*args[] = { "-s", "/nonexistent/control.sock",
			    "status", NULL };
	const char	*cargs[] = { "check", "-s",
			    "/nonexistent/control.sock", NULL };
	char		*out, *err;

	ck_assert_int_eq(test_run(args, &out, &err), 1);
	ck_assert_str_eq(err, "databackupctl: cannot connect to "
	    "/nonexistent/control.sock: No such file or directory (is "
	    "databackupd running?)\n");
	ck_assert_str_eq(out, "");
	free(out);
	free(err);

	ck_assert_int_eq(test_run(cargs, &out, &err), 3);
	ck_assert_str_eq(out, "UNKNOWN: databackupd not reachable: cannot "
	    "connect to /nonexistent/control.sock: No such file or "
	    "directory\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_usage)
{
	static const struct {
		const char	*args[4];
		int		 rc;
		const char	*err;
	} t[] = {
		{ { NULL }, 2, "databackupctl: no command given\n" },
		{ { "frob" }, 2, "databackupctl: unknown command: frob\n" },
		{ { "--frob" }, 2, "databackupctl: unknown option: --frob\n" },
		{ { "status", "--frob" }, 2, "status: unknown option: --frob" },
		{ { "jobs", "seven" }, 2, "bad RUN 'seven'" },
		{ { "trigger", "a/b/c/d" }, 2, "bad pattern 'a/b/c/d'" },
		{ { "history", "--days", "-2" }, 2, "bad --days '-2'" },
		{ { "check", "extra" }, 3, "check takes no arguments" },
		{ { "status", "-s" }, 2, "-s needs a socket path" },
	};
	size_t	 i;
	char	*out, *err;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(test_run(t[i].args, &out, &err), t[i].rc);
		test_contains(err, t[i].err);
		test_contains(err, "Try 'databackupctl --help'");
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(test_e2e_help)
{
	const char	*args[] = { "--help", NULL };
	const char	*vargs[] = { "status", "-V", NULL };
	const struct ctl_cmd **c;
	char		*out, *err, *line;

	ck_assert_int_eq(test_run(args, &out, &err), 0);
	for (c = ctl_cmds; *c != NULL; c++) {
		xasprintf(&line, "\n  %s", (*c)->name);
		test_contains(out, line);
		test_contains(out, (*c)->description);
		free(line);
	}
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
	ck_assert_int_eq(test_run(vargs, &out, &err), 0);
	ck_assert_str_eq(out, "databackupctl " PACKAGE_VERSION "\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_e2e_sigint)
{
	struct fake	 f;
	char		**lines, *bin, *req, buf[4096];
	char		*argv[] = { NULL, (char *)"-s", NULL,
			    (char *)"trigger", (char *)"--wait", NULL };
	int		 out[2], st;
	pid_t		 pid;
	size_t		 used = 0;
	ssize_t		 n;
	FILE		*fe;
	char		*err, *p;

	lines = test_reply_lines("trigger-wait.json");
	free(lines[4]);
	lines[4] = NULL;
	fake_start(&f, lines, 1);
	xasprintf(&bin, "%s/databackupctl", test_builddir());
	argv[0] = bin;
	argv[2] = f.sock;
	ck_assert_int_eq(pipe(out), 0);
	fe = tmpfile();
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(fileno(fe), STDERR_FILENO);
		close(out[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(out[1]);
	/* Wait for the last progress line, then interrupt. */
	buf[0] = '\0';
	while ((p = strstr(buf, "succeeded 30/31")) == NULL ||
	    strchr(p, '\n') == NULL) {
		n = read(out[0], buf + used, sizeof(buf) - 1 - used);
		ck_assert_int_gt(n, 0);
		used += (size_t)n;
		buf[used] = '\0';
	}
	kill(pid, SIGINT);
	while ((n = read(out[0], buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	close(out[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), CTL_EXIT_INTERRUPTED);
	fseek(fe, 0, SEEK_END);
	err = test_contents(fe);
	ck_assert_str_eq(err, "databackupctl: stopped waiting; run 7 "
	    "continues in the daemon\n");
	req = fake_finish(&f);
	fclose(fe);
	free(err);
	free(req);
	free(bin);
	test_free_lines(lines);
}
END_TEST

static Suite *
ctl_suite(void)
{
	Suite	*s = suite_create("ctl");
	TCase	*tc;

	tc = tcase_create("format");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_loop_test(tc, test_parse_loop, 0,
	    sizeof(test_parses) / sizeof(test_parses[0]));
	tcase_add_test(tc, test_table_of_commands);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_loop_test(tc, test_render_loop, 0,
	    sizeof(test_renders) / sizeof(test_renders[0]));
	tcase_add_loop_test(tc, test_view_loop, 0,
	    sizeof(test_views) / sizeof(test_views[0]));
	tcase_add_test(tc, test_trigger_tty);
	tcase_add_test(tc, test_exit_status);
	suite_add_tcase(s, tc);

	tc = tcase_create("e2e");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_e2e_status);
	tcase_add_test(tc, test_e2e_json);
	tcase_add_test(tc, test_e2e_reload_restart);
	tcase_add_test(tc, test_e2e_trigger_wait);
	tcase_add_test(tc, test_e2e_closed_early);
	tcase_add_test(tc, test_e2e_malformed);
	tcase_add_test(tc, test_e2e_not_ok);
	tcase_add_test(tc, test_e2e_check);
	tcase_add_test(tc, test_e2e_metrics_version);
	tcase_add_test(tc, test_e2e_env_socket);
	tcase_add_test(tc, test_e2e_not_running);
	tcase_add_test(tc, test_e2e_usage);
	tcase_add_test(tc, test_e2e_help);
	tcase_add_test(tc, test_e2e_sigint);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	setenv("TZ", "UTC", 1);
	unsetenv("DATABACKUP_SOCKET");
	tzset();
	sr = srunner_create(ctl_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
