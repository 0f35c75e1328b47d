/*
 * emu_route.c: request routing and dispatch for the emulator.  emu_route()
 * maps a method and a raw path to an endpoint (a pure function over a
 * buffer, for tests and fuzzing); emu_handle() applies what every API call
 * shares (auth, quota, fault choice, counters) and hands over to the API's
 * file.  Google's error envelopes are built here.  No libevent here: the
 * socket side is emu_server.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

static const char *const emu_ep_names[EP_COUNT] = {
	[EP_NONE] = "unknown",
	[EP_METADATA_TOKEN] = "metadata.token",
	[EP_METADATA_PROJECT_ID] = "metadata.project-id",
	[EP_METADATA_NUMERIC_ID] = "metadata.numeric-project-id",
	[EP_METADATA_EMAIL] = "metadata.email",
	[EP_METADATA_OTHER] = "metadata.other",
	[EP_OAUTH_TOKEN] = "oauth.token",
	[EP_CRM_FOLDERS_LIST] = "crm.folders.list",
	[EP_CRM_FOLDERS_GET] = "crm.folders.get",
	[EP_CRM_PROJECTS_LIST] = "crm.projects.list",
	[EP_CRM_PROJECTS_GET] = "crm.projects.get",
	[EP_SQL_INSTANCES_LIST] = "sql.instances.list",
	[EP_SQL_INSTANCES_GET] = "sql.instances.get",
	[EP_SQL_DATABASES_LIST] = "sql.databases.list",
	[EP_SQL_EXPORT] = "sql.export",
	[EP_SQL_IMPORT] = "sql.import",
	[EP_SQL_DATABASES_GET] = "sql.databases.get",
	[EP_SQL_DATABASES_INSERT] = "sql.databases.insert",
	[EP_SQL_DATABASES_DELETE] = "sql.databases.delete",
	[EP_SQL_OPERATIONS_GET] = "sql.operations.get",
	[EP_SQL_OPERATIONS_LIST] = "sql.operations.list",
	[EP_SQL_OPERATIONS_CANCEL] = "sql.operations.cancel",
	[EP_STORAGE_BUCKETS_GET] = "storage.buckets.get",
	[EP_STORAGE_BUCKETS_TEST] = "storage.buckets.testIamPermissions",
	[EP_STORAGE_OBJECTS_GET] = "storage.objects.get",
	[EP_STORAGE_OBJECTS_LIST] = "storage.objects.list",
	[EP_STORAGE_OBJECTS_DELETE] = "storage.objects.delete",
	[EP_STORAGE_OBJECTS_INSERT] = "storage.objects.insert",
	[EP_MONITORING_TS_LIST] = "monitoring.timeSeries.list",
	[EP_CTL_STATS] = "_emulator.stats",
	[EP_CTL_OBJECTS] = "_emulator.objects",
	[EP_CTL_OBJECTS_PLANT] = "_emulator.objects.plant",
	[EP_CTL_FAULTS] = "_emulator.faults",
	[EP_CTL_BUSY] = "_emulator.busy",
};

const char *
emu_ep_name(enum emu_ep ep)
{
	if ((int)ep < 0 || ep >= EP_COUNT || emu_ep_names[ep] == NULL)
		return ("unknown");
	return (emu_ep_names[ep]);
}

enum emu_method
emu_method_parse(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return (M_GET);
	if (strcmp(m, "POST") == 0)
		return (M_POST);
	if (strcmp(m, "PUT") == 0)
		return (M_PUT);
	if (strcmp(m, "DELETE") == 0)
		return (M_DELETE);
	if (strcmp(m, "PATCH") == 0)
		return (M_PATCH);
	return (M_OTHER);
}

#define ROUTE_MAXSEG	16

struct segs {
	char	*s[ROUTE_MAXSEG];
	size_t	 n;
	const char *raw[ROUTE_MAXSEG];	/* start of each raw segment */
};

static void
segs_free(struct segs *sg)
{
	size_t	 i;

	for (i = 0; i < sg->n; i++)
		free(sg->s[i]);
	sg->n = 0;
}

