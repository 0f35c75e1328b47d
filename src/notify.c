/*
 * notify.c: alert and run notifications on the master's loop.
 *
 * A notification becomes one delivery per configured channel (email,
 * webhook, Pub/Sub, ping); each delivery holds copies of everything it
 * needs (a reload may free the configuration meanwhile) and is retried on
 * its own timer with exponential backoff until it succeeds or runs out of
 * attempts.  A delivery that runs out (or is dropped) is counted as failed
 * and marks its channel failing until the next one on it goes through
 * (notify_failing_since, for `check`).  HTTP channels use http_multi_add;
 * email is an SMTP easy handle handed to the same multi handle
 * (http_multi_add_easy).  What an alert means is alert.c's; when to
 * notify is monitor.c's.  Passwords and tokens are never logged.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "auth.h"
#include "config.h"
#include "gcp.h"
#include "http.h"
#include "journal.h"
#include "jsonutil.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "xmalloc.h"

#define NOTIFY_HTTP_TIMEOUT_MS	30000
#define NOTIFY_SMTP_TIMEOUT_MS	60000
#define NOTIFY_HOST_MAX		256
#define NOTIFY_SECRET_MAX	1024
#define NOTIFY_COLOR_FIRING	"D70000"
#define NOTIFY_COLOR_OK		"2DC72D"

struct notify_msg {
	TAILQ_ENTRY(notify_msg)	 entry;
	struct notify		*n;
	enum metrics_channel	 ch;
	char			*what;		/* for logs: "alert export_errors" */
	char			*url;
	char			*body;
	size_t			 len;
	size_t			 off;		/* SMTP: bytes read by curl */
	char			*from;		/* SMTP */
	char			*to;		/* SMTP, comma-separated */
	char			*auth_file;	/* SMTP */
	char			*ca_file;
	int			 attempts;
	int			 in_flight;
	int			 waiting_token;
	int			 anonymous;	/* Pub/Sub emulator */
	struct event		*retry;
	CURL			*easy;		/* SMTP, while in flight */
	struct curl_slist	*rcpt;
};
TAILQ_HEAD(notify_msgs, notify_msg);

struct notify {
	struct event_base	*base;
	struct http_multi	*multi;
	struct auth		*auth;
	struct metrics		*mt;
	struct notify_msgs	 msgs;
	size_t			 nmsgs;
	int64_t			 failing_since[METRICS_CH_COUNT]; /* 0: ok */
	int64_t			 retry_base_ms;
	int			 wanting_token;
	char			 host[NOTIFY_HOST_MAX];
};

static void	notify_send(struct notify_msg *);

/* Unix ms, as the "since" of a failing channel shows it. */
static int64_t
notify_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* A delivery on ch ended: through (ok), or given up or dropped. */
static void
notify_count(struct notify *n, enum metrics_channel ch, int ok)
{
	n->mt->notifications[ch][ok ? METRICS_SUCCEEDED : METRICS_FAILED]++;
	alert_channel_result(&n->failing_since[ch], ok, notify_now_ms());
}

static const char *
notify_env(const struct config *c)
{
	return (c->environment != NULL ? c->environment : "production");
}

/* "[databackup production] FIRING: Export errors (3 databases)". */
char *
notify_alert_subject(const struct config *c, const struct alert *a)
{
	char	*s;

	if (a->state == ALERT_FIRING && a->count > 0)
		xasprintf(&s, "[databackup %s] FIRING: %s (%d database%s)",
		    notify_env(c), alert_title(a->id), a->count,
		    a->count == 1 ? "" : "s");
	else
		xasprintf(&s, "[databackup %s] %s: %s", notify_env(c),
		    a->state == ALERT_FIRING ? "FIRING" : "RESOLVED",
		    alert_title(a->id));
	return (s);
}

