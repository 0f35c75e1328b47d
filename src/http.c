/*
 * http.c: HTTP over libcurl, blocking (a struct http_easy: one reused easy
 * handle, owned by a worker) and non-blocking (a multi handle driven by
 * libevent, for the master).  Both share one request setup, so headers,
 * timeouts and TLS rules are the same everywhere.  No Google knowledge
 * here: URLs, tokens and the meaning of a status live in gcp.c and auth.c.
 * Bodies and headers are never logged (they may hold tokens).
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "http.h"
#include "log.h"
#include "xmalloc.h"

#define HTTP_CONNECT_TIMEOUT_MS	10000
#define HTTP_TIMEOUT_MS		60000
#define HTTP_USER_AGENT		"databackup/" PACKAGE_VERSION
#define HTTP_BODY_INITIAL	4096

/* Where one transfer's answer goes while it arrives. */
struct http_sink {
	struct http_response	*resp;
	size_t			 cap;	/* allocated bytes of resp->body */
	size_t			 max;	/* largest body accepted */
};

struct http_xfer {
	TAILQ_ENTRY(http_xfer)	 entry;
	struct http_multi	*m;
	CURL			*easy;
	struct curl_slist	*hdrs;
	struct http_response	 resp;
	struct http_sink	 sink;
	http_cb			 cb;
	void			*arg;
	struct event		*fail_ev;	/* deferred early failure */
};
TAILQ_HEAD(http_xfers, http_xfer);

struct http_multi {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct http_xfers	 xfers;
	size_t			 pending;
	http_observe_cb		 observe;
	void			*observe_arg;
};

/* One socket curl asked us to watch. */
struct http_sock {
	struct http_multi	*m;
	curl_socket_t		 fd;
	struct event		*ev;
};

/* A worker reuses one easy handle so connections to a host are kept. */
struct http_easy {
	CURL			*curl;
	http_observe_cb		 observe;	/* worker's call counter */
	void			*observe_arg;
};

static void	 http_slist_free(struct curl_slist *);
static size_t	 http_write_cb(char *, size_t, size_t, void *);
static size_t	 http_header_cb(char *, size_t, size_t, void *);
static struct curl_slist *http_setup(CURL *, const struct http_request *,
		    struct http_sink *, char *);
static void	 http_finish(CURL *, CURLcode, struct http_response *,
		    const char *);
static void	 http_multi_check(struct http_multi *);
static void	 http_multi_event_cb(int, short, void *);
static void	 http_multi_timer_cb(int, short, void *);
static int	 http_multi_socket_fn(CURL *, curl_socket_t, int, void *,
		    void *);
static int	 http_multi_timer_fn(CURLM *, long, void *);
static struct http_xfer *http_xfer_new(struct http_multi *, http_cb,
		    void *);
static void	 http_xfer_start(struct http_xfer *, const char *);
static void	 http_xfer_free(struct http_xfer *);
static void	 http_xfer_fail_cb(int, short, void *);

int
http_global_init(void)
{
	const curl_version_info_data	*vi;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("http_global_init: curl_global_init failed");
		return (-1);
	}
	vi = curl_version_info(CURLVERSION_NOW);
	if (vi == NULL || (vi->features & CURL_VERSION_ASYNCHDNS) == 0)
		log_warnx("libcurl %s lacks asynchronous DNS: name lookups "
		    "block the master's event loop",
		    vi != NULL ? vi->version : "?");
	return (0);
}

/* Wipe header lines (one holds the bearer token) before freeing them. */
static void
http_slist_free(struct curl_slist *l)
{
	struct curl_slist	*s;

	for (s = l; s != NULL; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(l);
}

static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_sink	*sink = arg;
	struct http_response	*resp = sink->resp;
	size_t			 n = size * nmemb, want, ncap;

	if (n == 0)
		return (0);
	if (n > sink->max || resp->len > sink->max - n) {
		resp->too_large = 1;
		return (0);	/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	want = resp->len + n + 1;
	if (want > sink->cap) {
		ncap = sink->cap == 0 ? HTTP_BODY_INITIAL : sink->cap;
		while (ncap < want)
			ncap *= 2;
		if (ncap > sink->max + 1)
			ncap = sink->max + 1;
		resp->body = xreallocarray(resp->body, 1, ncap);
		sink->cap = ncap;
	}
	memcpy(resp->body + resp->len, data, n);
	resp->len += n;
	resp->body[resp->len] = '\0';
	return (n);
}

/* Keeps Retry-After of the final answer; headers are otherwise ignored. */
static size_t
http_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_sink	*sink = arg;
	struct http_response	*resp = sink->resp;
	static const char	 name[] = "retry-after:";
	size_t			 n = size * nmemb, i, j;

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new status line (after 100 Continue): start again. */
		resp->retry_after[0] = '\0';
		return (n);
	}
	if (n < sizeof(name) - 1 ||
	    strncasecmp(data, name, sizeof(name) - 1) != 0)
		return (n);
	i = sizeof(name) - 1;
	while (i < n && (data[i] == ' ' || data[i] == '\t'))
		i++;
	j = n;
	while (j > i && isspace((unsigned char)data[j - 1]))
		j--;
	if (j - i < sizeof(resp->retry_after)) {
		memcpy(resp->retry_after, data + i, j - i);
		resp->retry_after[j - i] = '\0';
	}
	return (n);
}

