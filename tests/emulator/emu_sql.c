/*
 * emu_sql.c: Cloud SQL Admin v1 and v1beta4 (same payloads): instances
 * list/get, databases list/get/insert/delete, instances export and import,
 * operations get/list/cancel.  Operations run on emulated time and are
 * evaluated lazily: sql_tick() finishes the ones whose end has passed,
 * writes export objects and reads import objects through emu_storage.c,
 * and adds or drops databases.  Google's rule of one admin operation per
 * instance is enforced here, with fleet busy windows as real
 * BACKUP_VOLUME/MAINTENANCE operations.  No socket code here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define SQL_DEFAULT_ROOT	"https://sqladmin.googleapis.com/"
#define SQL_CREATE_TIME		"2022-05-10T08:00:00.000Z"
#define SQL_MSG_NOT_RUNNING \
	"Invalid request: Invalid request since instance is not running."
/* Cloud SQL: one admin operation per instance; the exact 409 message. */
#define SQL_MSG_IN_PROGRESS "Operation failed because another operation " \
	"was already in progress. Try your request after the current " \
	"operation is complete."
#define SQL_MSG_REPLICA \
	"Invalid request: The requested operation is not valid for a " \
	"replica instance."
#define SQL_MSG_BAD_URI "Invalid request: Invalid URI. The URI must be " \
	"in the form gs://bucketName/fileName."
/* databases.insert/delete: emulated seconds queued, then running. */
#define SQL_DBOP_STARTUP	1
#define SQL_DBOP_LEN		2

static const char *const sys_mysql[] = { "information_schema", "mysql",
    "performance_schema", "sys", NULL };
static const char *const sys_postgres[] = { "postgres", NULL };
static const char *const sys_sqlserver[] = { "master", "model", "msdb",
    "tempdb", NULL };

const char *
sql_op_status_name(enum emu_op_status s)
{
	switch (s) {
	case OP_PENDING:
		return ("PENDING");
	case OP_RUNNING:
		return ("RUNNING");
	case OP_DONE:
		return ("DONE");
	}
	return ("SQL_OPERATION_STATUS_UNSPECIFIED");
}

enum emu_op_status
sql_op_status(struct emu *e, struct emu_op *op)
{
	double	 now = emu_now(e);

	if (op->done || now >= op->end)
		return (OP_DONE);
	if (now >= op->start)
		return (OP_RUNNING);
	return (OP_PENDING);
}

static const char *const *
sql_sysdbs(const struct emu_instance *in)
{
	if (strncmp(in->version, "MYSQL_", 6) == 0)
		return (sys_mysql);
	if (strncmp(in->version, "POSTGRES_", 9) == 0)
		return (sys_postgres);
	return (sys_sqlserver);
}

static const char *
sql_root(struct emu *e)
{
	return (e->base_url != NULL ? e->base_url : SQL_DEFAULT_ROOT);
}