/* The machine-readable event: webhook (generic) and Pub/Sub body. */
char *
notify_alert_json(const struct config *c, const char *host,
    const struct alert *a, const struct alert_target *t, size_t nt)
{
	cJSON	*o, *arr, *d;
	char	*s;
	size_t	 i;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "alert");
	cJSON_AddStringToObject(o, "alert", alert_name(a->id));
	cJSON_AddStringToObject(o, "title", alert_title(a->id));
	cJSON_AddStringToObject(o, "state", alert_state_name(a->state));
	cJSON_AddStringToObject(o, "severity", alert_level_name(
	    alert_now(a)));
	cJSON_AddStringToObject(o, "environment", notify_env(c));
	cJSON_AddStringToObject(o, "host", host);
	json_add_time(o, "since", a->since_ms);
	json_add_time(o, "changed", a->changed_ms);
	cJSON_AddStringToObject(o, "summary", a->summary);
	cJSON_AddNumberToObject(o, "count", a->count);
	arr = cJSON_AddArrayToObject(o, "databases");
	for (i = 0; i < nt && i < NOTIFY_TARGETS_LISTED; i++) {
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "project", t[i].project);
		cJSON_AddStringToObject(d, "instance", t[i].instance);
		cJSON_AddStringToObject(d, "database", t[i].database);
		cJSON_AddNumberToObject(d, "failures", t[i].failures);
		if (t[i].error[0] != '\0')
			cJSON_AddStringToObject(d, "error", t[i].error);
		else
			cJSON_AddNullToObject(d, "error");
		cJSON_AddItemToArray(arr, d);
	}
	cJSON_AddStringToObject(o, "runbook", alert_runbook(a->id));
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("notify_alert_json: out of memory");
	cJSON_Delete(o);
	return (s);
}

/* The human text: mail body, and the text of chat messages. */
char *
notify_alert_text(const struct config *c, const char *host,
    const struct alert *a, const struct alert_target *t, size_t nt)
{
	char	*s, *line, since[32], changed[32];
	size_t	 i, cap, len;

#define NOTIFY_APPEND(...) do {						\
	xasprintf(&line, __VA_ARGS__);					\
	len = strlen(s) + strlen(line) + 1;				\
	if (len > cap) {						\
		while (cap < len)					\
			cap *= 2;					\
		s = xreallocarray(s, 1, cap);				\
	}								\
	strlcat(s, line, cap);						\
	free(line);							\
} while (0)

	cap = 1024;
	s = xcalloc(1, cap);
	json_time(a->since_ms, since, sizeof(since));
	json_time(a->changed_ms, changed, sizeof(changed));
	NOTIFY_APPEND("Alert: %s (%s)\n", alert_title(a->id),
	    alert_name(a->id));
	if (a->state == ALERT_FIRING)
		NOTIFY_APPEND("State: FIRING since %s\n", since);
	else
		NOTIFY_APPEND("State: RESOLVED at %s\n", changed);
	NOTIFY_APPEND("Environment: %s\nHost: %s\n", notify_env(c), host);
	NOTIFY_APPEND("Summary: %s\n", a->summary);
	if (nt > 0) {
		NOTIFY_APPEND("\nDatabases (project/instance/database):\n");
		for (i = 0; i < nt && i < NOTIFY_TARGETS_LISTED; i++)
			NOTIFY_APPEND("- %s/%s/%s: %d failure%s%s%s\n",
			    t[i].project, t[i].instance, t[i].database,
			    t[i].failures, t[i].failures == 1 ? "" : "s",
			    t[i].error[0] != '\0' ? "; last error: " : "",
			    t[i].error);
		if (nt > NOTIFY_TARGETS_LISTED)
			NOTIFY_APPEND("- and %zu more (databackupctl jobs)\n",
			    nt - NOTIFY_TARGETS_LISTED);
	}
	if (a->state == ALERT_FIRING)
		NOTIFY_APPEND("\nRunbook:\n%s\n", alert_runbook(a->id));
#undef NOTIFY_APPEND
	return (s);
}

