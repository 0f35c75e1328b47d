/*
 * control.c: the control socket, daemon side (docs/control.md).
 *
 * A unix stream socket bound under a tight umask (mode 0660); each
 * connection carries one JSON request line and gets newline-delimited JSON
 * replies.  Replies are built here from the master's state and the
 * journal (jobs, history, coverage); the commands themselves (trigger,
 * reload, plan) are the master's.  A request that is malformed or too long
 * gets an error reply and changes nothing.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
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

#include "auth.h"
#include "config.h"
#include "control.h"
#include "discovery.h"
#include "journal.h"
#include "jsonutil.h"
#include "log.h"
#include "master.h"
#include "monitor.h"
#include "xmalloc.h"

#define CONTROL_PROGRESS_MS	250	/* progress lines at most this often */
#define CONTROL_PATTERNS_MAX	64
#define CONTROL_HISTORY_MAX	1000	/* rows in one history reply */
#define CONTROL_STALE_HOURS	26
#define CONTROL_LINGER_SEC	5	/* wait this long for a client's EOF */
#define CONTROL_HISTORY_DAYS	7	/* history without "days" */
#define CONTROL_DAYS_MAX	36500

struct control_conn {
	struct control		*ctl;
	struct bufferevent	*bev;
	int			 waiting;	/* trigger --wait */
	uint64_t		 walk;		/* trigger: the walk that serves it */
	int64_t			 run_id;
	int			 busy;		/* a plan walk holds us */
	int			 dead;		/* peer gone while busy */
	int			 closing;	/* free once written */
	int			 shut;		/* our side shut, await EOF */
	TAILQ_ENTRY(control_conn) entry;
};

struct control {
	struct master		*m;
	struct monitor		*mon;
	struct evconnlistener	*lev;
	char			*path;
	TAILQ_HEAD(, control_conn) conns;
	struct event		*ev_progress;
	int			 dirty;
};

static cJSON *
control_patterns_json(const char *text)
{
	cJSON	*a = cJSON_CreateArray();
	char	*buf, *s, *p;

	buf = s = xstrdup(text);
	while ((p = strsep(&s, " ")) != NULL)
		if (*p != '\0')
			cJSON_AddItemToArray(a, cJSON_CreateString(p));
	free(buf);
	return (a);
}

/* A finished run from the journal. */
static cJSON *
control_jrun_json(const struct journal_run *jr)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)jr->id);
	cJSON_AddStringToObject(o, "trigger", jr->trigger);
	cJSON_AddItemToObject(o, "patterns", control_patterns_json(
	    jr->patterns));
	cJSON_AddStringToObject(o, "day", jr->day);
	cJSON_AddStringToObject(o, "state", jr->ended_ms != 0 ? "finished" :
	    "running");
	json_add_time(o, "started", jr->started_ms);
	json_add_time(o, "ended", jr->ended_ms);
	json_add_str(o, "outcome", jr->outcome);
	cJSON_AddNumberToObject(o, "total", jr->total);
	cJSON_AddNumberToObject(o, "queued", 0);
	cJSON_AddNumberToObject(o, "in_flight", 0);
	cJSON_AddNumberToObject(o, "retry_wait", 0);
	cJSON_AddNumberToObject(o, "succeeded", jr->succeeded);
	cJSON_AddNumberToObject(o, "failed", jr->failed);
	return (o);
}