/* Operation ids look like Google's: UUID-shaped, from the seeded RNG. */
static char *
sql_op_name(struct emu *e)
{
	uint64_t	 a = emu_rng_next(&e->rng), b = emu_rng_next(&e->rng);
	char		*s;

	xasprintf(&s, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
	    (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff,
	    (unsigned)(b >> 48), (unsigned long long)(b & 0xffffffffffffULL));
	return (s);
}

static struct emu_op *
sql_op_new(struct emu *e, struct emu_instance *in, const char *type)
{
	struct emu_op	*op = xcalloc(1, sizeof(*op));

	op->name = sql_op_name(e);
	op->type = xstrdup(type);
	op->instance = in;
	op->project = in->project;
	TAILQ_INSERT_TAIL(&e->ops, op, entry);
	return (op);
}

/* A foreign operation (backup, maintenance) holding the instance. */
struct emu_op *
sql_busy_start(struct emu *e, struct emu_instance *in, double at, double dur,
    const char *type)
{
	struct emu_op	*op = sql_op_new(e, in, type);

	op->insert = op->start = at;
	op->end = at + dur;
	return (op);
}

void
sql_ops_free(struct emu *e)
{
	struct emu_op	*op;

	while ((op = TAILQ_FIRST(&e->ops)) != NULL) {
		TAILQ_REMOVE(&e->ops, op, entry);
		free(op->name);
		free(op->type);
		free(op->database);
		free(op->uri);
		free(op->ctx);
		free(op->err_code);
		free(op->err_msg);
		free(op->fail_code);
		free(op->fail_msg);
		free(op);
	}
}

static void
sql_op_fail(struct emu_op *op, const char *code, const char *msg)
{
	op->err_code = xstrdup(code);
	op->err_msg = xstrdup(msg);
}

static const char *
sql_engine(const struct emu_instance *in)
{
	if (strncmp(in->version, "MYSQL_", 6) == 0)
		return ("MYSQL");
	if (strncmp(in->version, "POSTGRES_", 9) == 0)
		return ("POSTGRES");
	return ("SQLSERVER");
}

static int
sql_is_replica(const struct emu_instance *in)
{
	return (in->master != NULL ||
	    strcmp(in->type, "READ_REPLICA_INSTANCE") == 0);
}

static int
sql_db_known(struct emu_instance *in, const char *name, struct emu_db **dbp)
{
	const char *const *sys = sql_sysdbs(in);
	size_t	 i;

	*dbp = NULL;
	for (i = 0; i < in->ndbs; i++)
		if (strcmp(in->dbs[i].name, name) == 0) {
			*dbp = &in->dbs[i];
			return (1);
		}
	for (i = 0; sys[i] != NULL; i++)
		if (strcmp(sys[i], name) == 0)
			return (1);
	return (0);
}

/* A primary's database array moved: its sharing replicas follow. */
static void
sql_dbs_sync(struct emu_instance *in)
{
	struct emu_project *p = in->project;
	size_t	 i;

	for (i = 0; i < p->ninstances; i++)
		if (p->instances[i].dbs_shared &&
		    strcmp(p->instances[i].master, in->name) == 0) {
			p->instances[i].dbs = in->dbs;
			p->instances[i].ndbs = in->ndbs;
		}
}

static void
sql_db_add(struct emu_instance *in, const char *name, double mb,
    const char *charset, const char *collation)
{
	struct emu_db	*d;

	in->dbs = xreallocarray(in->dbs, in->ndbs + 1, sizeof(*in->dbs));
	d = &in->dbs[in->ndbs++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->size_mb = mb;
	if (charset != NULL)
		d->charset = xstrdup(charset);
	if (collation != NULL)
		d->collation = xstrdup(collation);
	sql_dbs_sync(in);
}

static int
sql_db_remove(struct emu_instance *in, const char *name)
{
	size_t	 i;

	for (i = 0; i < in->ndbs; i++)
		if (strcmp(in->dbs[i].name, name) == 0)
			break;
	if (i == in->ndbs)
		return (-1);
	free(in->dbs[i].name);
	free(in->dbs[i].fail_code);
	free(in->dbs[i].fail_msg);
	free(in->dbs[i].charset);
	free(in->dbs[i].collation);
	memmove(&in->dbs[i], &in->dbs[i + 1], (in->ndbs - i - 1) *
	    sizeof(*in->dbs));
	in->ndbs--;
	sql_dbs_sync(in);
	return (0);
}

/* The engine's own words for "that database already exists". */
static char *
sql_msg_db_exists(const struct emu_instance *in, const char *db)
{
	char	*m;

	if (strcmp(sql_engine(in), "MYSQL") == 0)
		xasprintf(&m, "Error 1007 (HY000): Can't create database "
		    "'%s'; database exists", db);
	else if (strcmp(sql_engine(in), "POSTGRES") == 0)
		xasprintf(&m, "ERROR:  database \"%s\" already exists", db);
	else
		xasprintf(&m, "Database '%s' already exists. Choose a "
		    "different database name.", db);
	return (m);
}

/* The engine's own words for a file that is not one of its dumps. */
static char *
sql_msg_bad_dump(const struct emu_instance *in, const char *uri)
{
	char	*m;

	if (strcmp(sql_engine(in), "MYSQL") == 0)
		m = xstrdup("ERROR 1064 (42000) at line 1: You have an error "
		    "in your SQL syntax; check the manual that corresponds to "
		    "your MySQL server version for the right syntax to use "
		    "near the start of the import file");
	else if (strcmp(sql_engine(in), "POSTGRES") == 0)
		m = xstrdup("ERROR:  syntax error at or near the start of the "
		    "import file: the input is not a PostgreSQL dump");
	else
		xasprintf(&m, "The media family on device '%s' is incorrectly "
		    "formed. SQL Server cannot process this media family. "
		    "RESTORE DATABASE is terminating abnormally.", uri);
	return (m);
}

/*
 * An import reaching DONE: read the object as it is now and apply it.
 * PostgreSQL imports into an existing database; SQL Server restores into
 * a new one; a MySQL dump names its own database (Google: the file's
 * database overrides importContext.database), else the context's.
 */
static void
sql_import_finish(struct emu *e, struct emu_op *op)
{
	struct emu_instance *in = op->instance;
	struct emu_dump	 d;
	struct emu_db	*db;
	const char	*eng = sql_engine(in), *target = op->database;
	char		*bucket, *obj, *msg = NULL;

	bucket = xstrdup(op->uri + 5);
	obj = strchr(bucket, '/');
	*obj++ = '\0';
	if (gcs_read_dump(e, bucket, obj, &d) == -1) {
		xasprintf(&msg, "The file %s does not exist or the Cloud SQL "
		    "instance service account does not have read access to "
		    "it.", op->uri);
		sql_op_fail(op, "ERROR_RDBMS", msg);
		goto done;
	}
	if (strcmp(eng, "MYSQL") == 0 && !d.corrupt && d.database != NULL &&
	    strcmp(d.database, "*") != 0 && strchr(d.database, ',') == NULL)
		target = d.database;
	if (strcmp(eng, "POSTGRES") == 0 && !sql_db_known(in, target, &db)) {
		xasprintf(&msg, "psql: error: connection to server failed: "
		    "FATAL:  database \"%s\" does not exist", target);
		sql_op_fail(op, "ERROR_RDBMS", msg);
	} else if (strcmp(eng, "SQLSERVER") == 0 &&
	    sql_db_known(in, target, &db)) {
		msg = sql_msg_db_exists(in, target);
		sql_op_fail(op, "ERROR_RDBMS", msg);
	} else if (d.corrupt || strcmp(d.engine, eng) != 0) {
		msg = sql_msg_bad_dump(in, op->uri);
		sql_op_fail(op, "ERROR_RDBMS", msg);
	} else if (target != NULL && !sql_db_known(in, target, &db))
		sql_db_add(in, target, d.size_mb, NULL, NULL);
done:
	free(msg);
	gcs_dump_free(&d);
	free(bucket);
}

static void
sql_export_finish(struct emu *e, struct emu_op *op)
{
	struct emu_dump	 d;
	char		*bucket, *obj, *path, *msg;

	/* uri was checked at export time: gs://bucket/object */
	bucket = xstrdup(op->uri + 5);
	obj = strchr(bucket, '/');
	*obj++ = '\0';
	memset(&d, 0, sizeof(d));
	d.engine = (char *)(uintptr_t)sql_engine(op->instance);
	d.project = op->project->id;
	d.instance = op->instance->name;
	d.database = op->database;
	d.size_mb = op->size_mb;
	if (gcs_object_path(e, bucket, obj, &path) == -1) {
		sql_op_fail(op, "ERROR_RDBMS", "Invalid destination URI.");
	} else if (access(path, F_OK) == 0) {
		xasprintf(&msg, "The destination file %s already exists. "
		    "Choose a different file name.", op->uri);
		sql_op_fail(op, "ERROR_RDBMS", msg);
		free(msg);
	} else if (gcs_write_export(e, path, &d, 0) == -1) {
		log_warn("sql_tick: write %s", path);
		sql_op_fail(op, "INTERNAL_ERROR", "An internal error has "
		    "occurred writing the export file.");
	}
	free(path);
	free(bucket);
}

/* databases.insert/delete reaching DONE. */
static void
sql_dbop_finish(struct emu_op *op)
{
	struct emu_instance *in = op->instance;
	struct emu_db	*db;
	cJSON		*j, *cs, *co;
	char		*msg;

	if (strcmp(op->type, "CREATE_DATABASE") == 0) {
		if (sql_db_known(in, op->database, &db)) {
			msg = sql_msg_db_exists(in, op->database);
			sql_op_fail(op, "ERROR_RDBMS", msg);
			free(msg);
			return;
		}
		j = op->ctx != NULL ? cJSON_Parse(op->ctx) : NULL;
		cs = cJSON_GetObjectItemCaseSensitive(j, "charset");
		co = cJSON_GetObjectItemCaseSensitive(j, "collation");
		sql_db_add(in, op->database, 0, cJSON_IsString(cs) &&
		    *cs->valuestring != '\0' ? cs->valuestring : NULL,
		    cJSON_IsString(co) && *co->valuestring != '\0' ?
		    co->valuestring : NULL);
		cJSON_Delete(j);
	} else if (sql_db_remove(in, op->database) == -1) {
		xasprintf(&msg, "Database '%s' does not exist.", op->database);
		sql_op_fail(op, "ERROR_RDBMS", msg);
		free(msg);
	}
}

/* Finish every operation whose end has passed and apply its effects. */
void
sql_tick(struct emu *e)
{
	struct emu_op	*op;
	double		 now = emu_now(e);

	TAILQ_FOREACH(op, &e->ops, entry) {
		if (op->done || now < op->end)
			continue;
		op->done = 1;
		if (!op->by_client)
			continue;
		if (op->fail_code != NULL) {
			sql_op_fail(op, op->fail_code, op->fail_msg);
			continue;
		}
		if (strcmp(op->type, "EXPORT") == 0)
			sql_export_finish(e, op);
		else if (strcmp(op->type, "IMPORT") == 0)
			sql_import_finish(e, op);
		else
			sql_dbop_finish(op);
	}
}

static cJSON *
sql_op_json(struct emu *e, struct emu_op *op, const char *prefix)
{
	enum emu_op_status st = sql_op_status(e, op);
	cJSON	*o = cJSON_CreateObject(), *er, *a, *x;
	char	*s;

	cJSON_AddStringToObject(o, "kind", "sql#operation");
	xasprintf(&s, "%s%s/projects/%s/instances/%s", sql_root(e), prefix,
	    op->project->id, op->instance->name);
	cJSON_AddStringToObject(o, "targetLink", s);
	free(s);
	cJSON_AddStringToObject(o, "status", sql_op_status_name(st));
	cJSON_AddStringToObject(o, "user", op->by_client ? e->fleet->user :
	    "cloud-sql-maintenance@google.com");
	/*
	 * Google stamps operations with its wall clock, which agrees with
	 * the client's: stamp the real times at which the emulated ones
	 * happen, so a time-scaled export looks short, not from the future.
	 */
	s = emu_rfc3339(emu_real_of(e, op->insert));
	cJSON_AddStringToObject(o, "insertTime", s);
	free(s);
	if (st != OP_PENDING) {
		s = emu_rfc3339(emu_real_of(e, op->start));
		cJSON_AddStringToObject(o, "startTime", s);
		free(s);
	}
	if (st == OP_DONE) {
		s = emu_rfc3339(emu_real_of(e, op->end));
		cJSON_AddStringToObject(o, "endTime", s);
		free(s);
		if (op->err_code != NULL) {
			er = cJSON_AddObjectToObject(o, "error");
			cJSON_AddStringToObject(er, "kind",
			    "sql#operationErrors");
			a = cJSON_AddArrayToObject(er, "errors");
			x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "kind", "sql#operationError");
			cJSON_AddStringToObject(x, "code", op->err_code);
			cJSON_AddStringToObject(x, "message", op->err_msg);
			cJSON_AddItemToArray(a, x);
		}
	}
	cJSON_AddStringToObject(o, "operationType", op->type);
	if (op->ctx != NULL && (strcmp(op->type, "EXPORT") == 0 ||
	    strcmp(op->type, "IMPORT") == 0) && (x = cJSON_Parse(op->ctx)) !=
	    NULL)
		cJSON_AddItemToObject(o, strcmp(op->type, "IMPORT") == 0 ?
		    "importContext" : "exportContext", x);
	cJSON_AddStringToObject(o, "name", op->name);
	cJSON_AddStringToObject(o, "targetId", op->instance->name);
	xasprintf(&s, "%s%s/projects/%s/operations/%s", sql_root(e), prefix,
	    op->project->id, op->name);
	cJSON_AddStringToObject(o, "selfLink", s);
	free(s);
	cJSON_AddStringToObject(o, "targetProject", op->project->id);
	return (o);
}

static cJSON *
sql_instance_json(struct emu *e, struct emu_instance *in, const char *prefix)
{
	struct emu_project *p = in->project;
	cJSON	*o = cJSON_CreateObject(), *s, *a, *x;
	char	*t, buf[64];
	size_t	 i;
	uint32_t h = emu_crc32c(0, in->name, strlen(in->name));

	cJSON_AddStringToObject(o, "kind", "sql#instance");
	cJSON_AddStringToObject(o, "state", in->state);
	cJSON_AddStringToObject(o, "databaseVersion", in->version);
	s = cJSON_AddObjectToObject(o, "settings");
	cJSON_AddStringToObject(s, "tier", in->tier);
	cJSON_AddStringToObject(s, "kind", "sql#settings");
	cJSON_AddStringToObject(s, "availabilityType", in->availability);
	cJSON_AddStringToObject(s, "pricingPlan", "PER_USE");
	cJSON_AddStringToObject(s, "replicationType", "SYNCHRONOUS");
	cJSON_AddStringToObject(s, "activationPolicy", in->activation);
	x = cJSON_AddObjectToObject(s, "ipConfiguration");
	cJSON_AddBoolToObject(x, "ipv4Enabled", 1);
	cJSON_AddStringToObject(x, "sslMode", "ALLOW_UNENCRYPTED_AND_ENCRYPTED");
	snprintf(buf, sizeof(buf), "%lld", (long long)in->disk_gb);
	cJSON_AddStringToObject(s, "dataDiskSizeGb", buf);
	cJSON_AddStringToObject(s, "dataDiskType", "PD_SSD");
	cJSON_AddStringToObject(s, "settingsVersion", "3");
	cJSON_AddBoolToObject(s, "storageAutoResize", 1);
	cJSON_AddStringToObject(s, "edition", "ENTERPRISE");
	x = cJSON_AddObjectToObject(s, "backupConfiguration");
	cJSON_AddStringToObject(x, "startTime", "02:00");
	cJSON_AddStringToObject(x, "kind", "sql#backupConfiguration");
	cJSON_AddBoolToObject(x, "enabled", 1);
	snprintf(buf, sizeof(buf), "\"%08x\"", h);
	cJSON_AddStringToObject(o, "etag", buf);
	a = cJSON_AddArrayToObject(o, "ipAddresses");
	x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "type", "PRIMARY");
	snprintf(buf, sizeof(buf), "34.%u.%u.%u", 64 + (h >> 24) % 64,
	    (h >> 16) & 0xff, 1 + (h & 0xfe));
	cJSON_AddStringToObject(x, "ipAddress", buf);
	cJSON_AddItemToArray(a, x);
	cJSON_AddStringToObject(o, "instanceType", in->type);
	if (in->master != NULL) {
		if (strchr(in->master, ':') != NULL)
			cJSON_AddStringToObject(o, "masterInstanceName",
			    in->master);
		else {
			xasprintf(&t, "%s:%s", p->id, in->master);
			cJSON_AddStringToObject(o, "masterInstanceName", t);
			free(t);
		}
	}
	a = cJSON_CreateArray();
	for (i = 0; i < p->ninstances; i++)
		if (p->instances[i].master != NULL &&
		    strcmp(p->instances[i].master, in->name) == 0)
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(p->instances[i].name));
	if (cJSON_GetArraySize(a) > 0)
		cJSON_AddItemToObject(o, "replicaNames", a);
	else
		cJSON_Delete(a);
	cJSON_AddStringToObject(o, "project", p->id);
	xasprintf(&t, "p%s-%06x@gcp-sa-cloud-sql.iam.gserviceaccount.com",
	    p->number, h & 0xffffff);
	cJSON_AddStringToObject(o, "serviceAccountEmailAddress", t);
	free(t);
	cJSON_AddStringToObject(o, "backendType", "SECOND_GEN");
	xasprintf(&t, "%s%s/projects/%s/instances/%s", sql_root(e), prefix,
	    p->id, in->name);
	cJSON_AddStringToObject(o, "selfLink", t);
	free(t);
	xasprintf(&t, "%s:%s:%s", p->id, in->region, in->name);
	cJSON_AddStringToObject(o, "connectionName", t);
	free(t);
	cJSON_AddStringToObject(o, "name", in->name);
	cJSON_AddStringToObject(o, "region", in->region);
	xasprintf(&t, "%s-b", in->region);
	cJSON_AddStringToObject(o, "gceZone", t);
	free(t);
	cJSON_AddStringToObject(o, "databaseInstalledVersion", in->version);
	cJSON_AddStringToObject(o, "createTime", SQL_CREATE_TIME);
	if (in->suspension != NULL) {
		a = cJSON_AddArrayToObject(o, "suspensionReason");
		cJSON_AddItemToArray(a, cJSON_CreateString(in->suspension));
	}
	return (o);
}

