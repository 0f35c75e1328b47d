/*
 * gcp.c: Google Cloud requests and answers.  The only place that knows
 * URLs, the bearer header, Google's JSON error envelope, the mapping from an
 * answer to a retry class (enum gcp_status), and the shapes of the list and
 * operation resources.  Parsers are pure (body in, callbacks out) so the
 * master can use them around http_multi; the blocking worker calls at the end
 * run on http_fetch.  No token refresh here (auth.c does that in the
 * master), no retry loops (the scheduler owns backoff), and no logging of
 * tokens or bodies.
 *
 * Every answer is distrusted: a 2xx body that is not JSON, is truncated,
 * nests deeper than GCP_JSON_DEPTH_MAX or lacks a required field is
 * GCP_RETRY ("malformed answer"), never a partial truth.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "gcp.h"
#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "pacer.h"
#include "xmalloc.h"

#define HTTP_STATUS_OK			200
#define HTTP_STATUS_UNAUTHORIZED	401
#define HTTP_STATUS_FORBIDDEN		403
#define HTTP_STATUS_NOT_FOUND		404
#define HTTP_STATUS_TIMEOUT		408
#define HTTP_STATUS_CONFLICT		409
#define HTTP_STATUS_TOO_MANY		429
#define HTTP_STATUS_NOT_IMPLEMENTED	501

/* Cloud SQL: one admin operation per instance; busy whatever the status. */
#define REASON_OP_IN_PROGRESS		"operationInProgress"
#define REASON_ACCESS_NOT_CONFIGURED	"accessNotConfigured"
#define INFO_SERVICE_DISABLED		"SERVICE_DISABLED"
#define INFO_TYPE_ERRORINFO		"type.googleapis.com/google.rpc.ErrorInfo"

#define API_SQLADMIN	"sqladmin"
#define API_CRM		"cloudresourcemanager"
#define API_STORAGE	"storage"

/* Rate-limit reasons some services send with 403 instead of 429. */
static const char *const gcp_rate_reasons[] = {
	"rateLimitExceeded",
	"userRateLimitExceeded",
	"quotaExceeded",
	"RATE_LIMIT_EXCEEDED",
	NULL
};

/* Transport failures worth another try (the request may not have run). */
static const int gcp_retry_curl[] = {
	CURLE_COULDNT_RESOLVE_HOST,
	CURLE_COULDNT_RESOLVE_PROXY,
	CURLE_COULDNT_CONNECT,
	CURLE_OPERATION_TIMEDOUT,
	CURLE_PARTIAL_FILE,
	CURLE_GOT_NOTHING,
	CURLE_SEND_ERROR,
	CURLE_RECV_ERROR,
	CURLE_SSL_CONNECT_ERROR,
	CURLE_HTTP2,
	CURLE_HTTP2_STREAM,
	CURLE_WRITE_ERROR,		/* body over the limit */
	CURLE_BAD_CONTENT_ENCODING,
	CURLE_AGAIN,
	-1
};

static int	 gcp_copy(char *, size_t, const char *);
static void	 gcp_clean_message(char *);
static int	 gcp_json_depth_ok(const char *, size_t);
static cJSON	*gcp_json_parse(const char *, size_t, const char *,
		    struct gcp_error *);
static const char *gcp_json_str(const cJSON *, const char *);
static int	 gcp_take(char *, size_t, const cJSON *, const char *,
		    int, const char *, struct gcp_error *);
static int	 gcp_next_token(const cJSON *, char **, const char *,
		    struct gcp_error *);
static int64_t	 gcp_retry_after_ms(const char *);
static int	 gcp_op_from_json(const cJSON *, struct gcp_op *,
		    struct gcp_error *);
static int	 gcp_parse_names(const char *, size_t, const char *,
		    const char *, const char *, size_t,
		    void (*)(const char *, const char *, void *), void *,
		    char **, struct gcp_error *);
static enum gcp_status gcp_call(const struct gcp_ctx *, int, const char *,
		    const char *, const char *, int, struct http_response *,
		    struct gcp_error *);

/* Called before each Cloud SQL Admin request of a blocking call. */
static gcp_pace_fn	 gcp_pace;
static void		*gcp_pace_arg;

const char *
gcp_status_name(enum gcp_status st)
{
	switch (st) {
	case GCP_OK:
		return ("ok");
	case GCP_RETRY:
		return ("retry");
	case GCP_BUSY:
		return ("busy");
	case GCP_PERMANENT:
		return ("permanent");
	case GCP_AUTH:
		return ("auth");
	}
	return ("unknown");
}

const char *
gcp_op_status_name(enum gcp_op_status st)
{
	switch (st) {
	case GCP_OP_UNKNOWN:
		return ("UNKNOWN");
	case GCP_OP_PENDING:
		return ("PENDING");
	case GCP_OP_RUNNING:
		return ("RUNNING");
	case GCP_OP_DONE:
		return ("DONE");
	}
	return ("UNKNOWN");
}

/* Copies src into a fixed buffer; -1 if it does not fit (nothing cut). */
static int
gcp_copy(char *dst, size_t len, const char *src)
{
	if (strlcpy(dst, src, len) >= len) {
		dst[0] = '\0';
		return (-1);
	}
	return (0);
}

/* Remote text goes into logs: no control characters. */
static void
gcp_clean_message(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/*
 * Sets err's class and message; other fields are left as they are.
 * The message is cut at GCP_MESSAGE_MAX.
 */
void
gcp_error_set(struct gcp_error *err, enum gcp_status st, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL)
		return;
	err->st = st;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	gcp_clean_message(err->message);
}

static void
gcp_error_reset(struct gcp_error *err)
{
	memset(err, 0, sizeof(*err));
	err->retry_after_ms = -1;
}

/*
 * cJSON recurses once per level (up to its own 1000); refuse anything
 * deeper than Google ever sends before it gets there.  Brackets inside
 * strings do not count.
 */
