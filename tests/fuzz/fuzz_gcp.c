/*
 * fuzz_gcp.c: libFuzzer entry feeding one buffer to every parser of
 * gcp-parse.c and gcp-parse-storage.c and to gcp_classify (as a body
 * under several statuses, and as a Retry-After value).  Not built by
 * default.  Build and run from the top of the tree:
 *
 *   (or `make fuzz`, which builds and runs every harness), or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote include \
 *	-include autoconf.h tests/fuzz/fuzz_gcp.c src/gcp.c src/gcp-error.c \
 *	src/gcp-parse.c src/gcp-parse-storage.c src/jsonutil.c src/http.c \
 *	src/log.c src/xmalloc.c \
 *	$(pkg-config --cflags --libs libcjson libcurl libevent \
 *	libbsd-overlay libsystemd) -o fuzz_gcp
 *   cp -r tests/data/gcp corpus
 *   ./fuzz_gcp -max_total_time=60 corpus
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
names_cb(const char *name, const char *state, void *arg)
{
	(*(size_t *)arg) += strlen(name) + strlen(state);
}

static void
inst_cb(const struct gcp_instance *in, void *arg)
{
	(*(size_t *)arg) += strlen(in->name) + strlen(in->version);
}

static void
warn_cb(const struct gcp_warning *w, void *arg)
{
	(*(size_t *)arg) += strlen(w->code) + strlen(w->region) +
	    strlen(w->message);
}

static void
db_cb(const char *name, void *arg)
{
	(*(size_t *)arg) += strlen(name);
}

static void
objs_cb(const char *name, uint64_t size, const char *gen, void *arg)
{
	(*(size_t *)arg) += strlen(name) + strlen(gen) + (size_t)(size & 1);
}

static void
used_cb(const char *project, const char *instance, int64_t bytes, void *arg)
{
	(*(size_t *)arg) += strlen(project) + strlen(instance) +
	    (size_t)(bytes & 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long	 statuses[] = { 200, 400, 401, 403, 404, 409,
	    429, 500, 503 };
	struct gcp_error	 err;
	struct gcp_op		 op, best;
	struct gcp_op_search	 search;
	struct gcp_instance	 inst;
	struct gcp_object	 obj;
	char			*buf, *next, id[GCP_PROJECT_ID_MAX + 1], st[32];
	char			 ra[64];
	size_t			 i, sink = 0;
	struct gcp_bucket	 bkt;
	struct gcp_object_page	 objs;
	struct gcp_series_page	 used;
	struct gcp_perms	 perms = { { "storage.objects.get",
	    "storage.objects.list", NULL }, 0 };

	/* Bodies are not NUL-terminated on the wire. */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return (0);
	memcpy(buf, data, size);

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		gcp_classify(statuses[i], buf, size, NULL, 0, NULL, &err);
	if (size < sizeof(ra)) {
		memcpy(ra, data, size);
		ra[size] = '\0';
		gcp_classify(503, NULL, 0, ra, 0, NULL, &err);
	}
	if (gcp_parse_folders(buf, size, names_cb, &sink, &next, &err) == 0)
		free(next);
	if (gcp_parse_projects(buf, size, names_cb, &sink, &next, &err) == 0)
		free(next);
	gcp_parse_project(buf, size, id, sizeof(id), st, sizeof(st), &err);
	if (gcp_parse_instances(buf, size, inst_cb, warn_cb, &sink, &next,
	    &err) == 0)
		free(next);
	gcp_parse_databases(buf, size, db_cb, &sink, &err);
	gcp_parse_operation(buf, size, &op, &err);
	memset(&best, 0, sizeof(best));
	search.uri = "gs://bkt/a/b.sql.gz";
	search.best = &best;
	if (gcp_parse_op_search(buf, size, &search, &err) == 0)
		free(search.next);
	gcp_parse_instance(buf, size, &inst, &err);
	gcp_parse_object(buf, size, &obj, &err);
	gcp_parse_bucket(buf, size, &bkt, &err);
	gcp_parse_perms(buf, size, &perms, &err);
	memset(&objs, 0, sizeof(objs));
	objs.cb = objs_cb;
	objs.arg = &sink;
	if (gcp_parse_objects(buf, size, &objs, &err) == 0)
		free(objs.next);
	memset(&used, 0, sizeof(used));
	used.cb = used_cb;
	used.arg = &sink;
	if (gcp_parse_disk_used(buf, size, &used, &err) == 0)
		free(used.next);
	free(buf);
	return (0);
}
