/*
 * master-dispatch.c: handing jobs to idle workers.  The order is
 * sched.c's and the rules are run.c's; here a job is bound to a worker,
 * journaled as dispatched, and only then sent, with everything it needs
 * (endpoints, a token, its prediction) so that the worker never asks.
 * Busy workers get each new token as it comes.  What a worker reports
 * back is master-worker.c's.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "master-int.h"
#include "msg.h"
#include "xmalloc.h"

static void	master_job_start(struct master *, struct master_worker *,
		    struct job *);

void
master_worker_send(struct master *m, struct master_worker *w, uint32_t type,
    int64_t job_id, const void *p, size_t len)
{
	if (w->bev == NULL)
		return;
	if (msg_compose(bufferevent_get_output(w->bev), type, job_id, p,
	    len) == -1)
		log_warnx("worker %d: cannot queue %s", w->slot,
		    msg_type_name(type));
}

/* The job leaves its worker; the worker is idle (or dead) again. */
void
master_job_unbind(struct master *m, struct master_worker *w, struct job *job)
{
	w->job = NULL;
	if (w->state == MW_BUSY)
		w->state = MW_IDLE;
	w->since_ms = master_now_ms();
	job->worker = -1;
	if (m->run != NULL) {
		m->run->in_flight--;
		if (job->stuck)
			m->run->stuck--;
	}
	job->stuck = 0;
	sched_stopped(&m->sched, job);
	if (job_state_final(job->state))
		sched_remove(&m->sched, job);
}

static void
master_wake_at(struct master *m, int64_t when_ms)
{
	struct timeval	tv;
	int64_t		d = when_ms - master_now_ms();

	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_add(m->ev_wake, &tv);
}

/* Tokens: every job carries one; busy workers get fresh ones. */

/*
 * No token could be had.  While a run has jobs, nothing else would ask
 * again (the workers are idle, waiting for one), so a timer does, backing
 * off while the token source keeps failing: a short outage of the
 * metadata server or token endpoint never stalls a run.
 */
static void
master_token_failed(struct master *m, const struct gcp_error *err)
{
	int64_t	 wait;

	m->token_failures++;
	if ((m->run == NULL && !master_restore_waiting(m)) || m->stopping) {
		log_warnx("no access token: %s", err != NULL ? err->message :
		    "unknown error");
		return;
	}
	wait = m->conf->poll_initial_ms + job_backoff_ms(m->token_failures,
	    m->conf->retry_base_ms / 2, m->conf->poll_max_ms, arc4random());
	log_warnx("no access token (%d in a row): %s; asking again in %lld ms",
	    m->token_failures, err != NULL ? err->message : "unknown error",
	    (long long)wait);
	master_wake_at(m, master_now_ms() + wait);
}

static void
master_token_cb(const char *token, const struct gcp_error *err, void *arg)
{
	struct master		*m = arg;
	struct msg_token	 t;
	int			 i;

	m->wanting_token = 0;
	if (token == NULL) {
		master_token_failed(m, err);
		return;
	}
	m->token_failures = 0;
	if (strcmp(token, m->token_sent) != 0) {
		strlcpy(m->token_sent, token, sizeof(m->token_sent));
		memset(&t, 0, sizeof(t));
		strlcpy(t.token, token, sizeof(t.token));
		for (i = 0; i < m->nworkers; i++)
			if (m->workers[i].state == MW_BUSY)
				master_worker_send(m, &m->workers[i],
				    MSG_TOKEN, 0, &t, sizeof(t));
		explicit_bzero(&t, sizeof(t));
	}
	master_dispatch(m);
}

/*
 * Asks for a token now, whatever request may be under way: the progress
 * watchdog's kick, for a run whose workers may wait on a token that a
 * lost or given-up request never brings.  A valid cached token comes back
 * at once, else a refresh is made.
 */
void
master_token_renew(struct master *m)
{
	m->wanting_token = 1;
	auth_get(m->auth, master_token_cb, m);
}

/*
 * The run progressed (a worker reported: an export started, a poll
 * answered, a job verifying, done or failed): the progress watchdog's
 * clock starts again, and a stalled run says it has recovered.
 */
