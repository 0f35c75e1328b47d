/*
 * master-restore.c: restores, as the master keeps them.  A request names
 * a database; the journal gives its newest verified export (or the one of
 * a day, or the object asked for), the restore is journaled and handed to
 * the next idle worker ahead of any export, which looks, decides and
 * imports (worker-restore.c) and says each step.  The master keeps the
 * steps, journals how it ended and tells its watchers; restores are not
 * part of a run, and a run's max_in_flight does not hold them back.
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "jsonutil.h"
#include "log.h"
#include "master-int.h"
#include "msg.h"
#include "restore.h"
#include "xmalloc.h"

/* Ended restores kept in memory for status; the journal keeps them all. */
#define MASTER_RESTORES_KEPT	16

static void
master_restore_write(struct master *m, struct restore *r)
{
	if (m->journal != NULL && journal_restore_update(m->journal, r) == -1)
		log_warnx("restore %lld: cannot journal it: %s",
		    (long long)r->id, journal_error(m->journal));
}

static void
master_restore_emit(struct master *m, struct restore *r)
{
	struct master_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.restore = r;
	master_emit(m, MASTER_EV_RESTORE, &ev);
}

/* Forget the oldest ended restores beyond MASTER_RESTORES_KEPT. */
static void
master_restore_trim(struct master *m)
{
	struct restore	*r, *next;
	int		 ended = 0;

	TAILQ_FOREACH_REVERSE(r, &m->restores, restore_list, entry)
		if (r->state == RESTORE_SUCCEEDED || r->state == RESTORE_FAILED)
			ended++;
	for (r = TAILQ_FIRST(&m->restores); r != NULL && ended >
	    MASTER_RESTORES_KEPT; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->state != RESTORE_SUCCEEDED && r->state != RESTORE_FAILED)
			continue;
		TAILQ_REMOVE(&m->restores, r, entry);
		free(r->plan);
		free(r);
		ended--;
	}
}

/* The restore has ended, as r->state says: record it, free its worker. */
static void
master_restore_end(struct master *m, struct master_worker *w,
    struct restore *r)
{
	r->ended_ms = master_now_ms();
	r->worker = -1;
	if (w != NULL) {
		w->restore = NULL;
		if (w->state == MW_BUSY)
			w->state = MW_IDLE;
	}
	if (r->state == RESTORE_SUCCEEDED)
		log_info("restore %lld of %s into %s/%s/%s %s", (long long)r->id,
		    r->source, r->project, r->instance, r->database,
		    r->dry_run ? "checked (dry run)" : "succeeded");
	else
		log_warnx("restore %lld of %s into %s/%s/%s failed: %s",
		    (long long)r->id, r->source, r->project, r->instance,
		    r->database, r->error);
	master_restore_write(m, r);
	master_restore_emit(m, r);
	master_drill_restore_ended(m, r);
	master_restore_trim(m);
}

/*
 * A restore as asked (struct master_restore_req).  The new restore, queued
 * and journaled, or NULL with why in err.
 */
