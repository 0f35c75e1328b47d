/*
 * check_gcp.c: gcp*.c without a network: error classes from canned Google
 * answers in tests/data/gcp, Retry-After, list/operation parsers (paging,
 * missing arrays, int64 strings, over-long names, nesting, truncation), URL
 * builders and escaping, engine helpers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <curl/curl.h>

#include "gcp.h"
#include "http.h"
#include "xmalloc.h"

#ifndef TEST_DATA
#define TEST_DATA "tests/data/gcp"
#endif

static char *
slurp(const char *name, size_t *len)
{
	char	 path[1024], *buf;
	FILE	*f;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc(n + 1);
	ck_assert_int_eq(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return (buf);
}

static const struct {
	const char	*file;
	long		 http;
	enum gcp_status	 st;
	const char	*reason;
	const char	*status;
	int		 api_disabled;
	const char	*msg_part;
} classes[] = {
	{ "err-409-operation-in-progress.json", 409, GCP_BUSY,
	    "operationInProgress", "", 0, "another operation" },
	{ "err-409-operation-in-progress.json", 403, GCP_BUSY,
	    "operationInProgress", "", 0, "another operation" },
	{ "err-429-rate-limit.json", 429, GCP_RETRY, "rateLimitExceeded",
	    "RESOURCE_EXHAUSTED", 0, "Quota exceeded" },
	{ "err-403-access-not-configured.json", 403, GCP_PERMANENT,
	    "accessNotConfigured", "PERMISSION_DENIED", 1, "has not been used" },
	{ "err-403-forbidden.json", 403, GCP_PERMANENT, "forbidden",
	    "PERMISSION_DENIED", 0, "does not have permission" },
	{ "err-403-rate-limit.json", 403, GCP_RETRY, "userRateLimitExceeded",
	    "", 0, "Rate Limit" },
	{ "err-404-instance.json", 404, GCP_PERMANENT, "instanceDoesNotExist",
	    "NOT_FOUND", 0, "does not exist" },
	{ "err-401.json", 401, GCP_AUTH, "authError", "UNAUTHENTICATED", 0,
	    "invalid authentication" },
	{ "err-500.json", 500, GCP_RETRY, "backendError", "INTERNAL", 0,
	    "Internal error" },
	{ "err-503.json", 503, GCP_RETRY, "backendError", "UNAVAILABLE", 0,
	    "unavailable" },
	{ "err-gcs-404.json", 404, GCP_PERMANENT, "notFound", "", 0,
	    "No such object" },
	{ "err-oauth-invalid-grant.json", 400, GCP_PERMANENT, "invalid_grant",
	    "", 0, "Invalid JWT Signature" },
	{ "err-400-not-running.json", 400, GCP_PERMANENT, "invalid",
	    "INVALID_ARGUMENT", 0, "not running" },
	{ "err-400-not-running.json", 412, GCP_PERMANENT, "invalid",
	    "INVALID_ARGUMENT", 0, "not running" },
	{ "err-garbage.txt", 502, GCP_RETRY, "", "", 0,
	    "HTTP 502 (unparsable body)" },
	{ "err-garbage.txt", 404, GCP_PERMANENT, "", "", 0,
	    "HTTP 404 (unparsable body)" },
	{ "err-truncated.json", 503, GCP_RETRY, "", "", 0,
	    "HTTP 503 (unparsable body)" },
	{ "deep-nesting.json", 500, GCP_RETRY, "", "", 0, "unparsable" },
	{ "err-404-instance.json", 200, GCP_OK, "", "", 0, "" },
	{ "err-500.json", 408, GCP_RETRY, "backendError", "INTERNAL", 0, "" },
	{ "err-500.json", 504, GCP_RETRY, "backendError", "INTERNAL", 0, "" },
};

START_TEST(test_classify_table)
{
	struct gcp_error	 err;
	enum gcp_status		 st;
	char			*body;
	size_t			 len;

	body = slurp(classes[_i].file, &len);
	st = gcp_classify(classes[_i].http, body, len, NULL, 0, NULL, &err);
	ck_assert_msg(st == classes[_i].st, "%s/%ld: got %s, want %s",
	    classes[_i].file, classes[_i].http, gcp_status_name(st),
	    gcp_status_name(classes[_i].st));
	ck_assert_int_eq(err.st, st);
	ck_assert_int_eq(err.http, classes[_i].http);
	if (st != GCP_OK) {
		ck_assert_str_eq(err.reason, classes[_i].reason);
		ck_assert_str_eq(err.status, classes[_i].status);
		ck_assert_ptr_nonnull(strstr(err.message,
		    classes[_i].msg_part));
	}
	ck_assert_int_eq(gcp_error_api_disabled(&err),
	    classes[_i].api_disabled);
	ck_assert_int_eq(err.retry_after_ms, -1);
	free(body);
}
END_TEST

START_TEST(test_classify_details)
{
	struct gcp_error	 err;
	char			*body;
	size_t			 len;

	body = slurp("err-403-access-not-configured.json", &len);
	gcp_classify(403, body, len, NULL, 0, NULL, &err);
	ck_assert_str_eq(err.consumer, "projects/target-proj-1");
	ck_assert_str_eq(err.info_reason, "SERVICE_DISABLED");
	free(body);

	body = slurp("err-429-rate-limit.json", &len);
	gcp_classify(429, body, len, "30", 0, NULL, &err);
	ck_assert_str_eq(err.info_reason, "RATE_LIMIT_EXCEEDED");
	ck_assert_int_eq(err.retry_after_ms, 30000);
	free(body);

	/* Empty body: status decides. */
	ck_assert_int_eq(gcp_classify(503, "", 0, NULL, 0, NULL, &err),
	    GCP_RETRY);
	ck_assert_str_eq(err.message, "HTTP 503 (empty body)");
	ck_assert_int_eq(gcp_classify(400, NULL, 0, NULL, 0, NULL, &err),
	    GCP_PERMANENT);
	/* Another 409 is not "busy". */
	ck_assert_int_eq(gcp_classify(409, "{\"error\":{\"code\":409,"
	    "\"errors\":[{\"reason\":\"instanceAlreadyExists\"}]}}", 68,
	    NULL, 0, NULL, &err), GCP_PERMANENT);
	ck_assert_str_eq(err.reason, "instanceAlreadyExists");
	/* A redirect is not followed and not retried. */
	ck_assert_int_eq(gcp_classify(302, "", 0, NULL, 0, NULL, &err),
	    GCP_PERMANENT);
}
END_TEST