/* The run in progress (or just finished). */
static cJSON *
control_run_json(const struct run *r)
{
	cJSON	*o = cJSON_CreateObject(), *d;

	cJSON_AddNumberToObject(o, "id", (double)r->jr.id);
	cJSON_AddStringToObject(o, "trigger", r->jr.trigger);
	cJSON_AddItemToObject(o, "patterns", control_patterns_json(
	    r->jr.patterns));
	cJSON_AddStringToObject(o, "day", r->jr.day);
	cJSON_AddStringToObject(o, "state", run_state_name(r->state));
	json_add_time(o, "started", r->jr.started_ms);
	json_add_time(o, "ended", r->jr.ended_ms);
	json_add_str(o, "outcome", r->jr.outcome);
	cJSON_AddNumberToObject(o, "total", (double)r->njobs);
	cJSON_AddNumberToObject(o, "queued", r->count[JOB_QUEUED]);
	cJSON_AddNumberToObject(o, "in_flight", r->count[JOB_DISPATCHED] +
	    r->count[JOB_EXPORTING] + r->count[JOB_VERIFYING]);
	cJSON_AddNumberToObject(o, "retry_wait", r->count[JOB_RETRY_WAIT]);
	cJSON_AddNumberToObject(o, "succeeded", r->count[JOB_SUCCEEDED]);
	cJSON_AddNumberToObject(o, "failed", r->count[JOB_FAILED]);
	d = cJSON_AddObjectToObject(o, "discovery");
	cJSON_AddNumberToObject(d, "projects", r->disc.projects);
	cJSON_AddNumberToObject(d, "instances", r->disc.instances);
	cJSON_AddNumberToObject(d, "databases", r->disc.databases);
	cJSON_AddNumberToObject(d, "skipped", r->disc.skipped);
	cJSON_AddNumberToObject(d, "excluded", r->disc.excluded);
	cJSON_AddNumberToObject(d, "api_disabled", r->disc.api_disabled);
	cJSON_AddNumberToObject(d, "errors", r->disc.errors);
	return (o);
}

static cJSON *
control_job_json(const struct job *job)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)job->id);
	cJSON_AddNumberToObject(o, "run", (double)job->run_id);
	cJSON_AddStringToObject(o, "project", job_project(job));
	cJSON_AddStringToObject(o, "instance", job_instance(job));
	cJSON_AddStringToObject(o, "database", job_database(job));
	cJSON_AddStringToObject(o, "state", job_state_name(job->state));
	cJSON_AddNumberToObject(o, "attempts", job->attempts);
	json_add_str(o, "operation", job->operation);
	cJSON_AddStringToObject(o, "object", job_object(job));
	cJSON_AddNumberToObject(o, "size", (double)job->size);
	json_add_str(o, "crc32c", job->crc32c);
	json_add_time(o, "started", job->started_ms);
	json_add_time(o, "ended", job->ended_ms);
	json_add_time(o, "next_attempt", job->state == JOB_RETRY_WAIT ?
	    job->next_attempt_ms : 0);
	json_add_str(o, "error", job->state == JOB_SUCCEEDED ? NULL :
	    job->last_error);
	return (o);
}

/* Queue one reply line; the last one closes the connection when sent. */
static void
control_send(struct control_conn *c, cJSON *o, int last)
{
	char	*s;

	cJSON_AddNumberToObject(o, "version", CONTROL_VERSION);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		fatalx("control_send: out of memory");
	if (!c->dead) {
		evbuffer_add(bufferevent_get_output(c->bev), s, strlen(s));
		evbuffer_add(bufferevent_get_output(c->bev), "\n", 1);
	}
	free(s);
	if (last)
		c->closing = 1;
}

static cJSON *
control_result(int ok)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "result");
	cJSON_AddBoolToObject(o, "ok", ok);
	return (o);
}

static void
control_error(struct control_conn *c, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
control_error(struct control_conn *c, const char *fmt, ...)
{
	cJSON	*o = control_result(0);
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(o, "error", msg);
	control_send(c, o, 1);
}

static void
control_conn_free(struct control_conn *c)
{
	TAILQ_REMOVE(&c->ctl->conns, c, entry);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c);
}

/* Commands. */

