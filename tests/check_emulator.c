/*
 * check_emulator.c: unit tests for the emulator's logic in libemulator.a:
 * fleet parsing and its error messages, JWT verification, routing, CRC32C,
 * the v1 filter language, the generator, and instances.list answers
 * (paging, unreachable regions) through emu_handle.  No sockets here; the
 * integration scripts drive the running program.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "log.h"
#include "xmalloc.h"
#include "emulator/emu.h"

#define CASE_TIMEOUT	20

START_TEST(fleet_demo_parses)
{
	const char		*src = getenv("top_srcdir");
	char			*path, err[EMU_ERR_MAX];
	struct emu_fleet	*f;
	struct emu_project	*p;

	xasprintf(&path, "%s/etc/demo-fleet.json", src ? src : ".");
	f = fleet_load(path, err, sizeof(err));
	ck_assert_msg(f != NULL, "%s", err);
	ck_assert_int_ge(f->nprojects, 8);
	ck_assert_int_eq(f->page_size, 3);
	p = fleet_project(f, "law-archive");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->sql_enabled, 0);
	ck_assert_ptr_nonnull(fleet_project(f, "310000000001"));
	ck_assert_str_eq(fleet_project(f, "physics-lab")->parent_id,
	    "210000000011");
	ck_assert(fleet_bucket(f, "campus-sql-backups"));
	fleet_free(f);
	free(path);
}
END_TEST

static const struct {
	const char	*json;
	const char	*msg;
} bad_fleets[] = {
	{ "{\"projects\": [", "f.json: JSON syntax error at offset 13 (line 1)" },
	{ "[]", "f.json: top level must be an object" },
	{ "{\"projects\":[{\"projectId\":\"a\",\"projectNumber\":\"1\"},"
	  "{\"projectId\":\"b\",\"projectNumber\":\"2\",\"instances\":"
	  "[{\"name\":\"i\"}]}]}",
	  "f.json: projects[1].instances[0]: \"databaseVersion\" missing" },
	{ "{\"projects\":[{\"projectNumber\":\"1\"}]}",
	  "f.json: projects[0]: \"projectId\" missing" },
	{ "{\"projects\":[{\"projectId\":\"a\",\"projectNumber\":\"x1\"}]}",
	  "f.json: projects[0]: \"projectNumber\" must be digits" },
	{ "{\"folders\":[{\"id\":\"1\",\"displayName\":\"f\",\"folders\":"
	  "[{\"id\":\"2\"}]}]}",
	  "f.json: folders[0].folders[0]: \"displayName\" missing" },
	{ "{\"folders\":[{\"id\":\"1\",\"displayName\":\"f\",\"state\":\"GONE\"}]}",
	  "f.json: folders[0]: \"state\": unknown value \"GONE\"" },
	{ "{\"projects\":[{\"projectId\":\"a\",\"projectNumber\":1,\"instances\":"
	  "[{\"name\":\"i\",\"databaseVersion\":\"ORACLE_19\"}]}]}",
	  "f.json: projects[0].instances[0]: \"databaseVersion\": unknown "
	  "engine \"ORACLE_19\"" },
	{ "{\"projects\":[{\"projectId\":\"a\",\"projectNumber\":1,\"instances\":"
	  "[{\"name\":\"i\",\"databaseVersion\":\"MYSQL_8_0\",\"busy\":"
	  "[{\"at\":\"soon\",\"for\":\"1m\"}]}]}]}",
	  "f.json: projects[0].instances[0].busy[0]: \"at\": bad duration "
	  "(want e.g. \"90s\", \"2m\", \"1h\")" },
	{ "{\"projects\":[{\"projectId\":\"a\",\"projectNumber\":1,\"instances\":"
	  "[{\"name\":\"i\",\"databaseVersion\":\"MYSQL_8_0\",\"databases\":"
	  "[{\"name\":\"d\",\"sizeMb\":-1}]}]}]}",
	  "f.json: projects[0].instances[0].databases[0]: \"sizeMb\" out of "
	  "range" },
	{ "{\"projects\":[{\"projectId\":\"a\",\"projectNumber\":1},"
	  "{\"projectId\":\"a\",\"projectNumber\":2}]}",
	  "f.json: projects[1]: duplicate project \"a\"" },
	{ "{\"buckets\":[\"../x\"]}", "f.json: buckets[0]: must be a bucket name" },
	{ "{\"projects\":[{\"projectId\":\"a\",\"projectNumber\":1,\"instances\":"
	  "[{\"name\":\"r\",\"databaseVersion\":\"MYSQL_8_0\",\"instanceType\":"
	  "\"READ_REPLICA_INSTANCE\"}]}]}",
	  "f.json: projects[0].instances[0]: \"masterInstanceName\" missing "
	  "for a read replica" },
	{ "{\"projects\":[{\"projectId\":\"a\",\"projectNumber\":1,\"instances\":"
	  "[{\"name\":\"i\",\"databaseVersion\":\"MYSQL_8_0\",\"unreachable\":"
	  "\"yes\"}]}]}",
	  "f.json: projects[0].instances[0]: \"unreachable\" must be a "
	  "boolean" },
};

START_TEST(fleet_bad)
{
	char			 err[EMU_ERR_MAX];
	struct emu_fleet	*f;
	const char		*j = bad_fleets[_i].json;

	err[0] = '\0';
	f = fleet_parse(j, strlen(j), "f.json", err, sizeof(err));
	ck_assert_ptr_null(f);
	ck_assert_str_eq(err, bad_fleets[_i].msg);
}
END_TEST

static char *
sign_jwt(EVP_PKEY *k, const char *claims)
{
	const char	*hdr = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	char		*h, *c, *s, *signed_part, *jwt;
	unsigned char	 sig[1024];
	size_t		 siglen = sizeof(sig);
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();

	h = emu_b64((const unsigned char *)hdr, strlen(hdr), 1);
	c = emu_b64((const unsigned char *)claims, strlen(claims), 1);
	xasprintf(&signed_part, "%s.%s", h, c);
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, sig, &siglen,
	    (unsigned char *)signed_part, strlen(signed_part)), 1);
	s = emu_b64(sig, siglen, 1);
	xasprintf(&jwt, "%s.%s", signed_part, s);
	EVP_MD_CTX_free(ctx);
	free(h);
	free(c);
	free(s);
	free(signed_part);
	return (jwt);
}

START_TEST(jwt_verify)
{
	struct emu	 e;
	EVP_PKEY	*k = EVP_RSA_gen(2048);
	char		 err[64], desc[256], *jwt, *claims, *p;
	double		 now = 1800000000;

	memset(&e, 0, sizeof(e));
	ck_assert_ptr_nonnull(k);
	e.pubkeys = xcalloc(1, sizeof(*e.pubkeys));
	e.pubkeys[0] = k;
	e.npubkeys = 1;
	xasprintf(&claims, "{\"iss\":\"sa@x.iam.gserviceaccount.com\","
	    "\"scope\":\"https://www.googleapis.com/auth/cloud-platform\","
	    "\"aud\":\"https://oauth2.googleapis.com/token\","
	    "\"iat\":%.0f,\"exp\":%.0f}", now, now + 3600);
	jwt = sign_jwt(k, claims);
	ck_assert_int_eq(auth_jwt_verify(&e, jwt, now, err, sizeof(err), desc,
	    sizeof(desc)), 0);
	/* Tamper with one character of the claims. */
	p = strchr(jwt, '.') + 3;
	*p = (*p == 'A') ? 'B' : 'A';
	ck_assert_int_eq(auth_jwt_verify(&e, jwt, now, err, sizeof(err), desc,
	    sizeof(desc)), -1);
	ck_assert_str_eq(err, "invalid_grant");
	ck_assert_str_eq(desc, "Invalid JWT Signature.");
	free(jwt);
	/* Too long a lifetime. */
	free(claims);
	xasprintf(&claims, "{\"iss\":\"a\",\"scope\":\"s\",\"iat\":%.0f,"
	    "\"exp\":%.0f}", now, now + 7200);
	jwt = sign_jwt(k, claims);
	ck_assert_int_eq(auth_jwt_verify(&e, jwt, now, err, sizeof(err), desc,
	    sizeof(desc)), -1);
	ck_assert(strstr(desc, "short-lived") != NULL);
	free(jwt);
	/* Garbage. */
	ck_assert_int_eq(auth_jwt_verify(&e, "a.b", now, err, sizeof(err), desc,
	    sizeof(desc)), -1);
	ck_assert_int_eq(auth_jwt_verify(&e, "!!.??.**", now, err, sizeof(err),
	    desc, sizeof(desc)), -1);
	free(claims);
	auth_free(&e);
}
END_TEST