START_TEST(test_classify_message_bounded)
{
	struct gcp_error	 err;
	char			*body, *big;
	size_t			 i;

	big = xmalloc(5000);
	for (i = 0; i < 4999; i++)
		big[i] = i % 50 == 0 ? '\n' : 'x';
	big[4999] = '\0';
	xasprintf(&body, "{\"error\":{\"code\":500,\"message\":\"%s\"}}",
	    big);
	ck_assert_int_eq(gcp_classify(500, body, strlen(body), NULL, 0,
	    NULL, &err), GCP_RETRY);
	ck_assert_uint_lt(strlen(err.message), GCP_MESSAGE_MAX);
	ck_assert_ptr_null(strchr(err.message, '\n'));
	free(big);
	free(body);
}
END_TEST

static const struct {
	int		 code;
	enum gcp_status	 st;
} transports[] = {
	{ CURLE_COULDNT_CONNECT, GCP_RETRY },
	{ CURLE_OPERATION_TIMEDOUT, GCP_RETRY },
	{ CURLE_RECV_ERROR, GCP_RETRY },
	{ CURLE_SEND_ERROR, GCP_RETRY },
	{ CURLE_PARTIAL_FILE, GCP_RETRY },
	{ CURLE_GOT_NOTHING, GCP_RETRY },
	{ CURLE_COULDNT_RESOLVE_HOST, GCP_RETRY },
	{ CURLE_WRITE_ERROR, GCP_RETRY },
	{ CURLE_PEER_FAILED_VERIFICATION, GCP_PERMANENT },
	{ CURLE_UNSUPPORTED_PROTOCOL, GCP_PERMANENT },
	{ CURLE_URL_MALFORMAT, GCP_PERMANENT },
};

START_TEST(test_classify_transport)
{
	struct gcp_error	 err;

	ck_assert_int_eq(gcp_classify(0, NULL, 0, NULL, transports[_i].code,
	    "boom", &err), transports[_i].st);
	ck_assert_int_eq(err.http, 0);
	ck_assert_str_eq(err.message, "transport error: boom");
	/* Transport failure wins over a status seen before it. */
	ck_assert_int_eq(gcp_classify(200, "{}", 2, NULL,
	    transports[_i].code, NULL, &err), transports[_i].st);
}
END_TEST

START_TEST(test_retry_after)
{
	struct gcp_error	 err;
	char			 date[64];
	time_t			 t;

	gcp_classify(503, "", 0, "120", 0, NULL, &err);
	ck_assert_int_eq(err.retry_after_ms, 120000);
	gcp_classify(429, "", 0, "0", 0, NULL, &err);
	ck_assert_int_eq(err.retry_after_ms, 0);
	gcp_classify(503, "", 0, "soon", 0, NULL, &err);
	ck_assert_int_eq(err.retry_after_ms, -1);
	gcp_classify(503, "", 0, "", 0, NULL, &err);
	ck_assert_int_eq(err.retry_after_ms, -1);

	t = time(NULL) + 90;
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime(&t));
	gcp_classify(503, "", 0, date, 0, NULL, &err);
	ck_assert_int_ge(err.retry_after_ms, 80000);
	ck_assert_int_le(err.retry_after_ms, 90000);
	gcp_classify(503, "", 0, "Wed, 21 Oct 2015 07:28:00 GMT", 0, NULL,
	    &err);
	ck_assert_int_eq(err.retry_after_ms, 0);
}
END_TEST

struct names {
	int	 n;
	char	 name[8][128];
	char	 state[8][32];
};

static void
names_cb(const char *name, const char *state, void *arg)
{
	struct names	*n = arg;

	ck_assert_int_lt(n->n, 8);
	strlcpy(n->name[n->n], name, sizeof(n->name[0]));
	strlcpy(n->state[n->n], state, sizeof(n->state[0]));
	n->n++;
}

static void
dbs_cb(const char *name, void *arg)
{
	names_cb(name, "", arg);
}

START_TEST(test_parse_folders_projects)
{
	struct names		 n;
	struct gcp_error	 err;
	char			*body, *next, id[GCP_PROJECT_ID_MAX + 1],
				 state[32];
	size_t			 len;

	memset(&n, 0, sizeof(n));
	body = slurp("folders-page1.json", &len);
	ck_assert_int_eq(gcp_parse_folders(body, len, names_cb, &n, &next,
	    &err), 0);
	ck_assert_int_eq(n.n, 2);
	ck_assert_str_eq(n.name[0], "folders/111");
	ck_assert_str_eq(n.state[1], "DELETE_REQUESTED");
	ck_assert_str_eq(next, "tok/1+==");
	free(next);
	free(body);

	memset(&n, 0, sizeof(n));
	body = slurp("folders-last.json", &len);
	ck_assert_int_eq(gcp_parse_folders(body, len, names_cb, &n, &next,
	    &err), 0);
	ck_assert_int_eq(n.n, 1);
	ck_assert_ptr_null(next);	/* "" is the last page */
	free(body);

	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(gcp_parse_folders("{}", 2, names_cb, &n, &next,
	    &err), 0);
	ck_assert_int_eq(n.n, 0);
	ck_assert_ptr_null(next);
	ck_assert_int_eq(gcp_parse_projects("{}", 2, names_cb, &n, &next,
	    &err), 0);

	memset(&n, 0, sizeof(n));
	body = slurp("projects-page.json", &len);
	ck_assert_int_eq(gcp_parse_projects(body, len, names_cb, &n, &next,
	    &err), 0);
	ck_assert_int_eq(n.n, 2);
	ck_assert_str_eq(n.name[0], "tokyo-rain-123");
	ck_assert_str_eq(n.state[0], "ACTIVE");
	ck_assert_ptr_null(next);
	free(body);

	memset(&n, 0, sizeof(n));
	body = slurp("projects-long-id.json", &len);
	ck_assert_int_eq(gcp_parse_projects(body, len, names_cb, &n, &next,
	    &err), -1);
	ck_assert_int_eq(n.n, 0);
	ck_assert_int_eq(err.st, GCP_RETRY);
	ck_assert_ptr_nonnull(strstr(err.message, "malformed answer"));
	free(body);

	body = slurp("project-get.json", &len);
	ck_assert_int_eq(gcp_parse_project(body, len, id, sizeof(id), state,
	    sizeof(state), &err), 0);
	ck_assert_str_eq(id, "tokyo-rain-123");
	ck_assert_str_eq(state, "ACTIVE");
	free(body);
	ck_assert_int_eq(gcp_parse_project("{\"state\":\"ACTIVE\"}", 18, id,
	    sizeof(id), state, sizeof(state), &err), -1);
	ck_assert_int_eq(gcp_parse_folders("{\"folders\":{}}", 14, names_cb,
	    &n, &next, &err), -1);
	ck_assert_int_eq(gcp_parse_folders("{\"folders\":[{\"state\":1}]}",
	    25, names_cb, &n, &next, &err), -1);
}
END_TEST