/*
 * Sets every option of one request on an easy handle; curl copies all
 * strings (COPYPOSTFIELDS for the body), so the request may go away after.
 * Returns the header list, which the caller frees with http_slist_free
 * after the transfer.
 */
static struct curl_slist *
http_setup(CURL *easy, const struct http_request *req, struct http_sink *sink,
    char *errbuf)
{
	struct curl_slist	*h = NULL, *n;
	char			*line;
	const char		*method = req->method ? req->method : "GET";
	size_t			 i;
	int			 fail = 0;

#define HTTP_APPEND(s) do {						\
	if ((n = curl_slist_append(h, (s))) == NULL)			\
		fatalx("http_setup: curl_slist_append");		\
	h = n;								\
} while (0)

	HTTP_APPEND("Accept: application/json");
	/* Form posts larger than 1 KiB must not wait for 100-continue. */
	HTTP_APPEND("Expect:");
	if (req->body != NULL && req->content_type != NULL) {
		xasprintf(&line, "Content-Type: %s", req->content_type);
		HTTP_APPEND(line);
		free(line);
	}
	if (req->bearer != NULL && req->bearer[0] != '\0') {
		xasprintf(&line, "Authorization: Bearer %s", req->bearer);
		HTTP_APPEND(line);
		explicit_bzero(line, strlen(line));
		free(line);
	}
	for (i = 0; i < HTTP_HEADERS_MAX && req->headers[i] != NULL; i++)
		HTTP_APPEND(req->headers[i]);
#undef HTTP_APPEND

	fail |= curl_easy_setopt(easy, CURLOPT_URL, req->url) != CURLE_OK;
	fail |= curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK;
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file != NULL && req->ca_file[0] != '\0')
		curl_easy_setopt(easy, CURLOPT_CAINFO, req->ca_file);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(req->connect_timeout_ms ? req->connect_timeout_ms :
	    HTTP_CONNECT_TIMEOUT_MS));
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
	    (long)(req->timeout_ms ? req->timeout_ms : HTTP_TIMEOUT_MS));
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, sink);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);

	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	else {
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
		if (req->body != NULL || strcmp(method, "POST") == 0) {
			curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE,
			    (long)(req->body ? strlen(req->body) : 0));
			fail |= curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS,
			    req->body ? req->body : "") != CURLE_OK;
		}
	}
	if (fail)
		log_warnx("http_setup: %s %s: unsupported option", method,
		    req->url);
	return (h);
}

/* Fills the response's transport fields after a transfer. */
static void
http_finish(CURL *easy, CURLcode rc, struct http_response *resp,
    const char *errbuf)
{
	long	 code = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	resp->status = code;
	resp->curl_code = rc;
	if (rc == CURLE_OK) {
		resp->error[0] = '\0';
		return;
	}
	if (resp->too_large)
		strlcpy(resp->error, "answer larger than the body limit",
		    sizeof(resp->error));
	else if (errbuf != NULL && errbuf[0] != '\0')
		strlcpy(resp->error, errbuf, sizeof(resp->error));
	else
		strlcpy(resp->error, curl_easy_strerror(rc),
		    sizeof(resp->error));
}

/* Returns a new blocking handle; free with http_easy_free. */
struct http_easy *
http_easy_new(void)
{
	struct http_easy	*e;

	e = xcalloc(1, sizeof(*e));
	if ((e->curl = curl_easy_init()) == NULL)
		fatalx("http_easy_new: curl_easy_init");
	return (e);
}

/* Closes the handle's connections.  NULL is a no-op. */
void
http_easy_free(struct http_easy *e)
{
	if (e == NULL)
		return;
	curl_easy_cleanup(e->curl);
	free(e);
}

/* Call cb after each http_fetch on e with its URL, status and curl code. */
void
http_easy_observe(struct http_easy *e, http_observe_cb cb, void *arg)
{
	e->observe = cb;
	e->observe_arg = arg;
}

/*
 * Blocking: one request on e.  Returns 0 when an HTTP answer arrived (any
 * status), -1 on a transport error (curl_code and error set; too_large
 * when the body passed max_body).  The caller frees resp with
 * http_response_clear.
 */
