/*
 * discovery-result.c: what a walk answers and how it is read: the
 * PROJECT[/INSTANCE[/DATABASE]] patterns (parsed, matched, written back),
 * the result's lists of targets and skips and its partial places, one
 * copy of each database where replicas are listed too, and why a pattern
 * selects nothing.  No I/O: discovery.c fills the result.
 */

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "discovery-int.h"
#include "xmalloc.h"

/*
 * Parse PROJECT[/INSTANCE[/DATABASE]].  Returns 0, or -1 with a message.
 */
int
disc_pattern_parse(const char *s, struct disc_pattern *p, char *err,
    size_t errlen)
{
	const char	*start = s, *slash;
	size_t		 n;

	memset(p, 0, sizeof(*p));
	for (;;) {
		slash = strchr(start, '/');
		n = slash != NULL ? (size_t)(slash - start) : strlen(start);
		if (n == 0) {
			snprintf(err, errlen, "pattern \"%s\": empty part", s);
			return (-1);
		}
		if (p->nparts == 3) {
			snprintf(err, errlen, "pattern \"%s\": more than "
			    "PROJECT/INSTANCE/DATABASE", s);
			return (-1);
		}
		if (n >= sizeof(p->part[0])) {
			snprintf(err, errlen, "pattern \"%s\": too long", s);
			return (-1);
		}
		memcpy(p->part[p->nparts], start, n);
		p->part[p->nparts][n] = '\0';
		p->nparts++;
		if (slash == NULL)
			break;
		start = slash + 1;
	}
	return (0);
}

/*
 * Could anything at this level be in scope of the patterns?  instance and
 * database may be NULL (asking about a whole project or instance).  No
 * patterns: everything is in scope.
 */
int
disc_pattern_match(const struct disc_pattern *pat, size_t npat,
    const char *project, const char *instance, const char *database)
{
	const char	*what[3] = { project, instance, database };
	size_t		 i;
	int		 k, ok;

	if (npat == 0)
		return (1);
	for (i = 0; i < npat; i++) {
		ok = 1;
		for (k = 0; k < pat[i].nparts && ok; k++) {
			if (what[k] == NULL)
				break;
			if (fnmatch(pat[i].part[k], what[k], 0) != 0)
				ok = 0;
		}
		if (ok)
			return (1);
	}
	return (0);
}

/* Add an item to l, one of res's lists; its strings go in res's arena. */
void
disc_list_add(struct disc_result *res, struct disc_list *l,
    const char *project, const char *instance, const char *database,
    const char *fmt, ...)
{
	struct disc_item	*it;
	va_list			 ap;
	char			 text[DISC_REASON_MAX];

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	it = &l->v[l->n++];
	it->project = arena_strdup(res->strings, project != NULL ? project :
	    "");
	it->instance = arena_strdup(res->strings, instance != NULL ?
	    instance : "");
	it->database = arena_strdup(res->strings, database != NULL ?
	    database : "");
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	it->text = arena_strdup(res->strings, text);
}

/*
 * Name a place the walk could not see whole; once per place, region and
 * code (every page of a list may repeat the same warning).
 */
void
disc_partial_add(struct disc_result *res, const char *where,
    const char *instance, const char *region, const char *code,
    const char *text)
{
	struct disc_partials	*l = &res->partial;
	struct disc_partial	*p;
	size_t			 i;

	for (i = 0; i < l->n; i++) {
		p = &l->v[i];
		if (strcmp(p->where, where) == 0 &&
		    strcmp(p->instance, instance) == 0 &&
		    strcmp(p->region, region) == 0 &&
		    strcmp(p->code, code) == 0)
			return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	p = &l->v[l->n++];
	p->where = arena_strdup(res->strings, where);
	p->instance = arena_strdup(res->strings, instance);
	p->region = arena_strdup(res->strings, region);
	p->code = arena_strdup(res->strings, code);
	p->text = arena_strdup(res->strings, text);
}

static int
disc_target_on(const struct disc_target *t, const char *project,
    const char *instance)
{
	return (strcmp(t->instance, instance) == 0 &&
	    strcmp(t->project, project) == 0);
}

/*
 * One copy per database: a replica whose primary has targets gives none
 * of its own (with skip_replicas = no it was listed like any instance).
 * With prefer (from_replica = prefer), the first running replica of such
 * a primary exports the primary's databases.
 */
void
disc_replicas_apply(struct disc_result *res, int prefer)
{
	const struct disc_replica *rp;
	size_t			 i, k, n, dropped;
	int			 found, via;

	for (i = 0; i < res->nreplicas; i++) {
		rp = &res->replicas[i];
		found = via = 0;
		for (k = 0; k < res->ntargets; k++) {
			if (!disc_target_on(&res->targets[k], rp->project,
			    rp->primary))
				continue;
			found = 1;
			if (res->targets[k].via != NULL)
				via = 1;
		}
		if (!found)
			continue;
		dropped = 0;
		for (k = n = 0; k < res->ntargets; k++) {
			if (disc_target_on(&res->targets[k], rp->project,
			    rp->instance)) {
				dropped++;
				continue;
			}
			res->targets[n++] = res->targets[k];
		}
		res->ntargets = n;
		if (dropped > 0)
			disc_list_add(res, &res->skipped, rp->project,
			    rp->instance, NULL, "read replica of %s, whose "
			    "databases are exported once", rp->primary);
		if (via || !rp->healthy || !prefer)
			continue;
		for (k = 0; k < res->ntargets; k++)
			if (disc_target_on(&res->targets[k], rp->project,
			    rp->primary))
				res->targets[k].via = rp->instance;
	}
}
/* pat as the user wrote it: PROJECT[/INSTANCE[/DATABASE]]. */
static void
disc_pattern_text(const struct disc_pattern *pat, char *buf, size_t len)
{
	int	k;

	buf[0] = '\0';
	for (k = 0; k < pat->nparts; k++) {
		if (k > 0)
			strlcat(buf, "/", len);
		strlcat(buf, pat->part[k], len);
	}
}

/* The first item of l in scope of pat, or NULL. */
static const struct disc_item *
disc_list_find(const struct disc_list *l, const struct disc_pattern *pat)
{
	const struct disc_item	*it;
	size_t			 i;

	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		if (disc_pattern_match(pat, 1, it->project,
		    it->instance[0] != '\0' ? it->instance : NULL,
		    it->database[0] != '\0' ? it->database : NULL))
			return (it);
	}
	return (NULL);
}