void
master_progress(struct master *m)
{
	if (m->run == NULL || !run_progress(m->run, master_now_ms()))
		return;
	log_notice("run %lld progresses again", (long long)m->run->jr.id);
	master_changed(m);
}

void
master_token_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	struct timeval	 tv = { MASTER_TOKEN_CHECK_SEC, 0 };
	int64_t		 exp, left, stuck, stall;

	/* Short-lived tokens: look often enough to hand on each new one. */
	if (auth_cached(m->auth, &exp) != NULL) {
		left = (exp - (int64_t)time(NULL)) / 4;
		if (left < 1)
			left = 1;
		if (left < MASTER_TOKEN_CHECK_SEC)
			tv.tv_sec = left;
	}
	/* The same tick finds stuck exports: often enough for stuck_after. */
	stuck = m->conf->stuck_after_ms / 4000;
	if (m->conf->stuck_after_ms > 0 && stuck < tv.tv_sec)
		tv.tv_sec = stuck > 0 ? stuck : 1;
	master_run_stuck_scan(m);
	/* And the progress watchdog: at least four looks per stall_after. */
	stall = m->conf->stall_after_ms / 4000;
	if (m->conf->stall_after_ms > 0 && stall < tv.tv_sec)
		tv.tv_sec = stall > 0 ? stall : 1;
	master_stall_check(m);
	if (m->sched.in_flight > 0 && !m->wanting_token) {
		m->wanting_token = 1;
		auth_get(m->auth, master_token_cb, m);
	}
	evtimer_add(m->ev_token, &tv);
}

/* An idle worker, or NULL. */
struct master_worker *
master_idle_worker(struct master *m)
{
	int	 i;

	for (i = 0; i < m->nworkers; i++)
		if (m->workers[i].state == MW_IDLE)
			return (&m->workers[i]);
	return (NULL);
}

/* A new job message with the endpoints and token; master_msg_send sends it. */
struct msg_job *
master_msg_new(struct master *m, const char *token)
{
	struct msg_job	*mj;

	mj = xcalloc(1, sizeof(*mj));
	memcpy(&mj->ctx, &m->ctx, sizeof(mj->ctx));
	strlcpy(mj->ctx.token, token, sizeof(mj->ctx.token));
	if (token != m->token_sent)
		strlcpy(m->token_sent, token, sizeof(m->token_sent));
	mj->poll_initial_ms = m->conf->poll_initial_ms;
	mj->poll_max_ms = m->conf->poll_max_ms;
	return (mj);
}

/* Send mj as the start of job id to w, and forget it (token and all). */
void
master_msg_send(struct master *m, struct master_worker *w, int64_t id,
    struct msg_job *mj)
{
	master_worker_send(m, w, MSG_JOB_START, id, mj, sizeof(*mj));
	explicit_bzero(mj, sizeof(*mj));
	free(mj);
}

/* Send job, journaled as dispatched, to its worker w. */
static void
master_job_start(struct master *m, struct master_worker *w, struct job *job)
{
	struct msg_job		*mj;
	const struct config	*c = m->conf;
	const char		*token;

	if ((token = auth_cached(m->auth, NULL)) == NULL)
		token = m->token_sent;	/* expired since: a 401 renews it */
	mj = master_msg_new(m, token);
	strlcpy(mj->project, job_project(job), sizeof(mj->project));
	strlcpy(mj->instance, job_instance(job), sizeof(mj->instance));
	if (job->via != NULL)
		strlcpy(mj->via, job->via, sizeof(mj->via));
	strlcpy(mj->database, job_database(job), sizeof(mj->database));
	strlcpy(mj->bucket, c->bucket, sizeof(mj->bucket));
	strlcpy(mj->object, job_object(job), sizeof(mj->object));
	strlcpy(mj->file_type, gcp_engine_file_type(job_version(job)),
	    sizeof(mj->file_type));
	if (job->operation != NULL)
		strlcpy(mj->operation, job->operation, sizeof(mj->operation));
	if (job->inst != NULL && job->inst->blocker != NULL)
		strlcpy(mj->blocker, job->inst->blocker, sizeof(mj->blocker));
	mj->offload = c->offload;
	mj->adopt = job->outcome_unknown;
	mj->run_id = job->run_id;
	mj->attempt = job->attempts;
	mj->predicted_ms = master_job_predicted(m, job);
	/*
	 * A prediction from the database's own history is slept towards in
	 * one go (each poll before the end is a call for nothing), though
	 * the worker still reports within half of stall_after; any other
	 * (the size prior, or a job read back from the journal after a
	 * restart, whose prediction's source is not kept) is a guess,
	 * checked every poll_max.
	 */
	mj->sleep_max_ms = !job->history || c->stall_after_ms / 2 <
	    c->poll_max_ms ? c->poll_max_ms : c->stall_after_ms / 2;
	mj->started_ms = job->operation != NULL ? job->started_ms : 0;
	master_msg_send(m, w, job->id, mj);
}

