/*
 * Show what a run would export now, and what it would skip or exclude, why;
 * and where discovery could not see everything.  With --summary, one line
 * per project instead of one per database (the daemon's reply is the same;
 * the counting is done here).  Then whose credentials the daemon uses and
 * whether it may get and delete objects in the bucket; exit 1 when
 * anything needs fixing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "xmalloc.h"

static int	ctl_plan_parse(int, char **, cJSON *);
static void	ctl_plan_render(const cJSON *, FILE *);
static void	ctl_plan_preflight(const cJSON *, FILE *);
static int	ctl_plan_exit_status(const cJSON *, const cJSON *);

const struct ctl_cmd ctl_plan_entry = {
	.name = "plan",
	.usage = "[--summary]",
	.description = "dry run: what would be exported, and why not",
	.parse = ctl_plan_parse,
	.render = ctl_plan_render,
	.exit_status = ctl_plan_exit_status,
};

/* One project of plan --summary. */
struct ctl_plan_project {
	const char	 *project;	/* borrowed from the reply */
	const char	**inst;		/* distinct instances, borrowed */
	size_t		  ninst;
	int		  databases, never, skipped, excluded;
	int		  npredicted;	/* databases with a prediction */
	double		  predicted;
};

/* What the render shows: set by parse, one command per process. */
static int	ctl_plan_summary;

static int
ctl_plan_parse(int argc, char **argv, cJSON *req)
{
	int	i;

	(void)req;
	ctl_plan_summary = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--summary") == 0) {
			ctl_plan_summary = 1;
			continue;
		}
		if (argv[i][0] == '-')
			ctl_usage_error(&ctl_plan_entry,
			    "plan: unknown option: %s", argv[i]);
		else
			ctl_usage_error(&ctl_plan_entry,
			    "plan: unexpected argument: %s", argv[i]);
		return (-1);
	}
	return (0);
}

/*
 * The row of project in *rows (of *n), added if new.  Linear: a fleet has
 * hundreds of projects, and this runs once per listed item.
 */
static struct ctl_plan_project *
ctl_plan_project(struct ctl_plan_project **rows, size_t *n, const char *project)
{
	struct ctl_plan_project	*p;
	size_t			 i;

	for (i = 0; i < *n; i++)
		if (strcmp((*rows)[i].project, project) == 0)
			return (&(*rows)[i]);
	*rows = xreallocarray(*rows, *n + 1, sizeof(**rows));
	p = &(*rows)[(*n)++];
	memset(p, 0, sizeof(*p));
	p->project = project;
	return (p);
}

/* Counts instance once in p. */
static void
ctl_plan_instance(struct ctl_plan_project *p, const char *instance)
{
	size_t	i;

	if (instance == NULL)
		return;
	for (i = 0; i < p->ninst; i++)
		if (strcmp(p->inst[i], instance) == 0)
			return;
	p->inst = xreallocarray(p->inst, p->ninst + 1, sizeof(*p->inst));
	p->inst[p->ninst++] = instance;
}

/* Adds the items of list (skipped or excluded) to their projects. */
static void
ctl_plan_count(struct ctl_plan_project **rows, size_t *n, const cJSON *list,
    int excluded)
{
	const cJSON	*e;
	const char	*project;

	cJSON_ArrayForEach(e, list) {
		if ((project = ctl_str(e, "project")) == NULL)
			continue;
		if (excluded)
			ctl_plan_project(rows, n, project)->excluded++;
		else
			ctl_plan_project(rows, n, project)->skipped++;
	}
}

/*
 * One line per project: instances and databases to export, their predicted
 * time, how many were never exported, how many skipped and excluded.
 * Returns the number of databases to export and their predicted sum.
 */
