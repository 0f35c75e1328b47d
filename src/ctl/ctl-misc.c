/*
 * The small commands: print the metrics, reload the configuration, and list
 * databases whose newest export is older than a bound (coverage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "xmalloc.h"

static void	ctl_metrics_render(const cJSON *, FILE *);
static void	ctl_reload_render(const cJSON *, FILE *);
static int	ctl_coverage_parse(int, char **, cJSON *);
static void	ctl_coverage_render(const cJSON *, FILE *);

const struct ctl_cmd ctl_metrics_entry = {
	.name = "metrics",
	.usage = "",
	.description = "print the Prometheus metrics",
	.parse = ctl_no_args,
	.render = ctl_metrics_render,
};

const struct ctl_cmd ctl_reload_entry = {
	.name = "reload",
	.usage = "",
	.description = "reload the configuration",
	.parse = ctl_no_args,
	.render = ctl_reload_render,
};

const struct ctl_cmd ctl_coverage_entry = {
	.name = "coverage",
	.usage = "[--hours N]",
	.description = "list databases with no export in N hours",
	.parse = ctl_coverage_parse,
	.render = ctl_coverage_render,
};

static void
ctl_metrics_render(const cJSON *reply, FILE *fp)
{
	const char	*s = ctl_str(reply, "text");

	if (s != NULL)
		fputs(s, fp);
}

static void
ctl_reload_render(const cJSON *reply, FILE *fp)
{
	const char	*s = ctl_str(reply, "message");

	fprintf(fp, "%s\n", s != NULL ? s : "configuration reloaded");
}

static int
ctl_coverage_parse(int argc, char **argv, cJSON *req)
{
	const char	*v;
	long long	 hours;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hours") == 0 ||
		    strncmp(argv[i], "--hours=", 8) == 0) {
			if (argv[i][7] == '=')
				v = argv[i] + 8;
			else if (i + 1 < argc)
				v = argv[++i];
			else {
				ctl_usage_error(&ctl_coverage_entry,
				    "coverage: --hours needs a number");
				return (-1);
			}
			if (ctl_parse_number(v, 1, CTL_HOURS_MAX, &hours) ==
			    -1) {
				ctl_usage_error(&ctl_coverage_entry,
				    "coverage: bad --hours '%s': expected 1 "
				    "to %d", v, CTL_HOURS_MAX);
				return (-1);
			}
			cJSON_DeleteItemFromObject(req, "hours");
			cJSON_AddNumberToObject(req, "hours", (double)hours);
			continue;
		}
		if (argv[i][0] == '-')
			ctl_usage_error(&ctl_coverage_entry,
			    "coverage: unknown option: %s", argv[i]);
		else
			ctl_usage_error(&ctl_coverage_entry,
			    "coverage: unexpected argument: %s", argv[i]);
		return (-1);
	}
	return (0);
}

/*
 * The reply shape is not in docs/control.md; this reads
 * {"hours": N, "stale": [{"project", "instance", "database",
 * "last_success": TIME or null}]}.
 */
static void
ctl_coverage_render(const cJSON *reply, FILE *fp)
{
	const cJSON		*stale, *e;
	struct ctl_table	*t;
	char			*target, *last, *age;
	long long		 hours;
	int			 n = 0;

	hours = ctl_int(reply, "hours", CTL_DEFAULT_HOURS);
	stale = cJSON_GetObjectItemCaseSensitive(reply, "stale");
	if (cJSON_GetArraySize(stale) == 0) {
		fprintf(fp, "every database has an export newer than %lldh\n",
		    hours);
		return;
	}
	t = ctl_table_new(3, "PROJECT/INSTANCE/DATABASE", "LAST SUCCESS",
	    "AGE");
	cJSON_ArrayForEach(e, stale) {
		target = ctl_fmt_target(e);
		last = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(e,
		    "last_success"));
		age = ctl_fmt_age(cJSON_GetObjectItemCaseSensitive(e,
		    "last_success"));
		ctl_table_add(t, target, strcmp(last, "-") == 0 ? "never" :
		    last, age);
		free(target);
		free(last);
		free(age);
		n++;
	}
	ctl_table_print(t, fp, ctl_width(fp));
	ctl_table_free(t);
	fprintf(fp, "%d database%s without an export newer than %lldh\n", n,
	    n == 1 ? "" : "s", hours);
}
