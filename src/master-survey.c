/*
 * master-survey.c: what held the run's instances, read at its end.  An
 * instance's automated backup comes back each night at about the same
 * time; the order counts it as work (sched.c) once it is known, and it is
 * known when an export ran into it.  One the run never ran into (it came
 * after that instance's exports, or before them) may meet the next
 * night's turn all the same.  So once every job is final, and before the
 * run ends, each instance neither surveyed nor seen held within
 * MASTER_SURVEY_EVERY_MS has its operations read (one operations.list,
 * gcp_operation_survey): the longest that ended during the run, our own
 * exports aside, is journaled as if waited on, and the next nights'
 * order counts it.  Found nothing, a row says when it was read.  Idle
 * workers do it, one instance each; a failure is logged, the run ends
 * all the same, and the next run surveys it again.
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

void
master_survey_free(struct master *m)
{
	free(m->survey);
	m->survey = NULL;
	m->nsurvey = m->survey_next = 0;
}

/* The instance job's export ran on: a replica's, if through one. */
static const char *
master_survey_instance(const struct job *job)
{
	return (job->via != NULL ? job->via : job_instance(job));
}

/*
 * The instances of r to survey: each that an export ran on, once (by a
 * job of it; a run's jobs are added instance by instance), unless read
 * or seen held lately.
 */
static void
master_survey_plan(struct master *m, const struct run *r)
{
	const struct job	*job, *prev = NULL;
	int64_t			 seen, now = master_now_ms();
	size_t			 i;

	master_survey_free(m);
	m->survey_run = r->jr.id;
	m->survey_since_ms = r->jr.started_ms;
	m->survey_found = m->survey_failed = 0;
	if (m->journal == NULL || r->njobs == 0)
		return;
	for (i = 0; i < r->njobs; i++) {
		job = r->jobs[i];
		if (job->attempts == 0)
			continue;	/* never exported: nothing met */
		if (prev != NULL && strcmp(job_project(job),
		    job_project(prev)) == 0 && strcmp(master_survey_instance(
		    job), master_survey_instance(prev)) == 0)
			continue;
		prev = job;
		if (journal_blocker_seen(m->journal, job_project(job),
		    master_survey_instance(job), &seen) == -1 ||
		    seen > now - MASTER_SURVEY_EVERY_MS)
			continue;
		if ((m->nsurvey & (m->nsurvey - 1)) == 0)  /* 0, 1, 2, 4 */
			m->survey = xreallocarray(m->survey, m->nsurvey == 0 ?
			    1 : m->nsurvey * 2, sizeof(*m->survey));
		m->survey[m->nsurvey++] = job;
	}
	if (m->nsurvey > 0)
		log_info("run %lld: reading what held %zu instance%s during "
		    "the run", (long long)r->jr.id, m->nsurvey,
		    m->nsurvey == 1 ? "" : "s");
}

/*
 * Does the end of run r wait on surveys?  The first call plans them;
 * each call after says whether any is queued or running.  Not while
 * stopping: the run ends without them, and as nothing was journaled for
 * the instances not read, the next run reads them.
 */
int
master_survey_pending(struct master *m, const struct run *r)
{
	if (m->stopping)
		return (0);
	if (m->survey_run != r->jr.id) {
		master_survey_plan(m, r);
		master_dispatch(m);
	}
	if (m->survey_next < m->nsurvey || m->survey_running > 0)
		return (1);
	if (m->nsurvey > 0) {
		log_info("run %lld: %zu instance%s surveyed, %d held during "
		    "the run, %d not read", (long long)r->jr.id, m->nsurvey,
		    m->nsurvey == 1 ? "" : "s", m->survey_found,
		    m->survey_failed);
		master_survey_free(m);
	}
	return (0);
}

