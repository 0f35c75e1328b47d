/*
 * discovery.c: the walk from folders to databases, on the master's loop.
 *
 * Each step is a request in a queue: list a folder's sub-folders, list its
 * projects, get an explicitly configured project, list a project's
 * instances, list an instance's databases.  Up to [discovery] concurrency
 * requests are in flight at once, so the walk takes a few round trips per
 * folder level rather than one request after another.  Transient errors are
 * retried with backoff; a 401 refreshes the token once; a token endpoint
 * that fails for a while is asked again while the retry window lasts.
 * Filtering happens as early as it can: an excluded project is not listed
 * at all.  A walk that could not see everything (instances.list warnings,
 * listings failed for good) names each such place in the result's partial
 * list.  Alongside a project's databases.list calls goes one Cloud
 * Monitoring call for its instances' disk bytes used; that request kind
 * is discovery-size.c's.  This file decides nothing about jobs; the
 * master turns targets into jobs.
 */
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "arena.h"
#include "auth.h"
#include "config.h"
#include "discovery-int.h"
#include "gcp.h"
#include "http.h"
#include "job.h"
#include "log.h"
#include "pacer.h"
#include "xmalloc.h"

/* Per request, for transient errors: a bad minute must not lose a project. */
#define DISC_TRIES_MAX		10
/*
 * Monitoring only improves a first estimate: a few tries, so a slow or
 * failing Monitoring never holds the walk up for long.
 */
#define DISC_SIZE_TRIES_MAX	3
#define DISC_BACKOFF_BASE_MS	500
#define DISC_BACKOFF_CAP_MS	16000
/*
 * No token (after auth.c's own few tries): ask again after at least the
 * base, the jitter's ceiling doubling to the cap, while the run's retry
 * window (from the walk's start) lasts.
 */
#define DISC_TOKEN_BASE_MS	2000
#define DISC_TOKEN_CAP_MS	60000

static int
disc_name_cmp(struct disc_name *a, struct disc_name *b)
{
	return (strcmp(a->name, b->name));
}
RB_PROTOTYPE(disc_names, disc_name, node, disc_name_cmp)
RB_GENERATE(disc_names, disc_name, node, disc_name_cmp)

static void	disc_pump(struct disc *);

static int64_t
disc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Returns 1 if name was new (and is now remembered). */
static int
disc_seen(struct disc *d, const char *name)
{
	struct disc_name	 key, *n;

	key.name = name;
	if (RB_FIND(disc_names, &d->seen, &key) != NULL)
		return (0);
	n = xcalloc(1, sizeof(*n));
	n->name = arena_strdup(d->names, name);
	RB_INSERT(disc_names, &d->seen, n);
	return (1);
}

struct disc_req *
disc_req_new(struct disc *d, enum disc_kind kind)
{
	struct disc_req	*r;

	r = xcalloc(1, sizeof(*r));
	r->d = d;
	r->kind = kind;
	r->project = r->folder = r->instance = r->version = "";
	return (r);
}

static void
disc_req_free(struct disc_req *r)
{
	if (r == NULL)
		return;
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->pace_ev != NULL)
		event_free(r->pace_ev);
	free(r->page);
	free(r);
}

void
disc_enqueue(struct disc *d, struct disc_req *r)
{
	TAILQ_INSERT_TAIL(&d->queue, r, entry);
}

static const char *
disc_kind_name(enum disc_kind k)
{
	switch (k) {
	case DISC_FOLDERS:
		return ("folders.list");
	case DISC_PROJECTS:
		return ("projects.list");
	case DISC_PROJECT_GET:
		return ("projects.get");
	case DISC_INSTANCES:
		return ("instances.list");
	case DISC_DATABASES:
		return ("databases.list");
	case DISC_BUCKET:
		return ("buckets.testIamPermissions");
	case DISC_SIZES:
		return ("timeSeries.list");
	}
	return ("?");
}

/* A project to look into: apply scope and whole-project exclusions. */
static void
disc_project(struct disc *d, const char *project)
{
	struct disc_req	*r;
	const char	*rule;
	char		 key[GCP_PROJECT_ID_MAX + 3];

	snprintf(key, sizeof(key), "p:%s", project);
	if (!disc_seen(d, key))
		return;
	if (!disc_pattern_match(d->pat, d->npat, project, NULL, NULL))
		return;
	d->res->projects++;
	if ((rule = config_exclude_match(*d->confp, project, NULL, NULL))) {
		disc_list_add(d->res, &d->res->excluded, project, NULL, NULL,
		    "%s", rule);
		return;
	}
	r = disc_req_new(d, DISC_INSTANCES);
	r->project = arena_strdup(d->res->strings, project);
	disc_enqueue(d, r);
}

