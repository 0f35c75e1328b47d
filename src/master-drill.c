/*
 * master-drill.c: restore drills.  Each week (and on demand) a sample of
 * the databases with a verified export is imported into the scratch
 * instance of its engine under a name of the drill's own, then dropped:
 * proof that the exports read back.  The sample rotates, least recently
 * drilled first, and is large enough that every database comes round
 * within [drill] cycle.  A drill is a set of restores (master-restore.c)
 * that name it; it ends when they all have, and the journal keeps how.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "master-int.h"
#include "msg.h"
#include "restore.h"
#include "xmalloc.h"

_Static_assert(MSG_SCRATCH_MAX == CONFIG_SCRATCH_MAX,
    "a job message holds every scratch instance");

#define MASTER_WEEK_MS		(7 * 86400 * 1000LL)

static void
master_drill_db_cb(const struct journal_drill_db *d, void *arg)
{
	struct master	*m = arg;

	if (m->ndrill_dbs == m->capdrill_dbs) {
		m->capdrill_dbs = m->capdrill_dbs == 0 ? 64 :
		    m->capdrill_dbs * 2;
		m->drill_dbs = xreallocarray(m->drill_dbs, m->capdrill_dbs,
		    sizeof(*m->drill_dbs));
	}
	m->drill_dbs[m->ndrill_dbs++] = *d;
}

static void
master_drill_failed_cb(const char *source, const char *error, void *arg)
{
	struct master		*m = arg;
	struct master_drill_fail *f;

	m->drill_fails = xreallocarray(m->drill_fails, m->ndrill_fails + 1,
	    sizeof(*m->drill_fails));
	f = &m->drill_fails[m->ndrill_fails++];
	strlcpy(f->source, source, sizeof(f->source));
	strlcpy(f->error, error, sizeof(f->error));
}

/*
 * What the journal says of drills: every database with a verified export
 * and its last drill and verified restore (least recently drilled
 * first), and the last drill that ended with its failures.
 */
void
master_drill_load(struct master *m)
{
	/* A scan of every job: only for those who drill. */
	if (m->journal == NULL || m->conf->ndrill_scratch == 0) {
		m->ndrill_dbs = m->ndrill_fails = 0;
		memset(&m->last_drill, 0, sizeof(m->last_drill));
		return;
	}
	m->ndrill_dbs = 0;
	if (journal_drill_state(m->journal, master_drill_db_cb, m) == -1)
		log_warnx("drills: %s", journal_error(m->journal));
	m->ndrill_fails = 0;
	if (journal_drill_last(m->journal, &m->last_drill,
	    master_drill_failed_cb, m) == -1)
		log_warnx("drills: %s", journal_error(m->journal));
}

/* The database's drill state (by name), or NULL if it has no export. */
const struct journal_drill_db *
master_drill_db(const struct master *m, const char *project,
    const char *instance, const char *database)
{
	size_t	 i;

	/* Kept in drill order for the sample; coverage asks rarely. */
	for (i = 0; i < m->ndrill_dbs; i++)
		if (strcmp(m->drill_dbs[i].database, database) == 0 &&
		    strcmp(m->drill_dbs[i].instance, instance) == 0 &&
		    strcmp(m->drill_dbs[i].project, project) == 0)
			return (&m->drill_dbs[i]);
	return (NULL);
}

/* Arm the weekly timer (nothing without a scratch instance). */
void
master_drill_arm(struct master *m)
{
	const struct config	*c = m->conf;
	int			 wday, minutes;

	evtimer_del(m->ev_drill);
	m->next_drill_ms = 0;
	if (c->ndrill_scratch == 0 || config_parse_weekly(c->drill_weekly_at,
	    &wday, &minutes) == -1)
		return;
	m->next_drill_ms = sched_weekly_next(wday, minutes, master_now_ms());
	master_timer_at(m->ev_drill, m->next_drill_ms);
}

