/*
 * ctl-util.c: the command table and what every databackupctl command shares:
 * number parsing, usage errors, reading fields of a reply, formatting times,
 * ages, durations and sizes, and aligned tables.
 *
 * Nothing here touches the socket.  "Now", the terminal width and whether
 * output is a terminal can be fixed by a test (ctl_set_now, ctl_set_width,
 * ctl_set_tty) so rendered output is stable; otherwise they come from the
 * system.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "jsonutil.h"
#include "xmalloc.h"

#define CTL_SECS_MINUTE	60
#define CTL_SECS_HOUR	3600
#define CTL_SECS_DAY	86400
#define CTL_TABLE_GAP	2	/* spaces between columns */
#define CTL_ELLIPSIS	"..."

const struct ctl_cmd	*ctl_cmds[] = {
	&ctl_status_entry,
	&ctl_trigger_entry,
	&ctl_jobs_entry,
	&ctl_history_entry,
	&ctl_plan_entry,
	&ctl_reload_entry,
	&ctl_check_entry,
	&ctl_metrics_entry,
	&ctl_coverage_entry,
	&ctl_restore_entry,
	&ctl_drill_entry,
	&ctl_prune_entry,
	NULL
};

static time_t	ctl_fixed_now = (time_t)-1;
static int	ctl_fixed_width = -1;
static int	ctl_fixed_tty = -1;

/* Returns the row for name, or NULL; borrows name. */
const struct ctl_cmd *
ctl_find(const char *name)
{
	const struct ctl_cmd	**c;

	for (c = ctl_cmds; *c != NULL; c++) {
		if (strcmp((*c)->name, name) == 0)
			return (*c);
	}
	return (NULL);
}

/*
 * One line saying what is wrong, then a hint.  cmd may be NULL when the
 * command itself is unknown.
 */
void
ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "databackupctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (cmd != NULL)
		fprintf(stderr, "usage: databackupctl [-s SOCKET] [--json] "
		    "%s%s%s\n", cmd->name, cmd->usage[0] != '\0' ? " " : "",
		    cmd->usage);
	fprintf(stderr, "Try 'databackupctl --help' for more information.\n");
}

/* Parses a decimal integer in [min, max]; returns 0 or -1. */
int
ctl_parse_number(const char *s, long long min, long long max,
    long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* parse for commands that take no arguments. */
int
ctl_no_args(int argc, char **argv, cJSON *req)
{
	const struct ctl_cmd	*cmd = ctl_find(argv[0]);

	(void)req;
	if (argc > 1) {
		if (argv[1][0] == '-')
			ctl_usage_error(cmd, "%s: unknown option: %s",
			    argv[0], argv[1]);
		else
			ctl_usage_error(cmd, "%s takes no arguments",
			    argv[0]);
		return (-1);
	}
	return (0);
}

void
ctl_set_now(time_t t)
{
	ctl_fixed_now = t;
}

time_t
ctl_now(void)
{
	if (ctl_fixed_now != (time_t)-1)
		return (ctl_fixed_now);
	return (time(NULL));
}

/* w < 0: ask the terminal; 0: unlimited; > 0: fixed. */
void
ctl_set_width(int w)
{
	ctl_fixed_width = w;
}

/* Columns of the terminal fp writes to, or 0 (no limit) if not a tty. */
int
ctl_width(FILE *fp)
{
	struct winsize	ws;

	if (ctl_fixed_width >= 0)
		return (ctl_fixed_width);
	if (!ctl_isatty(fp))
		return (0);
	if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == -1 || ws.ws_col == 0)
		return (80);
	return (ws.ws_col);
}

/* t < 0: ask the system; else fixed. */
void
ctl_set_tty(int t)
{
	ctl_fixed_tty = t;
}

int
ctl_isatty(FILE *fp)
{
	if (ctl_fixed_tty >= 0)
		return (ctl_fixed_tty);
	return (isatty(fileno(fp)));
}

/*
 * Parses RFC 3339 ("2026-11-25T03:00:00Z", "...:00.123+01:00") to a
 * time_t, with json_time_parse's rules (the daemon writes its times with
 * json_time); returns 0 or -1.
 */
int
ctl_parse_time(const char *s, time_t *out)
{
	int64_t	 ms;

	if (json_time_parse(s, &ms) == -1)
		return (-1);
	*out = (time_t)(ms / 1000);
	return (0);
}

/*
 * A reply's time in local time ("2026-11-25 04:00:01"), "-" if null or
 * missing, the string as sent if unreadable.  Returns a new string; caller
 * frees.
 */