static void
disc_folder(struct disc *d, const char *folder, int top)
{
	struct disc_req	*r;
	const char	*name;
	char		 key[GCP_FOLDER_MAX + 2];

	snprintf(key, sizeof(key), "f:%s", folder);
	if (!disc_seen(d, key))
		return;
	d->res->folders++;
	name = arena_strdup(d->names, folder);
	r = disc_req_new(d, DISC_FOLDERS);
	r->folder = name;
	r->top = top;
	disc_enqueue(d, r);
	r = disc_req_new(d, DISC_PROJECTS);
	r->folder = name;
	r->top = top;
	disc_enqueue(d, r);
}

static void
disc_folder_cb(const char *name, const char *state, void *arg)
{
	struct disc	*d = arg;
	const char	*id = name;

	if (strncmp(id, "folders/", 8) == 0)
		id += 8;
	if (state != NULL && *state != '\0' && strcmp(state, "ACTIVE") != 0) {
		disc_list_add(d->res, &d->res->skipped, name, NULL, NULL,
		    "folder state %s", state);
		return;
	}
	disc_folder(d, id, 0);
}

static void
disc_project_cb(const char *project, const char *state, void *arg)
{
	struct disc	*d = arg;

	if (state != NULL && *state != '\0' && strcmp(state, "ACTIVE") != 0) {
		disc_list_add(d->res, &d->res->skipped, project, NULL, NULL,
		    "project state %s", state);
		return;
	}
	disc_project(d, project);
}

/* Why an instance is not exported, or NULL if it is. */
static const char *
disc_instance_skip(const struct config *conf, const struct gcp_instance *in,
    char *buf, size_t len)
{
	if (strcmp(in->activation_policy, "NEVER") == 0)
		return ("stopped (activationPolicy NEVER)");
	/*
	 * Maintenance passes: its exports get Cloud SQL's 409 while the
	 * maintenance operation runs, and are tried again until it is over
	 * (within the retry window).  Other states have nothing to export.
	 */
	if (strcmp(in->state, "RUNNABLE") != 0 &&
	    strcmp(in->state, "MAINTENANCE") != 0) {
		snprintf(buf, len, "instance state %s", in->state);
		return (buf);
	}
	if (strcmp(in->backend_type, "EXTERNAL") == 0 ||
	    strcmp(in->instance_type, "ON_PREMISES_INSTANCE") == 0)
		return ("external instance: no data in Cloud SQL");
	if (strcmp(in->instance_type, "READ_POOL_INSTANCE") == 0)
		return ("read pool instance");
	if (in->is_replica && conf->skip_replicas)
		return ("read replica (skip_replicas)");
	return (NULL);
}

/*
 * Keep a read replica whose primary is in its own project (and that no
 * rule excludes), for disc_replicas_apply.
 */
static void
disc_replica_add(struct disc *d, const char *project,
    const struct gcp_instance *in)
{
	struct disc_result	*res = d->res;
	struct disc_replica	*rp;

	if (!in->is_replica || in->primary[0] == '\0' ||
	    (in->primary_project[0] != '\0' &&
	    strcmp(in->primary_project, project) != 0) ||
	    config_exclude_match(*d->confp, project, in->name, NULL) != NULL)
		return;
	if (res->nreplicas == res->replicas_cap) {
		res->replicas_cap = res->replicas_cap == 0 ? 16 :
		    res->replicas_cap * 2;
		res->replicas = xreallocarray(res->replicas,
		    res->replicas_cap, sizeof(*res->replicas));
	}
	rp = &res->replicas[res->nreplicas++];
	rp->project = project;
	rp->instance = arena_strdup(res->strings, in->name);
	rp->primary = arena_strdup(res->strings, in->primary);
	rp->healthy = strcmp(in->state, "RUNNABLE") == 0 &&
	    strcmp(in->activation_policy, "NEVER") != 0 &&
	    strcmp(in->instance_type, "READ_REPLICA_INSTANCE") == 0;
}