/* Why pat selects no target of res, in a few words, into buf. */
static void
disc_explain_one(const struct disc_result *res, const struct disc_pattern *pat,
    char *buf, size_t len)
{
	const struct disc_item		*it;
	const struct disc_partial	*p;
	size_t				 i;

	if ((it = disc_list_find(&res->excluded, pat)) != NULL) {
		snprintf(buf, len, "%s%s%s%s%s excluded by rule '%s'",
		    it->project, it->instance[0] != '\0' ? "/" : "",
		    it->instance, it->database[0] != '\0' ? "/" : "",
		    it->database, it->text);
		return;
	}
	if ((it = disc_list_find(&res->skipped, pat)) != NULL) {
		snprintf(buf, len, "%s%s%s%s%s skipped: %s",
		    it->project, it->instance[0] != '\0' ? "/" : "",
		    it->instance, it->database[0] != '\0' ? "/" : "",
		    it->database, it->text);
		return;
	}
	if ((it = disc_list_find(&res->errors, pat)) != NULL) {
		snprintf(buf, len, "%s could not be listed: %s", it->project,
		    it->text);
		return;
	}
	for (i = 0; i < res->partial.n; i++) {
		p = &res->partial.v[i];
		if (strncmp(p->where, "folders/", 8) != 0 &&
		    !disc_pattern_match(pat, 1, p->where, NULL, NULL))
			continue;
		snprintf(buf, len, "not found, but discovery was partial "
		    "(%s%s%s: %s)", p->where, p->region[0] != '\0' ?
		    " region " : "", p->region, p->code);
		return;
	}
	if (res->failed)
		snprintf(buf, len, "discovery failed: %s", res->errors.n > 0 ?
		    res->errors.v[0].text : "nothing could be read");
	else
		snprintf(buf, len, "no such project, instance or database");
}

/*
 * Why the patterns select nothing to export in res: "'PATTERN': why" for
 * each pattern that selects no target, one per line.  Returns how many
 * patterns select nothing.
 */
size_t
disc_explain(const struct disc_result *res, const struct disc_pattern *pat,
    size_t npat, char *buf, size_t len)
{
	const struct disc_target	*t;
	char				 text[3 * (GCP_DATABASE_MAX + 1)];
	char				 why[DISC_REASON_MAX + 128];
	size_t				 i, j, n = 0;

	buf[0] = '\0';
	for (i = 0; i < npat; i++) {
		for (j = 0; j < res->ntargets; j++) {
			t = &res->targets[j];
			if (disc_pattern_match(&pat[i], 1, t->project,
			    t->instance, t->database))
				break;
		}
		if (j < res->ntargets)
			continue;
		disc_pattern_text(&pat[i], text, sizeof(text));
		disc_explain_one(res, &pat[i], why, sizeof(why));
		if (n++ > 0)
			strlcat(buf, "\n", len);
		strlcat(buf, "'", len);
		strlcat(buf, text, len);
		strlcat(buf, "': ", len);
		strlcat(buf, why, len);
	}
	return (n);
}

void
disc_result_free(struct disc_result *res)
{
	if (res == NULL)
		return;
	arena_free(res->strings);
	free(res->targets);
	free(res->skipped.v);
	free(res->excluded.v);
	free(res->errors.v);
	free(res->partial.v);
	free(res->replicas);
	free(res);
}
