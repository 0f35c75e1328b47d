/*
 * control-restore.c: the restore and drill commands (docs/control.md).
 * Restore: without
 * "wait" the answer is the restore as queued; with it (and always for a
 * dry run, which is quick) each step the worker says is a progress line,
 * and the answer comes when the restore has ended: ok if it succeeded,
 * the error otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control-int.h"
#include "discovery.h"
#include "journal.h"
#include "jsonutil.h"
#include "master.h"
#include "restore.h"
#include "config.h"
#include "gcp.h"
#include "xmalloc.h"

cJSON *
control_restore_json(const struct restore *r)
{
	cJSON		*o, *a;
	const char	*s, *e;
	char		 target[RESTORE_LABEL_MAX], line[RESTORE_TEXT_MAX];
	size_t		 n;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "state", restore_state_name(r->state));
	cJSON_AddStringToObject(o, "source", r->source);
	cJSON_AddStringToObject(o, "object", r->uri);
	snprintf(target, sizeof(target), "%s/%s/%s", r->project, r->instance,
	    r->database);
	cJSON_AddStringToObject(o, "target", target);
	cJSON_AddBoolToObject(o, "replace", r->replace);
	cJSON_AddBoolToObject(o, "dry_run", r->dry_run);
	if (r->size != 0)
		cJSON_AddNumberToObject(o, "size", (double)r->size);
	if (r->exported_ms != 0)
		json_add_time(o, "exported", r->exported_ms);
	json_add_time(o, "requested", r->requested_ms);
	if (r->ended_ms != 0)
		json_add_time(o, "ended", r->ended_ms);
	cJSON_AddStringToObject(o, "step", r->step);
	a = cJSON_AddArrayToObject(o, "steps");
	for (s = r->plan; s != NULL && *s != '\0'; s = *e != '\0' ? e + 1 : e) {
		e = s + strcspn(s, "\n");
		n = (size_t)(e - s) < sizeof(line) ? (size_t)(e - s) :
		    sizeof(line) - 1;
		memcpy(line, s, n);
		line[n] = '\0';
		cJSON_AddItemToArray(a, cJSON_CreateString(line));
	}
	if (r->error[0] != '\0')
		cJSON_AddStringToObject(o, "error", r->error);
	return (o);
}

/* An optional string field into *out (NULL if absent); -1 if not one. */
static int
control_str_field(struct control_conn *c, const cJSON *req, const char *key,
    const char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(req, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
		control_error(c, "\"%s\" must be a non-empty string", key);
		return (-1);
	}
	*out = v->valuestring;
	return (0);
}

/* YYYY-MM-DD, with a month and day that can be. */
static int
control_is_day(const char *s)
{
	int	 y, mo, d;
	char	 end;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &end) != 3)
		return (0);
	return (y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31);
}

cJSON *
control_drill_json(const struct journal_drill *d)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)d->id);
	cJSON_AddStringToObject(o, "trigger", d->trigger);
	json_add_time(o, "started", d->started_ms);
	if (d->ended_ms != 0)
		json_add_time(o, "ended", d->ended_ms);
	cJSON_AddNumberToObject(o, "total", d->total);
	cJSON_AddNumberToObject(o, "succeeded", d->succeeded);
	cJSON_AddNumberToObject(o, "failed", d->failed);
	return (o);
}

void
control_cmd_restore(struct control_conn *c, const cJSON *req)
{
	struct master_restore_req q;
	const struct restore	*r;
	cJSON			*o;
	char			 err[512];

	memset(&q, 0, sizeof(q));
	if (control_str_field(c, req, "database", &q.database) == -1 ||
	    control_str_field(c, req, "date", &q.day) == -1 ||
	    control_str_field(c, req, "object", &q.object) == -1 ||
	    control_str_field(c, req, "to", &q.to) == -1 ||
	    control_str_field(c, req, "as", &q.as) == -1)
		return;
	if (q.database == NULL) {
		control_error(c, "restore needs PROJECT/INSTANCE/DATABASE");
		return;
	}
	if (q.day != NULL && q.object != NULL) {
		control_error(c, "--date and --object choose the export two "
		    "ways: give one");
		return;
	}
	if (q.day != NULL && !control_is_day(q.day)) {
		control_error(c, "\"%s\": YYYY-MM-DD expected", q.day);
		return;
	}
	q.replace = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req,
	    "replace"));
	q.dry_run = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req,
	    "dry_run"));
	if ((r = master_restore(c->ctl->m, &q, err, sizeof(err))) == NULL) {
		control_error(c, "%s", err);
		return;
	}
	if (q.dry_run || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req,
	    "wait"))) {
		/* Its steps follow as progress (control_restore_event). */
		c->restore_id = r->id;
		c->restore_said = 0;
		control_restore_event(c->ctl, r);
		return;
	}
	o = control_result(1);
	cJSON_AddItemToObject(o, "restore", control_restore_json(r));
	control_send(c, o, 1);
}

