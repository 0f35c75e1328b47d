/*
 * emu_crm.c: Resource Manager as databackup and gcloud call it: v3
 * folders/projects list and get, v2 folders (lifecycleState), and v1
 * projects list with its filter language.  Lists page with pageSize /
 * pageToken; the fleet's page_size caps every page so paging is exercised.
 * Reads the fleet model, changes nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define CRM_CREATE_TIME	"2021-03-01T09:00:00.000Z"
#define CRM_PAGE_MAX	1000
#define CRM_FILTER_MAXDEPTH	32

enum cf_type { CF_CMP, CF_AND, CF_OR, CF_NOT };

struct crm_filter {
	enum cf_type	 type;
	struct crm_filter *l, *r;
	char		*key;
	char		*val;
	int		 neq;
};

struct cf_lex {
	const char	*s;
	size_t		 pos;
	char		*tok;		/* current token, NULL at end */
	int		 quoted;
	char		*err;
	size_t		 errlen;
	int		 depth;
};

static const char *const cf_keys[] = { "parent.id", "parent.type",
    "lifecyclestate", "state", "id", "projectid", "name", "displayname",
    "projectnumber", NULL };

static void
cf_next(struct cf_lex *lx)
{
	const char	*s = lx->s;
	size_t		 st;

	free(lx->tok);
	lx->tok = NULL;
	lx->quoted = 0;
	while (isspace((unsigned char)s[lx->pos]))
		lx->pos++;
	if (s[lx->pos] == '\0')
		return;
	st = lx->pos;
	if (s[st] == '(' || s[st] == ')' || s[st] == ':' || s[st] == '=') {
		lx->tok = xstrndup(s + st, 1);
		lx->pos++;
	} else if (s[st] == '!' && s[st + 1] == '=') {
		lx->tok = xstrdup("!=");
		lx->pos += 2;
	} else if (s[st] == '"' || s[st] == '\'') {
		char q = s[st];
		lx->pos++;
		while (s[lx->pos] != '\0' && s[lx->pos] != q)
			lx->pos++;
		lx->tok = xstrndup(s + st + 1, lx->pos - st - 1);
		lx->quoted = 1;
		if (s[lx->pos] == q)
			lx->pos++;
	} else {
		while (s[lx->pos] != '\0' && !isspace((unsigned char)s[lx->pos]) &&
		    strchr("():=!\"'", s[lx->pos]) == NULL)
			lx->pos++;
		if (lx->pos == st)	/* lone '!' */
			lx->pos++;
		lx->tok = xstrndup(s + st, lx->pos - st);
	}
}

static int
cf_is(struct cf_lex *lx, const char *w)
{
	return (lx->tok != NULL && !lx->quoted && strcmp(lx->tok, w) == 0);
}

static struct crm_filter *cf_or(struct cf_lex *);

static struct crm_filter *
cf_fail(struct cf_lex *lx, const char *msg)
{
	if (lx->err[0] == '\0')
		snprintf(lx->err, lx->errlen, "filter: %s", msg);
	return (NULL);
}

