/*
 * emu_fleet.c: the fleet model (folders, projects, instances, databases,
 * buckets) and its JSON parser.  fleet_parse() takes a buffer so it can be
 * fuzzed; every error names the file and the JSON path of the culprit.
 * Nothing here knows HTTP; the API handlers read the model.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define FLEET_DEFAULT_RATE	50.0	/* MB per emulated second */
#define FLEET_DEFAULT_STARTUP	5.0
#define FLEET_DEFAULT_OFFLOAD	360.0	/* serverless export: > 5 min */
#define FLEET_DEFAULT_ORG	"100000000001"
#define FLEET_DEFAULT_USER	"databackup@databackup-admin.iam.gserviceaccount.com"

struct fleet_ctx {
	const char	*fname;
	char		*err;
	size_t		 errlen;
	struct emu_fleet *f;
};

static int fleet_folder_parse(struct fleet_ctx *, cJSON *, const char *,
    const char *, const char *);
static void fleet_replica_dbs(struct emu_project *, struct emu_instance *);
static int fleet_projects_parse(struct fleet_ctx *, cJSON *, const char *,
    const char *, const char *);

static int
fleet_err(struct fleet_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static int
fleet_err(struct fleet_ctx *c, const char *path, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path != NULL && *path != '\0')
		snprintf(c->err, c->errlen, "%s: %s: %s", c->fname, path, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->fname, msg);
	return (-1);
}

/*
 * Fetch an optional string member; a present non-string is an error.
 * *out is a new string (or a copy of def, or NULL).
 */
static int
get_str(struct fleet_ctx *c, cJSON *o, const char *path, const char *key,
    int required, const char *def, char **out)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (required)
			return (fleet_err(c, path, "\"%s\" missing", key));
		if (def != NULL)
			*out = xstrdup(def);
		return (0);
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return (fleet_err(c, path, "\"%s\" must be a string", key));
	if (required && *v->valuestring == '\0')
		return (fleet_err(c, path, "\"%s\" is empty", key));
	*out = xstrdup(v->valuestring);
	return (0);
}

/* A number, or a string of digits (64-bit integers arrive as strings). */
static int
get_num(struct fleet_ctx *c, cJSON *o, const char *path, const char *key,
    double def, double min, double *out)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);
	char	*end;

	*out = def;
	if (v == NULL)
		return (0);
	if (cJSON_IsNumber(v))
		*out = v->valuedouble;
	else if (cJSON_IsString(v) && v->valuestring != NULL) {
		errno = 0;
		*out = strtod(v->valuestring, &end);
		if (errno != 0 || end == v->valuestring || *end != '\0')
			return (fleet_err(c, path, "\"%s\" is not a number",
			    key));
	} else
		return (fleet_err(c, path, "\"%s\" must be a number", key));
	if (*out < min || *out > 1e15)
		return (fleet_err(c, path, "\"%s\" out of range", key));
	return (0);
}

static int
get_dur(struct fleet_ctx *c, cJSON *o, const char *path, const char *key,
    double def, int required, double *out)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = def;
	if (v == NULL) {
		if (required)
			return (fleet_err(c, path, "\"%s\" missing", key));
		return (0);
	}
	if (cJSON_IsNumber(v) && v->valuedouble >= 0) {
		*out = v->valuedouble;
		return (0);
	}
	if (!cJSON_IsString(v) || emu_parse_duration(v->valuestring, out) == -1)
		return (fleet_err(c, path, "\"%s\": bad duration (want e.g. "
		    "\"90s\", \"2m\", \"1h\")", key));
	return (0);
}

static int
get_array(struct fleet_ctx *c, cJSON *o, const char *path, const char *key,
    cJSON **out)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = v;
	if (v != NULL && !cJSON_IsArray(v))
		return (fleet_err(c, path, "\"%s\" must be an array", key));
	return (0);
}

static int
one_of(struct fleet_ctx *c, const char *path, const char *key,
    const char *val, const char *const *allowed)
{
	size_t	 i;

	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(val, allowed[i]) == 0)
			return (0);
	return (fleet_err(c, path, "\"%s\": unknown value \"%s\"", key, val));
}

static int
digits(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return (0);
	return (1);
}

static const char *const fleet_states[] = { "ACTIVE", "DELETE_REQUESTED",
    NULL };
