/*
 * jsonutil.h: the few JSON shapes every reply, event and notification
 * shares: times as RFC 3339 UTC strings (written and read), unset values
 * as null.
 */
#ifndef DATABACKUP_JSONUTIL_H
#define DATABACKUP_JSONUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define JSON_TIME_MAX	32	/* "2026-11-25T03:00:00Z" and its NUL */

/* jsonutil.c */
void	json_time(int64_t, char *, size_t);
int	json_time_parse(const char *, int64_t *);
void	json_add_time(cJSON *, const char *, int64_t);
void	json_add_str(cJSON *, const char *, const char *);

#endif