static const struct {
	enum emu_method	 m;
	const char	*uri;
	enum emu_ep	 ep;
	int		 bad_method;
	const char	*project, *instance, *object;
} routes[] = {
	{ M_GET, "/v1/projects", EP_CRM_PROJECTS_LIST, 0, NULL, NULL, NULL },
	{ M_GET, "/v1/projects/p1", EP_CRM_PROJECTS_GET, 0, "p1", NULL, NULL },
	{ M_GET, "/v1/projects/p1/instances", EP_SQL_INSTANCES_LIST, 0, "p1",
	  NULL, NULL },
	{ M_GET, "/sql/v1beta4/projects/p1/instances/i1?alt=json",
	  EP_SQL_INSTANCES_GET, 0, "p1", "i1", NULL },
	{ M_POST, "/v1/projects/p1/instances/i1/export", EP_SQL_EXPORT, 0,
	  "p1", "i1", NULL },
	{ M_GET, "/v1/projects/p1/instances/i1/export", EP_SQL_EXPORT, 1,
	  "p1", "i1", NULL },
	{ M_POST, "/sql/v1beta4/projects/p1/operations/o-1/cancel",
	  EP_SQL_OPERATIONS_CANCEL, 0, "p1", NULL, NULL },
	{ M_GET, "/v3/folders?parent=folders/1", EP_CRM_FOLDERS_LIST, 0, NULL,
	  NULL, NULL },
	{ M_GET, "/v2/folders/12", EP_CRM_FOLDERS_GET, 0, NULL, NULL, NULL },
	{ M_GET, "/storage/v1/b/bk/o/a%2Fb%20c.sql.gz", EP_STORAGE_OBJECTS_GET,
	  0, NULL, NULL, "a/b c.sql.gz" },
	{ M_GET, "/storage/v1/b/bk/o/a/b", EP_STORAGE_OBJECTS_GET, 0, NULL,
	  NULL, "a/b" },
	{ M_DELETE, "/storage/v1/b/bk/o/x", EP_STORAGE_OBJECTS_DELETE, 0, NULL,
	  NULL, "x" },
	{ M_GET, "/storage/v1/b/bk/o?prefix=a", EP_STORAGE_OBJECTS_LIST, 0,
	  NULL, NULL, NULL },
	{ M_GET, "/storage/v1/b/bk", EP_STORAGE_BUCKETS_GET, 0, NULL, NULL,
	  NULL },
	{ M_GET, "/storage/v1/b/bk/iam/testPermissions?permissions=storage."
	  "objects.get", EP_STORAGE_BUCKETS_TEST, 0, NULL, NULL, NULL },
	{ M_POST, "/storage/v1/b/bk/iam/testPermissions",
	  EP_STORAGE_BUCKETS_TEST, 1, NULL, NULL, NULL },
	{ M_POST, "/upload/storage/v1/b/bk/o?uploadType=media&name=x",
	  EP_STORAGE_OBJECTS_INSERT, 0, NULL, NULL, NULL },
	{ M_GET, "/computeMetadata/v1/instance/service-accounts/default/token",
	  EP_METADATA_TOKEN, 0, NULL, NULL, NULL },
	{ M_GET, "/computeMetadata/v1/project/project-id",
	  EP_METADATA_PROJECT_ID, 0, NULL, NULL, NULL },
	{ M_POST, "/token", EP_OAUTH_TOKEN, 0, NULL, NULL, NULL },
	{ M_GET, "/", EP_NONE, 0, NULL, NULL, NULL },
	{ M_GET, "", EP_NONE, 0, NULL, NULL, NULL },
	{ M_GET, "/v1/projects//instances", EP_NONE, 0, NULL, NULL, NULL },
	{ M_GET, "/v1/projects/p/instances/i/databases/x/y", EP_NONE, 0, NULL,
	  NULL, NULL },
	{ M_GET, "/v1/projects/p/instances/i/databases/x",
	  EP_SQL_DATABASES_GET, 0, "p", "i", NULL },
	{ M_DELETE, "/sql/v1beta4/projects/p/instances/i/databases/x",
	  EP_SQL_DATABASES_DELETE, 0, "p", "i", NULL },
	{ M_PATCH, "/v1/projects/p/instances/i/databases/x",
	  EP_SQL_DATABASES_GET, 1, "p", "i", NULL },
	{ M_POST, "/v1/projects/p/instances/i/databases",
	  EP_SQL_DATABASES_INSERT, 0, "p", "i", NULL },
	{ M_GET, "/v1/projects/p/instances/i/databases",
	  EP_SQL_DATABASES_LIST, 0, "p", "i", NULL },
	{ M_POST, "/sql/v1beta4/projects/p1/instances/i1/import?alt=json",
	  EP_SQL_IMPORT, 0, "p1", "i1", NULL },
	{ M_GET, "/v1/projects/p1/instances/i1/import", EP_SQL_IMPORT, 1,
	  "p1", "i1", NULL },
	{ M_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t", EP_NONE, 0, NULL,
	  NULL, NULL },
	{ M_GET, "/storage/v1/b/bk/o/%", EP_STORAGE_OBJECTS_GET, 0, NULL, NULL,
	  "%" },
	{ M_GET, "/v3/projects/p1/timeSeries?filter=x",
	  EP_MONITORING_TS_LIST, 0, "p1", NULL, NULL },
	{ M_POST, "/v3/projects/p1/timeSeries", EP_MONITORING_TS_LIST, 1,
	  "p1", NULL, NULL },
	{ M_GET, "/v3/projects/p1/timeSeries/x", EP_NONE, 0, NULL, NULL,
	  NULL },
	{ M_GET, "/_emulator/stats", EP_CTL_STATS, 0, NULL, NULL, NULL },
	{ M_GET, "/_emulator/objects", EP_CTL_OBJECTS, 0, NULL, NULL, NULL },
	{ M_POST, "/_emulator/objects", EP_CTL_OBJECTS_PLANT, 0, NULL, NULL,
	  NULL },
};