/* Split "/a/b%2Fc/d" into decoded segments; -1 if empty or too deep. */
static int
route_split(const char *path, size_t len, struct segs *sg)
{
	size_t	 i = 0, st;

	sg->n = 0;
	if (len == 0 || path[0] != '/')
		return (-1);
	i = 1;
	while (i <= len) {
		st = i;
		while (i < len && path[i] != '/')
			i++;
		if (sg->n == ROUTE_MAXSEG) {
			segs_free(sg);
			return (-1);
		}
		sg->raw[sg->n] = path + st;
		sg->s[sg->n++] = emu_pct_decode(path + st, i - st, 0);
		i++;
	}
	return (0);
}

static int
seq(struct segs *sg, size_t i, const char *s)
{
	return (i < sg->n && strcmp(sg->s[i], s) == 0);
}

/* Segment i exists and is not empty. */
static int
sok(struct segs *sg, size_t i)
{
	return (i < sg->n && sg->s[i][0] != '\0');
}

static void
want(struct emu_route *r, enum emu_ep ep, enum emu_method m,
    enum emu_method need)
{
	r->ep = ep;
	r->bad_method = (m != need);
}

static void
route_sql(struct emu_route *r, enum emu_method m, struct segs *sg, size_t b)
{
	/* b points at "projects" */
	if (!sok(sg, b + 1) || b + 2 >= sg->n)
		return;
	r->project = xstrdup(sg->s[b + 1]);
	if (seq(sg, b + 2, "instances")) {
		if (sg->n == b + 3)
			want(r, EP_SQL_INSTANCES_LIST, m, M_GET);
		else if (!sok(sg, b + 3))
			return;
		else {
			r->instance = xstrdup(sg->s[b + 3]);
			if (sg->n == b + 4)
				want(r, EP_SQL_INSTANCES_GET, m, M_GET);
			else if (sg->n == b + 5 && seq(sg, b + 4, "databases"))
				want(r, m == M_POST ? EP_SQL_DATABASES_INSERT :
				    EP_SQL_DATABASES_LIST, m, m == M_POST ?
				    M_POST : M_GET);
			else if (sg->n == b + 6 && seq(sg, b + 4,
			    "databases") && sok(sg, b + 5)) {
				r->database = xstrdup(sg->s[b + 5]);
				want(r, m == M_DELETE ?
				    EP_SQL_DATABASES_DELETE :
				    EP_SQL_DATABASES_GET, m, m == M_DELETE ?
				    M_DELETE : M_GET);
			} else if (sg->n == b + 5 && seq(sg, b + 4, "export"))
				want(r, EP_SQL_EXPORT, m, M_POST);
			else if (sg->n == b + 5 && seq(sg, b + 4, "import"))
				want(r, EP_SQL_IMPORT, m, M_POST);
		}
	} else if (seq(sg, b + 2, "operations")) {
		if (sg->n == b + 3)
			want(r, EP_SQL_OPERATIONS_LIST, m, M_GET);
		else if (!sok(sg, b + 3))
			return;
		else {
			r->operation = xstrdup(sg->s[b + 3]);
			if (sg->n == b + 4)
				want(r, EP_SQL_OPERATIONS_GET, m, M_GET);
			else if (sg->n == b + 5 && seq(sg, b + 4, "cancel"))
				want(r, EP_SQL_OPERATIONS_CANCEL, m, M_POST);
		}
	}
}

static void
route_storage(struct emu_route *r, enum emu_method m, struct segs *sg,
    size_t b, int upload, const char *path, size_t len)
{
	const char	*obj;

	/* b points at "b" */
	if (!seq(sg, b, "b") || !sok(sg, b + 1))
		return;
	r->bucket = xstrdup(sg->s[b + 1]);
	if (sg->n == b + 2 && !upload) {
		want(r, EP_STORAGE_BUCKETS_GET, m, M_GET);
		return;
	}
	if (sg->n == b + 4 && !upload && seq(sg, b + 2, "iam") &&
	    seq(sg, b + 3, "testPermissions")) {
		want(r, EP_STORAGE_BUCKETS_TEST, m, M_GET);
		return;
	}
	if (!seq(sg, b + 2, "o"))
		return;
	if (sg->n == b + 3) {
		if (upload)
			want(r, EP_STORAGE_OBJECTS_INSERT, m, M_POST);
		else
			want(r, EP_STORAGE_OBJECTS_LIST, m, M_GET);
		return;
	}
	if (upload || !sok(sg, b + 3))
		return;
	/* The object name is the rest of the path, '/' or "%2F" alike. */
	obj = sg->raw[b + 3];
	r->object = emu_pct_decode(obj, len - (size_t)(obj - path), 0);
	if (m == M_DELETE)
		want(r, EP_STORAGE_OBJECTS_DELETE, m, M_DELETE);
	else
		want(r, EP_STORAGE_OBJECTS_GET, m, M_GET);
}

