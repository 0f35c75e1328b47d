/*
 * config.c: databackup.conf, from text to a struct config.
 *
 * One table, config_table[], lists every key with its section, type,
 * default and flags; parsing, defaults, validation, config_dump() and
 * config_restart_keys() all walk it, and docs/configuration.md and
 * etc/databackup.conf are checked against it by tests/check_config.
 * config_load() reads the whole file, collects every error as
 * "FILE:LINE: message" (or "FILE: message" for a check across keys) and
 * returns a config only when there was none.  Nothing here acts on the
 * values: no sockets, no network; the only file touched besides the
 * configuration is the credentials or CA file, opened to see that it is
 * readable.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "gcp.h"
#include "log.h"
#include "xmalloc.h"

#ifndef DATABACKUP_SOCKET
#define DATABACKUP_SOCKET	"/run/databackup/control.sock"
#endif
#ifndef DATABACKUP_JOURNAL
#define DATABACKUP_JOURNAL	"/var/lib/databackup/journal.db"
#endif

#define CONFIG_ERRORS_MAX	100	/* a binary file is not worth more */
#define CONFIG_ERR_LEN		512
#define CONFIG_PROJECT_MAX	100	/* domain-scoped ids: "example.com:p" */
#define CONFIG_PORT_MAX		65535

#define MS_PER_S		1000ULL
#define MS_PER_M		(60 * MS_PER_S)
#define MS_PER_H		(60 * MS_PER_M)
#define MS_PER_DAY		(24 * MS_PER_H)

/* Flags beyond the public CFG_REPEAT and CFG_RESTART. */
#define CFG_REQUIRED		0x10	/* must be set to a non-empty value */
#define CFG_NOSLASH		0x20	/* URL: drop trailing '/' */

enum config_type {
	CFG_DUR,	/* uint64_t ms; "1h30m" */
	CFG_BOOL,	/* int 0/1 */
	CFG_INT,	/* int in [min, max] */
	CFG_STR,	/* char *, NULL when empty */
	CFG_LIST,	/* char **, size_t; space-separated, repeatable */
	CFG_GLOB,	/* struct config_exclude *, size_t */
	CFG_TIME,	/* int minutes after midnight; "HH:MM" */
	CFG_URL,	/* char *, http:// or https:// */
};

static const char *const config_type_names[] = {
	"DUR", "BOOL", "INT", "STR", "LIST", "GLOB", "TIME", "URL"
};

struct config_key;
/* Checks (and may shorten in place) one value; fills err on failure. */
typedef int (*config_check_fn)(const struct config_key *, char *, char *,
    size_t);

struct config_key {
	const char	*section;
	const char	*key;
	enum config_type type;
	const char	*def;	/* parsed like a value from the file */
	int		 flags;
	size_t		 off;	/* offsetof(struct config, field) */
	size_t		 noff;	/* LIST, GLOB: offset of the count */
	uint64_t	 min;	/* INT: range; DUR: range in ms */
	uint64_t	 max;
	config_check_fn	 check;	/* STR, URL, LIST items: extra rules */
};

