/*
 * master-worker.c: the workers, from the master's side: forked into their
 * slots, heard (each report moves its job on: an operation to journal
 * before the ack, a verified export, a failure judged by run.c's rules),
 * and reaped, their jobs resumed or retried and the slot filled again,
 * with a limit on how fast a crash loop may restart them.  Here too is
 * the progress watchdog, which restarts workers silent in a stalled run.
 * The worker's own side is worker.c; the wire is msg.c's.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "master-int.h"
#include "msg.h"
#include "worker.h"

/* Operations older than this are not trusted to date their own start. */
#define MASTER_BLOCKER_AGE_MAX	(24LL * 60 * 60 * 1000)

/*
 * A 409 that named what holds the instance: remember it (the next try
 * looks at it first) and say how long to wait, from what the instance's
 * and the type's earlier ones took (blocker.c).  Its age is by Google's
 * clock against this host's, which agree as far as NTP makes them; an
 * age that is not believable counts as unknown.  0: nothing named.
 */
static int64_t
master_blocker_wait(struct master *m, struct job *job,
    const struct msg_failed *f, int64_t *age, int64_t *last)
{
	const struct config	*c = m->conf;
	struct blocker_policy	 bp;

	*age = *last = 0;
	/*
	 * Busy, but what holds it could not be read (the look failed),
	 * and the holder named before was not seen to end: most likely it
	 * still holds it.  Keep it, and look at it again in one poll
	 * interval rather than after a blind backoff.
	 */
	if (f->status == GCP_BUSY && f->blocker[0] == '\0' &&
	    f->ended_ms == 0 && job->inst != NULL && job->inst->blocker != NULL)
		return (c->poll_max_ms);
	if (job->inst != NULL)
		sched_blocker(job->inst, f->blocker);
	if (f->status != GCP_BUSY || f->blocker[0] == '\0')
		return (0);
	if (f->blocker_start_ms > 0)
		*age = f->blocker_seen_ms - f->blocker_start_ms;
	if (*age < 0 || *age > MASTER_BLOCKER_AGE_MAX)
		*age = 0;
	if (m->journal != NULL && journal_blocker_get(m->journal,
	    job_project(job), job->via != NULL ? job->via : job_instance(job),
	    f->blocker_type, last) == -1)
		*last = 0;
	memset(&bp, 0, sizeof(bp));
	bp.poll_initial_ms = c->poll_initial_ms;
	bp.poll_max_ms = c->poll_max_ms;
	bp.busy_max_ms = c->busy_max_ms;
	return (blocker_wait(&m->blockers, f->blocker_type, *last, *age, &bp));
}

/*
 * The operation a job waited on was seen to end, of type and after ms:
 * learn how long it took (the next nights' order counts it), whether the
 * export that followed started or not.  Tonight's hold is over.
 */
static void
master_blocker_ended(struct master *m, struct job *job, const char *type,
    int64_t ms)
{
	if (ms <= 0 || type[0] == '\0')
		return;
	if (job->inst != NULL)
		sched_hold(&m->sched, job->inst, 0);
	blocker_learn(&m->blockers, type, ms);
	job_log(LOG_INFO, job, "the %s operation that held the instance took "
	    "%llds", type, (long long)ms / 1000);
	if (m->journal != NULL)
		(void)journal_blocker_put(m->journal, job_project(job),
		    job->via != NULL ? job->via : job_instance(job), type, ms,
		    master_now_ms());
}

/*
 * After a failed attempt: apply run.c's rules, act on the verdict and
 * log; the caller journals.  Returns 1 if an attempt ended (to be
 * recorded), 0 if not (refused token, busy instance, lost poll).
 */
