/*
 * emu_monitoring.c: Cloud Monitoring v3 projects.timeSeries.list, for the
 * one metric a backup planner asks for: cloudsql.googleapis.com/database/
 * disk/bytes_used, one GAUGE series per running instance, a point a
 * minute.  Filters are a conjunction of equalities; no aggregation, no
 * other metric (asked for, they answer an empty list).  Auth, faults and
 * counters are emu_route.c's; the Cloud SQL Admin quota does not apply.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define MON_METRIC	"cloudsql.googleapis.com/database/disk/bytes_used"
#define MON_RESOURCE	"cloudsql_database"
#define MON_PERIOD	60		/* Cloud SQL: a disk sample a minute */
#define MON_OVERHEAD_MB	40		/* engine files beside the databases */
#define MON_PAGE_MAX	100000		/* Monitoring: pageSize cap */
#define MON_POINTS_MAX	1440		/* emulator: a day of points a series */
#define MON_BYTES_PER_MB 1048576.0

/* What a filter asks for; NULL members were not constrained. */
struct mon_filter {
	char	*metric;
	char	*resource;
	char	*project_id;
	char	*database_id;
	char	*region;
};

static void
mon_filter_free(struct mon_filter *f)
{
	free(f->metric);
	free(f->resource);
	free(f->project_id);
	free(f->database_id);
	free(f->region);
	memset(f, 0, sizeof(*f));
}

static void
mon_invalid(struct emu_resp *resp, const char *msg)
{
	emu_gerror(resp, HTTP_BAD_REQUEST, "INVALID_ARGUMENT", "badRequest",
	    NULL, msg, NULL);
}

/* The slot of key in f, NULL if the key is not one we know. */
static char **
mon_filter_slot(struct mon_filter *f, const char *key)
{
	const char	*l;

	if (strcmp(key, "metric.type") == 0)
		return (&f->metric);
	if (strcmp(key, "resource.type") == 0)
		return (&f->resource);
	if (strncmp(key, "resource.labels.", 16) == 0)
		l = key + 16;
	else if (strncmp(key, "resource.label.", 15) == 0)
		l = key + 15;
	else
		return (NULL);
	if (strcmp(l, "project_id") == 0)
		return (&f->project_id);
	if (strcmp(l, "database_id") == 0)
		return (&f->database_id);
	if (strcmp(l, "region") == 0)
		return (&f->region);
	return (NULL);
}

/*
 * Parse `key = "value" AND key = "value" ...` into f.  0, or -1 with a
 * message in err.  Each key at most once.
 */
static int
mon_filter_parse(const char *s, struct mon_filter *f, char *err,
    size_t errlen)
{
	const char	*k, *v;
	char		*key, **slot;
	size_t		 klen, vlen;
	int		 quoted;

	memset(f, 0, sizeof(*f));
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		k = s;
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '.')
			s++;
		if ((klen = (size_t)(s - k)) == 0)
			goto bad;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s++ != '=')
			goto bad;
		while (*s == ' ' || *s == '\t')
			s++;
		if ((quoted = (*s == '"')))
			s++;
		v = s;
		while (*s != '\0' && (quoted ? *s != '"' : *s != ' '))
			s++;
		vlen = (size_t)(s - v);
		if (quoted && *s++ != '"')
			goto bad;
		if (vlen == 0)
			goto bad;
		key = xstrndup(k, klen);
		slot = mon_filter_slot(f, key);
		if (slot == NULL) {
			snprintf(err, errlen, "Field filter had an invalid "
			    "value: unknown key \"%s\".", key);
			free(key);
			mon_filter_free(f);
			return (-1);
		}
		free(key);
		if (*slot != NULL)
			goto bad;
		*slot = xstrndup(v, vlen);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (strncmp(s, "AND", 3) != 0 || (s[3] != ' ' && s[3] != '\t'))
			goto bad;
		s += 3;
	}
	if (f->metric == NULL) {
		snprintf(err, errlen, "Field filter had an invalid value: a "
		    "filter must specify a metric type.");
		mon_filter_free(f);
		return (-1);
	}
	return (0);
bad:
	snprintf(err, errlen, "Field filter had an invalid value: could not "
	    "parse the filter.");
	mon_filter_free(f);
	return (-1);
}

static int
mon_match(const struct mon_filter *f, const struct emu_project *p,
    const struct emu_instance *in)
{
	char	*id;
	int	 ok;

	if (f->project_id != NULL && strcmp(f->project_id, p->id) != 0)
		return (0);
	if (f->region != NULL && strcmp(f->region, in->region) != 0)
		return (0);
	if (f->database_id == NULL)
		return (1);
	xasprintf(&id, "%s:%s", p->id, in->name);
	ok = strcmp(f->database_id, id) == 0;
	free(id);
	return (ok);
}

