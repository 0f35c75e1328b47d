/*
 * metrics.c: the Prometheus text exposition (format 0.0.4) of struct
 * metrics, and the listener that serves it at /metrics with libevent's
 * HTTP server on the master's loop.  Counting happens where things happen
 * (master.c, monitor.c); this file only keeps the per-API table and
 * renders.  The listener serves GET and HEAD of /metrics and nothing else.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define METRICS_PATH		"/metrics"
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_HOST_MAX	256

struct metrics_server {
	struct evhttp		*http;
	metrics_text_fn		 fn;
	void			*arg;
};

static const char *const metrics_outcome_names[METRICS_OUTCOME_COUNT] = {
	"succeeded", "failed"
};

const char *
metrics_retry_name(enum metrics_retry r)
{
	switch (r) {
	case METRICS_RETRY_TRANSIENT:
		return ("transient");
	case METRICS_RETRY_BUSY:
		return ("busy");
	case METRICS_RETRY_AUTH:
		return ("auth");
	case METRICS_RETRY_OPERATION:
		return ("operation");
	case METRICS_RETRY_RESUME:
		return ("resume");
	case METRICS_RETRY_COUNT:
		break;
	}
	return ("invalid");
}

const char *
metrics_channel_name(enum metrics_channel c)
{
	switch (c) {
	case METRICS_CH_EMAIL:
		return ("email");
	case METRICS_CH_WEBHOOK:
		return ("webhook");
	case METRICS_CH_PUBSUB:
		return ("pubsub");
	case METRICS_CH_PING:
		return ("ping");
	case METRICS_CH_COUNT:
		break;
	}
	return ("invalid");
}

/* Counts one finished API request; api is a short fixed name. */
void
metrics_api_count(struct metrics *mt, const char *api, long code,
    uint64_t n)
{
	size_t	i;

	for (i = 0; i < mt->napi; i++) {
		if (mt->api[i].code == code &&
		    strcmp(mt->api[i].api, api) == 0) {
			mt->api[i].n += n;
			return;
		}
	}
	if (mt->napi == METRICS_API_MAX) {
		mt->api_dropped++;
		return;
	}
	strlcpy(mt->api[mt->napi].api, api, sizeof(mt->api[0].api));
	mt->api[mt->napi].code = code;
	mt->api[mt->napi].n = n;
	mt->napi++;
}

/* A label value, escaped as the text format wants (\\, \", \n). */
static void
metrics_label(struct evbuffer *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(b, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, v, 1);
	}
}

static void
metrics_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
metrics_one(struct evbuffer *b, const char *name, const char *type,
    const char *help, double v)
{
	metrics_head(b, name, type, help);
	evbuffer_add_printf(b, "%s %.17g\n", name, v);
}

/* A counter with one sample per outcome. */
static void
metrics_outcomes(struct evbuffer *b, const char *name, const char *help,
    const uint64_t n[METRICS_OUTCOME_COUNT])
{
	int	 k;

	metrics_head(b, name, "counter", help);
	for (k = 0; k < METRICS_OUTCOME_COUNT; k++)
		evbuffer_add_printf(b, "%s{outcome=\"%s\"} %llu\n", name,
		    metrics_outcome_names[k], (unsigned long long)n[k]);
}

static int
metrics_api_error(long code)
{
	return (code == 0 || code >= HTTP_STATUS_BAD_REQUEST);
}

/*
 * One sample per database with a value (ms > 0): name{project,instance,
 * database} in seconds since the epoch.
 */
static void
metrics_dbs(struct evbuffer *b, const char *name, const char *help,
    const struct metrics *mt, int failure)
{
	const struct metrics_db	*d;
	size_t			 i;
	int64_t			 ms;

	metrics_head(b, name, "gauge", help);
	for (i = 0; i < mt->ndbs; i++) {
		d = &mt->dbs[i];
		if ((ms = failure ? d->failure_ms : d->success_ms) <= 0)
			continue;
		evbuffer_add_printf(b, "%s{project=\"", name);
		metrics_label(b, d->project);
		evbuffer_add_printf(b, "\",instance=\"");
		metrics_label(b, d->instance);
		evbuffer_add_printf(b, "\",database=\"");
		metrics_label(b, d->database);
		evbuffer_add_printf(b, "\"} %lld\n", (long long)(ms / 1000));
	}
}

