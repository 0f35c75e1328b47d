/*
 * gcp-parse.c: Google's successful answers read into fixed structs: the
 * folder, project, instance, database and operation resources and their
 * list pages (with the warnings a page may carry), and the JSON helpers
 * every reader shares (gcp-parse-int.h); Cloud Storage's and Cloud
 * Monitoring's answers are gcp-parse-storage.c's.  Parsers are pure
 * (body in, structs or callbacks out), so the master uses them around
 * http_multi and the worker's blocking calls in gcp.c use them too.
 *
 * Every answer is distrusted: a 2xx body that is not JSON, is truncated,
 * nests deeper than GCP_JSON_DEPTH_MAX or lacks a required field is
 * GCP_RETRY ("malformed answer"), never a partial truth.  A page that
 * says it is partial (warnings[]) is delivered with its warnings, so the
 * caller can say what it could not see.  Error answers are gcp-error.c's.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gcp.h"
#include "gcp-parse-int.h"
#include "jsonutil.h"
#include "xmalloc.h"


/*
 * Warnings kept from one page: Cloud SQL has a few dozen regions, so more
 * than this is not an answer Google gives, and the body's bound does not
 * bound what the copies would take.
 */
#define GCP_WARNINGS_MAX	64
/* ApiWarning's code when an entry names none. */
#define GCP_WARNING_UNSPECIFIED	"SQL_API_WARNING_CODE_UNSPECIFIED"

static int	 gcp_instance_from_json(const cJSON *, void *,
		    struct gcp_error *);
static int	 gcp_op_from_json(const cJSON *, void *, struct gcp_error *);
static void	 gcp_warning_from_json(const cJSON *, struct gcp_warning *);
static int	 gcp_warnings_read(const cJSON *, const char *,
		    struct gcp_warnings *, struct gcp_error *);
static int	 gcp_parse_names(const char *, size_t, const char *,
		    const char *, const char *, size_t,
		    void (*)(const char *, const char *, void *), void *,
		    char **, struct gcp_error *);

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
int
gcp_copy(char *dst, size_t len, const char *src)
{
	if (strlcpy(dst, src, len) >= len) {
		dst[0] = '\0';
		return (-1);
	}
	return (0);
}

/*
 * cJSON recurses once per level (up to its own 1000); refuse anything
 * deeper than Google ever sends before it gets there.  Brackets inside
 * strings do not count.
 */
int
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
cJSON *
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

/* A whole answer that is one resource, read by fn into out. */
int
gcp_parse_one(const char *body, size_t len, const char *api,
    gcp_from_json_fn fn, void *out, struct gcp_error *err)
{
	cJSON	*root;
	int	 rc;

	if ((root = gcp_json_parse(body, len, api, err)) == NULL)
		return (-1);
	rc = fn(root, out, err);
	cJSON_Delete(root);
	return (rc);
}

/* The string member name of o, or NULL if absent or not a string. */
const char *
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
int
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
int
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

/*
 * Member name of root, an array or absent (*arr NULL: no items); anything
 * else is malformed.
 */
int
gcp_array(const cJSON *root, const char *name, const char *api,
    const cJSON **arr, struct gcp_error *err)
{
	*arr = cJSON_GetObjectItemCaseSensitive(root, name);
	if (*arr != NULL && !cJSON_IsArray(*arr)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "%s is not an array", api, name);
		return (-1);
	}
	return (0);
}

/* Google's text (a string member of o, or "") into dst, cut to fit. */
static void
gcp_warning_str(char *dst, size_t len, const cJSON *o, const char *name)
{
	const char	*s;

	dst[0] = '\0';
	if ((s = gcp_json_str(o, name)) == NULL)
		return;
	strlcpy(dst, s, len);
	gcp_clean_message(dst);
}

/* One ApiWarning; a member that is missing or not a string reads as "". */
static void
gcp_warning_from_json(const cJSON *it, struct gcp_warning *w)
{
	memset(w, 0, sizeof(*w));
	gcp_warning_str(w->code, sizeof(w->code), it, "code");
	gcp_warning_str(w->region, sizeof(w->region), it, "region");
	gcp_warning_str(w->message, sizeof(w->message), it, "message");
	if (w->code[0] == '\0')
		strlcpy(w->code, GCP_WARNING_UNSPECIFIED, sizeof(w->code));
}

/*
 * A page's warnings[] into w (w NULL: the list has none to read).  The
 * member must be an array (or null), like items; an entry that is not an object
 * says nothing and is passed over, and at most GCP_WARNINGS_MAX are kept.
 */
static int
gcp_warnings_read(const cJSON *root, const char *api,
    struct gcp_warnings *w, struct gcp_error *err)
{
	const cJSON	*arr, *it;

	if (w == NULL || cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root,
	    "warnings")))
		return (0);
	if (gcp_array(root, "warnings", api, &arr, err) == -1)
		return (-1);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsObject(it))
			continue;
		if (w->n == GCP_WARNINGS_MAX)
			break;
		w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
		gcp_warning_from_json(it, &w->v[w->n++]);
	}
	return (0);
}

