/*
 * List past runs, one line each, newest first; or, with --jobs, their jobs.
 * Either way optionally only where something failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "xmalloc.h"

static int	ctl_history_parse(int, char **, cJSON *);
static void	ctl_history_render(const cJSON *, FILE *);

const struct ctl_cmd ctl_history_entry = {
	.name = "history",
	.usage = "[--days N] [--failed] [--jobs]",
	.description = "list past runs (or jobs), newest first",
	.parse = ctl_history_parse,
	.render = ctl_history_render,
};

static int
ctl_history_parse(int argc, char **argv, cJSON *req)
{
	const char	*v;
	long long	 days;
	int		 i, jobs = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--jobs") == 0) {
			jobs = 1;
			continue;
		}
		if (strcmp(argv[i], "--failed") == 0) {
			if (cJSON_GetObjectItem(req, "failed") == NULL)
				cJSON_AddTrueToObject(req, "failed");
			continue;
		}
		if (strcmp(argv[i], "--days") == 0 ||
		    strncmp(argv[i], "--days=", 7) == 0) {
			if (argv[i][6] == '=')
				v = argv[i] + 7;
			else if (i + 1 < argc)
				v = argv[++i];
			else {
				ctl_usage_error(&ctl_history_entry,
				    "history: --days needs a number");
				return (-1);
			}
			if (ctl_parse_number(v, 1, CTL_DAYS_MAX, &days) ==
			    -1) {
				ctl_usage_error(&ctl_history_entry,
				    "history: bad --days '%s': expected 1 to "
				    "%d", v, CTL_DAYS_MAX);
				return (-1);
			}
			cJSON_DeleteItemFromObject(req, "days");
			cJSON_AddNumberToObject(req, "days", (double)days);
			continue;
		}
		if (argv[i][0] == '-')
			ctl_usage_error(&ctl_history_entry,
			    "history: unknown option: %s", argv[i]);
		else
			ctl_usage_error(&ctl_history_entry,
			    "history: unexpected argument: %s", argv[i]);
		return (-1);
	}
	/* Without "runs" the daemon lists jobs, as older clients expect. */
	if (!jobs)
		cJSON_AddTrueToObject(req, "runs");
	return (0);
}

/* The daemon lists at most 1000: say so when it stopped there. */
static void
ctl_history_truncated(const cJSON *reply, FILE *fp)
{
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
	    "truncated")))
		fprintf(fp, "more matched: the newest are shown (use a "
		    "smaller --days)\n");
}

/* One line per run: its id, start, end, state and counts. */
static void
ctl_history_runs(const cJSON *runs, FILE *fp)
{
	const cJSON		*r;
	struct ctl_table	*t;
	char			*c[7];
	const char		*state;
	int			 n = 0;

	t = ctl_table_new(7, "RUN", "STARTED", "ENDED", "STATE", "JOBS",
	    "SUCCEEDED", "FAILED");
	cJSON_ArrayForEach(r, runs) {
		c[0] = ctl_fmt_int(r, "id");
		c[1] = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(r,
		    "started"));
		c[2] = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(r,
		    "ended"));
		state = ctl_str(r, "outcome");
		if (state == NULL || *state == '\0')
			state = ctl_str(r, "state");
		c[3] = xstrdup(state != NULL ? state : "-");
		c[4] = ctl_fmt_int(r, "total");
		c[5] = ctl_fmt_int(r, "succeeded");
		c[6] = ctl_fmt_int(r, "failed");
		ctl_table_addv(t, c);	/* takes the strings */
		n++;
	}
	if (n > 0)
		ctl_table_print(t, fp, ctl_width(fp));
	ctl_table_free(t);
	fprintf(fp, "%d run%s\n", n, n == 1 ? "" : "s");
}

static void
ctl_history_render(const cJSON *reply, FILE *fp)
{
	const cJSON		*jobs, *j, *runs;
	struct ctl_table	*t;
	char			*run, *date, *target, *att;
	int			 n = 0;

	runs = cJSON_GetObjectItemCaseSensitive(reply, "runs");
	if (cJSON_IsArray(runs)) {
		ctl_history_runs(runs, fp);
		ctl_history_truncated(reply, fp);
		return;
	}
	jobs = cJSON_GetObjectItemCaseSensitive(reply, "jobs");
	t = ctl_table_new(6, "RUN", "DATE", "PROJECT/INSTANCE/DATABASE",
	    "STATE", "ATTEMPTS", "ERROR");
	cJSON_ArrayForEach(j, jobs) {
		run = ctl_fmt_int(j, "run");
		date = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(j,
		    "started"));
		target = ctl_fmt_target(j);
		att = ctl_fmt_int(j, "attempts");
		ctl_table_add(t, run, date, target, ctl_str(j, "state"), att,
		    ctl_str(j, "error"));
		free(run);
		free(date);
		free(target);
		free(att);
		n++;
	}
	if (n > 0)
		ctl_table_print(t, fp, ctl_width(fp));
	ctl_table_free(t);
	fprintf(fp, "%d job%s\n", n, n == 1 ? "" : "s");
	ctl_history_truncated(reply, fp);
}