void
master_drill_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	char		 err[256];

	if (m->next_drill_ms != 0 && master_now_ms() + 1000 >=
	    m->next_drill_ms && master_drill_start(m, "schedule", NULL, 0,
	    err, sizeof(err)) == -1)
		log_warnx("scheduled restore drill not started: %s", err);
	master_drill_arm(m);
}

/* One restore of database d for the drill. */
static struct restore *
master_drill_restore(struct master *m, const struct journal_drill_db *d)
{
	struct restore	*r;

	r = xcalloc(1, sizeof(*r));
	r->worker = -1;
	r->drill = m->drill.id;
	r->requested_ms = master_now_ms();
	r->exported_ms = d->exported_ms;
	r->size = d->size;
	snprintf(r->source, sizeof(r->source), "%s/%s/%s", d->project,
	    d->instance, d->database);
	strlcpy(r->source_db, d->database, sizeof(r->source_db));
	strlcpy(r->version, d->version, sizeof(r->version));
	snprintf(r->uri, sizeof(r->uri), "gs://%s/%s", m->conf->bucket,
	    d->object);
	/* The worker picks the scratch instance and says which. */
	strlcpy(r->project, "-", sizeof(r->project));
	strlcpy(r->instance, "-", sizeof(r->instance));
	strlcpy(r->database, "-", sizeof(r->database));
	return (r);
}

/*
 * Start a drill: of the databases the patterns select, or without
 * patterns of the next sample.  Returns the drill's id, or -1 with why in
 * err.
 */
int64_t
master_drill_start(struct master *m, const char *trigger,
    const struct disc_pattern *pat, size_t npat, char *err, size_t len)
{
	const struct config	*c = m->conf;
	const struct journal_drill_db *d;
	struct restore		*r;
	size_t			 i, n = 0, want;
	uint64_t		 weeks;

	if (c->ndrill_scratch == 0) {
		snprintf(err, len, "no scratch instance: set [drill] scratch "
		    "to drill restores");
		return (-1);
	}
	if (m->drill.id != 0) {
		snprintf(err, len, "drill %lld is running (%d of %d restores "
		    "ended)", (long long)m->drill.id, m->drill.succeeded +
		    m->drill.failed, m->drill.total);
		return (-1);
	}
	if (m->journal == NULL || !m->journal_ok) {
		snprintf(err, len, "the journal is not writable: no drill "
		    "starts until it is");
		return (-1);
	}
	master_drill_load(m);

	/* Every database within cycle: a week's share, or sample. */
	weeks = c->drill_cycle_ms / MASTER_WEEK_MS;
	if (weeks == 0)
		weeks = 1;
	want = (m->ndrill_dbs + weeks - 1) / weeks;
	if (want < (size_t)c->drill_sample)
		want = (size_t)c->drill_sample;
	for (i = 0; i < m->ndrill_dbs && (npat > 0 || n < want); i++) {
		d = &m->drill_dbs[i];
		if (!disc_pattern_match(pat, npat, d->project, d->instance,
		    d->database))
			continue;
		if (config_exclude_match(c, d->project, d->instance,
		    d->database) != NULL)
			continue;
		n++;
	}
	if (n == 0) {
		snprintf(err, len, "nothing to drill: %s", m->ndrill_dbs == 0 ?
		    "no database has a verified export yet" : "no database "
		    "with a verified export matches");
		return (-1);
	}
	memset(&m->drill, 0, sizeof(m->drill));
	strlcpy(m->drill.trigger, trigger, sizeof(m->drill.trigger));
	m->drill.started_ms = master_now_ms();
	m->drill.total = (int)n;
	if (journal_drill_begin(m->journal, &m->drill) == -1) {
		snprintf(err, len, "journal: %s", journal_error(m->journal));
		master_journal_failed(m);
		memset(&m->drill, 0, sizeof(m->drill));
		return (-1);
	}
	for (i = 0, n = 0; i < m->ndrill_dbs && n < (size_t)m->drill.total;
	    i++) {
		d = &m->drill_dbs[i];
		if (!disc_pattern_match(pat, npat, d->project, d->instance,
		    d->database) || config_exclude_match(c, d->project,
		    d->instance, d->database) != NULL)
			continue;
		r = master_drill_restore(m, d);
		if (journal_restore_insert(m->journal, r) == -1) {
			log_warnx("drill %lld: %s: %s", (long long)m->drill.id,
			    r->source, journal_error(m->journal));
			free(r);
			m->drill.total--;
			continue;
		}
		TAILQ_INSERT_TAIL(&m->restores, r, entry);
		n++;
	}
	log_notice("restore drill %lld (%s) starts: %d database%s into the "
	    "scratch instances", (long long)m->drill.id, trigger,
	    m->drill.total, m->drill.total == 1 ? "" : "s");
	if (m->drill.total == 0) {
		master_drill_ended(m);
		snprintf(err, len, "the journal took none of the drill's "
		    "restores");
		return (-1);
	}
	master_dispatch(m);
	return (m->drill.id);
}