static int	config_check_folder(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_project(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_bucket(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_object(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_socket(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_listen(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_email(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_smtp(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_topic(const struct config_key *, char *, char *,
		    size_t);
static int	config_check_readable(const struct config_key *, char *,
		    char *, size_t);
static int	config_check_secret(const struct config_key *, char *,
		    char *, size_t);
static int	config_check_word(const struct config_key *, char *, char *,
		    size_t);

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

	{ "workers", "count", CFG_INT, "16", CFG_RESTART, F(workers), NONE,
	    1, 256, NULL },

	{ "control", "socket", CFG_STR, DATABACKUP_SOCKET,
	    CFG_RESTART | CFG_REQUIRED, F(control_socket), NONE, 0, 0,
	    config_check_socket },

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

	{ "log", "format", CFG_STR, "text", 0, F(log_format), NONE, 0, 0,
	    config_check_word },

	{ "gcp", "credentials", CFG_STR, NULL, 0, F(credentials), NONE, 0, 0,
	    config_check_readable },
	{ "gcp", "sqladmin_endpoint", CFG_URL,
	    "https://sqladmin.googleapis.com", CFG_NOSLASH,
	    F(sqladmin_endpoint), NONE, 0, 0, NULL },
	{ "gcp", "resourcemanager_endpoint", CFG_URL,
	    "https://cloudresourcemanager.googleapis.com", CFG_NOSLASH,
	    F(resourcemanager_endpoint), NONE, 0, 0, NULL },
	{ "gcp", "storage_endpoint", CFG_URL,
	    "https://storage.googleapis.com", CFG_NOSLASH,
	    F(storage_endpoint), NONE, 0, 0, NULL },
	{ "gcp", "pubsub_endpoint", CFG_URL,
	    "https://pubsub.googleapis.com", CFG_NOSLASH,
	    F(pubsub_endpoint), NONE, 0, 0, NULL },
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

/* One error while loading; sorted by line before they are handed out. */
struct config_err {
	int		 line;	/* 0: about the file as a whole */
	char		*msg;
};

struct config_parse {
	const char	*file;
	struct config	*cfg;
	const char	*section;	/* current section, or NULL */
	int		 bad_section;	/* inside an unknown section */
	int		 line[CONFIG_NKEYS];	/* first line setting key */
	int		 bad[CONFIG_NKEYS];	/* key had a bad value */
	struct config_err *errs;
	size_t		 nerrs;
	int		 dropped;	/* errors past CONFIG_ERRORS_MAX */
};

/* Durations: units in the order they may appear. */
static const struct {
	const char	*name;
	uint64_t	 ms;
} config_units[] = {
	{ "d", MS_PER_DAY },
	{ "h", MS_PER_H },
	{ "m", MS_PER_M },
	{ "s", MS_PER_S },
	{ "ms", 1 },
};
#define CONFIG_NUNITS	(sizeof(config_units) / sizeof(config_units[0]))

static const char *const config_placeholders[] = {
	"project", "instance", "database", "date", "time", "ext"
};
#define CONFIG_NPLACEHOLDERS \
	(sizeof(config_placeholders) / sizeof(config_placeholders[0]))
/* An object per job per day: these must be in the template. */
static const char *const config_placeholders_required[] = {
	"project", "instance", "database", "date"
};
#define CONFIG_NREQUIRED \
	(sizeof(config_placeholders_required) / \
	sizeof(config_placeholders_required[0]))

static void
config_error(struct config_parse *p, int line, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
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

static void *
config_field(const struct config *cfg, const struct config_key *k,
    size_t off)
{
	return ((char *)cfg + off);
}

static int
config_key_index(const char *section, const char *key)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(config_table[i].section, section) == 0 &&
		    strcmp(config_table[i].key, key) == 0)
			return ((int)i);
	}
	return (-1);
}

/* Index of the first key of a section, or -1 for an unknown section. */
static int
config_section_index(const char *section)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(config_table[i].section, section) == 0)
			return ((int)i);
	}
	return (-1);
}

static int
config_has_space(const char *s)
{
	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			return (1);
	}
	return (0);
}

static int
config_has_cntrl(const char *s)
{
	for (; *s != '\0'; s++) {
		if (iscntrl((unsigned char)*s))
			return (1);
	}
	return (0);
}

/*
 * "1h30m", "500ms", "5s": one or more NUMBER UNIT pairs, units in
 * decreasing order and each at most once.  A bare number is refused: is
 * "60" seconds or minutes?
 */
int
config_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t	 total = 0, n, add;
	size_t		 u, last = 0, ulen;
	int		 any = 0;

	if (s == NULL || *s == '\0')
		return (-1);
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return (-1);
		for (n = 0; isdigit((unsigned char)*s); s++) {
			if (n > (UINT64_MAX - 9) / 10)
				return (-1);
			n = n * 10 + (uint64_t)(*s - '0');
		}
		/* "ms" before "m", so "5ms" is not read as "5m" then "s". */
		if (strncmp(s, "ms", 2) == 0)
			u = 4;
		else if (*s == 'd')
			u = 0;
		else if (*s == 'h')
			u = 1;
		else if (*s == 'm')
			u = 2;
		else if (*s == 's')
			u = 3;
		else
			return (-1);
		ulen = strlen(config_units[u].name);
		if (any && u <= last)
			return (-1);
		if (n > UINT64_MAX / config_units[u].ms)
			return (-1);
		add = n * config_units[u].ms;
		if (total > UINT64_MAX - add)
			return (-1);
		total += add;
		last = u;
		any = 1;
		s += ulen;
	}
	*ms = total;
	return (0);
}

/* "HH:MM", 00:00 to 23:59 (the hour may have one digit). */
int
config_parse_time(const char *s, int *minutes)
{
	int	 h, m;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return (-1);
	h = s[0] - '0';
	s++;
	if (isdigit((unsigned char)*s))
		h = h * 10 + (*s++ - '0');
	if (*s++ != ':')
		return (-1);
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != '\0')
		return (-1);
	m = (s[0] - '0') * 10 + (s[1] - '0');
	if (h > 23 || m > 59)
		return (-1);
	*minutes = h * 60 + m;
	return (0);
}