struct insts {
	int			 n;
	struct gcp_instance	 v[4];
};

static void
inst_cb(const struct gcp_instance *in, void *arg)
{
	struct insts	*s = arg;

	ck_assert_int_lt(s->n, 4);
	s->v[s->n++] = *in;
}

START_TEST(test_parse_instances)
{
	struct insts		 s;
	struct gcp_error	 err;
	char			*body, *next;
	size_t			 len;

	memset(&s, 0, sizeof(s));
	body = slurp("instances-page.json", &len);
	ck_assert_int_eq(gcp_parse_instances(body, len, inst_cb, NULL, &s,
	    &next, &err), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.v[0].name, "pg-main");
	ck_assert_str_eq(s.v[0].version, "POSTGRES_15");
	ck_assert_str_eq(s.v[0].state, "RUNNABLE");
	ck_assert_str_eq(s.v[0].instance_type, "CLOUD_SQL_INSTANCE");
	ck_assert_str_eq(s.v[0].activation_policy, "ALWAYS");
	ck_assert_str_eq(s.v[0].backend_type, "SECOND_GEN");
	ck_assert_str_eq(s.v[0].service_account,
	    "p415104041262-abc123@gcp-sa-cloud-sql.iam.gserviceaccount.com");
	ck_assert_int_eq(s.v[0].data_disk_gb, 1200);
	ck_assert_int_eq(s.v[0].is_replica, 0);
	ck_assert_int_eq(s.v[1].is_replica, 1);
	ck_assert_str_eq(s.v[1].primary_project, "tokyo-rain-123");
	ck_assert_str_eq(s.v[1].primary, "pg-main");
	ck_assert_str_eq(s.v[0].primary, "");
	ck_assert_str_eq(s.v[2].activation_policy, "NEVER");
	ck_assert_int_eq(s.v[2].data_disk_gb, 9000000000000LL);
	ck_assert_str_eq(next, "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA4");
	free(next);
	free(body);

	memset(&s, 0, sizeof(s));
	body = slurp("instances-empty.json", &len);
	ck_assert_int_eq(gcp_parse_instances(body, len, inst_cb, NULL, &s,
	    &next, &err), 0);
	ck_assert_int_eq(s.n, 0);
	ck_assert_ptr_null(next);
	free(body);

	/* Replica flagged by instanceType alone. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(gcp_parse_instances("{\"items\":[{\"name\":\"r\","
	    "\"instanceType\":\"READ_REPLICA_INSTANCE\"}]}", 63, inst_cb, NULL,
	    &s, &next, &err), 0);
	ck_assert_int_eq(s.v[0].is_replica, 1);
	ck_assert_str_eq(s.v[0].primary, "");

	/* A primary named without its project: the replica's own. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(gcp_parse_instances("{\"items\":[{\"name\":\"r\","
	    "\"masterInstanceName\":\"m\"}]}", 49, inst_cb, NULL, &s, &next,
	    &err), 0);
	ck_assert_int_eq(s.v[0].is_replica, 1);
	ck_assert_str_eq(s.v[0].primary_project, "");
	ck_assert_str_eq(s.v[0].primary, "m");
}
END_TEST

static const char *const bad_instances[] = {
	"instances-bad-disk.json",
	"instances-truncated.json",
	"deep-nesting.json",
	"err-garbage.txt",
	"empty-object.json",	/* placeholder: valid, checked apart */
};

START_TEST(test_parse_instances_bad)
{
	struct insts		 s;
	struct gcp_error	 err;
	char			*body, *next = (char *)1;
	size_t			 len;

	if (_i == 4) {
		/* Valid-but-wrong shapes. */
		ck_assert_int_eq(gcp_parse_instances("[]", 2, inst_cb, NULL, &s,
		    &next, &err), -1);
		ck_assert_int_eq(gcp_parse_instances("{\"items\":[{}]}", 14,
		    inst_cb, NULL, &s, &next, &err), -1);
		ck_assert_int_eq(gcp_parse_instances("{} x", 4, inst_cb, NULL,
		    &s, &next, &err), -1);
		ck_assert_int_eq(gcp_parse_instances("", 0, inst_cb, NULL, &s,
		    &next, &err), -1);
		ck_assert_int_eq(gcp_parse_instances("{\"items\":[{\"name\":"
		    "\"a\"}],\"nextPageToken\":5}", 42, inst_cb, NULL, &s, &next,
		    &err), -1);
		return;
	}
	memset(&s, 0, sizeof(s));
	body = slurp(bad_instances[_i], &len);
	ck_assert_int_eq(gcp_parse_instances(body, len, inst_cb, NULL, &s,
	    &next, &err), -1);
	ck_assert_int_eq(s.n, 0);	/* nothing reported from a bad page */
	ck_assert_ptr_null(next);
	ck_assert_int_eq(err.st, GCP_RETRY);
	ck_assert_ptr_nonnull(strstr(err.message,
	    "malformed answer from sqladmin"));
	free(body);
}
END_TEST

struct warns {
	struct insts		 in;
	int			 n;
	struct gcp_warning	 v[4];
};

static void
warn_inst_cb(const struct gcp_instance *in, void *arg)
{
	inst_cb(in, &((struct warns *)arg)->in);
}

static void
warn_cb(const struct gcp_warning *w, void *arg)
{
	struct warns	*s = arg;

	ck_assert_int_lt(s->n, 4);
	s->v[s->n++] = *w;
}

static void
warn_count_cb(const struct gcp_warning *w, void *arg)
{
	(*(int *)arg)++;
}

static void
no_inst_cb(const struct gcp_instance *in, void *arg)
{
}