/* The webhook's body in the configured format. */
char *
notify_webhook_body(const struct config *c, const char *host,
    const struct alert *a, const struct alert_target *t, size_t nt)
{
	const char	*fmt = c->webhook_format != NULL ? c->webhook_format :
			    "generic";
	char		*subject, *text, *s, *chat;
	cJSON		*o;

	if (strcmp(fmt, "teams") == 0 || strcmp(fmt, "googlechat") == 0) {
		subject = notify_alert_subject(c, a);
		text = notify_alert_text(c, host, a, t, nt);
		o = cJSON_CreateObject();
		if (strcmp(fmt, "teams") == 0) {
			/* Office 365 connector card, as incoming webhooks take. */
			cJSON_AddStringToObject(o, "@type", "MessageCard");
			cJSON_AddStringToObject(o, "@context",
			    "https://schema.org/extensions");
			cJSON_AddStringToObject(o, "summary", subject);
			cJSON_AddStringToObject(o, "themeColor",
			    a->state == ALERT_FIRING ? NOTIFY_COLOR_FIRING :
			    NOTIFY_COLOR_OK);
			cJSON_AddStringToObject(o, "title", subject);
			cJSON_AddStringToObject(o, "text", text);
		} else {
			xasprintf(&chat, "*%s*\n%s", subject, text);
			cJSON_AddStringToObject(o, "text", chat);
			free(chat);
		}
		free(subject);
		free(text);
		if ((s = cJSON_PrintUnformatted(o)) == NULL)
			fatalx("notify_webhook_body: out of memory");
		cJSON_Delete(o);
		return (s);
	}
	return (notify_alert_json(c, host, a, t, nt));
}

/* Standard base64 (Pub/Sub's "data" is JSON bytes).  Caller frees. */
static char *
notify_base64(const char *p, size_t len)
{
	char	*out;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		fatalx("notify_base64: input too long");
	out = xmalloc((len + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)p,
	    (int)len);
	return (out);
}

static char *
notify_pubsub_body(const char *event, const char *type, const char *name,
    const char *state, const char *env)
{
	cJSON	*o, *arr, *msg, *attr;
	char	*data, *s;

	data = notify_base64(event, strlen(event));
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "messages");
	msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "data", data);
	attr = cJSON_AddObjectToObject(msg, "attributes");
	cJSON_AddStringToObject(attr, "type", type);
	if (name != NULL)
		cJSON_AddStringToObject(attr, "alert", name);
	cJSON_AddStringToObject(attr, "state", state);
	cJSON_AddStringToObject(attr, "environment", env);
	cJSON_AddItemToArray(arr, msg);
	free(data);
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("notify_pubsub_body: out of memory");
	cJSON_Delete(o);
	return (s);
}

/* PUBSUB_EMULATOR_HOST wins, as in Google's client libraries. */
static char *
notify_pubsub_url(const struct config *c, int *anonymous)
{
	const char	*e = getenv("PUBSUB_EMULATOR_HOST");
	char		*url;

	*anonymous = 0;
	if (e != NULL && *e != '\0') {
		*anonymous = 1;
		xasprintf(&url, "%s%s/v1/%s:publish", strstr(e, "://") ? "" :
		    "http://", e, c->pubsub_topic);
	} else
		xasprintf(&url, "%s/v1/%s:publish", c->pubsub_endpoint,
		    c->pubsub_topic);
	return (url);
}

static void
notify_msg_free(struct notify_msg *nm)
{
	if (nm == NULL)
		return;
	if (nm->retry != NULL)
		event_free(nm->retry);
	curl_slist_free_all(nm->rcpt);
	free(nm->what);
	free(nm->url);
	free(nm->body);
	free(nm->from);
	free(nm->to);
	free(nm->auth_file);
	free(nm->ca_file);
	free(nm);
}

static void
notify_msg_remove(struct notify_msg *nm)
{
	TAILQ_REMOVE(&nm->n->msgs, nm, entry);
	nm->n->nmsgs--;
	notify_msg_free(nm);
}

static void
notify_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	notify_send(arg);
}

/* One attempt is over: done, or wait and try again, or give up. */
static void
notify_attempt_done(struct notify_msg *nm, int ok, const char *why)
{
	struct notify	*n = nm->n;
	struct timeval	 tv;
	int64_t		 ms;
	int		 i;

	nm->in_flight = 0;
	if (ok) {
		log_info("notify: %s sent by %s%s", nm->what,
		    metrics_channel_name(nm->ch), nm->attempts > 1 ?
		    " after retries" : "");
		notify_count(n, nm->ch, 1);
		notify_msg_remove(nm);
		return;
	}
	if (nm->attempts >= NOTIFY_ATTEMPTS_MAX) {
		log_warnx("notify: %s by %s: giving up after %d attempts: %s",
		    nm->what, metrics_channel_name(nm->ch), nm->attempts, why);
		notify_count(n, nm->ch, 0);
		notify_msg_remove(nm);
		return;
	}
	ms = n->retry_base_ms;
	for (i = 1; i < nm->attempts && ms < NOTIFY_RETRY_CAP_MS; i++)
		ms *= 2;
	if (ms > NOTIFY_RETRY_CAP_MS)
		ms = NOTIFY_RETRY_CAP_MS;
	log_warnx("notify: %s by %s failed (attempt %d): %s; again in %llds",
	    nm->what, metrics_channel_name(nm->ch), nm->attempts, why,
	    (long long)ms / 1000);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(nm->retry, &tv);
}

