/*
 * monitor-drill.c: what the alerts "Restore drill failed" and "Restores
 * not verified" are told of drills, from the master's view of them.
 */
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "config.h"
#include "master.h"
#include "monitor.h"
#include "restore.h"
#include "xmalloc.h"

/*
 * Fill in's drill part.  *targets and *dbs are new arrays the caller
 * frees once alert_eval is done with in.
 */
void
monitor_drill_input(struct master *m, const struct config *conf,
    struct alert_input *in, struct alert_target **targets,
    struct alert_db **dbs)
{
	const struct journal_drill	*ld;
	const struct master_drill_fail	*f;
	const struct journal_drill_db	*d;
	struct alert_target		*t;
	struct alert_db			*a;
	size_t				 nf, nd, i;

	in->drills_on = conf->ndrill_scratch > 0;
	in->drill_cycle_ms = (int64_t)conf->drill_cycle_ms;
	ld = master_drill_last(m, &f, &nf);
	if (ld != NULL) {
		in->drill_id = ld->id;
		in->drill_total = ld->total;
	}
	t = xcalloc(nf + 1, sizeof(*t));
	for (i = 0; i < nf; i++) {
		if (restore_split(f[i].source, 3, t[i].project,
		    sizeof(t[i].project), t[i].instance, sizeof(t[i].instance),
		    t[i].database, sizeof(t[i].database)) == -1)
			strlcpy(t[i].project, f[i].source,
			    sizeof(t[i].project));
		strlcpy(t[i].error, f[i].error, sizeof(t[i].error));
	}
	in->drill_failed = *targets = t;
	in->ndrill_failed = nf;

	d = master_drill_dbs(m, &nd);
	a = xcalloc(nd + 1, sizeof(*a));
	for (i = 0; i < nd; i++) {
		a[i].project = d[i].project;
		a[i].instance = d[i].instance;
		a[i].database = d[i].database;
		a[i].last_ms = d[i].verified_ms;
		a[i].first_ms = d[i].first_ms;
		a[i].excluded = config_exclude_match(conf, d[i].project,
		    d[i].instance, d[i].database) != NULL;
	}
	in->drilled = *dbs = a;
	in->ndrilled = nd;
}