START_TEST(route_table)
{
	struct emu_route	 r;

	emu_route(routes[_i].m, routes[_i].uri, &r);
	ck_assert_msg(r.ep == routes[_i].ep, "%s: ep %d", routes[_i].uri, r.ep);
	if (r.ep != EP_NONE)
		ck_assert_int_eq(r.bad_method, routes[_i].bad_method);
	if (routes[_i].project != NULL)
		ck_assert_str_eq(r.project, routes[_i].project);
	if (routes[_i].instance != NULL)
		ck_assert_str_eq(r.instance, routes[_i].instance);
	if (routes[_i].object != NULL)
		ck_assert_str_eq(r.object, routes[_i].object);
	emu_route_free(&r);
}
END_TEST

START_TEST(crc32c_vectors)
{
	unsigned char	 z[32], ff[32], inc[32];
	int		 i;

	for (i = 0; i < 32; i++) {
		z[i] = 0;
		ff[i] = 0xff;
		inc[i] = (unsigned char)i;
	}
	ck_assert_uint_eq(emu_crc32c(0, "123456789", 9), 0xE3069283U);
	ck_assert_uint_eq(emu_crc32c(0, z, 32), 0x8A9136AAU);
	ck_assert_uint_eq(emu_crc32c(0, ff, 32), 0x62A8AB43U);
	ck_assert_uint_eq(emu_crc32c(0, inc, 32), 0x46DD794EU);
	ck_assert_uint_eq(emu_crc32c(0, "", 0), 0);
	/* Incremental equals one shot. */
	ck_assert_uint_eq(emu_crc32c(emu_crc32c(0, "1234", 4), "56789", 5),
	    0xE3069283U);
}
END_TEST