char *
ctl_fmt_time(const cJSON *v)
{
	char		 buf[64];
	struct tm	 tm;
	time_t		 t;

	if (!cJSON_IsString(v))
		return (xstrdup("-"));
	if (ctl_parse_time(v->valuestring, &t) == -1 ||
	    localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return (xstrdup(v->valuestring));
	return (xstrdup(buf));
}

/*
 * Seconds as people read them: "45s", "1m 02s", "2h 05m", "3d 4h".  The
 * second unit is kept so widths stay steady in a table.  Returns a new
 * string; caller frees.
 */
char *
ctl_fmt_duration(double secs)
{
	char		*s;
	long long	 n;

	if (secs != secs)	/* NaN */
		return (xstrdup("-"));
	if (secs < 0)
		secs = 0;
	if (secs > (double)LLONG_MAX / 2)
		secs = (double)LLONG_MAX / 2;
	n = (long long)(secs + 0.5);
	if (n < CTL_SECS_MINUTE)
		xasprintf(&s, "%llds", n);
	else if (n < CTL_SECS_HOUR)
		xasprintf(&s, "%lldm %02llds", n / CTL_SECS_MINUTE,
		    n % CTL_SECS_MINUTE);
	else if (n < CTL_SECS_DAY)
		xasprintf(&s, "%lldh %02lldm", n / CTL_SECS_HOUR,
		    n % CTL_SECS_HOUR / CTL_SECS_MINUTE);
	else
		xasprintf(&s, "%lldd %lldh", n / CTL_SECS_DAY,
		    n % CTL_SECS_DAY / CTL_SECS_HOUR);
	return (s);
}

/*
 * How long ago a reply's time was ("2h 05m"), "-" if null or unreadable.
 * Returns a new string; caller frees.
 */
char *
ctl_fmt_age(const cJSON *v)
{
	time_t	t;

	if (!cJSON_IsString(v) || ctl_parse_time(v->valuestring, &t) == -1)
		return (xstrdup("-"));
	return (ctl_fmt_duration(difftime(ctl_now(), t)));
}

/* Bytes in binary units: "512 B", "1.2 GiB".  Returns a new string. */
char *
ctl_fmt_size(double bytes)
{
	static const char	*units[] = { "KiB", "MiB", "GiB", "TiB",
				    "PiB", "EiB" };
	char			*s;
	size_t			 i;

	if (bytes != bytes || bytes < 0)
		return (xstrdup("-"));
	if (bytes < 1024) {
		xasprintf(&s, "%.0f B", bytes);
		return (s);
	}
	bytes /= 1024;
	for (i = 0; i < sizeof(units) / sizeof(units[0]) - 1; i++) {
		if (bytes < 1024 - 0.05)
			break;
		bytes /= 1024;
	}
	xasprintf(&s, "%.1f %s", bytes, units[i]);
	return (s);
}

/* The string field key of o, or NULL if missing, null or not a string. */
const char *
ctl_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return (cJSON_IsString(v) ? v->valuestring : NULL);
}

/* The number field key of o; returns 0, or -1 if missing or not a number. */
int
ctl_num(const cJSON *o, const char *key, double *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v))
		return (-1);
	*out = v->valuedouble;
	return (0);
}

/* The integer field key of o, or def. */
long long
ctl_int(const cJSON *o, const char *key, long long def)
{
	double	d;

	if (ctl_num(o, key, &d) == -1 || d != d || d > (double)LLONG_MAX ||
	    d < (double)LLONG_MIN)
		return (def);
	return ((long long)d);
}

/* The integer field key as text, "-" if missing.  Returns a new string. */
char *
ctl_fmt_int(const cJSON *o, const char *key)
{
	char	*s;
	double	 d;

	if (ctl_num(o, key, &d) == -1)
		return (xstrdup("-"));
	xasprintf(&s, "%.0f", d);
	return (s);
}

/*
 * "project/instance/database" of a job or plan entry, stopping at the
 * first null part ("proj", "proj/inst").  Returns a new string.
 */
char *
ctl_fmt_target(const cJSON *o)
{
	const char	*p, *i, *d;
	char		*s;

	p = ctl_str(o, "project");
	i = ctl_str(o, "instance");
	d = ctl_str(o, "database");
	if (p == NULL)
		return (xstrdup("-"));
	if (i == NULL)
		return (xstrdup(p));
	if (d == NULL)
		xasprintf(&s, "%s/%s", p, i);
	else
		xasprintf(&s, "%s/%s/%s", p, i, d);
	return (s);
}

/*
 * " (2 busy)" when some queued jobs wait for their instance to be free of
 * another operation, else "" (none, or a daemon that does not say).
 * Returns a new string.
 */
char *
ctl_fmt_busy(const cJSON *run)
{
	char	*s;
	double	 busy;

	if (ctl_num(run, "busy", &busy) == -1 || busy <= 0)
		return (xstrdup(""));
	xasprintf(&s, " (%.0f busy)", busy);
	return (s);
}

/*
 * A run's progress: "15/31 succeeded, 1 failed, 4 in flight, 10 queued
 * (2 busy), 1 retry wait".  Returns a new string.
 */
