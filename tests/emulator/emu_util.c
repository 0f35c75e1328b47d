/*
 * emu_util.c: small helpers for the emulator: emulated time, durations,
 * a seeded RNG, percent-coding, query strings, base64, CRC32C, counters,
 * files and page tokens.  No HTTP and no Google semantics here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

double
emu_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

double
emu_wall(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Emulated epoch seconds: starts at the real time of start-up and runs
 * scale times faster than the real clock.
 */
double
emu_now(struct emu *e)
{
	if (e->now_override > 0)
		return (e->now_override);
	return (e->wall0 + (emu_mono() - e->mono0) * e->scale);
}

/* The real epoch seconds at which emulated time t happens(ed). */
double
emu_real_of(struct emu *e, double t)
{
	if (e->scale <= 0)
		return (t);
	return (e->wall0 + (t - e->wall0) / e->scale);
}

/* RFC 3339 UTC with milliseconds; returns a new string, caller frees. */
char *
emu_rfc3339(double t)
{
	struct tm	 tm;
	long long	 all = llround(t * 1000);
	time_t		 s = (time_t)(all / 1000);
	int		 ms = (int)(all % 1000);
	char		 buf[64], *r;

	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	xasprintf(&r, "%s.%03dZ", buf, ms);
	return (r);
}

/* "90", "1.5s", "250ms", "2m", "1h", "1d" -> seconds.  0 or -1. */
int
emu_parse_duration(const char *s, double *out)
{
	char	*end;
	double	 v;

	if (s == NULL || *s == '\0')
		return (-1);
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0 || !isfinite(v))
		return (-1);
	if (*end == '\0' || strcmp(end, "s") == 0)
		;
	else if (strcmp(end, "ms") == 0)
		v /= 1000;
	else if (strcmp(end, "m") == 0)
		v *= 60;
	else if (strcmp(end, "h") == 0)
		v *= 3600;
	else if (strcmp(end, "d") == 0)
		v *= 86400;
	else
		return (-1);
	*out = v;
	return (0);
}

/* splitmix64: tiny, seedable, good enough for fault rates and sizes. */
void
emu_rng_seed(struct emu_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t
emu_rng_next(struct emu_rng *r)
{
	uint64_t	 z;

	z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* Uniform in [0, 1). */
double
emu_rng_unit(struct emu_rng *r)
{
	return ((emu_rng_next(r) >> 11) * (1.0 / 9007199254740992.0));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Decode len bytes of percent-encoding (and '+' as space when plus is set).
 * Bad escapes are kept literally; a decoded NUL ends the string.  Returns a
 * new string; caller frees.
 */
char *
emu_pct_decode(const char *s, size_t len, int plus)
{
	char	*r = xmalloc(len + 1);
	size_t	 i, j = 0;
	int	 h, l;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			r[j++] = (char)(h * 16 + l);
			i += 2;
		} else if (plus && s[i] == '+')
			r[j++] = ' ';
		else
			r[j++] = s[i];
	}
	r[j] = '\0';
	return (r);
}

/* Percent-encode everything but unreserved characters; caller frees. */
char *
emu_pct_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	 n = strlen(s), j = 0, i;
	char	*r = xmalloc(n * 3 + 1);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			r[j++] = (char)c;
		else {
			r[j++] = '%';
			r[j++] = hex[c >> 4];
			r[j++] = hex[c & 15];
		}
	}
	r[j] = '\0';
	return (r);
}

/* Parse "a=b&c=d" (form or query encoding) into q. */
void
emu_query_parse(struct emu_query *q, const char *s, size_t len)
{
	size_t	 i = 0, st, eq;

	q->kv = NULL;
	q->n = 0;
	if (s == NULL)
		return;
	while (i < len) {
		st = i;
		while (i < len && s[i] != '&')
			i++;
		if (i > st) {
			for (eq = st; eq < i && s[eq] != '='; eq++)
				;
			q->kv = xreallocarray(q->kv, q->n + 1, sizeof(*q->kv));
			q->kv[q->n].key = emu_pct_decode(s + st, eq - st, 1);
			if (eq < i)
				q->kv[q->n].val = emu_pct_decode(s + eq + 1,
				    i - eq - 1, 1);
			else
				q->kv[q->n].val = xstrdup("");
			q->n++;
		}
		i++;
	}
}

void
emu_query_free(struct emu_query *q)
{
	size_t	 i;

	for (i = 0; i < q->n; i++) {
		free(q->kv[i].key);
		free(q->kv[i].val);
	}
	free(q->kv);
	q->kv = NULL;
	q->n = 0;
}

