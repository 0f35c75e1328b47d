/*
 * Show the daemon, its current and last run, its workers and its journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "xmalloc.h"

static void	ctl_status_render(const cJSON *, FILE *);
static void	ctl_status_run(const char *, const cJSON *, FILE *);

const struct ctl_cmd ctl_status_entry = {
	.name = "status",
	.usage = "",
	.description = "show the daemon, its runs and its workers",
	.parse = ctl_no_args,
	.render = ctl_status_render,
};

/* One run summary under a heading ("current run", "last run"). */
static void
ctl_status_run(const char *title, const cJSON *run, FILE *fp)
{
	const char	*state, *outcome, *trigger;
	char		*id, *started, *ended, *counts, *disc, *dur;
	time_t		 t0, t1;
	double		 partial;

	if (!cJSON_IsObject(run)) {
		fprintf(fp, "%-13s-\n", title);
		return;
	}
	id = ctl_fmt_int(run, "id");
	state = ctl_str(run, "state");
	outcome = ctl_str(run, "outcome");
	trigger = ctl_str(run, "trigger");
	fprintf(fp, "%-13s%s (%s), %s", title, id,
	    trigger != NULL ? trigger : "-", state != NULL ? state : "-");
	if (outcome != NULL)
		fprintf(fp, ", %s", outcome);
	fputc('\n', fp);

	started = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(run,
	    "started"));
	ended = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(run, "ended"));
	fprintf(fp, "  started:    %s\n", started);
	if (ctl_str(run, "ended") != NULL) {
		dur = NULL;
		if (ctl_str(run, "started") != NULL &&
		    ctl_parse_time(ctl_str(run, "started"), &t0) == 0 &&
		    ctl_parse_time(ctl_str(run, "ended"), &t1) == 0)
			dur = ctl_fmt_duration(difftime(t1, t0));
		fprintf(fp, "  ended:      %s", ended);
		if (dur != NULL)
			fprintf(fp, " (took %s)", dur);
		fputc('\n', fp);
		free(dur);
	} else if (ctl_str(run, "started") != NULL &&
	    ctl_parse_time(ctl_str(run, "started"), &t0) == 0) {
		dur = ctl_fmt_duration(difftime(ctl_now(), t0));
		fprintf(fp, "  running:    %s\n", dur);
		free(dur);
	}
	counts = ctl_fmt_run_counts(run);
	fprintf(fp, "  progress:   %s\n", counts);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "stalled"))) {
		dur = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(run,
		    "progressed"));
		fprintf(fp, "  stalled:    no progress since %s ([alerts] "
		    "stall_after)\n", dur);
		free(dur);
	}
	disc = ctl_fmt_discovery(cJSON_GetObjectItemCaseSensitive(run,
	    "discovery"));
	fprintf(fp, "  discovery:  %s\n", disc);
	if (ctl_num(cJSON_GetObjectItemCaseSensitive(run, "discovery"),
	    "partial", &partial) == 0 && partial > 0)
		fprintf(fp, "  partial:    %.0f place%s not seen whole "
		    "(databackupctl plan names them)\n", partial,
		    partial == 1 ? "" : "s");
	free(id);
	free(started);
	free(ended);
	free(counts);
	free(disc);
}