static int
ctl_plan_projects(const cJSON *reply, FILE *fp, double *sum)
{
	struct ctl_plan_project	*rows = NULL, *p;
	struct ctl_table	*t;
	const cJSON		*e;
	const char		*project;
	char			*c[7];
	size_t			 n = 0, i;
	double			 d;
	int			 total = 0;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(reply,
	    "targets")) {
		if ((project = ctl_str(e, "project")) == NULL)
			continue;
		p = ctl_plan_project(&rows, &n, project);
		ctl_plan_instance(p, ctl_str(e, "instance"));
		p->databases++;
		if (ctl_num(e, "predicted", &d) == 0) {
			p->predicted += d;
			p->npredicted++;
			*sum += d;
		}
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e,
		    "last_success")))
			p->never++;
		total++;
	}
	ctl_plan_count(&rows, &n, cJSON_GetObjectItemCaseSensitive(reply,
	    "skipped"), 0);
	ctl_plan_count(&rows, &n, cJSON_GetObjectItemCaseSensitive(reply,
	    "excluded"), 1);
	t = ctl_table_new(7, "PROJECT", "INSTANCES", "DATABASES", "PREDICTED",
	    "NEVER EXPORTED", "SKIPPED", "EXCLUDED");
	for (i = 0; i < n; i++) {
		p = &rows[i];
		c[0] = xstrdup(p->project);
		xasprintf(&c[1], "%zu", p->ninst);
		xasprintf(&c[2], "%d", p->databases);
		c[3] = p->npredicted > 0 ? ctl_fmt_duration(p->predicted) :
		    xstrdup("-");
		xasprintf(&c[4], "%d", p->never);
		xasprintf(&c[5], "%d", p->skipped);
		xasprintf(&c[6], "%d", p->excluded);
		ctl_table_addv(t, c);	/* takes the strings */
		free(p->inst);
	}
	if (n > 0)
		ctl_table_print(t, fp, ctl_width(fp));
	else
		fprintf(fp, "nothing to export\n");
	ctl_table_free(t);
	free(rows);
	return (total);
}

/* A section of (target, text) pairs, or nothing if the list is empty. */
static void
ctl_plan_section(FILE *fp, const char *title, const cJSON *list,
    const char *key, const char *col)
{
	struct ctl_table	*t;
	const cJSON		*e;
	char			*target;
	int			 w = ctl_width(fp);

	if (cJSON_GetArraySize(list) == 0)
		return;
	fprintf(fp, "\n%s:\n", title);
	t = ctl_table_new(2, "WHAT", col);
	cJSON_ArrayForEach(e, list) {
		if (ctl_str(e, "what") != NULL)
			target = xstrdup(ctl_str(e, "what"));
		else
			target = ctl_fmt_target(e);
		ctl_table_add(t, target, ctl_str(e, key));
		free(target);
	}
	ctl_table_print(t, fp, w);
	ctl_table_free(t);
}

/*
 * The places discovery could not see whole (a region unreachable, a
 * listing that failed): what is missing may be there, unexported.
 */
static void
ctl_plan_partial(FILE *fp, const cJSON *list)
{
	struct ctl_table	*t;
	const cJSON		*e;
	const char		*region, *code, *msg;
	char			*why;

	if (cJSON_GetArraySize(list) == 0)
		return;
	fprintf(fp, "\nPartial (not seen whole; what is missing there is "
	    "not exported):\n");
	t = ctl_table_new(3, "WHAT", "REGION", "WHY");
	cJSON_ArrayForEach(e, list) {
		region = ctl_str(e, "region");
		code = ctl_str(e, "code");
		msg = ctl_str(e, "message");
		xasprintf(&why, "%s: %s", code != NULL ? code : "-",
		    msg != NULL ? msg : "-");
		ctl_table_add(t, ctl_str(e, "what") != NULL ?
		    ctl_str(e, "what") : "-", region != NULL ? region : "-",
		    why);
		free(why);
	}
	ctl_table_print(t, fp, ctl_width(fp));
	ctl_table_free(t);
}

/*
 * One line per database to export, then what is skipped and excluded.
 * Returns the number of databases to export and their predicted sum.
 */
