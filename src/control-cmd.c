/*
 * control-cmd.c: the control socket's commands, one function each, and
 * the table that names them (docs/control.md).  Each reads its request,
 * asks the master, the journal or the monitor, and answers on its
 * connection; none changes the master's state except through the
 * master's own calls (trigger, reload, plan).
 */
#include <sys/types.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "auth.h"
#include "config.h"
#include "control-int.h"
#include "discovery.h"
#include "journal.h"
#include "jsonutil.h"
#include "log.h"
#include "master.h"
#include "monitor.h"
#include "restore.h"
#include "xmalloc.h"

static void
control_cmd_status(struct control_conn *c, const cJSON *req)
{
	struct master		*m = c->ctl->m;
	const struct journal_run *last = master_last_run(m);
	struct master_info	 mi;
	struct master_worker_info w;
	const struct restore	*r;
	const struct journal_drill *ld;
	const struct master_drill_fail *fails;
	size_t			 nfails;
	cJSON			*o, *d, *ws, *wo, *j, *lo, *rs;
	char			 rlabel[RESTORE_LABEL_MAX + 48];
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
	if (last->id != 0) {
		lo = control_jrun_json(last);
		if (master_last_disc(m) != NULL)
			cJSON_AddItemToObject(lo, "discovery",
			    control_disc_json(master_last_disc(m)));
		cJSON_AddItemToObject(o, "last_run", lo);
	} else
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
		} else if (w.restore != NULL) {
			snprintf(rlabel, sizeof(rlabel), "restore %lld into "
			    "%s/%s/%s", (long long)w.restore->id,
			    w.restore->project, w.restore->instance,
			    w.restore->database);
			cJSON_AddStringToObject(wo, "job", rlabel);
			cJSON_AddStringToObject(wo, "job_state",
			    restore_state_name(w.restore->state));
		} else {
			cJSON_AddNullToObject(wo, "job");
			cJSON_AddNullToObject(wo, "job_state");
		}
		json_add_time(wo, "since", w.since_ms);
		cJSON_AddItemToArray(ws, wo);
	}
	if (master_drill_running(m) != NULL)
		cJSON_AddItemToObject(o, "drill", control_drill_json(
		    master_drill_running(m)));
	if ((ld = master_drill_last(m, &fails, &nfails)) != NULL)
		cJSON_AddItemToObject(o, "last_drill", control_drill_json(ld));
	rs = cJSON_AddArrayToObject(o, "restores");
	for (r = master_restore_next(m, NULL); r != NULL;
	    r = master_restore_next(m, r))
		cJSON_AddItemToArray(rs, control_restore_json(r));
	j = cJSON_AddObjectToObject(o, "journal");
	cJSON_AddBoolToObject(j, "ok", mi.journal_ok);
	json_add_str(j, "error", mi.journal_ok ? NULL : mi.journal_err);
	cJSON_AddItemToObject(o, "alerts", monitor_alerts_json(c->ctl->mon));
	control_send(c, o, 1);
}

/* Read "patterns" into pat; returns the count or -1 (error sent). */
int
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
	if (cJSON_IsTrue(wait) && r != NULL && n == 0) {
		c->waiting = 1;
		c->run_id = r->jr.id;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "progress");
		cJSON_AddItemToObject(o, "run", control_run_json(r));
		control_send(c, o, 0);
		return;
	}
	if (cJSON_IsTrue(wait)) {
		/* Patterns: the walk decides; until then, say what goes on. */
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "progress");
		if (r != NULL)
			cJSON_AddItemToObject(o, "run", control_run_json(r));
		else
			cJSON_AddStringToObject(cJSON_AddObjectToObject(o,
			    "run"), "state", "discovering");
		control_send(c, o, 0);
	}
	/*
	 * The reply waits for the walk that serves this trigger (one just
	 * started, or the next one if a walk was under way), so that it can
	 * say how many databases it added, or, if its patterns select
	 * nothing, why.  A trigger with patterns starts its run only then.
	 */
	master_info(m, &mi);
	c->walk = mi.walks > walks ? mi.walks : mi.walks + 1;
	c->run_id = r != NULL ? r->jr.id : 0;
	c->wait_run = cJSON_IsTrue(wait);
	if (c->wait_run && n > 0) {
		/* --wait ends when the databases asked for are done. */
		c->pat = xreallocarray(NULL, (size_t)n, sizeof(*pat));
		memcpy(c->pat, pat, (size_t)n * sizeof(*pat));
		c->npat = (size_t)n;
	}
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

