/*
 * master-prune.c: retention, as the master runs it.  After each run that
 * succeeded (and when asked: databackupctl prune), one worker lists the
 * bucket and deletes the exports [retention] does not keep
 * (worker-prune.c).  One at a time; a request while one runs is refused,
 * one after a run while another is queued or running is dropped (the
 * next run prunes again).  The master only passes on what the worker
 * says, logs how it ended and keeps how the last prune that was not a dry
 * run ended, in the journal too: the "Retention failed" alert reads it.
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "master-int.h"
#include "msg.h"
#include "xmalloc.h"

/* Does [retention] keep a number of anything (else it is off)? */
int
master_retention_on(const struct config *c)
{
	return (c->keep_daily > 0 || c->keep_weekly > 0 ||
	    c->keep_monthly > 0);
}

/*
 * Queue a prune (dry_run: only say what would go); why names it in the
 * log.  0, or -1 with why not in err.
 */
int
master_prune_start(struct master *m, int dry_run, const char *why, char *err,
    size_t len)
{
	if (!master_retention_on(m->conf)) {
		snprintf(err, len, "retention is off ([retention] daily, "
		    "weekly and monthly are 0): exports are never deleted");
		return (-1);
	}
	if (m->prune_state != MASTER_PRUNE_IDLE) {
		snprintf(err, len, "a prune is %s", m->prune_state ==
		    MASTER_PRUNE_QUEUED ? "queued" : "running");
		return (-1);
	}
	m->prune_state = MASTER_PRUNE_QUEUED;
	m->prune_dry = dry_run;
	m->prune_last[0] = '\0';
	log_info("retention: %s%s queued", why, dry_run ? " (dry run)" : "");
	master_dispatch(m);
	return (0);
}

/* Hand a queued prune to an idle worker.  -1 if a token is missing. */
int
master_prune_dispatch(struct master *m)
{
	const struct config	*c = m->conf;
	struct master_worker	*w;
	struct msg_job		*mj;
	const char		*token;

	if (m->prune_state != MASTER_PRUNE_QUEUED || m->stopping ||
	    (w = master_idle_worker(m)) == NULL)
		return (0);
	if ((token = auth_cached(m->auth, NULL)) == NULL)
		return (-1);
	mj = master_msg_new(m, token);
	strlcpy(mj->bucket, c->bucket, sizeof(mj->bucket));
	strlcpy(mj->object, c->object, sizeof(mj->object));
	mj->prune = 1;
	mj->dry_run = m->prune_dry;
	mj->keep_daily = (uint32_t)c->keep_daily;
	mj->keep_weekly = (uint32_t)c->keep_weekly;
	mj->keep_monthly = (uint32_t)c->keep_monthly;
	mj->now_ms = master_now_ms();
	m->prune_started_ms = mj->now_ms;
	strlcpy(m->prune_bucket, c->bucket, sizeof(m->prune_bucket));
	w->state = MW_BUSY;
	w->prune = 1;
	w->since_ms = w->heard_ms = master_now_ms();
	m->prune_state = MASTER_PRUNE_RUNNING;
	master_msg_send(m, w, 0, mj);
	return (0);
}

/*
 * How a prune that was not a dry run ended, kept for the alert, and in
 * the journal so that a failure outlives a restart.  A journal that
 * cannot be written loses only the record: the alert still reads it.
 */
static void
master_prune_record(struct master *m, int ok, const char *why)
{
	struct journal_retention	*r = &m->last_prune;

	memset(r, 0, sizeof(*r));
	r->started_ms = m->prune_started_ms;
	r->ended_ms = master_now_ms();
	strlcpy(r->bucket, m->prune_bucket, sizeof(r->bucket));
	r->failed = !ok;
	if (!ok)
		strlcpy(r->error, why, sizeof(r->error));
	if (m->journal != NULL && m->journal_ok &&
	    journal_retention_add(m->journal, r) == -1)
		log_warnx("retention: not journaled: %s",
		    journal_error(m->journal));
}

