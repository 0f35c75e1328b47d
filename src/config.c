/*
 * config.c: databackup.conf, from text to a struct config.
 *
 * One table, config_table[], lists every key with its section, type,
 * default and flags; parsing, defaults, validation, config_dump() and
 * config_restart_keys() all walk it, and docs/configuration.md and
 * etc/databackup.conf are checked against it by tests/check_config.
 * config_load() reads the whole file, collects every error as
 * "FILE:LINE: message" (or "FILE: message" for a check across keys) and
 * returns a config only when there was none.  How a value of each type
 * is parsed, stored, written back and freed is config-type.c's; the rules
 * of single values (ids, names, addresses, readable files) are
 * config-check.c's.  Nothing here acts on the values, and no file but the
 * configuration is opened.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config-int.h"
#include "log.h"
#include "xmalloc.h"

#ifndef DATABACKUP_SOCKET
#define DATABACKUP_SOCKET	"/run/databackup/control.sock"
#endif
#ifndef DATABACKUP_JOURNAL
#define DATABACKUP_JOURNAL	"/var/lib/databackup/journal.db"
#endif

#define CONFIG_ERRORS_MAX	100	/* a binary file is not worth more */

#define F(f)	offsetof(struct config, f)
#define NONE	0

/*
 * The key table.  Order is the order of config_dump() and of the docs.
 * Durations are bounded so that a typo ("5ms" for "5m") is caught.
 */
