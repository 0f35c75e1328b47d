/*
 * emu_fault.c: seeded, repeatable fault injection.  A rule list (from
 * --faults or POST /_emulator/faults) says which requests misbehave and
 * how; fault_pick() chooses the rule for one request and fault_body()
 * builds the bodies that replace a normal answer.  Delays, hangs and the
 * oversized stream are carried out by emu_server.c.
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

#define FAULT_MAX_RULES	256

static const char *const fault_kinds[F_KIND_COUNT] = {
	[F_LATENCY] = "latency",
	[F_STATUS] = "status",
	[F_RATELIMIT] = "ratelimit",
	[F_MALFORMED] = "malformed",
	[F_TRUNCATED] = "truncated",
	[F_HANG] = "hang",
	[F_OVERSIZED] = "oversized",
	[F_OP_ERROR] = "op_error",
};

const char *
fault_kind_name(enum emu_fault_kind k)
{
	if ((int)k < 0 || k >= F_KIND_COUNT)
		return ("unknown");
	return (fault_kinds[k]);
}

static int
fault_endpoint_ok(const char *s)
{
	int	 k;

	if (strcmp(s, "*") == 0)
		return (1);
	for (k = EP_NONE + 1; k < EP_CTL_STATS; k++)
		if (strcmp(emu_ep_name(k), s) == 0)
			return (1);
	return (0);
}

static int
fault_rule_parse(cJSON *o, size_t idx, struct emu_fault *f, char *err,
    size_t errlen)
{
	cJSON	*v;
	int	 k;

	memset(f, 0, sizeof(*f));
	f->rate = 1;
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "faults[%zu]: must be an object", idx);
		return (-1);
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "endpoint");
	if (!cJSON_IsString(v) || !fault_endpoint_ok(v->valuestring)) {
		snprintf(err, errlen, "faults[%zu]: \"endpoint\" missing or "
		    "unknown", idx);
		return (-1);
	}
	f->endpoint = xstrdup(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "kind");
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "faults[%zu]: \"kind\" missing", idx);
		return (-1);
	}
	for (k = 0; k < F_KIND_COUNT; k++)
		if (strcmp(fault_kinds[k], v->valuestring) == 0)
			break;
	if (k == F_KIND_COUNT) {
		snprintf(err, errlen, "faults[%zu]: unknown kind \"%s\"", idx,
		    v->valuestring);
		return (-1);
	}
	f->kind = k;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "project")) != NULL) {
		if (!cJSON_IsString(v))
			goto bad;
		f->project = xstrdup(v->valuestring);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "instance")) != NULL) {
		if (!cJSON_IsString(v))
			goto bad;
		f->instance = xstrdup(v->valuestring);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "rate")) != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > 1)
			goto bad;
		f->rate = v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "count")) != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0)
			goto bad;
		f->count = (long)v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "after")) != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0)
			goto bad;
		f->after = (long)v->valuedouble;
	}
	f->ms = 1000;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "ms")) != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > 3600000)
			goto bad;
		f->ms = (long)v->valuedouble;
	}
	f->status = HTTP_UNAVAILABLE;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "status")) != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 400 ||
		    v->valuedouble > 599)
			goto bad;
		f->status = (int)v->valuedouble;
	}
	f->retry_after = 1;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "retry_after")) != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > 86400)
			goto bad;
		f->retry_after = (int)v->valuedouble;
	}
	return (0);
 bad:
	snprintf(err, errlen, "faults[%zu]: bad value", idx);
	return (-1);
}

/*
 * Parse a rule list: a JSON array of rules, or {"rules":[...]}.  On success
 * fills fs (free with fault_set_free); -1 with err otherwise.
 */