static void
disc_instance_cb(const struct gcp_instance *in, void *arg)
{
	struct disc_req		*pr = arg;
	struct disc		*d = pr->d;
	struct disc_req		*r;
	const char		*why, *rule;
	char			 buf[DISC_REASON_MAX];

	disc_replica_add(d, pr->project, in);
	if (!disc_pattern_match(d->pat, d->npat, pr->project, in->name, NULL))
		return;
	d->res->instances++;
	if ((rule = config_exclude_match(*d->confp, pr->project, in->name,
	    NULL)) != NULL) {
		disc_list_add(d->res, &d->res->excluded, pr->project, in->name,
		    NULL, "%s", rule);
		return;
	}
	if ((why = disc_instance_skip(*d->confp, in, buf, sizeof(buf)))) {
		disc_list_add(d->res, &d->res->skipped, pr->project, in->name,
		    NULL, "%s", why);
		return;
	}
	r = disc_req_new(d, DISC_DATABASES);
	r->project = pr->project;
	r->instance = arena_strdup(d->res->strings, in->name);
	r->version = arena_strdup(d->res->strings, in->version);
	r->disk_gb = in->data_disk_gb;
	disc_enqueue(d, r);
	disc_size_want(d, pr);
}

/* instances.list says its answer is incomplete: name the place. */
static void
disc_instance_warn_cb(const struct gcp_warning *w, void *arg)
{
	struct disc_req		*pr = arg;

	disc_partial_add(pr->d->res, pr->project, "", w->region, w->code,
	    w->message[0] != '\0' ? w->message : "instances.list warning");
}

static void
disc_database_cb(const char *name, void *arg)
{
	struct disc_req		*r = arg;
	struct disc		*d = r->d;
	struct disc_result	*res = d->res;
	struct disc_target	*t;
	const char		*rule;

	if (!disc_pattern_match(d->pat, d->npat, r->project, r->instance,
	    name))
		return;
	res->databases++;
	if (!(*d->confp)->include_system_databases &&
	    gcp_is_system_database(r->version, name)) {
		disc_list_add(res, &res->skipped, r->project, r->instance, name,
		    "system database");
		return;
	}
	if ((rule = config_exclude_match(*d->confp, r->project, r->instance,
	    name)) != NULL) {
		disc_list_add(res, &res->excluded, r->project, r->instance,
		    name, "%s", rule);
		return;
	}
	if (res->ntargets == res->cap) {
		res->cap = res->cap == 0 ? 64 : res->cap * 2;
		res->targets = xreallocarray(res->targets, res->cap,
		    sizeof(*res->targets));
	}
	t = &res->targets[res->ntargets++];
	memset(t, 0, sizeof(*t));
	t->project = r->project;
	t->instance = r->instance;
	t->database = arena_strdup(res->strings, name);
	t->version = r->version;
	t->disk_gb = r->disk_gb;
}

/* After an instance's databases are in: share its disk among them. */
static void
disc_count_instance_targets(struct disc_result *res, const char *project,
    const char *instance)
{
	size_t	i, n = 0;

	for (i = res->ntargets; i > 0; i--) {
		if (strcmp(res->targets[i - 1].project, project) != 0 ||
		    strcmp(res->targets[i - 1].instance, instance) != 0)
			break;
		n++;
	}
	for (i = res->ntargets - n; i < res->ntargets; i++)
		res->targets[i].ndatabases = (int)n;
}

/*
 * A 403 "API disabled" names the consumer project.  For a target project
 * that is the target itself (nothing to back up there: skip it); when two
 * different targets name the same consumer, it is the caller's own quota
 * project, and that is a configuration error to shout about, once.
 * Returns 1 if err was recorded as that error.
 */
static int
disc_own_disabled(struct disc *d, struct disc_req *r,
    const struct gcp_error *err)
{
	if (err->consumer[0] == '\0')
		return (0);
	if (d->disabled_consumer[0] == '\0') {
		strlcpy(d->disabled_consumer, err->consumer,
		    sizeof(d->disabled_consumer));
		strlcpy(d->disabled_project, r->project,
		    sizeof(d->disabled_project));
		return (0);
	}
	if (strcmp(d->disabled_consumer, err->consumer) != 0 ||
	    strcmp(d->disabled_project, r->project) == 0)
		return (0);
	if (!d->own_disabled) {
		d->own_disabled = 1;
		log_warnx("discovery: the Cloud SQL Admin API is disabled in "
		    "%s, the project every call is billed to (%s and %s both "
		    "name it): enable it there, or set [gcp] quota_project",
		    err->consumer, d->disabled_project, r->project);
	}
	disc_list_add(d->res, &d->res->errors, r->project, NULL, NULL,
	    "Cloud SQL Admin API disabled in the caller's project %s: %s",
	    err->consumer, err->message);
	return (1);
}

