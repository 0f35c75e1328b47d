/*
 * worker.c: the worker process.  It waits for a job from the master, then
 * runs it in straight-line code: start the export (or adopt one that an
 * earlier attempt started), report the operation and wait until the master
 * has journaled it, poll the operation, verify the object, report.  Between
 * polls it listens to its socket, so a fresh token or a shutdown request
 * arrives while it waits.  It never touches the journal, the credentials or
 * the control socket, and never asks the master anything.
 *
 * Every Cloud SQL Admin call first waits for its slot of the budget shared
 * with the other workers and the master (pacer.c), listening to the socket
 * while it waits.  Before exporting again after a failed attempt it removes
 * what that attempt may have left at the object name, since Cloud SQL
 * fails an export whose object exists.  Each poll is reported (the
 * master's progress watchdog hears it), and a stuck export is cancelled
 * when the master asks.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gcp.h"
#include "http.h"
#include "job.h"
#include "log.h"
#include "msg.h"
#include "pacer.h"
#include "worker.h"
#include "worker-int.h"

static void	worker_bucket_denied(struct worker *, const char *, int);

/* The instance that runs the export: the primary, or its read replica. */
static const char *
worker_source(struct worker *w)
{
	return (w->job.via[0] != '\0' ? w->job.via : w->job.instance);
}

int64_t
worker_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
worker_title(struct worker *w, const char *what)
{
	if (w->job.project[0] != '\0')
		setproctitle("worker %d: %s %s/%s/%s", w->slot, what,
		    w->job.project, w->job.instance, w->job.database);
	else
		setproctitle("worker %d: %s", w->slot, what);
}

void
worker_send(struct worker *w, uint32_t type, const void *p, size_t len)
{
	if (msg_send_blocking(w->fd, type, w->job_id, p, len) == -1) {
		/* The master is gone: it resumes the job when it returns. */
		log_debug("send %s: %s", msg_type_name(type), strerror(errno));
		exit(0);
	}
}

/*
 * Say a line of a restore or of retention to the master (it tells the
 * client waiting on it), and log it; size, when known, is the object's.
 */
void
worker_say(struct worker *w, uint64_t size, const char *fmt, ...)
{
	struct msg_step	 m;
	va_list		 ap;

	memset(&m, 0, sizeof(m));
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	m.size = size;
	if (w->job.prune)
		log_info("retention: %s", m.text);
	else
		worker_log(w, LOG_INFO, "restore: %s", m.text);
	worker_send(w, MSG_RESTORE_STEP, &m, sizeof(m));
}

/*
 * Wait up to timeout_ms for the master.  Handles TOKEN and SHUTDOWN, and
 * notes a JOB_CANCEL for this job in w->cancel (the poll loop acts on it);
 * returns the type of any other message, or of the cancel, 0 on timeout.
 * EOF means the master died: exit, the job is in its journal.
 */
uint32_t
worker_wait(struct worker *w, int timeout_ms)
{
	struct msg_hdr	 hdr;
	int64_t		 deadline = worker_now_ms() + timeout_ms;
	int64_t		 left;
	int		 r;

	for (;;) {
		left = timeout_ms < 0 ? -1 : deadline - worker_now_ms();
		if (timeout_ms >= 0 && left < 0)
			left = 0;
		r = msg_recv_blocking(w->fd, &hdr, &w->in, sizeof(w->in),
		    (int)left);
		if (r == 0)
			return (0);
		if (r == -1) {
			if (errno != 0)
				log_warnx("worker %d: master socket: %s",
				    w->slot, strerror(errno));
			exit(0);
		}
		switch (hdr.type) {
		case MSG_TOKEN:
			strlcpy(w->job.ctx.token, w->in.token.token,
			    sizeof(w->job.ctx.token));
			explicit_bzero(&w->in.token, sizeof(w->in.token));
			break;
		case MSG_SHUTDOWN:
			w->shutdown = 1;
			return (MSG_SHUTDOWN);
		case MSG_JOB_CANCEL:
			if (hdr.job_id != w->job_id)
				break;	/* for a job that has ended since */
			w->cancel = 1;
			return (MSG_JOB_CANCEL);
		default:
			return (hdr.type);
		}
	}
}

