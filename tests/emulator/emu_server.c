/*
 * emu_server.c: the socket side of the emulator.  One evhttp listener
 * serves every API; each request is turned into a struct emu_req, routed
 * and answered by emu_handle(), then sent now or after a delay (base
 * latency, latency faults), never (hang) or as a 64 MiB stream
 * (oversized).  Also the periodic tick that finishes operations, signals
 * and the request log.  Google semantics live elsewhere.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define SERVER_TICK_USEC	100000
#define SERVER_HANG_SEC		86400
#define OVERSIZED_CHUNK		(1024 * 1024)
#define OVERSIZED_CHUNKS	64	/* 64 MiB */

struct server_pending {
	TAILQ_ENTRY(server_pending) entry;
	struct server		*srv;
	struct evhttp_request	*req;
	struct event		*ev;
	struct emu_resp		 resp;
	int			 oversized;
	int			 hang;
	double			 t0;
	char			*line;		/* "METHOD URI" for the log */
};

struct server {
	struct emu		*e;
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*tick;
	struct event		*sigterm;
	struct event		*sigint;
	TAILQ_HEAD(, server_pending) pending;
};

static char	*oversized_chunk;

static const char *
server_method_name(enum evhttp_cmd_type c)
{
	switch (c) {
	case EVHTTP_REQ_GET:
		return ("GET");
	case EVHTTP_REQ_POST:
		return ("POST");
	case EVHTTP_REQ_PUT:
		return ("PUT");
	case EVHTTP_REQ_DELETE:
		return ("DELETE");
	case EVHTTP_REQ_PATCH:
		return ("PATCH");
	case EVHTTP_REQ_HEAD:
		return ("HEAD");
	default:
		return ("OTHER");
	}
}

static void
server_log(struct server *srv, const char *line, int status, double t0)
{
	if (srv->e->log == NULL)
		return;
	fprintf(srv->e->log, "%s %d %.1fms\n", line, status,
	    (emu_mono() - t0) * 1000);
	fflush(srv->e->log);
}

/* A 1 MiB block of valid-looking list items, shared by every stream. */
static const char *
server_oversized_chunk(void)
{
	static const char item[] = "{\"kind\":\"sql#instance\",\"name\":"
	    "\"oversized-padding-padding-padding-padding\"},";
	size_t	 n = sizeof(item) - 1, off;

	if (oversized_chunk == NULL) {
		oversized_chunk = xmalloc(OVERSIZED_CHUNK);
		for (off = 0; off + n <= OVERSIZED_CHUNK; off += n)
			memcpy(oversized_chunk + off, item, n);
		memset(oversized_chunk + off, ' ', OVERSIZED_CHUNK - off);
	}
	return (oversized_chunk);
}

static void
server_send(struct server *srv, struct evhttp_request *req,
    struct emu_resp *resp, int oversized, const char *line, double t0)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evbuffer_new();
	char			 ra[32];
	int			 i;

	if (b == NULL)
		fatalx("server_send: evbuffer_new");
	if (oversized) {
		resp->status = HTTP_OK;
		resp->ctype = "application/json; charset=UTF-8";
		evbuffer_add_printf(b, "{\"kind\":\"sql#instancesList\","
		    "\"items\":[");
		for (i = 0; i < OVERSIZED_CHUNKS; i++)
			evbuffer_add_reference(b, server_oversized_chunk(),
			    OVERSIZED_CHUNK, NULL, NULL);
		evbuffer_add_printf(b, "{\"name\":\"end\"}]}");
	} else if (resp->len > 0)
		evbuffer_add(b, resp->body, resp->len);
	if (resp->ctype != NULL)
		evhttp_add_header(h, "Content-Type", resp->ctype);
	if (resp->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", resp->retry_after);
		evhttp_add_header(h, "Retry-After", ra);
	}
	if (resp->flavor)
		evhttp_add_header(h, "Metadata-Flavor", "Google");
	if (resp->www_auth)
		evhttp_add_header(h, "WWW-Authenticate",
		    "Bearer realm=\"https://accounts.google.com/\"");
	if (resp->status >= 0 && resp->status < 600)
		srv->e->stats.by_status[resp->status]++;
	evhttp_send_reply(req, resp->status, NULL, b);
	evbuffer_free(b);
	server_log(srv, line, resp->status, t0);
}