static const struct config_key config_table[] = {
	{ "schedule", "daily_at", CFG_TIME, "03:00", 0, F(daily_at), NONE,
	    0, 0, NULL },
	{ "schedule", "catch_up", CFG_BOOL, "yes", 0, F(catch_up), NONE,
	    0, 0, NULL },

	{ "discovery", "folders", CFG_LIST, NULL, CFG_REPEAT, F(folders),
	    F(nfolders), 0, 0, config_check_folder },
	{ "discovery", "projects", CFG_LIST, NULL, CFG_REPEAT, F(projects),
	    F(nprojects), 0, 0, config_check_project },
	{ "discovery", "exclude", CFG_GLOB, NULL, CFG_REPEAT, F(excludes),
	    F(nexcludes), 0, 0, NULL },
	{ "discovery", "skip_replicas", CFG_BOOL, "yes", 0, F(skip_replicas),
	    NONE, 0, 0, NULL },
	{ "discovery", "include_system_databases", CFG_BOOL, "no", 0,
	    F(include_system_databases), NONE, 0, 0, NULL },
	{ "discovery", "concurrency", CFG_INT, "8", 0,
	    F(discovery_concurrency), NONE, 1, 64, NULL },

	{ "export", "bucket", CFG_STR, NULL, CFG_REQUIRED, F(bucket), NONE,
	    0, 0, config_check_bucket },
	{ "export", "object", CFG_STR,
	    "{project}/{instance}/{database}/{date}T{time}Z.{ext}",
	    CFG_REQUIRED, F(object), NONE, 0, 0, config_check_object },
	{ "export", "offload", CFG_BOOL, "no", 0, F(offload), NONE, 0, 0,
	    NULL },
	{ "export", "from_replica", CFG_STR, "no", 0, F(from_replica), NONE,
	    0, 0, config_check_word },
	{ "export", "max_in_flight", CFG_INT, "16", 0, F(max_in_flight),
	    NONE, 1, 256, NULL },
	{ "export", "retry_window", CFG_DUR, "1h", 0, F(retry_window_ms),
	    NONE, 0, 7 * MS_PER_DAY, NULL },
	{ "export", "alert_after_failures", CFG_INT, "3", 0,
	    F(alert_after_failures), NONE, 1, 100, NULL },
	{ "export", "poll_initial", CFG_DUR, "5s", 0, F(poll_initial_ms),
	    NONE, 100, MS_PER_H, NULL },
	{ "export", "poll_max", CFG_DUR, "60s", 0, F(poll_max_ms), NONE,
	    MS_PER_S, MS_PER_H, NULL },
	/* 0s: from poll_initial (retry_base) or 5 x poll_max (the others). */
	{ "export", "retry_base", CFG_DUR, "0s", 0, F(retry_base_ms), NONE,
	    0, MS_PER_H, NULL },
	{ "export", "retry_max", CFG_DUR, "0s", 0, F(retry_max_ms), NONE,
	    0, 24 * MS_PER_H, NULL },
	{ "export", "busy_max", CFG_DUR, "0s", 0, F(busy_max_ms), NONE,
	    0, 24 * MS_PER_H, NULL },

	{ "workers", "count", CFG_INT, "16", CFG_RESTART, F(workers), NONE,
	    1, 256, NULL },

	{ "control", "socket", CFG_STR, DATABACKUP_SOCKET,
	    CFG_RESTART | CFG_REQUIRED, F(control_socket), NONE, 0, 0,
	    config_check_socket },
	{ "control", "max_connections", CFG_INT, "64", 0,
	    F(control_max_conns), NONE, 1, 1000, NULL },
	{ "control", "idle_timeout", CFG_DUR, "10s", 0,
	    F(control_idle_timeout_ms), NONE, MS_PER_S, MS_PER_H, NULL },
	{ "control", "operators", CFG_STR, NULL, CFG_RESTART,
	    F(control_operators), NONE, 0, 0, config_check_group },
	{ "control", "readers", CFG_STR, NULL, CFG_RESTART,
	    F(control_readers), NONE, 0, 0, config_check_group },

	{ "drill", "scratch", CFG_LIST, NULL, CFG_REPEAT, F(drill_scratch),
	    F(ndrill_scratch), 0, 0, config_check_scratch },
	{ "drill", "weekly_at", CFG_STR, "sun 05:00", 0, F(drill_weekly_at),
	    NONE, 0, 0, config_check_weekly },
	{ "drill", "sample", CFG_INT, "10", 0, F(drill_sample), NONE, 1,
	    10000, NULL },
	{ "drill", "cycle", CFG_DUR, "8w", 0, F(drill_cycle_ms), NONE,
	    MS_PER_DAY, 3650 * MS_PER_DAY, NULL },

	{ "retention", "daily", CFG_INT, "0", 0, F(keep_daily), NONE, 0,
	    100000, NULL },
	{ "retention", "weekly", CFG_INT, "0", 0, F(keep_weekly), NONE, 0,
	    100000, NULL },
	{ "retention", "monthly", CFG_INT, "0", 0, F(keep_monthly), NONE, 0,
	    100000, NULL },

	{ "state", "journal", CFG_STR, DATABACKUP_JOURNAL,
	    CFG_RESTART | CFG_REQUIRED, F(journal), NONE, 0, 0, NULL },
	{ "state", "retention", CFG_DUR, "400d", 0, F(retention_ms), NONE,
	    MS_PER_DAY, 100 * 365 * MS_PER_DAY, NULL },

	{ "metrics", "listen", CFG_STR, NULL, CFG_RESTART, F(metrics_listen),
	    NONE, 0, 0, config_check_listen },

	{ "notify", "email_to", CFG_STR, NULL, 0, F(email_to), NONE, 0, 0,
	    config_check_email },
	{ "notify", "smtp_url", CFG_STR, NULL, 0, F(smtp_url), NONE, 0, 0,
	    config_check_smtp },
	{ "notify", "webhook_url", CFG_URL, NULL, 0, F(webhook_url), NONE,
	    0, 0, NULL },
	{ "notify", "pubsub_topic", CFG_STR, NULL, 0, F(pubsub_topic), NONE,
	    0, 0, config_check_topic },
	{ "notify", "environment", CFG_STR, "production", 0, F(environment),
	    NONE, 0, 0, NULL },
	{ "notify", "email_from", CFG_STR, NULL, 0, F(email_from), NONE, 0, 0,
	    config_check_email },
	{ "notify", "smtp_auth_file", CFG_STR, NULL, 0, F(smtp_auth_file),
	    NONE, 0, 0, config_check_secret },
	{ "notify", "webhook_format", CFG_STR, "generic", 0,
	    F(webhook_format), NONE, 0, 0, config_check_word },
	{ "notify", "ping_url", CFG_URL, NULL, 0, F(ping_url), NONE, 0, 0,
	    NULL },

	{ "alerts", "not_running_after", CFG_DUR, "26h", 0,
	    F(not_running_after_ms), NONE, MS_PER_M, 30 * MS_PER_DAY, NULL },
	{ "alerts", "max_age", CFG_DUR, "26h", 0, F(max_age_ms), NONE,
	    MS_PER_M, 365 * MS_PER_DAY, NULL },
	{ "alerts", "stall_after", CFG_DUR, "15m", 0, F(stall_after_ms), NONE,
	    10 * 1000, 30 * MS_PER_DAY, NULL },
	{ "alerts", "stuck_after", CFG_DUR, "0s", 0, F(stuck_after_ms), NONE,
	    0, 30 * MS_PER_DAY, config_check_stuck },
	{ "alerts", "cancel_stuck", CFG_BOOL, "no", 0, F(cancel_stuck), NONE,
	    0, 0, NULL },

	{ "log", "format", CFG_STR, "text", 0, F(log_format), NONE, 0, 0,
	    config_check_word },

	{ "gcp", "credentials", CFG_STR, NULL, 0, F(credentials), NONE, 0, 0,
	    config_check_readable },
	{ "gcp", "sqladmin_endpoint", CFG_URL,
	    "https://sqladmin.googleapis.com", CFG_NOSLASH | CFG_REQUIRED,
	    F(sqladmin_endpoint), NONE, 0, 0, NULL },
	{ "gcp", "resourcemanager_endpoint", CFG_URL,
	    "https://cloudresourcemanager.googleapis.com",
	    CFG_NOSLASH | CFG_REQUIRED,
	    F(resourcemanager_endpoint), NONE, 0, 0, NULL },
	{ "gcp", "storage_endpoint", CFG_URL,
	    "https://storage.googleapis.com", CFG_NOSLASH | CFG_REQUIRED,
	    F(storage_endpoint), NONE, 0, 0, NULL },
	{ "gcp", "pubsub_endpoint", CFG_URL,
	    "https://pubsub.googleapis.com", CFG_NOSLASH | CFG_REQUIRED,
	    F(pubsub_endpoint), NONE, 0, 0, NULL },
	/*
	 * The one endpoint that may be empty: Monitoring is then not asked,
	 * and disk sizes make the cold priors.  The others are needed.
	 */
	{ "gcp", "monitoring_endpoint", CFG_URL,
	    "https://monitoring.googleapis.com", CFG_NOSLASH,
	    F(monitoring_endpoint), NONE, 0, 0, NULL },
	{ "gcp", "ca_file", CFG_STR, NULL, 0, F(ca_file), NONE, 0, 0,
	    config_check_readable },
	{ "gcp", "quota_project", CFG_STR, NULL, 0, F(quota_project), NONE,
	    0, 0, config_check_project },
	{ "gcp", "sqladmin_rpm", CFG_INT, "180", 0, F(sqladmin_rpm), NONE,
	    1, 100000, NULL },
	{ "gcp", "http_timeout", CFG_DUR, "60s", 0, F(http_timeout_ms), NONE,
	    MS_PER_S, MS_PER_H, NULL },
	{ "gcp", "connect_timeout", CFG_DUR, "10s", 0,
	    F(connect_timeout_ms), NONE, 100, 10 * MS_PER_M, NULL },
};
#define CONFIG_NKEYS	(sizeof(config_table) / sizeof(config_table[0]))

