/*
 * check_retention.c: which bucket objects are exports (retention.c
 * parsing names against the [export] object template) and which of one
 * database's exports a daily/weekly/monthly policy keeps.  The 400-day
 * history is checked against a set worked out by walking the calendar
 * with libc's gmtime/strftime (%G-%V for ISO weeks), not the module's
 * day arithmetic.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retention.h"

#define DEFAULT_TMPL \
	"{project}/{instance}/{database}/{date}T{time}Z.{ext}"
#define DAY_MS		(24LL * 60 * 60 * 1000)

/* Unix ms of a UTC calendar time. */
static int64_t
utc_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return ((int64_t)timegm(&tm) * 1000);
}

static const struct {
	const char	*tmpl, *name;
	int		 ok;
	const char	*p, *i, *d;
	int		 y, mo, day, h, mi, s;
} parse_cases[] = {
	{ DEFAULT_TMPL, "my-project/pg-main/orders/2026-12-06T030000Z.sql.gz",
	    1, "my-project", "pg-main", "orders", 2026, 12, 6, 3, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/a.b-cT1/2026-12-06T030000Z.sql.gz",
	    1, "my-project", "pg-main", "a.b-cT1", 2026, 12, 6, 3, 0, 0 },
	{ DEFAULT_TMPL, "my-project/my-sql/shop/2024-02-29T235959Z.sql",
	    1, "my-project", "my-sql", "shop", 2024, 2, 29, 23, 59, 59 },
	{ DEFAULT_TMPL, "proj-123/mssql/Sales DB/2026-01-01T000000Z.bak",
	    1, "proj-123", "mssql", "Sales DB", 2026, 1, 1, 0, 0, 0 },
	/* A database named like an export's date and ext. */
	{ DEFAULT_TMPL,
	    "my-project/pg/d.2026-01-01T000000Z.sql/2026-03-01T101010Z.sql",
	    1, "my-project", "pg", "d.2026-01-01T000000Z.sql", 2026, 3, 1, 10,
	    10, 10 },
	{ DEFAULT_TMPL, "my-project/pg-main/x/y/2026-12-06T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/db/2026-12-06T030000Z.tar.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/db/2026-12-06T030000Z.sql.gz.tmp",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/db/2026-02-30T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/db/2025-02-29T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/db/2026-13-01T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/db/2026-1-06T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/db/2026-12-06T240000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main/db/2026-12-06T03000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "other/file.txt",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "short/pg-main/db/2026-12-06T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },	/* project < 6 */
	{ DEFAULT_TMPL, "My-Project/pg-main/db/2026-12-06T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project//db/2026-12-06T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "my-project/pg-main//2026-12-06T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ DEFAULT_TMPL, "",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	/* A literal prefix. */
	{ "backups/" DEFAULT_TMPL,
	    "backups/my-project/pg-main/db/2026-12-06T030000Z.sql.gz",
	    1, "my-project", "pg-main", "db", 2026, 12, 6, 3, 0, 0 },
	{ "backups/" DEFAULT_TMPL,
	    "my-project/pg-main/db/2026-12-06T030000Z.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	/* {date} alone: midnight. */
	{ "{project}/{database}-{date}.{ext}",
	    "my-project/db-2026-12-06.sql.gz",
	    1, "my-project", "", "db", 2026, 12, 6, 0, 0, 0 },
	/* No {date}: nothing to prune by, so never a match. */
	{ "{project}/{database}.{ext}", "my-project/db.sql.gz",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	/* A placeholder twice must say the same thing twice. */
	{ "{database}/{date}/{database}-{time}.{ext}",
	    "db/2026-12-06/db-030000.sql", 1, "", "", "db", 2026, 12, 6, 3, 0,
	    0 },
	{ "{database}/{date}/{database}-{time}.{ext}",
	    "db/2026-12-06/dx-030000.sql", 0, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	    0 },
	/* Ambiguous splits: the earliest placeholder takes the least. */
	{ "{project}-{instance}-{database}-{date}.{ext}",
	    "my-proj-pg-main-orders-2026-12-06.bak",
	    1, "my-proj", "pg", "main-orders", 2026, 12, 6, 0, 0, 0 },
	/* Templates job_object_name() refuses. */
	{ "{project}/{nope}/{date}.{ext}", "my-project/x/2026-12-06.sql",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
	{ "{project}/{date", "my-project/{date",
	    0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 },
};

START_TEST(test_parse)
{
	struct retention_obj	 o;
	int			 r;

	r = retention_parse_name(parse_cases[_i].tmpl, parse_cases[_i].name,
	    &o);
	ck_assert_msg(r == (parse_cases[_i].ok ? 0 : -1), "%s: got %d",
	    parse_cases[_i].name, r);
	if (!parse_cases[_i].ok)
		return;
	ck_assert_str_eq(o.name, parse_cases[_i].name);
	ck_assert_str_eq(o.project, parse_cases[_i].p);
	ck_assert_str_eq(o.instance, parse_cases[_i].i);
	ck_assert_str_eq(o.database, parse_cases[_i].d);
	ck_assert_int_eq(o.t_ms, utc_ms(parse_cases[_i].y, parse_cases[_i].mo,
	    parse_cases[_i].day, parse_cases[_i].h, parse_cases[_i].mi,
	    parse_cases[_i].s));
}
END_TEST

START_TEST(test_prefix)
{
	char	buf[64];

	ck_assert_int_eq(retention_prefix(DEFAULT_TMPL, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(retention_prefix("backups/" DEFAULT_TMPL, buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "backups/");
	ck_assert_int_eq(retention_prefix("fixed", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "fixed");
	ck_assert_int_eq(retention_prefix("backups/{project}", buf, 8), -1);
	ck_assert_int_eq(retention_prefix("backups/{project}", buf, 9), 0);
	ck_assert_int_eq(retention_prefix("", buf, 0), -1);
}
END_TEST

/* Nothing here may crash, hang or read out of bounds. */
START_TEST(test_hostile)
{
	struct retention_obj	 o;
	char			*big, *tmpl;
	size_t			 i;

	big = malloc(5000);
	tmpl = malloc(5000);
	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(tmpl);

	/* Names beyond GCS's 1024 bytes, and one just within. */
	memset(big, 'a', 4999);
	big[4999] = '\0';
	ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL, big, &o), -1);
	ck_assert_int_eq(retention_parse_name("{database}", big, &o), -1);
	big[1024] = '\0';
	ck_assert_int_eq(retention_parse_name("{database}{date}", big, &o),
	    -1);

	/* Templates of braces, long and short. */
	memset(tmpl, '{', 4999);
	tmpl[4999] = '\0';
	ck_assert_int_eq(retention_parse_name(tmpl, big, &o), -1);
	tmpl[1000] = '\0';
	ck_assert_int_eq(retention_parse_name(tmpl, tmpl, &o), -1);
	ck_assert_int_eq(retention_parse_name("{", "{", &o), -1);
	ck_assert_int_eq(retention_parse_name("}", "}", &o), -1);
	ck_assert_int_eq(retention_parse_name("{}", "{}", &o), -1);
	ck_assert_int_eq(retention_parse_name("", "", &o), -1);
	ck_assert_int_eq(retention_parse_name("{date}", "", &o), -1);
	ck_assert_int_eq(retention_parse_name("", "x", &o), -1);
	ck_assert_int_eq(retention_parse_name("{date}T{time}", "2026-12-06T",
	    &o), -1);

	/* The longest real names still match. */
	memset(big, 'p', 30);
	big[30] = '/';
	memset(big + 31, 'i', 98);
	big[129] = '/';
	memset(big + 130, 'd', 128);
	strlcpy(big + 258, "/2026-12-06T030000Z.sql.gz", 64);
	ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL, big, &o), 0);
	ck_assert_int_eq((int)strlen(o.database), 128);
	big[130 + 128] = 'd';
	strlcpy(big + 259, "/2026-12-06T030000Z.sql.gz", 64);
	ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL, big, &o), -1);

	/* Every split of three free placeholders: bounded, no match. */
	memset(big, 'a', 300);
	strlcpy(big + 300, "2026-12-06y", 20);
	ck_assert_int_eq(retention_parse_name(
	    "{project}{instance}{database}x{date}", big, &o), -1);
	ck_assert_int_eq(retention_parse_name(
	    "{project}{instance}{database}{date}x", big, &o), -1);

	/* The deepest template: 200 {ext}, then {date}. */
	tmpl[0] = big[0] = '\0';
	for (i = 0; i < 200; i++) {
		strlcat(tmpl, "{ext}", 5000);
		strlcat(big, "sql", 5000);
	}
	strlcat(tmpl, "{date}", 5000);
	strlcat(big, "2026-12-06", 5000);
	ck_assert_int_eq(retention_parse_name(tmpl, big, &o), 0);
	ck_assert_int_eq(o.t_ms, utc_ms(2026, 12, 6, 0, 0, 0));
	/* Past the template bound (which bounds the depth): refused. */
	strlcpy(tmpl, "{date}", 5000);
	for (i = 0; i < 250; i++)
		strlcat(tmpl, "{ext}", 5000);
	strlcpy(big, "2026-12-06", 5000);
	for (i = 0; i < 250; i++)
		strlcat(big, "bak", 5000);
	ck_assert_int_eq(retention_parse_name(tmpl, big, &o), -1);

	ck_assert_int_eq(retention_prefix(tmpl, big, 1), 0);
	free(big);
	free(tmpl);
}
END_TEST

/*
 * The simulated bucket: one nightly export at 03:00 for 400 days ending
 * today, plus a manual one at 15:30 every 13th day; sizes grow slowly
 * (the database does).  now is today 04:00 UTC.
 */
#define SIM_DAYS	400
#define SIM_MAX		(SIM_DAYS * 2)

static struct retention_obj	 sim[SIM_MAX];
static size_t			 nsim;

static int64_t
sim_build(void)
{
	struct tm	 tm;
	time_t		 t;
	char		 name[GCP_OBJECT_MAX + 1], date[16], tod[16];
	int64_t		 now = utc_ms(2026, 12, 6, 4, 0, 0), when;
	int		 k, j;

	nsim = 0;
	for (k = 0; k < SIM_DAYS; k++) {
		for (j = 0; j < 2; j++) {
			if (j == 0 && (k % 13 != 5))
				continue;
			when = now - 4 * 3600 * 1000LL - k * DAY_MS +
			    (j == 0 ? (15 * 3600 + 30 * 60) * 1000LL :
			    3 * 3600 * 1000LL);
			t = (time_t)(when / 1000);
			gmtime_r(&t, &tm);
			strftime(date, sizeof(date), "%Y-%m-%d", &tm);
			strftime(tod, sizeof(tod), "%H%M%S", &tm);
			snprintf(name, sizeof(name),
			    "my-project/pg-main/a.b-cT1/%sT%sZ.sql.gz", date,
			    tod);
			ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL,
			    name, &sim[nsim]), 0);
			ck_assert_int_eq(sim[nsim].t_ms, when);
			sim[nsim].size = (2048ULL + 3ULL * (SIM_DAYS - k)) <<
			    20;
			nsim++;
		}
	}
	return (now);
}

enum sim_period { SIM_DAY, SIM_WEEK, SIM_MONTH };

/* libc's name of the UTC day, ISO week or month of t. */
static void
sim_key(enum sim_period p, time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	switch (p) {
	case SIM_DAY:
		strftime(buf, len, "%Y-%m-%d", &tm);
		break;
	case SIM_WEEK:
		strftime(buf, len, "%G-W%V", &tm);
		break;
	case SIM_MONTH:
		strftime(buf, len, "%Y-%m", &tm);
		break;
	}
}

/* The newest simulated export in period key. */
static const struct retention_obj *
sim_newest(enum sim_period p, const char *key)
{
	const struct retention_obj	*best = NULL;
	char				 k[32];
	size_t				 i;

	for (i = 0; i < nsim; i++) {
		sim_key(p, (time_t)(sim[i].t_ms / 1000), k, sizeof(k));
		if (strcmp(k, key) == 0 && (best == NULL || sim[i].t_ms >
		    best->t_ms))
			best = &sim[i];
	}
	return (best);
}

/*
 * Walk the calendar back from now a day at a time; the first n distinct
 * periods each keep their newest export: mark its name.
 */
static void
sim_expect(int64_t now, enum sim_period p, int n,
    char (*kept)[GCP_OBJECT_MAX + 1], int *nkept)
{
	const struct retention_obj	*o;
	char				 key[32], last[32] = "";
	int				 seen = 0, d, i;

	for (d = 0; d < SIM_DAYS && seen < n; d++) {
		sim_key(p, (time_t)(now / 1000) - (time_t)d * 86400, key,
		    sizeof(key));
		if (strcmp(key, last) == 0)
			continue;
		strlcpy(last, key, sizeof(last));
		if ((o = sim_newest(p, key)) == NULL)
			continue;
		seen++;
		for (i = 0; i < *nkept; i++)
			if (strcmp(kept[i], o->name) == 0)
				break;
		if (i == *nkept)
			strlcpy(kept[(*nkept)++], o->name, sizeof(kept[0]));
	}
}

static int
sim_expected(const char *name, char (*kept)[GCP_OBJECT_MAX + 1], int nkept)
{
	int	 i;

	for (i = 0; i < nkept; i++)
		if (strcmp(kept[i], name) == 0)
			return (1);
	return (0);
}

START_TEST(test_gfs_400_days)
{
	static char			 kept[64][GCP_OBJECT_MAX + 1];
	struct retention_policy		 pol = { 14, 8, 12 };
	char				 held[RETENTION_HELD_MAX];
	uint64_t			 all = 0, kb = 0;
	int64_t				 now;
	int				 nkept = 0, deleted, nk = 0;
	size_t				 i;

	now = sim_build();
	sim_expect(now, SIM_DAY, pol.daily, kept, &nkept);
	sim_expect(now, SIM_WEEK, pol.weekly, kept, &nkept);
	sim_expect(now, SIM_MONTH, pol.monthly, kept, &nkept);

	deleted = retention_decide(sim, nsim, &pol, now, held, sizeof(held));
	ck_assert_str_eq(held, "");
	for (i = 0; i < nsim; i++) {
		ck_assert_msg(sim[i].keep == sim_expected(sim[i].name, kept,
		    nkept), "%s: keep %d (%s)", sim[i].name, sim[i].keep,
		    sim[i].why);
		if (i > 0)
			ck_assert(sim[i].t_ms <= sim[i - 1].t_ms);
		all += sim[i].size;
		if (sim[i].keep) {
			kb += sim[i].size;
			nk++;
		} else
			ck_assert_str_eq(sim[i].why,
			    "beyond daily 14, weekly 8, monthly 12");
	}
	ck_assert_int_eq(nk, nkept);
	ck_assert_int_eq(deleted, (int)nsim - nk);
	ck_assert_str_eq(sim[0].why, "newest, daily 1, weekly 1, monthly 1");
	/*
	 * 2026-12-06 is a Sunday: 14 days, 6 more Sundays, 10 more month
	 * ends; 431 objects (31 manual).
	 */
	ck_assert_int_eq(nk, 30);
	ck_assert_int_eq((int)nsim, 431);
	printf("retention %d days: kept %d of %zu objects, %.1f%% of bytes\n",
	    SIM_DAYS, nk, nsim, 100.0 * (double)kb / (double)all);
}
END_TEST

/* Exports stopped 20 days ago, longer than daily's 14: nothing goes. */
START_TEST(test_stopped)
{
	struct retention_policy	 pol = { 14, 8, 12 };
	char			 held[RETENTION_HELD_MAX];
	int64_t			 now;
	size_t			 i;

	now = sim_build() + 20 * DAY_MS;
	ck_assert_int_eq(retention_decide(sim, nsim, &pol, now, held,
	    sizeof(held)), 0);
	ck_assert_ptr_nonnull(strstr(held, "exports stopped"));
	ck_assert_ptr_nonnull(strstr(held, "nothing pruned"));
	for (i = 0; i < nsim; i++)
		ck_assert_int_eq(sim[i].keep, 1);

	/* Exactly daily days old: still pruned. */
	now = sim[0].t_ms + 14 * DAY_MS;
	ck_assert_int_gt(retention_decide(sim, nsim, &pol, now, held,
	    sizeof(held)), 0);
	ck_assert_str_eq(held, "");
	ck_assert_int_eq(retention_decide(sim, nsim, &pol, now + 1, held,
	    sizeof(held)), 0);
	ck_assert_ptr_nonnull(strstr(held, "exports stopped"));

	/* Without daily, the shortest period is weekly weeks. */
	pol.daily = 0;
	pol.weekly = 4;
	now = sim[0].t_ms + 20 * DAY_MS;
	ck_assert_int_gt(retention_decide(sim, nsim, &pol, now, held,
	    sizeof(held)), 0);
	now = sim[0].t_ms + 29 * DAY_MS;
	ck_assert_int_eq(retention_decide(sim, nsim, &pol, now, held,
	    sizeof(held)), 0);
	ck_assert_ptr_nonnull(strstr(held, "exports stopped"));
}
END_TEST

START_TEST(test_policy_zero)
{
	struct retention_policy	 off = { 0, 0, 0 }, neg = { -1, 0, -5 };
	char			 held[RETENTION_HELD_MAX];
	int64_t			 now;
	size_t			 i;

	now = sim_build();
	ck_assert_int_eq(retention_decide(sim, nsim, &off, now, held,
	    sizeof(held)), 0);
	ck_assert_ptr_nonnull(strstr(held, "retention off"));
	for (i = 0; i < nsim; i++)
		ck_assert_int_eq(sim[i].keep, 1);
	ck_assert_int_eq(retention_decide(sim, nsim, &neg, now, held,
	    sizeof(held)), 0);
	ck_assert_int_eq(retention_decide(NULL, 0, &neg, now, held,
	    sizeof(held)), 0);
}
END_TEST

START_TEST(test_single)
{
	struct retention_policy	 pol = { 1, 0, 0 };
	struct retention_obj	 o;
	char			 held[RETENTION_HELD_MAX];

	ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL,
	    "my-project/pg/db/2026-12-06T030000Z.sql.gz", &o), 0);
	ck_assert_int_eq(retention_decide(&o, 1, &pol, o.t_ms + 3600 * 1000,
	    held, sizeof(held)), 0);
	ck_assert_int_eq(o.keep, 1);
	ck_assert_str_eq(o.why, "newest, daily 1");
}
END_TEST

