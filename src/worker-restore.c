/*
 * worker-restore.c: a restore, run by a worker in straight-line code.
 * It looks first (the target instance and its engine, the object, the
 * database), decides the steps by restore.c's rules, and says each one to
 * the master; a dry run stops there.  Then each step is one Cloud SQL
 * operation, started when the instance is free (a 409 waits, from
 * poll_initial doubling up to poll_max, until the deadline) and polled
 * until DONE.  A start whose answer was lost is not sent again: it may
 * have run, and a second import would load the data twice.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "gcp.h"
#include "http.h"
#include "log.h"
#include "msg.h"
#include "restore.h"
#include "worker-int.h"

struct worker_rs {
	struct worker	*w;
	char		 uri[GCP_URI_MAX + 1];
	char		 target[RESTORE_LABEL_MAX];	/* P/I */
	const char	*file_type;
	uint64_t	 size;
};

static void	 rs_fail(struct worker_rs *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
/* A step said to the master, which keeps the steps and tells the client. */
#define rs_say(rs, ...)	worker_say((rs)->w, (rs)->size, __VA_ARGS__)

/* Fail the restore for good with a message of ours. */
static void
rs_fail(struct worker_rs *rs, const char *fmt, ...)
{
	struct gcp_error err;
	va_list		 ap;

	memset(&err, 0, sizeof(err));
	err.st = GCP_PERMANENT;
	err.retry_after_ms = -1;
	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	worker_failed(rs->w, &err, 0, 0);
}

static enum gcp_status
rs_start(struct worker_rs *rs, int step, struct gcp_op *op,
    struct gcp_error *err)
{
	struct msg_job	*j = &rs->w->job;

	memset(err, 0, sizeof(*err));
	switch (step) {
	case RESTORE_STEP_DELETE:
		return (gcp_database_delete(&rs->w->gcp, &j->ctx, j->project,
		    j->instance, j->database, op, err));
	case RESTORE_STEP_CREATE:
		return (gcp_database_insert(&rs->w->gcp, &j->ctx, j->project,
		    j->instance, j->database, op, err));
	default:
		return (gcp_import_start(&rs->w->gcp, &j->ctx, j->project,
		    j->instance, j->database, rs->uri, rs->file_type, op,
		    err));
	}
}

/*
 * Run one step's operation to its end.  0 when it is DONE without error;
 * -1 with why in *errp (*op_failed: the operation itself failed), for the
 * caller to report.
 */
static int
rs_step(struct worker_rs *rs, int step, const char *doing,
    struct gcp_error *errp, int *op_failed)
{
	struct msg_job		*j = &rs->w->job;
	struct gcp_error	 err;
	struct gcp_op		 op;
	enum gcp_status		 st;
	int64_t			 delay = j->poll_initial_ms;
	int			 errors = 0, waited = 0;
	char			 name[GCP_OPERATION_MAX + 1];

	worker_title(rs->w, doing);
	for (;;) {
		st = rs_start(rs, step, &op, &err);
		if (st == GCP_OK)
			break;
		/* Refused before it started (busy, quota, 5xx): again. */
		if ((st == GCP_BUSY || (st == GCP_RETRY && err.http != 0 &&
		    !HTTP_STATUS_IS_SUCCESS(err.http))) &&
		    worker_now_ms() + delay < j->deadline_ms) {
			if (!waited++ || st != GCP_BUSY)
				rs_say(rs, "%s: %s; trying again within %llds",
				    rs->target, st == GCP_BUSY ? "another "
				    "operation holds the instance" :
				    err.message, (long long)(delay + 999) /
				    1000);
			if (worker_wait(rs->w, (int)delay) == MSG_SHUTDOWN)
				exit(0);
			delay *= 2;
			if (delay > j->poll_max_ms)
				delay = j->poll_max_ms;
			continue;
		}
		if (st == GCP_BUSY)
			gcp_error_set(&err, GCP_PERMANENT, "%s: still busy with "
			    "another operation at the deadline", rs->target);
		else if (err.http == 0 || HTTP_STATUS_IS_SUCCESS(err.http))
			gcp_error_set(&err, GCP_PERMANENT, "%s: the answer to "
			    "%s was lost (%s); it may have started: see gcloud "
			    "sql operations list --instance=%s before trying "
			    "again", rs->target, doing, err.message,
			    j->instance);
		*errp = err;
		*op_failed = 0;
		return (-1);
	}
	strlcpy(name, op.name, sizeof(name));
	rs_say(rs, "%s: operation %s", doing, name);
	delay = j->poll_initial_ms;
	for (;;) {
		if (worker_wait(rs->w, (int)delay) == MSG_SHUTDOWN)
			exit(0);
		delay *= 2;
		if (delay > j->poll_max_ms)
			delay = j->poll_max_ms;
		memset(&op, 0, sizeof(op));
		st = gcp_operation_get(&rs->w->gcp, &j->ctx, j->project, name,
		    &op, &err);
		if (st == GCP_RETRY && ++errors <= WORKER_POLL_ERRORS_MAX)
			continue;
		if (st != GCP_OK) {
			gcp_error_set(&err, GCP_PERMANENT, "%s: cannot watch "
			    "operation %s: %s", rs->target, name, err.message);
			*errp = err;
			*op_failed = 0;
			return (-1);
		}
		errors = 0;
		if (op.status != GCP_OP_DONE)
			continue;
		if (op.has_error) {
			gcp_error_set(&err, GCP_PERMANENT, "%s: operation %s "
			    "failed: %s: %s", doing, name, op.error_code,
			    op.error_message);
			*errp = err;
			*op_failed = 1;
			return (-1);
		}
		return (0);
	}
}

/*
 * A drill: the scratch instance of the export's engine becomes the
 * target, and the database a name of the drill's own (a MySQL dump keeps
 * its database's name); the master hears which.  0, or -1 once reported.
 */
static int
rs_drill_target(struct worker_rs *rs, struct gcp_instance *inst)
{
	struct msg_job	*j = &rs->w->job;
	struct msg_step	 m;
	struct gcp_error err;
	char		 p[GCP_PROJECT_ID_MAX + 1], i[GCP_INSTANCE_MAX + 1];
	char		 tried[RESTORE_TEXT_MAX];
	int		 k;

	tried[0] = '\0';
	for (k = 0; k < MSG_SCRATCH_MAX && j->scratch[k][0] != '\0'; k++) {
		if (restore_split(j->scratch[k], 2, p, sizeof(p), i, sizeof(i),
		    NULL, 0) == -1)
			continue;
		memset(inst, 0, sizeof(*inst));
		if (gcp_instance_get(&rs->w->gcp, &j->ctx, p, i, inst,
		    &err) != GCP_OK) {
			worker_log(rs->w, LOG_WARNING, "drill: scratch %s: %s",
			    j->scratch[k], err.message);
			continue;
		}
		if (inst->is_replica || !restore_same_engine(j->version,
		    inst->version)) {
			if (tried[0] != '\0')
				strlcat(tried, ", ", sizeof(tried));
			strlcat(tried, j->scratch[k], sizeof(tried));
			strlcat(tried, " (", sizeof(tried));
			strlcat(tried, inst->is_replica ? "replica" :
			    inst->version, sizeof(tried));
			strlcat(tried, ")", sizeof(tried));
			continue;
		}
		strlcpy(j->project, p, sizeof(j->project));
		strlcpy(j->instance, i, sizeof(j->instance));
		if (strncmp(inst->version, "MYSQL", 5) == 0)
			strlcpy(j->database, j->source_db, sizeof(j->database));
		else
			snprintf(j->database, sizeof(j->database),
			    "databackup_drill_%lld", (long long)-rs->w->job_id);
		snprintf(rs->target, sizeof(rs->target), "%s/%s", p, i);
		memset(&m, 0, sizeof(m));
		snprintf(m.text, sizeof(m.text), "drill: into scratch %s as "
		    "database %s", rs->target, j->database);
		strlcpy(m.project, j->project, sizeof(m.project));
		strlcpy(m.instance, j->instance, sizeof(m.instance));
		strlcpy(m.database, j->database, sizeof(m.database));
		worker_log(rs->w, LOG_INFO, "restore: %s", m.text);
		worker_send(rs->w, MSG_RESTORE_STEP, &m, sizeof(m));
		return (0);
	}
	rs_fail(rs, "no scratch instance for a %s export: [drill] scratch "
	    "has %s", j->version, tried[0] != '\0' ? tried : "none that "
	    "answers");
	return (-1);
}

/* Look, decide, say; then (not a dry run) do each step. */
void
worker_restore(struct worker *w)
{
	struct msg_job		*j = &w->job;
	struct worker_rs	 rs;
	struct gcp_instance	 inst;
	struct gcp_object	 obj;
	struct gcp_error	 err, err2;
	struct msg_done		 d;
	enum gcp_status		 st;
	const char		*db = j->database;
	char			 why[RESTORE_TEXT_MAX];
	int			 steps, exists, op_failed, op2;

	memset(&rs, 0, sizeof(rs));
	rs.w = w;
	snprintf(rs.uri, sizeof(rs.uri), "gs://%s/%s", j->bucket, j->object);
	snprintf(rs.target, sizeof(rs.target), "%s/%s", j->project,
	    j->instance);
	worker_title(w, "restore: looking");

	memset(&inst, 0, sizeof(inst));
	if (j->drill) {
		if (rs_drill_target(&rs, &inst) == -1)
			return;
	} else if ((st = gcp_instance_get(&w->gcp, &j->ctx, j->project,
	    j->instance, &inst, &err)) != GCP_OK) {
		rs_fail(&rs, "target instance %s: %s", rs.target,
		    err.message);
		return;
	}
	if (inst.is_replica) {
		rs_fail(&rs, "%s is a read replica: imports go to a primary",
		    rs.target);
		return;
	}
	if (!restore_same_engine(j->version, inst.version)) {
		rs_fail(&rs, "the export is of a %s database and %s runs %s",
		    j->version, rs.target, inst.version);
		return;
	}
	rs.file_type = gcp_engine_file_type(inst.version);
	if (restore_name_ok(inst.version, j->source_db, db, why,
	    sizeof(why)) == -1) {
		rs_fail(&rs, "%s", why);
		return;
	}

	memset(&obj, 0, sizeof(obj));
	if ((st = gcp_object_get(&w->gcp, &j->ctx, j->bucket, j->object, &obj,
	    &err)) != GCP_OK) {
		if (err.http == HTTP_STATUS_NOT_FOUND)
			rs_fail(&rs, "%s does not exist (deleted, or never "
			    "written)", rs.uri);
		else
			rs_fail(&rs, "%s: %s", rs.uri, err.message);
		return;
	}
	if (obj.size == 0) {
		rs_fail(&rs, "%s is empty", rs.uri);
		return;
	}
	rs.size = obj.size;

	st = gcp_database_get(&w->gcp, &j->ctx, j->project, j->instance, db,
	    &err);
	if (st == GCP_OK)
		exists = 1;
	else if (err.http == HTTP_STATUS_NOT_FOUND)
		exists = 0;
	else {
		rs_fail(&rs, "database %s on %s: %s", db, rs.target,
		    err.message);
		return;
	}
	/* A drill's scratch database is the drill's to replace. */
	if ((steps = restore_steps(inst.version, exists, j->replace ||
	    j->drill, why, sizeof(why))) == -1) {
		rs_fail(&rs, "%s/%s: %s", rs.target, db, why);
		return;
	}

	if (j->dry_run) {
		if (steps & RESTORE_STEP_DELETE)
			rs_say(&rs, "would delete database %s on %s (it "
			    "exists; --replace)", db, rs.target);
		if (steps & RESTORE_STEP_CREATE)
			rs_say(&rs, "would create database %s on %s", db,
			    rs.target);
		rs_say(&rs, "would import %s (%llu bytes, %s) into database "
		    "%s on %s (%s)", rs.uri, (unsigned long long)rs.size,
		    rs.file_type, db, rs.target, inst.version);
		goto done;
	}
	if ((steps & RESTORE_STEP_DELETE) && rs_step(&rs, RESTORE_STEP_DELETE,
	    "deleting database", &err, &op_failed) == -1)
		goto failed;
	if ((steps & RESTORE_STEP_CREATE) && rs_step(&rs, RESTORE_STEP_CREATE,
	    "creating database", &err, &op_failed) == -1)
		goto failed;
	rs_say(&rs, "importing %s (%llu bytes, %s) into database %s on %s",
	    rs.uri, (unsigned long long)rs.size, rs.file_type, db, rs.target);
	if (rs_step(&rs, RESTORE_STEP_IMPORT, "importing", &err,
	    &op_failed) == -1)
		goto failed;
	rs_say(&rs, "imported into database %s on %s", db, rs.target);
	if (j->drill) {
		if (rs_step(&rs, RESTORE_STEP_DELETE, "dropping the drill's "
		    "database", &err, &op_failed) == -1)
			goto failed;
		rs_say(&rs, "dropped database %s on %s: the drill leaves "
		    "nothing behind", db, rs.target);
	}
done:
	memset(&d, 0, sizeof(d));
	d.size = rs.size;
	memcpy(d.calls, w->calls, sizeof(d.calls));
	memset(w->calls, 0, sizeof(w->calls));
	worker_send(w, MSG_JOB_DONE, &d, sizeof(d));
	return;

failed:
	/* A drill cleans up after itself, even when the import failed. */
	if (j->drill && gcp_database_get(&w->gcp, &j->ctx, j->project,
	    j->instance, db, &err2) == GCP_OK) {
		if (rs_step(&rs, RESTORE_STEP_DELETE, "dropping the drill's "
		    "database", &err2, &op2) == 0)
			rs_say(&rs, "dropped database %s on %s", db,
			    rs.target);
		else
			rs_say(&rs, "could not drop database %s on %s: %s", db,
			    rs.target, err2.message);
	}
	worker_failed(w, &err, 0, op_failed);
}