#undef F
#undef NONE

void
config_error(struct config_parse *p, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (p->nerrs >= CONFIG_ERRORS_MAX) {
		p->dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("config_error: vasprintf");
	va_end(ap);
	p->errs = xreallocarray(p->errs, p->nerrs + 1, sizeof(*p->errs));
	p->errs[p->nerrs].line = line;
	p->errs[p->nerrs].msg = msg;
	p->nerrs++;
}

/*
 * Index of the first row of the table in section with key, or -1; a NULL
 * section or key matches any.
 */
static int
config_key_index(const char *section, const char *key)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if ((section == NULL ||
		    strcmp(config_table[i].section, section) == 0) &&
		    (key == NULL || strcmp(config_table[i].key, key) == 0))
			return ((int)i);
	}
	return (-1);
}

/*
 * Splits the text after '=' into the value: an optional "quoted" string,
 * else up to a '#' that starts the line or follows whitespace.
 */
static int
config_value_parse(char *s, char **out, char *err, size_t errlen)
{
	char	*end, *q;
	size_t	 n;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '"') {
		if ((end = strchr(s + 1, '"')) == NULL) {
			snprintf(err, errlen, "missing closing quote");
			return (-1);
		}
		*end = '\0';
		for (q = end + 1; isspace((unsigned char)*q); q++)
			;
		if (*q != '\0' && *q != '#') {
			snprintf(err, errlen, "text after closing quote");
			return (-1);
		}
		*out = s + 1;
		return (0);
	}
	for (q = s; *q != '\0'; q++) {
		if (*q == '#' && (q == s || isspace((unsigned char)q[-1]))) {
			*q = '\0';
			break;
		}
	}
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	*out = s;
	return (0);
}