static int
master_job_failed(struct master *m, struct job *job, const struct msg_failed *f)
{
	const struct config	*c = m->conf;
	struct run_policy	 p;
	enum run_verdict	 v;
	enum gcp_status		 gst;
	int64_t			 now = master_now_ms(), busy_until, age, last;
	char			 seen[32];

	memset(&p, 0, sizeof(p));
	master_blocker_ended(m, job, f->ended_type, f->ended_ms);
	p.busy_wait_ms = master_blocker_wait(m, job, f, &age, &last);
	p.retry_window_ms = c->retry_window_ms;
	p.poll_initial_ms = c->poll_initial_ms;
	p.poll_max_ms = c->poll_max_ms;
	p.retry_base_ms = c->retry_base_ms;
	p.retry_max_ms = c->retry_max_ms;
	p.busy_cap_ms = c->busy_max_ms;
	p.resume_delay_ms = c->retry_base_ms / 2;
	if (f->status == GCP_AUTH)
		auth_invalidate(m->auth, m->token_sent);
	v = run_job_failed(m->run, job, f, &p, now, arc4random(),
	    &busy_until);
	if (busy_until != 0)
		sched_busy(&m->sched, job, busy_until);
	gst = f->status == GCP_AUTH ? GCP_RETRY : f->status;
	switch (v) {
	case RUN_TOKEN_REFUSED:
		job_log(LOG_WARNING, job, "token refused (%s); retrying with a "
		    "new one", f->message);
		return (0);
	case RUN_BUSY_TOO_LONG:
		job_log(LOG_ERR, job, "failed: instance busy for the whole "
		    "retry window: %s", f->message);
		return (0);
	case RUN_BUSY:
		if (f->blocker[0] != '\0') {
			if (last > 0)
				snprintf(seen, sizeof(seen), "last time %llds",
				    (long long)last / 1000);
			else
				strlcpy(seen, "none seen before", sizeof(seen));
			job_log(LOG_INFO, job, "instance held by %s operation "
			    "%s (running %llds, %s); next look in %llds",
			    f->blocker_type[0] != '\0' ? f->blocker_type :
			    "another", f->blocker, (long long)age / 1000, seen,
			    (long long)(busy_until - now) / 1000);
		} else
			job_log(LOG_INFO, job, "instance busy (%s); next try "
			    "in %llds", f->message,
			    (long long)(busy_until - now) / 1000);
		return (0);
	case RUN_LOST_POLL:
		job_log(LOG_WARNING, job, "lost track of operation %s (%s); "
		    "resuming", job->operation, f->message);
		return (0);
	case RUN_GAVE_UP:
		job_log(LOG_ERR, job, "failed for good (%s): %s",
		    gcp_status_name(gst), f->message);
		break;
	case RUN_RETRY:
		job_log(LOG_WARNING, job, "attempt failed (%s): %s; retry in "
		    "%llds", gcp_status_name(gst), f->message,
		    (long long)(job->next_attempt_ms - now) / 1000);
		break;
	}
	if (job->failures >= c->alert_after_failures && !job->notified) {
		job->notified = 1;
		job_log(LOG_ERR, job, "has failed %d times", job->failures);
	}
	return (1);
}

/* The worker's job has an operation: journal it, then let it poll. */
static int
master_job_operation(struct master *m, struct master_worker *w,
    struct job *job, const struct msg_op *op)
{
	if (job_set_operation(job, op->operation) == -1) {
		log_warnx("worker %d: operation name too long", w->slot);
		return (-1);
	}
	job->outcome_unknown = 0;
	if (op->started_ms != 0)
		job->started_ms = op->started_ms;
	run_job_state(m->run, job, JOB_EXPORTING);
	if (job->inst != NULL) {
		job->inst->busy_count = 0;
		sched_blocker(job->inst, NULL);
	}
	master_blocker_ended(m, job, op->blocker_type, op->blocker_ms);
	job_log(LOG_INFO, job, "%s operation %s", op->adopted ? "adopted" :
	    "started", job->operation);
	/*
	 * Write-ahead: the worker polls only once the operation is
	 * journaled; until then it waits for the ack.
	 */
	master_job_write(m, job, MASTER_DIRTY_ACK);
	return (0);
}

/* Tells the watchers how an attempt ended and frees its worker. */
static void
master_job_settled(struct master *m, struct master_worker *w,
    enum master_event_type type, struct job *job, const struct msg_failed *f,
    const struct msg_api_count *calls)
{
	struct master_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.job = job;
	ev.failed = f;
	ev.calls = calls;
	ev.ncalls = MSG_API_COUNTS;
	master_emit(m, type, &ev);
	master_job_unbind(m, w, job);
}

