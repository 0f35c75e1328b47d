/*
 * check_http.c: http.c and auth.c's token fetching against a small HTTP
 * server (libevent evhttp on 127.0.0.1, port chosen by the kernel) run in a
 * forked child.  Blocking fetches (status, headers, body cap, timeout,
 * Retry-After, refused connection), the multi handle on an event loop, and
 * auth_get against fake token and metadata endpoints.  No sleeps: every
 * wait is an event or a curl timeout.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "auth.h"
#include "gcp.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

static pid_t		 srv_pid = -1;
static int		 srv_port;
static char		 srv_base[64];
static char		 tmpdir[256];
static struct http_easy	*easy;		/* the blocking calls' handle */

/* ---- the server (child process) ---- */

static int		 token_count;

#define RT_BODY		"grant_type=refresh_token&client_id=cid&" \
	"client_secret=s%2Fec&refresh_token=1%2F%2Frt"
#define JWT_PREFIX	"grant_type=urn%3Aietf%3Aparams%3Aoauth%3A" \
	"grant-type%3Ajwt-bearer&assertion=eyJ"

struct delayed {
	struct evhttp_request	*req;
	char			 body[64];
	struct event		*ev;
};

static void
reply(struct evhttp_request *req, int code, const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add(b, body, strlen(body));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, code, "X", b);
	evbuffer_free(b);
}

static void
delayed_cb(int fd, short what, void *arg)
{
	struct delayed	*d = arg;

	reply(d->req, 200, d->body);
	event_free(d->ev);
	free(d);
}

static const char *
hdr(struct evhttp_request *req, const char *name)
{
	const char	*v;

	v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
	return (v ? v : "-");
}

static char *
req_body(struct evhttp_request *req)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 n = evbuffer_get_length(in);
	char		*s = xmalloc(n + 1);

	evbuffer_remove(in, s, n);
	s[n] = '\0';
	return (s);
}

static void
token_reply(struct evhttp_request *req, const char *prefix, int as_string)
{
	char	 out[256];

	token_count++;
	snprintf(out, sizeof(out), as_string ?
	    "{\"access_token\":\"%s-%d\",\"expires_in\":\"3599\","
	    "\"token_type\":\"Bearer\"}" :
	    "{\"access_token\":\"%s-%d\",\"expires_in\":3599,"
	    "\"token_type\":\"Bearer\"}", prefix, token_count);
	reply(req, 200, out);
}

static void
srv_cb(struct evhttp_request *req, void *arg)
{
	struct event_base	*base = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = evhttp_uri_get_path(uri);
	const char		*q = evhttp_uri_get_query(uri);
	struct evkeyvalq	 params;
	struct delayed		*d;
	struct timeval		 tv;
	char			 out[2048], *body, *big;
	int			 ms;

	if (strcmp(path, "/ok") == 0)
		reply(req, 200, "hello");
	else if (strcmp(path, "/big") == 0) {
		big = xmalloc(100001);
		memset(big, 'x', 100000);
		big[100000] = '\0';
		reply(req, 200, big);
		free(big);
	} else if (strcmp(path, "/hang") == 0)
		;	/* never answered */
	else if (strcmp(path, "/retry") == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "7");
		reply(req, 503, "{\"error\":{\"code\":503}}");
	} else if (strcmp(path, "/echo") == 0) {
		body = req_body(req);
		snprintf(out, sizeof(out), "M=%s|A=%s|U=%s|C=%s|X=%s|J=%s|B=%s",
		    evhttp_request_get_command(req) == EVHTTP_REQ_POST ?
		    "POST" : "GET", hdr(req, "Authorization"),
		    hdr(req, "User-Agent"), hdr(req, "Content-Type"),
		    hdr(req, "X-Test"), hdr(req, "Accept"), body);
		free(body);
		reply(req, 200, out);
	} else if (strcmp(path, "/delay") == 0) {
		evhttp_parse_query_str(q ? q : "", &params);
		d = xcalloc(1, sizeof(*d));
		d->req = req;
		strlcpy(d->body, evhttp_find_header(&params, "tag"),
		    sizeof(d->body));
		ms = atoi(evhttp_find_header(&params, "ms"));
		evhttp_clear_headers(&params);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		d->ev = evtimer_new(base, delayed_cb, d);
		evtimer_add(d->ev, &tv);
	} else if (strcmp(path, "/count") == 0) {
		snprintf(out, sizeof(out), "%d", token_count);
		reply(req, 200, out);
	} else if (strcmp(path, "/token") == 0) {
		body = req_body(req);
		if (strcmp(hdr(req, "Content-Type"),
		    "application/x-www-form-urlencoded") != 0 ||
		    (strcmp(body, RT_BODY) != 0 &&
		    strncmp(body, JWT_PREFIX, strlen(JWT_PREFIX)) != 0))
			reply(req, 400, "{\"error\":\"invalid_request\"}");
		else
			token_reply(req, "tok", 0);
		free(body);
	} else if (strcmp(path, "/token-bad") == 0) {
		token_count++;
		reply(req, 400, "{\"error\":\"invalid_grant\","
		    "\"error_description\":\"Token has been expired or "
		    "revoked.\"}");
	} else if (strcmp(path, "/computeMetadata/v1/instance/"
	    "service-accounts/default/token") == 0) {
		if (strcmp(hdr(req, "Metadata-Flavor"), "Google") != 0)
			reply(req, 403, "missing Metadata-Flavor");
		else
			token_reply(req, "meta", 1);
	} else
		reply(req, 404, "{}");
}