static void
config_parse_section(struct config_parse *p, char *s, int lineno)
{
	char	*end, *name, *q;
	size_t	 n;
	int	 i;

	if ((end = strchr(s, ']')) == NULL) {
		config_error(p, lineno, "malformed section header (missing ])");
		goto bad;
	}
	for (q = end + 1; isspace((unsigned char)*q); q++)
		;
	if (*q != '\0' && *q != '#') {
		config_error(p, lineno, "text after section header");
		goto bad;
	}
	*end = '\0';
	for (name = s + 1; isspace((unsigned char)*name); name++)
		;
	n = strlen(name);
	while (n > 0 && isspace((unsigned char)name[n - 1]))
		name[--n] = '\0';
	if ((i = config_key_index(name, NULL)) == -1) {
		config_error(p, lineno, "unknown section [%s]", name);
		goto bad;
	}
	/* Point at the table's copy: the line buffer is reused. */
	p->section = config_table[i].section;
	p->bad_section = 0;
	return;
bad:
	p->section = NULL;
	p->bad_section = 1;
}

static void
config_parse_key(struct config_parse *p, char *s, char *eq, int lineno)
{
	const struct config_key	*k;
	char			 err[CONFIG_ERR_LEN], *key = s, *v;
	size_t			 n;
	int			 i, other;

	*eq = '\0';
	n = strlen(key);
	while (n > 0 && isspace((unsigned char)key[n - 1]))
		key[--n] = '\0';
	if (n == 0 || strspn(key, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n) {
		config_error(p, lineno, "malformed line (expected \"key = "
		    "value\", \"[section]\" or \"# comment\")");
		return;
	}
	if (config_value_parse(eq + 1, &v, err, sizeof(err)) == -1) {
		config_error(p, lineno, "%s: %s", key, err);
		return;
	}
	if (p->section == NULL) {
		if (!p->bad_section)
			config_error(p, lineno, "key \"%s\" outside any "
			    "section (put a [section] line before it)", key);
		return;
	}
	if ((i = config_key_index(p->section, key)) == -1) {
		/* Where a key of another section lives, to say so. */
		if ((other = config_key_index(NULL, key)) != -1)
			config_error(p, lineno, "unknown key \"%s\" in [%s] "
			    "(it belongs in [%s])", key, p->section,
			    config_table[other].section);
		else
			config_error(p, lineno, "unknown key \"%s\" in [%s]",
			    key, p->section);
		return;
	}
	k = &config_table[i];
	if (p->key[i].line != 0 && !(k->flags & CFG_REPEAT)) {
		config_error(p, lineno, "duplicate key \"%s\" in [%s] (first "
		    "set on line %d)", key, p->section, p->key[i].line);
		return;
	}
	if (p->key[i].line == 0)
		p->key[i].line = lineno;
	if (config_type_set(p, k, v, lineno, err, sizeof(err)) == -1) {
		p->key[i].bad = 1;
		config_error(p, lineno, "%s", err);
	}
}

static void
config_parse_line(struct config_parse *p, char *s, int lineno)
{
	char	*eq;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#')
		return;
	if (*s == '[') {
		config_parse_section(p, s, lineno);
		return;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		config_error(p, lineno, "malformed line (expected \"key = "
		    "value\", \"[section]\" or \"# comment\")");
		return;
	}
	config_parse_key(p, s, eq, lineno);
}

/* The line of the first key of a pair that was set in the file, or 0. */
static int
config_line_of(struct config_parse *p, int a, int b)
{
	if (a != -1 && p->key[a].line != 0)
		return (p->key[a].line);
	if (b != -1 && p->key[b].line != 0)
		return (p->key[b].line);
	return (0);
}

/* Rules across keys, once the whole file is read. */
static void
config_check_all(struct config_parse *p)
{
	struct config	*cfg = p->cfg;
	size_t		 i;
	int		 a, b;
	char		*x, *y;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_table[i];

		/* A default is only wrong when it is the value used. */
		if (p->key[i].def_err != NULL && p->key[i].line == 0) {
			config_error(p, 0, "[%s] %s: the compiled-in default "
			    "is unusable (%s); set [%s] %s", k->section,
			    k->key, p->key[i].def_err, k->section, k->key);
			p->key[i].bad = 1;
			continue;
		}
		if ((k->flags & CFG_REQUIRED) && !p->key[i].bad &&
		    *(char **)config_field(cfg, k->off) == NULL)
			config_error(p, 0, "missing [%s] %s (required)",
			    k->section, k->key);
	}

	a = config_key_index("export", "poll_initial");
	b = config_key_index("export", "poll_max");
	if (!p->key[a].bad && !p->key[b].bad &&
	    cfg->poll_initial_ms > cfg->poll_max_ms) {
		x = config_format_duration(cfg->poll_initial_ms);
		y = config_format_duration(cfg->poll_max_ms);
		config_error(p, config_line_of(p, a, b), "poll_initial (%s) is "
		    "longer than poll_max (%s)", x, y);
		free(x);
		free(y);
	}

	/*
	 * Waits left at 0s follow from the poll keys, so that whoever
	 * scales those (a test, a bench compressing time) scales them too.
	 */
	if (cfg->retry_base_ms == 0)
		cfg->retry_base_ms = cfg->poll_initial_ms;
	if (cfg->retry_max_ms == 0)
		cfg->retry_max_ms = 5 * cfg->poll_max_ms;
	if (cfg->busy_max_ms == 0)
		cfg->busy_max_ms = 5 * cfg->poll_max_ms;
	a = config_key_index("export", "retry_base");
	b = config_key_index("export", "retry_max");
	if (!p->key[a].bad && !p->key[b].bad &&
	    cfg->retry_base_ms > cfg->retry_max_ms) {
		x = config_format_duration(cfg->retry_base_ms);
		y = config_format_duration(cfg->retry_max_ms);
		config_error(p, config_line_of(p, a, b), "retry_base (%s) is "
		    "longer than retry_max (%s)", x, y);
		free(x);
		free(y);
	}

	a = config_key_index("export", "max_in_flight");
	b = config_key_index("workers", "count");
	if (!p->key[a].bad && !p->key[b].bad &&
	    cfg->max_in_flight > cfg->workers)
		config_error(p, config_line_of(p, a, b), "max_in_flight (%d) "
		    "is more than [workers] count (%d): a worker holds one "
		    "export", cfg->max_in_flight, cfg->workers);

	a = config_key_index("drill", "scratch");
	if (!p->key[a].bad && cfg->ndrill_scratch > CONFIG_SCRATCH_MAX)
		config_error(p, p->key[a].line, "%zu scratch instances: at "
		    "most %d (one per engine)", cfg->ndrill_scratch,
		    CONFIG_SCRATCH_MAX);

	a = config_key_index("discovery", "folders");
	b = config_key_index("discovery", "projects");
	if (!p->key[a].bad && !p->key[b].bad && cfg->nfolders == 0 &&
	    cfg->nprojects == 0)
		config_error(p, 0, "nothing to export: set [discovery] folders "
		    "or projects");
}