static cJSON *
sql_db_json(struct emu *e, struct emu_instance *in, const char *name,
    const struct emu_db *db, const char *prefix)
{
	cJSON	*o = cJSON_CreateObject(), *d;
	char	*t;
	int	 my = strncmp(in->version, "MYSQL_", 6) == 0;
	int	 pg = strncmp(in->version, "POSTGRES_", 9) == 0;

	cJSON_AddStringToObject(o, "kind", "sql#database");
	cJSON_AddStringToObject(o, "charset", db != NULL && db->charset !=
	    NULL ? db->charset : my ? "utf8mb4" : "UTF8");
	cJSON_AddStringToObject(o, "collation", db != NULL && db->collation !=
	    NULL ? db->collation : my ? "utf8mb4_0900_ai_ci" : pg ?
	    "en_US.UTF8" : "SQL_Latin1_General_CP1_CI_AS");
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "instance", in->name);
	xasprintf(&t, "%s%s/projects/%s/instances/%s/databases/%s",
	    sql_root(e), prefix, in->project->id, in->name, name);
	cJSON_AddStringToObject(o, "selfLink", t);
	free(t);
	cJSON_AddStringToObject(o, "project", in->project->id);
	if (!my && !pg) {
		d = cJSON_AddObjectToObject(o, "sqlserverDatabaseDetails");
		cJSON_AddNumberToObject(d, "compatibilityLevel", 150);
		cJSON_AddStringToObject(d, "recoveryModel", "FULL");
	}
	return (o);
}

