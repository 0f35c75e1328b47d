/*
 * master.c: the master process's life: set up (workers forked first, then
 * the journal, HTTP, credentials, signals and timers), run the loop,
 * answer signals (SIGHUP reloads, SIGTERM and SIGINT stop at safe points,
 * SIGCHLD reaps), keep systemd's watchdog fed, and tear down.  The work
 * of the loop is in the other master-*.c files (see master-int.h); the
 * rules of a job's life are job.c's and run.c's, the dispatch order
 * sched.c's, the walk discovery.c's, the wire gcp.c's.
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "master-int.h"
#include "msg.h"
#include "pacer.h"
#include "xmalloc.h"

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
	if (m->disc != NULL || evtimer_pending(m->ev_rewalk, NULL)) {
		if (m->disc != NULL)
			disc_cancel(m->disc);
		m->disc = NULL;
		evtimer_del(m->ev_rewalk);
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

	gcp_ctx_init(&m->ctx, c, m->auth_info.quota_project);
	pacer_set_rate(pacer_global(), PACER_SQLADMIN, c->sqladmin_rpm);
}

/*
 * New exclusions apply to jobs not yet started: they leave the run as if
 * discovery had excluded them.  A job that may have an export at Google
 * (operation known, or outcome unknown) stays.  Returns how many left.
 */
static size_t
master_drop_excluded(struct master *m)
{
	struct run	*r = m->run;
	struct job	*job;
	const char	*rule;
	size_t		 i, dropped = 0;

	/* Queued writes first: a dropped job must not have one pending. */
	if (master_commit(m) == -1) {
		log_warnx("reload: journal writes fail; queued jobs that new "
		    "exclusions cover stay in the run");
		return (0);
	}
	for (i = 0; i < r->njobs; i++) {
		job = r->jobs[i];
		if (job->state != JOB_QUEUED && job->state != JOB_RETRY_WAIT)
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
		job_log(LOG_NOTICE, job, "dropped from the run: excluded by "
		    "\"%s\" after reload", rule);
		sched_remove(&m->sched, job);
		job_free(run_remove_job(r, i));
		r->disc.excluded++;
		i--;
		dropped++;
	}
	return (dropped);
}

/*
 * Reload: parse into a new configuration; on any error keep the old one.
 * Returns 0, or -1 with the error lines in *errs (caller frees).  A
 * restart-only key keeps the value the daemon started with until a
 * restart, so the keys that differ from it are kept for master_restart_keys
 * (compared with the starting configuration, not the last reload's, so a
 * second reload still tells).
 */
int
master_reload(struct master *m, char ***errs, size_t *nerrs)
{
	struct config_errors	 ce = { NULL, 0 };
	struct config		*c, *old = m->conf;
	char			 keys[256];
	size_t			 i, dropped = 0;
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
	if (config_restart_keys(m->conf_start != NULL ? m->conf_start : old,
	    c, keys, sizeof(keys)) > 0)
		log_warnx("reload: %s changed; this needs a restart", keys);
	strlcpy(m->restart_keys, keys, sizeof(m->restart_keys));
	m->conf = c;
	m->conf_loaded_ms = master_now_ms();
	log_set_json(strcmp(c->log_format, "json") == 0);
	master_apply_endpoints(m);
	if (m->conf_start == NULL)
		m->conf_start = old;
	else
		config_free(old);
	if (m->run != NULL)
		dropped = master_drop_excluded(m);
	log_notice("configuration reloaded from %s (%zu queued jobs dropped "
	    "by exclusions)", m->conf_path, dropped);
	master_daily_arm(m);
	master_drill_load(m);
	master_drill_arm(m);
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
		master_reap(m);
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

static void
master_last_run_cb(const struct journal_run *jr, void *arg)
{
	struct master	*m = arg;

	if (m->last_run.id == 0 && jr->ended_ms != 0)
		memcpy(&m->last_run, jr, sizeof(m->last_run));
}

static void
master_blocker_cb(const char *type, int64_t ms, void *arg)
{
	struct master	*m = arg;

	blocker_learn(&m->blockers, type, ms);
}

/*
 * Set up the master: workers first (they inherit nothing they should not
 * have), then the journal, HTTP, credentials, signals and timers.  Takes
 * ownership of conf.  Errors here are fatal: the daemon cannot start.
 * Those who watch the master attach before master_loop.
 */
struct master *
master_new(const char *conf_path, struct config *conf)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };
	struct master	*m;
	char		 err[512];
	int		 i;

	m = xcalloc(1, sizeof(*m));
	m->conf_path = xstrdup(conf_path);
	m->conf = conf;
	log_set_json(strcmp(conf->log_format, "json") == 0);
	m->started_ms = m->conf_loaded_ms = master_now_ms();
	m->journal_ok = 1;
	sched_init(&m->sched);
	TAILQ_INIT(&m->restores);
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

	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++) {
		m->ev_sig[i] = evsignal_new(m->base, sigs[i], master_signal_cb,
		    m);
		evsignal_add(m->ev_sig[i], NULL);
	}
	m->ev_daily = evtimer_new(m->base, master_daily_cb, m);
	m->ev_drill = evtimer_new(m->base, master_drill_cb, m);
	m->ev_wake = evtimer_new(m->base, master_wake_cb, m);
	m->ev_token = evtimer_new(m->base, master_token_tick_cb, m);
	m->ev_journal = evtimer_new(m->base, master_journal_cb, m);
	m->ev_flush = event_new(m->base, -1, 0, master_flush_cb, m);
	m->ev_prune = evtimer_new(m->base, master_prune_cb, m);
	m->ev_respawn = evtimer_new(m->base, master_respawn_cb, m);
	m->ev_stop = evtimer_new(m->base, master_stop_timeout_cb, m);
	m->ev_watchdog = evtimer_new(m->base, master_watchdog_cb, m);
	m->ev_rewalk = evtimer_new(m->base, master_rewalk_cb, m);

	if (journal_runs(m->journal, 0, 5, master_last_run_cb, m) == -1)
		fatalx("journal: %s", journal_error(m->journal));
	/* A hint: without it, waits on busy instances learn anew. */
	if (journal_blockers(m->journal, BLOCKER_NTYPES * BLOCKER_SAMPLES,
	    master_blocker_cb, m) == -1)
		log_warnx("journal: %s", journal_error(m->journal));
	return (m);
}