/*
 * Waits the whole of ms, handling tokens; returns MSG_SHUTDOWN if the
 * master asked us to stop meanwhile, else 0.
 */
static uint32_t
worker_sleep(struct worker *w, int64_t ms)
{
	int64_t		 end = worker_now_ms() + ms, left;
	uint32_t	 t;

	while ((left = end - worker_now_ms()) > 0) {
		t = worker_wait(w, (int)left);
		if (t == MSG_SHUTDOWN)
			return (t);
		if (t != 0 && t != MSG_JOB_CANCEL)
			log_warnx("worker %d: unexpected %s ignored", w->slot,
			    msg_type_name(t));
	}
	return (0);
}

/*
 * gcp.c calls this before each Cloud SQL Admin request: take a slot of
 * the shared budget and sleep until it.  A poll that is told "not now"
 * (export starts are in line) sleeps and asks again: polls are the part
 * of the budget that gives way.  A shutdown while waiting is a safe point.
 */
static void
worker_pace_cb(int api, int cls, void *arg)
{
	struct worker	*w = arg;
	int64_t		 wait;
	int		 ok;

	for (;;) {
		ok = pacer_reserve(pacer_global(), api, cls, pacer_now_ns(),
		    &wait);
		if (wait > 0 && worker_sleep(w, wait) == MSG_SHUTDOWN)
			exit(0);
		if (ok)
			return;
	}
}

/* Count each API call of the current job, by API and status. */
static void
worker_count_cb(const char *url, long status, int curl_code, void *arg)
{
	struct worker	*w = arg;
	const char	*api = gcp_api_name(url);
	uint32_t	 code = curl_code != 0 ? 0 : (uint32_t)status;
	int		 i;

	for (i = 0; i < MSG_API_COUNTS; i++) {
		if (w->calls[i].api[0] == '\0') {
			strlcpy(w->calls[i].api, api, sizeof(w->calls[i].api));
			w->calls[i].status = code;
		}
		if (w->calls[i].status == code &&
		    strcmp(w->calls[i].api, api) == 0) {
			w->calls[i].n++;
			return;
		}
	}
	/* More kinds than slots: the rest go uncounted. */
}

/* Tell the master the attempt failed; blocker: what holds the instance. */
static void
worker_failed_by(struct worker *w, const struct gcp_error *err, int unknown,
    int op_failed, const struct gcp_op *blocker)
{
	struct msg_failed	f;

	memset(&f, 0, sizeof(f));
	if (blocker != NULL && blocker->name[0] != '\0') {
		strlcpy(f.blocker, blocker->name, sizeof(f.blocker));
		strlcpy(f.blocker_type, blocker->type,
		    sizeof(f.blocker_type));
		f.blocker_start_ms = blocker->start_ms != 0 ?
		    blocker->start_ms : blocker->insert_ms;
		f.blocker_seen_ms = worker_now_ms();
	}
	if (w->blocker_ms > 0) {
		strlcpy(f.ended_type, w->blocker_type, sizeof(f.ended_type));
		f.ended_ms = w->blocker_ms;
	}
	f.status = err->st;
	f.outcome_unknown = unknown;
	f.op_failed = op_failed;
	f.retry_after_ms = err->retry_after_ms;
	f.http = err->http;
	strlcpy(f.reason, err->reason, sizeof(f.reason));
	strlcpy(f.message, err->message, sizeof(f.message));
	memcpy(f.calls, w->calls, sizeof(f.calls));
	memset(w->calls, 0, sizeof(w->calls));
	worker_send(w, MSG_JOB_FAILED, &f, sizeof(f));
}

void
worker_failed(struct worker *w, const struct gcp_error *err, int unknown,
    int op_failed)
{
	worker_failed_by(w, err, unknown, op_failed, NULL);
}