static void
notify_http_cb(struct http_response *resp, void *arg)
{
	struct notify_msg	*nm = arg;
	char			 why[320];

	if (resp->curl_code == 0 && HTTP_STATUS_IS_SUCCESS(resp->status)) {
		notify_attempt_done(nm, 1, NULL);
		return;
	}
	if (resp->curl_code != 0)
		snprintf(why, sizeof(why), "%s", resp->error);
	else
		snprintf(why, sizeof(why), "HTTP %ld", resp->status);
	notify_attempt_done(nm, 0, why);
}

static void
notify_http_send(struct notify_msg *nm, const char *bearer)
{
	struct http_request	req;

	memset(&req, 0, sizeof(req));
	req.method = nm->body != NULL ? "POST" : "GET";
	req.url = nm->url;
	req.body = nm->body;
	req.content_type = nm->body != NULL ? "application/json" : NULL;
	req.bearer = bearer;
	req.ca_file = nm->ca_file;
	req.timeout_ms = NOTIFY_HTTP_TIMEOUT_MS;
	req.max_body = 64 * 1024;
	http_multi_add(nm->n->multi, &req, notify_http_cb, nm);
}

static void
notify_token_cb(const char *token, const struct gcp_error *err, void *arg)
{
	struct notify		*n = arg;
	struct notify_msg	*nm, *next;

	n->wanting_token = 0;
	TAILQ_FOREACH_SAFE(nm, &n->msgs, entry, next) {
		if (!nm->waiting_token)
			continue;
		nm->waiting_token = 0;
		if (token == NULL)
			notify_attempt_done(nm, 0, err != NULL ? err->message :
			    "no access token");
		else
			notify_http_send(nm, token);
	}
}

/* curl reads the mail from here (it does the SMTP dot-stuffing). */
static size_t
notify_smtp_read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct notify_msg	*nm = arg;
	size_t			 n = size * nmemb;

	if (n > nm->len - nm->off)
		n = nm->len - nm->off;
	memcpy(buf, nm->body + nm->off, n);
	nm->off += n;
	return (n);
}

static void
notify_smtp_cb(struct http_response *resp, void *arg)
{
	struct notify_msg	*nm = arg;
	char			 why[320];

	/* The handle is freed by http.c after we return. */
	if (nm->easy != NULL) {
		curl_easy_setopt(nm->easy, CURLOPT_MAIL_RCPT, NULL);
		curl_easy_setopt(nm->easy, CURLOPT_READDATA, NULL);
		nm->easy = NULL;
	}
	curl_slist_free_all(nm->rcpt);
	nm->rcpt = NULL;
	if (resp->curl_code == 0) {
		notify_attempt_done(nm, 1, NULL);
		return;
	}
	snprintf(why, sizeof(why), "%s (SMTP %ld)", resp->error, resp->status);
	notify_attempt_done(nm, 0, why);
}

/* "user:password" from the first line of the file; -1 with errno text. */
static int
notify_read_secret(const char *path, char *user, size_t ulen, char *pass,
    size_t plen, char *err, size_t errlen)
{
	char	 buf[NOTIFY_SECRET_MAX];
	char	*colon;
	FILE	*fp;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "%s: empty", path);
		return (-1);
	}
	fclose(fp);
	buf[strcspn(buf, "\r\n")] = '\0';
	if ((colon = strchr(buf, ':')) == NULL || colon == buf) {
		explicit_bzero(buf, sizeof(buf));
		snprintf(err, errlen, "%s: expected user:password", path);
		return (-1);
	}
	*colon = '\0';
	strlcpy(user, buf, ulen);
	strlcpy(pass, colon + 1, plen);
	explicit_bzero(buf, sizeof(buf));
	return (0);
}