static void
server_pending_free(struct server_pending *p)
{
	TAILQ_REMOVE(&p->srv->pending, p, entry);
	if (p->ev != NULL)
		event_free(p->ev);
	emu_resp_free(&p->resp);
	free(p->line);
	free(p);
}

static void
server_delay_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server_pending	*p = arg;

	server_send(p->srv, p->req, &p->resp, p->oversized, p->line, p->t0);
	server_pending_free(p);
}

static void
server_request_cb(struct evhttp_request *hreq, void *arg)
{
	struct server		*srv = arg;
	struct emu		*e = srv->e;
	struct evkeyvalq	*in = evhttp_request_get_input_headers(hreq);
	struct evbuffer		*body = evhttp_request_get_input_buffer(hreq);
	struct emu_req		 req;
	struct emu_route	 r;
	struct emu_resp		 resp;
	struct emu_fault	*f = NULL;
	struct server_pending	*p;
	struct timeval		 tv;
	const char		*method, *q;
	char			*line;
	double			 t0 = emu_mono();
	long			 delay = 0;
	int			 api;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	method = server_method_name(evhttp_request_get_command(hreq));
	req.method = emu_method_parse(method);
	req.uri = evhttp_request_get_uri(hreq);
	if (req.uri == NULL)
		req.uri = "/";
	if ((q = strchr(req.uri, '?')) != NULL)
		emu_query_parse(&req.q, q + 1, strlen(q + 1));
	req.authorization = evhttp_find_header(in, "Authorization");
	req.flavor = evhttp_find_header(in, "Metadata-Flavor");
	req.forwarded = evhttp_find_header(in, "X-Forwarded-For");
	req.content_type = evhttp_find_header(in, "Content-Type");
	req.bodylen = evbuffer_get_length(body);
	req.body = req.bodylen > 0 ?
	    (const char *)evbuffer_pullup(body, -1) : "";
	xasprintf(&line, "%s %s", method, req.uri);

	emu_route(req.method, req.uri, &r);
	emu_handle(e, &req, &r, &resp, &f);
	api = r.ep != EP_NONE && r.ep < EP_CTL_STATS;
	emu_route_free(&r);
	emu_query_free(&req.q);

	if (api)
		delay = e->latency_ms;
	if (f != NULL && f->kind == F_LATENCY)
		delay += f->ms;
	if (f != NULL && f->kind == F_HANG)
		delay = SERVER_HANG_SEC * 1000L;
	if (delay <= 0 && (f == NULL || f->kind != F_OVERSIZED)) {
		server_send(srv, hreq, &resp, 0, line, t0);
		emu_resp_free(&resp);
		free(line);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->srv = srv;
	p->req = hreq;
	p->resp = resp;
	p->oversized = (f != NULL && f->kind == F_OVERSIZED);
	p->hang = (f != NULL && f->kind == F_HANG);
	p->t0 = t0;
	p->line = line;
	if ((p->ev = evtimer_new(srv->base, server_delay_cb, p)) == NULL)
		fatalx("server_request_cb: evtimer_new");
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(p->ev, &tv);
	TAILQ_INSERT_TAIL(&srv->pending, p, entry);
	if (p->hang)
		server_log(srv, line, 0, t0);
}

static void
server_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = arg;
	struct timeval	 tv = { 0, SERVER_TICK_USEC };

	sql_tick(srv->e);
	evtimer_add(srv->tick, &tv);
}

static void
server_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct server	*srv = arg;

	log_info("signal %d: exiting", (int)sig);
	event_base_loopexit(srv->base, NULL);
}

/* "host:port" -> parts; -1 if malformed. */
static int
server_parse_listen(const char *s, char **host, int *port)
{
	const char	*c = strrchr(s, ':');
	long		 v;

	if (c == NULL || c == s ||
	    emu_parse_int(c + 1, 0, 65535, &v) == -1)
		return (-1);
	*host = xstrndup(s, (size_t)(c - s));
	*port = (int)v;
	return (0);
}

static int
server_write_portfile(const char *path, int port)
{
	char	 buf[16];

	snprintf(buf, sizeof(buf), "%d\n", port);
	return (emu_write_file(path, buf, strlen(buf)));
}

/*
 * Listen, announce the port, run until SIGTERM/SIGINT.  Returns the exit
 * status for main().
 */