/*
 * r's listing could not be made: the place it was for (its folder,
 * project or instance) is partial, whatever else the error was filed as.
 */
static void
disc_req_partial(struct disc_req *r, const char *msg)
{
	char	 where[GCP_FOLDER_MAX + 16], text[DISC_REASON_MAX];

	if (r->folder[0] != '\0')
		snprintf(where, sizeof(where), "folders/%s", r->folder);
	else
		strlcpy(where, r->project, sizeof(where));
	snprintf(text, sizeof(text), "%s: %s", disc_kind_name(r->kind), msg);
	disc_partial_add(r->d->res, where, r->instance, "",
	    DISC_PARTIAL_FAILED, text);
}

/* The bucket test failed: say what it means for the exports. */
static void
disc_bucket_error(struct disc_result *res, const char *bucket,
    const struct gcp_error *err)
{
	char	 text[GCP_MESSAGE_MAX + GCP_BUCKET_MAX + 96];

	res->bucket_checked = 1;
	if (err->http == HTTP_STATUS_NOT_FOUND)
		snprintf(text, sizeof(text), "no such bucket; create it "
		    "(gcloud storage buckets create gs://%s) or fix [export] "
		    "bucket", bucket);
	else
		snprintf(text, sizeof(text), "its permissions could not be "
		    "tested: %s", err->message);
	res->bucket_problem = arena_strdup(res->strings, text);
}

/* The request failed for good: record it where it belongs. */
static void
disc_req_error(struct disc_req *r, const struct gcp_error *err)
{
	struct disc		*d = r->d;
	struct disc_result	*res = d->res;
	char			 what[128];

	if (r->kind == DISC_BUCKET) {
		disc_bucket_error(res, (*d->confp)->bucket, err);
		return;
	}
	if (r->kind == DISC_SIZES) {
		disc_size_failed(r, err);	/* never a discovery error */
		return;
	}
	if (err->st != GCP_RETRY && err->st != GCP_BUSY)
		res->lasting = 1;
	switch (r->kind) {
	case DISC_FOLDERS:
	case DISC_PROJECTS:
		snprintf(what, sizeof(what), "folders/%s", r->folder);
		disc_list_add(res, &res->errors, what, NULL, NULL, "%s: %s",
		    disc_kind_name(r->kind), err->message);
		if (r->top)
			d->top_failed++;
		disc_req_partial(r, err->message);
		break;
	case DISC_PROJECT_GET:
		disc_list_add(res, &res->errors, r->project, NULL, NULL,
		    "projects.get: %s", err->message);
		disc_req_partial(r, err->message);
		break;
	case DISC_INSTANCES:
		if (gcp_error_api_disabled(err) && disc_own_disabled(d, r,
		    err)) {
			disc_req_partial(r, err->message);
			break;
		}
		if (gcp_error_api_disabled(err)) {
			res->api_disabled++;
			disc_list_add(res, &res->skipped, r->project, NULL,
			    NULL, "Cloud SQL Admin API disabled");
			break;
		}
		disc_list_add(res, &res->errors, r->project, NULL, NULL,
		    "instances.list: %s", err->message);
		disc_req_partial(r, err->message);
		break;
	case DISC_DATABASES:
		if (err->http == HTTP_STATUS_BAD_REQUEST) {
			/* Cloud SQL: "instance is not running". */
			disc_list_add(res, &res->skipped, r->project,
			    r->instance, NULL, "not running: %s",
			    err->message);
			break;
		}
		disc_list_add(res, &res->errors, r->project, r->instance, NULL,
		    "databases.list: %s", err->message);
		disc_req_partial(r, err->message);
		break;
	case DISC_BUCKET:
	case DISC_SIZES:
		break;		/* above */
	}
	log_warnx("discovery: %s %s%s%s%s: %s", disc_kind_name(r->kind),
	    r->folder[0] != '\0' ? "folders/" : r->project,
	    r->folder[0] != '\0' ? r->folder : "",
	    r->instance[0] != '\0' ? "/" : "", r->instance, err->message);
}

/* The bucket test's answer: a problem unless every permission is held. */
static int
disc_bucket_parse(struct disc *d, const char *body, size_t len,
    struct gcp_error *err)
{
	struct gcp_perms	 p;
	char			 text[DISC_REASON_MAX];

