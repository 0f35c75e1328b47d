/*
 * gcp-error.c: what an answer means for the caller.  A transport error, an
 * HTTP status and Google's JSON error envelope (or OAuth's) become one
 * retry class (enum gcp_status) and a bounded, printable message, and the
 * few error texts that name a cause (a bucket the instance may not write,
 * an export object that already exists) are recognised here.  Successful
 * answers are read in gcp-parse.c; requests are built in gcp.c.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "gcp.h"
#include "http.h"

/* Cloud SQL: one admin operation per instance; busy whatever the status. */
#define REASON_OP_IN_PROGRESS		"operationInProgress"
#define REASON_ACCESS_NOT_CONFIGURED	"accessNotConfigured"
#define INFO_SERVICE_DISABLED		"SERVICE_DISABLED"
#define INFO_TYPE_ERRORINFO		"type.googleapis.com/google.rpc.ErrorInfo"

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

static int64_t	 gcp_retry_after_ms(const char *);

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

/* Remote text goes into logs: no control characters. */
void
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

/* A clean err before a call: no class, no text, no Retry-After. */
void
gcp_error_reset(struct gcp_error *err)
{
	memset(err, 0, sizeof(*err));
	err->retry_after_ms = -1;
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
	if (HTTP_STATUS_IS_SUCCESS(http)) {
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
	    (HTTP_STATUS_IS_SERVER_ERROR(http) &&
	    http != HTTP_STATUS_NOT_IMPLEMENTED))
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
