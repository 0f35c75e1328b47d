/*
 * Import an export back into Cloud SQL: the newest verified export of a
 * database, or the one of a day, or a named object; into the database it
 * came from, or another instance and name.  With --wait (and for a dry
 * run) each step is printed as the daemon says it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "xmalloc.h"

static int	ctl_restore_parse(int, char **, cJSON *);
static void	ctl_restore_render(const cJSON *, FILE *);
static void	ctl_restore_progress(const cJSON *, FILE *);

const struct ctl_cmd ctl_restore_entry = {
	.name = "restore",
	.usage = "PROJECT/INSTANCE/DATABASE [--date YYYY-MM-DD | --object "
	    "gs://...] [--to PROJECT/INSTANCE] [--as NAME] [--replace] "
	    "[--dry-run] [--wait]",
	.description = "import an export back into Cloud SQL",
	.parse = ctl_restore_parse,
	.render = ctl_restore_render,
	.progress = ctl_restore_progress,
};

static int	ctl_restore_said;	/* steps printed so far */

/* Count the '/' of s; -1 if a part is empty. */
static int
ctl_restore_parts(const char *s)
{
	const char	*p;
	int		 n = 1;

	if (*s == '\0' || *s == '/')
		return (-1);
	for (p = s; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		if (p[1] == '\0' || p[1] == '/')
			return (-1);
		n++;
	}
	return (n);
}

/* YYYY-MM-DD with digits where they belong. */
static int
ctl_restore_is_day(const char *s)
{
	int	 i;

	if (strlen(s) != 10)
		return (0);
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return (0);
	return (1);
}

static int
ctl_restore_parse(int argc, char **argv, cJSON *req)
{
	static const char *const valued[] = { "--date", "--object", "--to",
	    "--as", NULL };
	static const char *const keys[] = { "date", "object", "to", "as" };
	const char	*db = NULL;
	int		 i, k;

	for (i = 1; i < argc; i++) {
		for (k = 0; valued[k] != NULL; k++)
			if (strcmp(argv[i], valued[k]) == 0)
				break;
		if (valued[k] != NULL) {
			if (i + 1 >= argc) {
				ctl_usage_error(&ctl_restore_entry, "restore: "
				    "%s needs a value", argv[i]);
				return (-1);
			}
			if (cJSON_HasObjectItem(req, keys[k])) {
				ctl_usage_error(&ctl_restore_entry, "restore: "
				    "%s given twice", argv[i]);
				return (-1);
			}
			cJSON_AddStringToObject(req, keys[k], argv[++i]);
		} else if (strcmp(argv[i], "--replace") == 0)
			cJSON_AddBoolToObject(req, "replace", 1);
		else if (strcmp(argv[i], "--dry-run") == 0)
			cJSON_AddBoolToObject(req, "dry_run", 1);
		else if (strcmp(argv[i], "--wait") == 0)
			cJSON_AddBoolToObject(req, "wait", 1);
		else if (argv[i][0] == '-') {
			ctl_usage_error(&ctl_restore_entry, "restore: unknown "
			    "option: %s", argv[i]);
			return (-1);
		} else if (db != NULL) {
			ctl_usage_error(&ctl_restore_entry, "restore: one "
			    "database at a time ('%s' and '%s')", db, argv[i]);
			return (-1);
		} else
			db = argv[i];
	}
	if (db == NULL || ctl_restore_parts(db) != 3) {
		ctl_usage_error(&ctl_restore_entry, "restore: %s%s%s",
		    db != NULL ? "bad database '" : "", db != NULL ? db : "",
		    db != NULL ? "': expected PROJECT/INSTANCE/DATABASE" :
		    "which database? PROJECT/INSTANCE/DATABASE");
		return (-1);
	}
	if (cJSON_HasObjectItem(req, "date") &&
	    cJSON_HasObjectItem(req, "object")) {
		ctl_usage_error(&ctl_restore_entry, "restore: --date and "
		    "--object both choose the export: give one");
		return (-1);
	}
	if (cJSON_HasObjectItem(req, "date") && !ctl_restore_is_day(
	    cJSON_GetObjectItem(req, "date")->valuestring)) {
		ctl_usage_error(&ctl_restore_entry, "restore: --date: expected "
		    "YYYY-MM-DD, as history shows the runs' days");
		return (-1);
	}
	if (cJSON_HasObjectItem(req, "object") && strncmp(cJSON_GetObjectItem(
	    req, "object")->valuestring, "gs://", 5) != 0) {
		ctl_usage_error(&ctl_restore_entry, "restore: --object: "
		    "expected gs://BUCKET/OBJECT");
		return (-1);
	}
	if (cJSON_HasObjectItem(req, "to") && ctl_restore_parts(
	    cJSON_GetObjectItem(req, "to")->valuestring) != 2) {
		ctl_usage_error(&ctl_restore_entry, "restore: --to: expected "
		    "PROJECT/INSTANCE");
		return (-1);
	}
	cJSON_AddStringToObject(req, "database", db);
	return (0);
}