static const char *const inst_states[] = { "RUNNABLE", "SUSPENDED",
    "PENDING_DELETE", "PENDING_CREATE", "MAINTENANCE", "FAILED", NULL };
static const char *const inst_types[] = { "CLOUD_SQL_INSTANCE",
    "READ_REPLICA_INSTANCE", "ON_PREMISES_INSTANCE", "READ_POOL_INSTANCE",
    NULL };
static const char *const activations[] = { "ALWAYS", "NEVER", "ON_DEMAND",
    NULL };

static int
fleet_db_parse(struct fleet_ctx *c, cJSON *o, const char *path,
    struct emu_db *d)
{
	cJSON	*fail;

	memset(d, 0, sizeof(*d));
	if (!cJSON_IsObject(o))
		return (fleet_err(c, path, "must be an object"));
	if (get_str(c, o, path, "name", 1, NULL, &d->name) == -1 ||
	    get_num(c, o, path, "sizeMb", 1, 0, &d->size_mb) == -1)
		return (-1);
	fail = cJSON_GetObjectItemCaseSensitive(o, "fail");
	if (fail == NULL || cJSON_IsFalse(fail))
		return (0);
	if (cJSON_IsTrue(fail)) {
		d->fail_code = xstrdup("ERROR_RDBMS");
		d->fail_msg = xstrdup("mysqldump: Got error: 1045: Access "
		    "denied while dumping the database");
	} else if (cJSON_IsString(fail)) {
		d->fail_code = xstrdup("ERROR_RDBMS");
		d->fail_msg = xstrdup(fail->valuestring);
	} else if (cJSON_IsObject(fail)) {
		if (get_str(c, fail, path, "code", 0, "ERROR_RDBMS",
		    &d->fail_code) == -1 ||
		    get_str(c, fail, path, "message", 0, "export failed",
		    &d->fail_msg) == -1)
			return (-1);
	} else
		return (fleet_err(c, path, "\"fail\" must be a boolean, "
		    "string or object"));
	return (0);
}

static int
fleet_instance_parse(struct fleet_ctx *c, cJSON *o, const char *path,
    struct emu_instance *in)
{
	cJSON	*a, *it, *un;
	char	 sub[512];
	double	 disk;
	size_t	 i;

	memset(in, 0, sizeof(*in));
	if (!cJSON_IsObject(o))
		return (fleet_err(c, path, "must be an object"));
	if (get_str(c, o, path, "name", 1, NULL, &in->name) == -1 ||
	    get_str(c, o, path, "databaseVersion", 1, NULL, &in->version) == -1 ||
	    get_str(c, o, path, "state", 0, "RUNNABLE", &in->state) == -1 ||
	    get_str(c, o, path, "instanceType", 0, "CLOUD_SQL_INSTANCE",
	    &in->type) == -1 ||
	    get_str(c, o, path, "masterInstanceName", 0, NULL,
	    &in->master) == -1 ||
	    get_str(c, o, path, "activationPolicy", 0, "ALWAYS",
	    &in->activation) == -1 ||
	    get_str(c, o, path, "region", 0, "europe-west1", &in->region) == -1 ||
	    get_str(c, o, path, "tier", 0, "db-custom-2-7680", &in->tier) == -1 ||
	    get_str(c, o, path, "availabilityType", 0, "ZONAL",
	    &in->availability) == -1 ||
	    get_str(c, o, path, "suspensionReason", 0, NULL,
	    &in->suspension) == -1 ||
	    get_num(c, o, path, "dataDiskSizeGb", 10, 1, &disk) == -1)
		return (-1);
	in->disk_gb = (int64_t)disk;
	un = cJSON_GetObjectItemCaseSensitive(o, "unreachable");
	if (un != NULL) {
		if (!cJSON_IsBool(un))
			return (fleet_err(c, path, "\"unreachable\" must be a "
			    "boolean"));
		in->unreachable = cJSON_IsTrue(un);
	}
	if (strncmp(in->version, "MYSQL_", 6) != 0 &&
	    strncmp(in->version, "POSTGRES_", 9) != 0 &&
	    strncmp(in->version, "SQLSERVER_", 10) != 0)
		return (fleet_err(c, path, "\"databaseVersion\": unknown "
		    "engine \"%s\"", in->version));
	if (one_of(c, path, "state", in->state, inst_states) == -1 ||
	    one_of(c, path, "instanceType", in->type, inst_types) == -1 ||
	    one_of(c, path, "activationPolicy", in->activation,
	    activations) == -1)
		return (-1);
	if (strcmp(in->type, "READ_REPLICA_INSTANCE") == 0 &&
	    in->master == NULL)
		return (fleet_err(c, path, "\"masterInstanceName\" missing "
		    "for a read replica"));