/*
 * The export was refused with 409: find what holds the instance, so the
 * master can wait on it rather than guess.  Not found (it ended
 * meanwhile, or the look failed), the master's backoff decides.
 */
static void
worker_busy(struct worker *w, const struct gcp_error *err)
{
	struct gcp_op		 b;
	struct gcp_error	 berr;

	memset(&berr, 0, sizeof(berr));
	if (gcp_operation_blocker(&w->gcp, &w->job.ctx, w->job.project,
	    worker_source(w), &b, &berr) != GCP_OK) {
		worker_log(w, LOG_INFO, "cannot see what holds the instance: "
		    "%s", berr.message);
		memset(&b, 0, sizeof(b));
	}
	worker_failed_by(w, err, 0, 0, &b);
}

/* The operation waited on is DONE: keep how long it took, if Google says. */
static void
worker_blocker_done(struct worker *w, const struct gcp_op *op)
{
	if (op->start_ms > 0 && op->end_ms > op->start_ms) {
		strlcpy(w->blocker_type, op->type, sizeof(w->blocker_type));
		w->blocker_ms = op->end_ms - op->start_ms;
	}
}

/*
 * The look at the operation waited on failed, and the export went
 * through: it has ended, and one more look learns how long it took (the
 * next nights' order counts it).  Its failure costs nothing but that.
 */
static void
worker_blocker_after(struct worker *w)
{
	struct gcp_op		 op;
	struct gcp_error	 err;

	if (!w->blocker_unseen || w->job.blocker[0] == '\0')
		return;
	memset(&err, 0, sizeof(err));
	if (gcp_operation_get(&w->gcp, &w->job.ctx, w->job.project,
	    w->job.blocker, &op, &err) == GCP_OK && op.status == GCP_OP_DONE)
		worker_blocker_done(w, &op);
}

/*
 * The operation that held the instance at the last try: not DONE yet,
 * say busy again without an export call (the look costs one poll); DONE,
 * keep its duration for the master and go on.  A look that fails goes
 * on to the export, whose answer decides.  Returns 0 to export, -1 after
 * reporting.
 */
static int
worker_blocker_look(struct worker *w)
{
	struct gcp_op		 op;
	struct gcp_error	 err;

	if (w->job.blocker[0] == '\0')
		return (0);
	worker_title(w, "waiting for");
	memset(&err, 0, sizeof(err));
	if (gcp_operation_get(&w->gcp, &w->job.ctx, w->job.project,
	    w->job.blocker, &op, &err) != GCP_OK) {
		w->blocker_unseen = 1;
		return (0);
	}
	if (op.status == GCP_OP_DONE) {
		worker_blocker_done(w, &op);
		return (0);
	}
	memset(&err, 0, sizeof(err));
	gcp_error_set(&err, GCP_BUSY, "%s operation %s is %s",
	    op.type[0] != '\0' ? op.type : "another", w->job.blocker,
	    gcp_op_status_name(op.status));
	strlcpy(err.reason, "operationInProgress", sizeof(err.reason));
	if (op.name[0] == '\0')
		strlcpy(op.name, w->job.blocker, sizeof(op.name));
	worker_failed_by(w, &err, 0, 0, &op);
	return (-1);
}

/*
 * A survey: what held the instance since since_ms, the longest of its
 * operations that ended since then, other than our own exports.  One
 * answer, found or not; a failed look is a failure.
 */
static void
worker_survey(struct worker *w)
{
	struct gcp_op		 op;
	struct gcp_error	 err;
	struct msg_survey	 v;
	char			 own[GCP_BUCKET_MAX + 8];

	worker_title(w, "surveying");
	snprintf(own, sizeof(own), "gs://%s/", w->job.bucket);
	memset(&err, 0, sizeof(err));
	if (gcp_operation_survey(&w->gcp, &w->job.ctx, w->job.project,
	    w->job.instance, w->job.since_ms, own, &op, &err) != GCP_OK) {
		worker_failed(w, &err, 0, 0);
		return;
	}
	memset(&v, 0, sizeof(v));
	if (op.name[0] != '\0') {
		strlcpy(v.type, op.type[0] != '\0' ? op.type : "UNKNOWN",
		    sizeof(v.type));
		v.start_ms = op.start_ms;
		v.end_ms = op.end_ms;
	}
	memset(w->calls, 0, sizeof(w->calls));
	worker_send(w, MSG_SURVEYED, &v, sizeof(v));
}

