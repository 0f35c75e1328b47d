/*
 * preflight.c: what databackupd -n --online asks Google before the service
 * starts.  A token from the credentials found, each configured folder
 * (its projects listed) and project (read), the bucket (it exists, the
 * daemon may get and delete its objects, and what its lifecycle and
 * retention policy do to the exports), and whether Cloud Monitoring
 * tells each configured project's disk bytes used (a note: it only
 * improves first estimates).  One line a check, "ok" or "PROBLEM" with
 * the fix; blocking calls, run once before the loop exists.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "auth.h"
#include "config.h"
#include "gcp.h"
#include "http.h"
#include "log.h"
#include "preflight.h"

struct preflight {
	const struct config	*conf;
	const struct auth_info	*ai;
	const char		*account;	/* who the checks are for */
	FILE			*out;
	struct gcp_ctx		 ctx;
	struct gcp_client	 gc;
	int			 problems;
};

/* The token's wait: a loop of its own until auth answers. */
struct pf_token {
	struct event_base	*base;
	struct gcp_ctx		*ctx;
	struct gcp_error	 err;
	int			 done, ok;
};

static void	pf_line(struct preflight *, int, const char *, const char *,
		    ...) __attribute__((__format__(printf, 4, 5)));

static void
pf_line(struct preflight *pf, int problem, const char *what,
    const char *fmt, ...)
{
	va_list	 ap;

	fprintf(pf->out, "%s: %s: ", what, problem ? "PROBLEM" : "ok");
	va_start(ap, fmt);
	vfprintf(pf->out, fmt, ap);
	va_end(ap);
	fputc('\n', pf->out);
	pf->problems += problem != 0;
}

static void
pf_token_cb(const char *token, const struct gcp_error *err, void *arg)
{
	struct pf_token	*t = arg;

	t->done = 1;
	if (token != NULL) {
		t->ok = strlcpy(t->ctx->token, token, sizeof(t->ctx->token)) <
		    sizeof(t->ctx->token);
		if (!t->ok)
			gcp_error_set(&t->err, GCP_PERMANENT,
			    "token longer than %d bytes", GCP_TOKEN_MAX - 1);
	} else
		t->err = *err;
	event_base_loopbreak(t->base);
}

/* A token into pf->ctx, through auth.c's own retries.  0 or -1. */
static int
pf_token(struct preflight *pf)
{
	struct pf_token		 t;
	struct http_multi	*multi;
	struct auth		*a;
	char			 err[512];

	memset(&t, 0, sizeof(t));
	t.ctx = &pf->ctx;
	if ((t.base = event_base_new()) == NULL)
		fatalx("preflight: event_base_new");
	if ((multi = http_multi_new(t.base)) == NULL)
		fatalx("preflight: http_multi_new");
	if ((a = auth_new(t.base, multi, pf->ai, err, sizeof(err))) == NULL) {
		pf_line(pf, 1, "token", "%s", err);
		goto out;
	}
	auth_get(a, pf_token_cb, &t);
	while (!t.done && event_base_dispatch(t.base) == 0)
		;
	if (!t.done)
		gcp_error_set(&t.err, GCP_RETRY, "no answer");
	if (t.ok)
		pf_line(pf, 0, "token", "%s %s (%s)", pf->ai->type,
		    pf->ai->account, auth_source_name(pf->ai->source));
	else
		pf_line(pf, 1, "token", "%s %s (%s) got no token: %s; check "
		    "the credentials and that the token endpoint or metadata "
		    "server is reachable", pf->ai->type, pf->ai->account,
		    auth_source_name(pf->ai->source), t.err.message);
	auth_free(a);
out:
	http_multi_free(multi);
	event_base_free(t.base);
	return (t.ok ? 0 : -1);
}

/*
 * Resource Manager answers 403 both for what the account may not read and
 * for what does not exist, so a refusal names both.
 */
