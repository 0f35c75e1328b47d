/*
 * retention.c: which objects are the daemon's exports, and which of one
 * database's exports to keep.  The policy is restic's --keep-daily,
 * --keep-weekly and --keep-monthly: newest first, an export is kept if
 * it is the newest of a UTC day (ISO week, month) not yet kept while
 * fewer than that many days (weeks, months) have been; the three rules
 * are independent and an export kept by any of them stays.
 *
 * Two rules make pruning fail safe.  An object is only ever judged if its
 * name is exactly what job_object_name() makes from the template, so
 * anything else in the bucket is never touched.  And if the newest
 * export is older than the shortest period the policy keeps, exports
 * have stopped: pruning would eat the history while nothing replaces it,
 * so nothing is pruned until exports resume.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"
#include "retention.h"

#define RETENTION_DAY_MS	(24LL * 60 * 60 * 1000)

/*
 * The matcher recurses once per placeholder, so its depth is bounded by
 * the template's length; the steps bound its time whatever the template
 * (a hostile one could otherwise make it try every split).
 */
#define RETENTION_TMPL_MAX	GCP_OBJECT_MAX
#define RETENTION_DEPTH_MAX	(RETENTION_TMPL_MAX / 5)	/* "{ext}" */
#define RETENTION_STEPS_MAX	100000

enum retention_field {
	RF_PROJECT = 0,
	RF_INSTANCE,
	RF_DATABASE,
	RF_DATE,
	RF_TIME,
	RF_EXT,
	RF_N
};

static const struct {
	const char	*name;
	size_t		 min, max;	/* length in the object name */
} retention_fields[RF_N] = {
	{ "project",	6,	GCP_PROJECT_ID_MAX },
	{ "instance",	1,	GCP_INSTANCE_MAX },
	{ "database",	1,	GCP_DATABASE_MAX },
	{ "date",	10,	10 },	/* YYYY-MM-DD */
	{ "time",	6,	6 },	/* HHMMSS */
	{ "ext",	3,	6 },
};

/* Every {ext} job_object_name() may write. */
static const char *retention_exts[] = { "sql.gz", "bak", "sql" };

