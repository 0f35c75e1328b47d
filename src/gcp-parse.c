/*
 * gcp-parse.c: Google's successful answers read into fixed structs: the
 * folder, project, instance, database and operation resources and their
 * list pages (with the warnings a page may carry), and Cloud Storage
 * object metadata, and Cloud Monitoring's disk bytes used per instance.
 * Parsers are pure (body
 * in, structs or callbacks out), so the master uses them around
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
#include "jsonutil.h"
#include "xmalloc.h"

#define API_SQLADMIN	"sqladmin"
#define API_CRM		"cloudresourcemanager"
#define API_STORAGE	"storage"
#define API_MONITORING	"monitoring"

/*
 * Warnings kept from one page: Cloud SQL has a few dozen regions, so more
 * than this is not an answer Google gives, and the body's bound does not
 * bound what the copies would take.
 */
#define GCP_WARNINGS_MAX	64
/* ApiWarning's code when an entry names none. */
#define GCP_WARNING_UNSPECIFIED	"SQL_API_WARNING_CODE_UNSPECIFIED"

/* The warnings of one list page. */
struct gcp_warnings {
	struct gcp_warning	*v;
	size_t			 n;
};

static int	 gcp_copy(char *, size_t, const char *);
static cJSON	*gcp_json_parse(const char *, size_t, const char *,
		    struct gcp_error *);
static int	 gcp_take(char *, size_t, const cJSON *, const char *,
		    int, const char *, struct gcp_error *);
static int	 gcp_next_token(const cJSON *, char **, const char *,
		    struct gcp_error *);
static int	 gcp_array(const cJSON *, const char *, const char *,
		    const cJSON **, struct gcp_error *);
/* Reads one JSON object into out, or checks it for arg (types by name). */
typedef int	(*gcp_from_json_fn)(const cJSON *, void *, struct gcp_error *);

static int	 gcp_instance_from_json(const cJSON *, void *,
		    struct gcp_error *);
static int	 gcp_op_from_json(const cJSON *, void *, struct gcp_error *);
static int	 gcp_object_from_json(const cJSON *, void *,
		    struct gcp_error *);
static int	 gcp_bucket_from_json(const cJSON *, void *,
		    struct gcp_error *);
static int	 gcp_perms_from_json(const cJSON *, void *,
		    struct gcp_error *);
static int	 gcp_parse_one(const char *, size_t, const char *,
		    gcp_from_json_fn, void *, struct gcp_error *);
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
static int
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

/* A whole answer that is one resource, read by fn into out. */
static int
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

/*
 * Member name of root, an array or absent (*arr NULL: no items); anything
 * else is malformed.
 */
static int
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
static cJSON *
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
 * instance (not DONE; a RUNNING one before a PENDING one), and search->next is the next page's token (a new string,
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

/* Object metadata into out, a struct gcp_object; size is required. */
static int
gcp_object_from_json(const cJSON *root, void *out, struct gcp_error *err)
{
	struct gcp_object	*obj = out;
	int64_t			 size;

	if (cJSON_GetObjectItemCaseSensitive(root, "size") == NULL ||
	    gcp_int64(root, "size", &size) == -1) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "bad size", API_STORAGE);
		return (-1);
	}
	obj->size = (uint64_t)size;
	if (gcp_take(obj->crc32c, sizeof(obj->crc32c), root, "crc32c", 0,
	    API_STORAGE, err) == -1 ||
	    gcp_take(obj->md5, sizeof(obj->md5), root, "md5Hash", 0,
	    API_STORAGE, err) == -1 ||
	    gcp_take(obj->generation, sizeof(obj->generation), root,
	    "generation", 0, API_STORAGE, err) == -1)
		return (-1);
	return (0);
}

/* One item of objects.list: a name and a size, at least. */
static int
gcp_list_object_check(const cJSON *it, void *arg, struct gcp_error *err)
{
	const char	*name;
	int64_t		 size;

	if (!cJSON_IsObject(it) || (name = gcp_json_str(it, "name")) ==
	    NULL || *name == '\0' || strlen(name) > GCP_OBJECT_MAX ||
	    cJSON_GetObjectItemCaseSensitive(it, "size") == NULL ||
	    gcp_int64(it, "size", &size) == -1 || size < 0) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "an object without a name or size", API_STORAGE);
		return (-1);
	}
	return (0);
}