	if (get_array(c, o, path, "databases", &a) == -1)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(it, a) {
		in->dbs = xreallocarray(in->dbs, i + 1, sizeof(*in->dbs));
		in->ndbs = i + 1;
		snprintf(sub, sizeof(sub), "%.400s.databases[%zu]", path, i);
		if (fleet_db_parse(c, it, sub, &in->dbs[i]) == -1)
			return (-1);
		i++;
	}
	if (get_array(c, o, path, "busy", &a) == -1)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(it, a) {
		struct emu_busy *b;

		in->busy = xreallocarray(in->busy, i + 1, sizeof(*in->busy));
		in->nbusy = i + 1;
		b = &in->busy[i];
		memset(b, 0, sizeof(*b));
		snprintf(sub, sizeof(sub), "%.400s.busy[%zu]", path, i);
		if (!cJSON_IsObject(it))
			return (fleet_err(c, sub, "must be an object"));
		if (get_dur(c, it, sub, "at", 0, 1, &b->at) == -1 ||
		    get_dur(c, it, sub, "for", 0, 1, &b->dur) == -1 ||
		    get_str(c, it, sub, "type", 0, "BACKUP_VOLUME",
		    &b->type) == -1)
			return (-1);
		i++;
	}
	return (0);
}

static int
fleet_project_parse(struct fleet_ctx *c, cJSON *o, const char *path,
    const char *ptype, const char *pid, struct emu_project *p)
{
	cJSON	*a, *it, *en, *num;
	char	 sub[512], buf[64];
	size_t	 i, j;

	memset(p, 0, sizeof(*p));
	p->sql_enabled = 1;
	p->monitoring = 1;
	if (!cJSON_IsObject(o))
		return (fleet_err(c, path, "must be an object"));
	if (get_str(c, o, path, "projectId", 1, NULL, &p->id) == -1)
		return (-1);
	num = cJSON_GetObjectItemCaseSensitive(o, "projectNumber");
	if (num == NULL)
		return (fleet_err(c, path, "\"projectNumber\" missing"));
	if (cJSON_IsNumber(num) && num->valuedouble >= 1 &&
	    num->valuedouble < 1e15) {
		snprintf(buf, sizeof(buf), "%.0f", num->valuedouble);
		p->number = xstrdup(buf);
	} else if (cJSON_IsString(num) && digits(num->valuestring))
		p->number = xstrdup(num->valuestring);
	else
		return (fleet_err(c, path, "\"projectNumber\" must be digits"));
	if (get_str(c, o, path, "name", 0, p->id, &p->display) == -1 ||
	    get_str(c, o, path, "state", 0, "ACTIVE", &p->state) == -1 ||
	    one_of(c, path, "state", p->state, fleet_states) == -1)
		return (-1);
	en = cJSON_GetObjectItemCaseSensitive(o, "sqlApiEnabled");
	if (en != NULL) {
		if (!cJSON_IsBool(en))
			return (fleet_err(c, path, "\"sqlApiEnabled\" must be "
			    "a boolean"));
		p->sql_enabled = cJSON_IsTrue(en);
	}
	en = cJSON_GetObjectItemCaseSensitive(o, "monitoring");
	if (en != NULL) {
		if (!cJSON_IsBool(en))
			return (fleet_err(c, path, "\"monitoring\" must be "
			    "a boolean"));
		p->monitoring = cJSON_IsTrue(en);
	}
	p->parent_type = xstrdup(ptype);
	p->parent_id = xstrdup(pid);
	if (get_array(c, o, path, "instances", &a) == -1)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(it, a) {
		p->instances = xreallocarray(p->instances, i + 1,
		    sizeof(*p->instances));
		p->ninstances = i + 1;
		snprintf(sub, sizeof(sub), "%.400s.instances[%zu]", path, i);
		if (fleet_instance_parse(c, it, sub, &p->instances[i]) == -1)
			return (-1);
		for (j = 0; j < i; j++)
			if (strcmp(p->instances[j].name,
			    p->instances[i].name) == 0)
				return (fleet_err(c, sub, "duplicate instance "
				    "\"%s\"", p->instances[i].name));
		i++;
	}
	return (0);
}

