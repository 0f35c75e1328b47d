/*
 * config-check.c: the rules one value must follow beyond its type.
 *
 * Each config_check_* takes a value of one key (a folder or project id,
 * a bucket name, the object template, a socket path, an address, a URL, a
 * word from a short list, a file the daemon must read) and says what is
 * wrong with it in the caller's buffer; the key table in config.c names
 * the check of each key.  Nothing here keeps state or knows the file the
 * value came from: parsing, defaults and errors are config.c's, storing a
 * value is config-type.c's.  The only files touched are the credentials,
 * SMTP auth or CA file, opened to see that they are readable.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config-int.h"
#include "gcp.h"

#define CONFIG_PROJECT_MAX	100	/* domain-scoped ids: "example.com:p" */
#define CONFIG_PORT_MAX		65535

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

int
config_has_space(const char *s)
{
	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			return (1);
	}
	return (0);
}

int
config_has_cntrl(const char *s)
{
	for (; *s != '\0'; s++) {
		if (iscntrl((unsigned char)*s))
			return (1);
	}
	return (0);
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

int
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
int
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
int
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
int
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

int
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

/* A group this host knows ([control] operators, readers). */
int
config_check_group(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	if (getgrnam(v) == NULL) {
		snprintf(err, errlen, "no group \"%s\" on this host", v);
		return (-1);
	}
	return (0);
}

/* "HOST:PORT" or "[V6]:PORT". */
int
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
int
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

/*
 * The host part of v when v starts with scheme a or b ("smtp://"), has a
 * host and holds no space or control character; else NULL.
 */
static const char *
config_url_host(const char *v, const char *a, const char *b)
{
	const char	*host;

	if (strncmp(v, a, strlen(a)) == 0)
		host = v + strlen(a);
	else if (strncmp(v, b, strlen(b)) == 0)
		host = v + strlen(b);
	else
		return (NULL);
	if (*host == '\0' || *host == '/' || config_has_space(v) ||
	    config_has_cntrl(v))
		return (NULL);
	return (host);
}

int
config_check_smtp(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	if (config_url_host(v, "smtp://", "smtps://") == NULL) {
		snprintf(err, errlen, "bad URL \"%s\" for %s (use smtp://HOST"
		    "[:PORT] or smtps://HOST[:PORT])", v, k->key);
		return (-1);
	}
	return (0);
}

/* Pub/Sub: "projects/PROJECT/topics/TOPIC". */
int
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
int
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
int
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

/*
 * [alerts] stuck_after: 0 (from each export's prediction) or an absolute
 * time of 10 s and up; shorter would call every export stuck.  A value
 * that is no duration at all is the type's to report.
 */
#define CONFIG_STUCK_MIN_MS	(10 * 1000)

int
config_check_stuck(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	uint64_t	 ms;

	if (config_parse_duration(v, &ms) == -1 || ms == 0 ||
	    ms >= CONFIG_STUCK_MIN_MS)
		return (0);
	snprintf(err, errlen, "%s %s too short: 0s (from the prediction) or "
	    "10s and up", k->key, v);
	return (-1);
}

/* Keys that take one of a few words. */
int
config_check_word(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	static const struct {
		const char	*key;
		const char	*words[4];
	} allowed[] = {
		{ "webhook_format", { "generic", "teams", "googlechat" } },
		{ "format", { "text", "json" } },
		{ "from_replica", { "no", "prefer" } },
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

int
config_check_url(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*host;
	size_t		 n;

	if ((host = config_url_host(v, "https://", "http://")) == NULL ||
	    *host == ':') {
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
int
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

/* A scratch instance for restore drills: "PROJECT/INSTANCE". */
int
config_check_scratch(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	const char	*slash = strchr(v, '/');
	size_t		 n;

	n = slash != NULL ? (size_t)(slash - v) : 0;
	if (slash == NULL || n == 0 || n > GCP_PROJECT_ID_MAX ||
	    slash[1] == '\0' || strchr(slash + 1, '/') != NULL ||
	    strlen(slash + 1) > GCP_INSTANCE_MAX) {
		snprintf(err, errlen, "bad scratch instance \"%s\" "
		    "(PROJECT/INSTANCE)", v);
		return (-1);
	}
	return (0);
}

/* When the weekly drill starts: "DAY HH:MM", e.g. "sun 05:00". */
int
config_check_weekly(const struct config_key *k, char *v, char *err,
    size_t errlen)
{
	int	 wday, minutes;

	if (config_parse_weekly(v, &wday, &minutes) == -1) {
		snprintf(err, errlen, "bad weekly time \"%s\" for %s (DAY "
		    "HH:MM, DAY one of sun mon tue wed thu fri sat)", v,
		    k->key);
		return (-1);
	}
	return (0);
}