/*
 * Route one request.  uri may carry a query (ignored here).  Fills r (free
 * with emu_route_free) and returns 0; r->ep == EP_NONE when nothing matches.
 */
int
emu_route(enum emu_method m, const char *uri, struct emu_route *r)
{
	struct segs	 sg;
	size_t		 len;
	const char	*q;

	memset(r, 0, sizeof(*r));
	r->ep = EP_NONE;
	q = strchr(uri, '?');
	len = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (route_split(uri, len, &sg) == -1)
		return (0);

	if (seq(&sg, 0, "computeMetadata") && seq(&sg, 1, "v1")) {
		r->ep = EP_METADATA_OTHER;
		if (sg.n == 6 && seq(&sg, 2, "instance") &&
		    seq(&sg, 3, "service-accounts") && sok(&sg, 4)) {
			r->email = xstrdup(sg.s[4]);
			if (seq(&sg, 5, "token"))
				r->ep = EP_METADATA_TOKEN;
			else if (seq(&sg, 5, "email"))
				r->ep = EP_METADATA_EMAIL;
		} else if (sg.n == 4 && seq(&sg, 2, "project")) {
			if (seq(&sg, 3, "project-id"))
				r->ep = EP_METADATA_PROJECT_ID;
			else if (seq(&sg, 3, "numeric-project-id"))
				r->ep = EP_METADATA_NUMERIC_ID;
		}
		r->bad_method = (m != M_GET);
	} else if (sg.n == 1 && seq(&sg, 0, "token")) {
		want(r, EP_OAUTH_TOKEN, m, M_POST);
	} else if ((seq(&sg, 0, "v3") || seq(&sg, 0, "v2")) &&
	    seq(&sg, 1, "folders")) {
		r->crm_version = sg.s[0][1] - '0';
		if (sg.n == 2)
			want(r, EP_CRM_FOLDERS_LIST, m, M_GET);
		else if (sg.n == 3 && sok(&sg, 2)) {
			r->folder = xstrdup(sg.s[2]);
			want(r, EP_CRM_FOLDERS_GET, m, M_GET);
		}
	} else if (seq(&sg, 0, "v3") && seq(&sg, 1, "projects") &&
	    sg.n == 4 && sok(&sg, 2) && seq(&sg, 3, "timeSeries")) {
		r->project = xstrdup(sg.s[2]);
		want(r, EP_MONITORING_TS_LIST, m, M_GET);
	} else if ((seq(&sg, 0, "v3") || seq(&sg, 0, "v1")) &&
	    seq(&sg, 1, "projects") && sg.n <= 3) {
		r->crm_version = sg.s[0][1] - '0';
		if (sg.n == 2)
			want(r, EP_CRM_PROJECTS_LIST, m, M_GET);
		else if (sok(&sg, 2)) {
			r->project = xstrdup(sg.s[2]);
			want(r, EP_CRM_PROJECTS_GET, m, M_GET);
		}
	} else if (seq(&sg, 0, "v1") && seq(&sg, 1, "projects")) {
		r->sql_prefix = "v1";
		route_sql(r, m, &sg, 1);
	} else if (seq(&sg, 0, "sql") && seq(&sg, 1, "v1beta4") &&
	    seq(&sg, 2, "projects")) {
		r->sql_prefix = "sql/v1beta4";
		route_sql(r, m, &sg, 2);
	} else if (seq(&sg, 0, "storage") && seq(&sg, 1, "v1")) {
		route_storage(r, m, &sg, 2, 0, uri, len);
	} else if (seq(&sg, 0, "upload") && seq(&sg, 1, "storage") &&
	    seq(&sg, 2, "v1")) {
		route_storage(r, m, &sg, 3, 1, uri, len);
	} else if (seq(&sg, 0, "_emulator") && sg.n == 2) {
		if (seq(&sg, 1, "stats"))
			want(r, EP_CTL_STATS, m, M_GET);
		else if (seq(&sg, 1, "objects"))
			want(r, m == M_POST ? EP_CTL_OBJECTS_PLANT :
			    EP_CTL_OBJECTS, m, m == M_POST ? M_POST : M_GET);
		else if (seq(&sg, 1, "faults"))
			want(r, EP_CTL_FAULTS, m, M_POST);
		else if (seq(&sg, 1, "busy"))
			want(r, EP_CTL_BUSY, m, M_POST);
	}
	segs_free(&sg);
	return (0);
}