/* instances.list warnings[]: the page is whole but says it is partial. */
START_TEST(test_parse_instances_warnings)
{
	struct warns		 s;
	struct gcp_error	 err;
	const char		*lit;
	char			*body, *next;
	size_t			 len;

	memset(&s, 0, sizeof(s));
	body = slurp("instances-warnings.json", &len);
	ck_assert_int_eq(gcp_parse_instances(body, len, warn_inst_cb, warn_cb,
	    &s, &next, &err), 0);
	ck_assert_int_eq(s.in.n, 1);
	ck_assert_str_eq(s.in.v[0].name, "pg-main");
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.v[0].code, "REGION_UNREACHABLE");
	ck_assert_str_eq(s.v[0].region, "europe-west3");
	ck_assert_ptr_nonnull(strstr(s.v[0].message, "may be incomplete"));
	ck_assert_str_eq(s.v[1].region, "asia-east1");
	ck_assert_ptr_null(next);
	/* A caller without a warning callback still gets the items. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(gcp_parse_instances(body, len, warn_inst_cb, NULL,
	    &s, &next, &err), 0);
	ck_assert_int_eq(s.in.n, 1);
	ck_assert_int_eq(s.n, 0);
	free(body);

	/* Absent, null or empty: no warnings. */
	memset(&s, 0, sizeof(s));
	body = slurp("instances-page.json", &len);
	ck_assert_int_eq(gcp_parse_instances(body, len, warn_inst_cb, warn_cb,
	    &s, &next, &err), 0);
	ck_assert_int_eq(s.in.n, 3);
	ck_assert_int_eq(s.n, 0);
	free(next);
	free(body);
	lit = "{\"warnings\":null}";
	ck_assert_int_eq(gcp_parse_instances(lit, strlen(lit), warn_inst_cb,
	    warn_cb, &s, &next, &err), 0);
	lit = "{\"warnings\":[]}";
	ck_assert_int_eq(gcp_parse_instances(lit, strlen(lit), warn_inst_cb,
	    warn_cb, &s, &next, &err), 0);
	ck_assert_int_eq(s.n, 0);

	/* Warnings on a page without items: nothing seen, still partial. */
	memset(&s, 0, sizeof(s));
	lit = "{\"kind\":\"sql#instancesList\",\"warnings\":[{\"code\":"
	    "\"REGION_UNREACHABLE\",\"region\":\"us-east4\"}]}";
	ck_assert_int_eq(gcp_parse_instances(lit, strlen(lit), warn_inst_cb,
	    warn_cb, &s, &next, &err), 0);
	ck_assert_int_eq(s.in.n, 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.v[0].region, "us-east4");
	ck_assert_str_eq(s.v[0].message, "");
}
END_TEST

/*
 * Malformed entries: those that are not objects say nothing and are
 * passed over, members of the wrong type read as "" (an unnamed code as
 * Google's unset one), text is cut and cleaned; the items still come.
 * warnings that is not an array makes the page malformed, as items does.
 */