	gcp_bucket_perms_ask(&p, (*d->confp)->keep_daily > 0 ||
	    (*d->confp)->keep_weekly > 0 || (*d->confp)->keep_monthly > 0);
	if (gcp_parse_perms(body, len, &p, err) == -1)
		return (-1);
	d->res->bucket_checked = 1;
	gcp_bucket_problem(&p, (*d->confp)->bucket, "the daemon's account",
	    text, sizeof(text));
	if (text[0] != '\0')
		d->res->bucket_problem = arena_strdup(d->res->strings, text);
	return (0);
}

/* A page answer: parse it, spawn what it names, queue the next page. */
static int
disc_req_parse(struct disc_req *r, const char *body, size_t len,
    struct gcp_error *err)
{
	struct disc	*d = r->d;
	char		*next = NULL, state[32], id[GCP_PROJECT_ID_MAX + 1];
	int		 rv = 0;

	switch (r->kind) {
	case DISC_FOLDERS:
		rv = gcp_parse_folders(body, len, disc_folder_cb, d, &next,
		    err);
		break;
	case DISC_PROJECTS:
		rv = gcp_parse_projects(body, len, disc_project_cb, d, &next,
		    err);
		break;
	case DISC_PROJECT_GET:
		rv = gcp_parse_project(body, len, id, sizeof(id), state,
		    sizeof(state), err);
		if (rv == 0)
			disc_project_cb(id, state, d);
		break;
	case DISC_INSTANCES:
		rv = gcp_parse_instances(body, len, disc_instance_cb,
		    disc_instance_warn_cb, r, &next, err);
		break;
	case DISC_DATABASES:
		rv = gcp_parse_databases(body, len, disc_database_cb, r, err);
		if (rv == 0)
			disc_count_instance_targets(d->res, r->project,
			    r->instance);
		break;
	case DISC_BUCKET:
		rv = disc_bucket_parse(d, body, len, err);
		break;
	case DISC_SIZES:
		rv = disc_size_parse(r, body, len, &next, err);
		break;
	}
	if (rv != 0) {
		free(next);
		return (-1);
	}
	if (next != NULL && *next != '\0') {
		if (r->page != NULL && strcmp(r->page, next) == 0) {
			gcp_error_set(err, GCP_PERMANENT, "%s: the same page "
			    "token came back: stopping", disc_kind_name(r->kind));
			free(next);
			return (-1);
		}
		free(r->page);
		r->page = next;
		r->tries = 0;
		r->auth_retried = 0;
		TAILQ_INSERT_HEAD(&d->queue, r, entry);
		return (1);	/* r lives on */
	}
	free(next);
	return (0);
}

static void
disc_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct disc_req	*r = arg;
	struct disc	*d = r->d;

	TAILQ_REMOVE(&d->waiting, r, entry);
	TAILQ_INSERT_HEAD(&d->queue, r, entry);
	disc_pump(d);
}

static void
disc_http_cb(struct http_response *resp, void *arg)
{
	struct disc_req		*r = arg;
	struct disc		*d = r->d;
	struct gcp_error	 err;
	enum gcp_status		 st;
	struct timeval		 tv;
	int64_t			 wait;
	uint32_t		 rnd;
	int			 rv;

	d->in_flight--;
	d->res->requests++;
	memset(&err, 0, sizeof(err));
	st = gcp_classify(resp->status, resp->body, resp->len,
	    resp->retry_after, resp->curl_code, resp->error, &err);
	if (st == GCP_OK) {
		rv = disc_req_parse(r, resp->body, resp->len, &err);
		if (rv == 1)
			goto out;
		if (rv == 0) {
			disc_req_free(r);
			goto out;
		}
		st = err.st;
	}
	if (st == GCP_AUTH && !r->auth_retried) {
		auth_invalidate(d->auth, d->ctx.token);
		r->auth_retried = 1;
		TAILQ_INSERT_HEAD(&d->queue, r, entry);
		goto out;
	}
	if ((st == GCP_RETRY || st == GCP_BUSY) &&
	    ++r->tries < (r->kind == DISC_SIZES ? DISC_SIZE_TRIES_MAX :
	    DISC_TRIES_MAX)) {
		rnd = arc4random();
		wait = DISC_BACKOFF_BASE_MS << (r->tries - 1);
		if (wait > DISC_BACKOFF_CAP_MS)
			wait = DISC_BACKOFF_CAP_MS;
		wait = wait / 2 + rnd % (wait / 2 + 1);
		if (err.retry_after_ms > wait)
			wait = err.retry_after_ms;
		log_debug("discovery: %s: %s, retry in %lld ms",
		    disc_kind_name(r->kind), err.message, (long long)wait);
		if (r->timer == NULL)
			r->timer = evtimer_new(d->base, disc_retry_cb, r);
		tv.tv_sec = wait / 1000;
		tv.tv_usec = (wait % 1000) * 1000;
		evtimer_add(r->timer, &tv);
		TAILQ_INSERT_TAIL(&d->waiting, r, entry);
		goto out;
	}
	disc_req_error(r, &err);
	disc_req_free(r);
out:
	disc_pump(d);
}