static int
gcp_json_depth_ok(const char *s, size_t len)
{
	size_t	 i;
	int	 depth = 0, in_str = 0;

	for (i = 0; i < len; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			in_str = 1;
			break;
		case '{':
		case '[':
			if (++depth > GCP_JSON_DEPTH_MAX)
				return (0);
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	return (1);
}

/*
 * Parses a whole answer that must be one JSON object and nothing more.
 * Returns a tree the caller deletes, or NULL with err GCP_RETRY.
 */
static cJSON *
gcp_json_parse(const char *body, size_t len, const char *api,
    struct gcp_error *err)
{
	cJSON		*root;
	const char	*end = NULL;
	size_t		 i;

	if (body == NULL || len == 0) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "empty body", api);
		return (NULL);
	}
	if (!gcp_json_depth_ok(body, len)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "nested deeper than %d", api, GCP_JSON_DEPTH_MAX);
		return (NULL);
	}
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root == NULL) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "not JSON or truncated", api);
		return (NULL);
	}
	for (i = end - body; i < len; i++) {
		if (!isspace((unsigned char)body[i])) {
			cJSON_Delete(root);
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: trailing data", api);
			return (NULL);
		}
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "not a JSON object", api);
		return (NULL);
	}
	return (root);
}

/* The string member name of o, or NULL if absent or not a string. */
static const char *
gcp_json_str(const cJSON *o, const char *name)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return (NULL);
	return (v->valuestring);
}

/*
 * Copies string member name of o into dst.  Absent: "" unless required.
 * Not a string, or longer than dst: malformed (never truncated).
 */
static int
gcp_take(char *dst, size_t len, const cJSON *o, const char *name,
    int required, const char *api, struct gcp_error *err)
{
	const cJSON	*v;

	dst[0] = '\0';
	v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (v == NULL || cJSON_IsNull(v)) {
		if (!required)
			return (0);
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "no %s", api, name);
		return (-1);
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "%s is not a string", api, name);
		return (-1);
	}
	if (required && v->valuestring[0] == '\0') {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "empty %s", api, name);
		return (-1);
	}
	if (gcp_copy(dst, len, v->valuestring) == -1) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "%s longer than %zu bytes", api, name, len - 1);
		return (-1);
	}
	return (0);
}

/* nextPageToken: absent or "" is the last page (*next = NULL). */
static int
gcp_next_token(const cJSON *root, char **next, const char *api,
    struct gcp_error *err)
{
	const cJSON	*v;

	if (next == NULL)
		return (0);
	*next = NULL;
	v = cJSON_GetObjectItemCaseSensitive(root, "nextPageToken");
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "nextPageToken is not a string", api);
		return (-1);
	}
	if (v->valuestring[0] != '\0')
		*next = xstrdup(v->valuestring);
	return (0);
}