/*
 * Resume what the journal left unfinished, catch up on a missed run, tell
 * systemd we are ready and run the loop until a stop.  Returns the exit
 * status.
 */
int
master_loop(struct master *m)
{
	struct timeval	 tv = { 0, 0 };

	master_token_tick_cb(-1, 0, m);	/* arms itself */
	master_recover(m);
	master_restore_recover(m);
	master_drill_load(m);
	master_drill_arm(m);
	master_prune_load(m);
	master_daily_arm(m);
	master_catch_up(m);
	evtimer_add(m->ev_prune, &tv);	/* first pass on the first turn */

	if (sd_watchdog_enabled(0, &m->watchdog_usec) > 0)
		master_watchdog_cb(-1, 0, m);
	sd_notify(0, "READY=1");
	master_status(m);
	log_notice("databackupd %s ready: %d workers, control socket %s",
	    PACKAGE_VERSION, m->nworkers, m->conf->control_socket);

	event_base_dispatch(m->base);

	/* What the last turn queued (a failure was logged already). */
	if (m->npend > 0 && master_commit(m) == -1)
		log_warnx("journal: %zu job writes not committed at exit; "
		    "the next start resumes from the journal", m->npend);
	log_notice("databackupd stopped");
	return (0);
}

/*
 * The network side goes: workers' channels, the walk, the run, credentials
 * and the multi handle (which cancels transfers without callbacks).
 */
void
master_close(struct master *m)
{
	int	i;

	for (i = 0; i < m->nworkers; i++)
		if (m->workers[i].bev != NULL) {
			bufferevent_free(m->workers[i].bev);
			m->workers[i].bev = NULL;
		}
	if (m->disc != NULL) {
		disc_cancel(m->disc);
		m->disc = NULL;
	}
	if (m->run != NULL) {
		sched_clear(&m->sched);
		run_free(m->run);
		m->run = NULL;
	}
	auth_free(m->auth);
	m->auth = NULL;
	http_multi_free(m->multi);
	m->multi = NULL;
}

/* After master_close and after the watchers are gone. */
void
master_free(struct master *m)
{
	size_t	i;

	if (m == NULL)
		return;
	free(m->workers);
	master_restore_free(m);
	master_survey_free(m);
	master_drill_free(m);
	journal_close(m->journal);
	for (i = 0; i < sizeof(m->ev_sig) / sizeof(m->ev_sig[0]); i++)
		if (m->ev_sig[i] != NULL)
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
	event_free(m->ev_rewalk);
	event_base_free(m->base);
	pacer_free(pacer_global());
	config_free(m->conf);
	config_free(m->conf_start);
	free(m->conf_path);
	free(m->pending_pat);
	free(m->walk_pat);
	free(m->rewalk_pat);
	free(m);
}