static char *
disc_req_url(struct disc_req *r)
{
	struct disc	*d = r->d;
	struct gcp_perms p;

	switch (r->kind) {
	case DISC_FOLDERS:
		return (gcp_url_folders_list(&d->ctx, r->folder, r->page));
	case DISC_PROJECTS:
		return (gcp_url_projects_list(&d->ctx, r->folder, r->page));
	case DISC_PROJECT_GET:
		return (gcp_url_project_get(&d->ctx, r->project));
	case DISC_INSTANCES:
		return (gcp_url_instances_list(&d->ctx, r->project, r->page));
	case DISC_DATABASES:
		return (gcp_url_databases_list(&d->ctx, r->project,
		    r->instance));
	case DISC_BUCKET:
		gcp_bucket_perms_ask(&p, (*d->confp)->keep_daily > 0 ||
		    (*d->confp)->keep_weekly > 0 ||
		    (*d->confp)->keep_monthly > 0);
		return (gcp_url_bucket_test(&d->ctx, (*d->confp)->bucket,
		    p.asked));
	case DISC_SIZES:
		return (disc_size_url(r));
	}
	return (NULL);
}

static void
disc_done_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct disc		*d = arg;
	struct disc_result	*res = d->res;
	disc_cb			 cb = d->cb;
	void			*cbarg = d->arg;

	res->ended_ms = disc_now_ms();
	disc_size_apply(d);
	disc_replicas_apply(res,
	    strcmp((*d->confp)->from_replica, "prefer") == 0);
	if ((*d->confp)->nfolders > 0 && d->top_failed ==
	    (int)(*d->confp)->nfolders * 2 && res->projects == 0)
		res->failed = 1;
	if (res->projects == 0 && res->errors.n > 0 && res->ntargets == 0)
		res->failed = 1;
	d->res = NULL;
	disc_cancel(d);
	cb(res, cbarg);
}

static void	disc_token_cb(const char *, const struct gcp_error *, void *);

/* The wait after a failed ask is over: ask again. */
static void
disc_token_again_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct disc	*d = arg;

	auth_get(d->auth, disc_token_cb, d);
}

/*
 * No token, for a reason that may pass (the token endpoint answered 5xx
 * or could not be reached): ask again later, with capped exponential
 * backoff and jitter, while the retry window from the walk's start
 * lasts; the last ask comes at the window's end.  Returns 1 if an ask is
 * scheduled (wanting_token stays set, so nothing is sent meanwhile).
 */
static int
disc_token_retry(struct disc *d, const struct gcp_error *err)
{
	struct timeval	 tv;
	int64_t		 left, wait;

	if (err == NULL || err->st != GCP_RETRY || d->no_token_retry)
		return (0);
	left = d->res->started_ms + (int64_t)(*d->confp)->retry_window_ms -
	    disc_now_ms();
	if (left <= 0)
		return (0);
	d->token_tries++;
	wait = DISC_TOKEN_BASE_MS + job_backoff_ms(d->token_tries,
	    DISC_TOKEN_BASE_MS, DISC_TOKEN_CAP_MS - DISC_TOKEN_BASE_MS,
	    arc4random());
	if (wait > left)
		wait = left;
	log_warnx("discovery: no access token (%s), retrying in %lld s",
	    err->message, (long long)(wait + 999) / 1000);
	if (d->token_ev == NULL)
		d->token_ev = evtimer_new(d->base, disc_token_again_cb, d);
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(d->token_ev, &tv);
	d->wanting_token = 1;
	return (1);
}