static void
sql_invalid(struct emu_resp *resp, const char *msg)
{
	emu_gerror(resp, HTTP_BAD_REQUEST, "INVALID_ARGUMENT", "invalid", NULL,
	    msg, NULL);
}

static void
sql_no_instance(struct emu_resp *resp)
{
	emu_gerror(resp, HTTP_NOT_FOUND, "NOT_FOUND", "instanceDoesNotExist",
	    NULL, "The Cloud SQL instance does not exist.", NULL);
}

static void
sql_disabled(struct emu_resp *resp, struct emu_project *p)
{
	cJSON	*details, *d, *md;
	char	*msg, *c;

	xasprintf(&msg, "Cloud SQL Admin API has not been used in project %s "
	    "before or it is disabled. Enable it by visiting "
	    "https://console.developers.google.com/apis/api/"
	    "sqladmin.googleapis.com/overview?project=%s then retry. If you "
	    "enabled this API recently, wait a few minutes for the action to "
	    "propagate to our systems and retry.", p->number, p->number);
	details = cJSON_CreateArray();
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "@type",
	    "type.googleapis.com/google.rpc.ErrorInfo");
	cJSON_AddStringToObject(d, "reason", "SERVICE_DISABLED");
	cJSON_AddStringToObject(d, "domain", "googleapis.com");
	md = cJSON_AddObjectToObject(d, "metadata");
	xasprintf(&c, "projects/%s", p->number);
	cJSON_AddStringToObject(md, "consumer", c);
	free(c);
	cJSON_AddStringToObject(md, "service", "sqladmin.googleapis.com");
	cJSON_AddItemToArray(details, d);
	emu_gerror(resp, HTTP_FORBIDDEN, "PERMISSION_DENIED",
	    "accessNotConfigured", "usageLimits", msg, details);
	free(msg);
}