static int
config_parse_bool(const char *s, int *b)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = 0;
			return (0);
		}
	}
	return (-1);
}

/* Writes "1h30m", "500ms", "0s" into a new string; caller frees. */
static char *
config_format_duration(uint64_t ms)
{
	char	 buf[128], part[32];
	size_t	 u;

	buf[0] = '\0';
	if (ms == 0)
		return (xstrdup("0s"));
	for (u = 0; u < CONFIG_NUNITS; u++) {
		if (ms / config_units[u].ms == 0)
			continue;
		snprintf(part, sizeof(part), "%llu%s",
		    (unsigned long long)(ms / config_units[u].ms),
		    config_units[u].name);
		strlcat(buf, part, sizeof(buf));
		ms %= config_units[u].ms;
	}
	return (xstrdup(buf));
}

/*
 * Checks the object name template: only known placeholders, and those that
 * make an object unique per job and day.  Fills err on failure.
 */
int
config_object_check(const char *t, char *err, size_t errlen)
{
	int		 found[CONFIG_NPLACEHOLDERS];
	const char	*s, *end;
	size_t		 i, n;

	memset(found, 0, sizeof(found));
	if (*t == '\0') {
		snprintf(err, errlen, "empty template");
		return (-1);
	}
	if (strlen(t) >= GCP_OBJECT_MAX) {
		snprintf(err, errlen, "longer than %d bytes", GCP_OBJECT_MAX);
		return (-1);
	}
	if (*t == '/') {
		snprintf(err, errlen, "must not start with /");
		return (-1);
	}
	if (strstr(t, "..") != NULL) {
		snprintf(err, errlen, "must not contain ..");
		return (-1);
	}
	if (config_has_cntrl(t)) {
		snprintf(err, errlen, "must not contain control characters");
		return (-1);
	}
	for (s = t; *s != '\0'; s++) {
		if (*s == '}') {
			snprintf(err, errlen, "} without {");
			return (-1);
		}
		if (*s != '{')
			continue;
		if ((end = strchr(s + 1, '}')) == NULL) {
			snprintf(err, errlen, "{ without }");
			return (-1);
		}
		n = (size_t)(end - s - 1);
		for (i = 0; i < CONFIG_NPLACEHOLDERS; i++) {
			if (strlen(config_placeholders[i]) == n &&
			    strncmp(s + 1, config_placeholders[i], n) == 0)
				break;
		}
		if (i == CONFIG_NPLACEHOLDERS) {
			snprintf(err, errlen, "unknown placeholder {%.*s} (use "
			    "{project} {instance} {database} {date} {time} "
			    "{ext})", (int)(n > 64 ? 64 : n), s + 1);
			return (-1);
		}
		found[i] = 1;
		s = end;
	}
	for (i = 0; i < CONFIG_NREQUIRED; i++) {
		for (n = 0; n < CONFIG_NPLACEHOLDERS; n++) {
			if (strcmp(config_placeholders[n],
			    config_placeholders_required[i]) == 0)
				break;
		}
		if (!found[n]) {
			snprintf(err, errlen, "missing {%s} (an object must be "
			    "unique per database and day)",
			    config_placeholders_required[i]);
			return (-1);
		}
	}
	return (0);
}

static int
config_check_object(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	char	 why[CONFIG_ERR_LEN];

	if (config_object_check(v, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "bad object template \"%s\": %s", v, why);
		return (-1);
	}
	return (0);
}

/* Accepts "123" and "folders/123"; keeps the digits. */
static int
config_check_folder(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*d = v;
	size_t		 n;

	if (strncmp(d, "folders/", 8) == 0)
		d += 8;
	n = strspn(d, "0123456789");
	if (n == 0 || d[n] != '\0' || n >= GCP_FOLDER_MAX - 8) {
		snprintf(err, errlen, "bad folder id \"%s\" (digits, or "
		    "folders/DIGITS)", v);
		return (-1);
	}
	memmove(v, d, n + 1);
	return (0);
}

/*
 * Resource Manager: lowercase letters, digits and hyphens, starting with a
 * letter; older projects may be domain-scoped ("example.com:name").
 */
static int
config_check_project(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	size_t	 n = strlen(v);

	if (n == 0 || n > CONFIG_PROJECT_MAX || !islower((unsigned char)v[0]) ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-.:") != n ||
	    v[n - 1] == '-') {
		snprintf(err, errlen, "bad project id \"%s\" for %s (lowercase "
		    "letters, digits and -, starting with a letter)", v,
		    k->key);
		return (-1);
	}
	return (0);
}