void
emu_route_free(struct emu_route *r)
{
	free(r->project);
	free(r->instance);
	free(r->operation);
	free(r->database);
	free(r->folder);
	free(r->bucket);
	free(r->object);
	free(r->email);
	memset(r, 0, sizeof(*r));
}

/* Consumes j. */
void
emu_resp_json(struct emu_resp *resp, int status, cJSON *j)
{
	free(resp->body);
	resp->status = status;
	resp->ctype = "application/json; charset=UTF-8";
	resp->body = cJSON_PrintUnformatted(j);
	if (resp->body == NULL)
		fatalx("emu_resp_json: out of memory");
	resp->len = strlen(resp->body);
	cJSON_Delete(j);
}

void
emu_resp_text(struct emu_resp *resp, int status, const char *ctype,
    const char *text)
{
	free(resp->body);
	resp->status = status;
	resp->ctype = ctype;
	resp->body = xstrdup(text);
	resp->len = strlen(text);
}

/*
 * Google's error envelope.  status may be NULL (older front-ends, GCS),
 * domain NULL means "global"; details (an array) is consumed.
 */
void
emu_gerror(struct emu_resp *resp, int code, const char *status,
    const char *reason, const char *domain, const char *message,
    cJSON *details)
{
	cJSON	*root, *err, *errs, *e;

	root = cJSON_CreateObject();
	err = cJSON_AddObjectToObject(root, "error");
	cJSON_AddNumberToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	errs = cJSON_AddArrayToObject(err, "errors");
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddStringToObject(e, "domain", domain ? domain : "global");
	cJSON_AddStringToObject(e, "reason", reason);
	cJSON_AddItemToArray(errs, e);
	if (status != NULL)
		cJSON_AddStringToObject(err, "status", status);
	if (details != NULL)
		cJSON_AddItemToObject(err, "details", details);
	emu_resp_json(resp, code, root);
}

/* GCS errors carry no "status" member. */
void
emu_gcs_error(struct emu_resp *resp, int code, const char *reason,
    const char *message)
{
	emu_gerror(resp, code, NULL, reason, NULL, message, NULL);
}

void
emu_resp_free(struct emu_resp *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

static void
emu_unauthorized(struct emu_resp *resp, int gcs)
{
	const char *msg = "Request had invalid authentication credentials. "
	    "Expected OAuth 2 access token, login cookie or other valid "
	    "authentication credential.";
	cJSON	*root, *err, *errs, *e;

	root = cJSON_CreateObject();
	err = cJSON_AddObjectToObject(root, "error");
	cJSON_AddNumberToObject(err, "code", HTTP_UNAUTHORIZED);
	cJSON_AddStringToObject(err, "message", msg);
	errs = cJSON_AddArrayToObject(err, "errors");
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "message", "Invalid Credentials");
	cJSON_AddStringToObject(e, "domain", "global");
	cJSON_AddStringToObject(e, "reason", "authError");
	cJSON_AddStringToObject(e, "location", "Authorization");
	cJSON_AddStringToObject(e, "locationType", "header");
	cJSON_AddItemToArray(errs, e);
	if (!gcs)
		cJSON_AddStringToObject(err, "status", "UNAUTHENTICATED");
	emu_resp_json(resp, HTTP_UNAUTHORIZED, root);
	resp->www_auth = 1;
}