int
fault_parse(const char *buf, size_t len, struct emu_fault_set *fs, char *err,
    size_t errlen)
{
	cJSON	*root, *a, *it;
	size_t	 i = 0;

	fs->rules = NULL;
	fs->n = 0;
	if ((root = cJSON_ParseWithLength(buf, len)) == NULL) {
		snprintf(err, errlen, "faults: JSON syntax error");
		return (-1);
	}
	a = cJSON_IsArray(root) ? root :
	    cJSON_GetObjectItemCaseSensitive(root, "rules");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > FAULT_MAX_RULES) {
		cJSON_Delete(root);
		snprintf(err, errlen, "faults: want an array of rules");
		return (-1);
	}
	fs->rules = xcalloc((size_t)cJSON_GetArraySize(a) + 1,
	    sizeof(*fs->rules));
	cJSON_ArrayForEach(it, a) {
		fs->n = i + 1;
		if (fault_rule_parse(it, i, &fs->rules[i], err, errlen) == -1) {
			cJSON_Delete(root);
			fault_set_free(fs);
			return (-1);
		}
		i++;
	}
	cJSON_Delete(root);
	return (0);
}

void
fault_set_free(struct emu_fault_set *fs)
{
	size_t	 i;

	for (i = 0; i < fs->n; i++) {
		free(fs->rules[i].endpoint);
		free(fs->rules[i].project);
		free(fs->rules[i].instance);
	}
	free(fs->rules);
	fs->rules = NULL;
	fs->n = 0;
}

/*
 * The rule that fires for this request, or NULL.  Rules are tried in
 * order; "after" skips the first K matches, "count" caps how often a rule
 * fires, and "rate" draws from the seeded RNG.
 */
struct emu_fault *
fault_pick(struct emu *e, enum emu_ep ep, const char *project,
    const char *instance)
{
	struct emu_fault	*f;
	const char		*name = emu_ep_name(ep);
	size_t			 i;

	for (i = 0; i < e->faults.n; i++) {
		f = &e->faults.rules[i];
		if (strcmp(f->endpoint, "*") != 0 &&
		    strcmp(f->endpoint, name) != 0)
			continue;
		if (f->kind == F_OP_ERROR && ep != EP_SQL_EXPORT)
			continue;
		if (f->project != NULL && (project == NULL ||
		    strcmp(f->project, project) != 0))
			continue;
		if (f->instance != NULL && (instance == NULL ||
		    strcmp(f->instance, instance) != 0))
			continue;
		if (++f->seen <= f->after)
			continue;
		if (f->count > 0 && f->fired >= f->count)
			continue;
		if (f->rate < 1 && emu_rng_unit(&e->rng) >= f->rate)
			continue;
		f->fired++;
		return (f);
	}
	return (NULL);
}

/* The replacement answer for status, ratelimit and malformed faults. */
void
fault_body(struct emu_fault *f, struct emu_resp *resp)
{
	cJSON	*details, *d;

	switch (f->kind) {
	case F_STATUS:
		if (f->status == HTTP_INTERNAL)
			emu_gerror(resp, f->status, "INTERNAL", "backendError",
			    NULL, "Internal error encountered.", NULL);
		else if (f->status == HTTP_UNAVAILABLE)
			emu_gerror(resp, f->status, "UNAVAILABLE",
			    "backendError", NULL,
			    "The service is currently unavailable.", NULL);
		else
			emu_gerror(resp, f->status, "UNKNOWN", "backendError",
			    NULL, "Injected error.", NULL);
		break;
	case F_RATELIMIT:
		details = cJSON_CreateArray();
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "@type",
		    "type.googleapis.com/google.rpc.ErrorInfo");
		cJSON_AddStringToObject(d, "reason", "RATE_LIMIT_EXCEEDED");
		cJSON_AddItemToArray(details, d);
		emu_gerror(resp, HTTP_TOO_MANY, "RESOURCE_EXHAUSTED",
		    "rateLimitExceeded", NULL, "Quota exceeded for quota "
		    "metric 'Queries' and limit 'Queries per minute per user'.",
		    details);
		resp->retry_after = f->retry_after;
		break;
	case F_MALFORMED:
		emu_resp_text(resp, HTTP_OK, "application/json; charset=UTF-8",
		    "{\"kind\": \"sql#instancesList\", \"items\": [{\"name\": "
		    "<html><body>502 Bad Gateway</body></html> ,,}");
		break;
	default:
		fatalx("fault_body: kind %d", f->kind);
	}
}
