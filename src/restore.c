/*
 * restore.c: the pure rules of a restore.  Which steps an engine needs:
 *
 *   PostgreSQL	the database must exist before the import: create it
 *   MySQL	the same, so the dump lands in an empty database
 *   SQL Server	the BAK import creates it: it must not exist
 *
 * A database that exists already is refused, or with --replace deleted
 * first.  Nothing here talks to Google or the journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"
#include "restore.h"
#include "xmalloc.h"

const char *
restore_state_name(enum restore_state s)
{
	switch (s) {
	case RESTORE_QUEUED:
		return ("queued");
	case RESTORE_RUNNING:
		return ("running");
	case RESTORE_SUCCEEDED:
		return ("succeeded");
	case RESTORE_FAILED:
		return ("failed");
	}
	return ("unknown");
}

/* Copy [s, s + n) into buf of size len; -1 if empty or too long. */
static int
restore_part(const char *s, size_t n, char *buf, size_t len)
{
	if (n == 0 || n >= len)
		return (-1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return (0);
}

/*
 * Split "PROJECT/INSTANCE" (parts 2) or "PROJECT/INSTANCE/DATABASE"
 * (parts 3) into its parts, each non-empty and within Google's limits.
 * A database name may hold no '/'.  Returns 0, or -1.
 */
int
restore_split(const char *s, int parts, char *project, size_t plen,
    char *instance, size_t ilen, char *database, size_t dlen)
{
	const char	*a, *b;

	if ((a = strchr(s, '/')) == NULL ||
	    restore_part(s, (size_t)(a - s), project, plen) == -1)
		return (-1);
	a++;
	b = strchr(a, '/');
	if (parts == 2)
		return (b == NULL && restore_part(a, strlen(a), instance,
		    ilen) == 0 ? 0 : -1);
	if (b == NULL || restore_part(a, (size_t)(b - a), instance,
	    ilen) == -1)
		return (-1);
	b++;
	if (strchr(b, '/') != NULL)
		return (-1);
	return (restore_part(b, strlen(b), database, dlen));
}

/* Engine of a databaseVersion: the part before its first '_'. */
static size_t
restore_engine_len(const char *version)
{
	return (strcspn(version, "_"));
}

/* Do two databaseVersions share an engine?  "" (unknown) matches any. */
int
restore_same_engine(const char *a, const char *b)
{
	size_t	 n = restore_engine_len(a);

	if (*a == '\0' || *b == '\0')
		return (1);
	return (n == restore_engine_len(b) && strncmp(a, b, n) == 0);
}

/*
 * The steps (RESTORE_STEP_*) that import into a database of an instance
 * of version, which exists already or not; replace allows deleting it.
 * -1 with why in buf if the restore must be refused.
 */
int
restore_steps(const char *version, int exists, int replace, char *buf,
    size_t len)
{
	int	 steps = RESTORE_STEP_IMPORT;

	if (gcp_engine_file_type(version) == NULL) {
		snprintf(buf, len, "cannot import into a %s instance",
		    *version != '\0' ? version : "database of unknown version");
		return (-1);
	}
	if (exists && !replace) {
		snprintf(buf, len, "the database exists; --replace deletes it "
		    "first (its data is lost)");
		return (-1);
	}
	if (exists)
		steps |= RESTORE_STEP_DELETE;
	if (strncmp(version, "SQLSERVER", 9) != 0)
		steps |= RESTORE_STEP_CREATE;
	buf[0] = '\0';
	return (steps);
}

/*
 * Split "gs://BUCKET/OBJECT" into its bucket and object.  0, or -1 if it
 * is not such a URI.
 */
int
restore_parse_uri(const char *uri, char *bucket, size_t blen, char *object,
    size_t olen)
{
	const char	*slash;

	if (strncmp(uri, "gs://", 5) != 0 ||
	    (slash = strchr(uri + 5, '/')) == NULL)
		return (-1);
	if (restore_part(uri + 5, (size_t)(slash - uri - 5), bucket,
	    blen) == -1 || restore_part(slash + 1, strlen(slash + 1), object,
	    olen) == -1)
		return (-1);
	return (0);
}

/* A step said: the latest in r->step, every one in r->plan. */
void
restore_add_plan(struct restore *r, const char *line)
{
	char	*p;

	strlcpy(r->step, line, sizeof(r->step));
	if (r->plan == NULL)
		r->plan = xstrdup(line);
	else {
		xasprintf(&p, "%s\n%s", r->plan, line);
		free(r->plan);
		r->plan = p;
	}
}

/*
 * May an export of database source be imported under the name database
 * on an instance of version?  A MySQL dump names its own database, and
 * Cloud SQL imports into that one whatever the request says: under
 * another name, the import would land in (and over) the database of the
 * dump's name.  0, or -1 with why in buf.
 */
int
restore_name_ok(const char *version, const char *source, const char *database,
    char *buf, size_t len)
{
	if (strncmp(version, "MYSQL", 5) == 0 && strcmp(source, database) !=
	    0) {
		snprintf(buf, len, "a MySQL export names its database (%s): "
		    "it cannot be imported as %s; restore it into another "
		    "instance with --to", source, database);
		return (-1);
	}
	buf[0] = '\0';
	return (0);
}