static int
config_err_cmp(const void *va, const void *vb)
{
	const struct config_err	*a = va, *b = vb;
	int			 la = a->line == 0 ? INT_MAX : a->line;
	int			 lb = b->line == 0 ? INT_MAX : b->line;

	if (la != lb)
		return (la < lb ? -1 : 1);
	/* Keep the order of detection: compare addresses. */
	return (a < b ? -1 : a > b);
}

/* Appends line to errs, or logs it when errs is NULL; takes line. */
static void
config_errors_add(struct config_errors *errs, char *line)
{
	if (errs == NULL) {
		log_warnx("%s", line);
		free(line);
		return;
	}
	errs->line = xreallocarray(errs->line, errs->n + 1,
	    sizeof(*errs->line));
	errs->line[errs->n++] = line;
}

/* Hands the errors over sorted by line, file-wide ones last. */
static void
config_errors_move(struct config_parse *p, struct config_errors *errs)
{
	size_t	 i;
	char	*line;

	qsort(p->errs, p->nerrs, sizeof(*p->errs), config_err_cmp);
	for (i = 0; i < p->nerrs; i++) {
		if (p->errs[i].line == 0)
			xasprintf(&line, "%s: %s", p->file, p->errs[i].msg);
		else
			xasprintf(&line, "%s:%d: %s", p->file, p->errs[i].line,
			    p->errs[i].msg);
		free(p->errs[i].msg);
		config_errors_add(errs, line);
	}
	if (p->dropped > 0) {
		xasprintf(&line, "%s: %d more errors not shown", p->file,
		    p->dropped);
		config_errors_add(errs, line);
	}
	free(p->errs);
	p->errs = NULL;
	p->nerrs = 0;
}

