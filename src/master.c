/*
 * master.c: the master process and its loop.
 *
 * Holds the worker pool (fork, socketpairs, reaping, restart intensity),
 * the run (discovery -> jobs -> dispatch -> end), the reaction to each
 * worker report, signals, the daily timer and systemd notification.  The
 * rules of a job's life are in job.c, the dispatch order in sched.c, the
 * walk in discovery.c, the wire in gcp.c; what a transition means for the
 * journal is decided here, and the journal write always comes before the
 * transition is acted on or announced.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "auth.h"
#include "config.h"
#include "control.h"
#include "discovery.h"
#include "http.h"
#include "job.h"
#include "journal.h"
#include "log.h"
#include "master.h"
#include "monitor.h"
#include "msg.h"
#include "pacer.h"
#include "sched.h"
#include "worker.h"
#include "xmalloc.h"

#define MASTER_STOP_TIMEOUT_SEC		30	/* then workers are killed */
#define MASTER_RESTART_WINDOW_MS	(60 * 1000)
#define MASTER_RESTART_MAX		5	/* per window, then back off */
#define MASTER_RESPAWN_BACKOFF_SEC	10
#define MASTER_TOKEN_CHECK_SEC		60
#define MASTER_JOURNAL_RETRY_SEC	5
/* 409 "busy": try again from 2 x poll_initial, doubling up to this. */
#define MASTER_BUSY_CAP_MS		(5 * 60 * 1000)
#define MASTER_RESUME_DELAY_MS		(2 * 1000)
#define MASTER_DAILY_RECHECK_SEC	3600	/* wall clock may jump */
#define MASTER_PRUNE_SEC		3600	/* between pruning passes */
#define MASTER_PRUNE_BATCH		500	/* jobs per prune transaction */

/* job->dirty: what is still to be journaled once writes work again. */
#define MASTER_DIRTY_JOB	0x1	/* the job's row */
#define MASTER_DIRTY_ATTEMPT	0x2	/* the attempt that ended, with it */
#define MASTER_DIRTY_ACK	0x4	/* then let the worker poll its op */
#define MASTER_DIRTY_START	0x8	/* then send the job to its worker */
#define MASTER_DIRTY_QUEUED	0x10	/* in m->pend */
/* Prior export rate when a database has no history: MiB/s of disk. */
#define MASTER_PRIOR_MIB_PER_SEC	25

static void	master_dispatch(struct master *);
static void	master_worker_spawn(struct master *, struct master_worker *);
static void	master_run_check_end(struct master *);
static void	master_disc_cb(struct disc_result *, void *);
static void	master_start_walk(struct master *, const struct disc_pattern *,
		    size_t);
static void	master_deferred(struct master *);
static void	master_walk_run(struct master *);
static void	master_worker_send(struct master *, struct master_worker *,
		    uint32_t, int64_t, const void *, size_t);
static void	master_job_start(struct master *, struct master_worker *,
		    struct job *);

int64_t
master_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

const char *
run_state_name(enum run_state st)
{
	switch (st) {
	case RUN_DISCOVERING:
		return ("discovering");
	case RUN_RUNNING:
		return ("running");
	case RUN_FINISHED:
		return ("finished");
	}
	return ("invalid");
}

static void
master_status(struct master *m)
{
	struct run	*r = m->run;

	if (r == NULL)
		sd_notifyf(0, "STATUS=idle; last run %lld %s",
		    (long long)m->last_run.id, m->last_run.id != 0 ?
		    m->last_run.outcome : "none");
	else
		sd_notifyf(0, "STATUS=run %lld %s: %d/%zu succeeded, %d "
		    "failed, %d in flight", (long long)r->jr.id,
		    run_state_name(r->state), r->count[JOB_SUCCEEDED],
		    r->njobs, r->count[JOB_FAILED], r->in_flight);
}

/*
 * Journal writes.  A failed write marks the job dirty, stops new
 * dispatches and leaves the retry timer to write it again; work in flight
 * goes on, but nothing that depends on the write (the worker's ack, the
 * run's end) happens before it has committed.
 */
static void
master_journal_failed(struct master *m)
{
	struct timeval	tv = { MASTER_JOURNAL_RETRY_SEC, 0 };

	if (m->journal_ok)
		log_warnx("journal: write failed: %s; no new exports until "
		    "it works again", journal_error(m->journal));
	m->journal_ok = 0;
	monitor_journal_error(m->monitor);
	strlcpy(m->journal_err, journal_error(m->journal),
	    sizeof(m->journal_err));
	if (!evtimer_pending(m->ev_journal, NULL))
		evtimer_add(m->ev_journal, &tv);
}

/*
 * Journal writes are grouped: master_job_write marks what of a job is to
 * be written (MASTER_DIRTY_*) and queues the job; at the end of the loop
 * turn master_flush writes every queued job in one transaction, so the
 * jobs that changed in one turn cost one commit (one fsync) between them.
 * What depends on a write (a worker's ack, a job's start message, the
 * run's end) happens only after the commit.  A failed commit leaves the
 * jobs queued and dirty; the journal timer flushes them again.
 */
static void
master_job_write(struct master *m, struct job *job, int what)
{
	job->dirty |= what | MASTER_DIRTY_JOB;
	if (!(job->dirty & MASTER_DIRTY_QUEUED)) {
		job->dirty |= MASTER_DIRTY_QUEUED;
		if (m->npend == m->cappend) {
			m->cappend = m->cappend == 0 ? 64 : m->cappend * 2;
			m->pend = xreallocarray(m->pend, m->cappend,
			    sizeof(*m->pend));
		}
		m->pend[m->npend++] = job;
	}
	if (!m->flush_armed) {
		m->flush_armed = 1;
		event_active(m->ev_flush, EV_TIMEOUT, 0);
	}
}

/* Write every queued job in one transaction.  0 once committed. */
static int
master_flush(struct master *m)
{
	struct master_worker	*w;
	struct job		*job;
	size_t			 i, n;
	int			 rv = 0, what;

	m->flush_armed = 0;
	if ((n = m->npend) == 0)
		return (0);
	if (journal_batch_begin(m->journal) == -1) {
		master_journal_failed(m);
		return (-1);
	}
	for (i = 0; i < n && rv == 0; i++) {
		job = m->pend[i];
		if (job->dirty & MASTER_DIRTY_ATTEMPT)
			rv = journal_job_finish_attempt(m->journal, job,
			    job->state == JOB_SUCCEEDED ? "succeeded" :
			    "failed");
		else
			rv = journal_job_update(m->journal, job);
	}
	/* Commits, or undoes the whole batch if a write failed. */
	if (journal_batch_commit(m->journal) == -1)
		rv = -1;
	if (rv == -1) {
		master_journal_failed(m);
		return (-1);
	}
	m->npend = 0;
	m->flushes++;
	m->flushed_jobs += n;
	for (i = 0; i < n; i++) {
		job = m->pend[i];
		what = job->dirty;
		job->dirty = 0;
		if (job->worker < 0 || job->worker >= m->nworkers)
			continue;
		w = &m->workers[job->worker];
		if (w->job != job)
			continue;
		if (what & MASTER_DIRTY_START)
			master_job_start(m, w, job);
		if (what & MASTER_DIRTY_ACK)
			master_worker_send(m, w, MSG_JOB_OP_ACK, job->id,
			    NULL, 0);
	}
	return (0);
}

static void
master_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;

	if (master_flush(m) == 0 && m->run != NULL)
		master_run_check_end(m);
}