static int
ctl_plan_targets(const cJSON *reply, FILE *fp, double *sum)
{
	const cJSON		*targets, *e;
	struct ctl_table	*t;
	char			*target, *pred, *age, *ago;
	double			 d;
	int			 n = 0;

	targets = cJSON_GetObjectItemCaseSensitive(reply, "targets");
	t = ctl_table_new(4, "PROJECT/INSTANCE/DATABASE", "VERSION",
	    "PREDICTED", "LAST SUCCESS");
	cJSON_ArrayForEach(e, targets) {
		target = ctl_fmt_target(e);
		if (ctl_num(e, "predicted", &d) == 0) {
			pred = ctl_fmt_duration(d);
			*sum += d;
		} else
			pred = xstrdup("-");
		age = ctl_fmt_age(cJSON_GetObjectItemCaseSensitive(e,
		    "last_success"));
		if (strcmp(age, "-") == 0) {
			free(age);
			age = xstrdup("never");
		} else {
			xasprintf(&ago, "%s ago", age);
			free(age);
			age = ago;
		}
		ctl_table_add(t, target, ctl_str(e, "version"), pred, age);
		free(target);
		free(pred);
		free(age);
		n++;
	}
	if (n > 0)
		ctl_table_print(t, fp, ctl_width(fp));
	else
		fprintf(fp, "nothing to export\n");
	ctl_table_free(t);

	ctl_plan_section(fp, "Skipped",
	    cJSON_GetObjectItemCaseSensitive(reply, "skipped"), "reason",
	    "REASON");
	ctl_plan_section(fp, "Excluded",
	    cJSON_GetObjectItemCaseSensitive(reply, "excluded"), "rule",
	    "RULE");
	return (n);
}

static void
ctl_plan_render(const cJSON *reply, FILE *fp)
{
	char	*pred, *disc;
	double	 sum = 0;
	int	 n;

	if (ctl_plan_summary)
		n = ctl_plan_projects(reply, fp, &sum);
	else
		n = ctl_plan_targets(reply, fp, &sum);
	ctl_plan_section(fp, "Errors",
	    cJSON_GetObjectItemCaseSensitive(reply, "errors"), "message",
	    "ERROR");
	ctl_plan_partial(fp, cJSON_GetObjectItemCaseSensitive(reply,
	    "partial"));

	pred = ctl_fmt_duration(sum);
	fprintf(fp, "\n%d database%s to export, %s of exports predicted\n", n,
	    n == 1 ? "" : "s", pred);
	free(pred);
	disc = ctl_fmt_discovery(cJSON_GetObjectItemCaseSensitive(reply,
	    "discovery"));
	fprintf(fp, "discovery: %s\n", disc);
	free(disc);
	n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(reply,
	    "partial"));
	if (n > 0)
		fprintf(fp, "discovery was partial: %d place%s not seen "
		    "whole\n", n, n == 1 ? "" : "s");
	ctl_plan_preflight(reply, fp);
}

static const char *
ctl_plan_str(const cJSON *o, const char *key)
{
	const char	*s = ctl_str(o, key);

	return (s != NULL ? s : "?");
}

/*
 * Whose credentials, and the bucket: "bucket B: ok: ..." or "bucket B:
 * PROBLEM: ..." (a daemon older than these fields says nothing).
 */
static void
ctl_plan_preflight(const cJSON *reply, FILE *fp)
{
	const cJSON	*cr, *b;
	const char	*name, *problem;

	cr = cJSON_GetObjectItemCaseSensitive(reply, "credentials");
	if (cJSON_IsObject(cr))
		fprintf(fp, "credentials: %s %s (%s)\n",
		    ctl_plan_str(cr, "type"), ctl_plan_str(cr, "account"),
		    ctl_plan_str(cr, "source"));
	b = cJSON_GetObjectItemCaseSensitive(reply, "bucket");
	if (!cJSON_IsObject(b))
		return;
	name = ctl_plan_str(b, "name");
	problem = ctl_str(b, "problem");
	if (problem != NULL)
		fprintf(fp, "bucket %s: PROBLEM: %s\n", name, problem);
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "checked")))
		fprintf(fp, "bucket %s: ok: the daemon may get and delete "
		    "objects\n", name);
	else
		fprintf(fp, "bucket %s: not checked\n", name);
}

/* 1 when plan found a problem: errors, partial places, the bucket. */
static int
ctl_plan_exit_status(const cJSON *req, const cJSON *reply)
{
	const cJSON	*b;

	b = cJSON_GetObjectItemCaseSensitive(reply, "bucket");
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(reply,
	    "errors")) > 0 || cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(reply, "partial")) > 0 ||
	    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "problem")))
		return (CTL_EXIT_FAILURE);
	return (CTL_EXIT_OK);
}