static int
config_bucket_why(const char *v, const char **why)
{
	const char	*s, *dot;
	size_t		 n = strlen(v), part;
	int		 dots = 0, digits_only = 1;

	if (strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != n) {
		*why = "only lowercase letters, digits, -, _ and . are allowed";
		return (-1);
	}
	if (n < 3) {
		*why = "shorter than 3 characters";
		return (-1);
	}
	if (!isalnum((unsigned char)v[0]) ||
	    !isalnum((unsigned char)v[n - 1])) {
		*why = "must start and end with a letter or digit";
		return (-1);
	}
	if (strchr(v, '.') == NULL && n > 63) {
		*why = "longer than 63 characters (222 with dots)";
		return (-1);
	}
	for (s = v; s != NULL; s = dot == NULL ? NULL : dot + 1) {
		dot = strchr(s, '.');
		part = dot == NULL ? strlen(s) : (size_t)(dot - s);
		if (part == 0) {
			*why = "empty part between dots";
			return (-1);
		}
		if (part > 63) {
			*why = "a dot-separated part is longer than 63 "
			    "characters";
			return (-1);
		}
		if (strspn(s, "0123456789") < part)
			digits_only = 0;
		if (dot != NULL)
			dots++;
	}
	if (n > GCP_BUCKET_MAX) {
		*why = "longer than 222 characters";
		return (-1);
	}
	if (dots == 3 && digits_only) {
		*why = "must not look like an IP address";
		return (-1);
	}
	if (strncmp(v, "goog", 4) == 0 || strstr(v, "google") != NULL) {
		*why = "must not start with \"goog\" or contain \"google\"";
		return (-1);
	}
	return (0);
}

/* Cloud Storage bucket naming rules. */
static int
config_check_bucket(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*why;

	if (config_bucket_why(v, &why) == -1) {
		snprintf(err, errlen, "bad bucket name \"%s\": %s", v, why);
		return (-1);
	}
	return (0);
}

static int
config_check_socket(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sun;

	if (strlen(v) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path \"%s\" is longer than %zu "
		    "bytes", v, sizeof(sun.sun_path) - 1);
		return (-1);
	}
	return (0);
}

/* "HOST:PORT" or "[V6]:PORT". */
static int
config_check_listen(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*port, *end;
	long		 n;
	char		*ep;

	if (v[0] == '[') {
		end = strchr(v, ']');
		if (end == NULL || end == v + 1 || end[1] != ':')
			goto bad;
		port = end + 2;
	} else {
		port = strrchr(v, ':');
		if (port == NULL || port == v || memchr(v, ':',
		    (size_t)(port - v)) != NULL)
			goto bad;
		port++;
	}
	if (config_has_space(v) || !isdigit((unsigned char)*port))
		goto bad;
	errno = 0;
	n = strtol(port, &ep, 10);
	if (*ep != '\0' || errno != 0 || n < 1 || n > CONFIG_PORT_MAX)
		goto bad;
	return (0);
bad:
	snprintf(err, errlen, "bad address \"%s\" for %s (HOST:PORT or "
	    "[IPV6]:PORT; leave empty for no metrics)", v, k->key);
	return (-1);
}

/* One address, or several separated by commas. */
static int
config_check_email(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*s, *at, *comma;

	if (config_has_space(v))
		goto bad;
	for (s = v; s != NULL; s = comma == NULL ? NULL : comma + 1) {
		comma = strchr(s, ',');
		at = strchr(s, '@');
		if (at == NULL || at == s || (comma != NULL && at > comma) ||
		    at[1] == '\0' || at[1] == ',')
			goto bad;
	}
	return (0);
bad:
	snprintf(err, errlen, "bad address \"%s\" for %s (user@domain, "
	    "several separated by commas)", v, k->key);
	return (-1);
}

static int
config_check_smtp(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*host;

	if (strncmp(v, "smtp://", 7) == 0)
		host = v + 7;
	else if (strncmp(v, "smtps://", 8) == 0)
		host = v + 8;
	else
		host = NULL;
	if (host == NULL || *host == '\0' || *host == '/' ||
	    config_has_space(v) || config_has_cntrl(v)) {
		snprintf(err, errlen, "bad URL \"%s\" for %s (use smtp://HOST"
		    "[:PORT] or smtps://HOST[:PORT])", v, k->key);
		return (-1);
	}
	return (0);
}

