/*
 * jsonutil.c: JSON helpers shared by the control socket, the monitor and
 * the notifications, so that a time or an unset value reads the same in
 * every message.  No I/O.
 */
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
