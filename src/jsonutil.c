/*
 * jsonutil.c: JSON helpers shared by the control socket, the monitor and
 * the notifications, so that a time or an unset value reads the same in
 * every message, and the one RFC 3339 reader for the times in Google's
 * answers and in our own replies.  No I/O.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "jsonutil.h"

/* Unix ms as RFC 3339 UTC, to the second: "2026-11-25T03:00:00Z". */
void
json_time(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		if (len > 0)
			buf[0] = '\0';
	}
}

#define JSON_SECS_MINUTE	60
#define JSON_SECS_HOUR		3600
#define JSON_UNIX_EPOCH_YEAR	1970

/*
 * The n digits at s as a number, or -1 if any of them is not a digit
 * (so no sign, no space: fields are fixed width).
 */
static int
json_digits(const char *s, int n)
{
	int	 v = 0;

	for (; n > 0; n--, s++) {
		if (!isdigit((unsigned char)*s))
			return (-1);
		v = v * 10 + (*s - '0');
	}
	return (v);
}

/*
 * RFC 3339 ("2026-11-24T03:00:01.123Z", or with a +hh:mm offset) to unix
 * milliseconds in *ms.  Strict, as for Google's answers: fixed-width
 * fields, 'T' (or 't' or a space, which RFC 3339 allows) between date and
 * time, at least one digit after a '.', a zone, nothing after it, and no
 * time before 1970.  Returns 0, or -1 if s is not such a timestamp (*ms
 * untouched).
 */
int
json_time_parse(const char *s, int64_t *ms)
{
	struct tm	 tm;
	const char	*p;
	int		 y, mo, d, h, mi, sec, oh, om;
	int64_t		 frac = 0, scale = 100;
	time_t		 t;

	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' &&
	    s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return (-1);
	y = json_digits(s, 4);
	mo = json_digits(s + 5, 2);
	d = json_digits(s + 8, 2);
	h = json_digits(s + 11, 2);
	mi = json_digits(s + 14, 2);
	sec = json_digits(s + 17, 2);
	if (y < JSON_UNIX_EPOCH_YEAR || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
	    sec > 60)
		return (-1);
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return (-1);
		for (; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == -1)
		return (-1);
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		if (strlen(p) < 6 || p[3] != ':' ||
		    (oh = json_digits(p + 1, 2)) < 0 || oh > 23 ||
		    (om = json_digits(p + 4, 2)) < 0 || om > 59)
			return (-1);
		t -= (*p == '+' ? 1 : -1) *
		    (oh * JSON_SECS_HOUR + om * JSON_SECS_MINUTE);
		p += 6;
	} else
		return (-1);
	if (*p != '\0')
		return (-1);
	*ms = (int64_t)t * 1000 + frac;
	return (0);
}

/* key: the time, or null when ms is unset (0 or less). */
void
json_add_time(cJSON *o, const char *key, int64_t ms)
{
	char	buf[JSON_TIME_MAX];

	if (ms <= 0) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	json_time(ms, buf, sizeof(buf));
	cJSON_AddStringToObject(o, key, buf);
}

/* key: the string, or null when it is NULL or empty. */
void
json_add_str(cJSON *o, const char *key, const char *s)
{
	if (s == NULL || *s == '\0')
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, s);
}