static void
disc_token_cb(const char *token, const struct gcp_error *err, void *arg)
{
	struct disc	*d = arg;
	struct disc_req	*r;
	char		 msg[GCP_MESSAGE_MAX + 32];

	d->wanting_token = 0;
	if (token != NULL)
		d->token_tries = 0;
	else if (disc_token_retry(d, err))
		return;
	else {
		/* No credentials: everything left fails with the reason. */
		if (err == NULL || err->st != GCP_RETRY)
			d->res->lasting = 1;
		snprintf(msg, sizeof(msg), "no access token: %s", err != NULL ?
		    err->message : "unknown error");
		while ((r = TAILQ_FIRST(&d->queue)) != NULL) {
			TAILQ_REMOVE(&d->queue, r, entry);
			if (r->kind == DISC_BUCKET) {
				d->res->bucket_checked = 1;
				d->res->bucket_problem = arena_strdup(
				    d->res->strings, msg);
				disc_req_free(r);
				continue;
			}
			if (r->kind == DISC_SIZES) {
				disc_size_failed(r, err);
				disc_req_free(r);
				continue;
			}
			if (r->top)
				d->top_failed++;
			disc_list_add(d->res, &d->res->errors,
			    r->folder[0] != '\0' ? r->folder : r->project,
			    NULL, NULL, "%s", msg);
			disc_req_partial(r, msg);
			disc_req_free(r);
		}
		d->res->failed = 1;
	}
	disc_pump(d);
}

/*
 * Cloud SQL Admin requests count against the shared budget; Monitoring's
 * (DISC_SIZES) are not Cloud SQL Admin calls and take no slot.
 */
static int
disc_kind_sql(enum disc_kind k)
{
	return (k == DISC_INSTANCES || k == DISC_DATABASES);
}

/* A request's slot has come: send it first. */
static void
disc_pace_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct disc_req	*r = arg;
	struct disc	*d = r->d;

	d->in_flight--;
	TAILQ_REMOVE(&d->waiting, r, entry);
	TAILQ_INSERT_HEAD(&d->queue, r, entry);
	disc_pump(d);
}

/*
 * Asks the pacer for r's slot without blocking.  Returns 0 to send now;
 * 1 if r now waits on a timer (counted in flight, so the walk never holds
 * more slots than its concurrency).
 */
static int
disc_pace(struct disc *d, struct disc_req *r)
{
	struct timeval	 tv;
	int64_t		 wait;

	if (!disc_kind_sql(r->kind) || r->paced) {
		r->paced = 0;
		return (0);
	}
	r->paced = pacer_reserve(pacer_global(), PACER_SQLADMIN, PACER_LIST,
	    pacer_now_ns(), &wait);
	if (wait <= 0 && r->paced) {
		r->paced = 0;
		return (0);
	}
	if (r->pace_ev == NULL)
		r->pace_ev = evtimer_new(d->base, disc_pace_cb, r);
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(r->pace_ev, &tv);
	TAILQ_INSERT_TAIL(&d->waiting, r, entry);
	d->in_flight++;
	return (1);
}

/* Send what the concurrency bound allows; finish when nothing is left. */
static void
disc_pump(struct disc *d)
{
	struct http_request	 hr;
	struct disc_req		*r;
	struct gcp_error	 err;
	const char		*token;
	char			*url;
	int			 max = (*d->confp)->discovery_concurrency;

	if (max < 1)
		max = 1;
	while (d->in_flight < max && (r = TAILQ_FIRST(&d->queue)) != NULL) {
		if (d->wanting_token)
			return;
		token = auth_cached(d->auth, NULL);
		if (token == NULL) {
			d->wanting_token = 1;
			auth_get(d->auth, disc_token_cb, d);
			return;
		}
		strlcpy(d->ctx.token, token, sizeof(d->ctx.token));
		TAILQ_REMOVE(&d->queue, r, entry);
		if (disc_pace(d, r))
			continue;
		url = disc_req_url(r);
		gcp_request_init(&hr, &d->ctx, "GET", url,
		    r->kind == DISC_BUCKET ? d->ctx.storage_anonymous : 0);
		if (r->kind == DISC_SIZES &&
		    hr.timeout_ms > DISC_SIZE_TIMEOUT_MS)
			hr.timeout_ms = DISC_SIZE_TIMEOUT_MS;
		if (http_multi_add(d->multi, &hr, disc_http_cb, r) == -1) {
			memset(&err, 0, sizeof(err));
			gcp_error_set(&err, GCP_PERMANENT, "cannot send %s",
			    disc_kind_name(r->kind));
			disc_req_error(r, &err);
			disc_req_free(r);
		} else
			d->in_flight++;
		free(url);
	}
	if (d->in_flight == 0 && TAILQ_EMPTY(&d->queue) &&
	    TAILQ_EMPTY(&d->waiting) && !d->wanting_token &&
	    d->res != NULL && !evtimer_pending(d->done_ev, NULL)) {
		struct timeval	tv = { 0, 0 };

		evtimer_add(d->done_ev, &tv);
	}
}