static void
pf_crm(struct preflight *pf, const char *what, char *url, const char *perm)
{
	struct gcp_error	 err;

	gcp_error_reset(&err);
	if (gcp_get(&pf->gc, &pf->ctx, url, &err) == GCP_OK)
		pf_line(pf, 0, what, "readable");
	else if (err.http == HTTP_STATUS_FORBIDDEN ||
	    err.http == HTTP_STATUS_NOT_FOUND)
		pf_line(pf, 1, what, "%ld %s: %s lacks %s there (e.g. "
		    "roles/browser), or it does not exist; check the id in "
		    "the configuration", err.http, err.status,
		    pf->account, perm);
	else
		pf_line(pf, 1, what, "could not be read: %s%s%s",
		    err.status, err.status[0] != '\0' ? ": " : "", err.message);
}

static void
pf_scope(struct preflight *pf)
{
	const struct config	*c = pf->conf;
	char			 what[GCP_FOLDER_MAX + 32];
	size_t			 i;

	for (i = 0; i < c->nfolders; i++) {
		snprintf(what, sizeof(what), "folder %s", c->folders[i]);
		pf_crm(pf, what, gcp_url_projects_list(&pf->ctx,
		    c->folders[i], NULL), "resourcemanager.projects.list");
	}
	for (i = 0; i < c->nprojects; i++) {
		snprintf(what, sizeof(what), "project %s", c->projects[i]);
		pf_crm(pf, what, gcp_url_project_get(&pf->ctx,
		    c->projects[i]), "resourcemanager.projects.get");
	}
}

/*
 * Monitoring's disk bytes used, asked of each configured project (a
 * folder's projects are only known to a walk).  Optional, so a note
 * either way, never a problem.
 */