/* The steps of r not yet printed. */
static void
ctl_restore_steps(const cJSON *r, FILE *fp)
{
	const cJSON	*steps, *s;
	int		 i = 0;

	steps = cJSON_GetObjectItemCaseSensitive(r, "steps");
	cJSON_ArrayForEach(s, steps) {
		if (i++ < ctl_restore_said || !cJSON_IsString(s))
			continue;
		fprintf(fp, "%s\n", s->valuestring);
		ctl_restore_said = i;
	}
	fflush(fp);
}

static void
ctl_restore_progress(const cJSON *reply, FILE *fp)
{
	const cJSON	*r = cJSON_GetObjectItemCaseSensitive(reply, "restore");

	if (cJSON_IsObject(r))
		ctl_restore_steps(r, fp);
}

static void
ctl_restore_render(const cJSON *reply, FILE *fp)
{
	const cJSON	*r = cJSON_GetObjectItemCaseSensitive(reply, "restore");
	const char	*state, *src, *obj, *target;
	char		*when;

	if (!cJSON_IsObject(r))
		return;
	ctl_restore_steps(r, fp);
	state = ctl_str(r, "state");
	src = ctl_str(r, "source");
	obj = ctl_str(r, "object");
	target = ctl_str(r, "target");
	when = cJSON_HasObjectItem(r, "exported") ? ctl_fmt_time(
	    cJSON_GetObjectItem(r, "exported")) : xstrdup("");
	if (state != NULL && strcmp(state, "succeeded") == 0)
		fprintf(fp, "restore %lld %s: %s into %s (export of %s%s%s)\n",
		    ctl_int(r, "id", 0), cJSON_IsTrue(cJSON_GetObjectItem(r,
		    "dry_run")) ? "checked, nothing changed (dry run)" :
		    "succeeded", obj, target, src, *when != '\0' ?
		    ", finished " : "", when);
	else
		fprintf(fp, "restore %lld %s: %s into %s; follow it with "
		    "databackupctl status\n", ctl_int(r, "id", 0),
		    state != NULL ? state : "?", obj, target);
	free(when);
}

/*
 * A restore drill now: the databases the patterns select, or the next
 * rotating sample; with --wait each restore's steps as they come.
 */
static int	ctl_drill_parse(int, char **, cJSON *);
static void	ctl_drill_render(const cJSON *, FILE *);
static void	ctl_drill_progress(const cJSON *, FILE *);

const struct ctl_cmd ctl_drill_entry = {
	.name = "drill",
	.usage = "[PATTERN...] [--wait]",
	.description = "a restore drill now, into the scratch instances",
	.parse = ctl_drill_parse,
	.render = ctl_drill_render,
	.progress = ctl_drill_progress,
};

static int
ctl_drill_parse(int argc, char **argv, cJSON *req)
{
	cJSON	*patterns;
	int	 i, n;

	patterns = cJSON_AddArrayToObject(req, "patterns");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wait") == 0) {
			cJSON_AddBoolToObject(req, "wait", 1);
			continue;
		}
		if (argv[i][0] == '-') {
			ctl_usage_error(&ctl_drill_entry, "drill: unknown "
			    "option: %s", argv[i]);
			return (-1);
		}
		n = ctl_restore_parts(argv[i]);
		if (n < 1 || n > 3) {
			ctl_usage_error(&ctl_drill_entry, "drill: bad pattern "
			    "'%s': expected PROJECT[/INSTANCE[/DATABASE]]",
			    argv[i]);
			return (-1);
		}
		cJSON_AddItemToArray(patterns, cJSON_CreateString(argv[i]));
	}
	return (0);
}