static void
master_journal_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	struct run	*r = m->run;
	int		 bad = 0, flushed;

	flushed = m->npend > 0;
	if (master_flush(m) == -1)
		bad = 1;
	/* Nothing was pending: make sure a write commits before going on. */
	if (!bad && flushed == 0 && journal_probe(m->journal) == -1) {
		master_journal_failed(m);
		bad = 1;
	}
	if (bad)
		return;
	if (!m->journal_ok)
		log_notice("journal: writes work again; dispatching");
	m->journal_ok = 1;
	m->journal_err[0] = '\0';
	if (m->rewalk && r != NULL && m->disc == NULL && !m->stopping) {
		/* Databases whose insert failed: the walk adds them now. */
		m->rewalk = 0;
		master_walk_run(m);
	}
	control_run_changed(m->control);
	master_run_check_end(m);
	master_deferred(m);
	master_dispatch(m);
}

/* Count a job's state change in its run. */
static void
master_job_state(struct master *m, struct job *job, enum job_state st)
{
	struct run	*r = m->run;

	if (!job_transition_ok(job->state, st) && job->state != st)
		log_warnx("job %s/%s/%s: unexpected %s -> %s",
		    job_project(job), job_instance(job), job_database(job),
		    job_state_name(job->state), job_state_name(st));
	if (r != NULL) {
		r->count[job->state]--;
		r->count[st]++;
	}
	job->state = st;
}