static void
control_cmd_status(struct control_conn *c)
{
	struct master		*m = c->ctl->m;
	const struct journal_run *last = master_last_run(m);
	struct master_info	 mi;
	struct master_worker_info w;
	cJSON			*o, *d, *ws, *wo, *j;
	char			 label[GCP_PROJECT_ID_MAX + GCP_INSTANCE_MAX +
				     GCP_DATABASE_MAX + 3];
	int			 i;

	master_info(m, &mi);
	o = control_result(1);
	d = cJSON_AddObjectToObject(o, "daemon");
	cJSON_AddStringToObject(d, "version", PACKAGE_VERSION);
	cJSON_AddNumberToObject(d, "pid", getpid());
	json_add_time(d, "started", mi.started_ms);
	cJSON_AddNumberToObject(d, "uptime", (double)(master_now_ms() -
	    mi.started_ms) / 1000);
	cJSON_AddStringToObject(d, "config", mi.conf_path);
	json_add_time(d, "config_loaded", mi.conf_loaded_ms);
	snprintf(label, sizeof(label), "%s (%s)", auth_source_name(
	    mi.auth->source), mi.auth->type);
	cJSON_AddStringToObject(d, "credentials", label);
	json_add_time(o, "next_run", mi.next_run_ms);
	if (master_run(m) != NULL)
		cJSON_AddItemToObject(o, "run", control_run_json(
		    master_run(m)));
	else
		cJSON_AddNullToObject(o, "run");
	if (last->id != 0)
		cJSON_AddItemToObject(o, "last_run", control_jrun_json(last));
	else
		cJSON_AddNullToObject(o, "last_run");
	ws = cJSON_AddArrayToObject(o, "workers");
	for (i = 0; master_worker_info(m, i, &w) == 0; i++) {
		wo = cJSON_CreateObject();
		cJSON_AddNumberToObject(wo, "slot", w.slot);
		cJSON_AddNumberToObject(wo, "pid", w.pid);
		cJSON_AddStringToObject(wo, "state", w.state);
		if (w.job != NULL) {
			job_label(w.job, label, sizeof(label));
			cJSON_AddStringToObject(wo, "job", label);
			cJSON_AddStringToObject(wo, "job_state",
			    job_state_name(w.job->state));
		} else {
			cJSON_AddNullToObject(wo, "job");
			cJSON_AddNullToObject(wo, "job_state");
		}
		json_add_time(wo, "since", w.since_ms);
		cJSON_AddItemToArray(ws, wo);
	}
	j = cJSON_AddObjectToObject(o, "journal");
	cJSON_AddBoolToObject(j, "ok", mi.journal_ok);
	json_add_str(j, "error", mi.journal_ok ? NULL : mi.journal_err);
	cJSON_AddItemToObject(o, "alerts", monitor_alerts_json(c->ctl->mon));
	control_send(c, o, 1);
}

/* Read "patterns" into pat; returns the count or -1 (error sent). */
static int
control_patterns(struct control_conn *c, const cJSON *req,
    struct disc_pattern *pat)
{
	const cJSON	*a, *it;
	char		 err[256];
	int		 n = 0;

	a = cJSON_GetObjectItemCaseSensitive(req, "patterns");
	if (a == NULL || cJSON_IsNull(a))
		return (0);
	if (!cJSON_IsArray(a)) {
		control_error(c, "\"patterns\" must be an array of strings");
		return (-1);
	}
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it)) {
			control_error(c, "\"patterns\" must be an array of "
			    "strings");
			return (-1);
		}
		if (n == CONTROL_PATTERNS_MAX) {
			control_error(c, "at most %d patterns",
			    CONTROL_PATTERNS_MAX);
			return (-1);
		}
		if (disc_pattern_parse(it->valuestring, &pat[n], err,
		    sizeof(err)) == -1) {
			control_error(c, "%s", err);
			return (-1);
		}
		n++;
	}
	return (n);
}