/* Retry-After: delta-seconds or an HTTP-date; -1 if absent or bad. */
static int64_t
gcp_retry_after_ms(const char *v)
{
	const char	*p;
	long long	 sec;
	time_t		 t, now;
	char		*end;

	if (v == NULL)
		return (-1);
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0')
		return (-1);
	for (p = v; *p >= '0' && *p <= '9'; p++)
		;
	if (p != v && (*p == '\0' || *p == ' ')) {
		errno = 0;
		sec = strtoll(v, &end, 10);
		if (errno != 0 || sec < 0 || sec > INT64_MAX / 1000)
			return (-1);
		return ((int64_t)sec * 1000);
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return (-1);
	now = time(NULL);
	return (t <= now ? 0 : (int64_t)(t - now) * 1000);
}

/*
 * Classifies one answer: transport error (curl_code != 0), HTTP status and
 * Google's error body.  Fills err (message bounded, from Google's text or
 * the status) and returns its class.
 */
enum gcp_status
gcp_classify(long http, const char *body, size_t len, const char *retry_after,
    int curl_code, const char *curl_error, struct gcp_error *err)
{
	struct gcp_error	 tmp;
	cJSON			*root = NULL, *e, *errs, *d, *dl;
	const char		*s, *msg = NULL, *desc;
	int			 i, parsed = 0;
	enum gcp_status		 st;

	if (err == NULL)
		err = &tmp;
	gcp_error_reset(err);
	err->http = http;
	err->retry_after_ms = gcp_retry_after_ms(retry_after);

	if (curl_code != 0) {
		err->http = 0;
		st = GCP_PERMANENT;
		for (i = 0; gcp_retry_curl[i] != -1; i++)
			if (gcp_retry_curl[i] == curl_code)
				st = GCP_RETRY;
		gcp_error_set(err, st, "transport error: %s",
		    curl_error != NULL && curl_error[0] != '\0' ? curl_error :
		    curl_easy_strerror((CURLcode)curl_code));
		return (st);
	}
	if (http >= 200 && http < 300) {
		err->st = GCP_OK;
		return (GCP_OK);
	}

	/* Google's envelope; any failure here leaves the status to decide. */
	if (body != NULL && len > 0 && gcp_json_depth_ok(body, len) &&
	    (root = cJSON_ParseWithLength(body, len)) != NULL &&
	    cJSON_IsObject(root)) {
		e = cJSON_GetObjectItemCaseSensitive(root, "error");
		if (cJSON_IsObject(e)) {
			parsed = 1;
			msg = gcp_json_str(e, "message");
			if ((s = gcp_json_str(e, "status")) != NULL)
				strlcpy(err->status, s, sizeof(err->status));
			errs = cJSON_GetObjectItemCaseSensitive(e, "errors");
			if (cJSON_IsArray(errs) &&
			    (s = gcp_json_str(cJSON_GetArrayItem(errs, 0),
			    "reason")) != NULL)
				strlcpy(err->reason, s, sizeof(err->reason));
			dl = cJSON_GetObjectItemCaseSensitive(e, "details");
			if (!cJSON_IsArray(dl))
				dl = NULL;
			cJSON_ArrayForEach(d, dl) {
				s = gcp_json_str(d, "@type");
				if (s == NULL || strcmp(s, INFO_TYPE_ERRORINFO))
					continue;
				if ((s = gcp_json_str(d, "reason")) != NULL)
					strlcpy(err->info_reason, s,
					    sizeof(err->info_reason));
				s = gcp_json_str(cJSON_GetObjectItemCaseSensitive(
				    d, "metadata"), "consumer");
				if (s != NULL)
					strlcpy(err->consumer, s,
					    sizeof(err->consumer));
				break;
			}
		} else if (cJSON_IsString(e)) {
			/* OAuth: {"error":"invalid_grant",...} */
			parsed = 1;
			strlcpy(err->reason, e->valuestring,
			    sizeof(err->reason));
			desc = gcp_json_str(root, "error_description");
			msg = desc != NULL ? desc : e->valuestring;
		}
	}

	if (strcmp(err->reason, REASON_OP_IN_PROGRESS) == 0)
		st = GCP_BUSY;
	else if (http == HTTP_STATUS_UNAUTHORIZED)
		st = GCP_AUTH;
	else if (http == HTTP_STATUS_TIMEOUT || http == HTTP_STATUS_TOO_MANY ||
	    (http >= 500 && http < 600 && http != HTTP_STATUS_NOT_IMPLEMENTED))
		st = GCP_RETRY;
	else {
		st = GCP_PERMANENT;
		if (http == HTTP_STATUS_FORBIDDEN) {
			for (i = 0; gcp_rate_reasons[i] != NULL; i++)
				if (strcmp(err->reason, gcp_rate_reasons[i]) ==
				    0 || strcmp(err->info_reason,
				    gcp_rate_reasons[i]) == 0)
					st = GCP_RETRY;
		}
	}

	if (msg != NULL && msg[0] != '\0')
		gcp_error_set(err, st, "HTTP %ld: %s", http, msg);
	else if (parsed)
		gcp_error_set(err, st, "HTTP %ld", http);
	else if (body == NULL || len == 0)
		gcp_error_set(err, st, "HTTP %ld (empty body)", http);
	else
		gcp_error_set(err, st, "HTTP %ld (unparsable body)", http);
	cJSON_Delete(root);
	return (st);
}

/* True when the API is disabled in the consumer project (see consumer). */
int
gcp_error_api_disabled(const struct gcp_error *err)
{
	if (err == NULL)
		return (0);
	if (err->http == HTTP_STATUS_FORBIDDEN &&
	    strcmp(err->reason, REASON_ACCESS_NOT_CONFIGURED) == 0)
		return (1);
	return (strcmp(err->info_reason, INFO_SERVICE_DISABLED) == 0);
}

/* Engine = prefix of databaseVersion before the first '_'. */
static int
gcp_engine_is(const char *version, const char *engine)
{
	size_t	 n = strlen(engine);

	return (version != NULL && strncmp(version, engine, n) == 0 &&
	    (version[n] == '_' || version[n] == '\0'));
}

/* Export fileType for an engine: "SQL", "BAK", or NULL if unsupported. */
const char *
gcp_engine_file_type(const char *version)
{
	if (gcp_engine_is(version, "MYSQL") ||
	    gcp_engine_is(version, "POSTGRES"))
		return ("SQL");
	if (gcp_engine_is(version, "SQLSERVER"))
		return ("BAK");
	return (NULL);
}

/* Object extension: SQL dumps are gzipped by Cloud SQL for ".gz" names. */
const char *
gcp_engine_ext(const char *version)
{
	if (gcp_engine_is(version, "MYSQL") ||
	    gcp_engine_is(version, "POSTGRES"))
		return ("sql.gz");
	if (gcp_engine_is(version, "SQLSERVER"))
		return ("bak");
	return (NULL);
}

/*
 * Databases an engine keeps for itself.  PostgreSQL's "postgres" is a user
 * database (people do put data there).  SQL Server names are
 * case-insensitive.
 */
int
gcp_is_system_database(const char *version, const char *db)
{
	static const char *const mysql[] = { "information_schema", "mysql",
	    "performance_schema", "sys", NULL };
	static const char *const pg[] = { "cloudsqladmin", "template0",
	    "template1", NULL };
	static const char *const mssql[] = { "master", "model", "msdb",
	    "tempdb", NULL };
	int	 i;

	if (db == NULL)
		return (0);
	if (gcp_engine_is(version, "MYSQL")) {
		for (i = 0; mysql[i] != NULL; i++)
			if (strcmp(db, mysql[i]) == 0)
				return (1);
	} else if (gcp_engine_is(version, "POSTGRES")) {
		for (i = 0; pg[i] != NULL; i++)
			if (strcmp(db, pg[i]) == 0)
				return (1);
	} else if (gcp_engine_is(version, "SQLSERVER")) {
		for (i = 0; mssql[i] != NULL; i++)
			if (strcasecmp(db, mssql[i]) == 0)
				return (1);
	}
	return (0);
}

/*
 * Fills req for one call: timeouts, CA file, bearer token (none when
 * anonymous) and x-goog-user-project.  req borrows ctx's strings and url,
 * so they must outlive the call (http_multi_add copies them).
 */
void
gcp_request_init(struct http_request *req, const struct gcp_ctx *ctx,
    const char *method, const char *url, int anonymous)
{
	int	 n = 0;

	memset(req, 0, sizeof(*req));
	req->method = method;
	req->url = url;
	req->connect_timeout_ms = ctx->connect_timeout_ms;
	req->timeout_ms = ctx->timeout_ms;
	req->ca_file = ctx->ca_file[0] != '\0' ? ctx->ca_file : NULL;
	if (!anonymous && ctx->token[0] != '\0')
		req->bearer = ctx->token;
	if (ctx->quota_project[0] != '\0') {
		snprintf(req->hdrbuf, sizeof(req->hdrbuf),
		    "x-goog-user-project: %s", ctx->quota_project);
		req->headers[n++] = req->hdrbuf;
	}
	req->headers[n] = NULL;
}

/* Accepts "123" or "folders/123". */
static const char *
gcp_folder_id(const char *folder)
{
	if (strncmp(folder, "folders/", 8) == 0)
		return (folder + 8);
	return (folder);
}

/* A v3 list under a folder ("folders" or "projects"); caller frees. */
static char *
gcp_url_crm_list(const struct gcp_ctx *ctx, const char *what,
    const char *folder, const char *page_token)
{
	char	*parent, *ep, *et = NULL, *url;

	xasprintf(&parent, "folders/%s", gcp_folder_id(folder));
	ep = http_escape(parent);
	if (page_token != NULL)
		et = http_escape(page_token);
	xasprintf(&url, "%s/v3/%s?parent=%s&pageSize=%d%s%s", ctx->crm, what,
	    ep, GCP_CRM_PAGE_SIZE, et ? "&pageToken=" : "", et ? et : "");
	free(parent);
	free(ep);
	free(et);
	return (url);
}

/* Children of a folder.  Returns a new string; caller frees. */
char *
gcp_url_folders_list(const struct gcp_ctx *ctx, const char *folder,
    const char *page_token)
{
	return (gcp_url_crm_list(ctx, "folders", folder, page_token));
}

/* Projects directly under a folder.  Returns a new string; caller frees. */
char *
gcp_url_projects_list(const struct gcp_ctx *ctx, const char *folder,
    const char *page_token)
{
	return (gcp_url_crm_list(ctx, "projects", folder, page_token));
}

/* One project by id.  Returns a new string; caller frees. */
char *
gcp_url_project_get(const struct gcp_ctx *ctx, const char *project)
{
	char	*ep, *url;

	ep = http_escape(project);
	xasprintf(&url, "%s/v3/projects/%s", ctx->crm, ep);
	free(ep);
	return (url);
}

/* Cloud SQL instances of a project.  Returns a new string; caller frees. */
char *
gcp_url_instances_list(const struct gcp_ctx *ctx, const char *project,
    const char *page_token)
{
	char	*ep, *et = NULL, *url;

	ep = http_escape(project);
	if (page_token != NULL)
		et = http_escape(page_token);
	xasprintf(&url, "%s/v1/projects/%s/instances?maxResults=%d%s%s",
	    ctx->sqladmin, ep, GCP_SQL_PAGE_SIZE, et ? "&pageToken=" : "",
	    et ? et : "");
	free(ep);
	free(et);
	return (url);
}

/* Databases of an instance (no paging).  Returns a new string. */
char *
gcp_url_databases_list(const struct gcp_ctx *ctx, const char *project,
    const char *instance)
{
	char	*ep, *ei, *url;

	ep = http_escape(project);
	ei = http_escape(instance);
	xasprintf(&url, "%s/v1/projects/%s/instances/%s/databases",
	    ctx->sqladmin, ep, ei);
	free(ep);
	free(ei);
	return (url);
}

/*
 * Common shape of folders.list and projects.list: array `list' of objects
 * whose `key' (bounded by max) and `state' go to cb.  Everything is checked
 * before the first callback, so a bad page reports nothing.
 */
static int
gcp_parse_names(const char *body, size_t len, const char *list,
    const char *key, const char *api, size_t max,
    void (*cb)(const char *, const char *, void *), void *arg, char **next,
    struct gcp_error *err)
{
	cJSON		*root, *arr, *it;
	const char	*name, *state;

	if (next != NULL)
		*next = NULL;
	if ((root = gcp_json_parse(body, len, api, err)) == NULL)
		return (-1);
	arr = cJSON_GetObjectItemCaseSensitive(root, list);
	if (arr != NULL && !cJSON_IsArray(arr)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "%s is not an array", api, list);
		goto fail;
	}
	cJSON_ArrayForEach(it, arr) {
		name = gcp_json_str(it, key);
		if (!cJSON_IsObject(it) || name == NULL || name[0] == '\0') {
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: %s item without %s", api, list, key);
			goto fail;
		}
		if (strlen(name) > max) {
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: %s longer than %zu bytes", api, key, max);
			goto fail;
		}
		if (cJSON_GetObjectItemCaseSensitive(it, "state") != NULL &&
		    gcp_json_str(it, "state") == NULL) {
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: state is not a string", api);
			goto fail;
		}
	}
	if (gcp_next_token(root, next, api, err) == -1)
		goto fail;
	cJSON_ArrayForEach(it, arr) {
		state = gcp_json_str(it, "state");
		cb(gcp_json_str(it, key), state ? state : "", arg);
	}
	cJSON_Delete(root);
	return (0);
fail:
	cJSON_Delete(root);
	return (-1);
}