static struct crm_filter *
cf_unary(struct cf_lex *lx)
{
	struct crm_filter	*n, *sub;
	char			*key;
	size_t			 i;

	if (lx->tok == NULL)
		return (cf_fail(lx, "unexpected end"));
	if (++lx->depth > CRM_FILTER_MAXDEPTH)
		return (cf_fail(lx, "too deeply nested"));
	if (cf_is(lx, "NOT") || cf_is(lx, "-")) {
		cf_next(lx);
		if ((sub = cf_unary(lx)) == NULL)
			return (NULL);
		n = xcalloc(1, sizeof(*n));
		n->type = CF_NOT;
		n->l = sub;
		lx->depth--;
		return (n);
	}
	if (cf_is(lx, "(")) {
		cf_next(lx);
		if ((n = cf_or(lx)) == NULL)
			return (NULL);
		if (!cf_is(lx, ")")) {
			crm_filter_free(n);
			return (cf_fail(lx, "missing ')'"));
		}
		cf_next(lx);
		lx->depth--;
		return (n);
	}
	if (cf_is(lx, ")") || cf_is(lx, ":") || cf_is(lx, "=") ||
	    cf_is(lx, "!="))
		return (cf_fail(lx, "expected a field name"));
	key = xstrdup(lx->tok);
	for (i = 0; key[i] != '\0'; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	for (i = 0; cf_keys[i] != NULL; i++)
		if (strcmp(cf_keys[i], key) == 0)
			break;
	if (cf_keys[i] == NULL && strncmp(key, "labels.", 7) != 0) {
		free(key);
		return (cf_fail(lx, "unknown field"));
	}
	cf_next(lx);
	n = xcalloc(1, sizeof(*n));
	n->type = CF_CMP;
	n->key = key;
	if (cf_is(lx, "!="))
		n->neq = 1;
	else if (!cf_is(lx, ":") && !cf_is(lx, "=")) {
		crm_filter_free(n);
		return (cf_fail(lx, "expected ':' or '='"));
	}
	cf_next(lx);
	if (lx->tok == NULL || (!lx->quoted && (cf_is(lx, "(") ||
	    cf_is(lx, ")")))) {
		crm_filter_free(n);
		return (cf_fail(lx, "expected a value"));
	}
	n->val = xstrdup(lx->tok);
	cf_next(lx);
	lx->depth--;
	return (n);
}

static struct crm_filter *
cf_and(struct cf_lex *lx)
{
	struct crm_filter	*l, *r, *n;

	if ((l = cf_unary(lx)) == NULL)
		return (NULL);
	while (lx->tok != NULL && !cf_is(lx, ")") && !cf_is(lx, "OR")) {
		if (cf_is(lx, "AND"))
			cf_next(lx);
		if ((r = cf_unary(lx)) == NULL) {
			crm_filter_free(l);
			return (NULL);
		}
		n = xcalloc(1, sizeof(*n));
		n->type = CF_AND;
		n->l = l;
		n->r = r;
		l = n;
	}
	return (l);
}

static struct crm_filter *
cf_or(struct cf_lex *lx)
{
	struct crm_filter	*l, *r, *n;

	if ((l = cf_and(lx)) == NULL)
		return (NULL);
	while (cf_is(lx, "OR")) {
		cf_next(lx);
		if ((r = cf_and(lx)) == NULL) {
			crm_filter_free(l);
			return (NULL);
		}
		n = xcalloc(1, sizeof(*n));
		n->type = CF_OR;
		n->l = l;
		n->r = r;
		l = n;
	}
	return (l);
}

/*
 * Parse a v1 projects.list filter: terms "key:value" / "key=value" /
 * "key!=value", AND (also implicit), OR, NOT, parentheses.  Returns a new
 * tree (crm_filter_free) or NULL with err set.  An empty filter is NULL
 * with err empty.
 */
struct crm_filter *
crm_filter_parse(const char *s, char *err, size_t errlen)
{
	struct cf_lex		 lx;
	struct crm_filter	*f;

	memset(&lx, 0, sizeof(lx));
	lx.s = s;
	lx.err = err;
	lx.errlen = errlen;
	err[0] = '\0';
	cf_next(&lx);
	if (lx.tok == NULL)
		return (NULL);
	f = cf_or(&lx);
	if (f != NULL && lx.tok != NULL) {
		crm_filter_free(f);
		f = cf_fail(&lx, "unexpected token");
	}
	free(lx.tok);
	return (f);
}

void
crm_filter_free(struct crm_filter *f)
{
	if (f == NULL)
		return;
	crm_filter_free(f->l);
	crm_filter_free(f->r);
	free(f->key);
	free(f->val);
	free(f);
}

/* Case-insensitive match with '*' as a trailing or lone wildcard. */
static int
cf_value_match(const char *pat, const char *v)
{
	size_t	 n = strlen(pat);

	if (v == NULL)
		return (0);
	if (n > 0 && pat[n - 1] == '*')
		return (strncasecmp(pat, v, n - 1) == 0);
	return (strcasecmp(pat, v) == 0);
}

int
crm_filter_match(const struct crm_filter *f, const struct emu_project *p)
{
	const char	*v = NULL;
	int		 m;

	if (f == NULL)
		return (1);
	switch (f->type) {
	case CF_AND:
		return (crm_filter_match(f->l, p) && crm_filter_match(f->r, p));
	case CF_OR:
		return (crm_filter_match(f->l, p) || crm_filter_match(f->r, p));
	case CF_NOT:
		return (!crm_filter_match(f->l, p));
	case CF_CMP:
		break;
	}
	if (strcmp(f->key, "parent.id") == 0)
		v = p->parent_id;
	else if (strcmp(f->key, "parent.type") == 0)
		v = p->parent_type;
	else if (strcmp(f->key, "lifecyclestate") == 0 ||
	    strcmp(f->key, "state") == 0)
		v = p->state;
	else if (strcmp(f->key, "id") == 0 || strcmp(f->key, "projectid") == 0)
		v = p->id;
	else if (strcmp(f->key, "name") == 0 ||
	    strcmp(f->key, "displayname") == 0)
		v = p->display;
	else if (strcmp(f->key, "projectnumber") == 0)
		v = p->number;
	m = cf_value_match(f->val, v);
	return (f->neq ? !m : m);
}

static void
crm_forbidden(struct emu_resp *resp)
{
	emu_gerror(resp, HTTP_FORBIDDEN, "PERMISSION_DENIED", "forbidden", NULL,
	    "The caller does not have permission", NULL);
}

static void
crm_invalid(struct emu_resp *resp, const char *msg)
{
	emu_gerror(resp, HTTP_BAD_REQUEST, "INVALID_ARGUMENT", "badRequest",
	    NULL, msg ? msg : "Request contains an invalid argument.", NULL);
}

static cJSON *
crm_folder_json(const struct emu_folder *f, int version)
{
	cJSON	*o = cJSON_CreateObject();
	char	*s;

	xasprintf(&s, "folders/%s", f->id);
	cJSON_AddStringToObject(o, "name", s);
	free(s);
	xasprintf(&s, "%ss/%s", f->parent_type, f->parent_id);
	cJSON_AddStringToObject(o, "parent", s);
	free(s);
	cJSON_AddStringToObject(o, "displayName", f->display);
	cJSON_AddStringToObject(o, version == 2 ? "lifecycleState" : "state",
	    f->state);
	cJSON_AddStringToObject(o, "createTime", CRM_CREATE_TIME);
	if (version == 3) {
		cJSON_AddStringToObject(o, "updateTime", CRM_CREATE_TIME);
		cJSON_AddStringToObject(o, "etag", "W/\"emu\"");
	}
	return (o);
}

static cJSON *
crm_project_json(const struct emu_project *p, int version)
{
	cJSON	*o = cJSON_CreateObject(), *par;
	char	*s;

	if (version == 1) {
		cJSON_AddStringToObject(o, "projectNumber", p->number);
		cJSON_AddStringToObject(o, "projectId", p->id);
		cJSON_AddStringToObject(o, "lifecycleState", p->state);
		cJSON_AddStringToObject(o, "name", p->display);
		cJSON_AddStringToObject(o, "createTime", CRM_CREATE_TIME);
		par = cJSON_AddObjectToObject(o, "parent");
		cJSON_AddStringToObject(par, "type", p->parent_type);
		cJSON_AddStringToObject(par, "id", p->parent_id);
		return (o);
	}
	xasprintf(&s, "projects/%s", p->number);
	cJSON_AddStringToObject(o, "name", s);
	free(s);
	xasprintf(&s, "%ss/%s", p->parent_type, p->parent_id);
	cJSON_AddStringToObject(o, "parent", s);
	free(s);
	cJSON_AddStringToObject(o, "projectId", p->id);
	cJSON_AddStringToObject(o, "state", p->state);
	cJSON_AddStringToObject(o, "displayName", p->display);
	cJSON_AddStringToObject(o, "createTime", CRM_CREATE_TIME);
	cJSON_AddStringToObject(o, "updateTime", CRM_CREATE_TIME);
	cJSON_AddStringToObject(o, "etag", "W/\"emu\"");
	return (o);
}

/* pageSize/pageToken into [off, off+n); -1 after answering 400. */
static int
crm_page(struct emu *e, struct emu_req *req, struct emu_resp *resp,
    long *off, long *n)
{
	const char	*ps = emu_query_get(&req->q, "pageSize");

	*n = e->fleet->page_size;
	if (ps != NULL && *ps != '\0') {
		if (emu_parse_int(ps, 0, 1L << 31, n) == -1) {
			crm_invalid(resp, NULL);
			return (-1);
		}
		if (*n == 0 || *n > e->fleet->page_size)
			*n = e->fleet->page_size;
	}
	if (emu_page_offset(emu_query_get(&req->q, "pageToken"), off) == -1) {
		crm_invalid(resp, "Request contains an invalid argument.");
		return (-1);
	}
	return (0);
}

static int
show_deleted(struct emu_req *req)
{
	const char	*s = emu_query_get(&req->q, "showDeleted");

	return (s != NULL && strcasecmp(s, "true") == 0);
}

/* Split "folders/123" / "organizations/9"; -1 if not one of those. */
static int
crm_parent(const char *s, const char **type, const char **id)
{
	if (s == NULL)
		return (-1);
	if (strncmp(s, "folders/", 8) == 0) {
		*type = "folder";
		*id = s + 8;
	} else if (strncmp(s, "organizations/", 14) == 0) {
		*type = "organization";
		*id = s + 14;
	} else
		return (-1);
	return (**id != '\0' ? 0 : -1);
}

static int
folder_cmp(const void *a, const void *b)
{
	const struct emu_folder *x = *(const struct emu_folder *const *)a;
	const struct emu_folder *y = *(const struct emu_folder *const *)b;

	return (strcmp(x->display, y->display));
}

static void
crm_page_out(cJSON *root, const char *key, cJSON *items, long off, long n,
    long total)
{
	char	*tok;

	if (cJSON_GetArraySize(items) > 0)
		cJSON_AddItemToObject(root, key, items);
	else
		cJSON_Delete(items);
	if (off + n < total) {
		tok = emu_page_token(off + n);
		cJSON_AddStringToObject(root, "nextPageToken", tok);
		free(tok);
	}
}

static void
crm_folders_list(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	struct emu_fleet	 *f = e->fleet;
	struct emu_folder	**sel;
	const char		 *type, *id;
	long			  off, n, i, k = 0;
	cJSON			 *root, *items;
	int			  all = show_deleted(req);

	if (crm_parent(emu_query_get(&req->q, "parent"), &type, &id) == -1) {
		crm_invalid(resp, NULL);
		return;
	}
	if ((strcmp(type, "folder") == 0 && fleet_folder(f, id) == NULL) ||
	    (strcmp(type, "organization") == 0 &&
	    strcmp(id, f->organization) != 0)) {
		crm_forbidden(resp);
		return;
	}
	if (crm_page(e, req, resp, &off, &n) == -1)
		return;
	sel = xcalloc(f->nfolders + 1, sizeof(*sel));
	for (i = 0; i < (long)f->nfolders; i++) {
		struct emu_folder *fo = &f->folders[i];
		if (strcmp(fo->parent_type, type) == 0 &&
		    strcmp(fo->parent_id, id) == 0 &&
		    (all || strcmp(fo->state, "ACTIVE") == 0))
			sel[k++] = fo;
	}
	qsort(sel, (size_t)k, sizeof(*sel), folder_cmp);
	root = cJSON_CreateObject();
	items = cJSON_CreateArray();
	for (i = off; i < k && i < off + n; i++)
		cJSON_AddItemToArray(items, crm_folder_json(sel[i],
		    r->crm_version));
	crm_page_out(root, "folders", items, off, n, k);
	free(sel);
	emu_resp_json(resp, HTTP_OK, root);
}

static void
crm_projects_list(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	struct emu_fleet	 *f = e->fleet;
	struct emu_project	**sel;
	struct crm_filter	 *flt = NULL;
	const char		 *type = NULL, *id = NULL, *s;
	char			  err[128];
	long			  off, n, i, k = 0;
	cJSON			 *root, *items;
	int			  all = show_deleted(req);

	if (r->crm_version == 3) {
		if (crm_parent(emu_query_get(&req->q, "parent"), &type,
		    &id) == -1) {
			crm_invalid(resp, NULL);
			return;
		}
		if ((strcmp(type, "folder") == 0 &&
		    fleet_folder(f, id) == NULL) ||
		    (strcmp(type, "organization") == 0 &&
		    strcmp(id, f->organization) != 0)) {
			crm_forbidden(resp);
			return;
		}
	} else if ((s = emu_query_get(&req->q, "filter")) != NULL) {
		flt = crm_filter_parse(s, err, sizeof(err));
		if (flt == NULL && err[0] != '\0') {
			crm_invalid(resp, NULL);
			return;
		}
	}
	if (crm_page(e, req, resp, &off, &n) == -1) {
		crm_filter_free(flt);
		return;
	}
	sel = xcalloc(f->nprojects + 1, sizeof(*sel));
	for (i = 0; i < (long)f->nprojects; i++) {
		struct emu_project *p = &f->projects[i];
		if (r->crm_version == 3) {
			if (strcmp(p->parent_type, type) != 0 ||
			    strcmp(p->parent_id, id) != 0 ||
			    (!all && strcmp(p->state, "ACTIVE") != 0))
				continue;
		} else if (!crm_filter_match(flt, p))
			continue;
		sel[k++] = p;
	}
	root = cJSON_CreateObject();
	items = cJSON_CreateArray();
	for (i = off; i < k && i < off + n; i++)
		cJSON_AddItemToArray(items, crm_project_json(sel[i],
		    r->crm_version));
	crm_page_out(root, "projects", items, off, n, k);
	free(sel);
	crm_filter_free(flt);
	emu_resp_json(resp, HTTP_OK, root);
}

void
crm_handle(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	struct emu_folder	*fo;
	struct emu_project	*p;
	const char		*id;

	switch (r->ep) {
	case EP_CRM_FOLDERS_LIST:
		crm_folders_list(e, req, r, resp);
		break;
	case EP_CRM_FOLDERS_GET:
		if ((fo = fleet_folder(e->fleet, r->folder)) == NULL)
			crm_forbidden(resp);
		else
			emu_resp_json(resp, HTTP_OK,
			    crm_folder_json(fo, r->crm_version));
		break;
	case EP_CRM_PROJECTS_LIST:
		crm_projects_list(e, req, r, resp);
		break;
	case EP_CRM_PROJECTS_GET:
		id = r->project;
		if (strncmp(id, "projects/", 9) == 0)
			id += 9;
		if ((p = fleet_project(e->fleet, id)) == NULL)
			crm_forbidden(resp);
		else
			emu_resp_json(resp, HTTP_OK,
			    crm_project_json(p, r->crm_version));
		break;
	default:
		fatalx("crm_handle: endpoint %d", r->ep);
	}
}