/* The worker's export is verified: the job has succeeded. */
static void
master_job_done(struct master *m, struct master_worker *w, struct job *job,
    const struct msg_done *done)
{
	int64_t			 now = master_now_ms();

	job->size = done->size;
	strlcpy(job->crc32c, done->crc32c, sizeof(job->crc32c));
	/*
	 * The export's own duration feeds the next predictions: the
	 * operation's insert-to-end by Google's clock when it is plausible,
	 * else our accept-to-seen (which also counts the wait until the poll
	 * that saw it DONE).
	 */
	job->ended_ms = now;
	if (done->op_start_ms > 0 && done->op_end_ms >= done->op_start_ms &&
	    done->op_end_ms - done->op_start_ms <= now - job->started_ms) {
		job->ended_ms = job->started_ms + (done->op_end_ms -
		    done->op_start_ms);
		if (job->prior)
			job_prior_learn(&m->prior, job->predicted_ms,
			    job->ended_ms - job->started_ms);
	}
	job_set_error(job, NULL);
	run_job_state(m->run, job, JOB_SUCCEEDED);
	master_job_write(m, job, MASTER_DIRTY_ATTEMPT);
	job_log(LOG_NOTICE, job, "exported gs://%s/%s (%llu bytes, crc32c %s, "
	    "%u polls)", m->conf->bucket, job_object(job),
	    (unsigned long long)job->size, job->crc32c, done->polls);
	master_job_settled(m, w, MASTER_EV_JOB_DONE, job, NULL, done->calls);
}

/* The worker's attempt failed (or its death ended it). */
static void
master_job_report_failed(struct master *m, struct master_worker *w,
    struct job *job, const struct msg_failed *f)
{
	int		 attempt_over;

	attempt_over = master_job_failed(m, job, f);
	master_job_write(m, job, attempt_over ? MASTER_DIRTY_ATTEMPT :
	    MASTER_DIRTY_JOB);
	master_job_settled(m, w, MASTER_EV_JOB_FAILED, job, f, f->calls);
}

static void
master_worker_msg(struct master *m, struct master_worker *w,
    const struct msg_hdr *hdr, const void *payload)
{
	struct job	*job = w->job;

	if (w->restore != NULL) {
		master_restore_msg(m, w, hdr, payload);
		return;
	}
	if (w->prune) {
		master_prune_msg(m, w, hdr, payload);
		return;
	}
	if (w->survey) {
		master_survey_msg(m, w, hdr, payload);
		return;
	}
	if (job == NULL || hdr->job_id != job->id) {
		log_warnx("worker %d: %s for job %lld it does not hold",
		    w->slot, msg_type_name(hdr->type), (long long)hdr->job_id);
		kill(w->pid, SIGKILL);
		return;
	}
	/* Any report is progress, for the run and from this worker. */
	w->heard_ms = master_now_ms();
	master_progress(m);
	switch (hdr->type) {
	case MSG_JOB_OPERATION:
		if (master_job_operation(m, w, job, payload) == -1) {
			kill(w->pid, SIGKILL);
			return;
		}
		break;
	case MSG_JOB_VERIFYING:
		/*
		 * Not journaled: a job that was exporting or verifying
		 * resumes the same way (poll, then verify).
		 */
		run_job_state(m->run, job, JOB_VERIFYING);
		break;
	case MSG_JOB_DONE:
		master_job_done(m, w, job, payload);
		break;
	case MSG_JOB_FAILED:
		master_job_report_failed(m, w, job, payload);
		break;
	case MSG_JOB_POLLED:
		return;		/* progress only */
	default:
		log_warnx("worker %d: unexpected %s", w->slot,
		    msg_type_name(hdr->type));
		kill(w->pid, SIGKILL);
		return;
	}
	master_changed(m);
	master_run_check_end(m);
	master_dispatch(m);
}

static void
master_worker_drain(struct master *m, struct master_worker *w)
{
	struct msg_hdr	 hdr;
	union {
		struct msg_op		op;
		struct msg_done		done;
		struct msg_failed	failed;
		struct msg_step		step;
	}		 p;
	int		 r;

	while (w->bev != NULL) {
		r = msg_get(bufferevent_get_input(w->bev), &hdr, &p,
		    sizeof(p));
		if (r == 0)
			break;
		if (r == -1) {
			log_warnx("worker %d: protocol error; killing it",
			    w->slot);
			kill(w->pid, SIGKILL);
			bufferevent_disable(w->bev, EV_READ);
			break;
		}
		master_worker_msg(m, w, &hdr, &p);
	}
}

static void
master_worker_event_cb(struct bufferevent *bev, short what, void *arg)
{
	/* EOF or error: SIGCHLD does the rest. */
	bufferevent_disable(bev, EV_READ);
}