/* maxResults/pageToken for Cloud SQL lists; -1 after answering 400. */
static int
sql_page(struct emu *e, struct emu_req *req, struct emu_resp *resp,
    long *off, long *n)
{
	const char	*m = emu_query_get(&req->q, "maxResults");

	*n = EMU_SQL_PAGE_DEFAULT;
	if (m != NULL && *m != '\0') {
		if (emu_parse_int(m, 0, 0xffffffffL, n) == -1) {
			sql_invalid(resp, "Invalid request: Invalid value for "
			    "maxResults.");
			return (-1);
		}
		if (*n == 0)
			*n = EMU_SQL_PAGE_DEFAULT;
		if (*n > EMU_SQL_PAGE_MAX)
			*n = EMU_SQL_PAGE_MAX;
	}
	if (e->fleet->sql_page_size > 0 && *n > e->fleet->sql_page_size)
		*n = e->fleet->sql_page_size;
	if (emu_page_offset(emu_query_get(&req->q, "pageToken"), off) == -1) {
		sql_invalid(resp, "Invalid request: Invalid page token.");
		return (-1);
	}
	return (0);
}

static void
sql_page_out(cJSON *root, cJSON *items, long off, long n, long total)
{
	char	*tok;

	if (cJSON_GetArraySize(items) > 0)
		cJSON_AddItemToObject(root, "items", items);
	else
		cJSON_Delete(items);
	if (off + n < total) {
		tok = emu_page_token(off + n);
		cJSON_AddStringToObject(root, "nextPageToken", tok);
		free(tok);
	}
}

/*
 * An instance marked unreachable stands for its region not answering:
 * Cloud SQL then leaves the region's instances out of instances.list and
 * says so in warnings[] (ApiWarning), one REGION_UNREACHABLE per region.
 * Every page carries them.  NULL if every region answered.
 */
static cJSON *
sql_region_warnings(struct emu_project *p)
{
	cJSON	*a = NULL, *w, *it;
	size_t	 i;
	int	 dup;
	char	*msg;

	for (i = 0; i < p->ninstances; i++) {
		if (!p->instances[i].unreachable)
			continue;
		if (a == NULL)
			a = cJSON_CreateArray();
		dup = 0;
		cJSON_ArrayForEach(it, a) {
			if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it,
			    "region")), p->instances[i].region) == 0)
				dup = 1;
		}
		if (dup)
			continue;
		w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "code", "REGION_UNREACHABLE");
		xasprintf(&msg, "The region %s is unreachable. The result set "
		    "may be incomplete.", p->instances[i].region);
		cJSON_AddStringToObject(w, "message", msg);
		free(msg);
		cJSON_AddStringToObject(w, "region", p->instances[i].region);
		cJSON_AddItemToArray(a, w);
	}
	return (a);
}

static void
sql_instances_list(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_project *p, struct emu_resp *resp)
{
	struct emu_instance	**seen;
	cJSON			*root, *items, *warnings;
	long			 off, n, i, total = 0;

	if (sql_page(e, req, resp, &off, &n) == -1)
		return;
	seen = xcalloc(p->ninstances + 1, sizeof(*seen));
	for (i = 0; i < (long)p->ninstances; i++)
		if (!p->instances[i].unreachable)
			seen[total++] = &p->instances[i];
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "kind", "sql#instancesList");
	items = cJSON_CreateArray();
	for (i = off; i < total && i < off + n; i++)
		cJSON_AddItemToArray(items, sql_instance_json(e, seen[i],
		    r->sql_prefix));
	sql_page_out(root, items, off, n, total);
	if ((warnings = sql_region_warnings(p)) != NULL)
		cJSON_AddItemToObject(root, "warnings", warnings);
	free(seen);
	emu_resp_json(resp, HTTP_OK, root);
}

static void
sql_databases_list(struct emu *e, struct emu_route *r,
    struct emu_instance *in, struct emu_resp *resp)
{
	const char *const *sys = sql_sysdbs(in);
	cJSON	*root, *items;
	size_t	 i, j;

	if (!fleet_running(in) || strcmp(in->state, "RUNNABLE") != 0) {
		sql_invalid(resp, SQL_MSG_NOT_RUNNING);
		return;
	}
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "kind", "sql#databasesList");
	items = cJSON_CreateArray();
	for (i = 0; sys[i] != NULL; i++)
		cJSON_AddItemToArray(items, sql_db_json(e, in, sys[i], NULL,
		    r->sql_prefix));
	for (i = 0; i < in->ndbs; i++) {
		for (j = 0; sys[j] != NULL; j++)
			if (strcmp(sys[j], in->dbs[i].name) == 0)
				break;
		if (sys[j] == NULL)
			cJSON_AddItemToArray(items, sql_db_json(e, in,
			    in->dbs[i].name, &in->dbs[i], r->sql_prefix));
	}
	cJSON_AddItemToObject(root, "items", items);
	emu_resp_json(resp, HTTP_OK, root);
}

/* The operation holding the instance at emulated time now, if any. */
static struct emu_op *
sql_op_holding(struct emu *e, struct emu_instance *in, double now)
{
	struct emu_op	*op;

	TAILQ_FOREACH(op, &e->ops, entry)
		if (op->instance == in && op->insert <= now && now < op->end &&
		    !op->done)
			return (op);
	return (NULL);
}

/*
 * Cloud SQL: one admin operation per instance.  1 after answering the
 * exact 409 when another operation holds it, else 0.
 */
static int
sql_conflict(struct emu *e, struct emu_instance *in, double now,
    struct emu_resp *resp)
{
	struct emu_op	*hold;

	if ((hold = sql_op_holding(e, in, now)) == NULL)
		return (0);
	hold->conflicts++;
	if (hold->by_client)
		e->stats.conflicts_client++;
	else
		e->stats.conflicts_busy++;
	emu_gerror(resp, HTTP_CONFLICT, NULL, "operationInProgress", NULL,
	    SQL_MSG_IN_PROGRESS, NULL);
	return (1);
}

/* Running primary, else 1 after answering the 400. */
static int
sql_not_writable(struct emu_instance *in, struct emu_resp *resp)
{
	if (!fleet_running(in) || strcmp(in->state, "RUNNABLE") != 0) {
		sql_invalid(resp, SQL_MSG_NOT_RUNNING);
		return (1);
	}
	if (sql_is_replica(in)) {
		sql_invalid(resp, SQL_MSG_REPLICA);
		return (1);
	}
	return (0);
}