/*
 * A page of objects.list: each item to page->cb, the next page's token
 * (a new string) into page->next.  0, or -1 with err set.
 */
int
gcp_parse_objects(const char *body, size_t len, struct gcp_object_page *page,
    struct gcp_error *err)
{
	cJSON		*root;
	const cJSON	*arr, *it;
	const char	*gen;
	int64_t		 size;

	if ((root = gcp_parse_page(body, len, API_STORAGE, "items",
	    gcp_list_object_check, page, &arr, &page->next, NULL, err)) ==
	    NULL)
		return (-1);
	cJSON_ArrayForEach(it, arr) {
		gcp_int64(it, "size", &size);
		gen = gcp_json_str(it, "generation");
		page->cb(gcp_json_str(it, "name"), (uint64_t)size,
		    gen != NULL ? gen : "", page->arg);
	}
	cJSON_Delete(root);
	return (0);
}

/* A bucket's resource into out, a struct gcp_bucket. */
static int
gcp_bucket_from_json(const cJSON *root, void *out, struct gcp_error *err)
{
	struct gcp_bucket	*b = out;
	const cJSON		*lc, *rule, *rp, *act;
	const char		*type;

	if (gcp_take(b->location, sizeof(b->location), root, "location", 0,
	    API_STORAGE, err) == -1 ||
	    gcp_take(b->storage_class, sizeof(b->storage_class), root,
	    "storageClass", 0, API_STORAGE, err) == -1)
		return (-1);
	lc = cJSON_GetObjectItemCaseSensitive(root, "lifecycle");
	rule = cJSON_GetObjectItemCaseSensitive(lc, "rule");
	if (rule != NULL && !cJSON_IsArray(rule)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "bad lifecycle", API_STORAGE);
		return (-1);
	}
	cJSON_ArrayForEach(act, rule) {
		b->lifecycle_rules++;
		type = gcp_json_str(cJSON_GetObjectItemCaseSensitive(act,
		    "action"), "type");
		if (type != NULL && strcmp(type, "Delete") == 0)
			b->lifecycle_deletes++;
	}
	rp = cJSON_GetObjectItemCaseSensitive(root, "retentionPolicy");
	if (rp != NULL) {
		if (!cJSON_IsObject(rp) ||
		    gcp_int64(rp, "retentionPeriod", &b->retention_sec) == -1) {
			gcp_error_set(err, GCP_RETRY, "malformed answer from "
			    "%s: bad retentionPolicy", API_STORAGE);
			return (-1);
		}
		b->retention_locked = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(rp, "isLocked"));
	}
	return (0);
}

/* buckets.get into b. */
int
gcp_parse_bucket(const char *body, size_t len, struct gcp_bucket *b,
    struct gcp_error *err)
{
	memset(b, 0, sizeof(*b));
	return (gcp_parse_one(body, len, API_STORAGE, gcp_bucket_from_json, b,
	    err));
}

/* testIamPermissions' "permissions" (absent: none) into out's bits. */
static int
gcp_perms_from_json(const cJSON *root, void *out, struct gcp_error *err)
{
	struct gcp_perms	*p = out;
	const cJSON		*a, *it;
	int			 i;

	a = cJSON_GetObjectItemCaseSensitive(root, "permissions");
	if (a != NULL && !cJSON_IsArray(a)) {
		gcp_error_set(err, GCP_RETRY, "malformed answer from %s: "
		    "bad permissions", API_STORAGE);
		return (-1);
	}
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it))
			continue;
		for (i = 0; i < GCP_PERMS_MAX && p->asked[i] != NULL; i++)
			if (strcmp(it->valuestring, p->asked[i]) == 0)
				p->granted |= 1U << i;
	}
	return (0);
}

/* buckets.testIamPermissions into p->granted (p->asked is kept). */
int
gcp_parse_perms(const char *body, size_t len, struct gcp_perms *p,
    struct gcp_error *err)
{
	p->granted = 0;
	return (gcp_parse_one(body, len, API_STORAGE, gcp_perms_from_json, p,
	    err));
}

/* objects.get metadata into obj. */
int
gcp_parse_object(const char *body, size_t len, struct gcp_object *obj,
    struct gcp_error *err)
{
	memset(obj, 0, sizeof(*obj));
	return (gcp_parse_one(body, len, API_STORAGE, gcp_object_from_json,
	    obj, err));
}