/*
 * Sets every key that has a default.  A default comes from configure
 * (the paths) and may not pass its key's check, say a socket path under a
 * deep --runstatedir; that is kept as the key's def_err, and is an error
 * only if the file does not set the key (config_check_all).
 */
static void
config_defaults(struct config_parse *p)
{
	char	 err[CONFIG_ERR_LEN], *v;
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_table[i].def == NULL)
			continue;
		v = xstrdup(config_table[i].def);
		if (config_type_set(p, &config_table[i], v, 0, err,
		    sizeof(err)) == -1)
			p->key[i].def_err = xstrdup(err);
		free(v);
	}
}

/* Frees what one load kept besides the config and the errors. */
static void
config_keystate_free(struct config_parse *p)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		free(p->key[i].def_err);
	free(p->key);
	p->key = NULL;
}

/*
 * Reads and checks the file at path.  Returns a new config (free with
 * config_free) when it had no error; else NULL, with every error appended
 * to errs (cleared by config_errors_clear), or logged when errs is NULL.
 */
struct config *
config_load(const char *path, struct config_errors *errs)
{
	struct config_parse	 p;
	FILE			*fp;
	char			*buf = NULL;
	size_t			 bufsz = 0;
	ssize_t			 len;
	int			 lineno = 0;

	memset(&p, 0, sizeof(p));
	p.file = path;
	p.cfg = xcalloc(1, sizeof(*p.cfg));
	p.cfg->path = xstrdup(path);
	p.cfg->loaded = time(NULL);
	p.key = xcalloc(CONFIG_NKEYS, sizeof(*p.key));
	config_defaults(&p);

	if ((fp = fopen(path, "re")) == NULL) {
		config_error(&p, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	while ((len = getline(&buf, &bufsz, fp)) != -1) {
		lineno++;
		if (strlen(buf) != (size_t)len) {
			config_error(&p, lineno, "NUL byte in line");
			continue;
		}
		config_parse_line(&p, buf, lineno);
	}
	if (ferror(fp))
		config_error(&p, 0, "read error: %s", strerror(errno));
	free(buf);
	fclose(fp);

	config_check_all(&p);
	if (p.nerrs == 0 && p.dropped == 0) {
		config_keystate_free(&p);
		return (p.cfg);
	}
fail:
	config_keystate_free(&p);
	config_errors_move(&p, errs);
	config_free(p.cfg);
	return (NULL);
}

void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < CONFIG_NKEYS; i++)
		config_type_free(cfg, &config_table[i]);
	free(cfg->path);
	free(cfg);
}