static void
sql_export(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_instance *in, struct emu_resp *resp, int op_error)
{
	cJSON		*body, *ctx, *v, *dbs, *it;
	struct emu_op	*op;
	struct emu_db	*db;
	const char	*ft, *uri, *slash, *fail_code = NULL, *bad = NULL;
	char		*bucket, *key, *msg = NULL, *names = NULL, *t;
	double		 now = emu_now(e), mb = 0;
	int		 ndb, offload, my, pg;
	size_t		 i;

	my = strncmp(in->version, "MYSQL_", 6) == 0;
	pg = strncmp(in->version, "POSTGRES_", 9) == 0;
	body = cJSON_ParseWithLength(req->body, req->bodylen);
	ctx = cJSON_GetObjectItemCaseSensitive(body, "exportContext");
	if (!cJSON_IsObject(ctx)) {
		cJSON_Delete(body);
		sql_invalid(resp, "Invalid request: exportContext is "
		    "required.");
		return;
	}
	if (!fleet_running(in) || strcmp(in->state, "RUNNABLE") != 0) {
		cJSON_Delete(body);
		sql_invalid(resp, SQL_MSG_NOT_RUNNING);
		return;
	}
	v = cJSON_GetObjectItemCaseSensitive(ctx, "fileType");
	ft = cJSON_IsString(v) ? v->valuestring : "SQL";
	v = cJSON_GetObjectItemCaseSensitive(ctx, "uri");
	uri = cJSON_IsString(v) ? v->valuestring : NULL;
	dbs = cJSON_GetObjectItemCaseSensitive(ctx, "databases");
	ndb = cJSON_GetArraySize(dbs);
	v = cJSON_GetObjectItemCaseSensitive(ctx, "offload");
	offload = cJSON_IsTrue(v);
	if (strcmp(ft, "SQL") != 0 && strcmp(ft, "CSV") != 0 &&
	    strcmp(ft, "BAK") != 0)
		bad = "Invalid request: Invalid file type.";
	else if (uri == NULL || strncmp(uri, "gs://", 5) != 0 ||
	    (slash = strchr(uri + 5, '/')) == NULL || slash == uri + 5 ||
	    slash[1] == '\0' || !gcs_valid_name(slash + 1))
		bad = SQL_MSG_BAD_URI;
	else if (dbs != NULL && !cJSON_IsArray(dbs))
		bad = "Invalid request: databases must be a list.";
	else if (!my && ndb != 1)
		bad = "Invalid request: Exactly one database must be "
		    "specified.";
	else if (!my && !pg && strcmp(ft, "BAK") != 0)
		bad = "Invalid request: SQL Server exports need fileType BAK.";
	else if ((my || pg) && strcmp(ft, "BAK") == 0)
		bad = "Invalid request: BAK export is for SQL Server only.";
	if (bad == NULL)
		cJSON_ArrayForEach(it, dbs)
			if (!cJSON_IsString(it) || *it->valuestring == '\0')
				bad = "Invalid request: Invalid database name.";
	if (bad != NULL) {
		cJSON_Delete(body);
		sql_invalid(resp, bad);
		return;
	}

	if (sql_conflict(e, in, now, resp)) {
		cJSON_Delete(body);
		return;
	}

	op = sql_op_new(e, in, "EXPORT");
	op->by_client = 1;
	op->uri = xstrdup(uri);
	if (ndb == 0) {
		names = xstrdup("*");
		for (i = 0; i < in->ndbs; i++)
			mb += in->dbs[i].size_mb;
	}
	cJSON_ArrayForEach(it, dbs) {
		if (names == NULL)
			names = xstrdup(it->valuestring);
		else {
			xasprintf(&t, "%s,%s", names, it->valuestring);
			free(names);
			names = t;
		}
		if (!sql_db_known(in, it->valuestring, &db)) {
			fail_code = "ERROR_RDBMS";
			free(msg);
			xasprintf(&msg, "Database '%s' does not exist.",
			    it->valuestring);
		} else if (db != NULL) {
			mb += db->size_mb;
			if (db->fail_code != NULL) {
				fail_code = db->fail_code;
				free(msg);
				msg = xstrdup(db->fail_msg);
			}
		} else if (strcmp(it->valuestring, "information_schema") == 0) {
			fail_code = "ERROR_RDBMS";
			free(msg);
			msg = xstrdup("mysqldump: Dumping 'information_schema' "
			    "DB content is not supported");
		}
	}
	bucket = xstrndup(uri + 5, (size_t)(strchr(uri + 5, '/') - uri - 5));
	if (fail_code == NULL && !fleet_bucket(e->fleet, bucket)) {
		fail_code = "ERROR_RDBMS";
		xasprintf(&msg, "The bucket %s does not exist or the instance "
		    "service account cannot write to it.", bucket);
	}
	free(bucket);
	if (op_error) {
		fail_code = "INTERNAL_ERROR";
		free(msg);
		msg = xstrdup("An internal error has occurred. Please retry.");
	}
	if (fail_code != NULL) {
		op->fail_code = xstrdup(fail_code);
		op->fail_msg = msg;
	}
	op->database = names;
	if (!cJSON_HasObjectItem(ctx, "kind"))
		cJSON_AddStringToObject(ctx, "kind", "sql#exportContext");
	op->ctx = cJSON_PrintUnformatted(ctx);
	op->insert = now;
	op->start = now + (offload ? e->fleet->offload_startup :
	    e->fleet->startup);
	op->end = op->start + mb / e->fleet->export_rate;
	op->size_mb = mb;
	xasprintf(&key, "%s/%s/%s", in->project->id, in->name, names);
	emu_counts_add(&e->stats.exports, key);
	free(key);
	cJSON_Delete(body);
	emu_resp_json(resp, HTTP_OK, sql_op_json(e, op, r->sql_prefix));
}

/*
 * instances.import: checked like an export at request time; the object
 * is read when the operation reaches DONE (sql_import_finish), its length
 * set by the data it holds and the fleet's rate.
 */