static void
pf_monitoring(struct preflight *pf)
{
	const struct config	*c = pf->conf;
	struct gcp_error	 err;
	struct timespec		 ts;
	int64_t			 now_ms;
	size_t			 i;

	if (c->monitoring_endpoint == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	for (i = 0; i < c->nprojects; i++) {
		gcp_error_reset(&err);
		if (gcp_get(&pf->gc, &pf->ctx, gcp_url_disk_used(
		    c->monitoring_endpoint, c->projects[i], now_ms, NULL),
		    &err) == GCP_OK)
			fprintf(pf->out, "project %s: note: Monitoring tells "
			    "its instances' disk bytes used, for first "
			    "estimates\n", c->projects[i]);
		else
			fprintf(pf->out, "project %s: note: Monitoring not "
			    "available (%s): first estimates from disk sizes; "
			    "%s needs monitoring.timeSeries.list there (e.g. "
			    "roles/monitoring.viewer) for better ones\n",
			    c->projects[i], err.message, pf->account);
	}
}

static int
pf_retention_on(const struct config *c)
{
	return (c->keep_daily > 0 || c->keep_weekly > 0 ||
	    c->keep_monthly > 0);
}

/* The daemon's own permissions on the bucket.  -1 if there is none. */
static int
pf_bucket_perms(struct preflight *pf, const char *what)
{
	struct gcp_perms	 p;
	struct gcp_error	 err;
	char			 problem[512];

	gcp_bucket_perms_ask(&p, pf_retention_on(pf->conf));
	gcp_error_reset(&err);
	if (gcp_bucket_test(&pf->gc, &pf->ctx, pf->conf->bucket, &p,
	    &err) != GCP_OK) {
		if (err.http == HTTP_STATUS_NOT_FOUND) {
			pf_line(pf, 1, what, "no such bucket; create it "
			    "(gcloud storage buckets create gs://%s) or fix "
			    "[export] bucket", pf->conf->bucket);
			return (-1);
		}
		pf_line(pf, 1, what, "permissions could not be tested: %s",
		    err.message);
		return (0);
	}
	gcp_bucket_problem(&p, pf->conf->bucket, pf->account, problem,
	    sizeof(problem));
	if (problem[0] != '\0')
		pf_line(pf, 1, what, "%s", problem);
	else
		pf_line(pf, 0, what, "%s may get%s and delete objects",
		    pf->account, pf_retention_on(pf->conf) ? ", list" : "");
	return (0);
}

/* Lifecycle and retention: said, since they decide how long exports stay. */
static void
pf_bucket_policy(struct preflight *pf, const char *what)
{
	struct gcp_bucket	 b;
	struct gcp_error	 err;
	char			 ret[64];

	gcp_error_reset(&err);
	if (gcp_bucket_get(&pf->gc, &pf->ctx, pf->conf->bucket, &b,
	    &err) != GCP_OK) {
		fprintf(pf->out, "%s: note: lifecycle and retention not read "
		    "(%s); the daemon does not need storage.buckets.get\n",
		    what, err.message);
		return;
	}
	if (b.retention_sec > 0)
		snprintf(ret, sizeof(ret), "retention policy %lldd%s",
		    (long long)(b.retention_sec / 86400),
		    b.retention_locked ? " (locked)" : "");
	else
		strlcpy(ret, "no retention policy", sizeof(ret));
	fprintf(pf->out, "%s: note: %s %s; %d lifecycle rule%s (%d delete); "
	    "%s%s\n", what, b.location, b.storage_class, b.lifecycle_rules,
	    b.lifecycle_rules == 1 ? "" : "s", b.lifecycle_deletes, ret,
	    b.lifecycle_deletes == 0 ? "; exports are kept until deleted "
	    "by hand" : "");
	if (b.retention_sec > 0)
		fprintf(pf->out, "%s: note: a failed export's leftover cannot "
		    "be deleted for %lld days under the retention policy\n",
		    what, (long long)(b.retention_sec / 86400));
	if (!pf_retention_on(pf->conf))
		return;
	fprintf(pf->out, "%s: note: [retention] keeps %d daily, %d weekly, "
	    "%d monthly per database and deletes the rest after each "
	    "successful run\n", what, pf->conf->keep_daily,
	    pf->conf->keep_weekly, pf->conf->keep_monthly);
	if (b.lifecycle_deletes > 0)
		fprintf(pf->out, "%s: note: the bucket's lifecycle delete "
		    "rules act as well, and may remove exports [retention] "
		    "keeps (a database's newest among them): check that they "
		    "keep at least as long\n", what);
	if (b.retention_sec > 0)
		fprintf(pf->out, "%s: note: exports younger than the retention "
		    "policy (%lld days) cannot be deleted: [retention] "
		    "deletions of those fail and are tried again after the "
		    "next run\n", what, (long long)(b.retention_sec / 86400));
}

/*
 * Runs every check and writes one line each to out.  Returns the number
 * of problems found.
 */
int
preflight(const struct config *conf, const struct auth_info *ai, FILE *out)
{
	struct preflight	 pf;
	char			 what[GCP_BUCKET_MAX + 16];

	memset(&pf, 0, sizeof(pf));
	pf.conf = conf;
	pf.ai = ai;
	pf.out = out;
	pf.account = ai->account;
	if (ai->source == AUTH_SOURCE_METADATA &&
	    strcmp(ai->account, "default") == 0)
		pf.account = "the VM's default service account";
	if (http_global_init() == -1)
		fatalx("preflight: curl_global_init failed");
	gcp_ctx_init(&pf.ctx, conf, ai->quota_project);
	if ((pf.gc.http = http_easy_new()) == NULL)
		fatalx("preflight: http_easy_new");
	if (pf_token(&pf) == 0) {
		pf_scope(&pf);
		pf_monitoring(&pf);
		snprintf(what, sizeof(what), "bucket %s", conf->bucket);
		if (pf_bucket_perms(&pf, what) == 0)
			pf_bucket_policy(&pf, what);
		fprintf(out, "bucket %s: note: each instance's own service "
		    "account writes its exports: it needs "
		    "roles/storage.objectAdmin on gs://%s\n", conf->bucket,
		    conf->bucket);
	}
	http_easy_free(pf.gc.http);
	return (pf.problems);
}