/* First value of key, or NULL.  Borrowed from q. */
const char *
emu_query_get(const struct emu_query *q, const char *key)
{
	size_t	 i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->kv[i].key, key) == 0)
			return (q->kv[i].val);
	return (NULL);
}

/* Base64 (url: base64url without padding).  Returns a new string. */
char *
emu_b64(const unsigned char *p, size_t n, int url)
{
	const char	*tab = url ?
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" :
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char		*r = xmalloc(n / 3 * 4 + 5), *o = r;
	size_t		 i;
	uint32_t	 v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		if (!url) {
			*o++ = '=';
			*o++ = '=';
		}
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		if (!url)
			*o++ = '=';
	}
	*o = '\0';
	return (r);
}

static int
b64url_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '-' || c == '+')
		return (62);
	if (c == '_' || c == '/')
		return (63);
	return (-1);
}

/* Decode base64url (padding optional); NULL on bad input.  Caller frees. */
unsigned char *
emu_b64url_decode(const char *s, size_t n, size_t *outlen)
{
	unsigned char	*r;
	size_t		 i, o = 0;
	uint32_t	 acc = 0;
	int		 bits = 0, v;

	while (n > 0 && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return (NULL);
	r = xmalloc(n * 3 / 4 + 1);
	for (i = 0; i < n; i++) {
		if ((v = b64url_val((unsigned char)s[i])) < 0) {
			free(r);
			return (NULL);
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			r[o++] = (unsigned char)(acc >> bits);
		}
	}
	*outlen = o;
	return (r);
}

/* CRC-32C (Castagnoli, reflected 0x82F63B78), as GCS reports it. */
uint32_t
emu_crc32c(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t	 table[256];
	static int	 ready;
	const unsigned char *p = buf;
	uint32_t	 c;
	int		 i, k;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ 0x82F63B78U : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return (~crc);
}

void
emu_counts_add(struct emu_counts *c, const char *key)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->c[i].key, key) == 0) {
			c->c[i].n++;
			return;
		}
	c->c = xreallocarray(c->c, c->n + 1, sizeof(*c->c));
	c->c[c->n].key = xstrdup(key);
	c->c[c->n].n = 1;
	c->n++;
}

void
emu_counts_free(struct emu_counts *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		free(c->c[i].key);
	free(c->c);
	c->c = NULL;
	c->n = 0;
}

/* Whole file, NUL-terminated; NULL with errno set.  Caller frees. */
char *
emu_read_file(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xreallocarray(buf, cap, 1);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return (NULL);
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

/* Write through a temporary file and rename, so readers never see half. */
int
emu_write_file(const char *path, const void *p, size_t len)
{
	char	*tmp;
	int	 fd;

	xasprintf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		free(tmp);
		return (-1);
	}
	if (len > 0 && write(fd, p, len) != (ssize_t)len) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

/* mkdir -p for every directory above the last '/' of path. */
int
emu_mkdirs(const char *path)
{
	char	*p = xstrdup(path), *s;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			free(p);
			return (-1);
		}
		*s = '/';
	}
	free(p);
	return (0);
}

/* Page tokens are opaque to clients; here they carry an offset. */
char *
emu_page_token(long off)
{
	char	*r;

	xasprintf(&r, "emu-%ld", off * 7 + 3);
	return (r);
}

int
emu_page_offset(const char *tok, long *off)
{
	long	 v;

	if (tok == NULL || *tok == '\0') {
		*off = 0;
		return (0);
	}
	if (strncmp(tok, "emu-", 4) != 0 ||
	    emu_parse_int(tok + 4, 3, LONG_MAX, &v) == -1 || (v - 3) % 7 != 0)
		return (-1);
	*off = (v - 3) / 7;
	return (0);
}

/* Strict decimal in [min, max]; 0 or -1. */
int
emu_parse_int(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s == '\0')
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/*
 * RFC 3339 ("2024-01-31T02:00:00Z", optional fraction, "Z" or +hh:mm) to
 * epoch seconds; 0 or -1.
 */
int
emu_parse_rfc3339(const char *s, double *out)
{
	struct tm	 tm;
	const char	*p;
	double		 frac = 0, scale = 0.1;
	int		 oh, om, sign;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return (-1);
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return (-1);
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	if (*p == 'Z' || *p == 'z') {
		if (p[1] != '\0')
			return (-1);
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6 ||
		    oh > 23 || om > 59)
			return (-1);
		t -= sign * (oh * 3600 + om * 60);
	} else
		return (-1);
	*out = (double)t + frac;
	return (0);
}