/*
 * folders.list page: cb(name "folders/123", state, arg) per folder; *next
 * is a new string (caller frees) or NULL on the last page.
 */
int
gcp_parse_folders(const char *body, size_t len,
    void (*cb)(const char *, const char *, void *), void *arg, char **next,
    struct gcp_error *err)
{
	return (gcp_parse_names(body, len, "folders", "name", API_CRM,
	    GCP_FOLDER_MAX, cb, arg, next, err));
}

/* projects.list page: cb(projectId, state, arg); *next as above. */
int
gcp_parse_projects(const char *body, size_t len,
    void (*cb)(const char *, const char *, void *), void *arg, char **next,
    struct gcp_error *err)
{
	return (gcp_parse_names(body, len, "projects", "projectId", API_CRM,
	    GCP_PROJECT_ID_MAX, cb, arg, next, err));
}

/* projects.get: projectId and state into the caller's buffers. */
int
gcp_parse_project(const char *body, size_t len, char *id, size_t idlen,
    char *state, size_t statelen, struct gcp_error *err)
{
	cJSON	*root;
	int	 rc = -1;

	if ((root = gcp_json_parse(body, len, API_CRM, err)) == NULL)
		return (-1);
	if (idlen > GCP_PROJECT_ID_MAX + 1)
		idlen = GCP_PROJECT_ID_MAX + 1;
	if (gcp_take(id, idlen, root, "projectId", 1, API_CRM, err) == 0 &&
	    gcp_take(state, statelen, root, "state", 0, API_CRM, err) == 0)
		rc = 0;
	cJSON_Delete(root);
	return (rc);
}