const struct restore *
master_restore(struct master *m, const struct master_restore_req *q,
    char *err, size_t len)
{
	const struct config	*c = m->conf;
	struct journal_export	 e;
	struct restore		*r;
	char			 sp[GCP_PROJECT_ID_MAX + 1];
	char			 si[GCP_INSTANCE_MAX + 1];
	char			 sd[GCP_DATABASE_MAX + 1];
	char			 bucket[GCP_BUCKET_MAX + 1];
	char			 object[GCP_OBJECT_MAX + 1];
	int			 found;

	if (m->journal == NULL || !m->journal_ok) {
		snprintf(err, len, "the journal is not writable: no restore "
		    "starts until it is");
		return (NULL);
	}
	if (restore_split(q->database, 3, sp, sizeof(sp), si, sizeof(si), sd,
	    sizeof(sd)) == -1) {
		snprintf(err, len, "\"%s\": PROJECT/INSTANCE/DATABASE expected",
		    q->database);
		return (NULL);
	}
	r = xcalloc(1, sizeof(*r));
	r->worker = -1;
	r->replace = q->replace;
	r->dry_run = q->dry_run;
	r->requested_ms = master_now_ms();
	snprintf(r->source, sizeof(r->source), "%s/%s/%s", sp, si, sd);
	strlcpy(r->source_db, sd, sizeof(r->source_db));
	if (q->object != NULL) {
		if (restore_parse_uri(q->object, bucket, sizeof(bucket), object,
		    sizeof(object)) == -1) {
			snprintf(err, len, "\"%s\": gs://BUCKET/OBJECT "
			    "expected", q->object);
			goto fail;
		}
		found = strcmp(bucket, c->bucket) == 0 ?
		    journal_export_by_object(m->journal, object, &e) : 0;
		strlcpy(r->uri, q->object, sizeof(r->uri));
	} else {
		found = journal_restore_source(m->journal, sp, si, sd, q->day,
		    &e);
		if (found == 0) {
			snprintf(err, len, "the journal holds no verified "
			    "export of %s%s%s; name one with --object",
			    r->source, q->day != NULL ? " for " : "",
			    q->day != NULL ? q->day : "");
			goto fail;
		}
		snprintf(r->uri, sizeof(r->uri), "gs://%s/%s", c->bucket,
		    e.object);
	}
	if (found == -1) {
		snprintf(err, len, "journal: %s", journal_error(m->journal));
		goto fail;
	}
	if (found == 1) {
		strlcpy(r->version, e.version, sizeof(r->version));
		r->size = e.size;
		r->exported_ms = e.ended_ms;
	}
	if (q->to != NULL) {
		if (restore_split(q->to, 2, r->project, sizeof(r->project),
		    r->instance, sizeof(r->instance), NULL, 0) == -1) {
			snprintf(err, len, "\"%s\": PROJECT/INSTANCE expected",
			    q->to);
			goto fail;
		}
	} else {
		strlcpy(r->project, sp, sizeof(r->project));
		strlcpy(r->instance, si, sizeof(r->instance));
	}
	if (q->as != NULL && (q->as[0] == '\0' || strchr(q->as, '/') !=
	    NULL || strlen(q->as) > GCP_DATABASE_MAX)) {
		snprintf(err, len, "\"%s\": not a database name", q->as);
		goto fail;
	}
	strlcpy(r->database, q->as != NULL ? q->as : sd, sizeof(r->database));
	if (journal_restore_insert(m->journal, r) == -1) {
		snprintf(err, len, "journal: %s", journal_error(m->journal));
		master_journal_failed(m);
		goto fail;
	}
	log_info("restore %lld requested: %s from %s into %s/%s/%s%s%s",
	    (long long)r->id, r->source, r->uri, r->project, r->instance,
	    r->database, r->replace ? " (replace)" : "",
	    r->dry_run ? " (dry run)" : "");
	TAILQ_INSERT_TAIL(&m->restores, r, entry);
	master_restore_emit(m, r);
	master_dispatch(m);
	return (r);
fail:
	free(r);
	return (NULL);
}

/*
 * Hand queued restores to idle workers, ahead of exports.  Returns 0, or
 * -1 if no token is at hand yet (the caller asks for one).
 */
int
master_restore_dispatch(struct master *m)
{
	const struct config	*c = m->conf;
	struct restore		*r;
	struct master_worker	*w;
	struct msg_job		*mj;
	const char		*token;
	int64_t			 now;
	size_t			 k;

	if (m->stopping)
		return (0);
	TAILQ_FOREACH(r, &m->restores, entry) {
		if (r->state != RESTORE_QUEUED || master_drill_engine_busy(m,
		    r))
			continue;
		if ((w = master_idle_worker(m)) == NULL)
			return (0);
		if ((token = auth_cached(m->auth, NULL)) == NULL)
			return (-1);
		now = master_now_ms();
		mj = master_msg_new(m, token);
		strlcpy(mj->project, r->project, sizeof(mj->project));
		strlcpy(mj->instance, r->instance, sizeof(mj->instance));
		strlcpy(mj->database, r->database, sizeof(mj->database));
		restore_parse_uri(r->uri, mj->bucket, sizeof(mj->bucket),
		    mj->object, sizeof(mj->object));
		strlcpy(mj->version, r->version, sizeof(mj->version));
		strlcpy(mj->source_db, r->source_db, sizeof(mj->source_db));
		mj->restore = 1;
		mj->drill = r->drill != 0;
		for (k = 0; mj->drill && k < c->ndrill_scratch &&
		    k < MSG_SCRATCH_MAX; k++)
			strlcpy(mj->scratch[k], c->drill_scratch[k],
			    sizeof(mj->scratch[k]));
		mj->replace = r->replace;
		mj->dry_run = r->dry_run;
		mj->attempt = 1;
		mj->deadline_ms = now + (int64_t)c->retry_window_ms;
		w->state = MW_BUSY;
		w->restore = r;
		w->since_ms = w->heard_ms = now;
		r->worker = w->slot;
		r->state = RESTORE_RUNNING;
		r->started_ms = now;
		log_info("restore %lld: worker %d %s", (long long)r->id,
		    w->slot, r->dry_run ? "looks (dry run)" : "starts");
		master_msg_send(m, w, -r->id, mj);
		master_restore_write(m, r);
		master_restore_emit(m, r);
	}
	return (0);
}