static void
job_log(int pri, const struct job *job, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

/* One line per job event, named so that a grep tells a database's story. */
static void
job_log(int pri, const struct job *job, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_job(pri, job_project(job), job_instance(job), job_database(job),
	    job->run_id, job->attempts, "%s", msg);
}

/*
 * Predicted export time: the journal's history for the database, else a
 * prior from the instance's data disk shared among its databases (*prior
 * set).  An overestimate costs little (a later first poll); an
 * underestimate costs polls.
 */
static int64_t
master_predict(struct master *m, const char *project, const char *instance,
    const char *database, int64_t disk_gb, int ndatabases, int *prior)
{
	int64_t	ms;

	*prior = 0;
	if (m->journal != NULL && journal_predict_ms(m->journal, project,
	    instance, database, &ms) == 1 && ms > 0)
		return (ms);
	*prior = 1;
	if (ndatabases < 1)
		ndatabases = 1;
	if (disk_gb <= 0)
		disk_gb = 10;
	return (disk_gb * 1024 * 1000 / MASTER_PRIOR_MIB_PER_SEC / ndatabases);
}

int64_t
master_predict_ms(struct master *m, const char *project, const char *instance,
    const char *database, int64_t disk_gb, int ndatabases)
{
	int	prior;

	return (master_predict(m, project, instance, database, disk_gb,
	    ndatabases, &prior));
}

/* What a worker polls by: the prior scaled by what the fleet taught. */
static int64_t
master_job_predicted(struct master *m, const struct job *job)
{
	return (job->prior ? job_prior_scaled(&m->prior, job->predicted_ms) :
	    job->predicted_ms);
}

/* Workers. */

static struct master_worker *
master_worker_by_pid(struct master *m, pid_t pid)
{
	int	i;

	for (i = 0; i < m->nworkers; i++)
		if (m->workers[i].pid == pid)
			return (&m->workers[i]);
	return (NULL);
}

static void
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
static void
master_job_unbind(struct master *m, struct master_worker *w, struct job *job)
{
	w->job = NULL;
	if (w->state == MW_BUSY)
		w->state = MW_IDLE;
	w->since_ms = master_now_ms();
	job->worker = -1;
	if (m->run != NULL)
		m->run->in_flight--;
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

/*
 * After a failed attempt: apply the job rules and log; the caller
 * journals.  A job whose operation is still known (the poll broke, not the
 * export) keeps it and resumes without counting a failure.  Returns 1 if
 * an attempt ended (to be recorded), 0 if not (busy instance, lost poll).
 */
static int
master_job_failed(struct master *m, struct job *job, const struct msg_failed *f)
{
	int64_t			 now = master_now_ms();
	enum job_state		 st, prev;
	enum gcp_status		 gst = f->status;
	const struct config	*c = m->conf;

	if (gst == GCP_AUTH && job->last_status != GCP_AUTH &&
	    job->operation == NULL) {
		/* A refused token: one refresh, one retry, not a failure. */
		auth_invalidate(m->auth, m->token_sent);
		job->last_status = GCP_AUTH;
		job->outcome_unknown = f->outcome_unknown;
		if (job->attempts > 0)
			job->attempts--;
		job->next_attempt_ms = now + MASTER_RESUME_DELAY_MS;
		job_set_error(job, f->message);
		master_job_state(m, job, JOB_RETRY_WAIT);
		job_log(LOG_WARNING, job, "token refused (%s); retrying with a "
		    "new one", f->message);
		return (0);
	}
	if (gst == GCP_AUTH) {
		auth_invalidate(m->auth, m->token_sent);
		gst = GCP_RETRY;
	}
	if (gst == GCP_BUSY) {
		/*
		 * Another operation on the instance (automated backup,
		 * maintenance): an export call is a cheap probe, so look
		 * again about as often as a poll would.
		 */
		int64_t	wait = c->poll_initial_ms + job_backoff_ms(
		    job->inst != NULL ? job->inst->busy_count + 1 : 1,
		    2 * c->poll_initial_ms, MASTER_BUSY_CAP_MS, arc4random());

		if (f->retry_after_ms > wait)
			wait = f->retry_after_ms;
		sched_busy(&m->sched, job, now + wait);
		if (job->attempts > 0)
			job->attempts--;
		job_set_error(job, f->message);
		job->last_status = GCP_BUSY;
		if (job->first_attempt_ms != 0 && now >= job->first_attempt_ms +
		    (int64_t)c->retry_window_ms) {
			master_job_state(m, job, JOB_FAILED);
			job->ended_ms = now;
			job_log(LOG_ERR, job, "failed: instance busy for the "
			    "whole retry window: %s", f->message);
		} else {
			master_job_state(m, job, JOB_QUEUED);
			job_log(LOG_INFO, job, "instance busy (%s); next try "
			    "in %llds", f->message, (long long)wait / 1000);
		}
		return (0);
	}
	if (job->operation != NULL && !f->op_failed) {
		/* The export runs on; only watching it failed. */
		job->next_attempt_ms = now + MASTER_RESUME_DELAY_MS;
		job_set_error(job, f->message);
		master_job_state(m, job, JOB_RETRY_WAIT);
		job_log(LOG_WARNING, job, "lost track of operation %s (%s); "
		    "resuming", job->operation, f->message);
		return (0);
	}
	if (f->op_failed)
		job_set_operation(job, NULL);
	job->outcome_unknown = f->outcome_unknown;
	prev = job->state;
	st = job_fail(job, gst, f->message, now, c->retry_window_ms,
	    f->retry_after_ms, arc4random());
	job->state = prev;
	master_job_state(m, job, st);
	if (st == JOB_FAILED)
		job_log(LOG_ERR, job, "failed for good (%s): %s",
		    gcp_status_name(gst), f->message);
	else
		job_log(LOG_WARNING, job, "attempt failed (%s): %s; retry in "
		    "%llds", gcp_status_name(gst), f->message,
		    (long long)(job->next_attempt_ms - now) / 1000);
	if (job->failures >= c->alert_after_failures && !job->notified) {
		job->notified = 1;
		job_log(LOG_ERR, job, "has failed %d times", job->failures);
	}
	return (1);
}

static void
master_worker_msg(struct master *m, struct master_worker *w,
    const struct msg_hdr *hdr, const void *payload)
{
	struct job		*job = w->job;
	const struct msg_op	*op;
	const struct msg_done	*done;
	int64_t			 now = master_now_ms();

	if (job == NULL || hdr->job_id != job->id) {
		log_warnx("worker %d: %s for job %lld it does not hold",
		    w->slot, msg_type_name(hdr->type), (long long)hdr->job_id);
		kill(w->pid, SIGKILL);
		return;
	}
	switch (hdr->type) {
	case MSG_JOB_OPERATION:
		op = payload;
		if (job_set_operation(job, op->operation) == -1) {
			log_warnx("worker %d: operation name too long",
			    w->slot);
			kill(w->pid, SIGKILL);
			return;
		}
		job->outcome_unknown = 0;
		if (op->started_ms != 0)
			job->started_ms = op->started_ms;
		master_job_state(m, job, JOB_EXPORTING);
		if (job->inst != NULL)
			job->inst->busy_count = 0;
		job_log(LOG_INFO, job, "%s operation %s", op->adopted ?
		    "adopted" : "started", job->operation);
		/*
		 * Write-ahead: the worker polls only once the operation is
		 * journaled; until then it waits for the ack.
		 */
		master_job_write(m, job, MASTER_DIRTY_ACK);
		break;
	case MSG_JOB_VERIFYING:
		/*
		 * Not journaled: a job that was exporting or verifying
		 * resumes the same way (poll, then verify).
		 */
		master_job_state(m, job, JOB_VERIFYING);
		break;
	case MSG_JOB_DONE:
		done = payload;
		job->size = done->size;
		strlcpy(job->crc32c, done->crc32c, sizeof(job->crc32c));
		/*
		 * The export's own duration feeds the next predictions: the
		 * operation's insert-to-end by Google's clock when it is
		 * plausible, else our accept-to-seen (which also counts the
		 * wait until the poll that saw it DONE).
		 */
		job->ended_ms = now;
		if (done->op_start_ms > 0 && done->op_end_ms >=
		    done->op_start_ms && done->op_end_ms - done->op_start_ms <=
		    now - job->started_ms) {
			job->ended_ms = job->started_ms + (done->op_end_ms -
			    done->op_start_ms);
			if (job->prior)
				job_prior_learn(&m->prior, job->predicted_ms,
				    job->ended_ms - job->started_ms);
		}
		job_set_error(job, NULL);
		master_job_state(m, job, JOB_SUCCEEDED);
		master_job_write(m, job, MASTER_DIRTY_ATTEMPT);
		job_log(LOG_NOTICE, job, "exported gs://%s/%s (%llu bytes, "
		    "crc32c %s, %u polls)", m->conf->bucket, job_object(job),
		    (unsigned long long)job->size, job->crc32c, done->polls);
		monitor_job_done(m->monitor, job);
		monitor_api_counts(m->monitor, done->calls, MSG_API_COUNTS);
		master_job_unbind(m, w, job);
		break;
	case MSG_JOB_FAILED:
		{
			int	attempt_over = master_job_failed(m, job, payload);

			master_job_write(m, job, attempt_over ?
			    MASTER_DIRTY_ATTEMPT : MASTER_DIRTY_JOB);
			monitor_job_failed(m->monitor, job, payload);
			monitor_api_counts(m->monitor,
			    ((const struct msg_failed *)payload)->calls,
			    MSG_API_COUNTS);
		}
		master_job_unbind(m, w, job);
		break;
	default:
		log_warnx("worker %d: unexpected %s", w->slot,
		    msg_type_name(hdr->type));
		kill(w->pid, SIGKILL);
		return;
	}
	control_run_changed(m->control);
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

/* Map a worker's bufferevent back to the master: one static pointer. */
static struct master *master_self;

static void
master_worker_readable_cb(struct bufferevent *bev, void *arg)
{
	master_worker_drain(master_self, arg);
}

/* Fork one worker into slot w. */
static void
master_worker_spawn(struct master *m, struct master_worker *w)
{
	int	 sv[2];
	pid_t	 pid;

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

static void
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
	size_t	i, n = sizeof(m->restarts) / sizeof(m->restarts[0]);
	int	recent = 0;

	for (i = 0; i < n; i++)
		if (m->restarts[i] != 0 &&
		    now - m->restarts[i] < MASTER_RESTART_WINDOW_MS)
			recent++;
	if (recent >= MASTER_RESTART_MAX)
		return (0);
	m->restarts[m->nrestarts++ % n] = now;
	return (1);
}

/* A worker died with a job: resume it (operation known) or retry it. */
static void
master_job_orphaned(struct master *m, struct master_worker *w, const char *how)
{
	struct job		*job = w->job;
	struct msg_failed	 f;
	int			 what = MASTER_DIRTY_JOB;

	if (job->state == JOB_EXPORTING || job->state == JOB_VERIFYING) {
		master_job_state(m, job, JOB_QUEUED);
		job_log(LOG_WARNING, job, "worker %d %s; resuming operation "
		    "%s", w->slot, how, job->operation);
	} else {
		memset(&f, 0, sizeof(f));
		f.status = GCP_RETRY;
		f.outcome_unknown = 1;	/* it may have sent the export */
		f.retry_after_ms = -1;
		snprintf(f.message, sizeof(f.message), "worker %s", how);
		if (master_job_failed(m, job, &f))
			what = MASTER_DIRTY_ATTEMPT;
		monitor_job_failed(m->monitor, job, &f);
	}
	/* An ack or start still pending goes nowhere: the next worker
	 * resumes. */
	job->dirty &= ~(MASTER_DIRTY_ACK | MASTER_DIRTY_START);
	master_job_write(m, job, what);
	master_job_unbind(m, w, job);
}

static void
master_sigchld(struct master *m)
{
	struct master_worker	*w;
	struct timeval		 tv = { MASTER_RESPAWN_BACKOFF_SEC, 0 };
	char			 how[64];
	pid_t			 pid;
	int			 st, i, alive = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((w = master_worker_by_pid(m, pid)) == NULL)
			continue;
		if (WIFSIGNALED(st))
			snprintf(how, sizeof(how), "killed by signal %d",
			    WTERMSIG(st));
		else
			snprintf(how, sizeof(how), "exited with status %d",
			    WEXITSTATUS(st));
		/* Read what it said before it died (an operation name). */
		if (w->bev != NULL) {
			while (evbuffer_read(bufferevent_get_input(w->bev),
			    bufferevent_getfd(w->bev), 65536) > 0)
				;
			master_worker_drain(m, w);
		}
		if (!m->stopping)
			log_warnx("lost child: worker %d (pid %ld) %s",
			    w->slot, (long)pid, how);
		else
			log_debug("worker %d (pid %ld) %s", w->slot, (long)pid,
			    how);
		if (w->job != NULL && m->stopping &&
		    w->job->operation != NULL) {
			/* Stopped at a safe point: the journal says where. */
			job_log(LOG_INFO, w->job, "worker %d stopped; operation "
			    "%s resumes at the next start", w->slot,
			    w->job->operation);
			w->job->worker = -1;
			w->job = NULL;
		} else if (w->job != NULL)
			master_job_orphaned(m, w, how);
		if (w->bev != NULL) {
			bufferevent_free(w->bev);
			w->bev = NULL;
		}
		w->pid = 0;
		w->state = MW_DEAD;
		if (!m->stopping) {
			m->worker_deaths++;
			monitor_worker_died(m->monitor);
			if (master_restart_allowed(m))
				master_worker_spawn(m, w);
			else if (!evtimer_pending(m->ev_respawn, NULL)) {
				log_warnx("workers die too often (%d in %ds); "
				    "next start in %ds", MASTER_RESTART_MAX,
				    MASTER_RESTART_WINDOW_MS / 1000,
				    MASTER_RESPAWN_BACKOFF_SEC);
				evtimer_add(m->ev_respawn, &tv);
			}
		}
	}
	if (m->stopping) {
		for (i = 0; i < m->nworkers; i++)
			if (m->workers[i].pid != 0)
				alive++;
		if (alive == 0)
			event_base_loopexit(m->base, NULL);
	}
	control_run_changed(m->control);
	master_run_check_end(m);
	master_dispatch(m);
}

/* Tokens: every job carries one; busy workers get fresh ones. */

static void
master_token_cb(const char *token, const struct gcp_error *err, void *arg)
{
	struct master		*m = arg;
	struct msg_token	 t;
	int			 i;

	m->wanting_token = 0;
	if (token == NULL) {
		log_warnx("no access token: %s", err != NULL ? err->message :
		    "unknown error");
		return;
	}
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

static void
master_token_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	struct timeval	 tv = { MASTER_TOKEN_CHECK_SEC, 0 };
	int64_t		 exp, left;

	/* Short-lived tokens: look often enough to hand on each new one. */
	if (auth_cached(m->auth, &exp) != NULL) {
		left = (exp - (int64_t)time(NULL)) / 4;
		if (left < 1)
			left = 1;
		if (left < MASTER_TOKEN_CHECK_SEC)
			tv.tv_sec = left;
	}
	if (m->sched.in_flight > 0 && !m->wanting_token) {
		m->wanting_token = 1;
		auth_get(m->auth, master_token_cb, m);
	}
	evtimer_add(m->ev_token, &tv);
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
	mj = xcalloc(1, sizeof(*mj));
	memcpy(&mj->ctx, &m->ctx, sizeof(mj->ctx));
	strlcpy(mj->ctx.token, token, sizeof(mj->ctx.token));
	if (token != m->token_sent)
		strlcpy(m->token_sent, token, sizeof(m->token_sent));
	strlcpy(mj->project, job_project(job), sizeof(mj->project));
	strlcpy(mj->instance, job_instance(job), sizeof(mj->instance));
	strlcpy(mj->database, job_database(job), sizeof(mj->database));
	strlcpy(mj->bucket, c->bucket, sizeof(mj->bucket));
	strlcpy(mj->object, job_object(job), sizeof(mj->object));
	strlcpy(mj->file_type, gcp_engine_file_type(job_version(job)),
	    sizeof(mj->file_type));
	if (job->operation != NULL)
		strlcpy(mj->operation, job->operation, sizeof(mj->operation));
	mj->offload = c->offload;
	mj->adopt = job->outcome_unknown;
	mj->run_id = job->run_id;
	mj->attempt = job->attempts;
	mj->poll_initial_ms = c->poll_initial_ms;
	mj->poll_max_ms = c->poll_max_ms;
	mj->predicted_ms = master_job_predicted(m, job);
	mj->started_ms = job->operation != NULL ? job->started_ms : 0;
	master_worker_send(m, w, MSG_JOB_START, job->id, mj, sizeof(*mj));
	explicit_bzero(mj, sizeof(*mj));
	free(mj);
}

/* Hand ready jobs to idle workers, as far as the rules allow. */
static void
master_dispatch(struct master *m)
{
	struct master_worker	*w;
	struct job		*job;
	const struct config	*c = m->conf;
	int64_t			 now, wake = 0;
	int			 i, max;

	if (m->stopping || m->run == NULL || !m->journal_ok)
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
		    master_flush(m) == -1)
			return;
		if (job->operation == NULL)
			job->attempts++;
		if (job->first_attempt_ms == 0)
			job->first_attempt_ms = now;
		if (job->operation == NULL)
			job->started_ms = now;
		if (job->state == JOB_RETRY_WAIT)
			master_job_state(m, job, JOB_QUEUED);
		master_job_state(m, job, JOB_DISPATCHED);
		if (job->operation != NULL)	/* resumes a journaled op */
			master_job_state(m, job, JOB_EXPORTING);

		w->state = MW_BUSY;
		w->job = job;
		w->since_ms = now;
		job->worker = w->slot;
		sched_started(&m->sched, job);
		monitor_dispatched(m->monitor, job);
		m->run->in_flight++;
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
	control_run_changed(m->control);
	master_status(m);
}

static void
master_wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	master_dispatch(arg);
}