/* Cloud SQL Admin quota, a fixed window of one emulated minute. */
static int
emu_quota(struct emu *e, struct emu_resp *resp)
{
	long	 w = (long)(emu_now(e) / 60);
	char	*msg;
	cJSON	*details, *d;

	if (w != e->quota_window) {
		e->quota_window = w;
		e->quota_count = 0;
	}
	e->quota_count++;
	if (e->quota_count > e->stats.quota_max)
		e->stats.quota_max = e->quota_count;
	if (e->quota <= 0 || e->quota_count <= e->quota)
		return (0);
	e->stats.quota_rejected++;
	xasprintf(&msg, "Quota exceeded for quota metric 'Queries' and limit "
	    "'Queries per minute per user' of service 'sqladmin.googleapis.com' "
	    "for consumer 'project_number:%s'.", e->fleet->quota_consumer);
	details = cJSON_CreateArray();
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "@type",
	    "type.googleapis.com/google.rpc.ErrorInfo");
	cJSON_AddStringToObject(d, "reason", "RATE_LIMIT_EXCEEDED");
	cJSON_AddItemToArray(details, d);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "@type", "type.googleapis.com/google.rpc.Help");
	cJSON_AddItemToArray(details, d);
	emu_gerror(resp, HTTP_TOO_MANY, "RESOURCE_EXHAUSTED",
	    "rateLimitExceeded", NULL, msg, details);
	free(msg);
	return (-1);
}

static void
emu_ctl_busy(struct emu *e, struct emu_req *req, struct emu_resp *resp)
{
	cJSON			*j, *p, *i, *f;
	struct emu_project	*proj;
	struct emu_instance	*in;
	struct emu_op		*op;
	double			 dur;

	j = cJSON_ParseWithLength(req->body, req->bodylen);
	p = cJSON_GetObjectItemCaseSensitive(j, "project");
	i = cJSON_GetObjectItemCaseSensitive(j, "instance");
	f = cJSON_GetObjectItemCaseSensitive(j, "for");
	if (!cJSON_IsString(p) || !cJSON_IsString(i) || !cJSON_IsString(f) ||
	    emu_parse_duration(f->valuestring, &dur) == -1) {
		cJSON_Delete(j);
		emu_gerror(resp, HTTP_BAD_REQUEST, "INVALID_ARGUMENT", "invalid",
		    NULL, "want {\"project\",\"instance\",\"for\"}", NULL);
		return;
	}
	if ((proj = fleet_project(e->fleet, p->valuestring)) == NULL ||
	    (in = fleet_instance(proj, i->valuestring)) == NULL) {
		cJSON_Delete(j);
		emu_gerror(resp, HTTP_NOT_FOUND, "NOT_FOUND",
		    "instanceDoesNotExist", NULL,
		    "The Cloud SQL instance does not exist.", NULL);
		return;
	}
	cJSON_Delete(j);
	op = sql_busy_start(e, in, emu_now(e), dur, "MAINTENANCE");
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", op->name);
	emu_resp_json(resp, HTTP_OK, j);
}

static void
emu_control(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	struct emu_fault_set	 fs;
	char			 err[EMU_ERR_MAX];
	cJSON			*j;

	switch (r->ep) {
	case EP_CTL_STATS:
		emu_resp_json(resp, HTTP_OK, emu_stats_json(e));
		break;
	case EP_CTL_OBJECTS:
		emu_resp_json(resp, HTTP_OK, gcs_objects_json(e));
		break;
	case EP_CTL_OBJECTS_PLANT:
		gcs_ctl_object(e, req, resp);
		break;
	case EP_CTL_FAULTS:
		if (fault_parse(req->body, req->bodylen, &fs, err,
		    sizeof(err)) == -1) {
			emu_gerror(resp, HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
			    "invalid", NULL, err, NULL);
			break;
		}
		fault_set_free(&e->faults);
		e->faults = fs;
		j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "rules", (double)fs.n);
		emu_resp_json(resp, HTTP_OK, j);
		break;
	case EP_CTL_BUSY:
		emu_ctl_busy(e, req, resp);
		break;
	default:
		fatalx("emu_control: endpoint %d", r->ep);
	}
}