/* A local relay may take AUTH in the clear; anything else needs TLS. */
static int
notify_smtp_local(const char *url)
{
	const char	*h = strstr(url, "://");

	if (h == NULL)
		return (0);
	h += 3;
	return (strncmp(h, "localhost", 9) == 0 ||
	    strncmp(h, "127.", 4) == 0 || strncmp(h, "[::1]", 5) == 0);
}

static void
notify_smtp_send(struct notify_msg *nm)
{
	char	 user[NOTIFY_SECRET_MAX], pass[NOTIFY_SECRET_MAX];
	char	 err[512], *to, *s, *p, *addr;
	CURL	*easy;

	if ((easy = curl_easy_init()) == NULL)
		fatalx("notify_smtp_send: curl_easy_init");
	nm->off = 0;
	to = s = xstrdup(nm->to);
	while ((p = strsep(&s, ",")) != NULL) {
		if (*p == '\0')
			continue;
		xasprintf(&addr, "<%s>", p);
		nm->rcpt = curl_slist_append(nm->rcpt, addr);
		free(addr);
		if (nm->rcpt == NULL)
			fatalx("notify_smtp_send: curl_slist_append");
	}
	free(to);
	xasprintf(&addr, "<%s>", nm->from);
	curl_easy_setopt(easy, CURLOPT_URL, nm->url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(easy, CURLOPT_MAIL_FROM, addr);
	free(addr);
	curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, nm->rcpt);
	curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(easy, CURLOPT_READFUNCTION, notify_smtp_read_cb);
	curl_easy_setopt(easy, CURLOPT_READDATA, nm);
	curl_easy_setopt(easy, CURLOPT_INFILESIZE, (long)nm->len);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
	    (long)NOTIFY_SMTP_TIMEOUT_MS);
	if (nm->ca_file != NULL)
		curl_easy_setopt(easy, CURLOPT_CAINFO, nm->ca_file);
	/* smtp://: STARTTLS when offered; required before a password. */
	curl_easy_setopt(easy, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (nm->auth_file != NULL) {
		if (notify_read_secret(nm->auth_file, user, sizeof(user), pass,
		    sizeof(pass), err, sizeof(err)) == -1) {
			curl_easy_cleanup(easy);
			curl_slist_free_all(nm->rcpt);
			nm->rcpt = NULL;
			nm->in_flight = 1;
			notify_attempt_done(nm, 0, err);
			return;
		}
		curl_easy_setopt(easy, CURLOPT_USERNAME, user);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, pass);
		explicit_bzero(pass, sizeof(pass));
		if (!notify_smtp_local(nm->url))
			curl_easy_setopt(easy, CURLOPT_USE_SSL,
			    (long)CURLUSESSL_ALL);
	}
	nm->easy = easy;
	http_multi_add_easy(nm->n->multi, easy, notify_smtp_cb, nm);
}

/* One attempt of one delivery. */
static void
notify_send(struct notify_msg *nm)
{
	struct notify	*n = nm->n;
	const char	*token;

	nm->attempts++;
	nm->in_flight = 1;
	switch (nm->ch) {
	case METRICS_CH_EMAIL:
		notify_smtp_send(nm);
		break;
	case METRICS_CH_PUBSUB:
		if (nm->anonymous) {	/* the emulator takes no token */
			notify_http_send(nm, NULL);
			break;
		}
		if ((token = auth_cached(n->auth, NULL)) != NULL) {
			notify_http_send(nm, token);
			break;
		}
		nm->waiting_token = 1;
		if (!n->wanting_token) {
			n->wanting_token = 1;
			auth_get(n->auth, notify_token_cb, n);
		}
		break;
	case METRICS_CH_WEBHOOK:
	case METRICS_CH_PING:
		notify_http_send(nm, NULL);
		break;
	case METRICS_CH_COUNT:
		fatalx("notify_send: bad channel");
	}
}

/* Queue a delivery (takes url and body) and start its first attempt. */
static struct notify_msg *
notify_queue(struct notify *n, const struct config *c,
    enum metrics_channel ch, const char *what, char *url, char *body)
{
	struct notify_msg	*nm, *old;