/* Runs. */

static void
master_run_add_job(struct master *m, struct job *job)
{
	struct run	*r = m->run;

	if (r->njobs == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		r->jobs = xreallocarray(r->jobs, r->cap, sizeof(*r->jobs));
	}
	r->jobs[r->njobs++] = job;
	r->count[job->state]++;
	if (!job_state_final(job->state))
		sched_add(&m->sched, job);
}

static void
master_run_free(struct run *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->njobs; i++)
		job_free(r->jobs[i]);
	free(r->jobs);
	free(r);
}

static void
master_run_check_end(struct master *m)
{
	struct run	*r = m->run;

	if (r == NULL || r->discovering > 0 || m->disc != NULL)
		return;
	if (r->count[JOB_SUCCEEDED] + r->count[JOB_FAILED] != (int)r->njobs)
		return;
	/*
	 * Every job's end is journaled before the run's end is; queued
	 * writes bring us back here once committed (master_flush_cb).
	 */
	if (!m->journal_ok || m->rewalk || m->npend > 0)
		return;
	r->jr.ended_ms = master_now_ms();
	r->jr.total = (int)r->njobs;
	r->jr.succeeded = r->count[JOB_SUCCEEDED];
	r->jr.failed = r->count[JOB_FAILED];
	if (r->disc_failed)
		strlcpy(r->jr.outcome, "failed", sizeof(r->jr.outcome));
	else
		strlcpy(r->jr.outcome, r->jr.failed > 0 ? "failed" :
		    "succeeded", sizeof(r->jr.outcome));
	if (journal_run_end(m->journal, &r->jr) == -1) {
		master_journal_failed(m);
		return;		/* the retry timer brings us back */
	}
	r->state = RUN_FINISHED;
	log_emit(r->jr.failed > 0 || r->disc_failed ? LOG_ERR : LOG_NOTICE,
	    "run %lld %s: %d of %d databases exported, %d failed, in %llds "
	    "(journal: %llu job writes in %llu commits since start)",
	    (long long)r->jr.id, r->jr.outcome, r->jr.succeeded, r->jr.total,
	    r->jr.failed, (long long)(r->jr.ended_ms - r->jr.started_ms) /
	    1000, (unsigned long long)m->flushed_jobs,
	    (unsigned long long)m->flushes);
	control_run_finished(m->control, r);
	monitor_run_end(m->monitor, r);
	memcpy(&m->last_run, &r->jr, sizeof(m->last_run));
	sched_clear(&m->sched);
	m->run = NULL;
	master_run_free(r);
	master_status(m);
	master_deferred(m);
}