/* Bytes the instance's disk holds: its databases plus the engine's. */
static long long
mon_bytes_used(const struct emu_instance *in)
{
	double	 mb = MON_OVERHEAD_MB;
	size_t	 i;

	for (i = 0; i < in->ndbs; i++)
		mb += in->dbs[i].size_mb;
	return (llround(mb * MON_BYTES_PER_MB));
}

/*
 * A page token names its offset and the query it belongs to: another
 * project, filter or interval with it is a 400, as Google answers.
 */
static uint32_t
mon_query_hash(const char *project, const char *filter, const char *start,
    const char *end)
{
	char		*s;
	uint32_t	 h;

	xasprintf(&s, "%s\n%s\n%s\n%s", project, filter, start, end);
	h = emu_crc32c(0, s, strlen(s));
	free(s);
	return (h);
}

static char *
mon_page_token(uint32_t h, long off)
{
	char	*t;

	xasprintf(&t, "emu-%08x-%ld", h, off * 7 + 3);
	return (t);
}

/* Offset of tok for query hash h; 0 for none, -1 if not ours or not h's. */
static int
mon_page_offset(const char *tok, uint32_t h, long *off)
{
	char	 want[16];
	long	 v;

	*off = 0;
	if (tok == NULL || *tok == '\0')
		return (0);
	snprintf(want, sizeof(want), "emu-%08x-", h);
	if (strncmp(tok, want, strlen(want)) != 0 ||
	    emu_parse_int(tok + strlen(want), 3, LONG_MAX, &v) == -1 ||
	    (v - 3) % 7 != 0)
		return (-1);
	*off = (v - 3) / 7;
	return (0);
}

/* One series, or NULL when no sample falls in [start, end]. */
static cJSON *
mon_series(struct emu_project *p, struct emu_instance *in, double start,
    double end, int headers)
{
	cJSON		*s, *o, *l, *pts, *pt, *iv, *v;
	char		 buf[32], *t;
	double		 at;
	long		 n;

	/* Samples on the minute, none after now. */
	at = floor(end / MON_PERIOD) * MON_PERIOD;
	if (at < start)
		return (NULL);
	s = cJSON_CreateObject();
	o = cJSON_AddObjectToObject(s, "metric");
	cJSON_AddStringToObject(o, "type", MON_METRIC);
	o = cJSON_AddObjectToObject(s, "resource");
	cJSON_AddStringToObject(o, "type", MON_RESOURCE);
	l = cJSON_AddObjectToObject(o, "labels");
	cJSON_AddStringToObject(l, "project_id", p->id);
	xasprintf(&t, "%s:%s", p->id, in->name);
	cJSON_AddStringToObject(l, "database_id", t);
	free(t);
	cJSON_AddStringToObject(l, "region", in->region);
	cJSON_AddStringToObject(s, "metricKind", "GAUGE");
	cJSON_AddStringToObject(s, "valueType", "INT64");
	if (headers)
		return (s);
	snprintf(buf, sizeof(buf), "%lld", mon_bytes_used(in));
	pts = cJSON_AddArrayToObject(s, "points");
	for (n = 0; at >= start && n < MON_POINTS_MAX; at -= MON_PERIOD, n++) {
		pt = cJSON_CreateObject();
		iv = cJSON_AddObjectToObject(pt, "interval");
		t = emu_rfc3339(at);
		cJSON_AddStringToObject(iv, "startTime", t);
		cJSON_AddStringToObject(iv, "endTime", t);
		free(t);
		v = cJSON_AddObjectToObject(pt, "value");
		cJSON_AddStringToObject(v, "int64Value", buf);
		cJSON_AddItemToArray(pts, pt);
	}
	return (s);
}

static void
mon_denied(struct emu_resp *resp)
{
	emu_gerror(resp, HTTP_FORBIDDEN, "PERMISSION_DENIED", "forbidden",
	    NULL, "Permission monitoring.timeSeries.list denied (or the "
	    "resource may not exist).", NULL);
}