START_TEST(test_parse_instances_warnings_bad)
{
	struct warns		 s;
	struct gcp_error	 err;
	const char		*body;
	char			*big, *next;
	size_t			 i, n;
	int			 count = 0;

	memset(&s, 0, sizeof(s));
	body = "{\"items\":[{\"name\":\"a\"}],\"warnings\":[42,\"x\",null,"
	    "[],{\"code\":5,\"region\":{},\"message\":\"m\\n\\u0007\"},"
	    "{\"code\":\"REGION_UNREACHABLE\",\"region\":\"europe-west3\"}]}";
	ck_assert_int_eq(gcp_parse_instances(body, strlen(body), warn_inst_cb,
	    warn_cb, &s, &next, &err), 0);
	ck_assert_int_eq(s.in.n, 1);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.v[0].code, "SQL_API_WARNING_CODE_UNSPECIFIED");
	ck_assert_str_eq(s.v[0].region, "");
	ck_assert_str_eq(s.v[0].message, "m  ");
	ck_assert_str_eq(s.v[1].code, "REGION_UNREACHABLE");
	ck_assert_str_eq(s.v[1].region, "europe-west3");

	/* Over-long text is cut to fit, never overflowing. */
	memset(&s, 0, sizeof(s));
	n = 3 * GCP_MESSAGE_MAX;
	big = xmalloc(n + 128);
	i = strlcpy(big, "{\"warnings\":[{\"region\":\"", n + 128);
	memset(big + i, 'r', n);
	strlcpy(big + i + n, "\"}]}", 8);
	ck_assert_int_eq(gcp_parse_instances(big, strlen(big), warn_inst_cb,
	    warn_cb, &s, &next, &err), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(strlen(s.v[0].region), GCP_REGION_MAX - 1);
	free(big);

	/* Many entries: a bounded number is kept. */
	big = xmalloc(16 * 1024);
	strlcpy(big, "{\"warnings\":[{}", 16 * 1024);
	for (i = 1; i < 1000; i++)
		strlcat(big, ",{}", 16 * 1024);
	strlcat(big, "]}", 16 * 1024);
	ck_assert_int_eq(gcp_parse_instances(big, strlen(big), no_inst_cb,
	    warn_count_cb, &count, &next, &err), 0);
	ck_assert_int_gt(count, 0);
	ck_assert_int_lt(count, 1000);
	free(big);

	memset(&s, 0, sizeof(s));
	body = "{\"items\":[{\"name\":\"a\"}],\"warnings\":{\"code\":"
	    "\"REGION_UNREACHABLE\"}}";
	ck_assert_int_eq(gcp_parse_instances(body, strlen(body), warn_inst_cb,
	    warn_cb, &s, &next, &err), -1);
	ck_assert_int_eq(err.st, GCP_RETRY);
	ck_assert_ptr_nonnull(strstr(err.message, "warnings is not an array"));
	ck_assert_int_eq(s.in.n, 0);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

START_TEST(test_parse_databases)
{
	struct names		 n;
	struct gcp_error	 err;
	char			*body;
	size_t			 len;

	memset(&n, 0, sizeof(n));
	body = slurp("databases.json", &len);
	ck_assert_int_eq(gcp_parse_databases(body, len, dbs_cb, &n, &err), 0);
	ck_assert_int_eq(n.n, 3);
	ck_assert_str_eq(n.name[1], "orders");
	free(body);

	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(gcp_parse_databases("{\"kind\":\"sql#databasesList\"}",
	    28, dbs_cb, &n, &err), 0);
	ck_assert_int_eq(n.n, 0);

	body = slurp("databases-long-name.json", &len);
	ck_assert_int_eq(gcp_parse_databases(body, len, dbs_cb, &n, &err),
	    -1);
	ck_assert_int_eq(n.n, 0);
	free(body);
}
END_TEST

START_TEST(test_parse_operation)
{
	struct gcp_op		 op;
	struct gcp_error	 err;
	char			*body;
	size_t			 len;

	body = slurp("operation-pending.json", &len);
	ck_assert_int_eq(gcp_parse_operation(body, len, &op, &err), 0);
	ck_assert_str_eq(op.name, "acb40108-a483-4a8b-8a5c-e27100000032");
	ck_assert_str_eq(op.type, "EXPORT");
	ck_assert_int_eq(op.status, GCP_OP_PENDING);
	ck_assert_str_eq(gcp_op_status_name(op.status), "PENDING");
	ck_assert_str_eq(op.uri,
	    "gs://bkt/tokyo-rain-123/pg-main/orders/2026-11-24T030000Z.sql.gz");
	ck_assert_int_eq(op.has_error, 0);
	ck_assert_int_eq(op.insert_ms, 1795489201123LL);
	ck_assert_int_eq(op.start_ms, 0);
	free(body);

	body = slurp("operation-failed.json", &len);
	ck_assert_int_eq(gcp_parse_operation(body, len, &op, &err), 0);
	ck_assert_int_eq(op.status, GCP_OP_DONE);
	ck_assert_int_eq(op.has_error, 1);
	ck_assert_str_eq(op.error_code, "ERROR_RDBMS");
	ck_assert_str_eq(op.error_message,
	    "mysqldump: Got error: 1044: Access denied");
	ck_assert_int_eq(op.insert_ms, 1795489201000LL);
	ck_assert_int_eq(op.start_ms, 1795485602500LL);	/* +01:00 */
	ck_assert_int_eq(op.end_ms, 1795489800000LL);
	free(body);

	body = slurp("operation-noname.json", &len);
	ck_assert_int_eq(gcp_parse_operation(body, len, &op, &err), -1);
	ck_assert_int_eq(err.st, GCP_RETRY);
	free(body);
	ck_assert_int_eq(gcp_parse_operation("{\"name\":\"x\",\"insertTime\":"
	    "\"yesterday\"}", 37, &op, &err), -1);
	ck_assert_int_eq(gcp_parse_operation("{\"name\":\"x\",\"status\":"
	    "\"WEIRD\"}", 29, &op, &err), 0);
	ck_assert_int_eq(op.status, GCP_OP_UNKNOWN);
}
END_TEST

/* The answers a worker's blocking calls read: search, instance, object. */
START_TEST(test_parse_worker_answers)
{
	struct gcp_error	 err;
	struct gcp_op		 best;
	struct gcp_op_search	 search;
	struct gcp_instance	 in;
	struct gcp_object	 obj;
	char			*body;
	size_t			 len;

	body = slurp("operations-list.json", &len);
	memset(&best, 0, sizeof(best));
	memset(&search, 0, sizeof(search));
	search.uri = "gs://bkt/a/b.sql.gz";
	search.best = &best;
	ck_assert_int_eq(gcp_parse_op_search(body, len, &search, &err), 0);
	ck_assert_str_eq(best.name, "op-export-2");	/* newest match */
	ck_assert_str_eq(search.next, "next1");
	free(search.next);
	search.uri = "gs://bkt/none";
	memset(&best, 0, sizeof(best));
	ck_assert_int_eq(gcp_parse_op_search(body, len, &search, &err), 0);
	ck_assert_str_eq(best.name, "");
	free(search.next);
	/* What holds the instance: not DONE, running first, newest. */
	search.uri = NULL;
	memset(&best, 0, sizeof(best));
	ck_assert_int_eq(gcp_parse_op_search(body, len, &search, &err), 0);
	ck_assert_str_eq(best.name, "op-new-backup");
	ck_assert_str_eq(best.type, "BACKUP_VOLUME");
	ck_assert_int_eq(best.status, GCP_OP_RUNNING);
	free(search.next);
	memset(&best, 0, sizeof(best));
	ck_assert_int_eq(gcp_parse_op_search("{\"items\":[{\"name\":\"a\","
	    "\"status\":\"DONE\"},{\"name\":\"p\",\"status\":\"PENDING\","
	    "\"insertTime\":\"2026-11-24T03:06:00Z\"},{\"name\":\"r\","
	    "\"status\":\"RUNNING\",\"insertTime\":\"2026-11-24T03:00:00Z\"}"
	    "]}", 176, &search, &err), 0);
	ck_assert_str_eq(best.name, "r");
	memset(&best, 0, sizeof(best));
	ck_assert_int_eq(gcp_parse_op_search("{\"items\":[{\"name\":\"a\","
	    "\"status\":\"DONE\"}]}", 40, &search, &err), 0);
	ck_assert_str_eq(best.name, "");
	free(body);
	ck_assert_int_eq(gcp_parse_op_search("{\"items\":{}}", 12, &search,
	    &err), -1);
	ck_assert_int_eq(err.st, GCP_RETRY);
	ck_assert_ptr_null(search.next);

	/*
	 * A survey since 03:00: the longest DONE operation that ended since,
	 * not our own export (gs://bkt/); running ones, ones that ended
	 * before, and ones without times do not count.
	 */
	memset(&search, 0, sizeof(search));
	memset(&best, 0, sizeof(best));
	search.survey = 1;
	search.since_ms = 1795489200000LL;	/* 2026-11-24T03:00:00Z */
	search.own = "gs://bkt/";
	search.best = &best;
	body = xstrdup("{\"items\":["
	    "{\"name\":\"mine\",\"status\":\"DONE\",\"operationType\":\"EXPORT\","
	    "\"exportContext\":{\"uri\":\"gs://bkt/a/b.sql.gz\"},"
	    "\"insertTime\":\"2026-11-24T04:00:00Z\","
	    "\"startTime\":\"2026-11-24T04:00:00Z\","
	    "\"endTime\":\"2026-11-24T05:00:00Z\"},"
	    "{\"name\":\"run\",\"status\":\"RUNNING\","
	    "\"operationType\":\"UPDATE\","
	    "\"insertTime\":\"2026-11-24T03:30:00Z\","
	    "\"startTime\":\"2026-11-24T03:30:00Z\"},"
	    "{\"name\":\"theirs\",\"status\":\"DONE\",\"operationType\":\"EXPORT\","
	    "\"exportContext\":{\"uri\":\"gs://other/x.sql\"},"
	    "\"insertTime\":\"2026-11-24T03:20:00Z\","
	    "\"startTime\":\"2026-11-24T03:20:00Z\","
	    "\"endTime\":\"2026-11-24T03:25:00Z\"},"
	    "{\"name\":\"backup\",\"status\":\"DONE\","
	    "\"operationType\":\"BACKUP_VOLUME\","
	    "\"insertTime\":\"2026-11-24T02:50:00Z\","
	    "\"startTime\":\"2026-11-24T02:50:00Z\","
	    "\"endTime\":\"2026-11-24T03:10:00Z\"},"
	    "{\"name\":\"old\",\"status\":\"DONE\","
	    "\"operationType\":\"MAINTENANCE\","
	    "\"insertTime\":\"2026-11-24T01:00:00Z\","
	    "\"startTime\":\"2026-11-24T01:00:00Z\","
	    "\"endTime\":\"2026-11-24T02:59:00Z\"}],"
	    "\"nextPageToken\":\"n2\"}");
	ck_assert_int_eq(gcp_parse_op_search(body, strlen(body), &search,
	    &err), 0);
	ck_assert_str_eq(best.name, "backup");	/* 20 min, over theirs' 5 */
	ck_assert_str_eq(best.type, "BACKUP_VOLUME");
	ck_assert_int_eq(best.end_ms - best.start_ms, 20 * 60 * 1000);
	ck_assert_int_eq(search.oldest_ms, 1795489200000LL - 2 * 3600000LL);
	ck_assert_str_eq(search.next, "n2");
	free(search.next);
	free(body);
	/* Nothing but our own export and a running one: none. */
	memset(&best, 0, sizeof(best));
	search.oldest_ms = 0;
	body = xstrdup("{\"items\":["
	    "{\"name\":\"mine\",\"status\":\"DONE\",\"operationType\":\"EXPORT\","
	    "\"exportContext\":{\"uri\":\"gs://bkt/a/b.sql.gz\"},"
	    "\"insertTime\":\"2026-11-24T04:00:00Z\","
	    "\"startTime\":\"2026-11-24T04:00:00Z\","
	    "\"endTime\":\"2026-11-24T05:00:00Z\"},"
	    "{\"name\":\"run\",\"status\":\"RUNNING\","
	    "\"operationType\":\"UPDATE\","
	    "\"insertTime\":\"2026-11-24T03:30:00Z\","
	    "\"startTime\":\"2026-11-24T03:30:00Z\"}]}");
	ck_assert_int_eq(gcp_parse_op_search(body, strlen(body), &search,
	    &err), 0);
	ck_assert_str_eq(best.name, "");
	ck_assert_ptr_null(search.next);
	free(body);

	body = slurp("object.json", &len);
	ck_assert_int_eq(gcp_parse_object(body, len, &obj, &err), 0);
	ck_assert_uint_eq(obj.size, 5368709120000ULL);
	ck_assert_str_eq(obj.crc32c, "AAAAAA==");
	ck_assert_str_eq(obj.md5, "1B2M2Y8AsgTpgAmY7PhCfg==");
	ck_assert_str_eq(obj.generation, "1700000000000000");
	free(body);
	ck_assert_int_eq(gcp_parse_object("{\"name\":\"a\"}", 12, &obj,
	    &err), -1);
	ck_assert_int_eq(err.st, GCP_RETRY);

	{
		static const char bkt[] = "{\"kind\":\"storage#bucket\","
		    "\"location\":\"EU\",\"storageClass\":\"NEARLINE\","
		    "\"lifecycle\":{\"rule\":[{\"action\":{\"type\":"
		    "\"Delete\"},\"condition\":{\"age\":30}},{\"action\":"
		    "{\"type\":\"SetStorageClass\",\"storageClass\":"
		    "\"COLDLINE\"}}]},\"retentionPolicy\":{"
		    "\"retentionPeriod\":\"864000\",\"isLocked\":true}}";
		static const char perms[] = "{\"kind\":"
		    "\"storage#testIamPermissionsResponse\",\"permissions\":"
		    "[\"storage.objects.list\",\"storage.other\"]}";
		struct gcp_bucket	 b;
		const char		*s;
		struct gcp_perms	 p = { { "storage.objects.get",
		    "storage.objects.list", NULL }, 0 };

		ck_assert_int_eq(gcp_parse_bucket(bkt, strlen(bkt), &b,
		    &err), 0);
		ck_assert_str_eq(b.location, "EU");
		ck_assert_str_eq(b.storage_class, "NEARLINE");
		ck_assert_int_eq(b.lifecycle_rules, 2);
		ck_assert_int_eq(b.lifecycle_deletes, 1);
		ck_assert_int_eq(b.retention_sec, 864000);
		ck_assert_int_eq(b.retention_locked, 1);
		s = "{\"lifecycle\":{\"rule\":{}}}";
		ck_assert_int_eq(gcp_parse_bucket(s, strlen(s), &b, &err), -1);
		ck_assert_str_eq(err.message, "malformed answer from storage: "
		    "bad lifecycle");
		s = "{\"retentionPolicy\":{\"retentionPeriod\":\"x\"}}";
		ck_assert_int_eq(gcp_parse_bucket(s, strlen(s), &b, &err), -1);
		ck_assert_str_eq(err.message, "malformed answer from storage: "
		    "bad retentionPolicy");
		ck_assert_int_eq(gcp_parse_perms(perms, strlen(perms), &p,
		    &err), 0);
		ck_assert_uint_eq(p.granted, 2);	/* list only */
		ck_assert_int_eq(gcp_parse_perms("{}", 2, &p, &err), 0);
		ck_assert_uint_eq(p.granted, 0);	/* none held */
		ck_assert_int_eq(gcp_parse_perms("{\"permissions\":7}", 17,
		    &p, &err), -1);
	}

	ck_assert_int_eq(gcp_parse_instance("{\"name\":\"pg-main\","
	    "\"databaseVersion\":\"POSTGRES_15\"}", 50, &in, &err), 0);
	ck_assert_str_eq(in.name, "pg-main");
	ck_assert_str_eq(in.version, "POSTGRES_15");
	ck_assert_int_eq(gcp_parse_instance("[]", 2, &in, &err), -1);
	ck_assert_int_eq(err.st, GCP_RETRY);
}
END_TEST

START_TEST(test_urls)
{
	struct gcp_ctx		 ctx;
	struct http_request	 req;
	char			*u;

	memset(&ctx, 0, sizeof(ctx));
	strlcpy(ctx.sqladmin, "https://sqladmin.googleapis.com",
	    sizeof(ctx.sqladmin));
	strlcpy(ctx.crm, "https://cloudresourcemanager.googleapis.com",
	    sizeof(ctx.crm));
	strlcpy(ctx.storage, "https://storage.googleapis.com",
	    sizeof(ctx.storage));

	u = gcp_url_folders_list(&ctx, "123", NULL);
	ck_assert_str_eq(u, "https://cloudresourcemanager.googleapis.com"
	    "/v3/folders?parent=folders%2F123&pageSize=500&showDeleted=true");
	free(u);
	u = gcp_url_folders_list(&ctx, "folders/123", "a+b/c=");
	ck_assert_str_eq(u, "https://cloudresourcemanager.googleapis.com"
	    "/v3/folders?parent=folders%2F123&pageSize=500&showDeleted=true"
	    "&pageToken=a%2Bb%2Fc%3D");
	free(u);
	u = gcp_url_projects_list(&ctx, "876", "t");
	ck_assert_str_eq(u, "https://cloudresourcemanager.googleapis.com"
	    "/v3/projects?parent=folders%2F876&pageSize=500&showDeleted=true"
	    "&pageToken=t");
	free(u);
	u = gcp_url_project_get(&ctx, "tokyo-rain-123");
	ck_assert_str_eq(u, "https://cloudresourcemanager.googleapis.com"
	    "/v3/projects/tokyo-rain-123");
	free(u);
	u = gcp_url_instances_list(&ctx, "p1", NULL);
	ck_assert_str_eq(u, "https://sqladmin.googleapis.com"
	    "/v1/projects/p1/instances?maxResults=500");
	free(u);
	u = gcp_url_instances_list(&ctx, "p1", "x y");
	ck_assert_str_eq(u, "https://sqladmin.googleapis.com"
	    "/v1/projects/p1/instances?maxResults=500&pageToken=x%20y");
	free(u);
	u = gcp_url_databases_list(&ctx, "p1", "i/../x");
	ck_assert_str_eq(u, "https://sqladmin.googleapis.com"
	    "/v1/projects/p1/instances/i%2F..%2Fx/databases");
	free(u);

	u = http_escape("a/b c~-._?&=%\xc3\xa9");
	ck_assert_str_eq(u, "a%2Fb%20c~-._%3F%26%3D%25%C3%A9");
	free(u);

	strlcpy(ctx.token, "tok", sizeof(ctx.token));
	gcp_request_init(&req, &ctx, "GET", "http://x/", 0);
	ck_assert_str_eq(req.bearer, "tok");
	ck_assert_ptr_null(req.headers[0]);
	ck_assert_ptr_null(req.ca_file);
	strlcpy(ctx.quota_project, "billing-proj", sizeof(ctx.quota_project));
	strlcpy(ctx.ca_file, "/etc/ca.pem", sizeof(ctx.ca_file));
	gcp_request_init(&req, &ctx, "GET", "http://x/", 1);
	ck_assert_ptr_null(req.bearer);
	ck_assert_str_eq(req.headers[0], "x-goog-user-project: billing-proj");
	ck_assert_ptr_null(req.headers[1]);
	ck_assert_str_eq(req.ca_file, "/etc/ca.pem");
}
END_TEST

START_TEST(test_engines)
{
	ck_assert_str_eq(gcp_engine_file_type("POSTGRES_15"), "SQL");
	ck_assert_str_eq(gcp_engine_file_type("MYSQL_8_0_31"), "SQL");
	ck_assert_str_eq(gcp_engine_file_type("SQLSERVER_2019_STANDARD"),
	    "BAK");
	ck_assert_ptr_null(gcp_engine_file_type("SQL_DATABASE_VERSION_"
	    "UNSPECIFIED"));
	ck_assert_ptr_null(gcp_engine_file_type("MYSQLX_1"));
	ck_assert_ptr_null(gcp_engine_file_type(""));
	ck_assert_str_eq(gcp_engine_ext("POSTGRES_9_6"), "sql.gz");
	ck_assert_str_eq(gcp_engine_ext("SQLSERVER_2022_WEB"), "bak");

	ck_assert(gcp_is_system_database("MYSQL_8_0", "information_schema"));
	ck_assert(gcp_is_system_database("MYSQL_8_0", "mysql"));
	ck_assert(gcp_is_system_database("MYSQL_8_0", "performance_schema"));
	ck_assert(gcp_is_system_database("MYSQL_8_0", "sys"));
	ck_assert(!gcp_is_system_database("MYSQL_8_0", "shop"));
	ck_assert(gcp_is_system_database("POSTGRES_15", "cloudsqladmin"));
	ck_assert(gcp_is_system_database("POSTGRES_15", "template0"));
	ck_assert(gcp_is_system_database("POSTGRES_15", "template1"));
	ck_assert(!gcp_is_system_database("POSTGRES_15", "postgres"));
	ck_assert(!gcp_is_system_database("POSTGRES_15", "mysql"));
	ck_assert(gcp_is_system_database("SQLSERVER_2019_WEB", "master"));
	ck_assert(gcp_is_system_database("SQLSERVER_2019_WEB", "MSDB"));
	ck_assert(gcp_is_system_database("SQLSERVER_2019_WEB", "tempdb"));
	ck_assert(gcp_is_system_database("SQLSERVER_2019_WEB", "model"));
	ck_assert(!gcp_is_system_database("SQLSERVER_2019_WEB", "sales"));

	ck_assert_str_eq(gcp_status_name(GCP_BUSY), "busy");
}
END_TEST


/* objects.list pages: each item to the callback, the next token kept. */
struct objs_seen {
	int		 n;
	uint64_t	 bytes;
	char		 last[64];
};

static void
objs_cb(const char *name, uint64_t size, const char *gen, void *arg)
{
	struct objs_seen	*o = arg;

	o->n++;
	o->bytes += size;
	snprintf(o->last, sizeof(o->last), "%s@%s", name, gen);
}

START_TEST(test_parse_objects)
{
	static const char page1[] = "{\"kind\":\"storage#objects\","
	    "\"items\":[{\"name\":\"p/i/d/2026-01-01T030000Z.sql.gz\","
	    "\"size\":\"100\",\"generation\":\"17\"},{\"name\":"
	    "\"p/i/d/2026-01-02T030000Z.sql.gz\",\"size\":\"20\"}],"
	    "\"nextPageToken\":\"tok2\"}";
	struct objs_seen	 seen;
	struct gcp_object_page	 page;
	struct gcp_error	 err;
	const char		*bad[] = {
		"{\"items\":[{\"size\":\"1\"}]}",		/* no name */
		"{\"items\":[{\"name\":\"a\"}]}",		/* no size */
		"{\"items\":[{\"name\":\"a\",\"size\":\"-1\"}]}",
		"{\"items\":{}}",				/* not a list */
		"{\"items\":[7]}",
		"[]",
	};
	size_t			 i;

	memset(&seen, 0, sizeof(seen));
	memset(&page, 0, sizeof(page));
	page.cb = objs_cb;
	page.arg = &seen;
	ck_assert_int_eq(gcp_parse_objects(page1, strlen(page1), &page,
	    &err), 0);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_uint_eq(seen.bytes, 120);
	ck_assert_str_eq(seen.last, "p/i/d/2026-01-02T030000Z.sql.gz@");
	ck_assert_str_eq(page.next, "tok2");
	free(page.next);
	/* Storage leaves items out when there are none. */
	ck_assert_int_eq(gcp_parse_objects("{\"kind\":\"storage#objects\"}",
	    strlen("{\"kind\":\"storage#objects\"}"), &page, &err), 0);
	ck_assert_ptr_null(page.next);
	ck_assert_int_eq(seen.n, 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		seen.n = 0;
		ck_assert_msg(gcp_parse_objects(bad[i], strlen(bad[i]), &page,
		    &err) == -1, "accepted %s", bad[i]);
		ck_assert_int_eq(err.st, GCP_RETRY);
		ck_assert_int_eq(seen.n, 0);	/* nothing half-read */
	}
}
END_TEST

START_TEST(test_url_disk_used)
{
	char	*u;

	/* 2026-12-06T03:00:00Z, ten minutes back; the filter encoded. */
	u = gcp_url_disk_used("http://127.0.0.1:1", "physics-lab",
	    1796526000000LL, NULL);
	ck_assert_str_eq(u, "http://127.0.0.1:1/v3/projects/physics-lab/"
	    "timeSeries?filter=metric.type%20%3D%20%22cloudsql.googleapis.com"
	    "%2Fdatabase%2Fdisk%2Fbytes_used%22"
	    "&interval.startTime=2026-12-06T02%3A50%3A00Z"
	    "&interval.endTime=2026-12-06T03%3A00%3A00Z");
	free(u);
	/* The next page: the same query, with its token. */
	u = gcp_url_disk_used("https://monitoring.googleapis.com", "p1",
	    1796526000000LL, "a b");
	ck_assert_ptr_nonnull(strstr(u, "&interval.startTime=2026-12-06T02"
	    "%3A50%3A00Z&interval.endTime=2026-12-06T03%3A00%3A00Z"
	    "&pageToken=a%20b"));
	ck_assert_ptr_nonnull(strstr(u, "://monitoring.googleapis.com/v3/"
	    "projects/p1/timeSeries?filter="));
	free(u);
}
END_TEST

struct used_seen {
	int		 n;
	char		 where[4][160];
};

static void
used_cb(const char *project, const char *instance, int64_t bytes, void *arg)
{
	struct used_seen	*u = arg;

	if (u->n < 4)
		snprintf(u->where[u->n], sizeof(u->where[0]), "%s/%s=%lld",
		    project, instance, (long long)bytes);
	u->n++;
}

START_TEST(test_parse_disk_used)
{
	static const char	 scoped[] = "{\"timeSeries\":[{\"resource\":"
	    "{\"labels\":{\"database_id\":\"example.com:lab:pg\"}},"
	    "\"points\":[{\"value\":{\"int64Value\":\"9\"}}]}]}";
	struct used_seen	 seen;
	struct gcp_series_page	 page;
	struct gcp_error	 err;
	char			*body;
	size_t			 len, i;
	const char		*ok[] = {
		"{}",					/* no data */
		"{\"unit\":\"By\",\"timeSeries\":[]}",
		/* Series the parser leaves out, one each. */
		"{\"timeSeries\":[7]}",
		"{\"timeSeries\":[{\"resource\":{\"labels\":"
		    "{\"database_id\":\"noinstance\"}},\"points\":[]}]}",
		"{\"timeSeries\":[{\"resource\":{\"labels\":"
		    "{\"database_id\":\":i\"}},\"points\":[{\"value\":"
		    "{\"int64Value\":\"1\"}}]}]}",
		"{\"timeSeries\":[{\"resource\":{\"labels\":"
		    "{\"database_id\":\"p:\"}},\"points\":[{\"value\":"
		    "{\"int64Value\":\"1\"}}]}]}",
		"{\"timeSeries\":[{\"resource\":{\"labels\":"
		    "{\"database_id\":\"p:i\"}},\"points\":{}}]}",
		"{\"timeSeries\":[{\"resource\":{\"labels\":"
		    "{\"database_id\":\"p:i\"}},\"points\":[{\"value\":"
		    "{\"doubleValue\":1.5}}]}]}",
		"{\"timeSeries\":[{\"resource\":{\"labels\":"
		    "{\"database_id\":\"p:i\"}},\"points\":[{\"value\":"
		    "{\"int64Value\":\"12x\"}}]}]}",
		"{\"timeSeries\":[{\"resource\":{\"labels\":"
		    "{\"database_id\":\"a-project-id-longer-than-thirty-"
		    "bytes:i\"}},\"points\":[{\"value\":"
		    "{\"int64Value\":\"1\"}}]}]}",
	};
	const char		*bad[] = {
		"[]",
		"{\"timeSeries\":{}}",
		"{\"timeSeries\":[],\"nextPageToken\":7}",
		"{\"executionErrors\":\"x\"}",
		"{\"timeSeries\":[",
	};

	memset(&seen, 0, sizeof(seen));
	memset(&page, 0, sizeof(page));
	page.cb = used_cb;
	page.arg = &seen;
	body = slurp("timeseries-disk-used.json", &len);
	ck_assert_int_eq(gcp_parse_disk_used(body, len, &page, &err), 0);
	free(body);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_str_eq(seen.where[0], "physics-lab/physics-pg=53687091200");
	/* The newest point wins wherever it is; a number is accepted. */
	ck_assert_str_eq(seen.where[1], "physics-lab/physics-mysql=2000");
	ck_assert_int_eq(page.malformed, 2);
	ck_assert_int_eq(page.exec_errors, 1);
	ck_assert_str_eq(page.exec_error, "some data could not be read");
	ck_assert_str_eq(page.next, "page-2");
	free(page.next);

	/* A domain-scoped project keeps its own ':'. */
	seen.n = 0;
	ck_assert_int_eq(gcp_parse_disk_used(scoped, strlen(scoped), &page,
	    &err), 0);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_str_eq(seen.where[0], "example.com:lab/pg=9");
	ck_assert_ptr_null(page.next);

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		seen.n = 0;
		ck_assert_msg(gcp_parse_disk_used(ok[i], strlen(ok[i]), &page,
		    &err) == 0, "refused %s", ok[i]);
		ck_assert_int_eq(seen.n, 0);
		ck_assert_int_eq(page.malformed, i < 2 ? 0 : 1);
		ck_assert_ptr_null(page.next);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		seen.n = 0;
		ck_assert_msg(gcp_parse_disk_used(bad[i], strlen(bad[i]), &page,
		    &err) == -1, "accepted %s", bad[i]);
		ck_assert_int_eq(err.st, GCP_RETRY);
		ck_assert_ptr_null(page.next);
		ck_assert_int_eq(seen.n, 0);
	}
}
END_TEST