/*
 * The newest readable point of a series into *bytes: the one with the
 * latest interval.endTime (Monitoring lists them newest first, so on a
 * tie, or without times, the first wins).  A point whose int64Value is
 * missing or not a count of bytes is passed over.  Returns 0, or -1 if
 * no point could be read.
 */
static int
gcp_series_newest(const cJSON *points, int64_t *bytes)
{
	const cJSON	*pt, *val;
	const char	*t;
	int64_t		 ms, best_ms = -1, v;
	int		 found = 0;

	cJSON_ArrayForEach(pt, points) {
		val = cJSON_GetObjectItemCaseSensitive(pt, "value");
		if (!cJSON_IsObject(val) ||
		    cJSON_GetObjectItemCaseSensitive(val, "int64Value") ==
		    NULL || gcp_int64(val, "int64Value", &v) == -1)
			continue;
		t = gcp_json_str(cJSON_GetObjectItemCaseSensitive(pt,
		    "interval"), "endTime");
		if (t == NULL || json_time_parse(t, &ms) == -1)
			ms = -1;
		if (!found || ms > best_ms) {
			*bytes = v;
			best_ms = ms;
			found = 1;
		}
	}
	return (found ? 0 : -1);
}

/*
 * One TimeSeries: resource.labels.database_id "P:I" split at its last
 * ':' (a domain-scoped project id has one of its own), and the newest
 * point.  Returns 0, or -1 if it is not a series we can read.
 */
static int
gcp_series_read(const cJSON *ts, char *project, size_t plen, char *instance,
    size_t ilen, int64_t *bytes)
{
	const cJSON	*labels, *points;
	const char	*id, *colon;
	size_t		 n;

	if (!cJSON_IsObject(ts))
		return (-1);
	labels = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(ts, "resource"), "labels");
	if ((id = gcp_json_str(labels, "database_id")) == NULL ||
	    (colon = strrchr(id, ':')) == NULL)
		return (-1);
	n = colon - id;
	if (n == 0 || n >= plen || colon[1] == '\0' ||
	    gcp_copy(instance, ilen, colon + 1) == -1)
		return (-1);
	memcpy(project, id, n);
	project[n] = '\0';
	points = cJSON_GetObjectItemCaseSensitive(ts, "points");
	if (!cJSON_IsArray(points))
		return (-1);
	return (gcp_series_newest(points, bytes));
}

/*
 * A page of projects.timeSeries.list for GCP_DISK_USED_METRIC: each
 * readable series to page->cb, the next page's token (a new string) into
 * page->next.  A body that is not a list answer is -1 with err set
 * (GCP_RETRY, like any malformed answer); a malformed series only counts
 * in page->malformed.  No timeSeries at all is an empty page: Monitoring
 * leaves the field out when nothing matched.
 */
int
gcp_parse_disk_used(const char *body, size_t len,
    struct gcp_series_page *page, struct gcp_error *err)
{
	cJSON		*root;
	const cJSON	*arr, *errs, *e, *ts;
	const char	*msg;
	char		 project[GCP_PROJECT_ID_MAX + 1];
	char		 instance[GCP_INSTANCE_MAX + 1];
	int64_t		 bytes = 0;

	page->next = NULL;
	page->malformed = page->exec_errors = 0;
	page->exec_error[0] = '\0';
	if ((root = gcp_json_parse(body, len, API_MONITORING, err)) == NULL)
		return (-1);
	if (gcp_array(root, "timeSeries", API_MONITORING, &arr, err) == -1 ||
	    gcp_array(root, "executionErrors", API_MONITORING, &errs,
	    err) == -1 ||
	    gcp_next_token(root, &page->next, API_MONITORING, err) == -1) {
		cJSON_Delete(root);
		return (-1);
	}
	cJSON_ArrayForEach(e, errs) {
		if (page->exec_errors++ > 0)
			continue;
		msg = gcp_json_str(e, "message");
		strlcpy(page->exec_error, msg != NULL ? msg :
		    "executionErrors", sizeof(page->exec_error));
		gcp_clean_message(page->exec_error);
	}
	cJSON_ArrayForEach(ts, arr) {
		if (gcp_series_read(ts, project, sizeof(project), instance,
		    sizeof(instance), &bytes) == -1) {
			page->malformed++;
			continue;
		}
		page->cb(project, instance, bytes, page->arg);
	}
	cJSON_Delete(root);
	return (0);
}
