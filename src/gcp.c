/*
 * gcp.c: Google Cloud requests.  The only place that knows URLs, the
 * bearer and quota-project headers and the engines' export rules; the
 * master builds list URLs here and runs them on http_multi, and a worker's
 * blocking calls (export, operation, object, instance) run here on its
 * easy handle, pacing each Cloud SQL Admin request through its client.
 * What an answer means is gcp-error.c's, what it holds gcp-parse.c's.  No
 * token refresh here (auth.c does that in the master), no retry loops (the
 * scheduler owns backoff), and no logging of tokens or bodies.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gcp.h"
#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "pacer.h"
#include "xmalloc.h"

/* A Cloud Storage call: no budget to wait for, no token under emulation. */
#define GCP_CALL_STORAGE	(-1)

/* Which resource a blocking call's 2xx answer holds. */
enum gcp_answer {
	GCP_ANSWER_NONE,
	GCP_ANSWER_OPERATION,	/* struct gcp_op */
	GCP_ANSWER_OP_SEARCH,	/* struct gcp_op_search */
	GCP_ANSWER_INSTANCE,	/* struct gcp_instance */
	GCP_ANSWER_OBJECT,	/* struct gcp_object */
	GCP_ANSWER_BUCKET,	/* struct gcp_bucket */
	GCP_ANSWER_PERMS,	/* struct gcp_perms */
	GCP_ANSWER_OBJECTS,	/* struct gcp_object_page */
};