static void
master_worker_readable_cb(struct bufferevent *bev, void *arg)
{
	struct master_worker	*w = arg;

	master_worker_drain(w->m, w);
}

/* Fork one worker into slot w. */
void
master_worker_spawn(struct master *m, struct master_worker *w)
{
	int	 sv[2];
	pid_t	 pid;

	w->m = m;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("worker %d: socketpair", w->slot);
		w->state = MW_DEAD;
		return;
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("worker %d: fork", w->slot);
		close(sv[0]);
		close(sv[1]);
		w->state = MW_DEAD;
		return;
	case 0:
		/* Keep only stdio and our end of the socketpair. */
		if (sv[1] != 3) {
			if (dup2(sv[1], 3) == -1)
				_exit(1);
		} else
			fcntl(3, F_SETFD, 0);
		closefrom(4);
		worker_main(3, w->slot);
	}
	close(sv[1]);
	evutil_make_socket_nonblocking(sv[0]);
	w->pid = pid;
	w->state = MW_IDLE;
	w->job = NULL;
	w->shutdown_sent = 0;
	w->since_ms = master_now_ms();
	w->bev = bufferevent_socket_new(m->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(w->bev, master_worker_readable_cb, NULL,
	    master_worker_event_cb, w);
	bufferevent_enable(w->bev, EV_READ | EV_WRITE);
	log_debug("worker %d: started, pid %ld", w->slot, (long)pid);
}

void
master_respawn_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	int		 i;

	for (i = 0; i < m->nworkers; i++) {
		if (m->workers[i].state == MW_DEAD && !m->stopping)
			master_worker_spawn(m, &m->workers[i]);
	}
	master_dispatch(m);
}

/*
 * May another worker be started now?  Limits a crash loop: at most
 * MASTER_RESTART_MAX starts per window, remembered in a ring of the most
 * recent start times.
 */
static int
master_restart_allowed(struct master *m)
{
	int64_t	now = master_now_ms();
	size_t	i;
	int	recent = 0;

	for (i = 0; i < MASTER_RESTART_RING; i++)
		if (m->restarts[i] != 0 &&
		    now - m->restarts[i] < MASTER_RESTART_WINDOW_MS)
			recent++;
	if (recent >= MASTER_RESTART_MAX)
		return (0);
	m->restarts[m->nrestarts++ % MASTER_RESTART_RING] = now;
	return (1);
}

/* A worker died with a job: resume it (operation known) or retry it. */
static void
master_job_orphaned(struct master *m, struct master_worker *w, const char *how)
{
	struct job		*job = w->job;
	struct msg_failed	 f;

	if (job->state == JOB_EXPORTING || job->state == JOB_VERIFYING) {
		run_job_state(m->run, job, JOB_QUEUED);
		job_log(LOG_WARNING, job, "worker %d %s; resuming operation "
		    "%s", w->slot, how, job->operation);
		/* An ack still pending goes nowhere: the next worker
		 * resumes. */
		job->dirty &= ~(MASTER_DIRTY_ACK | MASTER_DIRTY_START);
		master_job_write(m, job, MASTER_DIRTY_JOB);
		master_job_unbind(m, w, job);
		return;
	}
	memset(&f, 0, sizeof(f));
	f.status = GCP_RETRY;
	f.outcome_unknown = 1;	/* it may have sent the export */
	f.retry_after_ms = -1;
	snprintf(f.message, sizeof(f.message), "worker %s", how);
	/* A start still pending goes nowhere: the job is retried. */
	job->dirty &= ~(MASTER_DIRTY_ACK | MASTER_DIRTY_START);
	master_job_report_failed(m, w, job, &f);
}