/* An int64 that Google sends as a string (or, leniently, a number). */
static int
gcp_int64(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON	*v;
	char		*end;
	long long	 n;

	*out = 0;
	v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble < 0 || v->valuedouble > 9.0e18)
			return (-1);
		*out = (int64_t)v->valuedouble;
		return (0);
	}
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return (-1);
	errno = 0;
	n = strtoll(v->valuestring, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0)
		return (-1);
	*out = n;
	return (0);
}

static int
gcp_instance_from_json(const cJSON *it, struct gcp_instance *in,
    struct gcp_error *err)
{
	const cJSON	*settings;
	char		 master[GCP_PROJECT_ID_MAX + 1 + GCP_INSTANCE_MAX + 1];

	memset(in, 0, sizeof(*in));
	if (!cJSON_IsObject(it)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "instance is not an object", API_SQLADMIN);
		return (-1);
	}
	if (gcp_take(in->name, sizeof(in->name), it, "name", 1, API_SQLADMIN,
	    err) == -1 ||
	    gcp_take(in->version, sizeof(in->version), it, "databaseVersion", 0,
	    API_SQLADMIN, err) == -1 ||
	    gcp_take(in->state, sizeof(in->state), it, "state", 0,
	    API_SQLADMIN, err) == -1 ||
	    gcp_take(in->instance_type, sizeof(in->instance_type), it,
	    "instanceType", 0, API_SQLADMIN, err) == -1 ||
	    gcp_take(in->backend_type, sizeof(in->backend_type), it,
	    "backendType", 0, API_SQLADMIN, err) == -1 ||
	    gcp_take(in->service_account, sizeof(in->service_account), it,
	    "serviceAccountEmailAddress", 0, API_SQLADMIN, err) == -1 ||
	    gcp_take(master, sizeof(master), it, "masterInstanceName", 0,
	    API_SQLADMIN, err) == -1)
		return (-1);
	settings = cJSON_GetObjectItemCaseSensitive(it, "settings");
	if (settings != NULL) {
		if (!cJSON_IsObject(settings)) {
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: settings is not an object", API_SQLADMIN);
			return (-1);
		}
		if (gcp_take(in->activation_policy,
		    sizeof(in->activation_policy), settings,
		    "activationPolicy", 0, API_SQLADMIN, err) == -1)
			return (-1);
		if (gcp_int64(settings, "dataDiskSizeGb", &in->data_disk_gb) ==
		    -1) {
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: bad settings.dataDiskSizeGb", API_SQLADMIN);
			return (-1);
		}
	}
	in->is_replica = master[0] != '\0' ||
	    strcmp(in->instance_type, "READ_REPLICA_INSTANCE") == 0;
	return (0);
}

/*
 * instances.list page: cb(instance, arg) per instance (borrowed for the
 * call); *next a new string or NULL.  The whole page is checked first.
 */
int
gcp_parse_instances(const char *body, size_t len,
    void (*cb)(const struct gcp_instance *, void *), void *arg, char **next,
    struct gcp_error *err)
{
	cJSON			*root, *arr, *it;
	struct gcp_instance	*v = NULL;
	int			 n, i = 0;

	if (next != NULL)
		*next = NULL;
	if ((root = gcp_json_parse(body, len, API_SQLADMIN, err)) == NULL)
		return (-1);
	arr = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (arr != NULL && !cJSON_IsArray(arr)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "items is not an array", API_SQLADMIN);
		goto fail;
	}
	n = cJSON_GetArraySize(arr);
	if (n > 0)
		v = xcalloc(n, sizeof(*v));
	cJSON_ArrayForEach(it, arr) {
		if (gcp_instance_from_json(it, &v[i++], err) == -1)
			goto fail;
	}
	if (gcp_next_token(root, next, API_SQLADMIN, err) == -1)
		goto fail;
	cJSON_Delete(root);
	for (i = 0; i < n; i++)
		cb(&v[i], arg);
	free(v);
	return (0);
fail:
	free(v);
	cJSON_Delete(root);
	return (-1);
}

/* databases.list (no paging): cb(name, arg) per database. */
int
gcp_parse_databases(const char *body, size_t len,
    void (*cb)(const char *, void *), void *arg, struct gcp_error *err)
{
	cJSON		*root, *arr, *it;
	const char	*name;

	if ((root = gcp_json_parse(body, len, API_SQLADMIN, err)) == NULL)
		return (-1);
	arr = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (arr != NULL && !cJSON_IsArray(arr)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "items is not an array", API_SQLADMIN);
		goto fail;
	}
	cJSON_ArrayForEach(it, arr) {
		name = gcp_json_str(it, "name");
		if (name == NULL || name[0] == '\0') {
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: database without name", API_SQLADMIN);
			goto fail;
		}
		if (strlen(name) > GCP_DATABASE_MAX) {
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: database name longer than %d bytes",
			    API_SQLADMIN, GCP_DATABASE_MAX);
			goto fail;
		}
	}
	cJSON_ArrayForEach(it, arr)
		cb(gcp_json_str(it, "name"), arg);
	cJSON_Delete(root);
	return (0);
fail:
	cJSON_Delete(root);
	return (-1);
}