struct control_jobs {
	cJSON	*arr;
	int	 failed_only;
	int	 state;		/* an enum job_state, or -1 for any */
	int	 limit;		/* rows shown; 0: every one */
	int	 n;		/* rows matched */
};

static void
control_jobs_cb(const struct job *job, void *arg)
{
	struct control_jobs	*cj = arg;

	if (cj->failed_only && job->state != JOB_FAILED &&
	    job->failures == 0)
		return;
	if (cj->state != -1 && (int)job->state != cj->state)
		return;
	if (cj->limit != 0 && cj->n >= cj->limit) {
		cj->n++;	/* counted for "total", not shown */
		return;
	}
	cj->n++;
	cJSON_AddItemToArray(cj->arr, control_job_json(job));
}

/*
 * Read the filters of a jobs request into cj: "state" (a job state name),
 * "failed", "limit" (default CONTROL_HISTORY_MAX) and "all" (no limit).
 * Returns 0, or -1 with the error sent.
 */
static int
control_jobs_filter(struct control_conn *c, const cJSON *req,
    struct control_jobs *cj)
{
	const cJSON	*v;
	enum job_state	 st;
	char		 names[128];
	int		 i;

	memset(cj, 0, sizeof(*cj));
	cj->state = -1;
	cj->limit = CONTROL_HISTORY_MAX;
	v = cJSON_GetObjectItemCaseSensitive(req, "state");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) ||
		    job_state_from_name(v->valuestring, &st) == -1) {
			names[0] = '\0';
			for (i = 0; i < JOB_STATE_COUNT; i++) {
				if (i > 0)
					strlcat(names, ", ", sizeof(names));
				strlcat(names, job_state_name(i),
				    sizeof(names));
			}
			control_error(c, "\"state\" must be one of %s", names);
			return (-1);
		}
		cj->state = (int)st;
	}
	v = cJSON_GetObjectItemCaseSensitive(req, "failed");
	if (v != NULL && !cJSON_IsBool(v) && !cJSON_IsNull(v)) {
		control_error(c, "\"failed\" must be true or false");
		return (-1);
	}
	cj->failed_only = cJSON_IsTrue(v);
	v = cJSON_GetObjectItemCaseSensitive(req, "all");
	if (v != NULL && !cJSON_IsBool(v) && !cJSON_IsNull(v)) {
		control_error(c, "\"all\" must be true or false");
		return (-1);
	}
	if (cJSON_IsTrue(v)) {
		v = cJSON_GetObjectItemCaseSensitive(req, "limit");
		if (v != NULL && !cJSON_IsNull(v)) {
			control_error(c, "\"all\" and \"limit\" exclude each "
			    "other");
			return (-1);
		}
		cj->limit = 0;
		return (0);
	}
	return (control_int_arg(c, req, "limit", CONTROL_HISTORY_MAX,
	    CONTROL_JOBS_LIMIT_MAX, &cj->limit));
}

/* "total" matched and "truncated" when not all of them are listed. */
static void
control_jobs_counts(cJSON *o, const struct control_jobs *cj)
{
	cJSON_AddNumberToObject(o, "total", cj->n);
	cJSON_AddBoolToObject(o, "truncated", cj->limit != 0 &&
	    cj->n > cj->limit);
}