static void emu_handle_api(struct emu *, struct emu_req *, struct emu_route *,
    struct emu_resp *, int);

static int
ep_is_sql(enum emu_ep ep)
{
	return (ep >= EP_SQL_INSTANCES_LIST && ep <= EP_SQL_OPERATIONS_CANCEL);
}

static int
ep_is_gcs(enum emu_ep ep)
{
	return (ep >= EP_STORAGE_BUCKETS_GET && ep <= EP_STORAGE_OBJECTS_INSERT);
}

/*
 * Answer one routed request into resp.  *faultp gets the fault rule that
 * fired, if any; for latency/hang/oversized the caller acts on it, the
 * others are already in resp.
 */
void
emu_handle(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp, struct emu_fault **faultp)
{
	struct emu_fault	*f = NULL;
	char			*msg;
	int			 op_error = 0;

	*faultp = NULL;
	e->stats.total++;
	e->stats.by_ep[r->ep]++;
	sql_tick(e);

	if (r->ep == EP_NONE) {
		xasprintf(&msg, "The requested URL was not found on this "
		    "server.");
		emu_gerror(resp, HTTP_NOT_FOUND, "NOT_FOUND", "notFound", NULL,
		    msg, NULL);
		free(msg);
		return;
	}
	if (r->bad_method) {
		emu_gerror(resp, HTTP_BAD_METHOD, "INVALID_ARGUMENT",
		    "httpMethodNotAllowed", NULL, "Method Not Allowed", NULL);
		return;
	}
	if (r->ep >= EP_CTL_STATS) {
		emu_control(e, req, r, resp);
		return;
	}

	f = fault_pick(e, r->ep, r->project, r->instance);
	if (f != NULL) {
		e->stats.faults[f->kind]++;
		if (f->kind == F_OP_ERROR)
			op_error = 1;
		else {
			*faultp = f;
			switch (f->kind) {
			case F_STATUS:
			case F_RATELIMIT:
			case F_MALFORMED:
				fault_body(f, resp);
				return;
			case F_HANG:
			case F_OVERSIZED:
				return;
			default:
				break;	/* latency, truncated: answer first */
			}
		}
	}
	emu_handle_api(e, req, r, resp, op_error);
	/* Truncated: the honest Content-Length of half the body. */
	if (f != NULL && f->kind == F_TRUNCATED)
		resp->len /= 2;
}

static void
emu_handle_api(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp, int op_error)
{

	switch (r->ep) {
	case EP_METADATA_TOKEN:
	case EP_METADATA_PROJECT_ID:
	case EP_METADATA_NUMERIC_ID:
	case EP_METADATA_EMAIL:
	case EP_METADATA_OTHER:
		auth_handle_metadata(e, req, r, resp);
		return;
	case EP_OAUTH_TOKEN:
		auth_handle_token(e, req, resp);
		return;
	default:
		break;
	}
	if (auth_check(e, req) == -1) {
		e->stats.auth_failures++;
		emu_unauthorized(resp, ep_is_gcs(r->ep));
		return;
	}
	if (ep_is_sql(r->ep)) {
		if (emu_quota(e, resp) == -1)
			return;
		sql_handle(e, req, r, resp, op_error);
	} else if (ep_is_gcs(r->ep))
		gcs_handle(e, req, r, resp);
	else if (r->ep == EP_MONITORING_TS_LIST)
		mon_handle(e, req, r, resp);	/* not in the SQL quota */
	else
		crm_handle(e, req, r, resp);
}