START_TEST(filter_language)
{
	struct emu_project	 p;
	struct crm_filter	*f;
	char			 err[128], id[] = "p1", num[] = "101";
	char			 disp[] = "Physics", st[] = "ACTIVE";
	char			 pt[] = "folder", pid[] = "123";

	memset(&p, 0, sizeof(p));
	p.id = id;
	p.number = num;
	p.display = disp;
	p.state = st;
	p.parent_type = pt;
	p.parent_id = pid;
	f = crm_filter_parse("lifecycleState:ACTIVE AND (parent.id=123 AND "
	    "parent.type=folder)", err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	ck_assert(crm_filter_match(f, &p));
	crm_filter_free(f);
	f = crm_filter_parse("parent.id:124 OR id:p1", err, sizeof(err));
	ck_assert(crm_filter_match(f, &p));
	crm_filter_free(f);
	f = crm_filter_parse("parent.id:124 id:p1", err, sizeof(err));
	ck_assert(!crm_filter_match(f, &p));
	crm_filter_free(f);
	f = crm_filter_parse("NOT lifecycleState:DELETE_REQUESTED name:phys*",
	    err, sizeof(err));
	ck_assert(crm_filter_match(f, &p));
	crm_filter_free(f);
	f = crm_filter_parse("id=\"p1\"", err, sizeof(err));
	ck_assert(crm_filter_match(f, &p));
	crm_filter_free(f);
	ck_assert_ptr_null(crm_filter_parse("(id:p1", err, sizeof(err)));
	ck_assert(err[0] != '\0');
	ck_assert_ptr_null(crm_filter_parse("bogus:1", err, sizeof(err)));
	ck_assert_ptr_null(crm_filter_parse("id:", err, sizeof(err)));
	ck_assert_ptr_null(crm_filter_parse("id:p1 )", err, sizeof(err)));
	ck_assert_ptr_null(crm_filter_parse("((((((((((((((((((((((((((((((((("
	    "((((id:p1", err, sizeof(err)));
	ck_assert_ptr_null(crm_filter_parse("   ", err, sizeof(err)));
	ck_assert(err[0] == '\0');
}
END_TEST

START_TEST(generator_deterministic)
{
	struct gen_params	 gp;
	struct emu_fleet	*f;
	char			*a, *b, *c, err[EMU_ERR_MAX];
	size_t			 i, j, ndb = 0, ninst = 0;

	gen_preset("campus", &gp);
	a = gen_fleet(&gp, 42);
	b = gen_fleet(&gp, 42);
	c = gen_fleet(&gp, 43);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	f = fleet_parse(a, strlen(a), "gen", err, sizeof(err));
	ck_assert_msg(f != NULL, "%s", err);
	ck_assert_int_eq(f->nprojects, 300);
	for (i = 0; i < f->nprojects; i++) {
		ninst += f->projects[i].ninstances;
		for (j = 0; j < f->projects[i].ninstances; j++)
			if (!f->projects[i].instances[j].dbs_shared)
				ndb += f->projects[i].instances[j].ndbs;
	}
	ck_assert_int_eq(ninst, 600);
	ck_assert_int_eq(ndb, 2000);
	fleet_free(f);
	free(a);
	free(b);
	free(c);
}
END_TEST

/* chain: counts, the long instance, production-shaped busy windows. */
START_TEST(generator_chain)
{
	struct gen_params	 gp;
	struct emu_fleet	*f;
	struct emu_instance	*in;
	char			*a, err[EMU_ERR_MAX];
	size_t			 i, j, k, ndb = 0, ninst = 0, nbusy = 0;
	int			 seen = 0;

	gen_preset("chain", &gp);
	a = gen_fleet(&gp, 5);
	f = fleet_parse(a, strlen(a), "gen", err, sizeof(err));
	ck_assert_msg(f != NULL, "%s", err);
	ck_assert_int_eq(f->nprojects, 300);
	ck_assert(f->export_rate == 48);
	for (i = 0; i < f->nprojects; i++)
		for (j = 0; j < f->projects[i].ninstances; j++) {
			in = &f->projects[i].instances[j];
			ninst++;
			if (!in->dbs_shared)
				ndb += in->ndbs;
			for (k = 0; k < in->nbusy; k++) {
				nbusy++;
				ck_assert(in->busy[k].at < 3600);
				ck_assert(in->busy[k].dur >= 300 &&
				    in->busy[k].dur <= 2400);
			}
			if (strcmp(in->name, "sql-0") != 0)
				continue;
			seen = 1;
			ck_assert_int_eq(in->disk_gb, 144);
			ck_assert_int_eq(in->ndbs, 4);
			ck_assert(in->dbs[0].size_mb == 114 * 1024);
			ck_assert_int_eq(in->nbusy, 0);
		}
	ck_assert(seen);
	ck_assert_int_eq(ninst, 454);
	ck_assert_int_eq(ndb, 1340);
	ck_assert(nbusy > 20 && nbusy < 70);
	fleet_free(f);
	free(a);
}
END_TEST

START_TEST(util_misc)
{
	double		 d;
	long		 off;
	char		*t;
	struct emu_query q;

	ck_assert_int_eq(emu_parse_duration("2m", &d), 0);
	ck_assert(d == 120);
	ck_assert_int_eq(emu_parse_duration("250ms", &d), 0);
	ck_assert(d == 0.25);
	ck_assert_int_eq(emu_parse_duration("1x", &d), -1);
	ck_assert_int_eq(emu_parse_duration("-1s", &d), -1);
	t = emu_page_token(40);
	ck_assert_int_eq(emu_page_offset(t, &off), 0);
	ck_assert_int_eq(off, 40);
	free(t);
	ck_assert_int_eq(emu_page_offset("emu-5", &off), -1);
	ck_assert_int_eq(emu_page_offset("x", &off), -1);
	emu_query_parse(&q, "a=1&b=x%2Fy+z&&c", 16);
	ck_assert_str_eq(emu_query_get(&q, "b"), "x/y z");
	ck_assert_str_eq(emu_query_get(&q, "c"), "");
	emu_query_free(&q);
	ck_assert(gcs_valid_name("a/b.sql.gz"));
	ck_assert(!gcs_valid_name("a/../b"));
	ck_assert(!gcs_valid_name("/a"));
	ck_assert(!gcs_valid_name("a//b"));
	t = emu_rfc3339(1700000000.123);
	ck_assert_str_eq(t, "2023-11-14T22:13:20.123Z");
	free(t);
	ck_assert_int_eq(emu_parse_rfc3339("2023-11-14T22:13:20.125Z", &d), 0);
	ck_assert(d == 1700000000.125);
	ck_assert_int_eq(emu_parse_rfc3339("2023-11-15T00:13:20+02:00", &d),
	    0);
	ck_assert(d == 1700000000);
	ck_assert_int_eq(emu_parse_rfc3339("2023-11-14T22:13:20", &d), -1);
	ck_assert_int_eq(emu_parse_rfc3339("2023-11-14T22:13:20Zx", &d), -1);
	ck_assert_int_eq(emu_parse_rfc3339("yesterday", &d), -1);
}
END_TEST

/* A fleet with one project: two instances answer, two do not. */
static const char unreachable_fleet[] =
    "{\"projects\":[{\"projectId\":\"p\",\"projectNumber\":\"1\","
    "\"instances\":["
    "{\"name\":\"a\",\"databaseVersion\":\"POSTGRES_15\"},"
    "{\"name\":\"b\",\"databaseVersion\":\"POSTGRES_15\","
    "\"region\":\"us-east4\",\"unreachable\":true},"
    "{\"name\":\"c\",\"databaseVersion\":\"MYSQL_8_0\"},"
    "{\"name\":\"d\",\"databaseVersion\":\"MYSQL_8_0\","
    "\"region\":\"us-east4\",\"unreachable\":true}]},"
    "{\"projectId\":\"q\",\"projectNumber\":\"2\",\"instances\":"
    "[{\"name\":\"x\",\"databaseVersion\":\"MYSQL_8_0\"}]}]}";

/* GET uri (query after '?') through emu_handle; the answer's JSON. */
static cJSON *
emu_get(struct emu *e, const char *uri)
{
	struct emu_req		 req;
	struct emu_route	 r;
	struct emu_resp		 resp;
	struct emu_fault	*f;
	const char		*q;
	char			*path;
	cJSON			*root;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = M_GET;
	req.uri = uri;
	req.authorization = "Bearer t";
	if ((q = strchr(uri, '?')) != NULL) {
		emu_query_parse(&req.q, q + 1, strlen(q + 1));
		path = strndup(uri, q - uri);
	} else
		path = strdup(uri);
	emu_route(req.method, path, &r);
	emu_handle(e, &req, &r, &resp, &f);
	ck_assert_int_eq(resp.status, HTTP_OK);
	root = cJSON_ParseWithLength(resp.body, resp.len);
	ck_assert_ptr_nonnull(root);
	emu_resp_free(&resp);
	emu_route_free(&r);
	emu_query_free(&req.q);
	free(path);
	return (root);
}

/* The names of a list answer's items, space-separated, into buf. */
static void
item_names(const cJSON *root, char *buf, size_t len)
{
	const cJSON	*it;

	buf[0] = '\0';
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "items")) {
		if (buf[0] != '\0')
			strlcat(buf, " ", len);
		strlcat(buf, cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "name")), len);
	}
}