int
emu_server_run(struct emu *e, const char *listen_on, const char *portfile)
{
	struct server			 srv;
	struct evhttp_bound_socket	*bs;
	struct sockaddr_storage		 ss;
	socklen_t			 sl = sizeof(ss);
	struct timeval			 tv = { 0, SERVER_TICK_USEC };
	struct server_pending		*p;
	char				*host;
	int				 port;

	memset(&srv, 0, sizeof(srv));
	srv.e = e;
	TAILQ_INIT(&srv.pending);
	if (server_parse_listen(listen_on, &host, &port) == -1) {
		log_warnx("--listen %s: want HOST:PORT", listen_on);
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((srv.base = event_base_new()) == NULL ||
	    (srv.http = evhttp_new(srv.base)) == NULL)
		fatalx("emu_server_run: libevent setup");
	evhttp_set_allowed_methods(srv.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_HEAD);
	evhttp_set_max_body_size(srv.http, EMU_BODY_MAX);
	evhttp_set_gencb(srv.http, server_request_cb, &srv);
	if ((bs = evhttp_bind_socket_with_handle(srv.http, host, port)) ==
	    NULL) {
		log_warn("cannot listen on %s", listen_on);
		free(host);
		evhttp_free(srv.http);
		event_base_free(srv.base);
		return (1);
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	free(e->base_url);
	xasprintf(&e->base_url, "http://%s:%d/", host, port);
	if (portfile != NULL && server_write_portfile(portfile, port) == -1)
		fatal("--port-file %s", portfile);
	printf("gcp-emulator listening on %s:%d\n", host, port);
	fflush(stdout);
	free(host);

	srv.tick = evtimer_new(srv.base, server_tick_cb, &srv);
	srv.sigterm = evsignal_new(srv.base, SIGTERM, server_signal_cb, &srv);
	srv.sigint = evsignal_new(srv.base, SIGINT, server_signal_cb, &srv);
	if (srv.tick == NULL || srv.sigterm == NULL || srv.sigint == NULL)
		fatalx("emu_server_run: events");
	evtimer_add(srv.tick, &tv);
	evsignal_add(srv.sigterm, NULL);
	evsignal_add(srv.sigint, NULL);

	event_base_dispatch(srv.base);

	/* Requests whose client went away are ours to free. */
	while ((p = TAILQ_FIRST(&srv.pending)) != NULL) {
		if (evhttp_request_get_connection(p->req) == NULL)
			evhttp_request_free(p->req);
		server_pending_free(p);
	}
	event_free(srv.tick);
	event_free(srv.sigterm);
	event_free(srv.sigint);
	evhttp_free(srv.http);
	event_base_free(srv.base);
	free(oversized_chunk);
	oversized_chunk = NULL;
	return (0);
}

/* A new emulator over fleet (taken), with busy windows scheduled. */
struct emu *
emu_new(struct emu_fleet *fleet, double scale, uint64_t seed)
{
	struct emu	*e = xcalloc(1, sizeof(*e));
	size_t		 i, j, k;

	e->fleet = fleet;
	e->scale = scale;
	e->wall0 = emu_wall();
	e->mono0 = emu_mono();
	e->token_lifetime = EMU_TOKEN_LIFETIME;
	e->quota_window = -1;
	emu_rng_seed(&e->rng, seed);
	LIST_INIT(&e->tokens);
	TAILQ_INIT(&e->ops);
	for (i = 0; i < fleet->nprojects; i++)
		for (j = 0; j < fleet->projects[i].ninstances; j++) {
			struct emu_instance *in = &fleet->projects[i].instances[j];
			for (k = 0; k < in->nbusy; k++)
				sql_busy_start(e, in, e->wall0 + in->busy[k].at,
				    in->busy[k].dur, in->busy[k].type);
		}
	return (e);
}

void
emu_free(struct emu *e)
{
	size_t	 i;

	if (e == NULL)
		return;
	sql_ops_free(e);
	auth_free(e);
	fault_set_free(&e->faults);
	emu_counts_free(&e->stats.exports);
	emu_counts_free(&e->stats.imports);
	for (i = 0; i < e->nstatic; i++)
		free(e->static_tokens[i]);
	free(e->static_tokens);
	for (i = 0; i < e->nrefresh; i++)
		free(e->refresh_tokens[i]);
	free(e->refresh_tokens);
	free(e->bucket_dir);
	free(e->base_url);
	if (e->log != NULL)
		fclose(e->log);
	fleet_free(e->fleet);
	free(e);
}