/*
 * Start a walk.  confp points at the master's current configuration, so
 * a reload during the walk applies to what is still to be decided.  The
 * callback gets the result (caller frees it with disc_result_free) after
 * the walk is over; the walk frees itself.  No callback after disc_cancel.
 */
struct disc *
disc_start(struct event_base *base, struct http_multi *multi, struct auth *auth,
    struct config **confp, const struct gcp_ctx *ctx,
    const struct disc_pattern *pat, size_t npat, disc_cb cb, void *arg)
{
	struct disc	*d;
	struct disc_req	*r;
	size_t		 i;

	d = xcalloc(1, sizeof(*d));
	d->base = base;
	d->multi = multi;
	d->auth = auth;
	d->confp = confp;
	memcpy(&d->ctx, ctx, sizeof(d->ctx));
	if (npat > 0) {
		d->pat = xreallocarray(NULL, npat, sizeof(*pat));
		memcpy(d->pat, pat, npat * sizeof(*pat));
		d->npat = npat;
	}
	d->cb = cb;
	d->arg = arg;
	TAILQ_INIT(&d->queue);
	TAILQ_INIT(&d->waiting);
	RB_INIT(&d->seen);
	d->names = arena_new();
	d->res = xcalloc(1, sizeof(*d->res));
	d->res->strings = arena_new();
	d->res->started_ms = disc_now_ms();
	d->done_ev = evtimer_new(base, disc_done_cb, d);
	if ((*confp)->monitoring_endpoint != NULL)
		d->monitoring = xstrdup((*confp)->monitoring_endpoint);

	for (i = 0; i < (*confp)->nfolders; i++)
		disc_folder(d, (*confp)->folders[i], 1);
	for (i = 0; i < (*confp)->nprojects; i++) {
		r = disc_req_new(d, DISC_PROJECT_GET);
		r->project = arena_strdup(d->res->strings,
		    (*confp)->projects[i]);
		disc_enqueue(d, r);
	}
	disc_pump(d);
	return (d);
}

/*
 * Plan asks too whether the daemon may get and delete objects in the
 * bucket (buckets.testIamPermissions): res->bucket_problem.
 */
void
disc_check_bucket(struct disc *d)
{
	if ((*d->confp)->bucket == NULL)
		return;
	disc_enqueue(d, disc_req_new(d, DISC_BUCKET));
	disc_pump(d);
}

/*
 * A walk someone waits on at the terminal (plan) takes the token source's
 * answer as it is, after auth's own retries, rather than retrying it for
 * the whole retry window.
 */
void
disc_no_token_retry(struct disc *d)
{
	d->no_token_retry = 1;
}

/* Stop a walk; its callback will not be called. */
void
disc_cancel(struct disc *d)
{
	struct disc_req		*r;
	struct disc_name	*n, *next;

	if (d == NULL)
		return;
	while ((r = TAILQ_FIRST(&d->queue)) != NULL) {
		TAILQ_REMOVE(&d->queue, r, entry);
		disc_req_free(r);
	}
	while ((r = TAILQ_FIRST(&d->waiting)) != NULL) {
		TAILQ_REMOVE(&d->waiting, r, entry);
		disc_req_free(r);
	}
	if (d->in_flight > 0) {
		/*
		 * Requests on the wire still point at us: keep the walk
		 * alive, detached, until they come back.  Simpler: the
		 * multi handle cancels them (http_multi_free) at exit, and
		 * a cancelled walk only happens at shutdown.
		 */
		log_debug("discovery: cancelled with %d requests in flight",
		    d->in_flight);
	}
	RB_FOREACH_SAFE(n, disc_names, &d->seen, next) {
		RB_REMOVE(disc_names, &d->seen, n);
		free(n);
	}
	arena_free(d->names);
	disc_size_free(d);
	disc_result_free(d->res);
	event_free(d->done_ev);
	if (d->token_ev != NULL)
		event_free(d->token_ev);
	explicit_bzero(&d->ctx, sizeof(d->ctx));
	free(d->pat);
	free(d);
}