/* Pub/Sub: "projects/PROJECT/topics/TOPIC". */
static int
config_check_topic(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*s = v;
	size_t		 n;

	if (strncmp(s, "projects/", 9) != 0)
		goto bad;
	s += 9;
	if ((n = strcspn(s, "/")) == 0 || strncmp(s + n, "/topics/", 8) != 0)
		goto bad;
	s += n + 8;
	if (*s == '\0' || strchr(s, '/') != NULL || config_has_space(v))
		goto bad;
	return (0);
bad:
	snprintf(err, errlen, "bad topic \"%s\" for %s "
	    "(projects/PROJECT/topics/TOPIC)", v, k->key);
	return (-1);
}

/*
 * The daemon must be able to read the file at every start and reload.
 * O_NONBLOCK: a FIFO given by mistake must not hang the loader.
 */
static int
config_check_readable(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	struct stat	 st;
	int		 fd;

	fd = open(v, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		snprintf(err, errlen, "cannot read %s \"%s\": %s", k->key, v,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s \"%s\" is not a regular file",
		    k->key, v);
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* A file holding a password: readable by us, by nobody else. */
static int
config_check_secret(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	struct stat	 st;

	if (config_check_readable(k, v, err, errlen) == -1)
		return (-1);
	if (stat(v, &st) == 0 && (st.st_mode & S_IROTH) != 0) {
		snprintf(err, errlen, "%s \"%s\" is readable by everyone "
		    "(chmod o-r)", k->key, v);
		return (-1);
	}
	return (0);
}

/* Keys that take one of a few words. */
static int
config_check_word(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	static const struct {
		const char	*key;
		const char	*words[4];
	} allowed[] = {
		{ "webhook_format", { "generic", "teams", "googlechat" } },
		{ "format", { "text", "json" } },
	};
	size_t	i, j;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (strcmp(allowed[i].key, k->key) != 0)
			continue;
		for (j = 0; j < 4 && allowed[i].words[j] != NULL; j++)
			if (strcmp(allowed[i].words[j], v) == 0)
				return (0);
		snprintf(err, errlen, "bad value \"%s\" for %s (%s%s%s%s%s)",
		    v, k->key, allowed[i].words[0],
		    allowed[i].words[1] ? ", " : "",
		    allowed[i].words[1] ? allowed[i].words[1] : "",
		    allowed[i].words[2] ? " or " : "",
		    allowed[i].words[2] ? allowed[i].words[2] : "");
		return (-1);
	}
	return (0);
}

static int
config_check_url(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*host;
	size_t		 n;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		host = NULL;
	if (host == NULL || *host == '\0' || *host == '/' || *host == ':' ||
	    config_has_space(v) || config_has_cntrl(v)) {
		snprintf(err, errlen, "bad URL \"%s\" for %s (use http://HOST"
		    "[:PORT][/PATH] or https://...)", v, k->key);
		return (-1);
	}
	if (k->flags & CFG_NOSLASH) {
		n = strlen(v);
		while (n > 0 && v[n - 1] == '/')
			v[--n] = '\0';
	}
	return (0);
}

/*
 * A shell glob is sane when every '[' has its ']' and no '\' is last;
 * fnmatch(3) would otherwise quietly treat them as literals.
 */
static int
config_glob_check(const char *s, const char **why)
{
	size_t	 i, j;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\\') {
			if (s[i + 1] == '\0') {
				*why = "trailing \\";
				return (-1);
			}
			i++;
			continue;
		}
		if (s[i] != '[')
			continue;
		j = i + 1;
		if (s[j] == '!' || s[j] == '^')
			j++;
		if (s[j] == ']')
			j++;
		while (s[j] != '\0' && s[j] != ']')
			j++;
		if (s[j] == '\0') {
			*why = "[ without ]";
			return (-1);
		}
		i = j;
	}
	return (0);
}

static void
config_exclude_clear(struct config_exclude *e)
{
	int	 i;

	free(e->pattern);
	for (i = 0; i < 3; i++)
		free(e->part[i]);
	free(e->file);
}