/* The poll spacing of the current job (job_poll_delay). */
static int64_t
worker_poll_delay(const struct msg_job *job, int64_t op_start, int64_t now,
    int64_t *step)
{
	struct job_polling	 p;

	p.predicted_ms = job->predicted_ms;
	p.sleep_max_ms = job->sleep_max_ms;
	p.poll_initial_ms = job->poll_initial_ms;
	p.poll_max_ms = job->poll_max_ms;
	return (job_poll_delay(&p, op_start, now, step));
}

/* Tell the master the operation; go on only once it is journaled. */
static void
worker_report_op(struct worker *w, const struct gcp_op *op, int adopted,
    int64_t started)
{
	struct msg_op	m;
	uint32_t	t;

	memset(&m, 0, sizeof(m));
	strlcpy(m.operation, op->name, sizeof(m.operation));
	m.adopted = adopted;
	m.started_ms = started;
	strlcpy(m.blocker_type, w->blocker_type, sizeof(m.blocker_type));
	m.blocker_ms = w->blocker_ms;
	worker_send(w, MSG_JOB_OPERATION, &m, sizeof(m));
	/* Said once: a failure while polling does not say it again. */
	w->blocker_type[0] = '\0';
	w->blocker_ms = 0;
	for (;;) {
		t = worker_wait(w, -1);
		if (t == MSG_JOB_OP_ACK)
			return;
		if (t == MSG_JOB_CANCEL)
			continue;	/* once polling */
		if (t == MSG_SHUTDOWN)
			exit(0);	/* the operation is journaled or adoptable */
		log_warnx("worker %d: unexpected %s while waiting for ack",
		    w->slot, msg_type_name(t));
		exit(1);
	}
}

/*
 * The object of a DONE operation, or of one Google no longer knows
 * (forgotten): present and not empty?  Absent, the operation is over
 * without it and the master starts a new export.
 */