static int
gcp_op_time(const cJSON *o, const char *name, int64_t *out,
    struct gcp_error *err)
{
	const char	*s;

	*out = 0;
	if (cJSON_GetObjectItemCaseSensitive(o, name) == NULL)
		return (0);
	if ((s = gcp_json_str(o, name)) == NULL || json_time_parse(s, out) ==
	    -1) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "bad %s", API_SQLADMIN, name);
		return (-1);
	}
	return (0);
}

/* One Operation resource; the name is required. */
static int
gcp_op_from_json(const cJSON *o, struct gcp_op *op, struct gcp_error *err)
{
	const cJSON	*ctx, *e, *errs, *first;
	char		 status[40];
	const char	*msg;

	memset(op, 0, sizeof(*op));
	if (!cJSON_IsObject(o)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "operation is not an object", API_SQLADMIN);
		return (-1);
	}
	if (gcp_take(op->name, sizeof(op->name), o, "name", 1, API_SQLADMIN,
	    err) == -1 ||
	    gcp_take(op->type, sizeof(op->type), o, "operationType", 0,
	    API_SQLADMIN, err) == -1 ||
	    gcp_take(status, sizeof(status), o, "status", 0, API_SQLADMIN,
	    err) == -1)
		return (-1);
	if (strcmp(status, "PENDING") == 0)
		op->status = GCP_OP_PENDING;
	else if (strcmp(status, "RUNNING") == 0)
		op->status = GCP_OP_RUNNING;
	else if (strcmp(status, "DONE") == 0)
		op->status = GCP_OP_DONE;
	else
		op->status = GCP_OP_UNKNOWN;
	ctx = cJSON_GetObjectItemCaseSensitive(o, "exportContext");
	if (cJSON_IsObject(ctx) && gcp_take(op->uri, sizeof(op->uri), ctx,
	    "uri", 0, API_SQLADMIN, err) == -1)
		return (-1);
	e = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (e != NULL && !cJSON_IsNull(e)) {
		op->has_error = 1;
		errs = cJSON_GetObjectItemCaseSensitive(e, "errors");
		first = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) :
		    NULL;
		if (first != NULL) {
			/* Error text is Google's; keep what fits. */
			if ((msg = gcp_json_str(first, "code")) != NULL)
				strlcpy(op->error_code, msg,
				    sizeof(op->error_code));
			if ((msg = gcp_json_str(first, "message")) != NULL) {
				strlcpy(op->error_message, msg,
				    sizeof(op->error_message));
				gcp_clean_message(op->error_message);
			}
		}
		if (op->error_code[0] == '\0')
			strlcpy(op->error_code, "UNKNOWN",
			    sizeof(op->error_code));
	}
	if (gcp_op_time(o, "insertTime", &op->insert_ms, err) == -1 ||
	    gcp_op_time(o, "startTime", &op->start_ms, err) == -1 ||
	    gcp_op_time(o, "endTime", &op->end_ms, err) == -1)
		return (-1);
	return (0);
}

/* An Operation answer (export, operations.get) into op. */
int
gcp_parse_operation(const char *body, size_t len, struct gcp_op *op,
    struct gcp_error *err)
{
	cJSON	*root;
	int	 rc;

	memset(op, 0, sizeof(*op));
	if ((root = gcp_json_parse(body, len, API_SQLADMIN, err)) == NULL)
		return (-1);
	rc = gcp_op_from_json(root, op, err);
	cJSON_Delete(root);
	return (rc);
}

/*
 * Sets the function each blocking Cloud SQL Admin call waits in for its
 * slot of the request budget (a worker's pacer wait).  NULL: no pacing.
 */
void
gcp_set_pace(gcp_pace_fn fn, void *arg)
{
	gcp_pace = fn;
	gcp_pace_arg = arg;
}

/*
 * One blocking call: wait for a slot of the budget (pace is a pacer class,
 * or -1 for an API without a budget), fetch, then classify.  The request
 * is built after the wait, so a token that arrived meanwhile is used.
 * resp holds the answer for the caller to parse and clear (also on error).
 */
static enum gcp_status
gcp_call(const struct gcp_ctx *ctx, int pace, const char *method,
    const char *url, const char *body, int anonymous,
    struct http_response *resp, struct gcp_error *err)
{
	struct http_request	 req;
	enum gcp_status		 st;

	if (pace >= 0 && gcp_pace != NULL)
		gcp_pace(PACER_SQLADMIN, pace, gcp_pace_arg);
	gcp_request_init(&req, ctx, method, url, anonymous);
	if (body != NULL) {
		req.body = body;
		req.content_type = "application/json";
	}
	http_fetch(&req, resp);
	st = gcp_classify(resp->status, resp->body, resp->len,
	    resp->retry_after, resp->curl_code, resp->error, err);
	if (st != GCP_OK)
		log_debug("%s %s: %s: %s", method, url, gcp_status_name(st),
		    err->message);
	return (st);
}

/*
 * instances.export for one database.  On GCP_OK op holds the new
 * operation.  GCP_RETRY after the request was sent means the outcome is
 * unknown: look with gcp_operation_find_export before sending it again.
 */
enum gcp_status
gcp_export_start(const struct gcp_ctx *ctx, const struct gcp_export *exp,
    struct gcp_op *op, struct gcp_error *err)
{
	struct http_response	 resp;
	cJSON			*root, *ec, *dbs;
	char			*body, *url, *ep, *ei;
	enum gcp_status		 st;