static void
ctl_status_render(const cJSON *reply, FILE *fp)
{
	const cJSON		*d, *w, *workers, *j, *next;
	const char		*s, *job, *js;
	char			*when;
	struct ctl_table	*t;
	char			*a, *b, *c, *jobtext;
	double			 up;
	time_t			 tn;

	d = cJSON_GetObjectItemCaseSensitive(reply, "daemon");
	a = ctl_fmt_int(d, "pid");
	s = ctl_str(d, "version");
	fprintf(fp, "databackupd %s, pid %s", s != NULL ? s : "-", a);
	free(a);
	if (ctl_num(d, "uptime", &up) == 0) {
		a = ctl_fmt_duration(up);
		fprintf(fp, ", up %s", a);
		free(a);
	}
	fputc('\n', fp);

	a = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(d,
	    "config_loaded"));
	s = ctl_str(d, "config");
	fprintf(fp, "config:      %s (loaded %s)\n", s != NULL ? s : "-", a);
	free(a);
	s = ctl_str(d, "credentials");
	fprintf(fp, "credentials: %s\n", s != NULL ? s : "-");

	next = cJSON_GetObjectItemCaseSensitive(reply, "next_run");
	a = ctl_fmt_time(next);
	fprintf(fp, "next run:    %s", a);
	free(a);
	if (cJSON_IsString(next) &&
	    ctl_parse_time(next->valuestring, &tn) == 0) {
		a = ctl_fmt_duration(difftime(tn, ctl_now()));
		fprintf(fp, " (in %s)", a);
		free(a);
	}
	fputc('\n', fp);

	fputc('\n', fp);
	ctl_status_run("current run:",
	    cJSON_GetObjectItemCaseSensitive(reply, "run"), fp);
	ctl_status_run("last run:",
	    cJSON_GetObjectItemCaseSensitive(reply, "last_run"), fp);

	workers = cJSON_GetObjectItemCaseSensitive(reply, "workers");
	fputc('\n', fp);
	if (cJSON_GetArraySize(workers) == 0)
		fprintf(fp, "no workers\n");
	else {
		t = ctl_table_new(5, "SLOT", "PID", "STATE", "JOB", "SINCE");
		cJSON_ArrayForEach(w, workers) {
			a = ctl_fmt_int(w, "slot");
			b = ctl_fmt_int(w, "pid");
			c = ctl_fmt_age(cJSON_GetObjectItemCaseSensitive(w,
			    "since"));
			job = ctl_str(w, "job");
			js = ctl_str(w, "job_state");
			if (job != NULL && js != NULL)
				xasprintf(&jobtext, "%s (%s)", job, js);
			else
				jobtext = xstrdup(job != NULL ? job : "-");
			ctl_table_add(t, a, b, ctl_str(w, "state"), jobtext,
			    c);
			free(a);
			free(b);
			free(c);
			free(jobtext);
		}
		ctl_table_print(t, fp, ctl_width(fp));
		ctl_table_free(t);
	}

	/* Restore drills: the one running, the last that ended. */
	if ((j = cJSON_GetObjectItemCaseSensitive(reply, "drill")) != NULL &&
	    cJSON_IsObject(j))
		fprintf(fp, "\nrestore drill %lld running: %lld of %lld "
		    "ended, %lld failed\n", ctl_int(j, "id", 0),
		    ctl_int(j, "succeeded", 0) + ctl_int(j, "failed", 0),
		    ctl_int(j, "total", 0), ctl_int(j, "failed", 0));
	if ((j = cJSON_GetObjectItemCaseSensitive(reply, "last_drill")) !=
	    NULL && cJSON_IsObject(j)) {
		when = ctl_fmt_time(cJSON_GetObjectItemCaseSensitive(j,
		    "ended"));
		fprintf(fp, "last restore drill: %lld, ended %s: %lld of %lld "
		    "verified, %lld failed\n", ctl_int(j, "id", 0), when,
		    ctl_int(j, "succeeded", 0), ctl_int(j, "total", 0),
		    ctl_int(j, "failed", 0));
		free(when);
	}

	/* Restores the daemon holds: queued, running, and recent ones. */
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(reply,
	    "restores")) > 0)
		fprintf(fp, "\nrestores:\n");
	cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(reply,
	    "restores")) {
		s = ctl_str(j, "error");
		if ((s == NULL || *s == '\0') && ctl_str(j, "state") != NULL &&
		    strcmp(ctl_str(j, "state"), "succeeded") != 0)
			s = ctl_str(j, "step");	/* what it is doing */
		fprintf(fp, "  restore %lld %s%s: %s into %s%s%s\n",
		    ctl_int(j, "id", 0), ctl_str(j, "state") != NULL ?
		    ctl_str(j, "state") : "?",
		    cJSON_IsTrue(cJSON_GetObjectItem(j, "dry_run")) ?
		    " (dry run)" : "", ctl_str(j, "object") != NULL ?
		    ctl_str(j, "object") : "?", ctl_str(j, "target") != NULL ?
		    ctl_str(j, "target") : "?", s != NULL && *s != '\0' ?
		    ": " : "", s != NULL ? s : "");
	}

	j = cJSON_GetObjectItemCaseSensitive(reply, "journal");
	fputc('\n', fp);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok")))
		fprintf(fp, "journal: ok\n");
	else if (cJSON_IsObject(j)) {
		s = ctl_str(j, "error");
		fprintf(fp, "journal: FAILING: %s\n",
		    s != NULL ? s : "unknown error");
	} else
		fprintf(fp, "journal: -\n");
	/* Alerts (a daemon that reports them): one line each. */
	cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(reply,
	    "alerts")) {
		s = ctl_str(j, "state");
		fprintf(fp, "alert %-15s %s", ctl_str(j, "name") != NULL ?
		    ctl_str(j, "name") : "-", s != NULL ? s : "-");
		if ((s = ctl_str(j, "since")) != NULL)
			fprintf(fp, " since %s", s);
		if ((s = ctl_str(j, "summary")) != NULL)
			fprintf(fp, ": %s", s);
		fputc('\n', fp);
	}
}