/* What an item of a folders.list or projects.list page must have. */
struct gcp_names {
	const char	*list;		/* "folders" */
	const char	*key;		/* "name" */
	const char	*api;
	size_t		 max;		/* longest key value */
};

/*
 * One list page: root's member list must be an array (or absent: no
 * items), check(it, arg, err) must accept every item, and the next page's
 * token goes to *next (a new string or NULL; next NULL: the list has no
 * pages), its warnings to warn (NULL: the list has none; the caller frees
 * warn->v whatever the outcome).  Returns the parsed answer, from which
 * the caller delivers items (*arr) and which it deletes, or NULL with err
 * set: a bad page delivers nothing.
 */
cJSON *
gcp_parse_page(const char *body, size_t len, const char *api,
    const char *list, gcp_from_json_fn check, void *arg, const cJSON **arr,
    char **next, struct gcp_warnings *warn, struct gcp_error *err)
{
	cJSON	*root, *it;

	if (next != NULL)
		*next = NULL;
	if ((root = gcp_json_parse(body, len, api, err)) == NULL)
		return (NULL);
	if (gcp_array(root, list, api, arr, err) == -1)
		goto fail;
	cJSON_ArrayForEach(it, *arr) {
		if (check(it, arg, err) == -1)
			goto fail;
	}
	if (gcp_warnings_read(root, api, warn, err) == -1)
		goto fail;
	if (gcp_next_token(root, next, api, err) == -1)
		goto fail;
	return (root);
fail:
	cJSON_Delete(root);
	return (NULL);
}

/* An item of a names page (arg: struct gcp_names): key, bounded; state. */
static int
gcp_names_check(const cJSON *it, void *arg, struct gcp_error *err)
{
	const struct gcp_names	*nm = arg;
	const char		*name;

	name = gcp_json_str(it, nm->key);
	if (!cJSON_IsObject(it) || name == NULL || name[0] == '\0') {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: %s "
		    "item without %s", nm->api, nm->list, nm->key);
		return (-1);
	}
	if (strlen(name) > nm->max) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: %s "
		    "longer than %zu bytes", nm->api, nm->key, nm->max);
		return (-1);
	}
	if (cJSON_GetObjectItemCaseSensitive(it, "state") != NULL &&
	    gcp_json_str(it, "state") == NULL) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "state is not a string", nm->api);
		return (-1);
	}
	return (0);
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
	struct gcp_names	 nm = { list, key, api, max };
	cJSON			*root, *it;
	const cJSON		*arr;
	const char		*state;

	if ((root = gcp_parse_page(body, len, api, list, gcp_names_check, &nm,
	    &arr, next, NULL, err)) == NULL)
		return (-1);
	cJSON_ArrayForEach(it, arr) {
		state = gcp_json_str(it, "state");
		cb(gcp_json_str(it, key), state ? state : "", arg);
	}
	cJSON_Delete(root);
	return (0);
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
int
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

/* One DatabaseInstance into out, a struct gcp_instance. */
static int
gcp_instance_from_json(const cJSON *it, void *out, struct gcp_error *err)
{
	struct gcp_instance	*in = out;
	const cJSON	*settings;
	char		 master[GCP_PROJECT_ID_MAX + 1 + GCP_INSTANCE_MAX + 1];
	char		*colon;

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
	if ((colon = strchr(master, ':')) != NULL) {
		*colon++ = '\0';
		strlcpy(in->primary_project, master,
		    sizeof(in->primary_project));
	} else
		colon = master;
	strlcpy(in->primary, colon, sizeof(in->primary));
	in->is_replica = master[0] != '\0' ||
	    strcmp(in->instance_type, "READ_REPLICA_INSTANCE") == 0;
	return (0);
}

/* Instances read so far from one page. */
struct gcp_instances {
	struct gcp_instance	*v;
	size_t			 n;
};

/* An item of an instances page, read into arg's next slot. */
static int
gcp_instances_check(const cJSON *it, void *arg, struct gcp_error *err)
{
	struct gcp_instances	*in = arg;

	in->v = xreallocarray(in->v, in->n + 1, sizeof(*in->v));
	return (gcp_instance_from_json(it, &in->v[in->n++], err));
}

/*
 * instances.list page: cb(instance, arg) per instance, then warn(warning,
 * arg) per warning the page carries (both borrowed for the call; warn may
 * be NULL); *next a new string or NULL.  The whole page is checked first.
 */
int
gcp_parse_instances(const char *body, size_t len,
    void (*cb)(const struct gcp_instance *, void *),
    void (*warn)(const struct gcp_warning *, void *), void *arg, char **next,
    struct gcp_error *err)
{
	struct gcp_instances	 in = { NULL, 0 };
	struct gcp_warnings	 w = { NULL, 0 };
	cJSON			*root;
	const cJSON		*arr;
	size_t			 i;