static void
control_cmd_trigger(struct control_conn *c, const cJSON *req)
{
	struct master		*m = c->ctl->m;
	struct disc_pattern	 pat[CONTROL_PATTERNS_MAX];
	struct master_info	 mi;
	const struct run	*r;
	const cJSON		*wait;
	cJSON			*o;
	char			 err[512];
	uint64_t		 walks;
	int			 n;

	if ((n = control_patterns(c, req, pat)) == -1)
		return;
	master_info(m, &mi);
	walks = mi.walks;
	if (master_trigger(m, "manual", pat, n, err, sizeof(err)) == -1) {
		control_error(c, "%s", err);
		return;
	}
	r = master_run(m);
	wait = cJSON_GetObjectItemCaseSensitive(req, "wait");
	if (cJSON_IsTrue(wait) && r != NULL) {
		c->waiting = 1;
		c->run_id = r->jr.id;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "progress");
		cJSON_AddItemToObject(o, "run", control_run_json(r));
		control_send(c, o, 0);
		return;
	}
	/*
	 * The reply waits for the walk that serves this trigger (one just
	 * started, or the next one if a walk was under way), so that it can
	 * say how many databases it added.
	 */
	master_info(m, &mi);
	c->walk = mi.walks > walks ? mi.walks : mi.walks + 1;
	c->run_id = r != NULL ? r->jr.id : 0;
}

/* A walk of the run ended: triggers it served get their answer. */
static void
control_walk_done(struct control *ctl, const struct run *r, uint64_t walk,
    size_t added)
{
	struct control_conn	*c;
	cJSON			*o;

	if (ctl == NULL)
		return;
	TAILQ_FOREACH(c, &ctl->conns, entry) {
		if (c->walk == 0 || c->walk > walk || c->run_id != r->jr.id)
			continue;
		c->walk = 0;
		o = control_result(1);
		cJSON_AddItemToObject(o, "run", control_run_json(r));
		cJSON_AddNumberToObject(o, "added", (double)added);
		control_send(c, o, 1);
	}
}

struct control_jobs {
	cJSON	*arr;
	int	 failed_only;
	int	 n;
};

static void
control_jobs_cb(const struct job *job, void *arg)
{
	struct control_jobs	*cj = arg;

	if (cj->failed_only && job->state != JOB_FAILED &&
	    job->failures == 0)
		return;
	if (cj->n++ >= CONTROL_HISTORY_MAX)
		return;
	cJSON_AddItemToArray(cj->arr, control_job_json(job));
}

static void
control_cmd_jobs(struct control_conn *c, const cJSON *req)
{
	struct master		*m = c->ctl->m;
	struct journal		*jn = master_journal(m);
	const struct run	*r = master_run(m);
	struct journal_run	 jr;
	struct control_jobs	 cj;
	const cJSON		*rv;
	cJSON			*o;
	int64_t			 id = 0;
	size_t			 i;

	rv = cJSON_GetObjectItemCaseSensitive(req, "run");
	if (rv != NULL && !cJSON_IsNull(rv)) {
		if (!cJSON_IsNumber(rv) || rv->valuedouble < 1) {
			control_error(c, "\"run\" must be a run number");
			return;
		}
		id = (int64_t)rv->valuedouble;
	} else if (r != NULL)
		id = r->jr.id;
	else
		id = master_last_run(m)->id;
	if (id == 0) {
		control_error(c, "no run yet");
		return;
	}
	o = control_result(1);
	memset(&cj, 0, sizeof(cj));
	if (r != NULL && r->jr.id == id) {
		cJSON_AddItemToObject(o, "run", control_run_json(r));
		cj.arr = cJSON_AddArrayToObject(o, "jobs");
		for (i = 0; i < r->njobs; i++)
			control_jobs_cb(r->jobs[i], &cj);
		control_send(c, o, 1);
		return;
	}
	switch (journal_run_get(jn, id, &jr)) {
	case 0:
		cJSON_Delete(o);
		control_error(c, "no run %lld", (long long)id);
		return;
	case -1:
		cJSON_Delete(o);
		control_error(c, "journal: %s", journal_error(jn));
		return;
	}
	cJSON_AddItemToObject(o, "run", control_jrun_json(&jr));
	cj.arr = cJSON_AddArrayToObject(o, "jobs");
	if (journal_jobs(jn, id, control_jobs_cb, &cj) == -1) {
		cJSON_Delete(o);
		control_error(c, "journal: %s", journal_error(jn));
		return;
	}
	control_send(c, o, 1);
}