static char	*gcp_url(const char *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static void	 gcp_url_param(char **, const char *, const char *);
static void	 gcp_answer_clear(enum gcp_answer, void *);
static int	 gcp_answer_parse(enum gcp_answer, const struct http_response *,
		    void *, struct gcp_error *);
static enum gcp_status gcp_call(struct gcp_client *, const struct gcp_ctx *,
		    int, const char *, char *, const char *, enum gcp_answer,
		    void *, struct gcp_error *);

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
 * ctx from the configuration c: endpoints (STORAGE_EMULATOR_HOST, read
 * the way Google's Go library reads it, wins for Cloud Storage and sends
 * no token), CA file, timeouts, and the quota project (the key's, else
 * the credentials' creds_quota, "" for none).  No token yet.
 */
void
gcp_ctx_init(struct gcp_ctx *ctx, const struct config *c,
    const char *creds_quota)
{
	const char	*e;

	memset(ctx, 0, sizeof(*ctx));
	strlcpy(ctx->sqladmin, c->sqladmin_endpoint, sizeof(ctx->sqladmin));
	strlcpy(ctx->crm, c->resourcemanager_endpoint, sizeof(ctx->crm));
	strlcpy(ctx->storage, c->storage_endpoint, sizeof(ctx->storage));
	if ((e = getenv("STORAGE_EMULATOR_HOST")) != NULL && *e != '\0') {
		if (strstr(e, "://") != NULL)
			strlcpy(ctx->storage, e, sizeof(ctx->storage));
		else
			snprintf(ctx->storage, sizeof(ctx->storage),
			    "http://%s", e);
		ctx->storage_anonymous = 1;
	}
	if (c->ca_file != NULL)
		strlcpy(ctx->ca_file, c->ca_file, sizeof(ctx->ca_file));
	if (c->quota_project != NULL)
		strlcpy(ctx->quota_project, c->quota_project,
		    sizeof(ctx->quota_project));
	else if (creds_quota != NULL)
		strlcpy(ctx->quota_project, creds_quota,
		    sizeof(ctx->quota_project));
	ctx->connect_timeout_ms = c->connect_timeout_ms;
	ctx->timeout_ms = c->http_timeout_ms;
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

/*
 * base, then fmt with each "%s" replaced by its argument percent-encoded
 * (so "/" in a name stays inside its path segment) and each "%d" by an
 * int; no other conversions.  Returns a new string; caller frees.
 */
static char *
gcp_url(const char *base, const char *fmt, ...)
{
	va_list	 ap;
	char	*url, *next, *e;
	size_t	 n;

	url = xstrdup(base);
	va_start(ap, fmt);
	while (*fmt != '\0') {
		if (fmt[0] == '%' && fmt[1] == 's') {
			e = http_escape(va_arg(ap, const char *));
			xasprintf(&next, "%s%s", url, e);
			free(e);
			fmt += 2;
		} else if (fmt[0] == '%' && fmt[1] == 'd') {
			xasprintf(&next, "%s%d", url, va_arg(ap, int));
			fmt += 2;
		} else {
			n = strcspn(fmt + 1, "%") + 1;
			xasprintf(&next, "%s%.*s", url, (int)n, fmt);
			fmt += n;
		}
		free(url);
		url = next;
	}
	va_end(ap);
	return (url);
}

/* Appends param ("&pageToken=") and value, encoded; value NULL: nothing. */
static void
gcp_url_param(char **url, const char *param, const char *value)
{
	char	*e, *next;

	if (value == NULL)
		return;
	e = http_escape(value);
	xasprintf(&next, "%s%s%s", *url, param, e);
	free(e);
	free(*url);
	*url = next;
}

/* Accepts "123" or "folders/123". */
static const char *
gcp_folder_id(const char *folder)
{
	if (strncmp(folder, "folders/", 8) == 0)
		return (folder + 8);
	return (folder);
}

/*
 * A v3 list under a folder ("folders" or "projects"); caller frees.  With
 * showDeleted, so a folder or project awaiting deletion is seen, and
 * skipped with its state as the reason, rather than silently missing.
 */
static char *
gcp_url_crm_list(const struct gcp_ctx *ctx, const char *what,
    const char *folder, const char *page_token)
{
	char	*parent, *url;

	xasprintf(&parent, "folders/%s", gcp_folder_id(folder));
	url = gcp_url(ctx->crm, "/v3/%s?parent=%s&pageSize=%d&showDeleted=true",
	    what, parent, GCP_CRM_PAGE_SIZE);
	gcp_url_param(&url, "&pageToken=", page_token);
	free(parent);
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
	return (gcp_url(ctx->crm, "/v3/projects/%s", project));
}

/* Cloud SQL instances of a project.  Returns a new string; caller frees. */
char *
gcp_url_instances_list(const struct gcp_ctx *ctx, const char *project,
    const char *page_token)
{
	char	*url;

	url = gcp_url(ctx->sqladmin, "/v1/projects/%s/instances?maxResults=%d",
	    project, GCP_SQL_PAGE_SIZE);
	gcp_url_param(&url, "&pageToken=", page_token);
	return (url);
}

/* Databases of an instance (no paging).  Returns a new string. */
char *
gcp_url_databases_list(const struct gcp_ctx *ctx, const char *project,
    const char *instance)
{
	return (gcp_url(ctx->sqladmin, "/v1/projects/%s/instances/%s/databases",
	    project, instance));
}

/*
 * Cloud Monitoring projects.timeSeries.list of every instance's disk
 * bytes used in project, at endpoint (the [gcp] monitoring_endpoint; not
 * in the gcp_ctx, which travels in every job message and no worker asks
 * Monitoring).  The interval ends at end_ms (unix ms) and starts
 * GCP_MONITORING_WINDOW_SEC before: Cloud SQL samples the metric every
 * 60 s and a point shows up a few minutes late, so ten minutes hold
 * several points of every running instance while keeping the answer
 * small; an instance without a point in them (stopped, new) falls back
 * to its disk size.  A page token is only valid for the query that gave
 * it, so each page resends the same filter and interval: the caller
 * keeps end_ms for the whole listing.  Returns a new string; caller
 * frees.
 */
char *
gcp_url_disk_used(const char *endpoint, const char *project, int64_t end_ms,
    const char *page_token)
{
	char	*url, start[32], end[32];

	json_time(end_ms - (int64_t)GCP_MONITORING_WINDOW_SEC * 1000, start,
	    sizeof(start));
	json_time(end_ms, end, sizeof(end));
	url = gcp_url(endpoint, "/v3/projects/%s/timeSeries", project);
	gcp_url_param(&url, "?filter=",
	    "metric.type = \"" GCP_DISK_USED_METRIC "\"");
	gcp_url_param(&url, "&interval.startTime=", start);
	gcp_url_param(&url, "&interval.endTime=", end);
	gcp_url_param(&url, "&pageToken=", page_token);
	return (url);
}

/* Empties out, whose type what names, before a call. */
static void
gcp_answer_clear(enum gcp_answer what, void *out)
{
	switch (what) {
	case GCP_ANSWER_NONE:
		return;
	case GCP_ANSWER_OPERATION:
		memset(out, 0, sizeof(struct gcp_op));
		return;
	case GCP_ANSWER_OP_SEARCH:
		((struct gcp_op_search *)out)->next = NULL;	/* best stays */
		return;
	case GCP_ANSWER_INSTANCE:
		memset(out, 0, sizeof(struct gcp_instance));
		return;
	case GCP_ANSWER_OBJECT:
		memset(out, 0, sizeof(struct gcp_object));
		return;
	case GCP_ANSWER_BUCKET:
		memset(out, 0, sizeof(struct gcp_bucket));
		return;
	case GCP_ANSWER_PERMS:
		((struct gcp_perms *)out)->granted = 0;	/* asked stays */
		return;
	case GCP_ANSWER_OBJECTS:
		((struct gcp_object_page *)out)->next = NULL;
		return;
	}
	fatalx("gcp_answer_clear: answer type %d", (int)what);
}

/* Reads a 2xx answer into out, whose type what names. */
static int
gcp_answer_parse(enum gcp_answer what, const struct http_response *resp,
    void *out, struct gcp_error *err)
{
	switch (what) {
	case GCP_ANSWER_NONE:
		return (0);
	case GCP_ANSWER_OPERATION:
		return (gcp_parse_operation(resp->body, resp->len, out, err));
	case GCP_ANSWER_OP_SEARCH:
		return (gcp_parse_op_search(resp->body, resp->len, out, err));
	case GCP_ANSWER_INSTANCE:
		return (gcp_parse_instance(resp->body, resp->len, out, err));
	case GCP_ANSWER_OBJECT:
		return (gcp_parse_object(resp->body, resp->len, out, err));
	case GCP_ANSWER_BUCKET:
		return (gcp_parse_bucket(resp->body, resp->len, out, err));
	case GCP_ANSWER_PERMS:
		return (gcp_parse_perms(resp->body, resp->len, out, err));
	case GCP_ANSWER_OBJECTS:
		return (gcp_parse_objects(resp->body, resp->len, out, err));
	}
	fatalx("gcp_answer_parse: answer type %d", (int)what);
}

/*
 * The one blocking call every worker request goes through: empty out,
 * wait for a slot of the budget (pace is a pacer class, or
 * GCP_CALL_STORAGE for Cloud Storage, which has none and goes without a
 * token when ctx says so), fetch url (a new string, freed here), classify,
 * and read a 2xx answer into out, whose type what names (a malformed one
 * is GCP_RETRY).  The request is built after the wait, so a token that
 * arrived meanwhile is used.
 */
static enum gcp_status
gcp_call(struct gcp_client *gc, const struct gcp_ctx *ctx, int pace,
    const char *method, char *url, const char *body, enum gcp_answer what,
    void *out, struct gcp_error *err)
{
	struct http_request	 req;
	struct http_response	 resp;
	enum gcp_status		 st;

	gcp_answer_clear(what, out);
	if (pace != GCP_CALL_STORAGE && gc->pace != NULL)
		gc->pace(PACER_SQLADMIN, pace, gc->pace_arg);
	gcp_request_init(&req, ctx, method, url, pace == GCP_CALL_STORAGE ?
	    ctx->storage_anonymous : 0);
	if (body != NULL) {
		req.body = body;
		req.content_type = "application/json";
	}
	http_fetch(gc->http, &req, &resp);
	st = gcp_classify(resp.status, resp.body, resp.len, resp.retry_after,
	    resp.curl_code, resp.error, err);
	if (st != GCP_OK)
		log_debug("%s %s: %s: %s", method, url, gcp_status_name(st),
		    err->message);
	else if (gcp_answer_parse(what, &resp, out, err) == -1)
		st = err->st = GCP_RETRY;
	http_response_clear(&resp);
	free(url);
	return (st);
}

/*
 * instances.export for one database.  On GCP_OK op holds the new
 * operation.  GCP_RETRY after the request was sent means the outcome is
 * unknown: look with gcp_operation_find_export before sending it again.
 */
enum gcp_status
gcp_export_start(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const struct gcp_export *exp, struct gcp_op *op, struct gcp_error *err)
{
	cJSON			*root, *ec, *dbs;
	char			*body;
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

	st = gcp_call(gc, ctx, PACER_FIRST, "POST", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/instances/%s/export", exp->project, exp->instance),
	    body, GCP_ANSWER_OPERATION, op, err);
	cJSON_free(body);
	return (st);
}

/* operations.get into op. */
enum gcp_status
gcp_operation_get(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *opname, struct gcp_op *op,
    struct gcp_error *err)
{
	return (gcp_call(gc, ctx, PACER_POLL, "GET", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/operations/%s", project, opname), NULL,
	    GCP_ANSWER_OPERATION, op, err));
}

/*
 * operations.cancel: asks Cloud SQL to stop the operation.  The answer is
 * empty; the operation ends later, DONE with an error, as a poll shows.
 */
enum gcp_status
gcp_operation_cancel(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *opname, struct gcp_error *err)
{
	return (gcp_call(gc, ctx, PACER_FIRST, "POST", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/operations/%s/cancel", project, opname), NULL,
	    GCP_ANSWER_NONE, NULL, err));
}

/*
 * Looks for an export to uri among the instance's recent operations (after
 * an export answer was lost).  GCP_OK with op->name[0] == '\0': none found
 * in the first GCP_OPS_PAGES_MAX pages.
 */
enum gcp_status
gcp_operation_find_export(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *instance, const char *uri,
    struct gcp_op *op, struct gcp_error *err)
{
	struct gcp_op_search	 search;
	char			*url, *token = NULL;
	enum gcp_status		 st = GCP_OK;
	int			 page;

	gcp_error_reset(err);
	memset(op, 0, sizeof(*op));
	memset(&search, 0, sizeof(search));
	search.uri = uri;
	search.best = op;
	for (page = 0; page < GCP_OPS_PAGES_MAX; page++) {
		url = gcp_url(ctx->sqladmin, "/v1/projects/%s/operations"
		    "?instance=%s&maxResults=%d", project, instance,
		    GCP_OPS_PAGE_SIZE);
		gcp_url_param(&url, "&pageToken=", token);
		free(token);
		st = gcp_call(gc, ctx, PACER_FIRST, "GET", url, NULL,
		    GCP_ANSWER_OP_SEARCH, &search, err);
		if (st != GCP_OK) {
			memset(op, 0, sizeof(*op));
			return (st);
		}
		/* Newest first: a match on this page beats later pages. */
		token = search.next;
		if (op->name[0] != '\0' || token == NULL)
			break;
	}
	free(token);
	return (st);
}

/*
 * What held an instance since since_ms (wall clock, unix ms): the longest
 * of its operations that ended since then, not an export to own (our
 * bucket's "gs://bucket/"), whatever its type (automated backup,
 * maintenance, another client's import or export).  Newest first, so
 * pages are read until one reaches back past since_ms, at most
 * GCP_OPS_PAGES_MAX.  op->name is "" if none.
 */
enum gcp_status
gcp_operation_survey(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *instance, int64_t since_ms,
    const char *own, struct gcp_op *op, struct gcp_error *err)
{
	struct gcp_op_search	 search;
	char			*url, *token = NULL;
	enum gcp_status		 st = GCP_OK;
	int			 page;

	gcp_error_reset(err);
	memset(op, 0, sizeof(*op));
	memset(&search, 0, sizeof(search));
	search.survey = 1;
	search.since_ms = since_ms;
	search.own = own;
	search.best = op;
	for (page = 0; page < GCP_OPS_PAGES_MAX; page++) {
		url = gcp_url(ctx->sqladmin, "/v1/projects/%s/operations"
		    "?instance=%s&maxResults=%d", project, instance,
		    GCP_OPS_PAGE_SIZE);
		gcp_url_param(&url, "&pageToken=", token);
		free(token);
		search.oldest_ms = 0;
		st = gcp_call(gc, ctx, PACER_POLL, "GET", url, NULL,
		    GCP_ANSWER_OP_SEARCH, &search, err);
		if (st != GCP_OK) {
			memset(op, 0, sizeof(*op));
			return (st);
		}
		token = search.next;
		if (token == NULL || (search.oldest_ms > 0 &&
		    search.oldest_ms < since_ms))
			break;
	}
	free(token);
	return (st);
}

/*
 * The operation holding an instance (after a 409): the first page of its
 * operations, newest first, and in it one not DONE.  op->name is "" if
 * none is (it ended meanwhile).  One call: the holder, if any, is among
 * the newest.
 */
enum gcp_status
gcp_operation_blocker(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *instance, struct gcp_op *op,
    struct gcp_error *err)
{
	struct gcp_op_search	 search;
	enum gcp_status		 st;

	gcp_error_reset(err);
	memset(op, 0, sizeof(*op));
	memset(&search, 0, sizeof(search));
	search.best = op;
	st = gcp_call(gc, ctx, PACER_POLL, "GET", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/operations?instance=%s&maxResults=%d", project,
	    instance, GCP_BLOCKER_PAGE_SIZE), NULL, GCP_ANSWER_OP_SEARCH,
	    &search, err);
	free(search.next);
	if (st != GCP_OK)
		memset(op, 0, sizeof(*op));
	return (st);
}

/*
 * objects.get metadata.  404 is GCP_PERMANENT with reason "notFound"; the
 * caller decides what a missing object means.
 */
enum gcp_status
gcp_object_get(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *bucket, const char *object, struct gcp_object *obj,
    struct gcp_error *err)
{
	return (gcp_call(gc, ctx, GCP_CALL_STORAGE, "GET", gcp_url(ctx->storage,
	    "/storage/v1/b/%s/o/%s", bucket, object), NULL, GCP_ANSWER_OBJECT,
	    obj, err));
}

/*
 * objects.delete of exactly the generation named (ifGenerationMatch), so a
 * newer object written meanwhile is never removed.  404 and 412 (gone, or
 * replaced) are GCP_OK: what the caller wanted gone is gone.
 */
enum gcp_status
gcp_object_delete(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *bucket, const char *object, const char *generation,
    struct gcp_error *err)
{
	char			*url;
	enum gcp_status		 st;

	url = gcp_url(ctx->storage, "/storage/v1/b/%s/o/%s", bucket, object);
	gcp_url_param(&url, "?ifGenerationMatch=", generation != NULL &&
	    generation[0] != '\0' ? generation : NULL);
	st = gcp_call(gc, ctx, GCP_CALL_STORAGE, "DELETE", url, NULL,
	    GCP_ANSWER_NONE, NULL, err);
	if (st == GCP_PERMANENT && (err->http == HTTP_STATUS_NOT_FOUND ||
	    err->http == HTTP_STATUS_PRECONDITION))
		st = err->st = GCP_OK;
	return (st);
}

/* buckets.get into b: location, lifecycle rules, retention policy. */
enum gcp_status
gcp_bucket_get(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *bucket, struct gcp_bucket *b, struct gcp_error *err)
{
	return (gcp_call(gc, ctx, GCP_CALL_STORAGE, "GET", gcp_url(ctx->storage,
	    "/storage/v1/b/%s", bucket), NULL, GCP_ANSWER_BUCKET, b, err));
}

/* What the daemon itself does to objects (Cloud SQL writes them). */
const char *const gcp_bucket_perms[] = {
	"storage.objects.get",		/* checks each export landed */
	"storage.objects.delete",	/* removes a failed export's leftover */
	NULL
};

/*
 * The permissions to test: gcp_bucket_perms, and storage.objects.list
 * when [retention] lists the bucket to prune it.
 */
void
gcp_bucket_perms_ask(struct gcp_perms *p, int retention)
{
	int	 i;

	memset(p, 0, sizeof(*p));
	for (i = 0; gcp_bucket_perms[i] != NULL; i++)
		p->asked[i] = gcp_bucket_perms[i];
	if (retention)
		p->asked[i] = "storage.objects.list";
}

/*
 * buckets.testIamPermissions of the NULL-terminated perms (at most
 * GCP_PERMS_MAX).  Returns a new string; caller frees.
 */
char *
gcp_url_bucket_test(const struct gcp_ctx *ctx, const char *bucket,
    const char *const *perms)
{
	char	*url;
	int	 i;

	url = gcp_url(ctx->storage, "/storage/v1/b/%s/iam/testPermissions",
	    bucket);
	for (i = 0; i < GCP_PERMS_MAX && perms[i] != NULL; i++)
		gcp_url_param(&url, i == 0 ? "?permissions=" :
		    "&permissions=", perms[i]);
	return (url);
}

/*
 * buckets.testIamPermissions: which of p->asked the caller holds on
 * bucket (no permission needed to ask; 404 if there is no such bucket).
 */
enum gcp_status
gcp_bucket_test(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *bucket, struct gcp_perms *p, struct gcp_error *err)
{
	return (gcp_call(gc, ctx, GCP_CALL_STORAGE, "GET",
	    gcp_url_bucket_test(ctx, bucket, p->asked), NULL,
	    GCP_ANSWER_PERMS, p, err));
}

/*
 * The problem with the bucket test's answer, in buf (a line with its
 * fix), or "" when the daemon holds every permission of gcp_bucket_perms
 * asked in p.  account names the daemon's account.
 */
void
gcp_bucket_problem(const struct gcp_perms *p, const char *bucket,
    const char *account, char *buf, size_t len)
{
	char	 missing[256];
	int	 i;

	missing[0] = '\0';
	for (i = 0; i < GCP_PERMS_MAX && p->asked[i] != NULL; i++) {
		if (p->granted & (1U << i))
			continue;
		if (missing[0] != '\0')
			strlcat(missing, ", ", sizeof(missing));
		strlcat(missing, p->asked[i], sizeof(missing));
	}
	if (missing[0] == '\0')
		buf[0] = '\0';
	else
		snprintf(buf, len, "%s lacks %s: grant it "
		    "roles/storage.objectUser on gs://%s", account, missing,
		    bucket);
}

/*
 * A GET of url (a new string, freed here) whose answer only needs to be
 * 2xx: the preflight's look at a folder or project.  Not paced.
 */
enum gcp_status
gcp_get(struct gcp_client *gc, const struct gcp_ctx *ctx, char *url,
    struct gcp_error *err)
{
	return (gcp_call(gc, ctx, 0, "GET", url, NULL, GCP_ANSWER_NONE, NULL,
	    err));
}

/* instances.get into inst (a worker's rare question, paced as a start). */
enum gcp_status
gcp_instance_get(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *instance, struct gcp_instance *inst,
    struct gcp_error *err)
{
	return (gcp_call(gc, ctx, PACER_FIRST, "GET", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/instances/%s", project, instance), NULL,
	    GCP_ANSWER_INSTANCE, inst, err));
}

/*
 * One page of objects.list under prefix (page_token NULL: the first);
 * each object to page->cb, the next token into page->next.
 */
enum gcp_status
gcp_objects_list(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *bucket, const char *prefix, const char *page_token,
    struct gcp_object_page *page, struct gcp_error *err)
{
	char	*url, n[16];

	snprintf(n, sizeof(n), "%d", GCP_OBJECTS_PAGE_SIZE);
	url = gcp_url(ctx->storage, "/storage/v1/b/%s/o", bucket);
	gcp_url_param(&url, "?maxResults=", n);
	gcp_url_param(&url, "&prefix=", prefix != NULL && *prefix != '\0' ?
	    prefix : NULL);
	gcp_url_param(&url, "&pageToken=", page_token);
	return (gcp_call(gc, ctx, GCP_CALL_STORAGE, "GET", url, NULL,
	    GCP_ANSWER_OBJECTS, page, err));
}

/*
 * instances.import of uri into database (NULL: none named, as MySQL
 * allows) with fileType "SQL" or "BAK": the operation into op.
 */
enum gcp_status
gcp_import_start(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *instance, const char *database,
    const char *uri, const char *file_type, struct gcp_op *op,
    struct gcp_error *err)
{
	cJSON			*root, *ic;
	char			*body;
	enum gcp_status		 st;

	gcp_error_reset(err);
	memset(op, 0, sizeof(*op));
	if ((root = cJSON_CreateObject()) == NULL ||
	    (ic = cJSON_AddObjectToObject(root, "importContext")) == NULL ||
	    cJSON_AddStringToObject(ic, "kind", "sql#importContext") == NULL ||
	    cJSON_AddStringToObject(ic, "fileType", file_type) == NULL ||
	    cJSON_AddStringToObject(ic, "uri", uri) == NULL ||
	    (database != NULL && cJSON_AddStringToObject(ic, "database",
	    database) == NULL) ||
	    (body = cJSON_PrintUnformatted(root)) == NULL)
		fatalx("gcp_import_start: out of memory");
	cJSON_Delete(root);
	st = gcp_call(gc, ctx, PACER_FIRST, "POST", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/instances/%s/import", project, instance), body,
	    GCP_ANSWER_OPERATION, op, err);
	cJSON_free(body);
	return (st);
}

/*
 * databases.get: GCP_OK if the database exists; GCP_PERMANENT with
 * err->http 404 if it does not.
 */
enum gcp_status
gcp_database_get(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *instance, const char *database,
    struct gcp_error *err)
{
	return (gcp_call(gc, ctx, PACER_FIRST, "GET", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/instances/%s/databases/%s", project, instance,
	    database), NULL, GCP_ANSWER_NONE, NULL, err));
}

/* databases.insert: the CREATE_DATABASE operation into op. */
enum gcp_status
gcp_database_insert(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *instance, const char *database,
    struct gcp_op *op, struct gcp_error *err)
{
	cJSON			*root;
	char			*body;
	enum gcp_status		 st;

	gcp_error_reset(err);
	memset(op, 0, sizeof(*op));
	if ((root = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(root, "kind", "sql#database") == NULL ||
	    cJSON_AddStringToObject(root, "name", database) == NULL ||
	    cJSON_AddStringToObject(root, "project", project) == NULL ||
	    cJSON_AddStringToObject(root, "instance", instance) == NULL ||
	    (body = cJSON_PrintUnformatted(root)) == NULL)
		fatalx("gcp_database_insert: out of memory");
	cJSON_Delete(root);
	st = gcp_call(gc, ctx, PACER_FIRST, "POST", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/instances/%s/databases", project, instance), body,
	    GCP_ANSWER_OPERATION, op, err);
	cJSON_free(body);
	return (st);
}

/* databases.delete: the DELETE_DATABASE operation into op. */
enum gcp_status
gcp_database_delete(struct gcp_client *gc, const struct gcp_ctx *ctx,
    const char *project, const char *instance, const char *database,
    struct gcp_op *op, struct gcp_error *err)
{
	memset(op, 0, sizeof(*op));
	return (gcp_call(gc, ctx, PACER_FIRST, "DELETE", gcp_url(ctx->sqladmin,
	    "/v1/projects/%s/instances/%s/databases/%s", project, instance,
	    database), NULL, GCP_ANSWER_OPERATION, op, err));
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