/* Check and read the query; -1 after answering 400. */
static int
mon_query(struct emu_req *req, struct emu_resp *resp, struct mon_filter *f,
    double *start, double *end, long *size, int *headers)
{
	const char	*filter, *st, *et, *ps, *view;
	char		 err[EMU_ERR_MAX];

	filter = emu_query_get(&req->q, "filter");
	st = emu_query_get(&req->q, "interval.startTime");
	et = emu_query_get(&req->q, "interval.endTime");
	ps = emu_query_get(&req->q, "pageSize");
	view = emu_query_get(&req->q, "view");
	if (et == NULL || *et == '\0') {
		mon_invalid(resp, "Field interval.endTime had an invalid "
		    "value: an end time is required.");
		return (-1);
	}
	if (emu_parse_rfc3339(et, end) == -1) {
		mon_invalid(resp, "Field interval.endTime had an invalid "
		    "value: not an RFC 3339 time.");
		return (-1);
	}
	/* A GAUGE interval may be a single instant. */
	*start = *end;
	if (st != NULL && *st != '\0' && emu_parse_rfc3339(st, start) == -1) {
		mon_invalid(resp, "Field interval.startTime had an invalid "
		    "value: not an RFC 3339 time.");
		return (-1);
	}
	if (*start > *end) {
		mon_invalid(resp, "Field interval.startTime had an invalid "
		    "value: the start time must not be later than the end "
		    "time.");
		return (-1);
	}
	*size = MON_PAGE_MAX;
	if (ps != NULL && *ps != '\0') {
		if (emu_parse_int(ps, 0, INT_MAX, size) == -1) {
			mon_invalid(resp, "Field pageSize had an invalid "
			    "value.");
			return (-1);
		}
		if (*size == 0 || *size > MON_PAGE_MAX)
			*size = MON_PAGE_MAX;
	}
	*headers = 0;
	if (view != NULL && strcmp(view, "HEADERS") == 0)
		*headers = 1;
	else if (view != NULL && strcmp(view, "FULL") != 0) {
		mon_invalid(resp, "Field view had an invalid value.");
		return (-1);
	}
	if (filter == NULL || *filter == '\0') {
		mon_invalid(resp, "Field filter had an invalid value: a filter "
		    "is required.");
		return (-1);
	}
	if (mon_filter_parse(filter, f, err, sizeof(err)) == -1) {
		mon_invalid(resp, err);
		return (-1);
	}
	return (0);
}

/* GET /v3/projects/P/timeSeries. */
void
mon_handle(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	struct emu_project	*p;
	struct emu_instance	*in;
	struct mon_filter	 f;
	cJSON			*root, *list, *s;
	const char		*st;
	char			*tok;
	double			 start, end, now = emu_now(e);
	long			 size, off, k = 0, total = 0;
	uint32_t		 h;
	int			 headers;
	size_t			 i;

	/* Unknown and forbidden look alike, as Google makes them. */
	if ((p = fleet_project(e->fleet, r->project)) == NULL ||
	    strcmp(p->state, "ACTIVE") != 0 || !p->monitoring) {
		mon_denied(resp);
		return;
	}
	if (mon_query(req, resp, &f, &start, &end, &size, &headers) == -1)
		return;
	st = emu_query_get(&req->q, "interval.startTime");
	h = mon_query_hash(p->id, emu_query_get(&req->q, "filter"),
	    st != NULL ? st : "", emu_query_get(&req->q, "interval.endTime"));
	if (mon_page_offset(emu_query_get(&req->q, "pageToken"), h,
	    &off) == -1) {
		mon_invalid(resp, "Field pageToken had an invalid value: the "
		    "token does not belong to this query.");
		mon_filter_free(&f);
		return;
	}
	root = cJSON_CreateObject();
	if (strcmp(f.metric, MON_METRIC) != 0 || (f.resource != NULL &&
	    strcmp(f.resource, MON_RESOURCE) != 0)) {
		/* Another metric: nothing emulated, nothing answered. */
		mon_filter_free(&f);
		emu_resp_json(resp, HTTP_OK, root);
		return;
	}
	if (end > now)
		end = now;
	list = cJSON_CreateArray();
	for (i = 0; i < p->ninstances; i++) {
		in = &p->instances[i];
		if (!fleet_running(in) || !mon_match(&f, p, in))
			continue;
		if ((s = mon_series(p, in, start, end, headers)) == NULL)
			continue;
		if (total++ < off || k >= size) {
			cJSON_Delete(s);
			continue;
		}
		cJSON_AddItemToArray(list, s);
		k++;
	}
	mon_filter_free(&f);
	if (k > 0)
		cJSON_AddItemToObject(root, "timeSeries", list);
	else
		cJSON_Delete(list);
	cJSON_AddStringToObject(root, "unit", "By");
	if (off + k < total) {
		tok = mon_page_token(h, off + k);
		cJSON_AddStringToObject(root, "nextPageToken", tok);
		free(tok);
	}
	emu_resp_json(resp, HTTP_OK, root);
}
