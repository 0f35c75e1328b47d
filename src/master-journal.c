/*
 * master-journal.c: the master's writes to the journal, grouped so that
 * the jobs that changed in one loop turn cost one commit, with the retry
 * state a failed write leaves behind; the pruning of old runs; and the
 * export time predicted for a database from its history.  What a commit
 * lets happen next (a worker's ack, a start, a run's end) is the caller's.
 */
#include <sys/types.h>

#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "master-int.h"
#include "xmalloc.h"

/*
 * Journal writes.  A failed write marks the job dirty, stops new
 * dispatches and leaves the retry timer to write it again; work in flight
 * goes on, but nothing that depends on the write (the worker's ack, the
 * run's end) happens before it has committed.
 */
void
master_journal_failed(struct master *m)
{
	struct timeval	tv;

	if (m->journal_ok)
		log_warnx("journal: write failed: %s; no new exports until "
		    "it works again", journal_error(m->journal));
	m->journal_ok = 0;
	master_emit(m, MASTER_EV_JOURNAL_ERROR, NULL);
	strlcpy(m->journal_err, journal_error(m->journal),
	    sizeof(m->journal_err));
	tv.tv_sec = m->conf->poll_initial_ms / 1000;
	tv.tv_usec = (m->conf->poll_initial_ms % 1000) * 1000;
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
void
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

/*
 * Write every queued job in one transaction.  0 once committed; then
 * committed(m, job, what) is called for each job written, with the
 * MASTER_DIRTY_* bits it had, in the order they were queued.
 */
int
master_flush(struct master *m,
    void (*committed)(struct master *, struct job *, int))
{
	struct job	*job;
	size_t		 i, n;
	int		 rv = 0, what;

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
		if (committed != NULL)
			committed(m, job, what);
	}
	return (0);
}

/*
 * Pruning: one bounded transaction per loop turn while old runs remain,
 * then one pass an hour.  A failure is logged and tried at the next pass;
 * it does not stop dispatching.
 */
void
master_prune_cb(evutil_socket_t fd, short ev, void *arg)
{
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
			m->pruned += n;
			tv.tv_sec = 0;	/* the next batch, next turn */
		} else if (m->pruned > 0) {
			log_info("journal: pruned %lld rows of runs older than "
			    "%llu days", (long long)m->pruned,
			    (unsigned long long)(m->conf->retention_ms /
			    (86400 * 1000)));
			m->pruned = 0;
		}
	}
	evtimer_add(m->ev_prune, &tv);
}

/*
 * Predicted export time of target t: the journal's history for the
 * database, else a prior (*prior set) from its instance's data shared
 * among its databases.  The instance's data is its disk bytes used when
 * Monitoring told discovery (t->used_bytes), else the size of its data
 * disk, an upper bound that makes big, mostly empty disks look long.  An
 * overestimate costs little (a later first poll); an underestimate costs
 * polls.
 */
int64_t
master_predict(struct master *m, const struct disc_target *t, int *prior)
{
	int64_t	ms, kib, disk_gb = t->disk_gb;
	int	n = t->ndatabases;

	*prior = 0;
	if (m->journal != NULL && journal_predict_ms(m->journal, t->project,
	    t->instance, t->database, &ms) == 1 && ms > 0)
		return (ms);
	*prior = 1;
	if (n < 1)
		n = 1;
	if (t->used_bytes > 0) {
		kib = (t->used_bytes < MASTER_PRIOR_BYTES_MAX ? t->used_bytes :
		    MASTER_PRIOR_BYTES_MAX) / 1024;
		ms = kib * 1000 / (MASTER_PRIOR_MIB_PER_SEC * 1024) / n;
		return (ms > MASTER_PRIOR_MIN_MS ? ms : MASTER_PRIOR_MIN_MS);
	}
	if (disk_gb <= 0)
		disk_gb = 10;
	return (disk_gb * 1024 * 1000 / MASTER_PRIOR_MIB_PER_SEC / n);
}

int64_t
master_predict_ms(struct master *m, const struct disc_target *t)
{
	int	prior;

	return (master_predict(m, t, &prior));
}

/* What a worker polls by: the prior scaled by what the fleet taught. */
int64_t
master_job_predicted(struct master *m, const struct job *job)
{
	return (job->prior ? job_prior_scaled(&m->prior, job->predicted_ms) :
	    job->predicted_ms);
}