/* Several exports of a day: daily keeps the day's newest only. */
START_TEST(test_same_day)
{
	static const char	*names[] = {
		"my-project/pg/db/2026-12-05T030000Z.sql.gz",
		"my-project/pg/db/2026-12-06T030000Z.sql.gz",
		"my-project/pg/db/2026-12-06T120000Z.sql.gz",
		"my-project/pg/db/2026-12-06T180000Z.sql.gz",
		"my-project/pg/db/2026-12-04T030000Z.sql.gz",
	};
	struct retention_policy	 pol = { 2, 0, 0 };
	struct retention_obj	 o[5];
	char			 held[RETENTION_HELD_MAX];
	int64_t			 now = utc_ms(2026, 12, 6, 19, 0, 0);
	size_t			 i;

	for (i = 0; i < 5; i++)
		ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL, names[i],
		    &o[i]), 0);
	ck_assert_int_eq(retention_decide(o, 5, &pol, now, held,
	    sizeof(held)), 3);
	ck_assert_str_eq(o[0].name, names[3]);
	ck_assert_str_eq(o[0].why, "newest, daily 1");
	ck_assert_int_eq(o[1].keep, 0);
	ck_assert_str_eq(o[1].why, "beyond daily 2");
	ck_assert_int_eq(o[2].keep, 0);
	ck_assert_str_eq(o[3].name, names[0]);
	ck_assert_str_eq(o[3].why, "daily 2");
	ck_assert_int_eq(o[4].keep, 0);

	/* Monthly alone: the month's newest, whatever the day. */
	pol.daily = 0;
	pol.monthly = 1;
	ck_assert_int_eq(retention_decide(o, 5, &pol, now, held,
	    sizeof(held)), 4);
	ck_assert_str_eq(o[0].why, "newest, monthly 1");
}
END_TEST