int
http_fetch(struct http_easy *e, const struct http_request *req,
    struct http_response *resp)
{
	struct http_sink	 sink;
	struct curl_slist	*h;
	char			 errbuf[CURL_ERROR_SIZE];
	CURLcode		 rc;

	memset(resp, 0, sizeof(*resp));
	curl_easy_reset(e->curl);
	memset(&sink, 0, sizeof(sink));
	sink.resp = resp;
	sink.max = req->max_body ? req->max_body : HTTP_BODY_MAX;
	errbuf[0] = '\0';
	h = http_setup(e->curl, req, &sink, errbuf);
	rc = curl_easy_perform(e->curl);
	http_finish(e->curl, rc, resp, errbuf);
	if (e->observe != NULL)
		e->observe(req->url, resp->status, rc, e->observe_arg);
	/* The handle keeps pointers to these: drop them before freeing. */
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, NULL);
	http_slist_free(h);
	if (rc != CURLE_OK) {
		log_debug("http_fetch: %s %s: %s", req->method ? req->method :
		    "GET", req->url, resp->error);
		return (-1);
	}
	return (0);
}

/* Frees the body (which may hold a token) and zeroes the response. */
void
http_response_clear(struct http_response *resp)
{
	if (resp == NULL)
		return;
	if (resp->body != NULL) {
		explicit_bzero(resp->body, resp->len);
		free(resp->body);
	}
	memset(resp, 0, sizeof(*resp));
}

/* Returns a new multi handle on base; free with http_multi_free. */
struct http_multi *
http_multi_new(struct event_base *base)
{
	struct http_multi	*m;

	m = xcalloc(1, sizeof(*m));
	m->base = base;
	TAILQ_INIT(&m->xfers);
	if ((m->multi = curl_multi_init()) == NULL)
		fatalx("http_multi_new: curl_multi_init");
	if ((m->timer = evtimer_new(base, http_multi_timer_cb, m)) == NULL)
		fatalx("http_multi_new: evtimer_new");
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION,
	    http_multi_socket_fn);
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, http_multi_timer_fn);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
	return (m);
}

static void
http_xfer_free(struct http_xfer *x)
{
	if (x->fail_ev != NULL)
		event_free(x->fail_ev);
	if (x->easy != NULL) {
		curl_multi_remove_handle(x->m->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	http_slist_free(x->hdrs);
	http_response_clear(&x->resp);
	free(x);
}

/*
 * Cancels every pending request without calling its callback (the callers
 * are going away too), then frees the handle.  Must not be called from an
 * http_cb.  NULL is a no-op.
 */
void
http_multi_free(struct http_multi *m)
{
	struct http_xfer	*x;

	if (m == NULL)
		return;
	while ((x = TAILQ_FIRST(&m->xfers)) != NULL) {
		TAILQ_REMOVE(&m->xfers, x, entry);
		http_xfer_free(x);	/* curl drops its sockets here */
	}
	curl_multi_cleanup(m->multi);
	event_free(m->timer);
	free(m);
}

/* Hands every finished transfer to its callback. */
static void
http_multi_check(struct http_multi *m)
{
	struct http_xfer	*x;
	CURLMsg			*msg;
	int			 left;
	char			*p;

	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		p = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
		x = (struct http_xfer *)p;
		if (x == NULL)
			fatalx("http_multi_check: transfer without owner");
		http_finish(x->easy, msg->data.result, &x->resp, NULL);
		TAILQ_REMOVE(&m->xfers, x, entry);
		m->pending--;
		if (m->observe != NULL) {
			p = NULL;
			curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &p);
			m->observe(p != NULL ? p : "", x->resp.status,
			    x->resp.curl_code, m->observe_arg);
		}
		x->cb(&x->resp, x->arg);
		http_xfer_free(x);
	}
}

static void
http_multi_event_cb(int fd, short what, void *arg)
{
	struct http_multi	*m = arg;
	int			 running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(m->multi, fd, action, &running);
	http_multi_check(m);
}

static void
http_multi_timer_cb(int fd, short what, void *arg)
{
	struct http_multi	*m = arg;
	int			 running;

	curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_multi_check(m);
}

/* CURLMOPT_SOCKETFUNCTION: keep one persistent event per socket. */
static int
http_multi_socket_fn(CURL *easy, curl_socket_t fd, int what, void *marg,
    void *sarg)
{
	struct http_multi	*m = marg;
	struct http_sock	*s = sarg;
	short			 ev = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
		}
		curl_multi_assign(m->multi, fd, NULL);
		return (0);
	}
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->m = m;
		s->fd = fd;
		curl_multi_assign(m->multi, fd, s);
	} else
		event_free(s->ev);
	s->ev = event_new(m->base, fd, ev, http_multi_event_cb, m);
	if (s->ev == NULL)
		fatalx("http_multi_socket_fn: event_new");
	event_add(s->ev, NULL);
	return (0);
}