	if (n->nmsgs >= NOTIFY_QUEUE_MAX) {
		TAILQ_FOREACH(old, &n->msgs, entry)
			if (!old->in_flight)
				break;
		if (old == NULL) {
			log_warnx("notify: queue full; %s by %s dropped", what,
			    metrics_channel_name(ch));
			notify_count(n, ch, 0);
			free(url);
			free(body);
			return (NULL);
		}
		log_warnx("notify: queue full; dropping %s by %s", old->what,
		    metrics_channel_name(old->ch));
		notify_count(n, old->ch, 0);
		notify_msg_remove(old);
	}
	nm = xcalloc(1, sizeof(*nm));
	nm->n = n;
	nm->ch = ch;
	nm->what = xstrdup(what);
	nm->url = url;
	nm->body = body;
	nm->len = body != NULL ? strlen(body) : 0;
	if (c->ca_file != NULL)
		nm->ca_file = xstrdup(c->ca_file);
	if ((nm->retry = evtimer_new(n->base, notify_retry_cb, nm)) == NULL)
		fatalx("notify_queue: evtimer_new");
	TAILQ_INSERT_TAIL(&n->msgs, nm, entry);
	n->nmsgs++;
	return (nm);
}

static char *
notify_mail(const struct config *c, const char *from, const char *subject,
    const char *text, const char *host)
{
	char		*mail, *body, *p, date[64], id[128];
	const char	*s;
	size_t		 nl = 0;
	time_t		 now = time(NULL);
	struct tm	 tm;

	/* CRLF line ends, as SMTP wants. */
	for (s = text; *s != '\0'; s++)
		nl += *s == '\n';
	body = p = xmalloc(strlen(text) + nl + 1);
	for (s = text; *s != '\0'; s++) {
		if (*s == '\n')
			*p++ = '\r';
		*p++ = *s;
	}
	*p = '\0';
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	snprintf(id, sizeof(id), "<databackup.%lld.%u@%s>", (long long)now,
	    arc4random(), host);
	xasprintf(&mail, "Date: %s\r\nFrom: databackup <%s>\r\nTo: %s\r\n"
	    "Subject: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "X-Databackup-Environment: %s\r\n\r\n%s", date, from, c->email_to,
	    subject, id, notify_env(c), body);
	free(body);
	return (mail);
}

/*
 * An alert changed: tell every configured channel.  Borrows everything;
 * the deliveries keep copies.
 */
void
notify_alert(struct notify *n, const struct config *c, const struct alert *a,
    const struct alert_target *t, size_t nt)
{
	struct notify_msg	*nm;
	char			*what, *subject, *text, *json, *url, *from;
	int			 anon;

	xasprintf(&what, "alert %s %s", alert_name(a->id),
	    alert_state_name(a->state));
	if (c->email_to != NULL && c->smtp_url != NULL) {
		subject = notify_alert_subject(c, a);
		text = notify_alert_text(c, n->host, a, t, nt);
		if (c->email_from != NULL)
			from = xstrdup(c->email_from);
		else
			xasprintf(&from, "databackup@%s", n->host);
		nm = notify_queue(n, c, METRICS_CH_EMAIL, what,
		    xstrdup(c->smtp_url), notify_mail(c, from, subject, text,
		    n->host));
		if (nm != NULL) {
			nm->from = from;
			nm->to = xstrdup(c->email_to);
			if (c->smtp_auth_file != NULL)
				nm->auth_file = xstrdup(c->smtp_auth_file);
			notify_send(nm);
		} else
			free(from);
		free(subject);
		free(text);
	}
	if (c->webhook_url != NULL) {
		nm = notify_queue(n, c, METRICS_CH_WEBHOOK, what,
		    xstrdup(c->webhook_url), notify_webhook_body(c, n->host,
		    a, t, nt));
		if (nm != NULL)
			notify_send(nm);
	}
	if (c->pubsub_topic != NULL) {
		json = notify_alert_json(c, n->host, a, t, nt);
		url = notify_pubsub_url(c, &anon);
		nm = notify_queue(n, c, METRICS_CH_PUBSUB, what, url,
		    notify_pubsub_body(json, "alert", alert_name(a->id),
		    alert_state_name(a->state), notify_env(c)));
		free(json);
		if (nm != NULL) {
			nm->anonymous = anon;
			notify_send(nm);
		}
	}
	free(what);
}

/*
 * A run finished: a Pub/Sub event, and the dead man's switch if ping (the
 * monitor's alert_ping_due: a full run that exported everything).
 */
