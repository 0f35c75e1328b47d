/*
 * worker-prune.c: retention, run by a worker.  It lists the bucket under
 * the object template's fixed prefix, keeps the objects whose names the
 * template could have made (the daemon's own), groups them by database,
 * lets retention.c decide, and deletes (or in a dry run, says it would)
 * the exports no rule keeps, each of exactly the generation it saw.  Every
 * deletion and every database held back is said to the master.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"
#include "log.h"
#include "msg.h"
#include "restore.h"
#include "retention.h"
#include "worker-int.h"
#include "xmalloc.h"

/* What the listing keeps of one of our objects. */
struct prune_obj {
	char		*name;
	char		*gen;
	char		*label;		/* "P/I/D" */
	int64_t		 t_ms;
	uint64_t	 size;
};

struct prune {
	struct worker	*w;
	struct prune_obj *objs;
	size_t		 n, cap;
	size_t		 foreign;	/* listed, not named by the template */
	struct retention_obj one;	/* the listing's scratch */
};

/* A line said to the master, which tells the client. */
#define prune_say(p, ...)	worker_say((p)->w, 0, __VA_ARGS__)

static void
prune_list_cb(const char *name, uint64_t size, const char *gen, void *arg)
{
	struct prune		*p = arg;
	struct prune_obj	*o;

	if (retention_parse_name(p->w->job.object, name, &p->one) == -1) {
		p->foreign++;
		return;
	}
	if (p->n == p->cap) {
		p->cap = p->cap == 0 ? 1024 : p->cap * 2;
		p->objs = xreallocarray(p->objs, p->cap, sizeof(*p->objs));
	}
	o = &p->objs[p->n++];
	o->name = xstrdup(name);
	o->gen = xstrdup(gen);
	xasprintf(&o->label, "%s/%s/%s", p->one.project, p->one.instance,
	    p->one.database);
	o->t_ms = p->one.t_ms;
	o->size = size;
}

static int
prune_obj_cmp(const void *va, const void *vb)
{
	const struct prune_obj	*a = va, *b = vb;

	return (strcmp(a->label, b->label));
}

static void
prune_free(struct prune *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		free(p->objs[i].name);
		free(p->objs[i].gen);
		free(p->objs[i].label);
	}
	free(p->objs);
}

void
worker_prune(struct worker *w)
{
	struct msg_job		*j = &w->job;
	struct retention_policy	 pol;
	struct prune		 p;
	struct gcp_object_page	 page;
	struct gcp_error	 err, first;
	struct retention_obj	*ro;
	struct msg_done		 d;
	char			 prefix[GCP_OBJECT_MAX + 1], *token = NULL;
	char			 held[RETENTION_HELD_MAX];
	char			 firstobj[GCP_OBJECT_MAX + 1];
	size_t			 i, k, g, ng, dbs = 0, nheld = 0, gone = 0;
	size_t			 failed = 0;
	uint64_t		 bytes = 0;

	memset(&p, 0, sizeof(p));
	memset(&first, 0, sizeof(first));
	firstobj[0] = '\0';
	p.w = w;
	pol.daily = (int)j->keep_daily;
	pol.weekly = (int)j->keep_weekly;
	pol.monthly = (int)j->keep_monthly;
	worker_title(w, "retention: listing");
	if (retention_prefix(j->object, prefix, sizeof(prefix)) == -1)
		prefix[0] = '\0';
	do {
		memset(&page, 0, sizeof(page));
		page.cb = prune_list_cb;
		page.arg = &p;
		if (gcp_objects_list(&w->gcp, &j->ctx, j->bucket, prefix, token,
		    &page, &err) != GCP_OK) {
			free(token);
			prune_free(&p);
			gcp_error_set(&err, GCP_PERMANENT, "listing gs://%s/%s: "
			    "%s", j->bucket, prefix, err.message);
			worker_failed(w, &err, 0, 0);
			return;
		}
		free(token);
		token = page.next;
	} while (token != NULL);

	worker_title(w, j->dry_run ? "retention: deciding" :
	    "retention: deleting");
	if (p.n > 0)
		qsort(p.objs, p.n, sizeof(*p.objs), prune_obj_cmp);
	for (i = 0; i < p.n; i = g) {
		for (g = i + 1; g < p.n && strcmp(p.objs[g].label,
		    p.objs[i].label) == 0; g++)
			;
		ng = g - i;
		dbs++;
		ro = xcalloc(ng, sizeof(*ro));
		for (k = 0; k < ng; k++) {
			retention_parse_name(j->object, p.objs[i + k].name,
			    &ro[k]);
			ro[k].size = (uint64_t)(i + k);	/* back to p.objs */
		}
		retention_decide(ro, ng, &pol, j->now_ms, held, sizeof(held));
		if (held[0] != '\0' && pol.daily + pol.weekly + pol.monthly >
		    0) {
			nheld++;
			prune_say(&p, "%s: %s", p.objs[i].label, held);
		}
		for (k = 0; k < ng; k++) {
			struct prune_obj *o = &p.objs[ro[k].size];

			if (ro[k].keep)
				continue;
			if (j->dry_run) {
				prune_say(&p, "would delete gs://%s/%s (%s)",
				    j->bucket, o->name, ro[k].why);
				gone++;
				bytes += o->size;
				continue;
			}
			if (gcp_object_delete(&w->gcp, &j->ctx, j->bucket,
			    o->name, o->gen, &err) != GCP_OK) {
				if (failed++ == 0) {
					first = err;
					strlcpy(firstobj, o->name,
					    sizeof(firstobj));
				}
				prune_say(&p, "cannot delete gs://%s/%s: %s",
				    j->bucket, o->name, err.message);
				continue;
			}
			gone++;
			bytes += o->size;
			prune_say(&p, "deleted gs://%s/%s (%s)", j->bucket,
			    o->name, ro[k].why);
		}
		free(ro);
	}
	prune_say(&p, "%zu database%s, %zu export%s: %zu %s (%llu bytes), "
	    "%zu kept; %zu database%s held back; %zu object%s not named by "
	    "[export] object left alone", dbs, dbs == 1 ? "" : "s", p.n,
	    p.n == 1 ? "" : "s", gone, j->dry_run ? "would go" : "deleted",
	    (unsigned long long)bytes, p.n - gone - failed, nheld,
	    nheld == 1 ? "" : "s", p.foreign, p.foreign == 1 ? "" : "s");
	prune_free(&p);
	if (failed > 0) {
		gcp_error_set(&err, GCP_PERMANENT, "%zu object%s could not be "
		    "deleted, the first gs://%s/%s: %s", failed, failed == 1 ?
		    "" : "s", j->bucket, firstobj, first.message);
		worker_failed(w, &err, 0, 0);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.size = bytes;
	d.polls = (uint32_t)gone;
	memcpy(d.calls, w->calls, sizeof(d.calls));
	memset(w->calls, 0, sizeof(w->calls));
	worker_send(w, MSG_JOB_DONE, &d, sizeof(d));
}
