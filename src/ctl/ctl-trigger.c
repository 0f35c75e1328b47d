/*
 * Start a run now, or add targets to the one in progress, and optionally
 * wait for it to finish while showing its progress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "xmalloc.h"

static int	ctl_trigger_parse(int, char **, cJSON *);
static void	ctl_trigger_render(const cJSON *, FILE *);
static void	ctl_trigger_progress(const cJSON *, FILE *);
static int	ctl_trigger_exit_status(const cJSON *, const cJSON *);
static void	ctl_trigger_interrupted(FILE *);
static void	ctl_trigger_end_line(FILE *);

const struct ctl_cmd ctl_trigger_entry = {
	.name = "trigger",
	.usage = "[PATTERN...] [--wait]",
	.description = "start a run now, or add to the one running",
	.parse = ctl_trigger_parse,
	.render = ctl_trigger_render,
	.progress = ctl_trigger_progress,
	.exit_status = ctl_trigger_exit_status,
	.interrupted = ctl_trigger_interrupted,
	.end_progress = ctl_trigger_end_line,
};

/*
 * What the progress display has shown: one client, one run, so these live
 * for the process.  run_id is -1 until the first progress reply.
 */
static long long	 ctl_trigger_run_id = -1;
static int		 ctl_trigger_line_open;	/* tty line, no \n */
static char		*ctl_trigger_last;	/* last counts shown */
static time_t		 ctl_trigger_first = (time_t)-1;

/* Returns 0 if p is PROJECT[/INSTANCE[/DATABASE]] with no empty part. */
static int
ctl_trigger_check_pattern(const char *p)
{
	const char	*s;
	int		 parts = 1;

	if (*p == '\0')
		return (-1);
	for (s = p; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		if (s == p || s[1] == '\0' || s[1] == '/')
			return (-1);
		parts++;
	}
	return (parts <= CTL_PATTERN_PARTS_MAX ? 0 : -1);
}

static int
ctl_trigger_parse(int argc, char **argv, cJSON *req)
{
	cJSON	*patterns;
	int	 i, wait = 0, dashdash = 0;

	patterns = cJSON_AddArrayToObject(req, "patterns");
	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && strcmp(argv[i], "--wait") == 0) {
			wait = 1;
			continue;
		}
		if (!dashdash && argv[i][0] == '-') {
			ctl_usage_error(&ctl_trigger_entry,
			    "trigger: unknown option: %s", argv[i]);
			return (-1);
		}
		if (ctl_trigger_check_pattern(argv[i]) == -1) {
			ctl_usage_error(&ctl_trigger_entry,
			    "trigger: bad pattern '%s': expected "
			    "PROJECT[/INSTANCE[/DATABASE]]", argv[i]);
			return (-1);
		}
		cJSON_AddItemToArray(patterns, cJSON_CreateString(argv[i]));
	}
	cJSON_AddBoolToObject(req, "wait", wait);
	return (0);
}

/* Seconds the run has been going, from its start or from our first look. */
static double
ctl_trigger_elapsed(const cJSON *run)
{
	const char	*s = ctl_str(run, "started");
	time_t		 t;

	if (s != NULL && ctl_parse_time(s, &t) == 0)
		return (difftime(ctl_now(), t));
	if (ctl_trigger_first == (time_t)-1)
		ctl_trigger_first = ctl_now();
	return (difftime(ctl_now(), ctl_trigger_first));
}

/*
 * On a terminal, one line rewritten in place; otherwise one line each time
 * the counts change, so a log of the output stays short.
 */
static void
ctl_trigger_progress(const cJSON *reply, FILE *fp)
{
	const cJSON	*run;
	const char	*state;
	char		*counts, *el, *t[6], *busy;
	int		 tty = ctl_isatty(fp);

	run = cJSON_GetObjectItemCaseSensitive(reply, "run");
	if (!cJSON_IsObject(run))
		return;
	ctl_trigger_run_id = ctl_int(run, "id", -1);
	state = ctl_str(run, "state");
	if (state != NULL && strcmp(state, "discovering") == 0)
		counts = xstrdup("discovering databases");
	else {
		t[0] = ctl_fmt_int(run, "succeeded");
		t[1] = ctl_fmt_int(run, "total");
		t[2] = ctl_fmt_int(run, "failed");
		t[3] = ctl_fmt_int(run, "in_flight");
		t[4] = ctl_fmt_int(run, "queued");
		t[5] = ctl_fmt_int(run, "retry_wait");
		busy = ctl_fmt_busy(run);
		xasprintf(&counts, "succeeded %s/%s  failed %s  in flight %s  "
		    "queued %s%s  retry wait %s", t[0], t[1], t[2], t[3], t[4],
		    busy, t[5]);
		free(t[0]);
		free(t[1]);
		free(t[2]);
		free(t[3]);
		free(t[4]);
		free(t[5]);
		free(busy);
	}
	if (!tty && ctl_trigger_last != NULL &&
	    strcmp(counts, ctl_trigger_last) == 0) {
		free(counts);
		return;
	}
	el = ctl_fmt_duration(ctl_trigger_elapsed(run));
	if (tty) {
		fprintf(fp, "\r\033[K%s  elapsed %s", counts, el);
		ctl_trigger_line_open = 1;
	} else
		fprintf(fp, "%s  elapsed %s\n", counts, el);
	fflush(fp);
	free(el);
	free(ctl_trigger_last);
	ctl_trigger_last = counts;
}