/*
 * The prune ended (ok, or not with why): free its worker, tell.  Recorded
 * for the alert unless a dry run, or cut short by the daemon's stop (no
 * fault of the bucket's: the next run prunes again).
 */
static void
master_prune_end(struct master *m, struct master_worker *w, int ok,
    const char *why, int record)
{
	struct master_event	 ev;

	if (!m->prune_dry && record)
		master_prune_record(m, ok, why);
	w->prune = 0;
	if (w->state == MW_BUSY)
		w->state = MW_IDLE;
	m->prune_state = MASTER_PRUNE_IDLE;
	if (ok)
		log_notice("retention%s: %s", m->prune_dry ? " (dry run)" : "",
		    m->prune_last);
	else
		log_warnx("retention%s failed: %s", m->prune_dry ?
		    " (dry run)" : "", why);
	memset(&ev, 0, sizeof(ev));
	ev.message = ok ? m->prune_last : why;
	ev.ok = ok;
	master_emit(m, MASTER_EV_PRUNE_END, &ev);
}

/* A report from the worker that prunes. */
void
master_prune_msg(struct master *m, struct master_worker *w,
    const struct msg_hdr *hdr, const void *payload)
{
	const struct msg_step	*s = payload;
	const struct msg_failed	*f = payload;
	struct master_event	 ev;

	if (hdr->job_id != 0) {
		log_warnx("worker %d: %s for job %lld while pruning", w->slot,
		    msg_type_name(hdr->type), (long long)hdr->job_id);
		kill(w->pid, SIGKILL);
		return;
	}
	w->heard_ms = master_now_ms();
	switch (hdr->type) {
	case MSG_RESTORE_STEP:
		strlcpy(m->prune_last, s->text, sizeof(m->prune_last));
		memset(&ev, 0, sizeof(ev));
		ev.message = s->text;
		master_emit(m, MASTER_EV_PRUNE_LINE, &ev);
		return;
	case MSG_JOB_DONE:
		master_prune_end(m, w, 1, NULL, 1);
		break;
	case MSG_JOB_FAILED:
		master_prune_end(m, w, 0, f->message, 1);
		break;
	case MSG_JOB_POLLED:
		return;
	default:
		log_warnx("worker %d: unexpected %s while pruning", w->slot,
		    msg_type_name(hdr->type));
		kill(w->pid, SIGKILL);
		return;
	}
	master_dispatch(m);
}

/* The pruning worker is gone: the prune failed; the next run prunes. */
void
master_prune_orphaned(struct master *m, struct master_worker *w,
    const char *how)
{
	char	why[128];

	snprintf(why, sizeof(why), "worker %d %s", w->slot, how);
	master_prune_end(m, w, 0, why, !m->stopping);
}

/* After a run: prune if it succeeded and retention is on. */
void
master_prune_after_run(struct master *m, const struct run *r)
{
	char	why[64], err[256];

	if (!master_retention_on(m->conf))
		return;
	if (strcmp(r->jr.outcome, "succeeded") != 0) {
		log_notice("retention: not after run %lld, which %s",
		    (long long)r->jr.id, r->jr.outcome);
		return;
	}
	snprintf(why, sizeof(why), "after run %lld", (long long)r->jr.id);
	if (master_prune_start(m, 0, why, err, sizeof(err)) == -1)
		log_notice("retention: not after run %lld: %s",
		    (long long)r->jr.id, err);
}

/* At start: how the last prune ended, from the journal. */
void
master_prune_load(struct master *m)
{
	memset(&m->last_prune, 0, sizeof(m->last_prune));
	if (m->journal != NULL && journal_retention_last(m->journal,
	    &m->last_prune) == -1)
		log_warnx("retention: %s", journal_error(m->journal));
}

/* The last prune that was not a dry run, or NULL if none is known. */
const struct journal_retention *
master_prune_last(const struct master *m)
{
	return (m->last_prune.ended_ms != 0 ? &m->last_prune : NULL);
}