/* PROJECT[/INSTANCE[/DATABASE]], each part a non-empty glob. */
static int
config_add_exclude(struct config_parse *p, const char *v, int line,
    char *err, size_t errlen)
{
	struct config		*cfg = p->cfg;
	struct config_exclude	 e;
	const char		*s, *slash, *why;
	size_t			 n;

	memset(&e, 0, sizeof(e));
	if (config_has_space(v) || config_has_cntrl(v)) {
		snprintf(err, errlen, "bad exclude \"%s\": one pattern per "
		    "line, without spaces (repeat the key)", v);
		return (-1);
	}
	for (s = v; s != NULL; s = slash == NULL ? NULL : slash + 1) {
		slash = strchr(s, '/');
		n = slash == NULL ? strlen(s) : (size_t)(slash - s);
		if (e.nparts == 3) {
			snprintf(err, errlen, "bad exclude \"%s\": more than 3 "
			    "parts (PROJECT[/INSTANCE[/DATABASE]])", v);
			goto fail;
		}
		if (n == 0) {
			snprintf(err, errlen, "bad exclude \"%s\": empty part "
			    "(PROJECT[/INSTANCE[/DATABASE]])", v);
			goto fail;
		}
		e.part[e.nparts] = xstrndup(s, n);
		if (config_glob_check(e.part[e.nparts], &why) == -1) {
			snprintf(err, errlen, "bad exclude \"%s\": %s in "
			    "\"%s\"", v, why, e.part[e.nparts]);
			e.nparts++;
			goto fail;
		}
		e.nparts++;
	}
	e.pattern = xstrdup(v);
	e.file = xstrdup(p->file);
	e.line = line;
	cfg->excludes = xreallocarray(cfg->excludes, cfg->nexcludes + 1,
	    sizeof(*cfg->excludes));
	cfg->excludes[cfg->nexcludes++] = e;
	return (0);
fail:
	config_exclude_clear(&e);
	return (-1);
}

static int
config_list_has(char **list, size_t n, const char *v)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i], v) == 0)
			return (1);
	}
	return (0);
}

/*
 * Sets one key from its text; a LIST or GLOB key appends.  Used for the
 * defaults and for the file alike.  Returns -1 with err filled.
 */
static int
config_set(struct config_parse *p, const struct config_key *k, char *v,
    int line, char *err, size_t errlen)
{
	struct config	*cfg = p->cfg;
	char		**sp, ***lp, *item, *save, why[CONFIG_ERR_LEN];
	size_t		*np;
	uint64_t	 dur;
	long long	 n;
	char		*ep;
	int		 i, bad;

	if (*v == '\0' && k->type != CFG_LIST && k->type != CFG_GLOB &&
	    ((k->type != CFG_STR && k->type != CFG_URL) ||
	    (k->flags & CFG_REQUIRED))) {
		snprintf(err, errlen, "empty value for %s", k->key);
		return (-1);
	}
	switch (k->type) {
	case CFG_DUR:
		if (config_parse_duration(v, &dur) == -1) {
			snprintf(err, errlen, "bad duration \"%s\" for %s (use "
			    "ms, s, m, h or d)", v, k->key);
			return (-1);
		}
		if (dur < k->min || dur > k->max) {
			char	*lo = config_format_duration(k->min);
			char	*hi = config_format_duration(k->max);

			snprintf(err, errlen, "%s %s out of range (%s-%s)",
			    k->key, v, lo, hi);
			free(lo);
			free(hi);
			return (-1);
		}
		*(uint64_t *)config_field(cfg, k, k->off) = dur;
		break;
	case CFG_BOOL:
		if (config_parse_bool(v, &i) == -1) {
			snprintf(err, errlen, "bad boolean \"%s\" for %s "
			    "(yes/no, true/false, on/off or 1/0)", v, k->key);
			return (-1);
		}
		*(int *)config_field(cfg, k, k->off) = i;
		break;
	case CFG_INT:
		errno = 0;
		n = strtoll(v, &ep, 10);
		if (!isdigit((unsigned char)*v) || *ep != '\0' ||
		    errno == ERANGE) {
			snprintf(err, errlen, "bad number \"%s\" for %s "
			    "(%llu-%llu)", v, k->key,
			    (unsigned long long)k->min,
			    (unsigned long long)k->max);
			return (-1);
		}
		if (n < (long long)k->min || n > (long long)k->max) {
			snprintf(err, errlen, "%s %s out of range (%llu-%llu)",
			    k->key, v, (unsigned long long)k->min,
			    (unsigned long long)k->max);
			return (-1);
		}
		*(int *)config_field(cfg, k, k->off) = (int)n;
		break;
	case CFG_TIME:
		if (config_parse_time(v, &i) == -1) {
			snprintf(err, errlen, "bad time \"%s\" for %s (HH:MM, "
			    "00:00 to 23:59)", v, k->key);
			return (-1);
		}
		*(int *)config_field(cfg, k, k->off) = i;
		break;
	case CFG_STR:
	case CFG_URL:
		if (*v != '\0') {
			if (k->type == CFG_URL &&
			    config_check_url(k, v, err, errlen) == -1)
				return (-1);
			if (k->check != NULL &&
			    k->check(k, v, err, errlen) == -1)
				return (-1);
		}
		sp = config_field(cfg, k, k->off);
		free(*sp);
		*sp = *v == '\0' ? NULL : xstrdup(v);
		break;
	case CFG_LIST:
		lp = config_field(cfg, k, k->off);
		np = config_field(cfg, k, k->noff);
		bad = 0;
		for (item = strtok_r(v, " \t", &save); item != NULL;
		    item = strtok_r(NULL, " \t", &save)) {
			/* Report each bad item; the caller reports the last. */
			if (k->check != NULL && k->check(k, item, why,
			    sizeof(why)) == -1) {
				if (bad++)
					config_error(p, line, "%s", err);
				strlcpy(err, why, errlen);
				continue;
			}
			if (config_list_has(*lp, *np, item))
				continue;
			*lp = xreallocarray(*lp, *np + 1, sizeof(**lp));
			(*lp)[(*np)++] = xstrdup(item);
		}
		if (bad)
			return (-1);
		break;
	case CFG_GLOB:
		if (*v == '\0')
			break;
		return (config_add_exclude(p, v, line, err, errlen));
	}
	return (0);
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
	if ((i = config_section_index(name)) == -1) {
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

/* Where a key of another section lives, to say so in the error. */
static const char *
config_key_elsewhere(const char *key)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(config_table[i].key, key) == 0)
			return (config_table[i].section);
	}
	return (NULL);
}