/* CURLMOPT_TIMERFUNCTION: one libevent timer mirrors curl's. */
static int
http_multi_timer_fn(CURLM *multi, long timeout_ms, void *arg)
{
	struct http_multi	*m = arg;
	struct timeval		 tv;

	if (timeout_ms < 0) {
		evtimer_del(m->timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(m->timer, &tv);
	return (0);
}

/* A request that failed before reaching curl reports from the loop. */
static void
http_xfer_fail_cb(int fd, short what, void *arg)
{
	struct http_xfer	*x = arg;
	struct http_multi	*m = x->m;

	TAILQ_REMOVE(&m->xfers, x, entry);
	m->pending--;
	x->cb(&x->resp, x->arg);
	http_xfer_free(x);
}

/* A new transfer on m's list, counted as pending until cb has run. */
static struct http_xfer *
http_xfer_new(struct http_multi *m, http_cb cb, void *arg)
{
	struct http_xfer	*x;

	x = xcalloc(1, sizeof(*x));
	x->m = m;
	x->cb = cb;
	x->arg = arg;
	TAILQ_INSERT_TAIL(&m->xfers, x, entry);
	m->pending++;
	return (x);
}

/*
 * Hands x's easy handle to curl.  If curl refuses it, the failure reaches
 * cb from the loop instead (fn names the caller for a fatal error).
 */
static void
http_xfer_start(struct http_xfer *x, const char *fn)
{
	struct http_multi	*m = x->m;
	struct timeval		 tv = { 0, 0 };
	CURLMcode		 mc;

	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x);
	if ((mc = curl_multi_add_handle(m->multi, x->easy)) == CURLM_OK)
		return;
	x->resp.curl_code = CURLE_FAILED_INIT;
	snprintf(x->resp.error, sizeof(x->resp.error),
	    "curl_multi_add_handle: %s", curl_multi_strerror(mc));
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	if ((x->fail_ev = evtimer_new(m->base, http_xfer_fail_cb, x)) == NULL)
		fatalx("%s: evtimer_new", fn);
	evtimer_add(x->fail_ev, &tv);
}

/*
 * Queues a request; everything it needs is copied, so req and its strings
 * may go away on return.  cb is called exactly once, later, from the event
 * loop (never from inside this function), with a response it borrows:
 * http.c frees it when cb returns.  cb may add requests but must not free
 * the multi handle.  Returns 0; early failures are reported through cb.
 */
int
http_multi_add(struct http_multi *m, const struct http_request *req,
    http_cb cb, void *arg)
{
	struct http_xfer	*x;

	x = http_xfer_new(m, cb, arg);
	x->sink.resp = &x->resp;
	x->sink.max = req->max_body ? req->max_body : HTTP_BODY_MAX;
	if ((x->easy = curl_easy_init()) == NULL)
		fatalx("http_multi_add: curl_easy_init");
	x->hdrs = http_setup(x->easy, req, &x->sink, NULL);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, NULL);
	http_xfer_start(x, "http_multi_add");
	return (0);
}

size_t
http_multi_pending(const struct http_multi *m)
{
	return (m->pending);
}

/*
 * Queues an easy handle the caller prepared itself (SMTP: notify.c), for
 * protocols http_setup does not speak.  http.c owns the handle from now
 * on and cleans it up after cb returns; cb reports status (the last
 * server reply code) and curl_code as for HTTP.  Whatever the handle
 * points to (upload data, recipient lists) must live until cb.  Returns 0.
 */
int
http_multi_add_easy(struct http_multi *m, void *easy, http_cb cb, void *arg)
{
	struct http_xfer	*x;

	x = http_xfer_new(m, cb, arg);
	x->easy = easy;
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	http_xfer_start(x, "http_multi_add_easy");
	return (0);
}

/* One observer per multi handle: called before each transfer's cb. */
void
http_multi_observe(struct http_multi *m, http_observe_cb cb, void *arg)
{
	m->observe = cb;
	m->observe_arg = arg;
}

/*
 * Percent-encodes everything but RFC 3986 unreserved characters, so "/"
 * becomes "%2F" as GCS object names in paths need.  Returns a new string;
 * caller frees.
 */
char *
http_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*out, *o;
	size_t			 len = strlen(s);

	if (len > (SIZE_MAX - 1) / 3)
		fatalx("http_escape: string too long");
	out = o = xmalloc(len * 3 + 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			*o++ = *p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		}
	}
	*o = '\0';
	return (out);
}
