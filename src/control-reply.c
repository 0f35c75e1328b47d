/*
 * control-reply.c: what the control socket answers with: one JSON object
 * per line (a result, an error or a progress line, each with the
 * protocol's version), and the JSON shapes of runs and jobs that several
 * replies share.  A connection is freed here once it is done.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "control-int.h"
#include "jsonutil.h"
#include "log.h"
#include "master.h"
#include "xmalloc.h"

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
cJSON *
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
	cJSON_AddNumberToObject(o, "stuck", 0);
	cJSON_AddBoolToObject(o, "stalled", 0);
	cJSON_AddNumberToObject(o, "succeeded", jr->succeeded);
	cJSON_AddNumberToObject(o, "failed", jr->failed);
	return (o);
}

/* The run in progress (or just finished). */
cJSON *
control_run_json(const struct run *r)
{
	cJSON	*o = cJSON_CreateObject();

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
	cJSON_AddNumberToObject(o, "busy", run_busy(r, master_now_ms()));
	cJSON_AddNumberToObject(o, "retry_wait", r->count[JOB_RETRY_WAIT]);
	cJSON_AddNumberToObject(o, "stuck", r->stuck);
	cJSON_AddBoolToObject(o, "stalled", r->stalled);
	json_add_time(o, "progressed", r->progress_ms);
	cJSON_AddNumberToObject(o, "succeeded", r->count[JOB_SUCCEEDED]);
	cJSON_AddNumberToObject(o, "failed", r->count[JOB_FAILED]);
	cJSON_AddItemToObject(o, "discovery", control_disc_json(&r->disc));
	return (o);
}

/* A run's discovery totals. */
cJSON *
control_disc_json(const struct run_disc *rd)
{
	cJSON	*d = cJSON_CreateObject();

	cJSON_AddNumberToObject(d, "projects", rd->projects);
	cJSON_AddNumberToObject(d, "instances", rd->instances);
	cJSON_AddNumberToObject(d, "databases", rd->databases);
	cJSON_AddNumberToObject(d, "skipped", rd->skipped);
	cJSON_AddNumberToObject(d, "excluded", rd->excluded);
	cJSON_AddNumberToObject(d, "api_disabled", rd->api_disabled);
	cJSON_AddNumberToObject(d, "errors", rd->errors);
	cJSON_AddNumberToObject(d, "partial", rd->partial);
	return (d);
}

cJSON *
control_job_json(const struct job *job)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)job->id);
	cJSON_AddNumberToObject(o, "run", (double)job->run_id);
	cJSON_AddStringToObject(o, "project", job_project(job));
	cJSON_AddStringToObject(o, "instance", job_instance(job));
	cJSON_AddStringToObject(o, "database", job_database(job));
	cJSON_AddStringToObject(o, "state", job_state_name(job->state));
	cJSON_AddBoolToObject(o, "stuck", job->stuck);
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
void
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

cJSON *
control_result(int ok)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "result");
	cJSON_AddBoolToObject(o, "ok", ok);
	return (o);
}

void
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

void
control_conn_free(struct control_conn *c)
{
	struct control	*ctl = c->ctl;
	int		 refused = c->refused, reserved = c->reserved;

	TAILQ_REMOVE(&ctl->conns, c, entry);
	if (c->ev_idle != NULL)
		event_free(c->ev_idle);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c->pat);
	free(c);
	control_conn_gone(ctl, refused, reserved);
}