	gcp_error_reset(err);
	memset(op, 0, sizeof(*op));
	if (exp->file_type == NULL || exp->uri == NULL ||
	    exp->database == NULL) {
		gcp_error_set(err, GCP_PERMANENT, "export: incomplete request");
		return (GCP_PERMANENT);
	}
	if ((root = cJSON_CreateObject()) == NULL ||
	    (ec = cJSON_AddObjectToObject(root, "exportContext")) == NULL ||
	    cJSON_AddStringToObject(ec, "kind", "sql#exportContext") == NULL ||
	    cJSON_AddStringToObject(ec, "fileType", exp->file_type) == NULL ||
	    cJSON_AddStringToObject(ec, "uri", exp->uri) == NULL ||
	    (dbs = cJSON_AddArrayToObject(ec, "databases")) == NULL ||
	    !cJSON_AddItemToArray(dbs, cJSON_CreateString(exp->database)) ||
	    cJSON_AddBoolToObject(ec, "offload", exp->offload ? 1 : 0) ==
	    NULL || (body = cJSON_PrintUnformatted(root)) == NULL)
		fatalx("gcp_export_start: out of memory");
	cJSON_Delete(root);

	ep = http_escape(exp->project);
	ei = http_escape(exp->instance);
	xasprintf(&url, "%s/v1/projects/%s/instances/%s/export",
	    ctx->sqladmin, ep, ei);
	free(ep);
	free(ei);
	st = gcp_call(ctx, PACER_FIRST, "POST", url, body, 0, &resp, err);
	if (st == GCP_OK && gcp_parse_operation(resp.body, resp.len, op,
	    err) == -1)
		st = err->st = GCP_RETRY;
	http_response_clear(&resp);
	free(url);
	cJSON_free(body);
	return (st);
}

/* operations.get into op. */
enum gcp_status
gcp_operation_get(const struct gcp_ctx *ctx, const char *project,
    const char *opname, struct gcp_op *op, struct gcp_error *err)
{
	struct http_response	 resp;
	char			*url, *ep, *eo;
	enum gcp_status		 st;

	gcp_error_reset(err);
	memset(op, 0, sizeof(*op));
	ep = http_escape(project);
	eo = http_escape(opname);
	xasprintf(&url, "%s/v1/projects/%s/operations/%s", ctx->sqladmin, ep,
	    eo);
	free(ep);
	free(eo);
	st = gcp_call(ctx, PACER_POLL, "GET", url, NULL, 0, &resp, err);
	if (st == GCP_OK && gcp_parse_operation(resp.body, resp.len, op,
	    err) == -1)
		st = err->st = GCP_RETRY;
	http_response_clear(&resp);
	free(url);
	return (st);
}

/*
 * One operations.list page: the newest EXPORT operation to uri goes into
 * best (by insertTime; list order is newest first anyway).
 */
static int
gcp_parse_ops_find(const char *body, size_t len, const char *uri,
    struct gcp_op *best, char **next, struct gcp_error *err)
{
	cJSON		*root, *arr, *it;
	struct gcp_op	 op;

	*next = NULL;
	if ((root = gcp_json_parse(body, len, API_SQLADMIN, err)) == NULL)
		return (-1);
	arr = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (arr != NULL && !cJSON_IsArray(arr)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "items is not an array", API_SQLADMIN);
		goto fail;
	}
	cJSON_ArrayForEach(it, arr) {
		if (gcp_op_from_json(it, &op, err) == -1)
			goto fail;
		if (strcmp(op.type, "EXPORT") != 0 || strcmp(op.uri, uri) != 0)
			continue;
		if (best->name[0] == '\0' || op.insert_ms > best->insert_ms)
			*best = op;
	}
	if (gcp_next_token(root, next, API_SQLADMIN, err) == -1)
		goto fail;
	cJSON_Delete(root);
	return (0);
fail:
	cJSON_Delete(root);
	return (-1);
}

/*
 * Looks for an export to uri among the instance's recent operations (after
 * an export answer was lost).  GCP_OK with op->name[0] == '\0': none found
 * in the first GCP_OPS_PAGES_MAX pages.
 */
enum gcp_status
gcp_operation_find_export(const struct gcp_ctx *ctx, const char *project,
    const char *instance, const char *uri, struct gcp_op *op,
    struct gcp_error *err)
{
	struct http_response	 resp;
	char			*url, *ep, *ei, *et, *token = NULL, *next;
	enum gcp_status		 st = GCP_OK;
	int			 page;

	gcp_error_reset(err);
	memset(op, 0, sizeof(*op));
	ep = http_escape(project);
	ei = http_escape(instance);
	for (page = 0; page < GCP_OPS_PAGES_MAX; page++) {
		et = token != NULL ? http_escape(token) : NULL;
		xasprintf(&url, "%s/v1/projects/%s/operations?instance=%s"
		    "&maxResults=%d%s%s", ctx->sqladmin, ep, ei,
		    GCP_OPS_PAGE_SIZE, et ? "&pageToken=" : "", et ? et : "");
		free(et);
		st = gcp_call(ctx, PACER_FIRST, "GET", url, NULL, 0, &resp,
		    err);
		free(url);
		if (st == GCP_OK && gcp_parse_ops_find(resp.body, resp.len,
		    uri, op, &next, err) == -1) {
			memset(op, 0, sizeof(*op));
			st = err->st = GCP_RETRY;
		}
		http_response_clear(&resp);
		free(token);
		token = NULL;
		if (st != GCP_OK)
			break;
		/* Newest first: a match on this page beats later pages. */
		if (op->name[0] != '\0' || next == NULL) {
			free(next);
			break;
		}
		token = next;
	}
	free(token);
	free(ep);
	free(ei);
	return (st);
}

/*
 * objects.get metadata.  404 is GCP_PERMANENT with reason "notFound"; the
 * caller decides what a missing object means.
 */