/* Hand queued surveys to idle workers.  -1 if a token is missing. */
int
master_survey_dispatch(struct master *m)
{
	struct master_worker	*w;
	struct msg_job		*mj;
	const struct job	*job;
	const char		*token;

	while (m->survey_next < m->nsurvey && !m->stopping &&
	    m->survey_running < m->conf->max_in_flight &&
	    (w = master_idle_worker(m)) != NULL) {
		if ((token = auth_cached(m->auth, NULL)) == NULL)
			return (-1);
		job = m->survey[m->survey_next];
		mj = master_msg_new(m, token);
		strlcpy(mj->project, job_project(job), sizeof(mj->project));
		strlcpy(mj->instance, master_survey_instance(job),
		    sizeof(mj->instance));
		strlcpy(mj->bucket, m->conf->bucket, sizeof(mj->bucket));
		mj->survey = 1;
		mj->since_ms = m->survey_since_ms;
		mj->run_id = m->survey_run;
		w->state = MW_BUSY;
		w->survey = m->survey_next + 1;
		w->since_ms = w->heard_ms = master_now_ms();
		m->survey_next++;
		m->survey_running++;
		master_msg_send(m, w, 0, mj);
	}
	return (0);
}

/* The worker is done with its survey; the run may end now. */
static void
master_survey_end(struct master *m, struct master_worker *w)
{
	w->survey = 0;
	if (w->state == MW_BUSY)
		w->state = MW_IDLE;
	w->since_ms = master_now_ms();
	m->survey_running--;
	master_dispatch(m);
	master_run_check_end(m);
}

/* Keep what a survey found: held (type, ms) or not (type ""). */
static void
master_survey_keep(struct master *m, const char *project,
    const char *instance, const struct msg_survey *v)
{
	int64_t	 ms = v->end_ms - v->start_ms;

	if (v->type[0] != '\0') {
		m->survey_found++;
		blocker_learn(&m->blockers, v->type, ms);
		log_info("%s/%s: a %s operation held it %llds during the run; "
		    "the next runs' order counts it", project, instance,
		    v->type, (long long)ms / 1000);
	} else
		ms = 0;
	if (m->journal != NULL && journal_blocker_put(m->journal, project,
	    instance, v->type, ms, master_now_ms()) == -1)
		log_warnx("%s/%s: survey not journaled: %s", project, instance,
		    journal_error(m->journal));
}

/*
 * A report from a surveying worker.  After a stop ended the run (its jobs
 * are gone), only the worker is freed.
 */
void
master_survey_msg(struct master *m, struct master_worker *w,
    const struct msg_hdr *hdr, const void *payload)
{
	const struct msg_failed	*f = payload;
	const struct job	*job;
	const char		*project, *instance;

	if (hdr->job_id != 0 || w->survey > m->nsurvey) {
		log_warnx("worker %d: %s for job %lld while surveying", w->slot,
		    msg_type_name(hdr->type), (long long)hdr->job_id);
		kill(w->pid, SIGKILL);
		return;
	}
	w->heard_ms = master_now_ms();
	if (hdr->type == MSG_JOB_POLLED)
		return;
	if (m->run == NULL || m->run->jr.id != m->survey_run) {
		master_survey_end(m, w);
		return;
	}
	job = m->survey[w->survey - 1];
	project = job_project(job);
	instance = master_survey_instance(job);
	switch (hdr->type) {
	case MSG_SURVEYED:
		master_survey_keep(m, project, instance, payload);
		break;
	case MSG_JOB_FAILED:
		m->survey_failed++;
		log_info("%s/%s: what held it during the run could not be "
		    "read: %s; the next run reads it again", project, instance,
		    f->message);
		break;
	default:
		log_warnx("worker %d: unexpected %s while surveying", w->slot,
		    msg_type_name(hdr->type));
		kill(w->pid, SIGKILL);
		return;
	}
	master_survey_end(m, w);
}

/*
 * The surveying worker is gone: that survey failed.  The caller checks
 * the run's end once the worker is marked dead.
 */
void
master_survey_orphaned(struct master *m, struct master_worker *w,
    const char *how)
{
	m->survey_failed++;
	log_info("worker %d %s while surveying", w->slot, how);
	w->survey = 0;
	m->survey_running--;
}