static void
control_history_cb(const struct journal_run *jr, const struct job *job,
    void *arg)
{
	struct control_jobs	*cj = arg;

	if (cj->n++ >= CONTROL_HISTORY_MAX)
		return;		/* one more than shown: "truncated" */
	cJSON_AddItemToArray(cj->arr, control_job_json(job));
}

/* Read an optional positive integer field; -1 (error sent) if bad. */
static int
control_int_arg(struct control_conn *c, const cJSON *req, const char *key,
    int def, int max, int *out)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(req, key);
	if (v == NULL || cJSON_IsNull(v)) {
		*out = def;
		return (0);
	}
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
	    v->valuedouble > max || v->valuedouble != (int)v->valuedouble) {
		control_error(c, "\"%s\" must be a whole number from 1 to %d",
		    key, max);
		return (-1);
	}
	*out = (int)v->valuedouble;
	return (0);
}

/* history: jobs of the runs of the last "days" days, from the journal. */
static void
control_cmd_history(struct control_conn *c, const cJSON *req)
{
	struct master		*m = c->ctl->m;
	struct control_jobs	 cj;
	const cJSON		*f;
	cJSON			*o;
	int			 days;

	if (control_int_arg(c, req, "days", CONTROL_HISTORY_DAYS,
	    CONTROL_DAYS_MAX, &days) == -1)
		return;
	f = cJSON_GetObjectItemCaseSensitive(req, "failed");
	if (f != NULL && !cJSON_IsBool(f) && !cJSON_IsNull(f)) {
		control_error(c, "\"failed\" must be true or false");
		return;
	}
	o = control_result(1);
	memset(&cj, 0, sizeof(cj));
	cJSON_AddNumberToObject(o, "days", days);
	cj.arr = cJSON_AddArrayToObject(o, "jobs");
	if (journal_history(master_journal(m), master_now_ms() -
	    (int64_t)days * 86400 * 1000, cJSON_IsTrue(f),
	    CONTROL_HISTORY_MAX + 1, control_history_cb, &cj) == -1) {
		cJSON_Delete(o);
		control_error(c, "journal: %s", journal_error(
		    master_journal(m)));
		return;
	}
	cJSON_AddBoolToObject(o, "truncated", cj.n > CONTROL_HISTORY_MAX);
	control_send(c, o, 1);
}

struct control_stale {
	struct master	*m;
	cJSON		*arr;
	int		 n;
};

static void
control_stale_cb(const char *project, const char *instance,
    const char *database, int64_t last_ms, void *arg)
{
	struct control_stale	*cs = arg;
	cJSON			*e;

	/* Excluded since: not wanted, so not missing. */
	if (config_exclude_match(master_config(cs->m), project, instance,
	    database) != NULL)
		return;
	if (cs->n++ >= CONTROL_HISTORY_MAX)
		return;
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "project", project);
	cJSON_AddStringToObject(e, "instance", instance);
	cJSON_AddStringToObject(e, "database", database);
	json_add_time(e, "last_success", last_ms);
	cJSON_AddItemToArray(cs->arr, e);
}

/*
 * coverage: every database the journal knows (each has been discovered
 * by some run) whose newest successful export is older than "hours", or
 * that was never exported; oldest first.
 */
static void
control_cmd_coverage(struct control_conn *c, const cJSON *req)
{
	struct master		*m = c->ctl->m;
	struct control_stale	 cs;
	cJSON			*o;
	int			 hours;

	if (control_int_arg(c, req, "hours", CONTROL_STALE_HOURS,
	    CONTROL_DAYS_MAX * 24, &hours) == -1)
		return;
	o = control_result(1);
	memset(&cs, 0, sizeof(cs));
	cs.m = m;
	cJSON_AddNumberToObject(o, "hours", hours);
	cs.arr = cJSON_AddArrayToObject(o, "stale");
	if (journal_stale(master_journal(m), master_now_ms() -
	    (int64_t)hours * 3600 * 1000, JOURNAL_LIMIT_MAX, control_stale_cb,
	    &cs) == -1) {
		cJSON_Delete(o);
		control_error(c, "journal: %s", journal_error(
		    master_journal(m)));
		return;
	}
	cJSON_AddBoolToObject(o, "truncated", cs.n > CONTROL_HISTORY_MAX);
	control_send(c, o, 1);
}