/* What a match has taken so far: where each placeholder's value is. */
struct retention_match {
	const char	*cap[RF_N];	/* NULL until matched */
	size_t		 len[RF_N];
	unsigned int	 steps;
};

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Hinnant's). */
static int64_t
retention_days_from_civil(int64_t y, int m, int d)
{
	int64_t		 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* The year and month (1-12) of a day since 1970-01-01. */
static void
retention_civil_from_days(int64_t z, int64_t *y, int *m)
{
	int64_t		 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* The value of n ASCII digits at s, or -1. */
static int
retention_digits(const char *s, size_t n)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	return (v);
}

/* Day since 1970-01-01 of "YYYY-MM-DD" at s, if a real date; else -1. */
static int
retention_date(const char *s, int64_t *day)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int		 y, m, d, max;

	if (s[4] != '-' || s[7] != '-')
		return (-1);
	if ((y = retention_digits(s, 4)) == -1 ||
	    (m = retention_digits(s + 5, 2)) == -1 ||
	    (d = retention_digits(s + 8, 2)) == -1)
		return (-1);
	if (m < 1 || m > 12 || d < 1)
		return (-1);
	max = mdays[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		max = 29;
	if (d > max)
		return (-1);
	*day = retention_days_from_civil(y, m, d);
	return (0);
}

/* Seconds into the day of "HHMMSS" at s, if a real time; else -1. */
static int
retention_time(const char *s)
{
	int	 h, m, sec;

	if ((h = retention_digits(s, 2)) == -1 ||
	    (m = retention_digits(s + 2, 2)) == -1 ||
	    (sec = retention_digits(s + 4, 2)) == -1)
		return (-1);
	if (h > 23 || m > 59 || sec > 59)
		return (-1);
	return (h * 3600 + m * 60 + sec);
}

/* May c be in the value of field f (project, instance or database)? */
static int
retention_char_ok(enum retention_field f, char c)
{
	if (f == RF_DATABASE)
		return (c != '/' && c != '\0');
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
}

/*
 * The placeholder "{name}" at t: its field, with *next just past it; -1
 * if it is none job_object_name() knows (then it wrote no such object).
 */
static int
retention_placeholder(const char *t, const char **next)
{
	const char	*end;
	size_t		 n;
	int		 f;

	if ((end = strchr(t + 1, '}')) == NULL)
		return (-1);
	n = end - t - 1;
	for (f = 0; f < RF_N; f++) {
		if (strlen(retention_fields[f].name) == n &&
		    strncmp(t + 1, retention_fields[f].name, n) == 0) {
			*next = end + 1;
			return (f);
		}
	}
	return (-1);
}

static int	retention_match(const char *, const char *,
		    struct retention_match *, int);

/* Take [s, s + n) as field f and match the rest; undone on failure. */
static int
retention_take(enum retention_field f, const char *next, const char *s,
    size_t n, struct retention_match *m, int depth)
{
	m->cap[f] = s;
	m->len[f] = n;
	if (retention_match(next, s + n, m, depth + 1) == 0)
		return (0);
	m->cap[f] = NULL;
	return (-1);
}

/*
 * Does name s match template t?  Literal text must be equal; each
 * placeholder takes a value of its kind, the same value again if it
 * comes twice.  Where a value could end at several places (a database
 * name may hold '.', '-' or 'T'), the shortest that lets the rest match
 * wins: the choice depends only on the text of the values, so every
 * export of one database is split the same way.  0 on a match.
 */
static int
retention_match(const char *t, const char *s, struct retention_match *m,
    int depth)
{
	const char	*next;
	size_t		 n, i;
	int		 f;
	int64_t		 day;

	if (depth > RETENTION_DEPTH_MAX || ++m->steps > RETENTION_STEPS_MAX)
		return (-1);
	for (; *t != '{'; t++, s++) {
		if (*t != *s)
			return (-1);
		if (*t == '\0')
			return (0);
	}
	if ((f = retention_placeholder(t, &next)) == -1)
		return (-1);

	if (m->cap[f] != NULL) {
		n = m->len[f];
		if (strncmp(s, m->cap[f], n) != 0)
			return (-1);
		return (retention_match(next, s + n, m, depth + 1));
	}

	switch (f) {
	case RF_DATE:
		if (strnlen(s, 10) < 10 || retention_date(s, &day) == -1)
			return (-1);
		return (retention_take(f, next, s, 10, m, depth));
	case RF_TIME:
		if (strnlen(s, 6) < 6 || retention_time(s) == -1)
			return (-1);
		return (retention_take(f, next, s, 6, m, depth));
	case RF_EXT:
		for (i = 0; i < sizeof(retention_exts) /
		    sizeof(retention_exts[0]); i++) {
			n = strlen(retention_exts[i]);
			if (strncmp(s, retention_exts[i], n) == 0 &&
			    retention_take(f, next, s, n, m, depth) == 0)
				return (0);
		}
		return (-1);
	}
	for (n = 1; n <= retention_fields[f].max; n++) {
		if (!retention_char_ok(f, s[n - 1]))
			break;
		if (n >= retention_fields[f].min &&
		    retention_take(f, next, s, n, m, depth) == 0)
			return (0);
	}
	return (-1);
}

/* Copy a captured value into buf (which has room: the fields' max). */
static void
retention_copy(const struct retention_match *m, enum retention_field f,
    char *buf, size_t len)
{
	buf[0] = '\0';
	if (m->cap[f] != NULL && m->len[f] < len) {
		memcpy(buf, m->cap[f], m->len[f]);
		buf[m->len[f]] = '\0';
	}
}

/*
 * Is object name an export that template tmpl made?  If so fill out (its
 * name, project, instance, database and t_ms: {date} and {time}, or
 * midnight without {time}) and return 0.  -1 if it is not, or if the
 * template has no {date}: such exports have no time to prune by.
 */
int
retention_parse_name(const char *tmpl, const char *name,
    struct retention_obj *out)
{
	struct retention_match	 m;
	int64_t			 day;
	int			 sec = 0;

	memset(out, 0, sizeof(*out));
	if (strnlen(tmpl, RETENTION_TMPL_MAX + 1) > RETENTION_TMPL_MAX ||
	    strnlen(name, GCP_OBJECT_MAX + 1) > GCP_OBJECT_MAX)
		return (-1);
	memset(&m, 0, sizeof(m));
	if (retention_match(tmpl, name, &m, 0) == -1 || m.cap[RF_DATE] == NULL)
		return (-1);
	if (retention_date(m.cap[RF_DATE], &day) == -1)
		return (-1);
	if (m.cap[RF_TIME] != NULL && (sec = retention_time(m.cap[RF_TIME])) ==
	    -1)
		return (-1);

	strlcpy(out->name, name, sizeof(out->name));
	retention_copy(&m, RF_PROJECT, out->project, sizeof(out->project));
	retention_copy(&m, RF_INSTANCE, out->instance, sizeof(out->instance));
	retention_copy(&m, RF_DATABASE, out->database, sizeof(out->database));
	out->t_ms = day * RETENTION_DAY_MS + (int64_t)sec * 1000;
	out->keep = 1;
	return (0);
}

/*
 * The template's text before its first placeholder, into buf: the prefix
 * to list the bucket by.  0, or -1 if it does not fit.
 */
int
retention_prefix(const char *tmpl, char *buf, size_t len)
{
	size_t	 n = strcspn(tmpl, "{");

	if (len == 0 || n >= len)
		return (-1);
	memcpy(buf, tmpl, n);
	buf[n] = '\0';
	return (0);
}

/* Newest first; the same time by name, so the order is always the same. */
static int
retention_cmp(const void *a, const void *b)
{
	const struct retention_obj	*x = a, *y = b;

	if (x->t_ms != y->t_ms)
		return (x->t_ms > y->t_ms ? -1 : 1);
	return (-strcmp(x->name, y->name));
}

/* Floor division: days before 1970 count down, not towards zero. */
static int64_t
retention_floor_div(int64_t a, int64_t b)
{
	return (a / b - (a % b != 0 && (a < 0) != (b < 0)));
}

/*
 * Where object o falls: its UTC day, ISO week (1970-01-01 was a
 * Thursday, so weeks counted from Monday 1969-12-29) and month.
 */
static void
retention_keys(const struct retention_obj *o, int64_t *day, int64_t *week,
    int64_t *month)
{
	int64_t	 y;
	int	 m;

	*day = retention_floor_div(o->t_ms, RETENTION_DAY_MS);
	*week = retention_floor_div(*day + 3, 7);
	retention_civil_from_days(*day, &y, &m);
	*month = y * 12 + m - 1;
}

/* Append "what n" to buf, after ", " if buf has more than from bytes. */
static void
retention_say(char *buf, size_t len, size_t from, const char *what, int n)
{
	size_t	 used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s%s %d", used > from ?
		    ", " : "", what, n);
}