char *
ctl_fmt_run_counts(const cJSON *run)
{
	char	*s, *t[7], *u;
	double	 stuck;

	t[0] = ctl_fmt_int(run, "succeeded");
	t[1] = ctl_fmt_int(run, "total");
	t[2] = ctl_fmt_int(run, "failed");
	t[3] = ctl_fmt_int(run, "in_flight");
	t[4] = ctl_fmt_int(run, "queued");
	t[5] = ctl_fmt_int(run, "retry_wait");
	t[6] = ctl_fmt_busy(run);
	xasprintf(&s, "%s/%s succeeded, %s failed, %s in flight, %s queued%s, "
	    "%s retry wait", t[0], t[1], t[2], t[3], t[4], t[6], t[5]);
	free(t[6]);
	free(t[0]);
	free(t[1]);
	free(t[2]);
	free(t[3]);
	free(t[4]);
	free(t[5]);
	/* Exports past their time; said only when there are some. */
	if (ctl_num(run, "stuck", &stuck) == 0 && stuck > 0) {
		xasprintf(&u, "%s, %.0f stuck", s, stuck);
		free(s);
		s = u;
	}
	return (s);
}

/*
 * Discovery counts: "8 projects, 12 instances, 40 databases, 6 skipped,
 * 3 excluded, 1 API disabled, 0 errors".  Returns a new string.
 */
char *
ctl_fmt_discovery(const cJSON *d)
{
	static const char	*keys[] = { "projects", "instances",
				    "databases", "skipped", "excluded",
				    "api_disabled", "errors" };
	static const char	*labels[] = { "projects", "instances",
				    "databases", "skipped", "excluded",
				    "API disabled", "errors" };
	char			*s = NULL, *n, *t;
	size_t			 i;

	if (!cJSON_IsObject(d))
		return (xstrdup("-"));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		n = ctl_fmt_int(d, keys[i]);
		if (s == NULL)
			xasprintf(&t, "%s %s", n, labels[i]);
		else
			xasprintf(&t, "%s, %s %s", s, n, labels[i]);
		free(n);
		free(s);
		s = t;
	}
	return (s);
}

/* A table of ncols columns whose header row is the ncols strings given. */
struct ctl_table *
ctl_table_new(size_t ncols, ...)
{
	struct ctl_table	*t;
	char			**row;
	va_list			 ap;
	size_t			 i;

	t = xcalloc(1, sizeof(*t));
	t->ncols = ncols;
	row = xcalloc(ncols, sizeof(*row));
	va_start(ap, ncols);
	for (i = 0; i < ncols; i++)
		row[i] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	ctl_table_addv(t, row);
	free(row);
	return (t);
}

/* Adds a row of ncols strings (copied; NULL prints as "-"). */
void
ctl_table_add(struct ctl_table *t, ...)
{
	char	**row;
	va_list	  ap;
	size_t	  i;
	const char *s;

	row = xcalloc(t->ncols, sizeof(*row));
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		row[i] = xstrdup(s != NULL ? s : "-");
	}
	va_end(ap);
	ctl_table_addv(t, row);
	free(row);
}

/* Adds a row, taking ownership of the ncols strings (not of the array). */
void
ctl_table_addv(struct ctl_table *t, char **row)
{
	size_t	i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof(*t->cells));
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = row[i];
	t->nrows++;
}

/*
 * Prints columns padded to their widest cell.  With width > 0 (a terminal)
 * the last column is cut to fit, ending in "..."; piped output is never cut.
 */
void
ctl_table_print(const struct ctl_table *t, FILE *fp, int width)
{
	size_t		*w, r, c, used, room, len;
	const char	*cell;

	if (t->ncols == 0)
		return;
	w = xcalloc(t->ncols, sizeof(*w));
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			len = strlen(t->cells[r * t->ncols + c]);
			if (len > w[c])
				w[c] = len;
		}
	}
	used = 0;
	for (c = 0; c + 1 < t->ncols; c++)
		used += w[c] + CTL_TABLE_GAP;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c + 1 < t->ncols; c++)
			fprintf(fp, "%-*s", (int)(w[c] + CTL_TABLE_GAP),
			    t->cells[r * t->ncols + c]);
		cell = t->cells[r * t->ncols + c];
		len = strlen(cell);
		if (width > 0 && used + len > (size_t)width) {
			room = (size_t)width > used ? (size_t)width - used : 0;
			if (room > strlen(CTL_ELLIPSIS))
				fprintf(fp, "%.*s%s",
				    (int)(room - strlen(CTL_ELLIPSIS)), cell,
				    CTL_ELLIPSIS);
			else
				fprintf(fp, "%.*s", (int)room, cell);
		} else
			fputs(cell, fp);
		fputc('\n', fp);
	}
	free(w);
}

void
ctl_table_free(struct ctl_table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