static int
fleet_projects_parse(struct fleet_ctx *c, cJSON *o, const char *path,
    const char *ptype, const char *pid)
{
	struct emu_fleet *f = c->f;
	cJSON	*a, *it;
	char	 sub[512];
	size_t	 i = 0, j, k;

	if (get_array(c, o, path, "projects", &a) == -1)
		return (-1);
	cJSON_ArrayForEach(it, a) {
		if (*path != '\0')
			snprintf(sub, sizeof(sub), "%.400s.projects[%zu]", path, i);
		else
			snprintf(sub, sizeof(sub), "projects[%zu]", i);
		f->projects = xreallocarray(f->projects, f->nprojects + 1,
		    sizeof(*f->projects));
		k = f->nprojects++;
		if (fleet_project_parse(c, it, sub, ptype, pid,
		    &f->projects[k]) == -1)
			return (-1);
		for (j = 0; j < k; j++)
			if (strcmp(f->projects[j].id, f->projects[k].id) == 0 ||
			    strcmp(f->projects[j].number,
			    f->projects[k].number) == 0)
				return (fleet_err(c, sub, "duplicate project "
				    "\"%s\"", f->projects[k].id));
		i++;
	}
	return (0);
}

static int
fleet_folder_parse(struct fleet_ctx *c, cJSON *o, const char *path,
    const char *ptype, const char *pid)
{
	struct emu_fleet *f = c->f;
	struct emu_folder *fo;
	cJSON	*a, *it;
	char	 sub[512], *id;
	size_t	 i = 0, k, j;

	if (!cJSON_IsObject(o))
		return (fleet_err(c, path, "must be an object"));
	f->folders = xreallocarray(f->folders, f->nfolders + 1,
	    sizeof(*f->folders));
	k = f->nfolders++;
	fo = &f->folders[k];
	memset(fo, 0, sizeof(*fo));
	if (get_str(c, o, path, "id", 1, NULL, &fo->id) == -1 ||
	    get_str(c, o, path, "displayName", 1, NULL, &fo->display) == -1 ||
	    get_str(c, o, path, "state", 0, "ACTIVE", &fo->state) == -1 ||
	    one_of(c, path, "state", fo->state, fleet_states) == -1)
		return (-1);
	if (!digits(fo->id))
		return (fleet_err(c, path, "\"id\" must be digits"));
	for (j = 0; j < k; j++)
		if (strcmp(f->folders[j].id, fo->id) == 0)
			return (fleet_err(c, path, "duplicate folder \"%s\"",
			    fo->id));
	fo->parent_type = xstrdup(ptype);
	fo->parent_id = xstrdup(pid);
	id = xstrdup(fo->id);	/* fo moves when folders grows */
	if (get_array(c, o, path, "folders", &a) == -1) {
		free(id);
		return (-1);
	}
	cJSON_ArrayForEach(it, a) {
		snprintf(sub, sizeof(sub), "%.400s.folders[%zu]", path, i++);
		if (fleet_folder_parse(c, it, sub, "folder", id) == -1) {
			free(id);
			return (-1);
		}
	}
	if (fleet_projects_parse(c, o, path, "folder", id) == -1) {
		free(id);
		return (-1);
	}
	free(id);
	return (0);
}

