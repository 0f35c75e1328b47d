/*
 * config-type.c: the value types of the key table.
 *
 * For each enum config_type, one row of config_types[] says how a value
 * of that type is read from text into its field of struct config, written
 * back as text and freed: the four scalar types (DUR, BOOL, INT, TIME)
 * share one setter that parses, checks the range and stores, and STR,
 * URL, LIST and GLOB each have their own.  GLOB values are the exclude
 * rules, so config_exclude_match() is here too.  Which key has which type,
 * the line parser, the defaults and the errors are config.c's; the rules
 * of single values (ids, names, addresses) are config-check.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config-int.h"
#include "xmalloc.h"

/* What an empty value means for a type. */
enum config_empty {
	CONFIG_EMPTY_BAD,	/* an error */
	CONFIG_EMPTY_UNSET,	/* no value, unless the key is CFG_REQUIRED */
	CONFIG_EMPTY_SKIP,	/* nothing to add */
};

typedef int (*config_set_fn)(struct config_parse *, const struct config_key *,
    char *, int, char *, size_t);

/* One row per enum config_type. */
struct config_type_ops {
	const char	*name;		/* for config_key_info(): "DUR" */
	enum config_empty empty;
	config_set_fn	 set;		/* stores v; a LIST or GLOB appends */
	char		*(*format)(const struct config *,
			    const struct config_key *);
	void		(*free)(struct config *, const struct config_key *);

	/* Scalars, for config_set_scalar(): */
	const char	*noun;		/* in "bad NOUN \"v\" for key (hint)" */
	const char	*hint;		/* NULL: the key's range is the hint */
	int		 ranged;	/* the key's min and max apply */
	size_t		 size;		/* of the field: int or uint64_t */
	int		(*parse)(const char *, uint64_t *);
	char		*(*text)(uint64_t);	/* new string; caller frees */

	/* STR, URL: the type's own rule, before the key's check. */
	config_check_fn	 check;
};

/* Durations: units in the order they may appear. */
static const struct {
	const char	*name;
	uint64_t	 ms;
} config_units[] = {
	{ "w", 7 * MS_PER_DAY },	/* read, never written: "8w" is "56d" */
	{ "d", MS_PER_DAY },
	{ "h", MS_PER_H },
	{ "m", MS_PER_M },
	{ "s", MS_PER_S },
	{ "ms", 1 },
};
#define CONFIG_NUNITS	(sizeof(config_units) / sizeof(config_units[0]))