/*
 * instances.list leaves unreachable instances out, pages over the rest,
 * and says on every page which region did not answer, once per region,
 * as Cloud SQL's ApiWarning; a project whose regions all answer has no
 * warnings at all.
 */
START_TEST(instances_list_unreachable)
{
	struct emu_fleet	*f;
	struct emu		*e;
	const cJSON		*w, *w0;
	cJSON			*root;
	char			 err[EMU_ERR_MAX], names[256], uri[256];

	f = fleet_parse(unreachable_fleet, strlen(unreachable_fleet), "f.json",
	    err, sizeof(err));
	ck_assert_msg(f != NULL, "%s", err);
	ck_assert_int_eq(fleet_instance(fleet_project(f, "p"), "b")->unreachable,
	    1);
	ck_assert_int_eq(fleet_instance(fleet_project(f, "p"), "a")->unreachable,
	    0);
	e = emu_new(f, 1, 1);
	e->static_tokens = xcalloc(1, sizeof(*e->static_tokens));
	e->static_tokens[0] = xstrdup("t");
	e->nstatic = 1;

	root = emu_get(e, "/v1/projects/p/instances");
	item_names(root, names, sizeof(names));
	ck_assert_str_eq(names, "a c");
	w = cJSON_GetObjectItem(root, "warnings");
	ck_assert(cJSON_IsArray(w));
	ck_assert_int_eq(cJSON_GetArraySize(w), 1);
	w0 = cJSON_GetArrayItem(w, 0);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(w0, "code")),
	    "REGION_UNREACHABLE");
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(w0,
	    "region")), "us-east4");
	ck_assert_ptr_nonnull(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(
	    w0, "message")), "us-east4"));
	cJSON_Delete(root);

	/* Pages count only what is listed; each carries the warning. */
	root = emu_get(e, "/sql/v1beta4/projects/p/instances?maxResults=1");
	item_names(root, names, sizeof(names));
	ck_assert_str_eq(names, "a");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root,
	    "warnings")), 1);
	ck_assert(cJSON_IsString(cJSON_GetObjectItem(root, "nextPageToken")));
	snprintf(uri, sizeof(uri), "/v1/projects/p/instances?maxResults=1&"
	    "pageToken=%s", cJSON_GetStringValue(cJSON_GetObjectItem(root,
	    "nextPageToken")));
	cJSON_Delete(root);
	root = emu_get(e, uri);
	item_names(root, names, sizeof(names));
	ck_assert_str_eq(names, "c");
	ck_assert_ptr_null(cJSON_GetObjectItem(root, "nextPageToken"));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root,
	    "warnings")), 1);
	cJSON_Delete(root);

	root = emu_get(e, "/v1/projects/q/instances");
	item_names(root, names, sizeof(names));
	ck_assert_str_eq(names, "x");
	ck_assert_ptr_null(cJSON_GetObjectItem(root, "warnings"));
	cJSON_Delete(root);
	emu_free(e);
}
END_TEST