static int
fleet_top_parse(struct fleet_ctx *c, cJSON *root)
{
	struct emu_fleet *f = c->f;
	cJSON	*a, *it;
	char	 sub[64];
	double	 v;
	size_t	 i = 0, j, k;

	if (!cJSON_IsObject(root))
		return (fleet_err(c, NULL, "top level must be an object"));
	if (get_num(c, root, "", "export_rate_mb_per_s", FLEET_DEFAULT_RATE,
	    0.000001, &f->export_rate) == -1 ||
	    get_dur(c, root, "", "export_startup", FLEET_DEFAULT_STARTUP, 0,
	    &f->startup) == -1 ||
	    get_dur(c, root, "", "offload_startup", FLEET_DEFAULT_OFFLOAD, 0,
	    &f->offload_startup) == -1 ||
	    get_num(c, root, "", "page_size", EMU_DEFAULT_PAGE_SIZE, 1,
	    &v) == -1)
		return (-1);
	f->page_size = v > 1000 ? 1000 : (int)v;
	if (get_num(c, root, "", "sql_page_size", 0, 0, &v) == -1)
		return (-1);
	f->sql_page_size = v > EMU_SQL_PAGE_MAX ? EMU_SQL_PAGE_MAX : (int)v;
	if (get_str(c, root, "", "organization", 0, FLEET_DEFAULT_ORG,
	    &f->organization) == -1 ||
	    get_str(c, root, "", "user", 0, FLEET_DEFAULT_USER, &f->user) == -1 ||
	    get_str(c, root, "", "quota_project_number", 0, NULL,
	    &f->quota_consumer) == -1)
		return (-1);
	if (!digits(f->organization))
		return (fleet_err(c, NULL, "\"organization\" must be digits"));

	if (get_array(c, root, "", "buckets", &a) == -1)
		return (-1);
	cJSON_ArrayForEach(it, a) {
		snprintf(sub, sizeof(sub), "buckets[%zu]", i++);
		if (!cJSON_IsString(it) || !gcs_valid_name(it->valuestring) ||
		    strchr(it->valuestring, '/') != NULL)
			return (fleet_err(c, sub, "must be a bucket name"));
		f->buckets = xreallocarray(f->buckets, f->nbuckets + 1,
		    sizeof(*f->buckets));
		f->buckets[f->nbuckets++] = xstrdup(it->valuestring);
	}
	if (get_array(c, root, "", "bucket_denied", &a) == -1)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(it, a) {
		snprintf(sub, sizeof(sub), "bucket_denied[%zu]", i++);
		if (!cJSON_IsString(it) ||
		    strncmp(it->valuestring, "storage.", 8) != 0)
			return (fleet_err(c, sub, "must be a storage "
			    "permission"));
		f->bucket_denied = xreallocarray(f->bucket_denied,
		    f->nbucket_denied + 1, sizeof(*f->bucket_denied));
		f->bucket_denied[f->nbucket_denied++] =
		    xstrdup(it->valuestring);
	}
	if (get_array(c, root, "", "folders", &a) == -1)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(it, a) {
		snprintf(sub, sizeof(sub), "folders[%zu]", i++);
		if (fleet_folder_parse(c, it, sub, "organization",
		    f->organization) == -1)
			return (-1);
	}
	if (fleet_projects_parse(c, root, "", "organization",
	    f->organization) == -1)
		return (-1);
	/* Back-pointers only now: the arrays no longer move. */
	for (j = 0; j < f->nprojects; j++)
		for (k = 0; k < f->projects[j].ninstances; k++) {
			f->projects[j].instances[k].project = &f->projects[j];
			fleet_replica_dbs(&f->projects[j],
			    &f->projects[j].instances[k]);
		}
	if (f->quota_consumer == NULL)
		f->quota_consumer = xstrdup(f->nprojects > 0 ?
		    f->projects[0].number : "0");
	return (0);
}

/*
 * A read replica that lists no databases of its own holds its primary's
 * (same project): shared, not copied.
 */
static void
fleet_replica_dbs(struct emu_project *p, struct emu_instance *in)
{
	size_t	 i;

	if (in->master == NULL || in->ndbs > 0 ||
	    strchr(in->master, ':') != NULL)
		return;
	for (i = 0; i < p->ninstances; i++)
		if (strcmp(p->instances[i].name, in->master) == 0 &&
		    p->instances[i].master == NULL) {
			in->dbs = p->instances[i].dbs;
			in->ndbs = p->instances[i].ndbs;
			in->dbs_shared = 1;
			return;
		}
}

/*
 * Parse a fleet description from buf.  Returns a new fleet (free with
 * fleet_free) or NULL with "FILE: path: message" in err.
 */