static void
srv_start(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct event_base	*base;
	struct evhttp		*http;
	sigset_t		 term, old;
	int			 fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 64), 0);
	evutil_make_socket_nonblocking(fd);	/* evconnlistener needs it */
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	srv_port = ntohs(sin.sin_port);
	snprintf(srv_base, sizeof(srv_base), "http://127.0.0.1:%d", srv_port);

	/*
	 * Check's SIGTERM handler would kill the whole test group: the
	 * server takes the default action before any SIGTERM can reach it
	 * (srv_stop may send one as soon as fork returns, in a fast test).
	 */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	if ((srv_pid = fork()) == 0) {
		signal(SIGTERM, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		base = event_base_new();
		http = evhttp_new(base);
		evhttp_set_gencb(http, srv_cb, base);
		evhttp_set_timeout(http, 60);
		evhttp_accept_socket(http, fd);
		event_base_dispatch(base);
		_exit(0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	ck_assert_int_gt(srv_pid, 0);
	close(fd);

	strlcpy(tmpdir, "/tmp/check_http.XXXXXX", sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
	unsetenv("CLOUDSDK_CONFIG");
	unsetenv("GCE_METADATA_HOST");
	setenv("HOME", tmpdir, 1);
	http_global_init();
	easy = http_easy_new();
}

static void
srv_stop(void)
{
	char	 cmd[300];

	http_easy_free(easy);
	easy = NULL;
	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static char *
url(const char *path)
{
	char	*u;

	xasprintf(&u, "%s%s", srv_base, path);
	return (u);
}

/* ---- blocking ---- */

START_TEST(test_fetch_ok)
{
	struct http_request	 req;
	struct http_response	 resp;
	char			*u = url("/ok");

	memset(&req, 0, sizeof(req));
	req.url = u;
	ck_assert_int_eq(http_fetch(easy, &req, &resp), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "hello");
	ck_assert_uint_eq(resp.len, 5);
	ck_assert_int_eq(resp.curl_code, 0);
	http_response_clear(&resp);
	/* The same handle again (connection reuse). */
	ck_assert_int_eq(http_fetch(easy, &req, &resp), 0);
	ck_assert_str_eq(resp.body, "hello");
	http_response_clear(&resp);
	free(u);
}
END_TEST

START_TEST(test_fetch_headers)
{
	struct http_request	 req;
	struct http_response	 resp;
	char			*u = url("/echo");

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = u;
	req.body = "{\"a\":1}";
	req.content_type = "application/json";
	req.bearer = "tok-abc";
	req.headers[0] = "X-Test: yes";
	ck_assert_int_eq(http_fetch(easy, &req, &resp), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "M=POST|A=Bearer tok-abc|U=databackup/"
	    PACKAGE_VERSION "|C=application/json|X=yes|J=application/json|"
	    "B={\"a\":1}");
	http_response_clear(&resp);

	/* No bearer, no body: plain GET. */
	memset(&req, 0, sizeof(req));
	req.url = u;
	ck_assert_int_eq(http_fetch(easy, &req, &resp), 0);
	ck_assert_ptr_nonnull(strstr(resp.body, "M=GET|A=-|"));
	http_response_clear(&resp);
	free(u);
}
END_TEST

START_TEST(test_fetch_too_large)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct gcp_error	 err;
	char			*u = url("/big");

	memset(&req, 0, sizeof(req));
	req.url = u;
	req.max_body = 1000;
	ck_assert_int_eq(http_fetch(easy, &req, &resp), -1);
	ck_assert_int_eq(resp.too_large, 1);
	ck_assert_int_eq(resp.curl_code, CURLE_WRITE_ERROR);
	ck_assert_uint_le(resp.len, 1000);
	ck_assert_int_eq(gcp_classify(resp.status, resp.body, resp.len,
	    resp.retry_after, resp.curl_code, resp.error, &err), GCP_RETRY);
	http_response_clear(&resp);

	req.max_body = 0;	/* default cap is far above 100 kB */
	ck_assert_int_eq(http_fetch(easy, &req, &resp), 0);
	ck_assert_uint_eq(resp.len, 100000);
	http_response_clear(&resp);
	free(u);
}
END_TEST

START_TEST(test_fetch_timeout)
{
	struct http_request	 req;
	struct http_response	 resp;
	char			*u = url("/hang");

	memset(&req, 0, sizeof(req));
	req.url = u;
	req.timeout_ms = 300;
	ck_assert_int_eq(http_fetch(easy, &req, &resp), -1);
	ck_assert_int_eq(resp.curl_code, CURLE_OPERATION_TIMEDOUT);
	ck_assert_str_ne(resp.error, "");
	http_response_clear(&resp);
	free(u);
}
END_TEST

START_TEST(test_fetch_retry_after)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct gcp_error	 err;
	char			*u = url("/retry");

	memset(&req, 0, sizeof(req));
	req.url = u;
	ck_assert_int_eq(http_fetch(easy, &req, &resp), 0);
	ck_assert_int_eq(resp.status, 503);
	ck_assert_str_eq(resp.retry_after, "7");
	ck_assert_int_eq(gcp_classify(resp.status, resp.body, resp.len,
	    resp.retry_after, resp.curl_code, resp.error, &err), GCP_RETRY);
	ck_assert_int_eq(err.retry_after_ms, 7000);
	http_response_clear(&resp);
	free(u);
}
END_TEST

START_TEST(test_fetch_refused)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct http_request	 req;
	struct http_response	 resp;
	char			*u;
	int			 fd;

	/*
	 * A port bound but not listening: connections are refused, and
	 * holding it keeps a parallel test from taking it meanwhile.
	 */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	xasprintf(&u, "http://127.0.0.1:%d/x", ntohs(sin.sin_port));
	memset(&req, 0, sizeof(req));
	req.url = u;
	req.timeout_ms = 5000;
	ck_assert_int_eq(http_fetch(easy, &req, &resp), -1);
	ck_assert_int_eq(resp.curl_code, CURLE_COULDNT_CONNECT);
	http_response_clear(&resp);
	close(fd);
	free(u);

	/* Only http and https. */
	memset(&req, 0, sizeof(req));
	req.url = "file:///etc/passwd";
	ck_assert_int_eq(http_fetch(easy, &req, &resp), -1);
	ck_assert_int_eq(resp.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
	ck_assert_ptr_null(resp.body);
	http_response_clear(&resp);
}
END_TEST

/* ---- multi ---- */

#define NMULTI	6

struct mstate {
	struct event_base	*base;
	int			 calls[NMULTI];
	char			 body[NMULTI][64];
	long			 status[NMULTI];
	int			 curl_code[NMULTI];
	int			 done, want;
	int			 order[NMULTI];
};

struct mslot {
	struct mstate	*st;
	int		 i;
};

static void
multi_cb(struct http_response *resp, void *arg)
{
	struct mslot	*sl = arg;
	struct mstate	*st = sl->st;

	st->calls[sl->i]++;
	st->status[sl->i] = resp->status;
	st->curl_code[sl->i] = resp->curl_code;
	if (resp->body != NULL)
		strlcpy(st->body[sl->i], resp->body, sizeof(st->body[0]));
	st->order[st->done++] = sl->i;
	if (st->done == st->want)
		event_base_loopbreak(st->base);
}

START_TEST(test_multi)
{
	struct mstate		 st;
	struct mslot		 sl[NMULTI];
	struct http_multi	*m;
	struct http_request	 req;
	char			*u, tag[16];
	int			 i;

	memset(&st, 0, sizeof(st));
	st.base = event_base_new();
	st.want = NMULTI;
	m = http_multi_new(st.base);
	for (i = 0; i < NMULTI - 1; i++) {
		sl[i].st = &st;
		sl[i].i = i;
		/* Later requests answer first: they really run together. */
		xasprintf(&u, "%s/delay?ms=%d&tag=r%d", srv_base,
		    50 * (NMULTI - i), i);
		memset(&req, 0, sizeof(req));
		req.url = u;
		ck_assert_int_eq(http_multi_add(m, &req, multi_cb, &sl[i]), 0);
		free(u);	/* copied by http_multi_add */
	}
	/* One that fails early must still report from the loop. */
	sl[i].st = &st;
	sl[i].i = i;
	memset(&req, 0, sizeof(req));
	req.url = "gopher://127.0.0.1/";
	ck_assert_int_eq(http_multi_add(m, &req, multi_cb, &sl[i]), 0);
	for (i = 0; i < NMULTI; i++)
		ck_assert_int_eq(st.calls[i], 0);
	ck_assert_uint_eq(http_multi_pending(m), NMULTI);

	event_base_dispatch(st.base);
	ck_assert_int_eq(st.done, NMULTI);
	for (i = 0; i < NMULTI - 1; i++) {
		snprintf(tag, sizeof(tag), "r%d", i);
		ck_assert_int_eq(st.calls[i], 1);
		ck_assert_int_eq(st.status[i], 200);
		ck_assert_str_eq(st.body[i], tag);
	}
	ck_assert_int_eq(st.calls[NMULTI - 1], 1);
	ck_assert_int_ne(st.curl_code[NMULTI - 1], 0);
	/* Shortest delay (last added) came back before the first added. */
	ck_assert_int_eq(st.order[NMULTI - 1] == 0 ||
	    st.order[NMULTI - 2] == 0, 1);
	ck_assert_uint_eq(http_multi_pending(m), 0);
	http_multi_free(m);
	event_base_free(st.base);
}
END_TEST

START_TEST(test_multi_free_pending)
{
	struct mstate		 st;
	struct mslot		 sl;
	struct http_multi	*m;
	struct http_request	 req;
	struct timeval		 tv = { 0, 200000 };
	char			*u = url("/hang");

	memset(&st, 0, sizeof(st));
	st.base = event_base_new();
	st.want = 1;
	m = http_multi_new(st.base);
	sl.st = &st;
	sl.i = 0;
	memset(&req, 0, sizeof(req));
	req.url = u;
	http_multi_add(m, &req, multi_cb, &sl);
	/* Let the request reach the server, then give up on it. */
	event_base_loopexit(st.base, &tv);
	event_base_dispatch(st.base);
	ck_assert_uint_eq(http_multi_pending(m), 1);
	http_multi_free(m);
	ck_assert_int_eq(st.calls[0], 0);
	event_base_free(st.base);
	free(u);
}
END_TEST

/* ---- auth_get ---- */

struct astate {
	struct event_base	*base;
	int			 calls, want, inside;
	char			 tok[8][64];
	struct gcp_error	 err[8];
	int			 failed;
};

static void
auth_test_cb(const char *tok, const struct gcp_error *err, void *arg)
{
	struct astate	*st = arg;

	ck_assert_int_eq(st->inside, 0);	/* never from auth_get */
	ck_assert_int_lt(st->calls, 8);
	if (tok != NULL)
		strlcpy(st->tok[st->calls], tok, sizeof(st->tok[0]));
	else {
		st->err[st->calls] = *err;
		st->failed++;
	}
	if (++st->calls == st->want)
		event_base_loopbreak(st->base);
}

static void
get_tokens(struct auth *a, struct astate *st, int n)
{
	int	 i;

	st->calls = 0;
	st->want = n;
	st->failed = 0;
	memset(st->tok, 0, sizeof(st->tok));
	st->inside = 1;
	for (i = 0; i < n; i++)
		auth_get(a, auth_test_cb, st);
	st->inside = 0;
	event_base_dispatch(st->base);
	ck_assert_int_eq(st->calls, n);
}

static int
token_requests(void)
{
	struct http_request	 req;
	struct http_response	 resp;
	char			*u = url("/count");
	int			 n;

	memset(&req, 0, sizeof(req));
	req.url = u;
	ck_assert_int_eq(http_fetch(easy, &req, &resp), 0);
	n = atoi(resp.body);
	http_response_clear(&resp);
	free(u);
	return (n);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

static struct auth *
auth_setup(struct astate *st, struct http_multi **m, const char *json)
{
	struct auth_info	 info;
	struct auth		*a;
	char			 path[512], err[512];

	memset(st, 0, sizeof(*st));
	st->base = event_base_new();
	*m = http_multi_new(st->base);
	if (json != NULL) {
		snprintf(path, sizeof(path), "%s/key.json", tmpdir);
		write_file(path, json);
		ck_assert_int_eq(auth_find(path, &info, err, sizeof(err)), 0);
	} else
		ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), 0);
	a = auth_new(st->base, *m, &info, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	return (a);
}

static void
auth_teardown(struct astate *st, struct http_multi *m, struct auth *a)
{
	http_multi_free(m);
	auth_free(a);
	event_base_free(st->base);
}

START_TEST(test_auth_user)
{
	struct astate		 st;
	struct http_multi	*m;
	struct auth		*a;
	const char		*cached;
	char			*json;
	int64_t			 exp;
	int			 i;

	xasprintf(&json, "{\"type\":\"authorized_user\",\"client_id\":\"cid\","
	    "\"client_secret\":\"s/ec\",\"refresh_token\":\"1//rt\","
	    "\"token_uri\":\"%s/token\"}", srv_base);
	a = auth_setup(&st, &m, json);
	free(json);
	ck_assert_ptr_null(auth_cached(a, NULL));

	/* Three waiters, one refresh. */
	get_tokens(a, &st, 3);
	for (i = 0; i < 3; i++)
		ck_assert_str_eq(st.tok[i], "tok-1");
	ck_assert_int_eq(token_requests(), 1);
	cached = auth_cached(a, &exp);
	ck_assert_str_eq(cached, "tok-1");
	ck_assert_int_gt(exp, (int64_t)time(NULL) + 3500);

	/* Cached: no request, but still delivered from the loop. */
	get_tokens(a, &st, 2);
	ck_assert_str_eq(st.tok[0], "tok-1");
	ck_assert_str_eq(st.tok[1], "tok-1");
	ck_assert_int_eq(token_requests(), 1);

	/* Invalidating another token changes nothing; ours refreshes. */
	auth_invalidate(a, "tok-0");
	ck_assert_ptr_nonnull(auth_cached(a, NULL));
	auth_invalidate(a, "tok-1");
	ck_assert_ptr_null(auth_cached(a, NULL));
	get_tokens(a, &st, 1);
	ck_assert_str_eq(st.tok[0], "tok-2");
	ck_assert_int_eq(token_requests(), 2);
	auth_teardown(&st, m, a);
}
END_TEST

START_TEST(test_auth_failure)
{
	struct astate		 st;
	struct http_multi	*m;
	struct auth		*a;
	char			*json;
	int			 i;

	xasprintf(&json, "{\"type\":\"authorized_user\",\"client_id\":\"cid\","
	    "\"client_secret\":\"s\",\"refresh_token\":\"r\","
	    "\"token_uri\":\"%s/token-bad\"}", srv_base);
	a = auth_setup(&st, &m, json);
	free(json);
	get_tokens(a, &st, 3);
	ck_assert_int_eq(st.failed, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(st.err[i].st, GCP_PERMANENT);
		ck_assert_str_eq(st.err[i].reason, "invalid_grant");
		ck_assert_ptr_nonnull(strstr(st.err[i].message, "revoked"));
	}
	ck_assert_int_eq(token_requests(), 1);	/* not retried */
	ck_assert_ptr_null(auth_cached(a, NULL));
	auth_teardown(&st, m, a);
}
END_TEST

START_TEST(test_auth_metadata)
{
	struct astate		 st;
	struct http_multi	*m;
	struct auth		*a;
	char			 host[64];

	snprintf(host, sizeof(host), "127.0.0.1:%d", srv_port);
	setenv("GCE_METADATA_HOST", host, 1);
	a = auth_setup(&st, &m, NULL);
	get_tokens(a, &st, 2);
	ck_assert_int_eq(st.failed, 0);
	ck_assert_str_eq(st.tok[0], "meta-1");	/* expires_in as a string */
	ck_assert_str_eq(st.tok[1], "meta-1");
	auth_teardown(&st, m, a);
}
END_TEST

START_TEST(test_auth_service_account)
{
	struct astate		 st;
	struct http_multi	*m;
	struct auth		*a;
	EVP_PKEY_CTX		*kc;
	EVP_PKEY		*pkey = NULL;
	BIO			*bio;
	char			*pem, *json, *esc, *o;
	const char		*p;
	long			 n;

	kc = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
	ck_assert_int_eq(EVP_PKEY_keygen_init(kc), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(kc, 2048), 1);
	ck_assert_int_eq(EVP_PKEY_keygen(kc, &pkey), 1);
	EVP_PKEY_CTX_free(kc);
	bio = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(bio, &pem);
	/* JSON-escape the newlines as key files do. */
	esc = o = xmalloc(2 * n + 1);
	for (p = pem; p < pem + n; p++) {
		if (*p == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else
			*o++ = *p;
	}
	*o = '\0';
	xasprintf(&json, "{\"type\":\"service_account\",\"project_id\":\"p\","
	    "\"private_key_id\":\"kid1\",\"private_key\":\"%s\","
	    "\"client_email\":\"sa@p.iam.gserviceaccount.com\","
	    "\"token_uri\":\"%s/token\"}", esc, srv_base);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	free(esc);

	a = auth_setup(&st, &m, json);
	free(json);
	get_tokens(a, &st, 1);
	ck_assert_int_eq(st.failed, 0);
	ck_assert_str_eq(st.tok[0], "tok-1");
	auth_teardown(&st, m, a);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite	*s = suite_create("http");
	TCase	*tc;

	tc = tcase_create("fetch");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, srv_start, srv_stop);
	tcase_add_test(tc, test_fetch_ok);
	tcase_add_test(tc, test_fetch_headers);
	tcase_add_test(tc, test_fetch_too_large);
	tcase_add_test(tc, test_fetch_timeout);
	tcase_add_test(tc, test_fetch_retry_after);
	tcase_add_test(tc, test_fetch_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("multi");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, srv_start, srv_stop);
	tcase_add_test(tc, test_multi);
	tcase_add_test(tc, test_multi_free_pending);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, srv_start, srv_stop);
	tcase_add_test(tc, test_auth_user);
	tcase_add_test(tc, test_auth_failure);
	tcase_add_test(tc, test_auth_metadata);
	tcase_add_test(tc, test_auth_service_account);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	signal(SIGPIPE, SIG_IGN);
	sr = srunner_create(http_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