/*
 * A restore moved: the clients waiting on it hear its new steps, and the
 * result once it has ended.
 */
void
control_restore_event(struct control *ctl, const struct restore *r)
{
	struct control_conn	*c, *next;
	cJSON			*o, *steps;
	int			 n;

	if (ctl == NULL)
		return;
	TAILQ_FOREACH_SAFE(c, &ctl->conns, entry, next) {
		if (c->drill_id != 0 && r->drill == c->drill_id &&
		    master_drill_running(ctl->m) != NULL) {
			/* A drill's restore moved: the drill so far. */
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "type", "progress");
			cJSON_AddItemToObject(o, "drill", control_drill_json(
			    master_drill_running(ctl->m)));
			cJSON_AddItemToObject(o, "restore",
			    control_restore_json(r));
			control_send(c, o, 0);
			continue;
		}
		if (c->restore_id == 0 || c->restore_id != r->id)
			continue;
		if (r->state == RESTORE_SUCCEEDED ||
		    r->state == RESTORE_FAILED) {
			c->restore_id = 0;
			o = control_result(r->state == RESTORE_SUCCEEDED);
			if (r->state == RESTORE_FAILED)
				cJSON_AddStringToObject(o, "error", r->error);
			cJSON_AddItemToObject(o, "restore",
			    control_restore_json(r));
			control_send(c, o, 1);
			continue;
		}
		o = control_restore_json(r);
		steps = cJSON_GetObjectItemCaseSensitive(o, "steps");
		n = cJSON_GetArraySize(steps);
		if (n <= c->restore_said && c->restore_said != 0) {
			cJSON_Delete(o);
			continue;
		}
		c->restore_said = n;
		cJSON_Delete(o);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "progress");
		cJSON_AddItemToObject(o, "restore", control_restore_json(r));
		control_send(c, o, 0);
	}
}

/* drill [PATTERN...] [--wait]: a restore drill now. */
void
control_cmd_drill(struct control_conn *c, const cJSON *req)
{
	struct disc_pattern	 pat[CONTROL_PATTERNS_MAX];
	const struct journal_drill *d;
	cJSON			*o;
	char			 err[512];
	int64_t			 id;
	int			 n;

	if ((n = control_patterns(c, req, pat)) == -1)
		return;
	if ((id = master_drill_start(c->ctl->m, "manual", pat, (size_t)n, err,
	    sizeof(err))) == -1) {
		control_error(c, "%s", err);
		return;
	}
	d = master_drill_running(c->ctl->m);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "wait")) &&
	    d != NULL) {
		c->drill_id = id;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "progress");
		cJSON_AddItemToObject(o, "drill", control_drill_json(d));
		control_send(c, o, 0);
		return;
	}
	o = control_result(1);
	if (d != NULL)
		cJSON_AddItemToObject(o, "drill", control_drill_json(d));
	control_send(c, o, 1);
}

