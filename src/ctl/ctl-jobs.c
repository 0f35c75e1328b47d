/*
 * List the jobs of one run (the current one, else the newest), one line each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "xmalloc.h"

static int	ctl_jobs_parse(int, char **, cJSON *);
static void	ctl_jobs_render(const cJSON *, FILE *);

const struct ctl_cmd ctl_jobs_entry = {
	.name = "jobs",
	.usage = "[RUN]",
	.description = "list a run's jobs (default: current or newest)",
	.parse = ctl_jobs_parse,
	.render = ctl_jobs_render,
};

static int
ctl_jobs_parse(int argc, char **argv, cJSON *req)
{
	long long	run;
	int		i, have = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			ctl_usage_error(&ctl_jobs_entry,
			    "jobs: unknown option: %s", argv[i]);
			return (-1);
		}
		if (have) {
			ctl_usage_error(&ctl_jobs_entry,
			    "jobs: more than one RUN given");
			return (-1);
		}
		if (ctl_parse_number(argv[i], 1, CTL_RUN_MAX, &run) == -1) {
			ctl_usage_error(&ctl_jobs_entry,
			    "jobs: bad RUN '%s': expected a run number",
			    argv[i]);
			return (-1);
		}
		cJSON_AddNumberToObject(req, "run", (double)run);
		have = 1;
	}
	return (0);
}

/*
 * How long a job took, or has been going if it has not ended.  Returns a
 * new string.
 */
static char *
ctl_jobs_duration(const cJSON *job)
{
	const char	*s = ctl_str(job, "started");
	const char	*e = ctl_str(job, "ended");
	time_t		 t0, t1;

	if (s == NULL || ctl_parse_time(s, &t0) == -1)
		return (xstrdup("-"));
	if (e == NULL)
		t1 = ctl_now();
	else if (ctl_parse_time(e, &t1) == -1)
		return (xstrdup("-"));
	return (ctl_fmt_duration(difftime(t1, t0)));
}

static void
ctl_jobs_render(const cJSON *reply, FILE *fp)
{
	const cJSON		*run, *jobs, *j;
	struct ctl_table	*t;
	char			*target, *att, *size, *dur, *id, *counts;
	const char		*state, *trigger;
	double			 bytes;
	int			 n = 0;

	run = cJSON_GetObjectItemCaseSensitive(reply, "run");
	if (cJSON_IsObject(run)) {
		id = ctl_fmt_int(run, "id");
		state = ctl_str(run, "state");
		trigger = ctl_str(run, "trigger");
		fprintf(fp, "run %s (%s), %s", id,
		    trigger != NULL ? trigger : "-",
		    state != NULL ? state : "-");
		if (ctl_str(run, "outcome") != NULL)
			fprintf(fp, ", %s", ctl_str(run, "outcome"));
		fputc('\n', fp);
		free(id);
	}
	jobs = cJSON_GetObjectItemCaseSensitive(reply, "jobs");
	t = ctl_table_new(6, "PROJECT/INSTANCE/DATABASE", "STATE", "ATTEMPTS",
	    "SIZE", "DURATION", "ERROR");
	cJSON_ArrayForEach(j, jobs) {
		target = ctl_fmt_target(j);
		att = ctl_fmt_int(j, "attempts");
		size = ctl_num(j, "size", &bytes) == 0 ?
		    ctl_fmt_size(bytes) : xstrdup("-");
		dur = ctl_jobs_duration(j);
		state = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
		    "stuck")) ? "stuck" : ctl_str(j, "state");
		ctl_table_add(t, target, state, att, size, dur,
		    ctl_str(j, "error"));
		free(target);
		free(att);
		free(size);
		free(dur);
		n++;
	}
	if (n > 0)
		ctl_table_print(t, fp, ctl_width(fp));
	ctl_table_free(t);
	if (cJSON_IsObject(run)) {
		counts = ctl_fmt_run_counts(run);
		fprintf(fp, "%d job%s: %s\n", n, n == 1 ? "" : "s", counts);
		free(counts);
	} else
		fprintf(fp, "%d job%s\n", n, n == 1 ? "" : "s");
}
