/*
 * master-state.c: what the master shows of itself: the read-only views
 * the monitor and the control socket ask for, the events it sends its
 * watchers, systemd's STATUS line and the one-line-per-job log.  Nothing
 * here changes the master's state beyond the list of watchers.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "master-int.h"

int64_t
master_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* cb hears of every event from now on, after those who asked before. */
void
master_watch(struct master *m, master_watch_cb cb, void *arg)
{
	if (m->nwatchers == MASTER_WATCHERS_MAX)
		fatalx("master_watch: more than %d watchers",
		    MASTER_WATCHERS_MAX);
	m->watchers[m->nwatchers].cb = cb;
	m->watchers[m->nwatchers].arg = arg;
	m->nwatchers++;
}

/* Tell every watcher; ev (may be NULL) carries what the type names. */
void
master_emit(struct master *m, enum master_event_type type,
    const struct master_event *ev)
{
	struct master_event	 e;
	int			 i;

	if (ev != NULL)
		e = *ev;
	else
		memset(&e, 0, sizeof(e));
	e.type = type;
	if (e.run == NULL)
		e.run = m->run;
	for (i = 0; i < m->nwatchers; i++)
		m->watchers[i].cb(&e, m->watchers[i].arg);
}

/* Something in the run moved: those waiting on progress hear of it. */
void
master_changed(struct master *m)
{
	master_emit(m, MASTER_EV_CHANGED, NULL);
}

/* systemd's STATUS= line: the run in progress, or the last one. */
void
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

/* One line per job event, named so that a grep tells a database's story. */
void
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

/* The run in progress, or NULL. */
const struct run *
master_run(const struct master *m)
{
	return (m->run);
}

/* The last finished run (id 0: none yet). */
const struct journal_run *
master_last_run(const struct master *m)
{
	return (&m->last_run);
}

/*
 * The discovery figures of the last finished run, or NULL when it ended
 * before this daemon started (the journal does not keep them).
 */
const struct run_disc *
master_last_disc(const struct master *m)
{
	if (m->last_run.id == 0 || m->last_disc_id != m->last_run.id)
		return (NULL);
	return (&m->last_disc);
}

/*
 * The restart-only keys whose value on file differs from the one in force
 * since start, as "workers.count, control.socket"; "" if none.
 */
const char *
master_restart_keys(const struct master *m)
{
	return (m->restart_keys);
}

/* The configuration in force; a reload replaces it, so do not keep it. */
const struct config *
master_config(const struct master *m)
{
	return (m->conf);
}

struct journal *
master_journal(const struct master *m)
{
	return (m->journal);
}

struct event_base *
master_base(const struct master *m)
{
	return (m->base);
}

struct http_multi *
master_multi(const struct master *m)
{
	return (m->multi);
}

struct auth *
master_auth(const struct master *m)
{
	return (m->auth);
}

void
master_info(const struct master *m, struct master_info *mi)
{
	int	i;

	memset(mi, 0, sizeof(*mi));
	mi->started_ms = m->started_ms;
	mi->conf_loaded_ms = m->conf_loaded_ms;
	mi->next_run_ms = m->next_run_ms;
	mi->conf_path = m->conf_path;
	mi->auth = &m->auth_info;
	mi->journal_ok = m->journal_ok;
	mi->journal_err = m->journal_ok ? "" : m->journal_err;
	mi->nworkers = m->nworkers;
	for (i = 0; i < m->nworkers; i++)
		mi->workers_busy += m->workers[i].state == MW_BUSY;
	mi->walks = m->walks;
}

/* Worker slot i; -1 past the last. */
int
master_worker_info(const struct master *m, int i,
    struct master_worker_info *wi)
{
	const struct master_worker	*w;

	if (i < 0 || i >= m->nworkers)
		return (-1);
	w = &m->workers[i];
	wi->slot = w->slot;
	wi->pid = w->pid;
	wi->state = w->state == MW_IDLE ? "idle" : w->state == MW_BUSY ?
	    "busy" : "backoff";
	wi->job = w->job;
	wi->restore = w->restore;
	wi->since_ms = w->since_ms;
	return (0);
}