/* A drill ended: the clients waiting on it get how. */
void
control_drill_event(struct control *ctl, const struct journal_drill *d)
{
	struct control_conn	*c, *next;
	const struct master_drill_fail *f;
	cJSON			*o, *errs;
	char			 line[1024];
	size_t			 nf, i;

	if (ctl == NULL || d == NULL)
		return;
	TAILQ_FOREACH_SAFE(c, &ctl->conns, entry, next) {
		if (c->drill_id == 0 || c->drill_id != d->id)
			continue;
		c->drill_id = 0;
		o = control_result(d->failed == 0);
		if (d->failed > 0) {
			snprintf(line, sizeof(line), "restore drill %lld: %d "
			    "of %d restores failed", (long long)d->id,
			    d->failed, d->total);
			cJSON_AddStringToObject(o, "error", line);
			errs = cJSON_AddArrayToObject(o, "errors");
			master_drill_last(ctl->m, &f, &nf);
			for (i = 0; i < nf; i++) {
				snprintf(line, sizeof(line), "%s: %s",
				    f[i].source, f[i].error);
				cJSON_AddItemToArray(errs,
				    cJSON_CreateString(line));
			}
		}
		cJSON_AddItemToObject(o, "drill", control_drill_json(d));
		control_send(c, o, 1);
	}
}

/*
 * prune [--dry-run]: retention now.  The answer waits for its end; each
 * line the worker says comes first as progress.
 */
void
control_cmd_prune(struct control_conn *c, const cJSON *req)
{
	cJSON	*o;
	char	 err[512];
	int	 dry;

	dry = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "dry_run"));
	if (master_prune_start(c->ctl->m, dry, "asked for", err,
	    sizeof(err)) == -1) {
		control_error(c, "%s", err);
		return;
	}
	c->prune_wait = 1;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "progress");
	cJSON_AddStringToObject(o, "line", dry ? "listing the bucket (dry "
	    "run: nothing is deleted)" : "listing the bucket");
	control_send(c, o, 0);
}

/* A line of the prune, or its end, to the clients waiting on it. */
void
control_prune_event(struct control *ctl, const struct master_event *ev)
{
	struct control_conn	*c, *next;
	cJSON			*o;

	if (ctl == NULL)
		return;
	TAILQ_FOREACH_SAFE(c, &ctl->conns, entry, next) {
		if (!c->prune_wait)
			continue;
		if (ev->type == MASTER_EV_PRUNE_LINE) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "type", "progress");
			cJSON_AddStringToObject(o, "line", ev->message);
			control_send(c, o, 0);
			continue;
		}
		c->prune_wait = 0;
		o = control_result(ev->ok);
		cJSON_AddStringToObject(o, ev->ok ? "summary" : "error",
		    ev->message != NULL ? ev->message : "");
		control_send(c, o, 1);
	}
}

static int
control_drill_db_cmp(const void *va, const void *vb)
{
	const struct journal_drill_db	*a = *(const struct journal_drill_db *
					    const *)va;
	const struct journal_drill_db	*b = *(const struct journal_drill_db *
					    const *)vb;
	int				 c;

	if ((c = strcmp(a->project, b->project)) != 0)
		return (c);
	if ((c = strcmp(a->instance, b->instance)) != 0)
		return (c);
	return (strcmp(a->database, b->database));
}

/*
 * coverage: with drills configured, each database's last verified
 * restore ("verified_restore", null if none) beside its newest export.
 */
void
control_coverage_restores(struct master *m, cJSON *o)
{
	const struct journal_drill_db	*dbs, **by, *d, *key, **hit;
	struct journal_drill_db		 k;
	cJSON				*e;
	const char			*s;
	size_t				 n, i;

	if (master_config(m)->ndrill_scratch == 0)
		return;
	dbs = master_drill_dbs(m, &n);
	by = xcalloc(n + 1, sizeof(*by));
	for (i = 0; i < n; i++)
		by[i] = &dbs[i];
	qsort(by, n, sizeof(*by), control_drill_db_cmp);
	cJSON_AddBoolToObject(o, "restores", 1);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o,
	    "databases")) {
		memset(&k, 0, sizeof(k));
		if ((s = gcp_json_str(e, "project")) != NULL)
			strlcpy(k.project, s, sizeof(k.project));
		if ((s = gcp_json_str(e, "instance")) != NULL)
			strlcpy(k.instance, s, sizeof(k.instance));
		if ((s = gcp_json_str(e, "database")) != NULL)
			strlcpy(k.database, s, sizeof(k.database));
		key = &k;
		hit = n > 0 ? bsearch(&key, by, n, sizeof(*by),
		    control_drill_db_cmp) : NULL;
		d = hit != NULL ? *hit : NULL;
		json_add_time(e, "verified_restore", d != NULL ?
		    d->verified_ms : 0);
	}
	free(by);
}