/* Local calendar day of a wall-clock time, as YYYY-MM-DD. */
static void
master_day(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static void
master_patterns_text(const struct disc_pattern *pat, size_t npat, char *buf,
    size_t len)
{
	size_t	i;
	int	k;

	buf[0] = '\0';
	for (i = 0; i < npat; i++) {
		if (i > 0)
			strlcat(buf, " ", len);
		for (k = 0; k < pat[i].nparts; k++) {
			if (k > 0)
				strlcat(buf, "/", len);
			strlcat(buf, pat[i].part[k], len);
		}
	}
}

static void
master_start_walk(struct master *m, const struct disc_pattern *pat,
    size_t npat)
{
	m->run->discovering++;
	m->walks++;
	m->disc = disc_start(m->base, m->multi, m->auth, &m->conf, &m->ctx,
	    pat, npat, master_disc_cb, m);
}

/*
 * Start a run, or add to the one in progress: only databases not already
 * in it become new jobs.  Returns 0, or -1 with a message.
 */
int
master_trigger(struct master *m, const char *trigger,
    const struct disc_pattern *pat, size_t npat, char *err, size_t errlen)
{
	struct run	*r;
	size_t		 i;

	if (m->stopping) {
		snprintf(err, errlen, "databackupd is shutting down");
		return (-1);
	}
	if ((r = m->run) != NULL) {
		if (m->disc == NULL) {
			master_start_walk(m, pat, npat);
			return (0);
		}
		/* A walk is under way: another follows when it ends. */
		if (npat == 0)
			m->pending_all = 1;
		for (i = 0; i < npat; i++) {
			m->pending_pat = xreallocarray(m->pending_pat,
			    m->npending_pat + 1, sizeof(*pat));
			m->pending_pat[m->npending_pat++] = pat[i];
		}
		return (0);
	}
	r = xcalloc(1, sizeof(*r));
	strlcpy(r->jr.trigger, trigger, sizeof(r->jr.trigger));
	master_patterns_text(pat, npat, r->jr.patterns, sizeof(r->jr.patterns));
	r->jr.started_ms = master_now_ms();
	master_day(r->jr.started_ms, r->jr.day, sizeof(r->jr.day));
	if (journal_run_begin(m->journal, &r->jr) == -1) {
		snprintf(err, errlen, "journal: %s", journal_error(m->journal));
		master_journal_failed(m);
		free(r);
		return (-1);
	}
	r->state = RUN_DISCOVERING;
	m->run = r;
	log_notice("run %lld started (%s%s%s)", (long long)r->jr.id, trigger,
	    npat > 0 ? ": " : "", r->jr.patterns);
	monitor_run_started(m->monitor);
	master_start_walk(m, pat, npat);
	master_status(m);
	return (0);
}

/*
 * The run's jobs sorted by name, for the lookups of a walk: made once per
 * walk rather than kept in an index, which would cost every job a tree
 * node (320 KiB on a fleet of 10,000).  Caller frees.
 */
static struct job **
master_run_sorted(const struct run *r)
{
	struct job	**v;

	v = xreallocarray(NULL, r->njobs > 0 ? r->njobs : 1, sizeof(*v));
	if (r->njobs > 0) {	/* r->jobs is NULL in a run with none yet */
		memcpy(v, r->jobs, r->njobs * sizeof(*v));
		qsort(v, r->njobs, sizeof(*v), job_ptr_cmp);
	}
	return (v);
}

/* By name, then place in the result (the walk's order). */
static int
master_target_cmp(const void *a, const void *b)
{
	const struct disc_target	*x = *(const struct disc_target **)a;
	const struct disc_target	*y = *(const struct disc_target **)b;
	int				 c;

	if ((c = strcmp(x->project, y->project)) != 0 ||
	    (c = strcmp(x->instance, y->instance)) != 0 ||
	    (c = strcmp(x->database, y->database)) != 0)
		return (c);
	return (x < y ? -1 : x > y);
}

/*
 * The targets the walk found more than once (a list that changed between
 * two of its pages): a flag per target, set on every one but the first.
 * Caller frees.
 */
static char *
master_disc_dups(const struct disc_result *res)
{
	const struct disc_target	**v;
	char				 *dup;
	size_t				  i, n = res->ntargets;

	dup = xcalloc(n > 0 ? n : 1, 1);
	if (n < 2)
		return (dup);
	v = xreallocarray(NULL, n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = &res->targets[i];
	qsort(v, n, sizeof(*v), master_target_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i]->project, v[i - 1]->project) == 0 &&
		    strcmp(v[i]->instance, v[i - 1]->instance) == 0 &&
		    strcmp(v[i]->database, v[i - 1]->database) == 0)
			dup[v[i] - res->targets] = 1;
	}
	free(v);
	return (dup);
}

static void
master_disc_cb(struct disc_result *res, void *arg)
{
	struct master		*m = arg;
	struct run		*r = m->run;
	struct disc_target	*t;
	struct job		*job, **newjobs, **sorted;
	size_t			 i, nnew, added = 0;
	size_t			 ntargets, nskipped, nexcluded, nerrors;
	int			 api_disabled, requests;
	int64_t			 took_ms;
	int			 prior;
	char			 obj[GCP_OBJECT_MAX + 1], *dup;

	m->disc = NULL;
	m->walks_done++;
	if (r == NULL) {
		disc_result_free(res);
		return;
	}
	r->discovering--;
	r->d_projects += res->projects;
	r->d_instances += res->instances;
	r->d_databases += res->databases;
	r->d_skipped += (int)res->skipped.n;
	r->d_excluded += (int)res->excluded.n;
	r->d_api_disabled += res->api_disabled;
	r->d_errors += (int)res->errors.n;
	monitor_discovery(m->monitor, res);
	if (res->failed) {
		r->disc_failed = 1;
		log_warnx("run %lld: discovery failed: %s", (long long)r->jr.id,
		    res->errors.n > 0 ? res->errors.v[0].text : "no targets");
	}
	for (i = 0; i < res->errors.n; i++)
		log_warnx("run %lld: discovery: %s%s%s: %s",
		    (long long)r->jr.id, res->errors.v[i].project,
		    res->errors.v[i].instance[0] != '\0' ? "/" : "",
		    res->errors.v[i].instance, res->errors.v[i].text);

	/*
	 * The new jobs are journaled in one transaction (one commit for the
	 * whole walk, not one per database) and join the run once it has
	 * committed.  A database already in the run, or found twice by the
	 * walk, is not added twice.
	 */
	nnew = 0;
	newjobs = xcalloc(res->ntargets > 0 ? res->ntargets : 1,
	    sizeof(*newjobs));
	sorted = master_run_sorted(r);
	dup = master_disc_dups(res);
	for (i = 0; i < res->ntargets; i++) {
		t = &res->targets[i];
		if (dup[i] || job_find(sorted, r->njobs, t->project,
		    t->instance, t->database) != NULL)
			continue;
		if (job_object_name(m->conf->object, t->project, t->instance,
		    t->database, gcp_engine_ext(t->version), r->jr.started_ms,
		    obj, sizeof(obj)) == -1) {
			log_warnx("%s/%s/%s: object name too long; skipped",
			    t->project, t->instance, t->database);
			continue;
		}
		if ((job = job_new(t->project, t->instance, t->database,
		    t->version, obj)) == NULL) {
			log_warnx("%s/%s/%s: name too long; skipped",
			    t->project, t->instance, t->database);
			continue;
		}
		job->run_id = r->jr.id;
		job->created_ms = master_now_ms();
		job->predicted_ms = master_predict(m, t->project,
		    t->instance, t->database, t->disk_gb, t->ndatabases,
		    &prior);
		job->prior = prior;
		newjobs[nnew++] = job;
	}
	free(sorted);
	free(dup);
	/*
	 * The jobs have their own copies of the names: the result goes now,
	 * before the run and the scheduler take on thousands more.
	 */
	ntargets = res->ntargets;
	nskipped = res->skipped.n;
	nexcluded = res->excluded.n;
	nerrors = res->errors.n;
	api_disabled = res->api_disabled;
	requests = res->requests;
	took_ms = res->ended_ms - res->started_ms;
	disc_result_free(res);

	if (journal_job_insert_many(m->journal, newjobs, nnew) == -1) {
		log_warnx("run %lld: journal: %s; %zu databases not added",
		    (long long)r->jr.id, journal_error(m->journal), nnew);
		master_journal_failed(m);
		m->rewalk = 1;	/* walk again once writes work */
		for (i = 0; i < nnew; i++)
			job_free(newjobs[i]);
		nnew = 0;
	}
	for (i = 0; i < nnew; i++) {
		master_run_add_job(m, newjobs[i]);
		added++;
	}
	free(newjobs);
	log_notice("run %lld: discovery found %zu databases to export (%zu "
	    "new), %zu skipped, %zu excluded, %d projects without the Cloud "
	    "SQL Admin API, %zu errors, %d requests in %lld ms",
	    (long long)r->jr.id, ntargets, added, nskipped, nexcluded,
	    api_disabled, nerrors, requests, (long long)took_ms);
	control_walk_done(m->control, r, m->walks_done, added);

	if (m->pending_all || m->npending_pat > 0) {
		struct disc_pattern	*pat = m->pending_pat;
		size_t			 npat = m->pending_all ? 0 :
		    m->npending_pat;

		m->pending_pat = NULL;
		m->npending_pat = 0;
		m->pending_all = 0;
		master_start_walk(m, pat, npat);
		free(pat);
	} else if (r->state == RUN_DISCOVERING)
		r->state = RUN_RUNNING;
	control_run_changed(m->control);
	master_run_check_end(m);
	master_dispatch(m);
}