void
notify_run(struct notify *n, const struct config *c,
    const struct journal_run *jr, int ping)
{
	struct notify_msg	*nm;
	cJSON			*o;
	char			*what, *json, *url;
	int			 anon;

	xasprintf(&what, "run %lld %s", (long long)jr->id, jr->outcome);
	if (c->pubsub_topic != NULL) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "run");
		cJSON_AddNumberToObject(o, "id", (double)jr->id);
		cJSON_AddStringToObject(o, "trigger", jr->trigger);
		cJSON_AddStringToObject(o, "day", jr->day);
		json_add_time(o, "started", jr->started_ms);
		json_add_time(o, "ended", jr->ended_ms);
		cJSON_AddStringToObject(o, "outcome", jr->outcome);
		cJSON_AddNumberToObject(o, "total", jr->total);
		cJSON_AddNumberToObject(o, "succeeded", jr->succeeded);
		cJSON_AddNumberToObject(o, "failed", jr->failed);
		cJSON_AddStringToObject(o, "environment", notify_env(c));
		cJSON_AddStringToObject(o, "host", n->host);
		if ((json = cJSON_PrintUnformatted(o)) == NULL)
			fatalx("notify_run: out of memory");
		cJSON_Delete(o);
		url = notify_pubsub_url(c, &anon);
		nm = notify_queue(n, c, METRICS_CH_PUBSUB, what, url,
		    notify_pubsub_body(json, "run", NULL, jr->outcome,
		    notify_env(c)));
		free(json);
		if (nm != NULL) {
			nm->anonymous = anon;
			notify_send(nm);
		}
	}
	if (ping && c->ping_url != NULL) {
		nm = notify_queue(n, c, METRICS_CH_PING, what,
		    xstrdup(c->ping_url), NULL);
		if (nm != NULL)
			notify_send(nm);
	}
	free(what);
}

/*
 * The first retry's delay: NOTIFY_RETRY_BASE_MS, or in tests the value of
 * NOTIFY_BACKOFF_ENV, so that retries run out in seconds, not minutes.
 */
static int64_t
notify_retry_base_ms(void)
{
	const char	*e = getenv(NOTIFY_BACKOFF_ENV), *errstr;
	long long	 ms;

	if (e == NULL || *e == '\0')
		return (NOTIFY_RETRY_BASE_MS);
	ms = strtonum(e, 1, NOTIFY_RETRY_BASE_MS, &errstr);
	if (errstr != NULL) {
		log_warnx("%s=%s: %s; ignored", NOTIFY_BACKOFF_ENV, e, errstr);
		return (NOTIFY_RETRY_BASE_MS);
	}
	log_warnx("%s=%lld: notifications retried after %lldms first "
	    "(tests only)", NOTIFY_BACKOFF_ENV, ms, ms);
	return (ms);
}

/* Returns a new notifier on the master's loop; free with notify_free. */
struct notify *
notify_new(struct event_base *base, struct http_multi *multi,
    struct auth *auth, struct metrics *mt)
{
	struct notify	*n;

	n = xcalloc(1, sizeof(*n));
	n->base = base;
	n->multi = multi;
	n->auth = auth;
	n->mt = mt;
	TAILQ_INIT(&n->msgs);
	n->retry_base_ms = notify_retry_base_ms();
	if (gethostname(n->host, sizeof(n->host)) == -1 || n->host[0] == '\0')
		strlcpy(n->host, "localhost", sizeof(n->host));
	n->host[sizeof(n->host) - 1] = '\0';
	return (n);
}

/*
 * Drops every pending delivery.  Call after http_multi_free (which cancels
 * transfers without callbacks), so no transfer still points at them.
 */
void
notify_free(struct notify *n)
{
	struct notify_msg	*nm;

	if (n == NULL)
		return;
	while ((nm = TAILQ_FIRST(&n->msgs)) != NULL) {
		TAILQ_REMOVE(&n->msgs, nm, entry);
		notify_msg_free(nm);
	}
	free(n);
}

size_t
notify_pending(const struct notify *n)
{
	return (n->nmsgs);
}

/* Since when ch has been failing (unix ms), 0 if it is not. */
int64_t
notify_failing_since(const struct notify *n, enum metrics_channel ch)
{
	if (n == NULL || ch >= METRICS_CH_COUNT)
		return (0);
	return (n->failing_since[ch]);
}