	root = gcp_parse_page(body, len, API_SQLADMIN, "items",
	    gcp_instances_check, &in, &arr, next, &w, err);
	cJSON_Delete(root);
	if (root != NULL) {
		for (i = 0; i < in.n; i++)
			cb(&in.v[i], arg);
		for (i = 0; i < w.n && warn != NULL; i++)
			warn(&w.v[i], arg);
	}
	free(in.v);
	free(w.v);
	return (root != NULL ? 0 : -1);
}

/* An item of a databases page: a bounded name. */
static int
gcp_database_check(const cJSON *it, void *arg, struct gcp_error *err)
{
	const char	*name;

	name = gcp_json_str(it, "name");
	if (name == NULL || name[0] == '\0') {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "database without name", API_SQLADMIN);
		return (-1);
	}
	if (strlen(name) > GCP_DATABASE_MAX) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "database name longer than %d bytes", API_SQLADMIN,
		    GCP_DATABASE_MAX);
		return (-1);
	}
	return (0);
}

/* databases.list (no paging): cb(name, arg) per database. */
int
gcp_parse_databases(const char *body, size_t len,
    void (*cb)(const char *, void *), void *arg, struct gcp_error *err)
{
	cJSON		*root, *it;
	const cJSON	*arr;

	if ((root = gcp_parse_page(body, len, API_SQLADMIN, "items",
	    gcp_database_check, NULL, &arr, NULL, NULL, err)) == NULL)
		return (-1);
	cJSON_ArrayForEach(it, arr)
		cb(gcp_json_str(it, "name"), arg);
	cJSON_Delete(root);
	return (0);
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

/* One Operation resource into out, a struct gcp_op; the name is required. */
static int
gcp_op_from_json(const cJSON *o, void *out, struct gcp_error *err)
{
	struct gcp_op	*op = out;
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
	memset(op, 0, sizeof(*op));
	return (gcp_parse_one(body, len, API_SQLADMIN, gcp_op_from_json, op,
	    err));
}

/* An item of an operations page: kept in arg if the best match yet. */
static int
gcp_op_search_check(const cJSON *it, void *arg, struct gcp_error *err)
{
	struct gcp_op_search	*search = arg;
	struct gcp_op		 op;

	if (gcp_op_from_json(it, &op, err) == -1)
		return (-1);
	if (search->oldest_ms == 0 || op.insert_ms < search->oldest_ms)
		search->oldest_ms = op.insert_ms;
	if (search->survey) {
		/* What held the instance since: DONE, not ours, longest. */
		if (op.status != GCP_OP_DONE || op.start_ms <= 0 ||
		    op.end_ms <= op.start_ms || op.end_ms < search->since_ms)
			return (0);
		if (strcmp(op.type, "EXPORT") == 0 && search->own != NULL &&
		    strncmp(op.uri, search->own, strlen(search->own)) == 0)
			return (0);
		if (search->best->name[0] == '\0' || op.end_ms - op.start_ms >
		    search->best->end_ms - search->best->start_ms)
			*search->best = op;
		return (0);
	}
	if (search->uri == NULL) {
		/* The blocker: running beats pending, then the newest. */
		if (op.status == GCP_OP_DONE)
			return (0);
		if (search->best->name[0] == '\0' ||
		    (op.status == GCP_OP_RUNNING &&
		    search->best->status != GCP_OP_RUNNING) ||
		    (op.status == search->best->status &&
		    op.insert_ms > search->best->insert_ms))
			*search->best = op;
		return (0);
	}
	if (strcmp(op.type, "EXPORT") == 0 &&
	    strcmp(op.uri, search->uri) == 0 &&
	    (search->best->name[0] == '\0' ||
	    op.insert_ms > search->best->insert_ms))
		*search->best = op;
	return (0);
}

/*
 * One operations.list page of a search: the newest EXPORT operation to
 * search->uri goes into search->best (by insertTime; list order is newest
 * first anyway), or with search->uri NULL the operation holding the
 * instance (not DONE; a RUNNING one before a PENDING one), or with
 * search->survey the longest DONE one since search->since_ms that is not
 * our own export.  search->next is the next page's token (a new string,
 * caller frees) or NULL.
 */
int
gcp_parse_op_search(const char *body, size_t len,
    struct gcp_op_search *search, struct gcp_error *err)
{
	cJSON		*root;
	const cJSON	*arr;

	if ((root = gcp_parse_page(body, len, API_SQLADMIN, "items",
	    gcp_op_search_check, search, &arr, &search->next, NULL, err)) ==
	    NULL)
		return (-1);
	cJSON_Delete(root);
	return (0);
}

/* instances.get into inst. */
int
gcp_parse_instance(const char *body, size_t len, struct gcp_instance *inst,
    struct gcp_error *err)
{
	memset(inst, 0, sizeof(*inst));
	return (gcp_parse_one(body, len, API_SQLADMIN, gcp_instance_from_json,
	    inst, err));
}