/* Renders every metric; returns a new NUL-terminated string. */
char *
metrics_render(const struct metrics *mt)
{
	struct evbuffer	*b;
	char		*s;
	size_t		 i, len;
	int		 k;

	if ((b = evbuffer_new()) == NULL)
		fatalx("metrics_render: evbuffer_new");

	metrics_outcomes(b, "databackup_runs_total",
	    "Runs finished, by outcome.", mt->runs);
	metrics_outcomes(b, "databackup_jobs_total",
	    "Jobs (one database of one run) finished, by outcome.", mt->jobs);
	metrics_one(b, "databackup_export_attempts_total", "counter",
	    "Export attempts started.", (double)mt->attempts);
	metrics_head(b, "databackup_retries_total", "counter",
	    "Jobs sent back to wait for another attempt, by reason.");
	for (k = 0; k < METRICS_RETRY_COUNT; k++)
		evbuffer_add_printf(b, "databackup_retries_total{reason=\"%s\"} "
		    "%llu\n", metrics_retry_name(k),
		    (unsigned long long)mt->retries[k]);
	metrics_one(b, "databackup_exports_in_flight", "gauge",
	    "Exports held by workers now.", mt->in_flight);
	metrics_one(b, "databackup_exports_stuck", "gauge",
	    "Exports running past [alerts] stuck_after (when 0: 4x their "
	    "predicted time, at least 1 h).", mt->stuck);
	metrics_one(b, "databackup_workers", "gauge",
	    "Worker processes configured.", mt->workers);
	metrics_one(b, "databackup_workers_busy", "gauge",
	    "Workers holding a job now.", mt->workers_busy);
	metrics_one(b, "databackup_run_active", "gauge",
	    "1 while a run is in progress.", mt->run_active);
	metrics_one(b, "databackup_worker_restarts_total", "counter",
	    "Workers that died and were replaced.",
	    (double)mt->worker_restarts);
	metrics_one(b, "databackup_journal_errors_total", "counter",
	    "Journal writes that failed.", (double)mt->journal_errors);

	metrics_one(b, "databackup_discovery_duration_seconds", "gauge",
	    "Duration of the last discovery walk.", mt->disc_seconds);
	metrics_head(b, "databackup_discovery_objects", "gauge",
	    "What the last discovery walk found, by kind.");
	evbuffer_add_printf(b, "databackup_discovery_objects{kind=\"projects\"}"
	    " %d\n", mt->disc_projects);
	evbuffer_add_printf(b, "databackup_discovery_objects{kind=\"instances\""
	    "} %d\n", mt->disc_instances);
	evbuffer_add_printf(b, "databackup_discovery_objects{kind=\"databases\""
	    "} %d\n", mt->disc_databases);
	evbuffer_add_printf(b, "databackup_discovery_objects{kind=\"partial\"}"
	    " %d\n", mt->disc_partial);
	evbuffer_add_printf(b, "databackup_discovery_objects{kind=\"skipped\"}"
	    " %d\n", mt->disc_skipped);
	evbuffer_add_printf(b, "databackup_discovery_objects{kind=\"excluded\"}"
	    " %d\n", mt->disc_excluded);

	metrics_one(b, "databackup_last_success_timestamp_seconds", "gauge",
	    "End of the last run in which every database was exported "
	    "(0: none).", (double)(mt->last_success_run_ms / 1000));
	metrics_one(b, "databackup_oldest_export_age_seconds", "gauge",
	    "Age of the oldest newest-export over the known databases "
	    "(0: none yet).", mt->oldest_export_ms > 0 ?
	    (double)(mt->now_ms - mt->oldest_export_ms) / 1000 : 0);
	metrics_one(b, "databackup_databases_known", "gauge",
	    "Databases the journal knows to export.", mt->known_databases);
	metrics_one(b, "databackup_databases_never_exported", "gauge",
	    "Known databases without any successful export.",
	    mt->never_exported);
	metrics_one(b, "databackup_databases_stale", "gauge",
	    "Known databases, not excluded, without a verified export younger "
	    "than [alerts] max_age.", mt->stale);
	metrics_dbs(b, "databackup_database_last_success_timestamp_seconds",
	    "End of the database's newest verified export.", mt, 0);
	metrics_dbs(b, "databackup_database_last_failure_timestamp_seconds",
	    "When the database's newest failed export attempt ended.", mt, 1);

	metrics_head(b, "databackup_alert_firing", "gauge",
	    "1 while the alert fires.");
	for (k = 0; k < ALERT_COUNT; k++)
		evbuffer_add_printf(b, "databackup_alert_firing{alert=\"%s\"} "
		    "%d\n", alert_name(k), mt->alerts.a[k].state ==
		    ALERT_FIRING);
	metrics_head(b, "databackup_alert_last_change_timestamp_seconds",
	    "gauge", "When the alert last changed state.");
	for (k = 0; k < ALERT_COUNT; k++)
		evbuffer_add_printf(b, "databackup_alert_last_change_timestamp_"
		    "seconds{alert=\"%s\"} %lld\n", alert_name(k),
		    (long long)(mt->alerts.a[k].changed_ms / 1000));

	metrics_head(b, "databackup_api_requests_total", "counter",
	    "Google API requests made by the master, by API and HTTP status "
	    "(0: no answer).");
	for (i = 0; i < mt->napi; i++) {
		evbuffer_add_printf(b, "databackup_api_requests_total{api=\"");
		metrics_label(b, mt->api[i].api);
		evbuffer_add_printf(b, "\",code=\"%ld\"} %llu\n",
		    mt->api[i].code, (unsigned long long)mt->api[i].n);
	}
	metrics_head(b, "databackup_api_errors_total", "counter",
	    "Google API requests of the master that failed (no answer or "
	    "status >= 400), by API and status.");
	for (i = 0; i < mt->napi; i++) {
		if (!metrics_api_error(mt->api[i].code))
			continue;
		evbuffer_add_printf(b, "databackup_api_errors_total{api=\"");
		metrics_label(b, mt->api[i].api);
		evbuffer_add_printf(b, "\",code=\"%ld\"} %llu\n",
		    mt->api[i].code, (unsigned long long)mt->api[i].n);
	}
	metrics_head(b, "databackup_notifications_total", "counter",
	    "Notifications delivered or given up, by channel.");
	for (k = 0; k < METRICS_CH_COUNT; k++) {
		evbuffer_add_printf(b, "databackup_notifications_total{channel="
		    "\"%s\",outcome=\"succeeded\"} %llu\n",
		    metrics_channel_name(k), (unsigned long long)
		    mt->notifications[k][METRICS_SUCCEEDED]);
		evbuffer_add_printf(b, "databackup_notifications_total{channel="
		    "\"%s\",outcome=\"failed\"} %llu\n",
		    metrics_channel_name(k), (unsigned long long)
		    mt->notifications[k][METRICS_FAILED]);
	}
	metrics_one(b, "databackup_start_time_seconds", "gauge",
	    "When the daemon started.", (double)(mt->started_ms / 1000));

	len = evbuffer_get_length(b);
	s = xmalloc(len + 1);
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	evbuffer_free(b);
	return (s);
}

