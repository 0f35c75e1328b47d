/*
 * Show what a run would export now, and what it would skip or exclude, why;
 * and where discovery could not see everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "xmalloc.h"

static void	ctl_plan_render(const cJSON *, FILE *);

const struct ctl_cmd ctl_plan_entry = {
	.name = "plan",
	.usage = "",
	.description = "dry run: what would be exported, and why not",
	.parse = ctl_no_args,
	.render = ctl_plan_render,
};

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

static void
ctl_plan_render(const cJSON *reply, FILE *fp)
{
	const cJSON		*targets, *e;
	struct ctl_table	*t;
	char			*target, *pred, *age, *ago, *disc;
	double			 d, sum = 0;
	int			 n = 0;

	targets = cJSON_GetObjectItemCaseSensitive(reply, "targets");
	t = ctl_table_new(4, "PROJECT/INSTANCE/DATABASE", "VERSION",
	    "PREDICTED", "LAST SUCCESS");
	cJSON_ArrayForEach(e, targets) {
		target = ctl_fmt_target(e);
		if (ctl_num(e, "predicted", &d) == 0) {
			pred = ctl_fmt_duration(d);
			sum += d;
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
}
