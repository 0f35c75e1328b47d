/*
 * control.c: the control socket, daemon side (docs/control.md).
 *
 * A unix stream socket bound under a tight umask (mode 0660); each
 * connection carries one JSON request line and gets newline-delimited JSON
 * replies.  This file holds the socket and its connections: it reads the
 * request, hands it to its command (control-cmd.c), and keeps the clients
 * that wait on a run (trigger, trigger --wait) informed from the master's
 * events.  A request that is malformed or too long gets an error reply
 * and changes nothing.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "control-int.h"
#include "log.h"
#include "master.h"
#include "xmalloc.h"

static void
control_request(struct control_conn *c, const char *line)
{
	const struct control_cmd	*cc;
	cJSON				*req;
	const cJSON			*cmd, *ver;

	if ((req = cJSON_Parse(line)) == NULL || !cJSON_IsObject(req)) {
		cJSON_Delete(req);
		control_error(c, "request is not a JSON object");
		return;
	}
	ver = cJSON_GetObjectItemCaseSensitive(req, "version");
	if (ver != NULL && (!cJSON_IsNumber(ver) ||
	    ver->valueint != CONTROL_VERSION)) {
		cJSON_Delete(req);
		control_error(c, "unsupported protocol version (this daemon "
		    "speaks %d)", CONTROL_VERSION);
		return;
	}
	cmd = cJSON_GetObjectItemCaseSensitive(req, "command");
	if (!cJSON_IsString(cmd)) {
		cJSON_Delete(req);
		control_error(c, "request has no \"command\"");
		return;
	}
	log_debug("control: %s", cmd->valuestring);
	if ((cc = control_cmd_find(cmd->valuestring)) != NULL)
		cc->fn(c, req);
	else
		control_error(c, "unknown command \"%.64s\"",
		    cmd->valuestring);
	cJSON_Delete(req);
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 n;

	if (c->closing || c->waiting || c->busy || c->walk != 0) {
		/* One request per connection: the rest is ignored. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > CONTROL_REQUEST_MAX) {
			evbuffer_drain(in, evbuffer_get_length(in));
			control_error(c, "request longer than %d bytes",
			    CONTROL_REQUEST_MAX);
		}
		return;
	}
	if (n > CONTROL_REQUEST_MAX)
		control_error(c, "request longer than %d bytes",
		    CONTROL_REQUEST_MAX);
	else
		control_request(c, line);
	free(line);
}

static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn	*c = arg;

	struct timeval		 tv = { CONTROL_LINGER_SEC, 0 };

	if (!c->closing || c->shut ||
	    evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	/*
	 * All sent: shut our side and wait for the client's EOF, reading
	 * and dropping what it still sends.  Closing with unread input
	 * would reset the connection and could lose the reply.
	 */
	c->shut = 1;
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	bufferevent_set_timeouts(bev, &tv, NULL);
}

static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn	*c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		if (c->busy) {
			/* A walk will call back: free then. */
			c->dead = 1;
			bufferevent_disable(bev, EV_READ | EV_WRITE);
			return;
		}
		control_conn_free(c);
	}
}

static void
control_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control		*ctl = arg;
	struct control_conn	*c;

	c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	c->bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	bufferevent_setcb(c->bev, control_read_cb, control_write_cb,
	    control_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/*
 * The jobs of r that a trigger --wait's patterns select, counted into
 * "selected" of o (nothing without patterns).  Returns 1 if there are
 * some and every one has ended.
 */
static int
control_selected_json(const struct control_conn *c, const struct run *r,
    cJSON *o)
{
	const struct job	*job;
	cJSON			*s;
	size_t			 i;
	int			 n = 0, ok = 0, failed = 0, ended = 1;

	if (c->npat == 0)
		return (0);
	for (i = 0; i < r->njobs; i++) {
		job = r->jobs[i];
		if (!disc_pattern_match(c->pat, c->npat, job_project(job),
		    job_instance(job), job_database(job)))
			continue;
		n++;
		if (job->state == JOB_SUCCEEDED)
			ok++;
		else if (job->state == JOB_FAILED)
			failed++;
		else
			ended = 0;
	}
	if (o != NULL) {
		s = cJSON_AddObjectToObject(o, "selected");
		cJSON_AddNumberToObject(s, "total", n);
		cJSON_AddNumberToObject(s, "succeeded", ok);
		cJSON_AddNumberToObject(s, "failed", failed);
	}
	return (n > 0 && ended);
}

/*
 * A trigger --wait with patterns: once every job of the run they select
 * has ended, the answer is the run so far with those jobs' counts, and
 * the client is let go while the run goes on.  Returns 1 if answered.
 */
static int
control_selected_done(struct control_conn *c, const struct run *r)
{
	cJSON	*o;

	if (!control_selected_json(c, r, NULL))
		return (0);
	c->waiting = 0;
	o = control_result(1);
	cJSON_AddItemToObject(o, "run", control_run_json(r));
	control_selected_json(c, r, o);
	control_send(c, o, 1);
	return (1);
}

/*
 * A trigger's patterns selected nothing to export: an error, and why for
 * each pattern (one per line of why), under "errors".
 */
static void
control_nothing(struct control_conn *c, const struct run *r,
    const char *why)
{
	cJSON		*o, *errs;
	const char	*s, *e;
	char		 msg[128], *line;

	if (r != NULL)
		snprintf(msg, sizeof(msg), "nothing to export: no database "
		    "added to run %lld", (long long)r->jr.id);
	else
		snprintf(msg, sizeof(msg), "nothing to export: no run "
		    "started");
	o = control_result(0);
	cJSON_AddStringToObject(o, "error", msg);
	errs = cJSON_AddArrayToObject(o, "errors");
	for (s = why != NULL ? why : ""; *s != '\0'; s = *e ? e + 1 : e) {
		e = s + strcspn(s, "\n");
		line = xstrndup(s, (size_t)(e - s));
		cJSON_AddItemToArray(errs, cJSON_CreateString(line));
		free(line);
	}
	control_send(c, o, 1);
}

/*
 * A walk ended: the triggers it served get their answer, an error if
 * their patterns selected nothing (message), the run they joined or
 * started otherwise; with --wait, progress until the run ends.
 */
static void
control_walk_done(struct control *ctl, const struct master_event *ev)
{
	const struct run	*r = ev->run;
	struct control_conn	*c, *next;
	cJSON			*o;

	if (ctl == NULL)
		return;
	TAILQ_FOREACH_SAFE(c, &ctl->conns, entry, next) {
		if (c->walk == 0 || c->walk > ev->walk)
			continue;
		if (c->run_id != 0 && (r == NULL || c->run_id != r->jr.id))
			continue;
		c->walk = 0;
		if (ev->message != NULL || r == NULL) {
			control_nothing(c, r, ev->message);
			continue;
		}
		if (c->wait_run) {
			c->waiting = 1;
			c->run_id = r->jr.id;
			if (control_selected_done(c, r))
				continue;
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "type", "progress");
			cJSON_AddItemToObject(o, "run", control_run_json(r));
			control_send(c, o, 0);
			continue;
		}
		o = control_result(1);
		cJSON_AddItemToObject(o, "run", control_run_json(r));
		cJSON_AddNumberToObject(o, "added", (double)ev->added);
		control_send(c, o, 1);
	}
}