/* Why an export goes: "beyond daily 14, weekly 8, monthly 12". */
static void
retention_beyond(char *buf, size_t len, int daily, int weekly, int monthly)
{
	static const char	 lead[] = "beyond ";

	strlcpy(buf, lead, len);
	if (daily > 0)
		retention_say(buf, len, sizeof(lead) - 1, "daily", daily);
	if (weekly > 0)
		retention_say(buf, len, sizeof(lead) - 1, "weekly", weekly);
	if (monthly > 0)
		retention_say(buf, len, sizeof(lead) - 1, "monthly", monthly);
}

/* Every object kept, each saying why; for when nothing may be pruned. */
static void
retention_keep_all(struct retention_obj *objs, size_t n, const char *why)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		objs[i].keep = 1;
		strlcpy(objs[i].why, why, sizeof(objs[i].why));
	}
}

/*
 * Judge the n exports of one database against policy pol at now_ms.
 * Sorts objs newest first and sets each one's keep and why.  Returns how
 * many to delete.  held (of size len) is "" if the policy was applied,
 * else why nothing is pruned: retention off, exports stopped, or objects
 * of more than one database given.
 */
int
retention_decide(struct retention_obj *objs, size_t n,
    const struct retention_policy *pol, int64_t now_ms, char *held,
    size_t len)
{
	struct retention_obj	*o;
	int64_t			 day, week, month, last_day, last_week;
	int64_t			 last_month, period, age;
	int			 daily, weekly, monthly, nd = 0, nw = 0;
	int			 nm = 0, deleted = 0;
	size_t			 i;

	if (len > 0)
		held[0] = '\0';
	if (n == 0)
		return (0);
	qsort(objs, n, sizeof(*objs), retention_cmp);

	daily = pol->daily > 0 ? pol->daily : 0;
	weekly = pol->weekly > 0 ? pol->weekly : 0;
	monthly = pol->monthly > 0 ? pol->monthly : 0;
	if (daily == 0 && weekly == 0 && monthly == 0) {
		retention_keep_all(objs, n, "retention off");
		snprintf(held, len, "retention off: nothing pruned");
		return (0);
	}

	/*
	 * The caller groups by database; a mixed group would let one
	 * database's exports count against another's.
	 */
	for (i = 1; i < n; i++) {
		if (strcmp(objs[i].project, objs[0].project) != 0 ||
		    strcmp(objs[i].instance, objs[0].instance) != 0 ||
		    strcmp(objs[i].database, objs[0].database) != 0) {
			retention_keep_all(objs, n, "mixed databases");
			snprintf(held, len, "objects of more than one database "
			    "given: nothing pruned");
			return (0);
		}
	}

	/*
	 * Exports stopped: the newest is older than the shortest period
	 * the policy keeps (daily days, else weekly weeks, else monthly
	 * months of 31 days).
	 */
	if (daily > 0)
		period = daily;
	else if (weekly > 0)
		period = (int64_t)weekly * 7;
	else
		period = (int64_t)monthly * 31;
	age = now_ms - objs[0].t_ms;
	if (age > period * RETENTION_DAY_MS) {
		retention_keep_all(objs, n, "exports stopped");
		snprintf(held, len, "exports stopped: the newest export is "
		    "%lld days old, older than the shortest period kept "
		    "(%lld days): nothing pruned",
		    (long long)(age / RETENTION_DAY_MS), (long long)period);
		return (0);
	}

	last_day = last_week = last_month = INT64_MIN;
	for (i = 0; i < n; i++) {
		o = &objs[i];
		o->why[0] = '\0';
		retention_keys(o, &day, &week, &month);
		if (i == 0)
			strlcpy(o->why, "newest", sizeof(o->why));
		if (nd < daily && day != last_day) {
			last_day = day;
			retention_say(o->why, sizeof(o->why), 0, "daily",
			    ++nd);
		}
		if (nw < weekly && week != last_week) {
			last_week = week;
			retention_say(o->why, sizeof(o->why), 0, "weekly",
			    ++nw);
		}
		if (nm < monthly && month != last_month) {
			last_month = month;
			retention_say(o->why, sizeof(o->why), 0, "monthly",
			    ++nm);
		}
		if ((o->keep = o->why[0] != '\0'))
			continue;
		retention_beyond(o->why, sizeof(o->why), daily, weekly,
		    monthly);
		deleted++;
	}
	return (deleted);
}