/* A job's write committed: what waited for it goes to its worker. */
static void
master_committed(struct master *m, struct job *job, int what)
{
	struct master_worker	*w;

	if (job->worker < 0 || job->worker >= m->nworkers)
		return;
	w = &m->workers[job->worker];
	if (w->job != job)
		return;
	if (what & MASTER_DIRTY_START)
		master_job_start(m, w, job);
	if (what & MASTER_DIRTY_ACK)
		master_worker_send(m, w, MSG_JOB_OP_ACK, job->id, NULL, 0);
}

/* Write the queued jobs, then send what waited for them.  0 or -1. */
int
master_commit(struct master *m)
{
	return (master_flush(m, master_committed));
}

/* Hand ready jobs to idle workers, as far as the rules allow. */
void
master_dispatch(struct master *m)
{
	struct master_worker	*w;
	struct job		*job;
	const struct config	*c = m->conf;
	struct master_event	 ev;
	int64_t			 now, wake = 0;
	int			 i, max;

	if (m->stopping || !m->journal_ok)
		return;
	if (master_restore_dispatch(m) == -1 ||
	    master_prune_dispatch(m) == -1 ||
	    master_survey_dispatch(m) == -1) {
		if (!m->wanting_token) {
			m->wanting_token = 1;
			auth_get(m->auth, master_token_cb, m);
		}
		return;
	}
	if (m->run == NULL)
		return;
	max = c->max_in_flight < m->nworkers ? c->max_in_flight : m->nworkers;
	for (i = 0; i < m->nworkers; i++) {
		w = &m->workers[i];
		if (w->state != MW_IDLE)
			continue;
		now = master_now_ms();
		if ((job = sched_next(&m->sched, now, max, &wake)) == NULL)
			break;
		if (auth_cached(m->auth, NULL) == NULL) {
			if (!m->wanting_token) {
				m->wanting_token = 1;
				auth_get(m->auth, master_token_cb, m);
			}
			return;
		}
		/*
		 * The attempt that ended is written with the job's fields as
		 * they are now: write it before a new attempt changes them.
		 */
		if ((job->dirty & MASTER_DIRTY_ATTEMPT) &&
		    master_commit(m) == -1)
			return;
		run_job_dispatch(m->run, job, now);
		w->state = MW_BUSY;
		w->job = job;
		/*
		 * Not progress yet (a job the watchdog's kick requeued comes
		 * straight back): the worker's first report is.
		 */
		w->since_ms = w->heard_ms = now;
		job->worker = w->slot;
		sched_started(&m->sched, job);
		memset(&ev, 0, sizeof(ev));
		ev.job = job;
		master_emit(m, MASTER_EV_DISPATCHED, &ev);
		/* Sent once journaled: the attempt is on disk before it is. */
		master_job_write(m, job, MASTER_DIRTY_START);
		if (job->operation != NULL)
			job_log(LOG_INFO, job, "worker %d resumes operation %s",
			    w->slot, job->operation);
		else
			job_log(LOG_INFO, job, "dispatched to worker %d%s "
			    "(predicted %llds)", w->slot, job->outcome_unknown ?
			    ", adopting an earlier export if there is one" : "",
			    (long long)master_job_predicted(m, job) / 1000);
	}
	if (wake == 0)
		sched_next(&m->sched, master_now_ms(), max, &wake);
	if (wake != 0)
		master_wake_at(m, wake);
	master_changed(m);
	master_status(m);
}

void
master_wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	master_dispatch(arg);
}