static void
sql_import(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_instance *in, struct emu_resp *resp, int op_error)
{
	cJSON		*body, *ctx, *v;
	struct emu_op	*op;
	struct emu_dump	 d;
	const char	*ft, *uri, *db, *slash, *bad = NULL, *eng;
	char		*bucket, *key;
	double		 now = emu_now(e);

	eng = sql_engine(in);
	body = cJSON_ParseWithLength(req->body, req->bodylen);
	ctx = cJSON_GetObjectItemCaseSensitive(body, "importContext");
	if (!cJSON_IsObject(ctx)) {
		cJSON_Delete(body);
		sql_invalid(resp, "Invalid request: importContext is "
		    "required.");
		return;
	}
	if (sql_not_writable(in, resp)) {
		cJSON_Delete(body);
		return;
	}
	v = cJSON_GetObjectItemCaseSensitive(ctx, "fileType");
	ft = cJSON_IsString(v) ? v->valuestring : "SQL";
	v = cJSON_GetObjectItemCaseSensitive(ctx, "uri");
	uri = cJSON_IsString(v) ? v->valuestring : NULL;
	v = cJSON_GetObjectItemCaseSensitive(ctx, "database");
	db = cJSON_IsString(v) && *v->valuestring != '\0' ? v->valuestring :
	    NULL;
	if (strcmp(ft, "SQL") != 0 && strcmp(ft, "BAK") != 0)
		bad = strcmp(ft, "CSV") == 0 ? "Invalid request: CSV import "
		    "is not emulated." : "Invalid request: Invalid file type.";
	else if (uri == NULL || strncmp(uri, "gs://", 5) != 0 ||
	    (slash = strchr(uri + 5, '/')) == NULL || slash == uri + 5 ||
	    slash[1] == '\0' || !gcs_valid_name(slash + 1))
		bad = SQL_MSG_BAD_URI;
	else if (v != NULL && !cJSON_IsString(v))
		bad = "Invalid request: Invalid database name.";
	else if (strcmp(eng, "SQLSERVER") == 0 && strcmp(ft, "BAK") != 0)
		bad = "Invalid request: SQL Server imports need fileType BAK.";
	else if (strcmp(eng, "SQLSERVER") != 0 && strcmp(ft, "BAK") == 0)
		bad = "Invalid request: BAK import is for SQL Server only.";
	else if (strcmp(eng, "MYSQL") != 0 && db == NULL)
		bad = "Invalid request: The database to import into must be "
		    "specified.";
	if (bad != NULL) {
		cJSON_Delete(body);
		sql_invalid(resp, bad);
		return;
	}
	if (sql_conflict(e, in, now, resp)) {
		cJSON_Delete(body);
		return;
	}

	op = sql_op_new(e, in, "IMPORT");
	op->by_client = 1;
	op->uri = xstrdup(uri);
	if (db != NULL)
		op->database = xstrdup(db);
	/* The length follows the data the object holds, as now. */
	bucket = xstrndup(uri + 5, (size_t)(strchr(uri + 5, '/') - uri - 5));
	if (gcs_read_dump(e, bucket, strchr(uri + 5, '/') + 1, &d) == 0)
		op->size_mb = d.size_mb;
	gcs_dump_free(&d);
	free(bucket);
	if (op_error) {
		op->fail_code = xstrdup("INTERNAL_ERROR");
		op->fail_msg = xstrdup("An internal error has occurred. "
		    "Please retry.");
	}
	if (!cJSON_HasObjectItem(ctx, "kind"))
		cJSON_AddStringToObject(ctx, "kind", "sql#importContext");
	op->ctx = cJSON_PrintUnformatted(ctx);
	op->insert = now;
	op->start = now + e->fleet->startup;
	op->end = op->start + op->size_mb / e->fleet->export_rate;
	xasprintf(&key, "%s/%s/%s", in->project->id, in->name,
	    db != NULL ? db : "*");
	emu_counts_add(&e->stats.imports, key);
	free(key);
	cJSON_Delete(body);
	emu_resp_json(resp, HTTP_OK, sql_op_json(e, op, r->sql_prefix));
}

static void
sql_no_database(struct emu_resp *resp)
{
	emu_gerror(resp, HTTP_NOT_FOUND, "NOT_FOUND", "notFound", NULL,
	    "The database does not exist.", NULL);
}

static int
sql_is_sysdb(const struct emu_instance *in, const char *name)
{
	const char *const *sys = sql_sysdbs(in);
	size_t	 i;

	for (i = 0; sys[i] != NULL; i++)
		if (strcmp(sys[i], name) == 0)
			return (1);
	return (0);
}

static void
sql_database_get(struct emu *e, struct emu_route *r, struct emu_instance *in,
    struct emu_resp *resp)
{
	struct emu_db	*db;

	if (!fleet_running(in) || strcmp(in->state, "RUNNABLE") != 0) {
		sql_invalid(resp, SQL_MSG_NOT_RUNNING);
		return;
	}
	if (!sql_db_known(in, r->database, &db)) {
		sql_no_database(resp);
		return;
	}
	emu_resp_json(resp, HTTP_OK, sql_db_json(e, in, r->database, db,
	    r->sql_prefix));
}

/*
 * databases.insert and databases.delete: short operations; the database
 * appears or goes when DONE.  An existing name is accepted and fails the
 * operation (gcloud: "Database creation failed. Check if a database named
 * X already exists."); an unknown one is a 404 for delete.
 */
