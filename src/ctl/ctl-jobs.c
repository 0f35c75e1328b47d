/*
 * List the jobs of one run (the current one, else the newest), one line each,
 * filtered by state or failures; says how many were left out by the limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "job.h"
#include "xmalloc.h"

static int	ctl_jobs_parse(int, char **, cJSON *);
static void	ctl_jobs_render(const cJSON *, FILE *);

const struct ctl_cmd ctl_jobs_entry = {
	.name = "jobs",
	.usage = "[RUN] [--state S] [--failed] [--limit N | --all]",
	.description = "list a run's jobs",
	.parse = ctl_jobs_parse,
	.render = ctl_jobs_render,
};

/*
 * The value of option name at argv[*i] ("--name V" or "--name=V"), moving
 * *i past it; NULL if argv[*i] is not that option.  *missing is set when
 * the option has no value.
 */
static const char *
ctl_jobs_optarg(int argc, char **argv, int *i, const char *name,
    int *missing)
{
	size_t	len = strlen(name);

	*missing = 0;
	if (strncmp(argv[*i], name, len) != 0)
		return (NULL);
	if (argv[*i][len] == '=')
		return (argv[*i] + len + 1);
	if (argv[*i][len] != '\0')
		return (NULL);
	if (*i + 1 >= argc) {
		*missing = 1;
		return (NULL);
	}
	return (argv[++*i]);
}

/* Checks a --state value; prints the valid names when it is not one. */
static int
ctl_jobs_state(const char *v, cJSON *req)
{
	enum job_state	 st;
	char		 names[128];
	int		 i;

	if (job_state_from_name(v, &st) == 0) {
		cJSON_DeleteItemFromObject(req, "state");
		cJSON_AddStringToObject(req, "state", v);
		return (0);
	}
	names[0] = '\0';
	for (i = 0; i < JOB_STATE_COUNT; i++) {
		if (i > 0)
			strlcat(names, ", ", sizeof(names));
		strlcat(names, job_state_name(i), sizeof(names));
	}
	ctl_usage_error(&ctl_jobs_entry, "jobs: bad --state '%s': expected "
	    "one of %s", v, names);
	return (-1);
}

/* Checks a --limit value. */
static int
ctl_jobs_limit(const char *v, cJSON *req)
{
	long long	n;

	if (ctl_parse_number(v, 1, CTL_JOBS_LIMIT_MAX, &n) == -1) {
		ctl_usage_error(&ctl_jobs_entry, "jobs: bad --limit '%s': "
		    "expected 1 to %d", v, CTL_JOBS_LIMIT_MAX);
		return (-1);
	}
	cJSON_DeleteItemFromObject(req, "limit");
	cJSON_AddNumberToObject(req, "limit", (double)n);
	return (0);
}

/* One option at argv[*i]; 0, or -1 after a usage error. */
static int
ctl_jobs_option(int argc, char **argv, int *i, cJSON *req)
{
	const char	*v;
	int		 missing;

	if (strcmp(argv[*i], "--failed") == 0) {
		if (cJSON_GetObjectItem(req, "failed") == NULL)
			cJSON_AddTrueToObject(req, "failed");
		return (0);
	}
	if (strcmp(argv[*i], "--all") == 0) {
		if (cJSON_GetObjectItem(req, "all") == NULL)
			cJSON_AddTrueToObject(req, "all");
		return (0);
	}
	if ((v = ctl_jobs_optarg(argc, argv, i, "--state", &missing)) != NULL)
		return (ctl_jobs_state(v, req));
	if (missing) {
		ctl_usage_error(&ctl_jobs_entry, "jobs: --state needs a "
		    "state name");
		return (-1);
	}
	if ((v = ctl_jobs_optarg(argc, argv, i, "--limit", &missing)) != NULL)
		return (ctl_jobs_limit(v, req));
	if (missing) {
		ctl_usage_error(&ctl_jobs_entry, "jobs: --limit needs a number");
		return (-1);
	}
	ctl_usage_error(&ctl_jobs_entry, "jobs: unknown option: %s", argv[*i]);
	return (-1);
}

static int
ctl_jobs_parse(int argc, char **argv, cJSON *req)
{
	long long	run;
	int		i, have = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			if (ctl_jobs_option(argc, argv, &i, req) == -1)
				return (-1);
			continue;
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
	if (cJSON_GetObjectItem(req, "all") != NULL &&
	    cJSON_GetObjectItem(req, "limit") != NULL) {
		ctl_usage_error(&ctl_jobs_entry,
		    "jobs: --limit and --all exclude each other");
		return (-1);
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

/*
 * When the daemon left rows out (its limit): "N of M shown", so a listing
 * never looks complete when it is not.
 */
static void
ctl_jobs_shown(const cJSON *reply, int n, FILE *fp)
{
	long long	total = ctl_int(reply, "total", -1);

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
	    "truncated")) || total < 0)
		return;
	fprintf(fp, "%d of %lld shown (--limit N or --all for more)\n", n,
	    total);
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
	ctl_jobs_shown(reply, n, fp);
}