/* One worker is gone (pid reaped, how it ended in how). */
static void
master_worker_lost(struct master *m, struct master_worker *w, pid_t pid,
    const char *how)
{
	struct timeval	tv = { MASTER_RESPAWN_BACKOFF_SEC, 0 };
	int		surveying;

	/* Read what it said before it died (an operation name). */
	if (w->bev != NULL) {
		while (evbuffer_read(bufferevent_get_input(w->bev),
		    bufferevent_getfd(w->bev), 65536) > 0)
			;
		master_worker_drain(m, w);
	}
	if (!m->stopping)
		log_warnx("lost child: worker %d (pid %ld) %s", w->slot,
		    (long)pid, how);
	else
		log_debug("worker %d (pid %ld) %s", w->slot, (long)pid, how);
	if (w->job != NULL && m->stopping && w->job->operation != NULL) {
		/* Stopped at a safe point: the journal says where. */
		job_log(LOG_INFO, w->job, "worker %d stopped; operation %s "
		    "resumes at the next start", w->slot, w->job->operation);
		w->job->worker = -1;
		w->job = NULL;
	} else if (w->job != NULL)
		master_job_orphaned(m, w, how);
	if (w->restore != NULL)
		master_restore_orphaned(m, w, how);
	if (w->prune)
		master_prune_orphaned(m, w, how);
	if ((surveying = w->survey != 0))
		master_survey_orphaned(m, w, how);
	if (w->bev != NULL) {
		bufferevent_free(w->bev);
		w->bev = NULL;
	}
	w->pid = 0;
	w->state = MW_DEAD;
	if (m->stopping)
		return;
	if (surveying)
		master_run_check_end(m);
	m->worker_deaths++;
	master_emit(m, MASTER_EV_WORKER_DIED, NULL);
	if (master_restart_allowed(m))
		master_worker_spawn(m, w);
	else if (!evtimer_pending(m->ev_respawn, NULL)) {
		log_warnx("workers die too often (%d in %ds); next start in "
		    "%ds", MASTER_RESTART_MAX, MASTER_RESTART_WINDOW_MS / 1000,
		    MASTER_RESPAWN_BACKOFF_SEC);
		evtimer_add(m->ev_respawn, &tv);
	}
}

/* SIGCHLD: reap every worker that ended; stop the loop once all have. */
void
master_reap(struct master *m)
{
	char	how[64];
	pid_t	pid;
	int	st, i, alive = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < m->nworkers; i++)
			if (m->workers[i].pid == pid)
				break;
		if (i == m->nworkers)
			continue;
		if (WIFSIGNALED(st))
			snprintf(how, sizeof(how), "killed by signal %d",
			    WTERMSIG(st));
		else
			snprintf(how, sizeof(how), "exited with status %d",
			    WEXITSTATUS(st));
		master_worker_lost(m, &m->workers[i], pid, how);
	}
	if (m->stopping) {
		for (i = 0; i < m->nworkers; i++)
			if (m->workers[i].pid != 0)
				alive++;
		if (alive == 0)
			event_base_loopexit(m->base, NULL);
	}
	master_changed(m);
	master_run_check_end(m);
	master_dispatch(m);
}

/*
 * The progress watchdog, from the token tick: a run in which no job
 * changed state and no export or poll was made for [alerts] stall_after
 * is stalled (run_watch).  That is said once; then, and every
 * stall_after while it lasts, what may be stuck is kicked: a token is
 * asked for anew (workers wait idle on a token a failed refresh never
 * brought), and each worker that holds a job but has reported nothing
 * for stall_after is killed, so that its job is resumed or retried by a
 * new one (master_worker_lost).
 */
void
master_stall_check(struct master *m)
{
	struct master_worker	*w;
	struct run		*r = m->run;
	uint64_t		 after = m->conf->stall_after_ms;
	int64_t			 now = master_now_ms();
	int			 i;

	if (r == NULL || m->stopping)
		return;
	switch (run_watch(r, now, after)) {
	case RUN_WATCH_OK:
		return;
	case RUN_WATCH_STALLED:
		log_warnx("run %lld stalled: no progress for %llds (no job "
		    "changed state, no export or poll for [alerts] "
		    "stall_after); asking for a token, restarting workers "
		    "silent as long", (long long)r->jr.id,
		    (long long)(now - r->progress_ms) / 1000);
		master_changed(m);
		master_status(m);
		break;
	case RUN_WATCH_KICK:
		log_info("run %lld still stalled after %llds; kicking again",
		    (long long)r->jr.id,
		    (long long)(now - r->progress_ms) / 1000);
		break;
	}
	for (i = 0; i < m->nworkers; i++) {
		w = &m->workers[i];
		if (w->state != MW_BUSY || w->job == NULL || w->pid == 0 ||
		    !run_stalled(w->heard_ms, now, after))
			continue;
		job_log(LOG_WARNING, w->job, "worker %d (pid %ld) silent for "
		    "%llds: restarting it", w->slot, (long)w->pid,
		    (long long)(now - w->heard_ms) / 1000);
		kill(w->pid, SIGKILL);
	}
	master_token_renew(m);
}
