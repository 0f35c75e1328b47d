/*
 * discovery-size.c: how big each instance's data is, for the first
 * estimate of its exports.
 *
 * A data disk's size is only an upper bound (disks grow and never shrink,
 * and some are made big for IOPS), so a database never exported before
 * is predicted from its instance's disk bytes used instead, as Cloud
 * Monitoring last saw it: one projects.timeSeries.list per project with
 * instances to export, sent by the walk alongside that project's
 * databases.list calls.  Monitoring is not Cloud SQL Admin: these calls
 * take no slot of the Cloud SQL pacer.  Nothing here can fail a walk: a
 * project whose Monitoring does not answer (no permission, the API
 * disabled, an error, no series for an instance) keeps the disk size,
 * and that is said once per walk.  Which estimate a job gets is the
 * master's (master_predict); this file only fills targets' used_bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "discovery-int.h"
#include "gcp.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Asks Monitoring about pr's project, once however many instances and
 * instances.list pages it has; pr is its DISC_INSTANCES request.  Nothing
 * with the key empty.
 */
void
disc_size_want(struct disc *d, struct disc_req *pr)
{
	struct disc_req	*r;

	if (d->monitoring == NULL || pr->sized)
		return;
	pr->sized = 1;
	r = disc_req_new(d, DISC_SIZES);
	r->project = pr->project;
	disc_enqueue(d, r);
}

/*
 * r's URL.  Its interval ends when the first page is sent, and every
 * later page repeats it (a page token is bound to its query).  Returns a
 * new string; caller frees.
 */
char *
disc_size_url(struct disc_req *r)
{
	struct timespec	ts;

	if (r->end_ms == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r->end_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	return (gcp_url_disk_used(r->d->monitoring, r->project, r->end_ms,
	    r->page));
}

/* A series' newest point: kept if it is of the project asked about. */
static void
disc_size_cb(const char *project, const char *instance, int64_t bytes,
    void *arg)
{
	struct disc_req		*r = arg;
	struct disc		*d = r->d;
	struct disc_size	*s;

	if (strcmp(project, r->project) != 0 || bytes <= 0)
		return;
	if (d->nsizes == d->sizes_cap) {
		d->sizes_cap = d->sizes_cap == 0 ? 64 : d->sizes_cap * 2;
		d->sizes = xreallocarray(d->sizes, d->sizes_cap,
		    sizeof(*d->sizes));
	}
	s = &d->sizes[d->nsizes++];
	s->project = r->project;
	s->instance = arena_strdup(d->res->strings, instance);
	s->bytes = bytes;
}

/*
 * A page of r's answer.  Returns 0 with the next page's token (a new
 * string, or NULL) in *next, or -1 with err set if the page could not be
 * read at all.
 */
int
disc_size_parse(struct disc_req *r, const char *body, size_t len,
    char **next, struct gcp_error *err)
{
	struct gcp_series_page	 page;

	memset(&page, 0, sizeof(page));
	page.cb = disc_size_cb;
	page.arg = r;
	if (gcp_parse_disk_used(body, len, &page, err) == -1)
		return (-1);
	if (page.malformed > 0)
		log_debug("discovery: timeSeries.list %s: %d series could not "
		    "be read", r->project, page.malformed);
	if (page.exec_errors > 0)
		log_debug("discovery: timeSeries.list %s: %d execution "
		    "errors, the first: %s", r->project, page.exec_errors,
		    page.exec_error);
	*next = page.next;
	return (0);
}

/*
 * Monitoring did not answer for r's project (err may be NULL): its
 * instances keep their disk size.  The first such project of the walk is
 * logged with the reason; how many more there were is said at its end.
 */
void
disc_size_failed(struct disc_req *r, const struct gcp_error *err)
{
	struct disc	*d = r->d;
	const char	*why = err != NULL ? err->message : "no access token";

	if (d->sizes_failed++ == 0)
		log_notice("Monitoring not available for %s (%s): disk size "
		    "used for the first estimate", r->project, why);
	else
		log_debug("discovery: timeSeries.list %s: %s", r->project,
		    why);
}

static int
disc_size_cmp(const void *a, const void *b)
{
	const struct disc_size	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->project, y->project)) != 0)
		return (c);
	return (strcmp(x->instance, y->instance));
}

/* The walk is over: each target gets its instance's bytes used, if seen. */
void
disc_size_apply(struct disc *d)
{
	struct disc_result	*res = d->res;
	struct disc_target	*t;
	struct disc_size	 key, *s;
	size_t			 i;

	if (d->sizes_failed > 1)
		log_info("Monitoring not available for %d more projects: disk "
		    "size used for their first estimate", d->sizes_failed - 1);
	if (d->nsizes == 0)
		return;
	qsort(d->sizes, d->nsizes, sizeof(*d->sizes), disc_size_cmp);
	for (i = 0; i < res->ntargets; i++) {
		t = &res->targets[i];
		key.project = t->project;
		key.instance = t->instance;
		if ((s = bsearch(&key, d->sizes, d->nsizes, sizeof(*d->sizes),
		    disc_size_cmp)) != NULL)
			t->used_bytes = s->bytes;
	}
}

void
disc_size_free(struct disc *d)
{
	free(d->sizes);
	d->sizes = NULL;
	d->nsizes = d->sizes_cap = 0;
	free(d->monitoring);
	d->monitoring = NULL;
}