/* A restore of the running drill ended. */
void
master_drill_restore_ended(struct master *m, const struct restore *r)
{
	if (m->drill.id == 0 || r->drill != m->drill.id)
		return;
	if (r->state == RESTORE_SUCCEEDED)
		m->drill.succeeded++;
	else
		m->drill.failed++;
	if (m->drill.succeeded + m->drill.failed >= m->drill.total)
		master_drill_ended(m);
}

/* The drill is over: journal it, reload the drill state, tell. */
void
master_drill_ended(struct master *m)
{
	struct master_event	 ev;

	m->drill.ended_ms = master_now_ms();
	if (journal_drill_end(m->journal, &m->drill) == -1)
		log_warnx("drill %lld: cannot journal its end: %s",
		    (long long)m->drill.id, journal_error(m->journal));
	if (m->drill.failed > 0)
		log_warnx("restore drill %lld: %d of %d restores failed",
		    (long long)m->drill.id, m->drill.failed, m->drill.total);
	else
		log_notice("restore drill %lld: %d restore%s verified",
		    (long long)m->drill.id, m->drill.succeeded,
		    m->drill.succeeded == 1 ? "" : "s");
	m->last_drill = m->drill;
	memset(&ev, 0, sizeof(ev));
	ev.drill = &m->last_drill;
	memset(&m->drill, 0, sizeof(m->drill));
	master_drill_load(m);
	master_emit(m, MASTER_EV_DRILL_END, &ev);
}

/* Is another restore of r's engine's drill running (the scratch is busy)? */
int
master_drill_engine_busy(const struct master *m, const struct restore *r)
{
	const struct restore	*o;
	size_t			 n = strcspn(r->version, "_");

	if (r->drill == 0)
		return (0);
	TAILQ_FOREACH(o, &m->restores, entry)
		if (o->drill != 0 && o->state == RESTORE_RUNNING &&
		    strncmp(o->version, r->version, n) == 0 &&
		    strcspn(o->version, "_") == n)
			return (1);
	return (0);
}

/* The drill running now, or NULL; the last that ended. */
const struct journal_drill *
master_drill_running(const struct master *m)
{
	return (m->drill.id != 0 ? &m->drill : NULL);
}

const struct journal_drill *
master_drill_last(const struct master *m, const struct master_drill_fail
    **fails, size_t *nfails)
{
	*fails = m->drill_fails;
	*nfails = m->ndrill_fails;
	return (m->last_drill.id != 0 ? &m->last_drill : NULL);
}

/* The databases drills know, in drill order. */
const struct journal_drill_db *
master_drill_dbs(const struct master *m, size_t *n)
{
	*n = m->ndrill_dbs;
	return (m->drill_dbs);
}

void
master_drill_free(struct master *m)
{
	free(m->drill_dbs);
	free(m->drill_fails);
	if (m->ev_drill != NULL)
		event_free(m->ev_drill);
}