/*
 * jobs: a run's jobs (the current run, else the newest), in id order,
 * filtered by state or failures, at most "limit" of them.
 */
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
	if (control_jobs_filter(c, req, &cj) == -1)
		return;
	if (id == 0) {
		control_error(c, "no run yet");
		return;
	}
	o = control_result(1);
	if (r != NULL && r->jr.id == id) {
		cJSON_AddItemToObject(o, "run", control_run_json(r));
		cj.arr = cJSON_AddArrayToObject(o, "jobs");
		for (i = 0; i < r->njobs; i++)
			control_jobs_cb(r->jobs[i], &cj);
		control_jobs_counts(o, &cj);
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
	control_jobs_counts(o, &cj);
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

struct control_runs {
	const struct run	*cur;		/* the run in progress, or NULL */
	cJSON			*arr;
	int			 failed_only;
	int			 n;
};

static void
control_runs_cb(const struct journal_run *jr, void *arg)
{
	struct control_runs	*cr = arg;

	if (cr->failed_only && jr->failed == 0 &&
	    strcmp(jr->outcome, "failed") != 0)
		return;
	if (cr->n++ >= CONTROL_HISTORY_MAX)
		return;		/* one more than shown: "truncated" */
	/* The journal's row of the run in progress lags its counts. */
	if (cr->cur != NULL && cr->cur->jr.id == jr->id)
		cJSON_AddItemToArray(cr->arr, control_run_json(cr->cur));
	else
		cJSON_AddItemToArray(cr->arr, control_jrun_json(jr));
}

/*
 * history with "runs": one RUN per run started in the last "days" days,
 * newest first; with "failed", only the runs where a job failed.
 */
static void
control_history_runs(struct control_conn *c, int days, int failed_only)
{
	struct master		*m = c->ctl->m;
	struct control_runs	 cr;
	cJSON			*o;

	o = control_result(1);
	memset(&cr, 0, sizeof(cr));
	cr.cur = master_run(m);
	cr.failed_only = failed_only;
	cJSON_AddNumberToObject(o, "days", days);
	cr.arr = cJSON_AddArrayToObject(o, "runs");
	if (journal_runs(master_journal(m), master_now_ms() -
	    (int64_t)days * 86400 * 1000, failed_only ? INT_MAX :
	    CONTROL_HISTORY_MAX + 1, control_runs_cb, &cr) == -1) {
		cJSON_Delete(o);
		control_error(c, "journal: %s", journal_error(
		    master_journal(m)));
		return;
	}
	cJSON_AddBoolToObject(o, "truncated", cr.n > CONTROL_HISTORY_MAX);
	control_send(c, o, 1);
}

/*
 * history: jobs of the runs of the last "days" days, from the journal;
 * with "runs": true, one entry per run instead (control_history_runs).
 */
static void
control_cmd_history(struct control_conn *c, const cJSON *req)
{
	struct master		*m = c->ctl->m;
	struct control_jobs	 cj;
	const cJSON		*f, *rv;
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
	rv = cJSON_GetObjectItemCaseSensitive(req, "runs");
	if (rv != NULL && !cJSON_IsBool(rv) && !cJSON_IsNull(rv)) {
		control_error(c, "\"runs\" must be true or false");
		return;
	}
	if (cJSON_IsTrue(rv)) {
		control_history_runs(c, days, cJSON_IsTrue(f));
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

/*
 * coverage: every known database (monitor.c) with its newest verified
 * export, stale or not by [alerts] max_age, or by "hours" when given;
 * with "stale": true, only the stale ones.
 */
static void
control_cmd_coverage(struct control_conn *c, const cJSON *req)
{
	const cJSON	*h, *st;
	cJSON		*o;
	int64_t		 max_age_ms;
	int		 hours = 0;

	max_age_ms = (int64_t)master_config(c->ctl->m)->max_age_ms;
	h = cJSON_GetObjectItemCaseSensitive(req, "hours");
	if (cJSON_IsNull(h))
		h = NULL;
	if (h != NULL) {
		if (control_int_arg(c, req, "hours", CONTROL_STALE_HOURS,
		    CONTROL_DAYS_MAX * 24, &hours) == -1)
			return;
		max_age_ms = (int64_t)hours * 3600 * 1000;
	}
	st = cJSON_GetObjectItemCaseSensitive(req, "stale");
	if (st != NULL && !cJSON_IsBool(st)) {
		control_error(c, "\"stale\" must be true or false");
		return;
	}
	o = control_result(1);
	if (h != NULL)
		cJSON_AddNumberToObject(o, "hours", hours);
	monitor_coverage(c->ctl->mon, o, max_age_ms, cJSON_IsTrue(st));
	control_coverage_restores(c->ctl->m, o);
	control_send(c, o, 1);
}

/* Splits "a.b, c.d" into the array a. */
static void
control_restart_keys(cJSON *a, const char *keys)
{
	char	*buf, *s, *p;

	buf = s = xstrdup(keys);
	while ((p = strsep(&s, ", ")) != NULL)
		if (*p != '\0')
			cJSON_AddItemToArray(a, cJSON_CreateString(p));
	free(buf);
}

/*
 * reload: the configuration file again, as SIGHUP.  The result says which
 * restart-only keys on file differ from those in force ("restart").
 */
static void
control_cmd_reload(struct control_conn *c, const cJSON *req)
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
	a = cJSON_AddArrayToObject(o, "restart");
	control_restart_keys(a, master_restart_keys(c->ctl->m));
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

/* A place discovery could not see whole, for the plan reply. */
static cJSON *
control_partial_json(const struct disc_partial *p)
{
	cJSON	*o = cJSON_CreateObject();
	char	 what[GCP_FOLDER_MAX + GCP_INSTANCE_MAX + 16];

	snprintf(what, sizeof(what), "%s%s%s", p->where,
	    p->instance[0] != '\0' ? "/" : "", p->instance);
	cJSON_AddStringToObject(o, "what", what);
	json_add_str(o, "region", p->region);
	cJSON_AddStringToObject(o, "code", p->code);
	cJSON_AddStringToObject(o, "message", p->text);
	return (o);
}

/*
 * What plan says besides the walk: whose credentials the daemon uses,
 * and whether it may get and delete objects in the bucket.
 */
static void
control_plan_preflight(struct control_conn *c, const struct disc_result *res,
    cJSON *o)
{
	struct master_info	 mi;
	cJSON			*a, *b;

	master_info(c->ctl->m, &mi);
	a = cJSON_AddObjectToObject(o, "credentials");
	cJSON_AddStringToObject(a, "source", auth_source_name(mi.auth->source));
	cJSON_AddStringToObject(a, "type", mi.auth->type);
	cJSON_AddStringToObject(a, "account", mi.auth->account);
	b = cJSON_AddObjectToObject(o, "bucket");
	cJSON_AddStringToObject(b, "name", master_config(c->ctl->m)->bucket);
	cJSON_AddBoolToObject(b, "checked", res->bucket_checked);
	if (res->bucket_problem != NULL)
		cJSON_AddStringToObject(b, "problem", res->bucket_problem);
	else
		cJSON_AddNullToObject(b, "problem");
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
		    master_predict_ms(m, t) / 1000);
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
	a = cJSON_AddArrayToObject(o, "partial");
	for (i = 0; i < res->partial.n; i++)
		cJSON_AddItemToArray(a, control_partial_json(
		    &res->partial.v[i]));
	control_plan_preflight(c, res, o);
	d = cJSON_AddObjectToObject(o, "discovery");
	cJSON_AddNumberToObject(d, "projects", res->projects);
	cJSON_AddNumberToObject(d, "instances", res->instances);
	cJSON_AddNumberToObject(d, "databases", res->databases);
	cJSON_AddNumberToObject(d, "skipped", (double)res->skipped.n);
	cJSON_AddNumberToObject(d, "excluded", (double)res->excluded.n);
	cJSON_AddNumberToObject(d, "api_disabled", res->api_disabled);
	cJSON_AddNumberToObject(d, "errors", (double)res->errors.n);
	cJSON_AddNumberToObject(d, "partial", (double)res->partial.n);
	cJSON_AddNumberToObject(d, "requests", res->requests);
	cJSON_AddNumberToObject(d, "seconds", (double)(res->ended_ms -
	    res->started_ms) / 1000);
	disc_result_free(res);
	control_send(c, o, 1);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
control_cmd_plan(struct control_conn *c, const cJSON *req)
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
control_cmd_check(struct control_conn *c, const cJSON *req)
{
	cJSON	*o = control_result(1);

	monitor_check(c->ctl->mon, o);
	control_send(c, o, 1);
}

/* metrics: the Prometheus text, as /metrics serves it. */
static void
control_cmd_metrics(struct control_conn *c, const cJSON *req)
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

/* Reading needs a reader; changing what the daemon does, an operator. */
static const struct control_cmd control_cmds[] = {
	{ "status",	CONTROL_ROLE_READER,	control_cmd_status },
	{ "trigger",	CONTROL_ROLE_OPERATOR,	control_cmd_trigger },
	{ "jobs",	CONTROL_ROLE_READER,	control_cmd_jobs },
	{ "history",	CONTROL_ROLE_READER,	control_cmd_history },
	{ "coverage",	CONTROL_ROLE_READER,	control_cmd_coverage },
	{ "reload",	CONTROL_ROLE_OPERATOR,	control_cmd_reload },
	{ "plan",	CONTROL_ROLE_READER,	control_cmd_plan },
	{ "check",	CONTROL_ROLE_READER,	control_cmd_check },
	{ "metrics",	CONTROL_ROLE_READER,	control_cmd_metrics },
	{ "restore",	CONTROL_ROLE_OPERATOR,	control_cmd_restore },
	{ "drill",	CONTROL_ROLE_OPERATOR,	control_cmd_drill },
	{ "prune",	CONTROL_ROLE_OPERATOR,	control_cmd_prune },
	{ "clock",	CONTROL_ROLE_ADMIN,	control_cmd_clock },
};

/* The command called name, or NULL. */
const struct control_cmd *
control_cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++)
		if (strcmp(control_cmds[i].name, name) == 0)
			return (&control_cmds[i]);
	return (NULL);
}

/* The role name's command needs, in *need; -1 if there is no such command. */
int
control_cmd_need(const char *name, enum control_role *need)
{
	const struct control_cmd	*cc;

	if ((cc = control_cmd_find(name)) == NULL)
		return (-1);
	*need = cc->need;
	return (0);
}