static void
control_progress_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct control		*ctl = arg;
	struct control_conn	*c, *next;
	const struct run	*r = master_run(ctl->m);
	cJSON			*o;

	ctl->dirty = 0;
	if (r == NULL)
		return;
	TAILQ_FOREACH_SAFE(c, &ctl->conns, entry, next) {
		if (!c->waiting || c->run_id != r->jr.id)
			continue;
		if (control_selected_done(c, r))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "progress");
		cJSON_AddItemToObject(o, "run", control_run_json(r));
		control_send(c, o, 0);
	}
}

/* Something in the run changed: waiting clients hear of it soon. */
static void
control_run_changed(struct control *ctl)
{
	struct timeval	tv = { 0, CONTROL_PROGRESS_MS * 1000 };

	if (ctl == NULL || ctl->dirty)
		return;
	ctl->dirty = 1;
	evtimer_add(ctl->ev_progress, &tv);
}

/* The run is over: waiting clients get the result and are let go. */
static void
control_run_finished(struct control *ctl, const struct run *r)
{
	struct control_conn	*c, *next;
	cJSON			*o;

	if (ctl == NULL)
		return;
	TAILQ_FOREACH_SAFE(c, &ctl->conns, entry, next) {
		if (!c->waiting || c->run_id != r->jr.id)
			continue;
		c->waiting = 0;
		o = control_result(1);
		control_selected_json(c, r, o);
		cJSON_AddItemToObject(o, "run", control_run_json(r));
		control_send(c, o, 1);
	}
}

/* The master's events that concern clients waiting on a run. */
static void
control_master_cb(const struct master_event *ev, void *arg)
{
	struct control	*ctl = arg;

	switch (ev->type) {
	case MASTER_EV_CHANGED:
		control_run_changed(ctl);
		break;
	case MASTER_EV_WALK_DONE:
		control_walk_done(ctl, ev);
		break;
	case MASTER_EV_RUN_END:
		control_run_finished(ctl, ev->run);
		break;
	case MASTER_EV_RUN_STARTED:
	case MASTER_EV_RUN_NOT_STARTED:
	case MASTER_EV_DISCOVERY:
	case MASTER_EV_DISPATCHED:
	case MASTER_EV_JOB_DONE:
	case MASTER_EV_JOB_FAILED:
	case MASTER_EV_WORKER_DIED:
	case MASTER_EV_JOURNAL_ERROR:
		break;		/* progress follows from MASTER_EV_CHANGED */
	}
}

/*
 * Bind the socket.  An existing socket file is removed only if nobody
 * answers on it: a second daemon must not steal the first one's socket.
 */
struct control *
control_new(struct master *m, struct monitor *mon, const char *path,
    char *err, size_t errlen)
{
	struct control		*ctl;
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return (NULL);
	}
	if ((probe = socket(AF_UNIX, SOCK_STREAM, 0)) != -1) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			snprintf(err, errlen, "%s: another databackupd is "
			    "listening there", path);
			return (NULL);
		}
		close(probe);
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		return (NULL);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return (NULL);
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		close(fd);
		return (NULL);
	}
	umask(old);
	if (listen(fd, 16) == -1) {
		snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
		close(fd);
		return (NULL);
	}
	ctl = xcalloc(1, sizeof(*ctl));
	ctl->m = m;
	ctl->mon = mon;
	ctl->path = xstrdup(path);
	TAILQ_INIT(&ctl->conns);
	ctl->lev = evconnlistener_new(master_base(m), control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (ctl->lev == NULL) {
		snprintf(err, errlen, "evconnlistener_new failed");
		close(fd);
		free(ctl->path);
		free(ctl);
		return (NULL);
	}
	ctl->ev_progress = evtimer_new(master_base(m), control_progress_cb,
	    ctl);
	master_watch(m, control_master_cb, ctl);
	return (ctl);
}

void
control_free(struct control *ctl)
{
	struct control_conn	*c;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL)
		control_conn_free(c);
	evconnlistener_free(ctl->lev);
	event_free(ctl->ev_progress);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