static Suite *
gcp_suite(void)
{
	Suite	*s = suite_create("gcp");
	TCase	*tc;

	tc = tcase_create("classify");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_classify_table, 0,
	    sizeof(classes) / sizeof(classes[0]));
	tcase_add_test(tc, test_classify_details);
	tcase_add_test(tc, test_classify_message_bounded);
	tcase_add_loop_test(tc, test_classify_transport, 0,
	    sizeof(transports) / sizeof(transports[0]));
	tcase_add_test(tc, test_retry_after);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_parse_folders_projects);
	tcase_add_test(tc, test_parse_instances);
	tcase_add_loop_test(tc, test_parse_instances_bad, 0,
	    sizeof(bad_instances) / sizeof(bad_instances[0]));
	tcase_add_test(tc, test_parse_instances_warnings);
	tcase_add_test(tc, test_parse_instances_warnings_bad);
	tcase_add_test(tc, test_parse_databases);
	tcase_add_test(tc, test_parse_operation);
	tcase_add_test(tc, test_parse_worker_answers);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_urls);
	tcase_add_test(tc, test_engines);
	tcase_add_test(tc, test_parse_objects);
	tcase_add_test(tc, test_url_disk_used);
	tcase_add_test(tc, test_parse_disk_used);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(gcp_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