static void
config_parse_key(struct config_parse *p, char *s, char *eq, int lineno)
{
	const struct config_key	*k;
	char			 err[CONFIG_ERR_LEN], *key = s, *v;
	const char		*other;
	size_t			 n;
	int			 i;

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
		other = config_key_elsewhere(key);
		if (other != NULL)
			config_error(p, lineno, "unknown key \"%s\" in [%s] "
			    "(it belongs in [%s])", key, p->section, other);
		else
			config_error(p, lineno, "unknown key \"%s\" in [%s]",
			    key, p->section);
		return;
	}
	k = &config_table[i];
	if (p->line[i] != 0 && !(k->flags & CFG_REPEAT)) {
		config_error(p, lineno, "duplicate key \"%s\" in [%s] (first "
		    "set on line %d)", key, p->section, p->line[i]);
		return;
	}
	if (p->line[i] == 0)
		p->line[i] = lineno;
	if (config_set(p, k, v, lineno, err, sizeof(err)) == -1) {
		p->bad[i] = 1;
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
	if (a != -1 && p->line[a] != 0)
		return (p->line[a]);
	if (b != -1 && p->line[b] != 0)
		return (p->line[b]);
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

		if ((k->flags & CFG_REQUIRED) && !p->bad[i] &&
		    *(char **)config_field(cfg, k, k->off) == NULL)
			config_error(p, 0, "missing [%s] %s (required)",
			    k->section, k->key);
	}

	a = config_key_index("export", "poll_initial");
	b = config_key_index("export", "poll_max");
	if (!p->bad[a] && !p->bad[b] &&
	    cfg->poll_initial_ms > cfg->poll_max_ms) {
		x = config_format_duration(cfg->poll_initial_ms);
		y = config_format_duration(cfg->poll_max_ms);
		config_error(p, config_line_of(p, a, b), "poll_initial (%s) is "
		    "longer than poll_max (%s)", x, y);
		free(x);
		free(y);
	}

	a = config_key_index("export", "max_in_flight");
	b = config_key_index("workers", "count");
	if (!p->bad[a] && !p->bad[b] && cfg->max_in_flight > cfg->workers)
		config_error(p, config_line_of(p, a, b), "max_in_flight (%d) "
		    "is more than [workers] count (%d): a worker holds one "
		    "export", cfg->max_in_flight, cfg->workers);

	a = config_key_index("discovery", "folders");
	b = config_key_index("discovery", "projects");
	if (!p->bad[a] && !p->bad[b] && cfg->nfolders == 0 &&
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
		if (errs == NULL) {
			log_warnx("%s", line);
			free(line);
			continue;
		}
		errs->line = xreallocarray(errs->line, errs->n + 1,
		    sizeof(*errs->line));
		errs->line[errs->n++] = line;
	}
	if (p->dropped > 0) {
		xasprintf(&line, "%s: %d more errors not shown", p->file,
		    p->dropped);
		if (errs == NULL) {
			log_warnx("%s", line);
			free(line);
		} else {
			errs->line = xreallocarray(errs->line, errs->n + 1,
			    sizeof(*errs->line));
			errs->line[errs->n++] = line;
		}
	}
	free(p->errs);
	p->errs = NULL;
	p->nerrs = 0;
}