/* Plan: a walk without a run. */
int
master_plan(struct master *m, disc_cb cb, void *arg)
{
	if (disc_start(m->base, m->multi, m->auth, &m->conf, &m->ctx, NULL,
	    0, cb, arg) == NULL)
		return (-1);
	return (0);
}

/* Recovery: an unfinished run in the journal goes on. */
static void
master_recover_job(const struct job *j, void *arg)
{
	struct master	*m = arg;
	struct job	*job;

	job = job_dup(j);
	switch (job->state) {
	case JOB_DISPATCHED:
		/*
		 * The export may have been sent: look before sending again.
		 * The attempt goes on (adopted, or sent now), so it is not
		 * counted twice.
		 */
		job->outcome_unknown = 1;
		job->state = JOB_QUEUED;
		if (job->operation == NULL && job->attempts > 0)
			job->attempts--;
		break;
	case JOB_EXPORTING:
	case JOB_VERIFYING:
		job->state = JOB_QUEUED;	/* resumes its operation */
		break;
	default:
		break;
	}
	master_run_add_job(m, job);
}

/* Walk again for the run's patterns; the walk adds what is missing. */
static void
master_walk_run(struct master *m)
{
	struct run		*r = m->run;
	struct disc_pattern	 pat[16];
	size_t			 npat = 0;
	char			 buf[sizeof(r->jr.patterns)], *p, *s;
	char			 err[256];

	strlcpy(buf, r->jr.patterns, sizeof(buf));
	for (s = buf; (p = strsep(&s, " ")) != NULL && npat < 16;) {
		if (*p == '\0')
			continue;
		if (disc_pattern_parse(p, &pat[npat], err, sizeof(err)) == 0)
			npat++;
	}
	master_start_walk(m, pat, npat);
}

/*
 * At start, an unfinished run in the journal goes on: its jobs come back
 * with their attempts, operations and retry times (master_recover_job),
 * and a walk adds what its discovery had not reached.  A journal that
 * cannot be read is fatal: never start from nothing over it.
 */
static void
master_recover(struct master *m)
{
	struct run	*r;
	int		 rv;

	r = xcalloc(1, sizeof(*r));
	rv = journal_run_open(m->journal, &r->jr);
	if (rv != 1) {
		free(r);
		if (rv == -1)
			fatalx("journal: cannot read the open run: %s",
			    journal_error(m->journal));
		return;
	}
	r->state = RUN_RUNNING;
	m->run = r;
	if (journal_jobs(m->journal, r->jr.id, master_recover_job, m) == -1)
		fatalx("journal: cannot load run %lld: %s",
		    (long long)r->jr.id, journal_error(m->journal));
	log_notice("run %lld (%s, started %s) resumes: %d of %zu databases "
	    "done", (long long)r->jr.id, r->jr.trigger, r->jr.day,
	    r->count[JOB_SUCCEEDED] + r->count[JOB_FAILED], r->njobs);
	master_walk_run(m);
}

static void
master_last_run_cb(const struct journal_run *jr, void *arg)
{
	struct master	*m = arg;

	if (m->last_run.id == 0 && jr->ended_ms != 0)
		memcpy(&m->last_run, jr, sizeof(m->last_run));
}

/* The schedule. */

static void
master_daily_arm(struct master *m)
{
	struct timeval	tv;
	int64_t		d;

	m->next_run_ms = sched_daily_next(m->conf->daily_at, master_now_ms(), 0);
	d = m->next_run_ms - master_now_ms();
	if (d > MASTER_DAILY_RECHECK_SEC * 1000)
		d = MASTER_DAILY_RECHECK_SEC * 1000;
	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_add(m->ev_daily, &tv);
}

/* Has today's scheduled (or catch-up) run happened?  1 yes, 0 no, -1 ?. */
static int
master_ran_today(struct master *m, int64_t now_ms)
{
	char	day[16];
	int64_t	id;

	master_day(now_ms, day, sizeof(day));
	return (journal_run_for_day(m->journal, day, &id));
}

static void
master_daily_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	int64_t		 now = master_now_ms();
	char		 err[256];

	if (now + 1000 >= m->next_run_ms) {
		if (master_ran_today(m, now) == 0) {
			if (m->run != NULL)
				log_notice("scheduled run: adding to run %lld "
				    "in progress", (long long)m->run->jr.id);
			if (master_trigger(m, "schedule", NULL, 0, err,
			    sizeof(err)) == -1) {
				log_warnx("scheduled run not started: %s",
				    err);
				if (!m->journal_ok)
					strlcpy(m->deferred, "schedule",
					    sizeof(m->deferred));
				monitor_run_not_started(m->monitor, err);
			}
		}
		/* Step past this minute so the next target is tomorrow. */
		m->next_run_ms = 0;
	}
	master_daily_arm(m);
}

/*
 * A scheduled or catch-up run that could not start (journal failing, or
 * a run from an earlier day still going) starts as soon as nothing is in
 * the way, unless the day has its run by then.
 */
static void
master_deferred(struct master *m)
{
	char	trigger[sizeof(m->deferred)], err[256];

	if (m->deferred[0] == '\0' || m->run != NULL || !m->journal_ok ||
	    m->stopping)
		return;
	strlcpy(trigger, m->deferred, sizeof(trigger));
	m->deferred[0] = '\0';
	if (master_ran_today(m, master_now_ms()) != 0)
		return;
	log_notice("%s run: starting now", trigger);
	if (master_trigger(m, trigger, NULL, 0, err, sizeof(err)) == -1) {
		log_warnx("%s run not started: %s", trigger, err);
		if (!m->journal_ok)
			strlcpy(m->deferred, trigger, sizeof(m->deferred));
	}
}

