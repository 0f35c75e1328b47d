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
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "control-int.h"
#include "log.h"
#include "master.h"
#include "xmalloc.h"

static void
control_request(struct control_conn *c, const char *line)
{
	const struct control_cmd	*cc;
	cJSON				*req;
	const char			*name;
	char				 err[256];

	if ((req = control_parse(line, &name, err, sizeof(err))) == NULL) {
		control_error(c, "%s", err);
		return;
	}
	cc = control_cmd_find(name);
	log_debug("control: %s", cc->name);
	if (control_allow(&c->ctl->acl, c->role, cc->need, cc->name, err,
	    sizeof(err)) == -1) {
		log_info("control: uid %ld (%s) refused %s", (long)c->uid,
		    control_role_name(c->role), cc->name);
		control_error(c, "%s", err);
	} else
		cc->fn(c, req);
	cJSON_Delete(req);
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line, err[64];

	if (c->closing || c->waiting || c->busy || c->walk != 0 ||
	    c->restore_id != 0 || c->drill_id != 0 || c->prune_wait) {
		/* One request per connection: the rest is ignored. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	switch (control_readline(in, &line, err, sizeof(err))) {
	case 0:
		return;
	case 1:
		evtimer_del(c->ev_idle);	/* the request is in */
		control_request(c, line);
		free(line);
		break;
	default:
		evtimer_del(c->ev_idle);
		control_error(c, "%s", err);
		break;
	}
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

/* No whole request line within the idle timeout: let the client go. */
static void
control_idle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct control_conn	*c = arg;

	log_debug("control: connection idle too long, closed");
	control_conn_free(c);
}

static int64_t
control_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Turn the listener back on after a pause, if it is off. */
static void
control_resume(struct control *ctl)
{
	if (!ctl->paused)
		return;
	ctl->paused = 0;
	evtimer_del(ctl->ev_resume);
	evconnlistener_enable(ctl->lev);
}

static void
control_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	control_resume(arg);
}

/* A connection is gone: its descriptor may be what accept lacked. */
void
control_conn_gone(struct control *ctl, int refused, int reserved)
{
	if (refused)
		ctl->nrefused--;
	else if (reserved)
		ctl->nreserved--;
	else
		ctl->nconns--;
	control_resume(ctl);
}

/*
 * accept() failed (EMFILE, ENFILE, ENOBUFS...): the listener stays
 * readable, so it is turned off until a connection closes or a timer
 * derived from the idle timeout fires.  Logged once an episode, which
 * ends with an accept a whole idle timeout after the last failure (a
 * connection closed and its place taken at once is the same episode).
 */
static void
control_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct control		*ctl = arg;
	const struct config	*conf = master_config(ctl->m);
	struct timeval		 tv;
	int			 error = EVUTIL_SOCKET_ERROR();

	if (!ctl->failing)
		log_warnx("control: accept: %s; not accepting until a "
		    "connection closes (%d open)", strerror(error),
		    ctl->nconns + ctl->nreserved + ctl->nrefused);
	ctl->failing = 1;
	ctl->failed_ms = control_mono_ms();
	ctl->paused = 1;
	evconnlistener_disable(lev);
	tv.tv_sec = conf->control_idle_timeout_ms / 2000;
	tv.tv_usec = (conf->control_idle_timeout_ms / 2 % 1000) * 1000;
	evtimer_add(ctl->ev_resume, &tv);
}

/*
 * A new connection.  Beyond [control] max_connections it gets a "busy"
 * error and is closed once written; beyond CONTROL_REFUSED_MAX of those
 * it is closed unanswered, so that a flood holds a bounded number of
 * descriptors.  Root or the daemon's own user gets CONTROL_RESERVED
 * places beyond the cap, so that an administrator can always ask status
 * while others hold every connection.
 */