struct emu_fleet *
fleet_parse(const char *buf, size_t len, const char *fname, char *err,
    size_t errlen)
{
	struct fleet_ctx c;
	cJSON		*root;
	const char	*end = NULL;
	size_t		 off, line = 1, i;

	c.fname = fname;
	c.err = err;
	c.errlen = errlen;
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		off = (end != NULL && end >= buf) ? (size_t)(end - buf) : 0;
		if (off > len)
			off = len;
		for (i = 0; i < off; i++)
			if (buf[i] == '\n')
				line++;
		fleet_err(&c, NULL, "JSON syntax error at offset %zu "
		    "(line %zu)", off, line);
		return (NULL);
	}
	c.f = xcalloc(1, sizeof(*c.f));
	if (fleet_top_parse(&c, root) == -1) {
		cJSON_Delete(root);
		fleet_free(c.f);
		return (NULL);
	}
	cJSON_Delete(root);
	return (c.f);
}

struct emu_fleet *
fleet_load(const char *path, char *err, size_t errlen)
{
	struct emu_fleet *f;
	char		*buf;
	size_t		 len;

	if ((buf = emu_read_file(path, &len)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	f = fleet_parse(buf, len, path, err, errlen);
	free(buf);
	return (f);
}

static void
fleet_instance_free(struct emu_instance *in)
{
	size_t	 i;

	for (i = 0; i < in->ndbs && !in->dbs_shared; i++) {
		free(in->dbs[i].name);
		free(in->dbs[i].fail_code);
		free(in->dbs[i].fail_msg);
		free(in->dbs[i].charset);
		free(in->dbs[i].collation);
	}
	if (!in->dbs_shared)
		free(in->dbs);
	for (i = 0; i < in->nbusy; i++)
		free(in->busy[i].type);
	free(in->busy);
	free(in->name);
	free(in->version);
	free(in->state);
	free(in->type);
	free(in->master);
	free(in->activation);
	free(in->region);
	free(in->tier);
	free(in->availability);
	free(in->suspension);
}

void
fleet_free(struct emu_fleet *f)
{
	size_t	 i, j;

	if (f == NULL)
		return;
	for (i = 0; i < f->nprojects; i++) {
		struct emu_project *p = &f->projects[i];
		for (j = 0; j < p->ninstances; j++)
			fleet_instance_free(&p->instances[j]);
		free(p->instances);
		free(p->id);
		free(p->number);
		free(p->display);
		free(p->state);
		free(p->parent_type);
		free(p->parent_id);
	}
	free(f->projects);
	for (i = 0; i < f->nfolders; i++) {
		free(f->folders[i].id);
		free(f->folders[i].display);
		free(f->folders[i].state);
		free(f->folders[i].parent_type);
		free(f->folders[i].parent_id);
	}
	free(f->folders);
	for (i = 0; i < f->nbuckets; i++)
		free(f->buckets[i]);
	free(f->buckets);
	for (i = 0; i < f->nbucket_denied; i++)
		free(f->bucket_denied[i]);
	free(f->bucket_denied);
	free(f->organization);
	free(f->user);
	free(f->quota_consumer);
	free(f);
}

/* By project id or number; borrowed. */
struct emu_project *
fleet_project(struct emu_fleet *f, const char *id)
{
	size_t	 i;

	for (i = 0; i < f->nprojects; i++)
		if (strcmp(f->projects[i].id, id) == 0 ||
		    strcmp(f->projects[i].number, id) == 0)
			return (&f->projects[i]);
	return (NULL);
}

struct emu_instance *
fleet_instance(struct emu_project *p, const char *name)
{
	size_t	 i;

	for (i = 0; i < p->ninstances; i++)
		if (strcmp(p->instances[i].name, name) == 0)
			return (&p->instances[i]);
	return (NULL);
}

struct emu_folder *
fleet_folder(struct emu_fleet *f, const char *id)
{
	size_t	 i;

	for (i = 0; i < f->nfolders; i++)
		if (strcmp(f->folders[i].id, id) == 0)
			return (&f->folders[i]);
	return (NULL);
}

int
fleet_bucket(struct emu_fleet *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->nbuckets; i++)
		if (strcmp(f->buckets[i], name) == 0)
			return (1);
	return (0);
}

/* Cloud SQL: a stopped, suspended or unfinished instance is "not running". */
int
fleet_running(const struct emu_instance *in)
{
	return (strcmp(in->activation, "NEVER") != 0 &&
	    (strcmp(in->state, "RUNNABLE") == 0 ||
	    strcmp(in->state, "MAINTENANCE") == 0));
}