/* "drill 3: 2 of 10 ended, 0 failed" */
static void
ctl_drill_counts(const cJSON *d, FILE *fp)
{
	fprintf(fp, "drill %lld: %lld of %lld ended, %lld failed",
	    ctl_int(d, "id", 0), ctl_int(d, "succeeded", 0) +
	    ctl_int(d, "failed", 0), ctl_int(d, "total", 0),
	    ctl_int(d, "failed", 0));
}

static void
ctl_drill_progress(const cJSON *reply, FILE *fp)
{
	const cJSON	*d = cJSON_GetObjectItemCaseSensitive(reply, "drill");
	const cJSON	*r = cJSON_GetObjectItemCaseSensitive(reply, "restore");
	const char	*step, *err;

	if (!cJSON_IsObject(d))
		return;
	ctl_drill_counts(d, fp);
	if (cJSON_IsObject(r)) {
		err = ctl_str(r, "error");
		step = err != NULL && *err != '\0' ? err : ctl_str(r, "step");
		if (ctl_str(r, "state") != NULL &&
		    strcmp(ctl_str(r, "state"), "succeeded") == 0)
			step = NULL;	/* "succeeded" says it */
		fprintf(fp, ": %s %s%s%s", ctl_str(r, "source") != NULL ?
		    ctl_str(r, "source") : "?", ctl_str(r, "state") != NULL ?
		    ctl_str(r, "state") : "?", step != NULL && *step != '\0' ?
		    ": " : "", step != NULL ? step : "");
	}
	fputc('\n', fp);
	fflush(fp);
}

static void
ctl_drill_render(const cJSON *reply, FILE *fp)
{
	const cJSON	*d = cJSON_GetObjectItemCaseSensitive(reply, "drill");

	if (!cJSON_IsObject(d))
		return;
	if (cJSON_HasObjectItem(d, "ended"))
		fprintf(fp, "restore drill %lld: %lld of %lld restores "
		    "verified into the scratch instances\n", ctl_int(d, "id", 0),
		    ctl_int(d, "succeeded", 0), ctl_int(d, "total", 0));
	else
		fprintf(fp, "restore drill %lld started: %lld database%s; "
		    "follow it with databackupctl status\n", ctl_int(d, "id",
		    0), ctl_int(d, "total", 0), ctl_int(d, "total", 0) == 1 ?
		    "" : "s");
}

/* Retention now, or with --dry-run what it would delete and why. */
static int	ctl_prune_parse(int, char **, cJSON *);
static void	ctl_prune_render(const cJSON *, FILE *);
static void	ctl_prune_progress(const cJSON *, FILE *);

const struct ctl_cmd ctl_prune_entry = {
	.name = "prune",
	.usage = "[--dry-run]",
	.description = "apply [retention] now; --dry-run lists what would go",
	.parse = ctl_prune_parse,
	.render = ctl_prune_render,
	.progress = ctl_prune_progress,
};

static int
ctl_prune_parse(int argc, char **argv, cJSON *req)
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			cJSON_AddBoolToObject(req, "dry_run", 1);
			continue;
		}
		ctl_usage_error(&ctl_prune_entry, "prune: unknown %s: %s",
		    argv[i][0] == '-' ? "option" : "argument", argv[i]);
		return (-1);
	}
	return (0);
}

static void
ctl_prune_progress(const cJSON *reply, FILE *fp)
{
	const char	*line = ctl_str(reply, "line");

	if (line != NULL) {
		fprintf(fp, "%s\n", line);
		fflush(fp);
	}
}

static void
ctl_prune_render(const cJSON *reply, FILE *fp)
{
	/* The summary was the last progress line. */
	(void)reply;
	(void)fp;
}