/* A report from the worker that holds a restore. */
void
master_restore_msg(struct master *m, struct master_worker *w,
    const struct msg_hdr *hdr, const void *payload)
{
	struct restore		*r = w->restore;
	const struct msg_step	*s = payload;
	const struct msg_done	*d = payload;
	const struct msg_failed	*f = payload;

	if (hdr->job_id != -r->id) {
		log_warnx("worker %d: %s for restore %lld it does not hold",
		    w->slot, msg_type_name(hdr->type),
		    (long long)-hdr->job_id);
		kill(w->pid, SIGKILL);
		return;
	}
	w->heard_ms = master_now_ms();
	switch (hdr->type) {
	case MSG_RESTORE_STEP:
		if (s->project[0] != '\0' && s->instance[0] != '\0' &&
		    s->database[0] != '\0') {
			/* A drill's scratch target, now chosen. */
			strlcpy(r->project, s->project, sizeof(r->project));
			strlcpy(r->instance, s->instance, sizeof(r->instance));
			strlcpy(r->database, s->database, sizeof(r->database));
		}
		restore_add_plan(r, s->text);
		if (s->size != 0)
			r->size = s->size;
		master_restore_emit(m, r);
		return;
	case MSG_JOB_DONE:
		r->size = d->size;
		r->state = RESTORE_SUCCEEDED;
		strlcpy(r->step, r->dry_run ? "checked: nothing done (dry run)" :
		    "succeeded", sizeof(r->step));
		break;
	case MSG_JOB_FAILED:
		r->state = RESTORE_FAILED;
		strlcpy(r->error, f->message, sizeof(r->error));
		break;
	case MSG_JOB_POLLED:
		return;
	default:
		log_warnx("worker %d: unexpected %s in a restore", w->slot,
		    msg_type_name(hdr->type));
		kill(w->pid, SIGKILL);
		return;
	}
	master_restore_end(m, w, r);
	master_dispatch(m);
}

/*
 * The worker of a restore is gone (how): the restore fails, and says what
 * may still run at Google.  Not retried: a step that had started might be
 * done again on top of itself.
 */
void
master_restore_orphaned(struct master *m, struct master_worker *w,
    const char *how)
{
	struct restore	*r = w->restore;

	r->state = RESTORE_FAILED;
	snprintf(r->error, sizeof(r->error), "%s during the restore (last "
	    "step: %.160s); what it started may still run at Google: see gcloud "
	    "sql operations list --instance=%s --project=%s",
	    m->stopping ? "the daemon stopped" : how,
	    r->step[0] != '\0' ? r->step : "none", r->instance, r->project);
	master_restore_end(m, w, r);
}

/* A restore of the journal's, kept again (newest first: at the head). */
static void
master_restore_load_cb(const struct restore *jr, void *arg)
{
	struct master	*m = arg;
	struct restore	*r;

	r = xcalloc(1, sizeof(*r));
	*r = *jr;
	r->plan = jr->plan != NULL && *jr->plan != '\0' ? xstrdup(jr->plan) :
	    NULL;
	TAILQ_INSERT_HEAD(&m->restores, r, entry);
}

/*
 * At start: restores the last life left unfinished are failed, and the
 * recent ones are shown again by status.
 */
void
master_restore_recover(struct master *m)
{
	int	 n;

	if (m->journal == NULL)
		return;
	n = journal_restore_interrupted(m->journal, master_now_ms(),
	    "the daemon stopped during the restore; what it started may still "
	    "run at Google: see gcloud sql operations list");
	if (n > 0)
		log_warnx("%d restore%s left unfinished by the last run of the "
		    "daemon marked failed", n, n == 1 ? "" : "s");
	if (journal_restores(m->journal, MASTER_RESTORES_KEPT,
	    master_restore_load_cb, m) == -1)
		log_warnx("restores: %s", journal_error(m->journal));
}

/* Does a restore or a prune wait for a worker (and a token)? */
int
master_restore_waiting(const struct master *m)
{
	const struct restore	*r;

	if (m->prune_state == MASTER_PRUNE_QUEUED)
		return (1);
	TAILQ_FOREACH(r, &m->restores, entry)
		if (r->state == RESTORE_QUEUED)
			return (1);
	return (0);
}

/* The restores kept in memory, oldest first; NULL after the last. */
const struct restore *
master_restore_next(const struct master *m, const struct restore *r)
{
	return (r == NULL ? TAILQ_FIRST(&m->restores) : TAILQ_NEXT(r,
	    entry));
}

void
master_restore_free(struct master *m)
{
	struct restore	*r;

	while ((r = TAILQ_FIRST(&m->restores)) != NULL) {
		TAILQ_REMOVE(&m->restores, r, entry);
		free(r->plan);
		free(r);
	}
}