void *
config_field(const struct config *cfg, size_t off)
{
	return ((char *)cfg + off);
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
			u = 5;
		else if (*s == 'w')
			u = 0;
		else if (*s == 'd')
			u = 1;
		else if (*s == 'h')
			u = 2;
		else if (*s == 'm')
			u = 3;
		else if (*s == 's')
			u = 4;
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

/*
 * "DAY HH:MM", DAY a weekday's first three letters in English ("sun"),
 * any case: *wday 0 (Sunday) to 6, *minutes after midnight.  0 or -1.
 */
int
config_parse_weekly(const char *s, int *wday, int *minutes)
{
	static const char	 days[] = "sunmontuewedthufrisat";
	int			 i;

	if (s == NULL || strlen(s) < 5 || s[3] != ' ')
		return (-1);
	for (i = 0; i < 7; i++)
		if (strncasecmp(s, days + 3 * i, 3) == 0)
			break;
	if (i == 7)
		return (-1);
	s += 4;
	while (*s == ' ')
		s++;
	if (config_parse_time(s, minutes) == -1)
		return (-1);
	*wday = i;
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
config_parse_bool(const char *s, uint64_t *b)
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
char *
config_format_duration(uint64_t ms)
{
	char	 buf[128], part[32];
	size_t	 u;

	buf[0] = '\0';
	if (ms == 0)
		return (xstrdup("0s"));
	for (u = 1; u < CONFIG_NUNITS; u++) {
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

static void
config_exclude_clear(struct config_exclude *e)
{
	int	 i;

	free(e->pattern);
	for (i = 0; i < 3; i++)
		free(e->part[i]);
	free(e->file);
}

/*
 * GLOB: adds the exclude rule PROJECT[/INSTANCE[/DATABASE]], each part a
 * non-empty glob; an empty value adds nothing.
 */
static int
config_set_glob(struct config_parse *p, const struct config_key *k, char *v,
    int line, char *err, size_t errlen)
{
	struct config		*cfg = p->cfg;
	struct config_exclude	 e;
	const char		*s, *slash, *why;
	size_t			 n;

	if (*v == '\0')
		return (0);
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

/* INT: a decimal number; the range is checked by the caller. */
static int
config_parse_int(const char *v, uint64_t *out)
{
	long long	 n;
	char		*ep;

	errno = 0;
	n = strtoll(v, &ep, 10);
	if (!isdigit((unsigned char)*v) || *ep != '\0' || errno == ERANGE)
		return (-1);
	*out = (uint64_t)n;
	return (0);
}

static int
config_parse_minutes(const char *v, uint64_t *out)
{
	int	 m;

	if (config_parse_time(v, &m) == -1)
		return (-1);
	*out = (uint64_t)m;
	return (0);
}

static char *
config_text_bool(uint64_t b)
{
	return (xstrdup(b ? "yes" : "no"));
}

static char *
config_text_int(uint64_t n)
{
	char	*s;

	xasprintf(&s, "%llu", (unsigned long long)n);
	return (s);
}

static char *
config_text_time(uint64_t m)
{
	char	*s;

	xasprintf(&s, "%02d:%02d", (int)(m / 60), (int)(m % 60));
	return (s);
}

static int	config_set_scalar(struct config_parse *,
		    const struct config_key *, char *, int, char *, size_t);
static int	config_set_str(struct config_parse *,
		    const struct config_key *, char *, int, char *, size_t);
static int	config_set_list(struct config_parse *,
		    const struct config_key *, char *, int, char *, size_t);
static char	*config_format_scalar(const struct config *,
		    const struct config_key *);
static char	*config_format_str(const struct config *,
		    const struct config_key *);
static char	*config_format_list(const struct config *,
		    const struct config_key *);
static char	*config_format_glob(const struct config *,
		    const struct config_key *);
static void	 config_free_str(struct config *, const struct config_key *);
static void	 config_free_list(struct config *, const struct config_key *);
static void	 config_free_glob(struct config *, const struct config_key *);

static const struct config_type_ops config_types[] = {
	[CFG_DUR] = { "DUR", CONFIG_EMPTY_BAD, config_set_scalar,
	    config_format_scalar, NULL, "duration", "use ms, s, m, h, d or w", 1,
	    sizeof(uint64_t), config_parse_duration, config_format_duration,
	    NULL },
	[CFG_BOOL] = { "BOOL", CONFIG_EMPTY_BAD, config_set_scalar,
	    config_format_scalar, NULL, "boolean",
	    "yes/no, true/false, on/off or 1/0", 0, sizeof(int),
	    config_parse_bool, config_text_bool, NULL },
	[CFG_INT] = { "INT", CONFIG_EMPTY_BAD, config_set_scalar,
	    config_format_scalar, NULL, "number", NULL, 1, sizeof(int),
	    config_parse_int, config_text_int, NULL },
	[CFG_STR] = { "STR", CONFIG_EMPTY_UNSET, config_set_str,
	    config_format_str, config_free_str, NULL, NULL, 0, 0, NULL, NULL,
	    NULL },
	[CFG_LIST] = { "LIST", CONFIG_EMPTY_SKIP, config_set_list,
	    config_format_list, config_free_list, NULL, NULL, 0, 0, NULL,
	    NULL, NULL },
	[CFG_GLOB] = { "GLOB", CONFIG_EMPTY_SKIP, config_set_glob,
	    config_format_glob, config_free_glob, NULL, NULL, 0, 0, NULL,
	    NULL, NULL },
	[CFG_TIME] = { "TIME", CONFIG_EMPTY_BAD, config_set_scalar,
	    config_format_scalar, NULL, "time", "HH:MM, 00:00 to 23:59", 0,
	    sizeof(int), config_parse_minutes, config_text_time, NULL },
	[CFG_URL] = { "URL", CONFIG_EMPTY_UNSET, config_set_str,
	    config_format_str, config_free_str, NULL, NULL, 0, 0, NULL, NULL,
	    config_check_url },
};

static uint64_t
config_scalar_get(const struct config *cfg, const struct config_key *k)
{
	if (config_types[k->type].size == sizeof(uint64_t))
		return (*(uint64_t *)config_field(cfg, k->off));
	return ((uint64_t)*(int *)config_field(cfg, k->off));
}

/*
 * DUR, BOOL, INT, TIME: parse, check the key's range where the type has
 * one, store.  The messages name the type, the value and the key.
 */
static int
config_set_scalar(struct config_parse *p, const struct config_key *k,
    char *v, int line, char *err, size_t errlen)
{
	const struct config_type_ops	*t = &config_types[k->type];
	uint64_t			 n;
	char				*lo, *hi;
	int				 rc;

	if ((rc = t->parse(v, &n)) == 0 &&
	    (!t->ranged || (n >= k->min && n <= k->max))) {
		if (t->size == sizeof(uint64_t))
			*(uint64_t *)config_field(p->cfg, k->off) = n;
		else
			*(int *)config_field(p->cfg, k->off) = (int)n;
		return (0);
	}
	lo = t->text(k->min);
	hi = t->text(k->max);
	if (rc == -1 && t->hint != NULL)
		snprintf(err, errlen, "bad %s \"%s\" for %s (%s)", t->noun, v,
		    k->key, t->hint);
	else if (rc == -1)
		snprintf(err, errlen, "bad %s \"%s\" for %s (%s-%s)", t->noun,
		    v, k->key, lo, hi);
	else
		snprintf(err, errlen, "%s %s out of range (%s-%s)", k->key, v,
		    lo, hi);
	free(lo);
	free(hi);
	return (-1);
}

/* STR, URL: an empty value unsets the key. */
static int
config_set_str(struct config_parse *p, const struct config_key *k, char *v,
    int line, char *err, size_t errlen)
{
	const struct config_type_ops	*t = &config_types[k->type];
	char				**sp;

	if (*v != '\0') {
		if (t->check != NULL && t->check(k, v, err, errlen) == -1)
			return (-1);
		if (k->check != NULL && k->check(k, v, err, errlen) == -1)
			return (-1);
	}
	sp = config_field(p->cfg, k->off);
	free(*sp);
	*sp = *v == '\0' ? NULL : xstrdup(v);
	return (0);
}

/* LIST: appends each space-separated item not already there. */
static int
config_set_list(struct config_parse *p, const struct config_key *k, char *v,
    int line, char *err, size_t errlen)
{
	char	***lp, *item, *save, why[CONFIG_ERR_LEN];
	size_t	*np;
	int	 bad = 0;

	lp = config_field(p->cfg, k->off);
	np = config_field(p->cfg, k->noff);
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
	return (bad ? -1 : 0);
}

static char *
config_format_scalar(const struct config *cfg, const struct config_key *k)
{
	return (config_types[k->type].text(config_scalar_get(cfg, k)));
}

static char *
config_format_str(const struct config *cfg, const struct config_key *k)
{
	char	**sp = config_field(cfg, k->off);

	return (xstrdup(*sp == NULL ? "" : *sp));
}

/* Appends item to the space-separated list s; frees s, returns anew. */
static char *
config_join(char *s, const char *item)
{
	char	*t;

	xasprintf(&t, "%s%s%s", s, *s == '\0' ? "" : " ", item);
	free(s);
	return (t);
}

static char *
config_format_list(const struct config *cfg, const struct config_key *k)
{
	char	***lp = config_field(cfg, k->off), *s = xstrdup("");
	size_t	*np = config_field(cfg, k->noff), i;

	for (i = 0; i < *np; i++)
		s = config_join(s, (*lp)[i]);
	return (s);
}

static char *
config_format_glob(const struct config *cfg, const struct config_key *k)
{
	char	*s = xstrdup("");
	size_t	 i;

	for (i = 0; i < cfg->nexcludes; i++)
		s = config_join(s, cfg->excludes[i].pattern);
	return (s);
}

static void
config_free_str(struct config *cfg, const struct config_key *k)
{
	char	**sp = config_field(cfg, k->off);

	free(*sp);
}

static void
config_free_list(struct config *cfg, const struct config_key *k)
{
	char	***lp = config_field(cfg, k->off);
	size_t	*np = config_field(cfg, k->noff), i;

	for (i = 0; i < *np; i++)
		free((*lp)[i]);
	free(*lp);
}

static void
config_free_glob(struct config *cfg, const struct config_key *k)
{
	size_t	 i;

	for (i = 0; i < cfg->nexcludes; i++)
		config_exclude_clear(&cfg->excludes[i]);
	free(cfg->excludes);
}

const char *
config_type_name(enum config_type type)
{
	return (config_types[type].name);
}

/*
 * Sets one key from its text; a LIST or GLOB key appends.  Used for the
 * defaults and for the file alike.  Returns -1 with err filled.
 */
int
config_type_set(struct config_parse *p, const struct config_key *k, char *v,
    int line, char *err, size_t errlen)
{
	const struct config_type_ops	*t = &config_types[k->type];

	if (*v == '\0' && (t->empty == CONFIG_EMPTY_BAD ||
	    (t->empty == CONFIG_EMPTY_UNSET && (k->flags & CFG_REQUIRED)))) {
		snprintf(err, errlen, "empty value for %s", k->key);
		return (-1);
	}
	return (t->set(p, k, v, line, err, errlen));
}

/* A value as written in the file (LIST: space-separated); caller frees. */
char *
config_type_format(const struct config *cfg, const struct config_key *k)
{
	return (config_types[k->type].format(cfg, k));
}

/* Frees what the key's field holds, not the config. */
void
config_type_free(struct config *cfg, const struct config_key *k)
{
	if (config_types[k->type].free != NULL)
		config_types[k->type].free(cfg, k);
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