/*
 * Pruning: one bounded transaction per loop turn while old runs remain,
 * then one pass an hour.  A failure is logged and tried at the next pass;
 * it does not stop dispatching.
 */
static void
master_prune_cb(evutil_socket_t fd, short ev, void *arg)
{
	static int64_t	 total;
	struct master	*m = arg;
	struct timeval	 tv = { MASTER_PRUNE_SEC, 0 };
	int64_t		 before;
	int		 n;

	before = master_now_ms() - (int64_t)m->conf->retention_ms;
	if (m->journal_ok && !m->stopping) {
		n = journal_prune(m->journal, before, MASTER_PRUNE_BATCH);
		if (n == -1)
			log_warnx("journal: pruning: %s",
			    journal_error(m->journal));
		else if (n > 0) {
			total += n;
			tv.tv_sec = 0;	/* the next batch, next turn */
		} else if (total > 0) {
			log_info("journal: pruned %lld rows of runs older than "
			    "%llu days", (long long)total, (unsigned long long)
			    (m->conf->retention_ms / (86400 * 1000)));
			total = 0;
		}
	}
	evtimer_add(m->ev_prune, &tv);
}

/* Signals. */

static void
master_stop(struct master *m, const char *why)
{
	struct timeval	tv = { MASTER_STOP_TIMEOUT_SEC, 0 };
	int		i, alive = 0;

	if (m->stopping) {
		log_warnx("got %s while shutting down: fast exit", why);
		for (i = 0; i < m->nworkers; i++)
			if (m->workers[i].pid != 0)
				kill(m->workers[i].pid, SIGKILL);
		event_base_loopbreak(m->base);
		return;
	}
	m->stopping = 1;
	sd_notify(0, "STOPPING=1");
	log_notice("%s: stopping; exports in flight go on at Google and "
	    "resume at the next start", why);
	if (m->disc != NULL) {
		disc_cancel(m->disc);
		m->disc = NULL;
		if (m->run != NULL)
			m->run->discovering = 0;
	}
	for (i = 0; i < m->nworkers; i++) {
		if (m->workers[i].pid == 0)
			continue;
		alive++;
		master_worker_send(m, &m->workers[i], MSG_SHUTDOWN, 0, NULL, 0);
		m->workers[i].shutdown_sent = 1;
	}
	if (alive == 0)
		event_base_loopexit(m->base, NULL);
	else
		evtimer_add(m->ev_stop, &tv);
}

static void
master_stop_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	int		 i;

	log_warnx("workers did not stop within %ds: killing them",
	    MASTER_STOP_TIMEOUT_SEC);
	for (i = 0; i < m->nworkers; i++)
		if (m->workers[i].pid != 0)
			kill(m->workers[i].pid, SIGKILL);
	event_base_loopexit(m->base, NULL);
}

static void
master_apply_endpoints(struct master *m)
{
	const struct config	*c = m->conf;
	const char		*e;

	memset(&m->ctx, 0, sizeof(m->ctx));
	strlcpy(m->ctx.sqladmin, c->sqladmin_endpoint, sizeof(m->ctx.sqladmin));
	strlcpy(m->ctx.crm, c->resourcemanager_endpoint, sizeof(m->ctx.crm));
	strlcpy(m->ctx.storage, c->storage_endpoint, sizeof(m->ctx.storage));
	/* STORAGE_EMULATOR_HOST, the way Google's Go library reads it. */
	if ((e = getenv("STORAGE_EMULATOR_HOST")) != NULL && *e != '\0') {
		if (strstr(e, "://") != NULL)
			strlcpy(m->ctx.storage, e, sizeof(m->ctx.storage));
		else
			snprintf(m->ctx.storage, sizeof(m->ctx.storage),
			    "http://%s", e);
		m->ctx.storage_anonymous = 1;
	}
	if (c->ca_file != NULL)
		strlcpy(m->ctx.ca_file, c->ca_file, sizeof(m->ctx.ca_file));
	if (c->quota_project != NULL)
		strlcpy(m->ctx.quota_project, c->quota_project,
		    sizeof(m->ctx.quota_project));
	else if (m->auth_info.quota_project[0] != '\0')
		strlcpy(m->ctx.quota_project, m->auth_info.quota_project,
		    sizeof(m->ctx.quota_project));
	m->ctx.connect_timeout_ms = c->connect_timeout_ms;
	m->ctx.timeout_ms = c->http_timeout_ms;
	pacer_set_rate(pacer_global(), PACER_SQLADMIN, c->sqladmin_rpm);
}

/*
 * Reload: parse into a new configuration; on any error keep the old one.
 * Returns 0, or -1 with the error lines in *errs (caller frees).
 */
int
master_reload(struct master *m, char ***errs, size_t *nerrs)
{
	struct config_errors	 ce = { NULL, 0 };
	struct config		*c, *old = m->conf;
	struct run		*r = m->run;
	char			 keys[256];
	const char		*rule;
	size_t			 i, dropped = 0;
	struct job		*job;
	struct timespec		 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	*errs = NULL;
	*nerrs = 0;
	if ((c = config_load(m->conf_path, &ce)) == NULL) {
		log_warnx("config file %s has errors, not reloading",
		    m->conf_path);
		for (i = 0; i < ce.n; i++)
			log_warnx("%s", ce.line[i]);
		*errs = ce.line;
		*nerrs = ce.n;
		sd_notify(0, "READY=1");
		return (-1);
	}
	config_errors_clear(&ce);
	if (config_restart_keys(old, c, keys, sizeof(keys)) > 0)
		log_warnx("reload: %s changed; this needs a restart", keys);
	m->conf = c;
	m->conf_loaded_ms = master_now_ms();
	log_set_json(strcmp(c->log_format, "json") == 0);
	master_apply_endpoints(m);
	config_free(old);

	/*
	 * New exclusions apply to jobs not yet started: they leave the run
	 * as if discovery had excluded them.  A job that may have an export
	 * at Google (operation known, or outcome unknown) stays.
	 */
	/* Queued writes first: a dropped job must not have one pending. */
	if (r != NULL && master_flush(m) == -1)
		log_warnx("reload: journal writes fail; queued jobs that new "
		    "exclusions cover stay in the run");
	else if (r != NULL) {
		for (i = 0; i < r->njobs; i++) {
			job = r->jobs[i];
			if (job->state != JOB_QUEUED &&
			    job->state != JOB_RETRY_WAIT)
				continue;
			if (job->operation != NULL || job->outcome_unknown)
				continue;
			rule = config_exclude_match(m->conf, job_project(job),
			    job_instance(job), job_database(job));
			if (rule == NULL)
				continue;
			if (journal_job_delete(m->journal, job->id) == -1) {
				master_journal_failed(m);
				continue;
			}
			job_log(LOG_NOTICE, job, "dropped from the run: "
			    "excluded by \"%s\" after reload", rule);
			sched_remove(&m->sched, job);
			r->count[job->state]--;
			r->d_excluded++;
			r->jobs[i] = r->jobs[--r->njobs];
			job_free(job);
			i--;
			dropped++;
		}
	}
	log_notice("configuration reloaded from %s (%zu queued jobs dropped "
	    "by exclusions)", m->conf_path, dropped);
	master_daily_arm(m);
	sd_notify(0, "READY=1");
	master_run_check_end(m);
	master_dispatch(m);
	return (0);
}