static void
config_defaults(struct config_parse *p)
{
	char	 err[CONFIG_ERR_LEN], *v;
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_table[i].def == NULL)
			continue;
		v = xstrdup(config_table[i].def);
		if (config_set(p, &config_table[i], v, 0, err,
		    sizeof(err)) == -1)
			fatalx("config_defaults: %s", err);
		free(v);
	}
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
	if (p.nerrs == 0 && p.dropped == 0)
		return (p.cfg);
fail:
	config_errors_move(&p, errs);
	config_free(p.cfg);
	return (NULL);
}

void
config_free(struct config *cfg)
{
	const struct config_key	*k;
	size_t			 i, j, *np;
	char			**sp, ***lp;
	struct config_exclude	*ex;

	if (cfg == NULL)
		return;
	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_table[i];
		switch (k->type) {
		case CFG_STR:
		case CFG_URL:
			sp = config_field(cfg, k, k->off);
			free(*sp);
			break;
		case CFG_LIST:
			lp = config_field(cfg, k, k->off);
			np = config_field(cfg, k, k->noff);
			for (j = 0; j < *np; j++)
				free((*lp)[j]);
			free(*lp);
			break;
		case CFG_GLOB:
			ex = cfg->excludes;
			for (j = 0; j < cfg->nexcludes; j++)
				config_exclude_clear(&ex[j]);
			free(ex);
			break;
		case CFG_DUR:
		case CFG_BOOL:
		case CFG_INT:
		case CFG_TIME:
			break;
		}
	}
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
 * Returns the pattern of the first exclude rule covering the question, or
 * NULL.  instance NULL asks about a whole project, database NULL about a
 * whole instance; a rule covers a question when it has no more parts than
 * the question and each part matches.  Borrows everything.
 */
const char *
config_exclude_match(const struct config *cfg, const char *project,
    const char *instance, const char *database)
{
	const struct config_exclude	*e;
	const char			*name[3];
	size_t				 i;
	int				 depth, j;

	name[0] = project;
	name[1] = instance;
	name[2] = database;
	depth = instance == NULL ? 1 : database == NULL ? 2 : 3;
	if (project == NULL)
		return (NULL);
	for (i = 0; i < cfg->nexcludes; i++) {
		e = &cfg->excludes[i];
		if (e->nparts > depth)
			continue;
		for (j = 0; j < e->nparts; j++) {
			if (fnmatch(e->part[j], name[j], 0) != 0)
				break;
		}
		if (j == e->nparts)
			return (e->pattern);
	}
	return (NULL);
}

/* A value as written in the file (LIST: space-separated); caller frees. */
static char *
config_format(const struct config *cfg, const struct config_key *k)
{
	char		*s, *t, **sp, ***lp;
	size_t		 i, *np;
	int		 v;

	switch (k->type) {
	case CFG_DUR:
		return (config_format_duration(
		    *(uint64_t *)config_field(cfg, k, k->off)));
	case CFG_BOOL:
		v = *(int *)config_field(cfg, k, k->off);
		return (xstrdup(v ? "yes" : "no"));
	case CFG_INT:
		xasprintf(&s, "%d", *(int *)config_field(cfg, k, k->off));
		return (s);
	case CFG_TIME:
		v = *(int *)config_field(cfg, k, k->off);
		xasprintf(&s, "%02d:%02d", v / 60, v % 60);
		return (s);
	case CFG_STR:
	case CFG_URL:
		sp = config_field(cfg, k, k->off);
		return (xstrdup(*sp == NULL ? "" : *sp));
	case CFG_LIST:
		lp = config_field(cfg, k, k->off);
		np = config_field(cfg, k, k->noff);
		s = xstrdup("");
		for (i = 0; i < *np; i++) {
			xasprintf(&t, "%s%s%s", s, i == 0 ? "" : " ", (*lp)[i]);
			free(s);
			s = t;
		}
		return (s);
	case CFG_GLOB:
		s = xstrdup("");
		for (i = 0; i < cfg->nexcludes; i++) {
			xasprintf(&t, "%s%s%s", s, i == 0 ? "" : " ",
			    cfg->excludes[i].pattern);
			free(s);
			s = t;
		}
		return (s);
	}
	return (xstrdup(""));
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
		a = config_format(old, k);
		b = config_format(new, k);
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
		v = config_format(cfg, k);
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
	ki->type = config_type_names[k->type];
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
	return (config_format(cfg, &config_table[i]));
}