static void
control_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control		*ctl = arg;
	const struct config	*conf = master_config(ctl->m);
	struct control_conn	*c;
	struct timeval		 tv;
	int			 refused, reserved = 0;

	if (ctl->failing && control_mono_ms() - ctl->failed_ms >=
	    (int64_t)conf->control_idle_timeout_ms) {
		log_info("control: accepting again");
		ctl->failing = 0;
	}
	refused = ctl->nconns >= conf->control_max_conns;
	if (refused && ctl->nreserved < CONTROL_RESERVED &&
	    control_peer_privileged(&ctl->acl, fd)) {
		log_info("control: %d connections open (max_connections); "
		    "the reserved one goes to root or the daemon's user",
		    ctl->nconns);
		refused = 0;
		reserved = 1;
	}
	if (refused && ctl->nrefused >= CONTROL_REFUSED_MAX) {
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	c->refused = refused;
	c->reserved = reserved;
	c->bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->ev_idle = evtimer_new(evconnlistener_get_base(lev),
	    control_idle_cb, c);
	c->role = control_peer_role(&ctl->acl, fd, &c->uid);
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	if (refused)
		ctl->nrefused++;
	else if (reserved)
		ctl->nreserved++;
	else
		ctl->nconns++;
	bufferevent_setcb(c->bev, control_read_cb, control_write_cb,
	    control_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (refused) {
		control_error(c, "busy: %d control connections open; try "
		    "again", ctl->nconns + ctl->nreserved);
		return;
	}
	tv.tv_sec = conf->control_idle_timeout_ms / 1000;
	tv.tv_usec = (conf->control_idle_timeout_ms % 1000) * 1000;
	evtimer_add(c->ev_idle, &tv);
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
 * the client is let go while the run goes on.  If every job of the run
 * has ended, the run is ending (master-survey.c reads what held its
 * instances first): its end answers, with the same counts.  Returns 1 if
 * answered.
 */
static int
control_selected_done(struct control_conn *c, const struct run *r)
{
	cJSON	*o;

	if (!control_selected_json(c, r, NULL) ||
	    (r->discovering == 0 && run_jobs_final(r)))
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
	case MASTER_EV_RESTORE:
		control_restore_event(ctl, ev->restore);
		break;
	case MASTER_EV_DRILL_END:
		control_drill_event(ctl, ev->drill);
		break;
	case MASTER_EV_PRUNE_LINE:
	case MASTER_EV_PRUNE_END:
		control_prune_event(ctl, ev);
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
 * The descriptors the master may need at once: the control connections
 * (root's reserved one too) and the "busy" replies in flight, one socketpair end per worker, an
 * HTTP connection and a resolver socket per discovery request, and
 * CONTROL_NOFILE_BASE for the rest (stdio, the journal and its WAL, the
 * event loop, the log, the listeners, metrics scrapes, tokens, notices).
 * systemd/databackupd.service sets LimitNOFILE= from the same sum.
 */
int
control_nofile_budget(const struct config *conf)
{
	return (CONTROL_NOFILE_BASE + conf->control_max_conns +
	    CONTROL_RESERVED + CONTROL_REFUSED_MAX + conf->workers +
	    2 * conf->discovery_concurrency);
}

/*
 * The roles of conf's [control] operators and readers, fixed for the
 * daemon's life (CFG_RESTART: the socket's mode follows from them).
 * Fills acl's gids; the caller sets its names.  Returns -1 with err if
 * a group has gone since the file was checked.
 */
static int
control_acl_init(const struct config *conf, struct control_acl *acl,
    char *err, size_t errlen)
{
	struct group	*gr;

	memset(acl, 0, sizeof(*acl));
	acl->self = geteuid();
	if (conf->control_operators != NULL) {
		if ((gr = getgrnam(conf->control_operators)) == NULL) {
			snprintf(err, errlen, "no group \"%s\"",
			    conf->control_operators);
			return (-1);
		}
		acl->operators_gid = gr->gr_gid;
	}
	if (conf->control_readers != NULL) {
		if ((gr = getgrnam(conf->control_readers)) == NULL) {
			snprintf(err, errlen, "no group \"%s\"",
			    conf->control_readers);
			return (-1);
		}
		acl->readers_gid = gr->gr_gid;
	}
	return (0);
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
	const struct config	*conf = master_config(m);
	struct control_acl	 acl;
	mode_t			 old;
	int			 fd, probe, roles;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return (NULL);
	}
	if (control_acl_init(conf, &acl, err, errlen) == -1)
		return (NULL);
	roles = conf->control_operators != NULL ||
	    conf->control_readers != NULL;
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
	/*
	 * With roles, anyone may connect and SO_PEERCRED decides what they
	 * may do; without, the socket's group is the access list.
	 */
	old = umask(roles ? 0111 : 0117);
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
	ctl->acl = acl;
	if (conf->control_operators != NULL)
		ctl->acl.operators = xstrdup(conf->control_operators);
	if (conf->control_readers != NULL)
		ctl->acl.readers = xstrdup(conf->control_readers);
	TAILQ_INIT(&ctl->conns);
	ctl->lev = evconnlistener_new(master_base(m), control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (ctl->lev == NULL) {
		snprintf(err, errlen, "evconnlistener_new failed");
		close(fd);
		free(ctl->acl.operators);
		free(ctl->acl.readers);
		free(ctl->path);
		free(ctl);
		return (NULL);
	}
	evconnlistener_set_error_cb(ctl->lev, control_accept_error_cb);
	ctl->ev_resume = evtimer_new(master_base(m), control_resume_cb, ctl);
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
	event_free(ctl->ev_resume);
	event_free(ctl->ev_progress);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl->acl.operators);
	free(ctl->acl.readers);
	free(ctl);
}