static void
control_cmd_reload(struct control_conn *c)
{
	cJSON	*o, *a;
	char	**errs;
	size_t	 n, i;

	if (master_reload(c->ctl->m, &errs, &n) == -1) {
		o = control_result(0);
		cJSON_AddStringToObject(o, "error", "configuration has "
		    "errors, not reloaded");
		a = cJSON_AddArrayToObject(o, "errors");
		for (i = 0; i < n; i++) {
			cJSON_AddItemToArray(a, cJSON_CreateString(errs[i]));
			free(errs[i]);
		}
		free(errs);
		control_send(c, o, 1);
		return;
	}
	o = control_result(1);
	cJSON_AddStringToObject(o, "message", "configuration reloaded");
	control_send(c, o, 1);
}

static cJSON *
control_item_json(const struct disc_item *it, const char *key)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "project", it->project);
	json_add_str(o, "instance", it->instance);
	json_add_str(o, "database", it->database);
	cJSON_AddStringToObject(o, key, it->text);
	return (o);
}

static void
control_plan_cb(struct disc_result *res, void *arg)
{
	struct control_conn	*c = arg;
	struct master		*m = c->ctl->m;
	struct disc_target	*t;
	cJSON			*o, *a, *to, *d;
	char			 obj[GCP_OBJECT_MAX + 1];
	int64_t			 last;
	size_t			 i;

	c->busy = 0;
	if (c->dead) {
		disc_result_free(res);
		control_conn_free(c);
		return;
	}
	o = control_result(1);
	a = cJSON_AddArrayToObject(o, "targets");
	for (i = 0; i < res->ntargets; i++) {
		t = &res->targets[i];
		to = cJSON_CreateObject();
		cJSON_AddStringToObject(to, "project", t->project);
		cJSON_AddStringToObject(to, "instance", t->instance);
		cJSON_AddStringToObject(to, "database", t->database);
		cJSON_AddStringToObject(to, "version", t->version);
		if (job_object_name(master_config(m)->object, t->project,
		    t->instance,
		    t->database, gcp_engine_ext(t->version), master_now_ms(),
		    obj, sizeof(obj)) == 0)
			cJSON_AddStringToObject(to, "object", obj);
		cJSON_AddNumberToObject(to, "predicted", (double)
		    master_predict_ms(m, t->project, t->instance, t->database,
		    t->disk_gb, t->ndatabases) / 1000);
		if (journal_last_success(master_journal(m), t->project,
		    t->instance,
		    t->database, &last) == 1)
			json_add_time(to, "last_success", last);
		else
			cJSON_AddNullToObject(to, "last_success");
		cJSON_AddItemToArray(a, to);
	}
	a = cJSON_AddArrayToObject(o, "skipped");
	for (i = 0; i < res->skipped.n; i++)
		cJSON_AddItemToArray(a, control_item_json(&res->skipped.v[i],
		    "reason"));
	a = cJSON_AddArrayToObject(o, "excluded");
	for (i = 0; i < res->excluded.n; i++)
		cJSON_AddItemToArray(a, control_item_json(&res->excluded.v[i],
		    "rule"));
	a = cJSON_AddArrayToObject(o, "errors");
	for (i = 0; i < res->errors.n; i++) {
		to = cJSON_CreateObject();
		snprintf(obj, sizeof(obj), "%s%s%s", res->errors.v[i].project,
		    res->errors.v[i].instance[0] != '\0' ? "/" : "",
		    res->errors.v[i].instance);
		cJSON_AddStringToObject(to, "what", obj);
		cJSON_AddStringToObject(to, "message", res->errors.v[i].text);
		cJSON_AddItemToArray(a, to);
	}
	d = cJSON_AddObjectToObject(o, "discovery");
	cJSON_AddNumberToObject(d, "projects", res->projects);
	cJSON_AddNumberToObject(d, "instances", res->instances);
	cJSON_AddNumberToObject(d, "databases", res->databases);
	cJSON_AddNumberToObject(d, "skipped", (double)res->skipped.n);
	cJSON_AddNumberToObject(d, "excluded", (double)res->excluded.n);
	cJSON_AddNumberToObject(d, "api_disabled", res->api_disabled);
	cJSON_AddNumberToObject(d, "errors", (double)res->errors.n);
	cJSON_AddNumberToObject(d, "requests", res->requests);
	cJSON_AddNumberToObject(d, "seconds", (double)(res->ended_ms -
	    res->started_ms) / 1000);
	disc_result_free(res);
	control_send(c, o, 1);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
control_cmd_plan(struct control_conn *c)
{
	c->busy = 1;
	if (master_plan(c->ctl->m, control_plan_cb, c) == -1) {
		c->busy = 0;
		control_error(c, "cannot start discovery");
	}
}

/*
 * check: the monitoring-plugin view, one line per alert (monitor.c):
 * status 0 ok, 1 warning, 2 critical.
 */
static void
control_cmd_check(struct control_conn *c)
{
	cJSON	*o = control_result(1);

	monitor_check(c->ctl->mon, o);
	control_send(c, o, 1);
}

/* metrics: the Prometheus text, as /metrics serves it. */
static void
control_cmd_metrics(struct control_conn *c)
{
	cJSON	*o = control_result(1);
	char	*text;

	text = monitor_metrics_text(c->ctl->mon);
	cJSON_AddStringToObject(o, "text", text);
	free(text);
	control_send(c, o, 1);
}

/*
 * clock (tests only, with DATABACKUP_TEST_CLOCK=1 in the daemon's
 * environment): {"offset": SECONDS} moves the alerts' clock.
 */
static void
control_cmd_clock(struct control_conn *c, const cJSON *req)
{
	const cJSON	*off;
	cJSON		*o;

	if (!monitor_clock_enabled()) {
		control_error(c, "unknown command \"clock\"");
		return;
	}
	off = cJSON_GetObjectItemCaseSensitive(req, "offset");
	if (!cJSON_IsNumber(off)) {
		control_error(c, "\"offset\" must be a number of seconds");
		return;
	}
	monitor_set_clock(c->ctl->mon, (int64_t)off->valuedouble * 1000);
	o = control_result(1);
	cJSON_AddItemToObject(o, "alerts", monitor_alerts_json(c->ctl->mon));
	control_send(c, o, 1);
}

static void
control_request(struct control_conn *c, const char *line)
{
	cJSON		*req;
	const cJSON	*cmd, *ver;
	const char	*name;

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
	name = cmd->valuestring;
	log_debug("control: %s", name);
	if (strcmp(name, "status") == 0)
		control_cmd_status(c);
	else if (strcmp(name, "trigger") == 0)
		control_cmd_trigger(c, req);
	else if (strcmp(name, "jobs") == 0)
		control_cmd_jobs(c, req);
	else if (strcmp(name, "history") == 0)
		control_cmd_history(c, req);
	else if (strcmp(name, "coverage") == 0)
		control_cmd_coverage(c, req);
	else if (strcmp(name, "reload") == 0)
		control_cmd_reload(c);
	else if (strcmp(name, "plan") == 0)
		control_cmd_plan(c);
	else if (strcmp(name, "check") == 0)
		control_cmd_check(c);
	else if (strcmp(name, "metrics") == 0)
		control_cmd_metrics(c);
	else if (strcmp(name, "clock") == 0)
		control_cmd_clock(c, req);
	else
		control_error(c, "unknown command \"%.64s\"", name);
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

static void
control_progress_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct control		*ctl = arg;
	struct control_conn	*c;
	const struct run	*r = master_run(ctl->m);
	cJSON			*o;

	ctl->dirty = 0;
	if (r == NULL)
		return;
	TAILQ_FOREACH(c, &ctl->conns, entry) {
		if (!c->waiting || c->run_id != r->jr.id)
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
		control_walk_done(ctl, ev->run, ev->walk, ev->added);
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
