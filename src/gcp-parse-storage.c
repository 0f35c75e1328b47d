/*
 * gcp-parse-storage.c: the answers about where exports land and how
 * big their sources are: Cloud Storage object metadata and object list
 * pages, a bucket and what the daemon may do in it, and Cloud
 * Monitoring's disk bytes used per instance.  Pure like gcp-parse.c,
 * with its helpers (gcp-parse-int.h): a body that is not what Google
 * sends is GCP_RETRY, never a partial truth.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gcp.h"
#include "gcp-parse-int.h"
#include "jsonutil.h"
#include "xmalloc.h"

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