static cJSON *
stats_op(struct emu *e, struct emu_op *op)
{
	cJSON	*o, *er;
	char	*t;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", op->name);
	cJSON_AddStringToObject(o, "type", op->type);
	cJSON_AddStringToObject(o, "project", op->project->id);
	cJSON_AddStringToObject(o, "instance", op->instance->name);
	if (op->database != NULL)
		cJSON_AddStringToObject(o, "database", op->database);
	if (op->uri != NULL)
		cJSON_AddStringToObject(o, "uri", op->uri);
	cJSON_AddStringToObject(o, "status",
	    sql_op_status_name(sql_op_status(e, op)));
	t = emu_rfc3339(op->insert);
	cJSON_AddStringToObject(o, "insert_time", t);
	free(t);
	t = emu_rfc3339(op->start);
	cJSON_AddStringToObject(o, "start_time", t);
	free(t);
	t = emu_rfc3339(op->end);
	cJSON_AddStringToObject(o, "end_time", t);
	free(t);
	cJSON_AddNumberToObject(o, "insert_ms", op->insert * 1000);
	cJSON_AddNumberToObject(o, "start_ms", op->start * 1000);
	cJSON_AddNumberToObject(o, "end_ms", op->end * 1000);
	cJSON_AddNumberToObject(o, "insert_real_ms",
	    emu_real_of(e, op->insert) * 1000);
	cJSON_AddNumberToObject(o, "start_real_ms",
	    emu_real_of(e, op->start) * 1000);
	cJSON_AddNumberToObject(o, "end_real_ms",
	    emu_real_of(e, op->end) * 1000);
	cJSON_AddNumberToObject(o, "conflicts", op->conflicts);
	if (op->err_code != NULL) {
		er = cJSON_AddObjectToObject(o, "error");
		cJSON_AddStringToObject(er, "code", op->err_code);
		cJSON_AddStringToObject(er, "message", op->err_msg);
	}
	return (o);
}

/* The /_emulator/stats document; new tree, caller frees. */
cJSON *
emu_stats_json(struct emu *e)
{
	struct emu_op	*op;
	cJSON		*root, *o, *a;
	char		 buf[16];
	size_t		 i;
	int		 k;

	sql_tick(e);
	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "requests_total", e->stats.total);
	o = cJSON_AddObjectToObject(root, "requests_by_endpoint");
	for (k = 0; k < EP_COUNT; k++)
		if (e->stats.by_ep[k] > 0)
			cJSON_AddNumberToObject(o, emu_ep_name(k),
			    e->stats.by_ep[k]);
	o = cJSON_AddObjectToObject(root, "requests_by_status");
	for (k = 0; k < 600; k++)
		if (e->stats.by_status[k] > 0) {
			snprintf(buf, sizeof(buf), "%d", k);
			cJSON_AddNumberToObject(o, buf, e->stats.by_status[k]);
		}
	cJSON_AddNumberToObject(root, "auth_failures", e->stats.auth_failures);
	o = cJSON_AddObjectToObject(root, "exports_started");
	for (i = 0; i < e->stats.exports.n; i++)
		cJSON_AddNumberToObject(o, e->stats.exports.c[i].key,
		    e->stats.exports.c[i].n);
	o = cJSON_AddObjectToObject(root, "imports_started");
	for (i = 0; i < e->stats.imports.n; i++)
		cJSON_AddNumberToObject(o, e->stats.imports.c[i].key,
		    e->stats.imports.c[i].n);
	cJSON_AddNumberToObject(root, "conflicts_client",
	    e->stats.conflicts_client);
	cJSON_AddNumberToObject(root, "conflicts_busy", e->stats.conflicts_busy);
	cJSON_AddNumberToObject(root, "quota_limit", e->quota);
	cJSON_AddNumberToObject(root, "quota_max_in_window", e->stats.quota_max);
	cJSON_AddNumberToObject(root, "quota_rejected", e->stats.quota_rejected);
	o = cJSON_AddObjectToObject(root, "faults_injected");
	for (k = 0; k < F_KIND_COUNT; k++)
		cJSON_AddNumberToObject(o, fault_kind_name(k),
		    e->stats.faults[k]);
	cJSON_AddNumberToObject(root, "time_scale", e->scale);
	cJSON_AddNumberToObject(root, "emulated_now_ms", emu_now(e) * 1000);
	a = cJSON_AddArrayToObject(root, "operations");
	TAILQ_FOREACH(op, &e->ops, entry)
		if (op->insert <= emu_now(e))
			cJSON_AddItemToArray(a, stats_op(e, op));
	return (root);
}
