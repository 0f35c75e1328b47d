/*
 * The small commands: print the metrics, reload the configuration, and list
 * every known database with its newest verified export, stale or not
 * (coverage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "xmalloc.h"

static void	ctl_metrics_render(const cJSON *, FILE *);
static void	ctl_reload_render(const cJSON *, FILE *);
static int	ctl_reload_exit_status(const cJSON *, const cJSON *);
static int	ctl_coverage_parse(int, char **, cJSON *);
static void	ctl_coverage_render(const cJSON *, FILE *);
static int	ctl_coverage_exit_status(const cJSON *, const cJSON *);

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
	.description = "reload the configuration; 4 if a restart is needed",
	.parse = ctl_no_args,
	.render = ctl_reload_render,
	.exit_status = ctl_reload_exit_status,
};

const struct ctl_cmd ctl_coverage_entry = {
	.name = "coverage",
	.usage = "[--stale] [--hours N]",
	.description = "newest export of each database; 1 if any stale",
	.parse = ctl_coverage_parse,
	.render = ctl_coverage_render,
	.exit_status = ctl_coverage_exit_status,
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

	const cJSON	*a, *k;
	int		 n = 0;

	fprintf(fp, "%s\n", s != NULL ? s : "configuration reloaded");
	a = cJSON_GetObjectItemCaseSensitive(reply, "restart");
	cJSON_ArrayForEach(k, a) {
		if (!cJSON_IsString(k))
			continue;
		fprintf(fp, "%s%s", n++ == 0 ? "changed, in force only after "
		    "a restart: " : ", ", k->valuestring);
	}
	if (n > 0)
		fputc('\n', fp);
}

/* CTL_EXIT_RESTART when a restart-only key waits for a restart. */
static int
ctl_reload_exit_status(const cJSON *req, const cJSON *reply)
{
	(void)req;
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(reply,
	    "restart")) > 0)
		return (CTL_EXIT_RESTART);
	return (CTL_EXIT_OK);
}

static int
ctl_coverage_parse(int argc, char **argv, cJSON *req)
{
	const char	*v;
	long long	 hours;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--stale") == 0) {
			cJSON_DeleteItemFromObject(req, "stale");
			cJSON_AddTrueToObject(req, "stale");
			continue;
		}
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
 * The reply shape is not in docs/control.md; this reads {"max_age": SECS,
 * "hours": N if asked, "count": N, "stale": N, "databases": [{"project",
 * "instance", "database", "last_success": TIME or null, "age": SECS or
 * null, "object", "crc32c", "stale": BOOL, ...}]}.
 */
static void
ctl_coverage_render(const cJSON *reply, FILE *fp)
{
	const cJSON		*dbs, *e;
	struct ctl_table	*t;
	char			*target, *last, *age, *max, *rest;
	char			*cells[7];
	const char		*obj, *crc, *state;
	double			 secs;
	long long		 count, stale;
	int			 restores;

	if (ctl_num(reply, "max_age", &secs) == -1)
		secs = CTL_DEFAULT_HOURS * 3600.0;
	max = ctl_fmt_duration(secs);
	count = ctl_int(reply, "count", 0);
	stale = ctl_int(reply, "stale", 0);
	dbs = cJSON_GetObjectItemCaseSensitive(reply, "databases");
	/* With drills, each one's last verified restore too. */
	restores = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
	    "restores"));
	if (cJSON_GetArraySize(dbs) > 0) {
		if (restores)
			t = ctl_table_new(7, "PROJECT/INSTANCE/DATABASE",
			    "LAST SUCCESS", "AGE", "OBJECT", "CRC32C",
			    "RESTORED", "STATE");
		else
			t = ctl_table_new(6, "PROJECT/INSTANCE/DATABASE",
			    "LAST SUCCESS", "AGE", "OBJECT", "CRC32C",
			    "STATE");
		cJSON_ArrayForEach(e, dbs) {
			target = ctl_fmt_target(e);
			last = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(e,
			    "last_success"));
			age = ctl_num(e, "age", &secs) == 0 ?
			    ctl_fmt_duration(secs) : xstrdup("-");
			obj = ctl_str(e, "object");
			crc = ctl_str(e, "crc32c");
			rest = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(e,
			    "verified_restore"));
			state = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e,
			    "stale")) ? "stale" : "fresh";
			if (strcmp(last, "-") == 0) {
				free(last);
				last = xstrdup("never");
			}
			if (strcmp(rest, "-") == 0) {
				free(rest);
				rest = xstrdup("never");
			}
			/* The table takes the strings of the row. */
			cells[0] = target;
			cells[1] = last;
			cells[2] = age;
			cells[3] = xstrdup(obj != NULL ? obj : "-");
			cells[4] = xstrdup(crc != NULL ? crc : "-");
			cells[5] = restores ? rest : xstrdup(state);
			cells[6] = restores ? xstrdup(state) : NULL;
			if (!restores)
				free(rest);
			ctl_table_addv(t, cells);
		}
		ctl_table_print(t, fp, ctl_width(fp));
		ctl_table_free(t);
	}
	if (stale > 0)
		fprintf(fp, "%lld database%s stale: no verified export in %s\n",
		    stale, stale == 1 ? "" : "s", max);
	else if (count > 0)
		fprintf(fp, "%lld database%s, none stale (max age %s)\n",
		    count, count == 1 ? "" : "s", max);
	else
		fprintf(fp, "no stale database (max age %s)\n", max);
	free(max);
}

/* 1 when any listed database is stale. */
static int
ctl_coverage_exit_status(const cJSON *req, const cJSON *reply)
{
	(void)req;
	return (ctl_int(reply, "stale", 0) > 0 ? CTL_EXIT_FAILURE :
	    CTL_EXIT_OK);
}