static void
worker_verify(struct worker *w, const struct gcp_op *op, uint32_t polls,
    int forgotten)
{
	struct gcp_object	obj;
	struct gcp_error	err;
	struct msg_done		d;
	enum gcp_status		st;
	int			tries;

	worker_title(w, "verifying");
	worker_send(w, MSG_JOB_VERIFYING, NULL, 0);
	for (tries = 0;; tries++) {
		memset(&obj, 0, sizeof(obj));
		memset(&err, 0, sizeof(err));
		st = gcp_object_get(&w->gcp, &w->job.ctx, w->job.bucket,
		    w->job.object, &obj, &err);
		if (st == GCP_OK)
			break;
		if (st == GCP_RETRY && tries < WORKER_POLL_ERRORS_MAX) {
			if (worker_wait(w, (int)w->job.poll_initial_ms) ==
			    MSG_SHUTDOWN)
				exit(0);
			continue;
		}
		if (err.http == HTTP_STATUS_NOT_FOUND) {
			gcp_error_set(&err, GCP_RETRY, "operation %s is %s "
			    "but gs://%s/%s does not exist", op->name,
			    forgotten ? "unknown to Google" : "DONE",
			    w->job.bucket, w->job.object);
			worker_failed(w, &err, 0, 1);
			return;
		}
		worker_failed(w, &err, 0, 0);
		return;
	}
	if (obj.size == 0) {
		gcp_error_set(&err, GCP_RETRY, "gs://%s/%s is empty",
		    w->job.bucket, w->job.object);
		worker_failed(w, &err, 0, 0);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.size = obj.size;
	strlcpy(d.crc32c, obj.crc32c, sizeof(d.crc32c));
	/* Google's clock, consistent with itself: insert to end. */
	d.op_start_ms = op->insert_ms != 0 ? op->insert_ms : op->start_ms;
	d.op_end_ms = op->end_ms;
	d.polls = polls;
	memcpy(d.calls, w->calls, sizeof(d.calls));
	memset(w->calls, 0, sizeof(w->calls));
	worker_send(w, MSG_JOB_DONE, &d, sizeof(d));
}

/*
 * The master found the export stuck and asked to cancel it: ask Cloud SQL
 * (operations.cancel).  The operation then ends DONE with an error, which
 * the next poll sees and reports as a failed attempt, to be retried.  A
 * cancel that fails is logged, and polling goes on.
 */
static void
worker_cancel(struct worker *w, const char *name)
{
	struct gcp_error	 err;

	w->cancel = 0;
	memset(&err, 0, sizeof(err));
	if (gcp_operation_cancel(&w->gcp, &w->job.ctx, w->job.project, name,
	    &err) == GCP_OK)
		worker_log(w, LOG_NOTICE, "cancelled stuck operation %s", name);
	else
		worker_log(w, LOG_WARNING, "cannot cancel stuck operation %s: "
		    "%s; polling on", name, err.message);
}

/*
 * Poll the operation until it is DONE, then verify.  Each poll is told
 * to the master (its progress watchdog).
 */
static void
worker_poll(struct worker *w, struct gcp_op *op, int64_t op_start)
{
	struct gcp_error	 err;
	enum gcp_status		 st;
	int64_t			 step = w->job.poll_initial_ms, delay;
	uint32_t		 polls = 0;
	int			 errors = 0;
	char			 name[GCP_OPERATION_MAX + 1];

	strlcpy(name, op->name, sizeof(name));
	worker_title(w, "exporting");
	for (;;) {
		delay = worker_poll_delay(&w->job, op_start, worker_now_ms(),
		    &step);
		if (!w->cancel && worker_wait(w, (int)delay) == MSG_SHUTDOWN)
			exit(0);	/* safe: the operation is journaled */
		if (w->cancel) {
			worker_cancel(w, name);
			step = w->job.poll_initial_ms;
		}
		memset(&err, 0, sizeof(err));
		memset(op, 0, sizeof(*op));
		st = gcp_operation_get(&w->gcp, &w->job.ctx, w->job.project,
		    name, op, &err);
		polls++;
		worker_send(w, MSG_JOB_POLLED, NULL, 0);
		if (st == GCP_RETRY && ++errors <= WORKER_POLL_ERRORS_MAX) {
			worker_log(w, LOG_INFO, "poll %s: %s (retrying)", name,
			    err.message);
			continue;
		}
		if (st == GCP_AUTH || st == GCP_RETRY) {
			/* The master resumes the job with a new token. */
			worker_failed(w, &err, 0, 0);
			return;
		}
		if (st != GCP_OK) {
			if (err.http == HTTP_STATUS_NOT_FOUND) {
				/* Google forgot it: the object decides. */
				strlcpy(op->name, name, sizeof(op->name));
				worker_verify(w, op, polls, 1);
				return;
			}
			worker_failed(w, &err, 0, 0);
			return;
		}
		errors = 0;
		if (op_start == 0)
			op_start = worker_now_ms();
		if (op->status != GCP_OP_DONE)
			continue;
		if (op->has_error && gcp_bucket_denied(op->error_message)) {
			worker_bucket_denied(w, op->error_message, 1);
			return;
		}
		if (op->has_error) {
			gcp_error_set(&err, GCP_RETRY, "operation %s failed: "
			    "%s: %s", name, op->error_code, op->error_message);
			worker_failed(w, &err, 0, 1);
			return;
		}
		worker_verify(w, op, polls, 0);
		return;
	}
}

/*
 * The instance's service account may not write the bucket: a permanent
 * failure whose message names the account, the role and the bucket.
 */
static void
worker_bucket_denied(struct worker *w, const char *google, int op_failed)
{
	struct gcp_instance	 in;
	struct gcp_error	 err, ierr;
	char			 said[200];

	memset(&err, 0, sizeof(err));
	err.retry_after_ms = -1;
	strlcpy(said, google, sizeof(said));
	if (gcp_instance_get(&w->gcp, &w->job.ctx, w->job.project,
	    worker_source(w), &in, &ierr) != GCP_OK ||
	    in.service_account[0] == '\0')
		strlcpy(in.service_account, "the instance's service account",
		    sizeof(in.service_account));
	gcp_error_set(&err, GCP_PERMANENT, "%s cannot write gs://%s: grant "
	    "it roles/storage.objectAdmin on bucket %s (Cloud SQL exports "
	    "need storage.objects.create and storage.objects.delete); "
	    "Google said: %s", in.service_account, w->job.bucket,
	    w->job.bucket, said);
	err.http = HTTP_STATUS_FORBIDDEN;
	strlcpy(err.reason, "bucketPermission", sizeof(err.reason));
	worker_failed(w, &err, 0, op_failed);
}

/*
 * Before exporting again: Cloud SQL fails an export whose object exists,
 * and a failed attempt may have left a partial object at this job's name
 * (the name is the run's own, so nothing else writes it).  Delete exactly
 * the generation seen.  The daemon's account needs storage.objects.delete
 * on the bucket for this.  Returns 0 to go on, -1 after reporting.
 */
static int
worker_clear_object(struct worker *w)
{
	struct gcp_object	 obj;
	struct gcp_error	 err;
	enum gcp_status		 st;

	st = gcp_object_get(&w->gcp, &w->job.ctx, w->job.bucket,
	    w->job.object, &obj, &err);
	if (st != GCP_OK) {
		if (err.http == HTTP_STATUS_NOT_FOUND)
			return (0);
		worker_failed(w, &err, 0, 0);
		return (-1);
	}
	worker_log(w, LOG_NOTICE, "gs://%s/%s is left from an earlier attempt "
	    "(%llu bytes, generation %s): deleting it before exporting again",
	    w->job.bucket, w->job.object, (unsigned long long)obj.size,
	    obj.generation);
	st = gcp_object_delete(&w->gcp, &w->job.ctx, w->job.bucket,
	    w->job.object, obj.generation, &err);
	if (st == GCP_OK)
		return (0);
	if (err.http == HTTP_STATUS_FORBIDDEN)
		gcp_error_set(&err, GCP_PERMANENT, "cannot delete gs://%s/%s "
		    "left by an earlier attempt (the export would fail on it):"
		    " databackup's account needs storage.objects.delete on "
		    "bucket %s; %s", w->job.bucket, w->job.object,
		    w->job.bucket, err.message);
	worker_failed(w, &err, 0, 0);
	return (-1);
}

/* Start the export, or adopt one an earlier attempt started. */
static void
worker_run(struct worker *w)
{
	struct gcp_export	 exp;
	struct gcp_error	 err;
	struct gcp_op		 op;
	enum gcp_status		 st;
	char			 uri[GCP_URI_MAX + 1];

	snprintf(uri, sizeof(uri), "gs://%s/%s", w->job.bucket, w->job.object);
	memset(&op, 0, sizeof(op));
	memset(&err, 0, sizeof(err));
	w->blocker_type[0] = '\0';
	w->blocker_ms = 0;
	w->blocker_unseen = 0;

	if (w->job.operation[0] != '\0') {
		/* Resume: the operation is journaled already. */
		strlcpy(op.name, w->job.operation, sizeof(op.name));
		worker_poll(w, &op, w->job.started_ms);
		return;
	}

	if (w->job.adopt) {
		worker_title(w, "looking for");
		st = gcp_operation_find_export(&w->gcp, &w->job.ctx,
		    w->job.project, worker_source(w), uri, &op, &err);
		if (st != GCP_OK) {
			/* Still unknown: the master tries again later. */
			worker_failed(w, &err, 1, 0);
			return;
		}
		if (op.name[0] != '\0') {
			worker_log(w, LOG_INFO, "adopting operation %s (%s)",
			    op.name, gcp_op_status_name(op.status));
			/*
			 * Its start is known only by Google's clock; ours
			 * says "now", which errs towards polling later.
			 */
			worker_report_op(w, &op, 1, worker_now_ms());
			worker_poll(w, &op, worker_now_ms());
			return;
		}
	}

	if (worker_blocker_look(w) == -1)
		return;
	if ((w->job.attempt > 1 || w->job.adopt) && worker_clear_object(w) ==
	    -1)
		return;

	worker_title(w, "starting");
	if (w->job.via[0] != '\0')
		worker_log(w, LOG_INFO, "exporting through read replica %s",
		    w->job.via);
	memset(&exp, 0, sizeof(exp));
	exp.project = w->job.project;
	exp.instance = worker_source(w);
	exp.database = w->job.database;
	exp.uri = uri;
	exp.file_type = w->job.file_type;
	exp.offload = w->job.offload;
	st = gcp_export_start(&w->gcp, &w->job.ctx, &exp, &op, &err);
	if (st == GCP_PERMANENT && err.http == HTTP_STATUS_FORBIDDEN &&
	    gcp_bucket_denied(err.message)) {
		worker_bucket_denied(w, err.message, 0);
		return;
	}
	if (st == GCP_BUSY) {
		worker_busy(w, &err);
		return;
	}
	if (st != GCP_OK) {
		/*
		 * Without an HTTP answer, or with a garbled 2xx, the export
		 * may have started at Google: say the outcome is unknown so
		 * the next attempt looks for it before sending again.
		 */
		worker_failed(w, &err, err.http == 0 ||
		    HTTP_STATUS_IS_SUCCESS(err.http), 0);
		return;
	}
	worker_blocker_after(w);
	worker_report_op(w, &op, 0, worker_now_ms());
	worker_poll(w, &op, worker_now_ms());
}

/*
 * The worker's life: fd is its end of the socketpair, slot its number for
 * logs.  Exits when the master says so or goes away.
 */
void
worker_main(int fd, int slot)
{
	struct worker	 w;
	struct msg_hdr	 hdr;
	char		 tag[32];
	int		 r;

	memset(&w, 0, sizeof(w));
	w.fd = fd;
	w.slot = slot;
	snprintf(tag, sizeof(tag), "worker %d", slot);
	log_setprefix(tag);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);	/* a terminal's ^C is for the master */
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (http_global_init() == -1)
		fatalx("worker %d: http init failed", slot);
	w.gcp.http = http_easy_new();
	http_easy_observe(w.gcp.http, worker_count_cb, &w);
	w.gcp.pace = worker_pace_cb;
	w.gcp.pace_arg = &w;

	for (;;) {
		memset(&w.job, 0, sizeof(w.job));
		worker_title(&w, "idle");
		r = msg_recv_blocking(fd, &hdr, &w.in, sizeof(w.in), -1);
		if (r == -1) {
			if (errno != 0)
				log_warnx("master socket: %s", strerror(errno));
			exit(0);
		}
		switch (hdr.type) {
		case MSG_JOB_START:
			memcpy(&w.job, &w.in.job, sizeof(w.job));
			explicit_bzero(&w.in.job, sizeof(w.in.job));
			w.job_id = hdr.job_id;
			w.cancel = 0;
			if (w.job.prune)
				worker_prune(&w);
			else if (w.job.survey)
				worker_survey(&w);
			else if (w.job.restore)
				worker_restore(&w);
			else
				worker_run(&w);
			explicit_bzero(w.job.ctx.token,
			    sizeof(w.job.ctx.token));
			break;
		case MSG_SHUTDOWN:
			exit(0);
		case MSG_TOKEN:
			explicit_bzero(&w.in.token, sizeof(w.in.token));
			break;
		case MSG_JOB_CANCEL:
			break;	/* its job has ended since */
		default:
			log_warnx("unexpected %s", msg_type_name(hdr.type));
			exit(1);
		}
		if (w.shutdown)
			exit(0);
	}
}