/* ISO weeks start on Monday, and span a year's end. */
START_TEST(test_weeks)
{
	static const char	*names[] = {
		"my-project/pg/db/2026-01-04T030000Z.sql",	/* Sun */
		"my-project/pg/db/2026-01-05T030000Z.sql",	/* Mon */
		"my-project/pg/db/2025-12-29T030000Z.sql",	/* Mon */
		"my-project/pg/db/2025-12-28T030000Z.sql",	/* Sun */
	};
	struct retention_policy	 pol = { 0, 3, 0 };
	struct retention_obj	 o[4];
	char			 held[RETENTION_HELD_MAX];
	size_t			 i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL, names[i],
		    &o[i]), 0);
	/* Weeks: Jan 5 | Dec 29 - Jan 4 | Dec 28: Dec 29 goes. */
	ck_assert_int_eq(retention_decide(o, 4, &pol, utc_ms(2026, 1, 5, 4, 0,
	    0), held, sizeof(held)), 1);
	ck_assert_str_eq(o[2].name, names[2]);
	ck_assert_int_eq(o[2].keep, 0);
	ck_assert_str_eq(o[2].why, "beyond weekly 3");
	ck_assert_str_eq(o[3].why, "weekly 3");
}
END_TEST

START_TEST(test_mixed)
{
	struct retention_policy	 pol = { 1, 0, 0 };
	struct retention_obj	 o[2];
	char			 held[RETENTION_HELD_MAX];

	ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL,
	    "my-project/pg/db1/2026-12-06T030000Z.sql.gz", &o[0]), 0);
	ck_assert_int_eq(retention_parse_name(DEFAULT_TMPL,
	    "my-project/pg/db2/2026-12-05T030000Z.sql.gz", &o[1]), 0);
	ck_assert_int_eq(retention_decide(o, 2, &pol, o[0].t_ms, held,
	    sizeof(held)), 0);
	ck_assert_ptr_nonnull(strstr(held, "more than one database"));
	ck_assert_int_eq(o[0].keep && o[1].keep, 1);
}
END_TEST

static Suite *
retention_suite(void)
{
	Suite	*s = suite_create("retention");
	TCase	*tc = tcase_create("names");
	TCase	*tg = tcase_create("policy");

	tcase_add_loop_test(tc, test_parse, 0,
	    sizeof(parse_cases) / sizeof(parse_cases[0]));
	tcase_add_test(tc, test_prefix);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	tcase_add_test(tg, test_gfs_400_days);
	tcase_add_test(tg, test_stopped);
	tcase_add_test(tg, test_policy_zero);
	tcase_add_test(tg, test_single);
	tcase_add_test(tg, test_same_day);
	tcase_add_test(tg, test_weeks);
	tcase_add_test(tg, test_mixed);
	suite_add_tcase(s, tg);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(retention_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