static void
metrics_request_cb(struct evhttp_request *req, void *arg)
{
	struct metrics_server	*ms = arg;
	struct evbuffer		*out;
	const char		*path;
	char			*text;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || strcmp(path, METRICS_PATH) != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, HTTP_BADMETHOD, NULL);
		return;
	}
	text = ms->fn(ms->arg);
	if ((out = evbuffer_new()) == NULL)
		fatalx("metrics_request_cb: evbuffer_new");
	evbuffer_add(out, text, strlen(text));
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", METRICS_CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

/*
 * Serve /metrics on addr ("HOST:PORT" or "[V6]:PORT", as config.c
 * checked).  fn returns the text (a new string) for each scrape.  Returns
 * NULL with a message in err.
 */
struct metrics_server *
metrics_listen(struct event_base *base, const char *addr, metrics_text_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct metrics_server	*ms;
	char			 host[METRICS_HOST_MAX];
	const char		*colon, *h;
	size_t			 hl;
	int			 port;

	if (addr[0] == '[') {
		colon = strstr(addr, "]:");
		h = addr + 1;
		hl = colon != NULL ? (size_t)(colon - h) : 0;
		if (colon != NULL)
			colon++;
	} else {
		colon = strrchr(addr, ':');
		h = addr;
		hl = colon != NULL ? (size_t)(colon - addr) : 0;
	}
	if (colon == NULL || hl == 0 || hl >= sizeof(host)) {
		snprintf(err, errlen, "bad listen address %s", addr);
		return (NULL);
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	port = atoi(colon + 1);

	ms = xcalloc(1, sizeof(*ms));
	ms->fn = fn;
	ms->arg = arg;
	if ((ms->http = evhttp_new(base)) == NULL)
		fatalx("metrics_listen: evhttp_new");
	evhttp_set_allowed_methods(ms->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(ms->http, metrics_request_cb, ms);
	if (evhttp_bind_socket(ms->http, host, (ev_uint16_t)port) != 0) {
		snprintf(err, errlen, "cannot listen on %s", addr);
		evhttp_free(ms->http);
		free(ms);
		return (NULL);
	}
	return (ms);
}

void
metrics_server_free(struct metrics_server *ms)
{
	if (ms == NULL)
		return;
	evhttp_free(ms->http);
	free(ms);
}