void
config_errors_clear(struct config_errors *errs)
{
	size_t	 i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->line[i]);
	free(errs->line);
	errs->line = NULL;
	errs->n = 0;
}

/*
 * Counts the restart-only keys whose values differ, and lists them as
 * "control.socket, workers.count" in buf (truncated to len).
 */
int
config_restart_keys(const struct config *old, const struct config *new,
    char *buf, size_t len)
{
	const struct config_key	*k;
	char			*a, *b, name[64];
	size_t			 i;
	int			 n = 0;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_table[i];
		if (!(k->flags & CFG_RESTART))
			continue;
		a = config_type_format(old, k);
		b = config_type_format(new, k);
		if (strcmp(a, b) != 0) {
			snprintf(name, sizeof(name), "%s%s.%s",
			    n == 0 ? "" : ", ", k->section, k->key);
			if (len > 0)
				strlcat(buf, name, len);
			n++;
		}
		free(a);
		free(b);
	}
	return (n);
}

/* A value needs quotes when the parser would otherwise cut or trim it. */
static void
config_dump_line(FILE *fp, const char *key, const char *v)
{
	size_t	 n = strlen(v);

	if (n > 0 && (strchr(v, '#') != NULL ||
	    isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1])))
		fprintf(fp, "%s = \"%s\"\n", key, v);
	else if (n > 0)
		fprintf(fp, "%s = %s\n", key, v);
	else
		fprintf(fp, "%s =\n", key);
}

/*
 * Writes every key with its effective value, as a file config_load()
 * reads back.  The credentials key holds a path, never the key itself.
 */
void
config_dump(const struct config *cfg, FILE *fp)
{
	const struct config_key	*k;
	const char		*section = NULL;
	char			*v;
	size_t			 i, j;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_table[i];
		if (section == NULL || strcmp(section, k->section) != 0) {
			fprintf(fp, "%s[%s]\n", section == NULL ? "" : "\n",
			    k->section);
			section = k->section;
		}
		if (k->type == CFG_GLOB && cfg->nexcludes > 0) {
			for (j = 0; j < cfg->nexcludes; j++)
				config_dump_line(fp, k->key,
				    cfg->excludes[j].pattern);
			continue;
		}
		v = config_type_format(cfg, k);
		config_dump_line(fp, k->key, v);
		free(v);
	}
}

/* Describes key number i of the table; -1 past the end. */
int
config_key_info(size_t i, struct config_keyinfo *ki)
{
	const struct config_key	*k;

	if (i >= CONFIG_NKEYS)
		return (-1);
	k = &config_table[i];
	ki->section = k->section;
	ki->key = k->key;
	ki->type = config_type_name(k->type);
	ki->def = k->def;
	ki->flags = k->flags & (CFG_REPEAT | CFG_RESTART);
	return (0);
}

/*
 * The effective value of [section] key as text (lists space-separated),
 * as a new string the caller frees; NULL for an unknown key.
 */
char *
config_value(const struct config *cfg, const char *section, const char *key)
{
	int	 i;

	if ((i = config_key_index(section, key)) == -1)
		return (NULL);
	return (config_type_format(cfg, &config_table[i]));
}