static void
ctl_trigger_end_line(FILE *fp)
{
	if (ctl_trigger_line_open) {
		fputs("\r\033[K", fp);
		ctl_trigger_line_open = 0;
	}
}

/* "2 of 3 selected databases exported, 1 failed" */
static void
ctl_trigger_selected(const cJSON *sel, FILE *fp)
{
	long long	total = ctl_int(sel, "total", 0);

	fprintf(fp, "%lld of %lld selected database%s exported, %lld failed",
	    ctl_int(sel, "succeeded", 0), total, total == 1 ? "" : "s",
	    ctl_int(sel, "failed", 0));
}

static void
ctl_trigger_render(const cJSON *reply, FILE *fp)
{
	const cJSON	*run, *sel;
	const char	*state, *outcome, *s;
	char		*id, *dur, *succ, *total_s, *failed;
	long long	 added, total;
	time_t		 t0, t1;

	run = cJSON_GetObjectItemCaseSensitive(reply, "run");
	ctl_trigger_end_line(fp);
	id = ctl_fmt_int(run, "id");
	state = ctl_str(run, "state");
	sel = cJSON_GetObjectItemCaseSensitive(reply, "selected");
	if (cJSON_IsObject(sel) && (state == NULL ||
	    strcmp(state, "finished") != 0)) {
		/* --wait with patterns: their databases are done. */
		fprintf(fp, "run %s: ", id);
		ctl_trigger_selected(sel, fp);
		fprintf(fp, "; the run goes on\n");
		if (ctl_int(sel, "failed", 0) > 0)
			fprintf(fp, "see 'databackupctl jobs %s' for the "
			    "errors\n", id);
		free(id);
		free(ctl_trigger_last);
		ctl_trigger_last = NULL;
		return;
	}
	added = ctl_int(reply, "added", -1);
	total = ctl_int(run, "total", -1);
	if (state != NULL && strcmp(state, "finished") == 0) {
		outcome = ctl_str(run, "outcome");
		succ = ctl_fmt_int(run, "succeeded");
		total_s = ctl_fmt_int(run, "total");
		failed = ctl_fmt_int(run, "failed");
		fprintf(fp, "run %s finished: %s; %s/%s succeeded, %s failed",
		    id, outcome != NULL ? outcome : "-", succ, total_s, failed);
		free(succ);
		free(total_s);
		free(failed);
		s = ctl_str(run, "started");
		if (s != NULL && ctl_parse_time(s, &t0) == 0 &&
		    ctl_str(run, "ended") != NULL &&
		    ctl_parse_time(ctl_str(run, "ended"), &t1) == 0) {
			dur = ctl_fmt_duration(difftime(t1, t0));
			fprintf(fp, "; took %s", dur);
			free(dur);
		}
		fputc('\n', fp);
		if (cJSON_IsObject(sel) && ctl_int(sel, "total", 0) !=
		    ctl_int(run, "total", 0)) {
			ctl_trigger_selected(sel, fp);
			fputc('\n', fp);
		}
		if (ctl_int(run, "failed", 0) > 0)
			fprintf(fp, "see 'databackupctl jobs %s' for the "
			    "errors\n", id);
	} else if (added >= 0 && total >= 0 && added < total)
		fprintf(fp, "joined run %s in progress: added %lld "
		    "database%s\n", id, added, added == 1 ? "" : "s");
	else if (state != NULL && strcmp(state, "discovering") == 0 &&
	    added <= 0)
		fprintf(fp, "run %s started: discovering databases\n", id);
	else if (added >= 0)
		fprintf(fp, "run %s started: %lld database%s\n", id, added,
		    added == 1 ? "" : "s");
	else
		fprintf(fp, "run %s started\n", id);
	free(id);
	free(ctl_trigger_last);
	ctl_trigger_last = NULL;
}

/*
 * With --wait, a failed run (a failed job, or a discovery that could not
 * read anything) makes the command fail; with patterns, a failed job
 * among those they select.
 */
static int
ctl_trigger_exit_status(const cJSON *req, const cJSON *reply)
{
	const cJSON	*run, *sel;
	const char	*outcome;

	run = cJSON_GetObjectItemCaseSensitive(reply, "run");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "wait")))
		return (CTL_EXIT_OK);
	sel = cJSON_GetObjectItemCaseSensitive(reply, "selected");
	if (cJSON_IsObject(sel))
		return (ctl_int(sel, "failed", 0) > 0 ? CTL_EXIT_FAILURE :
		    CTL_EXIT_OK);
	outcome = ctl_str(run, "outcome");
	if (ctl_int(run, "failed", 0) > 0 ||
	    (outcome != NULL && strcmp(outcome, "failed") == 0))
		return (CTL_EXIT_FAILURE);
	return (CTL_EXIT_OK);
}

/* SIGINT: the daemon keeps running the run; only we stop looking. */
static void
ctl_trigger_interrupted(FILE *fp)
{
	if (ctl_trigger_line_open) {
		fputc('\n', fp);
		ctl_trigger_line_open = 0;
	}
	fflush(fp);
	if (ctl_trigger_run_id >= 0)
		fprintf(stderr, "databackupctl: stopped waiting; run %lld "
		    "continues in the daemon\n", ctl_trigger_run_id);
	else
		fprintf(stderr, "databackupctl: stopped waiting; the run "
		    "continues in the daemon\n");
}