static void
master_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct master	*m = arg;
	char		**errs;
	size_t		 n, i;

	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading %s", m->conf_path);
		if (master_reload(m, &errs, &n) == -1) {
			for (i = 0; i < n; i++)
				free(errs[i]);
			free(errs);
		}
		break;
	case SIGTERM:
		master_stop(m, "SIGTERM");
		break;
	case SIGINT:
		master_stop(m, "SIGINT");
		break;
	case SIGCHLD:
		master_sigchld(m);
		break;
	}
}

static void
master_watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	struct timeval	 tv;

	sd_notify(0, "WATCHDOG=1");
	tv.tv_sec = m->watchdog_usec / 2 / 1000000;
	tv.tv_usec = m->watchdog_usec / 2 % 1000000;
	evtimer_add(m->ev_watchdog, &tv);
}

/*
 * The master's life: set up, run the loop, tear down.  Takes ownership of
 * conf.  Returns the exit status.
 */
int
master_main(const char *conf_path, struct config *conf, int debug)
{
	struct master	 mm, *m = &mm;
	char		 err[512];
	int		 sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };
	int		 i, ran;
	struct timeval	 tv = { MASTER_TOKEN_CHECK_SEC, 0 };

	memset(m, 0, sizeof(*m));
	master_self = m;
	m->conf_path = xstrdup(conf_path);
	m->conf = conf;
	log_set_json(strcmp(conf->log_format, "json") == 0);
	m->started_ms = m->conf_loaded_ms = master_now_ms();
	m->journal_ok = 1;
	sched_init(&m->sched);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* a file size limit is a write error */

	if (http_global_init() == -1)
		fatalx("cannot initialise libcurl");
	if (auth_find(conf->credentials, &m->auth_info, err, sizeof(err)) == -1)
		fatalx("credentials: %s", err);
	log_info("credentials: %s (%s%s%s)", auth_source_name(
	    m->auth_info.source), m->auth_info.type,
	    m->auth_info.path[0] != '\0' ? ", " : "", m->auth_info.path);

	/* The request budget is shared: map it before the first fork. */
	pacer_set_global(pacer_new());
	if (pacer_global() == NULL)
		fatalx("cannot map the request pacer");
	pacer_set_rate(pacer_global(), PACER_SQLADMIN, conf->sqladmin_rpm);

	/* Workers first: they inherit nothing they should not have. */
	m->nworkers = conf->workers;
	m->workers = xcalloc(m->nworkers, sizeof(*m->workers));
	if ((m->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	for (i = 0; i < m->nworkers; i++) {
		m->workers[i].slot = i;
		master_worker_spawn(m, &m->workers[i]);
	}

	if ((m->journal = journal_open(conf->journal, err, sizeof(err))) ==
	    NULL)
		fatalx("journal: %s", err);
	if ((m->multi = http_multi_new(m->base)) == NULL)
		fatalx("http_multi_new failed");
	if ((m->auth = auth_new(m->base, m->multi, &m->auth_info, err,
	    sizeof(err))) == NULL)
		fatalx("credentials: %s", err);
	master_apply_endpoints(m);

	for (i = 0; i < 4; i++) {
		m->ev_sig[i] = evsignal_new(m->base, sigs[i], master_signal_cb,
		    m);
		evsignal_add(m->ev_sig[i], NULL);
	}
	m->ev_daily = evtimer_new(m->base, master_daily_cb, m);
	m->ev_wake = evtimer_new(m->base, master_wake_cb, m);
	m->ev_token = evtimer_new(m->base, master_token_tick_cb, m);
	m->ev_journal = evtimer_new(m->base, master_journal_cb, m);
	m->ev_flush = event_new(m->base, -1, 0, master_flush_cb, m);
	m->ev_prune = evtimer_new(m->base, master_prune_cb, m);
	m->ev_respawn = evtimer_new(m->base, master_respawn_cb, m);
	m->ev_stop = evtimer_new(m->base, master_stop_timeout_cb, m);
	m->ev_watchdog = evtimer_new(m->base, master_watchdog_cb, m);
	evtimer_add(m->ev_token, &tv);

	if ((m->control = control_new(m, conf->control_socket, err,
	    sizeof(err))) == NULL)
		fatalx("control socket: %s", err);

	if (journal_runs(m->journal, 0, 5, master_last_run_cb, m) == -1)
		fatalx("journal: %s", journal_error(m->journal));
	if ((m->monitor = monitor_new(m, err, sizeof(err))) == NULL)
		fatalx("metrics: %s", err);
	master_recover(m);
	master_daily_arm(m);
	if (conf->catch_up && master_now_ms() >=
	    sched_daily_next(conf->daily_at, master_now_ms(), 1)) {
		ran = master_ran_today(m, master_now_ms());
		if (ran == -1)
			fatalx("journal: %s", journal_error(m->journal));
		if (ran == 0 && m->run != NULL) {
			log_notice("catch-up: today's run is missing; it "
			    "starts when run %lld has finished",
			    (long long)m->run->jr.id);
			strlcpy(m->deferred, "catch-up", sizeof(m->deferred));
		} else if (ran == 0) {
			log_notice("catch-up: today's run is missing");
			if (master_trigger(m, "catch-up", NULL, 0, err,
			    sizeof(err)) == -1) {
				log_warnx("catch-up run not started: %s", err);
				if (!m->journal_ok)
					strlcpy(m->deferred, "catch-up",
					    sizeof(m->deferred));
				monitor_run_not_started(m->monitor, err);
			}
		}
	}
	tv.tv_sec = 0;
	evtimer_add(m->ev_prune, &tv);	/* first pass on the first turn */
	tv.tv_sec = MASTER_TOKEN_CHECK_SEC;

	if (sd_watchdog_enabled(0, &m->watchdog_usec) > 0)
		master_watchdog_cb(-1, 0, m);
	sd_notify(0, "READY=1");
	master_status(m);
	log_notice("databackupd %s ready: %d workers, control socket %s",
	    PACKAGE_VERSION, m->nworkers, conf->control_socket);
	(void)debug;

	event_base_dispatch(m->base);

	/* What the last turn queued (a failure was logged already). */
	if (m->npend > 0 && master_flush(m) == -1)
		log_warnx("journal: %zu job writes not committed at exit; "
		    "the next start resumes from the journal", m->npend);
	log_notice("databackupd stopped");
	control_free(m->control);
	for (i = 0; i < m->nworkers; i++)
		if (m->workers[i].bev != NULL)
			bufferevent_free(m->workers[i].bev);
	free(m->workers);
	if (m->disc != NULL)
		disc_cancel(m->disc);
	if (m->run != NULL) {
		sched_clear(&m->sched);
		master_run_free(m->run);
	}
	auth_free(m->auth);
	http_multi_free(m->multi);
	monitor_free(m->monitor);
	journal_close(m->journal);
	for (i = 0; i < 4; i++)
		event_free(m->ev_sig[i]);
	event_free(m->ev_daily);
	event_free(m->ev_wake);
	event_free(m->ev_token);
	event_free(m->ev_journal);
	event_free(m->ev_flush);
	free(m->pend);
	event_free(m->ev_prune);
	event_free(m->ev_respawn);
	event_free(m->ev_stop);
	event_free(m->ev_watchdog);
	event_base_free(m->base);
	pacer_free(pacer_global());
	config_free(m->conf);
	free(m->conf_path);
	free(m->pending_pat);
	return (0);
}