static void
sql_database_op(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_instance *in, struct emu_resp *resp)
{
	cJSON		*body = NULL, *v;
	struct emu_op	*op;
	struct emu_db	*db;
	const char	*name;
	char		*msg;
	double		 now = emu_now(e);

	if (r->ep == EP_SQL_DATABASES_INSERT) {
		body = cJSON_ParseWithLength(req->body, req->bodylen);
		v = cJSON_GetObjectItemCaseSensitive(body, "name");
		if (!cJSON_IsObject(body) || !cJSON_IsString(v) ||
		    *v->valuestring == '\0' ||
		    strpbrk(v->valuestring, "/`'\"\\") != NULL) {
			cJSON_Delete(body);
			sql_invalid(resp, "Invalid request: Missing or invalid "
			    "database name.");
			return;
		}
		name = v->valuestring;
	} else
		name = r->database;
	if (sql_not_writable(in, resp)) {
		cJSON_Delete(body);
		return;
	}
	if (r->ep == EP_SQL_DATABASES_DELETE) {
		if (sql_is_sysdb(in, name)) {
			xasprintf(&msg, "Invalid request: %s is a system "
			    "database and cannot be deleted.", name);
			sql_invalid(resp, msg);
			free(msg);
			return;
		}
		if (!sql_db_known(in, name, &db)) {
			sql_no_database(resp);
			return;
		}
	}
	if (sql_conflict(e, in, now, resp)) {
		cJSON_Delete(body);
		return;
	}
	op = sql_op_new(e, in, r->ep == EP_SQL_DATABASES_INSERT ?
	    "CREATE_DATABASE" : "DELETE_DATABASE");
	op->by_client = 1;
	op->database = xstrdup(name);
	if (body != NULL)
		op->ctx = cJSON_PrintUnformatted(body);
	op->insert = now;
	op->start = now + SQL_DBOP_STARTUP;
	op->end = op->start + SQL_DBOP_LEN;
	cJSON_Delete(body);
	emu_resp_json(resp, HTTP_OK, sql_op_json(e, op, r->sql_prefix));
}

static struct emu_op *
sql_op_find(struct emu *e, struct emu_project *p, const char *name)
{
	struct emu_op	*op;
	double		 now = emu_now(e);

	TAILQ_FOREACH(op, &e->ops, entry)
		if (op->project == p && op->insert <= now &&
		    strcmp(op->name, name) == 0)
			return (op);
	return (NULL);
}

static int
op_newest_first(const void *a, const void *b)
{
	const struct emu_op *x = *(const struct emu_op *const *)a;
	const struct emu_op *y = *(const struct emu_op *const *)b;

	if (x->insert != y->insert)
		return (x->insert < y->insert ? 1 : -1);
	return (strcmp(x->name, y->name));
}

static void
sql_operations_list(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_project *p, struct emu_resp *resp)
{
	struct emu_op	**sel = NULL, *op;
	const char	 *inst = emu_query_get(&req->q, "instance");
	double		  now = emu_now(e);
	long		  off, n, k = 0, i;
	cJSON		 *root, *items;

	if (inst != NULL && *inst != '\0' && fleet_instance(p, inst) == NULL) {
		sql_no_instance(resp);
		return;
	}
	if (sql_page(e, req, resp, &off, &n) == -1)
		return;
	TAILQ_FOREACH(op, &e->ops, entry) {
		if (op->project != p || op->insert > now || (inst != NULL &&
		    *inst != '\0' && strcmp(op->instance->name, inst) != 0))
			continue;
		sel = xreallocarray(sel, (size_t)k + 1, sizeof(*sel));
		sel[k++] = op;
	}
	if (k > 1)
		qsort(sel, (size_t)k, sizeof(*sel), op_newest_first);
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "kind", "sql#operationsList");
	items = cJSON_CreateArray();
	for (i = off; i < k && i < off + n; i++)
		cJSON_AddItemToArray(items, sql_op_json(e, sel[i],
		    r->sql_prefix));
	sql_page_out(root, items, off, n, k);
	free(sel);
	emu_resp_json(resp, HTTP_OK, root);
}

/*
 * Cloud SQL Admin entry point.  op_error: a fault rule asks that an export
 * or import created by this request end DONE with INTERNAL_ERROR.
 */
void
sql_handle(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp, int op_error)
{
	struct emu_project	*p;
	struct emu_instance	*in = NULL;
	struct emu_op		*op;

	if ((p = fleet_project(e->fleet, r->project)) == NULL) {
		emu_gerror(resp, HTTP_FORBIDDEN, "PERMISSION_DENIED",
		    "notAuthorized", NULL, "The client is not authorized to "
		    "make this request.", NULL);
		return;
	}
	if (!p->sql_enabled) {
		sql_disabled(resp, p);
		return;
	}
	if (r->instance != NULL && (in = fleet_instance(p, r->instance)) ==
	    NULL) {
		sql_no_instance(resp);
		return;
	}
	switch (r->ep) {
	case EP_SQL_INSTANCES_LIST:
		sql_instances_list(e, req, r, p, resp);
		break;
	case EP_SQL_INSTANCES_GET:
		emu_resp_json(resp, HTTP_OK, sql_instance_json(e, in,
		    r->sql_prefix));
		break;
	case EP_SQL_DATABASES_LIST:
		sql_databases_list(e, r, in, resp);
		break;
	case EP_SQL_EXPORT:
		sql_export(e, req, r, in, resp, op_error);
		break;
	case EP_SQL_IMPORT:
		sql_import(e, req, r, in, resp, op_error);
		break;
	case EP_SQL_DATABASES_GET:
		sql_database_get(e, r, in, resp);
		break;
	case EP_SQL_DATABASES_INSERT:
	case EP_SQL_DATABASES_DELETE:
		sql_database_op(e, req, r, in, resp);
		break;
	case EP_SQL_OPERATIONS_LIST:
		sql_operations_list(e, req, r, p, resp);
		break;
	case EP_SQL_OPERATIONS_GET:
	case EP_SQL_OPERATIONS_CANCEL:
		if ((op = sql_op_find(e, p, r->operation)) == NULL) {
			emu_gerror(resp, HTTP_NOT_FOUND, "NOT_FOUND",
			    "operationDoesNotExist", NULL, "The Cloud SQL "
			    "operation does not exist.", NULL);
			break;
		}
		if (r->ep == EP_SQL_OPERATIONS_CANCEL) {
			if (!op->done && (strcmp(op->type, "EXPORT") == 0 ||
			    strcmp(op->type, "IMPORT") == 0)) {
				double now = emu_now(e);
				if (op->start > now)
					op->start = now;
				op->end = now;
				free(op->fail_code);
				free(op->fail_msg);
				op->fail_code = xstrdup("OPERATION_CANCELLED");
				op->fail_msg = xstrdup("The operation was "
				    "cancelled by the user.");
				sql_tick(e);
			}
			emu_resp_json(resp, HTTP_OK, cJSON_CreateObject());
		} else
			emu_resp_json(resp, HTTP_OK, sql_op_json(e, op,
			    r->sql_prefix));
		break;
	default:
		fatalx("sql_handle: endpoint %d", r->ep);
	}
}