static Suite *
emulator_suite(void)
{
	Suite	*s = suite_create("emulator");
	TCase	*tc;

	tc = tcase_create("fleet");
	tcase_set_timeout(tc, CASE_TIMEOUT);
	tcase_add_test(tc, fleet_demo_parses);
	tcase_add_loop_test(tc, fleet_bad, 0,
	    sizeof(bad_fleets) / sizeof(bad_fleets[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("jwt");
	tcase_set_timeout(tc, CASE_TIMEOUT);
	tcase_add_test(tc, jwt_verify);
	suite_add_tcase(s, tc);
	tc = tcase_create("route");
	tcase_set_timeout(tc, CASE_TIMEOUT);
	tcase_add_loop_test(tc, route_table, 0,
	    sizeof(routes) / sizeof(routes[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("crc32c");
	tcase_set_timeout(tc, CASE_TIMEOUT);
	tcase_add_test(tc, crc32c_vectors);
	suite_add_tcase(s, tc);
	tc = tcase_create("filter");
	tcase_set_timeout(tc, CASE_TIMEOUT);
	tcase_add_test(tc, filter_language);
	suite_add_tcase(s, tc);
	tc = tcase_create("generator");
	tcase_set_timeout(tc, CASE_TIMEOUT);
	tcase_add_test(tc, generator_deterministic);
	tcase_add_test(tc, generator_chain);
	suite_add_tcase(s, tc);
	tc = tcase_create("util");
	tcase_set_timeout(tc, CASE_TIMEOUT);
	tcase_add_test(tc, util_misc);
	suite_add_tcase(s, tc);
	tc = tcase_create("sql");
	tcase_set_timeout(tc, CASE_TIMEOUT);
	tcase_add_test(tc, instances_list_unreachable);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(emulator_suite());
	int	 failed;

	log_init(1, "check_emulator");
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
