/*
 * check_jsonutil.c: jsonutil.c's RFC 3339 reader (what it accepts from
 * Google and from our own replies, and what it refuses) and its agreement
 * with json_time.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "jsonutil.h"

#define MS_HOUR	(3600 * 1000LL)
#define MS_DAY	(24 * MS_HOUR)

static const struct {
	const char	*text;
	int64_t		 ms;
} good_times[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:01.5Z", 1500 },
	{ "1970-01-01T00:00:01.123456Z", 1123 },
	{ "1970-01-01t00:00:00z", 0 },
	{ "1970-01-01 00:00:00Z", 0 },		/* RFC 3339 5.6 allows it */
	{ "1970-01-02T00:00:00+01:00", MS_DAY - MS_HOUR },
	{ "1970-01-01T00:00:00-02:30", 2 * MS_HOUR + 30 * 60 * 1000LL },
	{ "2026-11-24T03:00:01.123Z", 1795489201123LL },
	{ "2026-11-24T03:00:02.5+01:00", 1795485602500LL },
};

static const char *const bad_times[] = {
	"",
	"yesterday",
	"2026-11-25 03:00:00",		/* no zone */
	"2026-11-25T03:00:00Zjunk",
	"2026-11-25T03:00:00.Z",	/* a '.' needs a digit */
	"1969-12-31T23:59:59Z",
	"2026-13-01T00:00:00Z",
	"2026-11-32T00:00:00Z",
	"2026-11-25T24:00:00Z",
	"2026-11-25T03:60:00Z",
	"2026-1-25T03:00:00Z",		/* fields are fixed width */
	" 2026-11-25T03:00:00Z",
	"+026-11-25T03:00:00Z",
	"2026-11-25X03:00:00Z",
	"2026-11-25T03:00:00+1:00",
	"2026-11-25T03:00:00+01",
	"2026-11-25T03:00:00+0100",
	"2026-11-25T03:00:00+24:00",
	"2026-11-25T03:00",
};

START_TEST(test_time_parse_good)
{
	int64_t	 ms = -1;

	ck_assert_msg(json_time_parse(good_times[_i].text, &ms) == 0,
	    "refused %s", good_times[_i].text);
	ck_assert_int_eq(ms, good_times[_i].ms);
}
END_TEST

START_TEST(test_time_parse_bad)
{
	int64_t	 ms = 42;

	ck_assert_msg(json_time_parse(bad_times[_i], &ms) == -1,
	    "accepted \"%s\"", bad_times[_i]);
	ck_assert_int_eq(ms, 42);	/* untouched */
}
END_TEST

START_TEST(test_time_round_trip)
{
	static const int64_t	 when[] = { 1000, 1795489201000LL,
	    4102444799000LL };
	char			 buf[JSON_TIME_MAX];
	int64_t			 ms;
	size_t			 i;

	for (i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
		json_time(when[i], buf, sizeof(buf));
		ck_assert_int_eq(json_time_parse(buf, &ms), 0);
		ck_assert_int_eq(ms, when[i]);
	}
}
END_TEST

static Suite *
jsonutil_suite(void)
{
	Suite	*s = suite_create("jsonutil");
	TCase	*tc;

	tc = tcase_create("time");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_time_parse_good, 0,
	    sizeof(good_times) / sizeof(good_times[0]));
	tcase_add_loop_test(tc, test_time_parse_bad, 0,
	    sizeof(bad_times) / sizeof(bad_times[0]));
	tcase_add_test(tc, test_time_round_trip);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(jsonutil_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