enum gcp_status
gcp_object_get(const struct gcp_ctx *ctx, const char *bucket,
    const char *object, struct gcp_object *obj, struct gcp_error *err)
{
	struct http_response	 resp;
	cJSON			*root = NULL;
	char			*url, *eb, *eo;
	enum gcp_status		 st;
	int64_t			 size;

	gcp_error_reset(err);
	memset(obj, 0, sizeof(*obj));
	eb = http_escape(bucket);
	eo = http_escape(object);
	xasprintf(&url, "%s/storage/v1/b/%s/o/%s", ctx->storage, eb, eo);
	free(eb);
	free(eo);
	st = gcp_call(ctx, -1, "GET", url, NULL, ctx->storage_anonymous,
	    &resp, err);
	if (st != GCP_OK)
		goto out;
	st = GCP_RETRY;
	if ((root = gcp_json_parse(resp.body, resp.len, API_STORAGE, err)) ==
	    NULL)
		goto out;
	if (cJSON_GetObjectItemCaseSensitive(root, "size") == NULL ||
	    gcp_int64(root, "size", &size) == -1) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "bad size", API_STORAGE);
		goto out;
	}
	obj->size = (uint64_t)size;
	if (gcp_take(obj->crc32c, sizeof(obj->crc32c), root, "crc32c", 0,
	    API_STORAGE, err) == -1 ||
	    gcp_take(obj->md5, sizeof(obj->md5), root, "md5Hash", 0,
	    API_STORAGE, err) == -1 ||
	    gcp_take(obj->generation, sizeof(obj->generation), root,
	    "generation", 0, API_STORAGE, err) == -1)
		goto out;
	st = err->st = GCP_OK;
out:
	cJSON_Delete(root);
	http_response_clear(&resp);
	free(url);
	return (st);
}

/*
 * objects.delete of exactly the generation named (ifGenerationMatch), so a
 * newer object written meanwhile is never removed.  404 and 412 (gone, or
 * replaced) are GCP_OK: what the caller wanted gone is gone.
 */
enum gcp_status
gcp_object_delete(const struct gcp_ctx *ctx, const char *bucket,
    const char *object, const char *generation, struct gcp_error *err)
{
	struct http_response	 resp;
	char			*url, *eb, *eo, *eg = NULL;
	enum gcp_status		 st;

	gcp_error_reset(err);
	eb = http_escape(bucket);
	eo = http_escape(object);
	if (generation != NULL && generation[0] != '\0')
		eg = http_escape(generation);
	xasprintf(&url, "%s/storage/v1/b/%s/o/%s%s%s", ctx->storage, eb, eo,
	    eg != NULL ? "?ifGenerationMatch=" : "", eg != NULL ? eg : "");
	free(eb);
	free(eo);
	free(eg);
	st = gcp_call(ctx, -1, "DELETE", url, NULL, ctx->storage_anonymous,
	    &resp, err);
	if (st == GCP_PERMANENT && (err->http == HTTP_STATUS_NOT_FOUND ||
	    err->http == 412))
		st = err->st = GCP_OK;
	http_response_clear(&resp);
	free(url);
	return (st);
}

/* instances.get into inst (a worker's rare question, paced as a start). */
enum gcp_status
gcp_instance_get(const struct gcp_ctx *ctx, const char *project,
    const char *instance, struct gcp_instance *inst, struct gcp_error *err)
{
	struct http_response	 resp;
	cJSON			*root;
	char			*url, *ep, *ei;
	enum gcp_status		 st;

	gcp_error_reset(err);
	memset(inst, 0, sizeof(*inst));
	ep = http_escape(project);
	ei = http_escape(instance);
	xasprintf(&url, "%s/v1/projects/%s/instances/%s", ctx->sqladmin, ep,
	    ei);
	free(ep);
	free(ei);
	st = gcp_call(ctx, PACER_FIRST, "GET", url, NULL, 0, &resp, err);
	if (st == GCP_OK) {
		if ((root = gcp_json_parse(resp.body, resp.len, API_SQLADMIN,
		    err)) == NULL)
			st = err->st = GCP_RETRY;
		else {
			if (gcp_instance_from_json(root, inst, err) == -1)
				st = err->st = GCP_RETRY;
			cJSON_Delete(root);
		}
	}
	http_response_clear(&resp);
	free(url);
	return (st);
}

/*
 * Does Google's text say the instance's service account may not write the
 * bucket?  At the request ("The service account does not have the
 * required permissions for the bucket.", HTTP 403) or in the operation's
 * error ("... does not have storage.objects.create access ...").
 */
int
gcp_bucket_denied(const char *msg)
{
	static const char *const pat[] = {
	    "required permissions for the bucket",
	    "storage.objects.create",
	    "storage.objects.delete",
	    "storage.buckets.get",
	    NULL };
	int	 i;

	if (msg == NULL)
		return (0);
	for (i = 0; pat[i] != NULL; i++)
		if (strstr(msg, pat[i]) != NULL)
			return (1);
	return (0);
}

/*
 * Did the export fail because its object already existed?  Cloud SQL
 * accepts such a request and fails the operation ("The destination file
 * gs://... already exists"); the code is not documented, so the text
 * decides.
 */
int
gcp_op_object_exists(const struct gcp_op *op)
{
	return (op != NULL && op->has_error &&
	    strstr(op->error_message, "already exists") != NULL);
}

/* Which API a request URL belongs to: a short label for metrics. */
const char *
gcp_api_name(const char *url)
{
	if (strncmp(url, "smtp", 4) == 0)
		return ("smtp");
	if (strstr(url, "/storage/v1/") != NULL ||
	    strstr(url, "storage.googleapis.com") != NULL)
		return ("storage");
	if (strstr(url, "/sql/v1") != NULL || strstr(url, "/instances") != NULL)
		return ("sqladmin");
	if (strstr(url, "computeMetadata") != NULL)
		return ("metadata");
	if (strstr(url, "/token") != NULL)
		return ("oauth2");
	if (strstr(url, ":publish") != NULL)
		return ("pubsub");
	if (strstr(url, "/v3/") != NULL || strstr(url, "/v1/projects") != NULL
	    || strstr(url, "cloudresourcemanager") != NULL)
		return ("resourcemanager");
	return ("other");
}
