/*
 * emu_storage.c: the Cloud Storage JSON API over a directory tree: bucket
 * get, objects get (metadata or alt=media), list (prefix, delimiter,
 * paging), delete and simple/multipart upload, plus the export writer and
 * dump reader used by Cloud SQL operations and the test hook that plants
 * objects.  Objects are plain files under
 * --bucket-dir/<bucket>/<name>; their metadata (size, CRC32C, MD5,
 * generation) is computed from the file, so nothing else is stored.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define GCS_NAME_MAX	1024	/* GCS: object names up to 1024 bytes */
#define GCS_LIST_DEPTH	32

struct gcs_names {
	char	**v;
	size_t	  n;
};

/* A name safe to map onto the file system (no "..", no empty segments). */
int
gcs_valid_name(const char *n)
{
	const char	*s = n, *seg;
	size_t		 len;

	if (n == NULL || *n == '\0' || strlen(n) > GCS_NAME_MAX)
		return (0);
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == '\\')
			return (0);
	for (seg = n;;) {
		len = strcspn(seg, "/");
		if (len == 0 || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return (0);
		if (seg[len] == '\0')
			break;
		seg += len + 1;
	}
	return (1);
}

/* File path of bucket/name; new string in *path, or -1 if unsafe. */
int
gcs_object_path(struct emu *e, const char *bucket, const char *name,
    char **path)
{
	*path = NULL;
	if (!gcs_valid_name(bucket) || strchr(bucket, '/') != NULL ||
	    !gcs_valid_name(name))
		return (-1);
	xasprintf(path, "%s/%s/%s", e->bucket_dir, bucket, name);
	return (0);
}

static unsigned char *
gcs_gzip(const char *text, size_t len, size_t *outlen)
{
	z_stream	 z;
	unsigned char	*out;
	size_t		 cap = len + 256;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (NULL);
	out = xmalloc(cap);
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return (NULL);
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return (out);
}

/*
 * Write a small, real export file at path: a SQL-ish dump whose header
 * says what it holds (engine, source, database, data size), so that an
 * import can tell a good dump from a corrupt one; gzip'd when the name
 * ends ".gz".  pad > 0 makes the object that many bytes: comment lines
 * inside a plain dump, zero bytes after a gzip stream (which gzip
 * readers skip).  0 or -1 with errno.
 */
int
gcs_write_export(struct emu *e, const char *path, const struct emu_dump *d,
    size_t pad)
{
	char		*text, *ts, *buf;
	unsigned char	*gz;
	size_t		 len, gzlen, n = strlen(path), k;
	int		 rc;

	ts = emu_rfc3339(emu_now(e));
	if (d->corrupt)
		xasprintf(&text, "\x01\x02 not a dump: %s\n", ts);
	else
		xasprintf(&text, "-- databackup emulator export\n"
		    "-- engine: %s\n-- project: %s\n-- instance: %s\n"
		    "-- database: %s\n-- size_mb: %.6g\n-- time: %s\n"
		    "CREATE TABLE emu_t (id INT PRIMARY KEY, note TEXT);\n"
		    "INSERT INTO emu_t VALUES (1, 'exported by "
		    "gcp-emulator');\n", d->engine, d->project != NULL ?
		    d->project : "-", d->instance != NULL ? d->instance : "-",
		    d->database != NULL ? d->database : "*", d->size_mb, ts);
	free(ts);
	len = strlen(text);
	if (emu_mkdirs(path) == -1) {
		free(text);
		return (-1);
	}
	if (n > 3 && strcmp(path + n - 3, ".gz") == 0) {
		if ((gz = gcs_gzip(text, len, &gzlen)) == NULL) {
			free(text);
			errno = EIO;
			return (-1);
		}
		if (pad > gzlen) {
			gz = xreallocarray(gz, pad, 1);
			memset(gz + gzlen, 0, pad - gzlen);
			gzlen = pad;
		}
		rc = emu_write_file(path, gz, gzlen);
		free(gz);
	} else {
		if (pad > len) {
			buf = xmalloc(pad);
			memcpy(buf, text, len);
			for (k = len; k < pad; k++)
				buf[k] = (k - len) % 64 < 2 ? '-' :
				    (k - len) % 64 == 63 || k == pad - 1 ?
				    '\n' : ' ';
			free(text);
			text = buf;
			len = pad;
		}
		rc = emu_write_file(path, text, len);
	}
	free(text);
	return (rc);
}

void
gcs_dump_free(struct emu_dump *d)
{
	free(d->engine);
	free(d->project);
	free(d->instance);
	free(d->database);
	memset(d, 0, sizeof(*d));
}

/* The first bytes of a file, inflated if it is gzip; new string. */
static char *
gcs_head(const char *data, size_t len, size_t max)
{
	z_stream	 z;
	char		*out = xmalloc(max + 1);
	int		 rc;

	if (len < 2 || (unsigned char)data[0] != 0x1f ||
	    (unsigned char)data[1] != 0x8b) {
		if (len > max)
			len = max;
		memcpy(out, data, len);
		out[len] = '\0';
		return (out);
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		free(out);
		return (NULL);
	}
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)max;
	rc = inflate(&z, Z_NO_FLUSH);
	if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
		inflateEnd(&z);
		free(out);
		return (NULL);
	}
	out[z.total_out] = '\0';
	inflateEnd(&z);
	return (out);
}

/*
 * Read what the object bucket/name holds into d: -1 if there is no such
 * object, 0 otherwise (d->corrupt set when it is not an emulator dump).
 */
int
gcs_read_dump(struct emu *e, const char *bucket, const char *name,
    struct emu_dump *d)
{
	struct stat	 st;
	char		*path, *data, *head, *line, *next, *v;
	size_t		 len;

	memset(d, 0, sizeof(*d));
	if (!fleet_bucket(e->fleet, bucket) ||
	    gcs_object_path(e, bucket, name, &path) == -1)
		return (-1);
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (data = emu_read_file(path, &len)) == NULL) {
		free(path);
		return (-1);
	}
	free(path);
	head = gcs_head(data, len, 4096);
	free(data);
	d->size_mb = (double)st.st_size / (1024 * 1024);
	if (head == NULL || strncmp(head, "-- databackup emulator export\n",
	    30) != 0) {
		free(head);
		d->corrupt = 1;
		return (0);
	}
	for (line = head; line != NULL && strncmp(line, "-- ", 3) == 0;
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((v = strstr(line, ": ")) == NULL)
			continue;
		*v = '\0';
		v += 2;
		if (strcmp(line + 3, "engine") == 0 && d->engine == NULL)
			d->engine = xstrdup(v);
		else if (strcmp(line + 3, "project") == 0 && d->project == NULL)
			d->project = xstrdup(v);
		else if (strcmp(line + 3, "instance") == 0 &&
		    d->instance == NULL)
			d->instance = xstrdup(v);
		else if (strcmp(line + 3, "database") == 0 &&
		    d->database == NULL)
			d->database = xstrdup(v);
		else if (strcmp(line + 3, "size_mb") == 0)
			d->size_mb = strtod(v, NULL);
	}
	free(head);
	if (d->engine == NULL)
		d->corrupt = 1;
	return (0);
}

/* Object resource for a file, or NULL if it does not exist. */
static cJSON *
gcs_object_json(struct emu *e, const char *bucket, const char *name)
{
	struct stat	 st;
	char		*path, *data, *b, buf[64], *enc;
	unsigned char	 md[EVP_MAX_MD_SIZE], c4[4];
	unsigned int	 mdlen = 0;
	size_t		 len;
	uint32_t	 crc;
	long long	 gen;
	cJSON		*o;

	if (gcs_object_path(e, bucket, name, &path) == -1)
		return (NULL);
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (data = emu_read_file(path, &len)) == NULL) {
		free(path);
		return (NULL);
	}
	free(path);
	crc = emu_crc32c(0, data, len);
	c4[0] = crc >> 24;
	c4[1] = (crc >> 16) & 0xff;
	c4[2] = (crc >> 8) & 0xff;
	c4[3] = crc & 0xff;
	EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL);
	free(data);
	gen = (long long)st.st_mtim.tv_sec * 1000000 +
	    st.st_mtim.tv_nsec / 1000;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", "storage#object");
	snprintf(buf, sizeof(buf), "%lld", gen);
	xasprintf(&b, "%s/%s/%s", bucket, name, buf);
	cJSON_AddStringToObject(o, "id", b);
	free(b);
	enc = emu_pct_encode(name);
	xasprintf(&b, "%sstorage/v1/b/%s/o/%s", e->base_url ? e->base_url :
	    "https://www.googleapis.com/", bucket, enc);
	cJSON_AddStringToObject(o, "selfLink", b);
	free(b);
	xasprintf(&b, "%sdownload/storage/v1/b/%s/o/%s?generation=%s&alt=media",
	    e->base_url ? e->base_url : "https://storage.googleapis.com/",
	    bucket, enc, buf);
	cJSON_AddStringToObject(o, "mediaLink", b);
	free(b);
	free(enc);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "bucket", bucket);
	cJSON_AddStringToObject(o, "generation", buf);
	cJSON_AddStringToObject(o, "metageneration", "1");
	cJSON_AddStringToObject(o, "contentType", "application/octet-stream");
	cJSON_AddStringToObject(o, "storageClass", "STANDARD");
	snprintf(buf, sizeof(buf), "%lld", (long long)st.st_size);
	cJSON_AddStringToObject(o, "size", buf);
	b = emu_b64(md, mdlen, 0);
	cJSON_AddStringToObject(o, "md5Hash", b);
	free(b);
	b = emu_b64(c4, 4, 0);
	cJSON_AddStringToObject(o, "crc32c", b);
	free(b);
	b = emu_b64((unsigned char *)&gen, 6, 0);
	cJSON_AddStringToObject(o, "etag", b);
	free(b);
	b = emu_rfc3339(st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9);
	cJSON_AddStringToObject(o, "timeCreated", b);
	cJSON_AddStringToObject(o, "updated", b);
	cJSON_AddStringToObject(o, "timeStorageClassUpdated", b);
	cJSON_AddStringToObject(o, "timeFinalized", b);
	free(b);
	return (o);
}

static void
gcs_walk(const char *dir, const char *rel, struct gcs_names *out, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*p, *r;

	if (depth > GCS_LIST_DEPTH || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strstr(de->d_name, ".tmp.") != NULL)
			continue;
		xasprintf(&p, "%s/%s", dir, de->d_name);
		if (*rel != '\0')
			xasprintf(&r, "%s/%s", rel, de->d_name);
		else
			r = xstrdup(de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			gcs_walk(p, r, out, depth + 1);
		else if (S_ISREG(st.st_mode)) {
			out->v = xreallocarray(out->v, out->n + 1,
			    sizeof(*out->v));
			out->v[out->n++] = r;
			r = NULL;
		}
		free(r);
		free(p);
	}
	closedir(d);
}

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* All object names of a bucket, sorted; caller frees with names_free. */
static void
gcs_names(struct emu *e, const char *bucket, struct gcs_names *out)
{
	char	*dir;

	out->v = NULL;
	out->n = 0;
	xasprintf(&dir, "%s/%s", e->bucket_dir, bucket);
	gcs_walk(dir, "", out, 0);
	free(dir);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), str_cmp);
}

static void
names_free(struct gcs_names *n)
{
	size_t	 i;

	for (i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
}

static void
gcs_list(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	struct gcs_names	 names, ents;
	const char		*prefix = emu_query_get(&req->q, "prefix");
	const char		*delim = emu_query_get(&req->q, "delimiter");
	const char		*mr = emu_query_get(&req->q, "maxResults");
	const char		*so = emu_query_get(&req->q, "startOffset");
	long			 max = EMU_GCS_PAGE_MAX, off, i;
	size_t			 plen, k;
	cJSON			*root, *items, *prefs, *o;
	char			*tok, *cut, *pf;
	int			*isprefix;

	if (prefix == NULL)
		prefix = "";
	if (delim != NULL && *delim == '\0')
		delim = NULL;
	if ((mr != NULL && *mr != '\0' &&
	    emu_parse_int(mr, 0, 1L << 31, &max) == -1) ||
	    emu_page_offset(emu_query_get(&req->q, "pageToken"), &off) == -1) {
		emu_gcs_error(resp, HTTP_BAD_REQUEST, "invalid",
		    "Invalid argument.");
		return;
	}
	if (max <= 0 || max > EMU_GCS_PAGE_MAX)
		max = EMU_GCS_PAGE_MAX;
	plen = strlen(prefix);
	gcs_names(e, r->bucket, &names);
	/* Merge objects and rolled-up prefixes into one sorted sequence. */
	ents.v = xcalloc(names.n + 1, sizeof(*ents.v));
	isprefix = xcalloc(names.n + 1, sizeof(*isprefix));
	ents.n = 0;
	for (k = 0; k < names.n; k++) {
		if (strncmp(names.v[k], prefix, plen) != 0)
			continue;
		if (so != NULL && strcmp(names.v[k], so) < 0)
			continue;
		if (delim != NULL &&
		    (cut = strstr(names.v[k] + plen, delim)) != NULL) {
			pf = xstrndup(names.v[k], (size_t)(cut - names.v[k]) +
			    strlen(delim));
			if (ents.n > 0 && isprefix[ents.n - 1] &&
			    strcmp(ents.v[ents.n - 1], pf) == 0) {
				free(pf);
				continue;
			}
			isprefix[ents.n] = 1;
			ents.v[ents.n++] = pf;
		} else {
			isprefix[ents.n] = 0;
			ents.v[ents.n++] = xstrdup(names.v[k]);
		}
	}
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "kind", "storage#objects");
	items = cJSON_CreateArray();
	prefs = cJSON_CreateArray();
	for (i = off; i < (long)ents.n && i < off + max; i++) {
		if (isprefix[i])
			cJSON_AddItemToArray(prefs,
			    cJSON_CreateString(ents.v[i]));
		else if ((o = gcs_object_json(e, r->bucket, ents.v[i])) != NULL)
			cJSON_AddItemToArray(items, o);
	}
	if (off + max < (long)ents.n) {
		tok = emu_page_token(off + max);
		cJSON_AddStringToObject(root, "nextPageToken", tok);
		free(tok);
	}
	if (cJSON_GetArraySize(prefs) > 0)
		cJSON_AddItemToObject(root, "prefixes", prefs);
	else
		cJSON_Delete(prefs);
	if (cJSON_GetArraySize(items) > 0)
		cJSON_AddItemToObject(root, "items", items);
	else
		cJSON_Delete(items);
	names_free(&names);
	names_free(&ents);
	free(isprefix);
	emu_resp_json(resp, HTTP_OK, root);
}

static void
gcs_no_object(struct emu_resp *resp, const char *bucket, const char *name)
{
	char	*msg;

	xasprintf(&msg, "No such object: %s/%s", bucket, name);
	emu_gcs_error(resp, HTTP_NOT_FOUND, "notFound", msg);
	free(msg);
}

/* Find the data of a multipart/related upload; name from its metadata. */
static int
gcs_multipart(struct emu_req *req, char **name, const char **data,
    size_t *len)
{
	const char	*ct = req->content_type, *b, *p, *end, *hdrend;
	char		*boundary, *delim, *meta;
	cJSON		*j, *n;
	size_t		 blen;

	if (ct == NULL || (b = strstr(ct, "boundary=")) == NULL)
		return (-1);
	b += 9;
	if (*b == '"')
		b++;
	blen = strcspn(b, "\";");
	boundary = xstrndup(b, blen);
	xasprintf(&delim, "--%s", boundary);
	free(boundary);
	end = req->body + req->bodylen;
	/* part 1: JSON metadata */
	p = memmem(req->body, req->bodylen, delim, strlen(delim));
	if (p == NULL || (hdrend = memmem(p, (size_t)(end - p), "\r\n\r\n",
	    4)) == NULL) {
		free(delim);
		return (-1);
	}
	hdrend += 4;
	p = memmem(hdrend, (size_t)(end - hdrend), delim, strlen(delim));
	if (p == NULL) {
		free(delim);
		return (-1);
	}
	meta = xstrndup(hdrend, (size_t)(p - hdrend));
	j = cJSON_Parse(meta);
	free(meta);
	n = cJSON_GetObjectItemCaseSensitive(j, "name");
	if (cJSON_IsString(n) && *name == NULL)
		*name = xstrdup(n->valuestring);
	cJSON_Delete(j);
	/* part 2: the bytes, up to "\r\n--boundary" */
	if ((hdrend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4)) == NULL) {
		free(delim);
		return (-1);
	}
	hdrend += 4;
	p = memmem(hdrend, (size_t)(end - hdrend), delim, strlen(delim));
	free(delim);
	if (p == NULL)
		return (-1);
	if (p - 2 >= hdrend && p[-2] == '\r' && p[-1] == '\n')
		p -= 2;
	*data = hdrend;
	*len = (size_t)(p - hdrend);
	return (0);
}

static void
gcs_insert(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	const char	*ut = emu_query_get(&req->q, "uploadType");
	const char	*igm = emu_query_get(&req->q, "ifGenerationMatch");
	const char	*qn = emu_query_get(&req->q, "name"), *data;
	char		*name = qn != NULL ? xstrdup(qn) : NULL, *path;
	size_t		 len;
	cJSON		*o;

	data = req->body;
	len = req->bodylen;
	if (ut != NULL && strcmp(ut, "multipart") == 0) {
		if (gcs_multipart(req, &name, &data, &len) == -1) {
			free(name);
			emu_gcs_error(resp, HTTP_BAD_REQUEST, "invalid",
			    "Malformed multipart body.");
			return;
		}
	} else if (ut == NULL || strcmp(ut, "media") != 0) {
		free(name);
		emu_gcs_error(resp, HTTP_BAD_REQUEST, "invalid",
		    "Upload type not supported by the emulator.");
		return;
	}
	if (name == NULL || gcs_object_path(e, r->bucket, name, &path) == -1) {
		free(name);
		emu_gcs_error(resp, HTTP_BAD_REQUEST, "required",
		    "Required parameter: name");
		return;
	}
	if (igm != NULL && strcmp(igm, "0") == 0 && access(path, F_OK) == 0) {
		emu_gcs_error(resp, HTTP_PRECONDITION, "conditionNotMet",
		    "At least one of the pre-conditions you specified did not "
		    "hold.");
	} else if (emu_mkdirs(path) == -1 ||
	    emu_write_file(path, data, len) == -1) {
		log_warn("gcs_insert: %s", path);
		emu_gcs_error(resp, HTTP_INTERNAL, "backendError",
		    "Backend Error");
	} else if ((o = gcs_object_json(e, r->bucket, name)) != NULL)
		emu_resp_json(resp, HTTP_OK, o);
	else
		emu_gcs_error(resp, HTTP_INTERNAL, "backendError",
		    "Backend Error");
	free(path);
	free(name);
}

static cJSON *
gcs_bucket_json(struct emu *e, const char *bucket)
{
	cJSON	*o = cJSON_CreateObject();
	char	*s;

	cJSON_AddStringToObject(o, "kind", "storage#bucket");
	xasprintf(&s, "%sstorage/v1/b/%s", e->base_url ? e->base_url :
	    "https://www.googleapis.com/", bucket);
	cJSON_AddStringToObject(o, "selfLink", s);
	free(s);
	cJSON_AddStringToObject(o, "id", bucket);
	cJSON_AddStringToObject(o, "name", bucket);
	cJSON_AddStringToObject(o, "projectNumber", e->fleet->quota_consumer);
	cJSON_AddStringToObject(o, "metageneration", "1");
	cJSON_AddStringToObject(o, "location", "EUROPE-WEST1");
	cJSON_AddStringToObject(o, "storageClass", "STANDARD");
	cJSON_AddStringToObject(o, "etag", "CAE=");
	cJSON_AddStringToObject(o, "timeCreated", "2021-03-01T09:00:00.000Z");
	cJSON_AddStringToObject(o, "updated", "2021-03-01T09:00:00.000Z");
	cJSON_AddStringToObject(o, "locationType", "region");
	cJSON_AddStringToObject(o, "rpo", "DEFAULT");
	return (o);
}

/*
 * buckets.testIamPermissions: the asked storage.* permissions, less the
 * fleet's bucket_denied; Google leaves "permissions" out when none is held.
 */
static void
gcs_test_permissions(struct emu *e, struct emu_req *req,
    struct emu_resp *resp)
{
	cJSON	*o = cJSON_CreateObject(), *a = NULL;
	size_t	 i, k;

	cJSON_AddStringToObject(o, "kind", "storage#testIamPermissionsResponse");
	for (i = 0; i < req->q.n; i++) {
		if (strcmp(req->q.kv[i].key, "permissions") != 0 ||
		    strncmp(req->q.kv[i].val, "storage.", 8) != 0)
			continue;
		for (k = 0; k < e->fleet->nbucket_denied; k++)
			if (strcmp(e->fleet->bucket_denied[k],
			    req->q.kv[i].val) == 0)
				break;
		if (k < e->fleet->nbucket_denied)
			continue;
		if (a == NULL)
			a = cJSON_AddArrayToObject(o, "permissions");
		cJSON_AddItemToArray(a, cJSON_CreateString(req->q.kv[i].val));
	}
	emu_resp_json(resp, HTTP_OK, o);
}

void
gcs_handle(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	const char	*alt;
	char		*path, *data;
	size_t		 len;
	cJSON		*o;

	if (!fleet_bucket(e->fleet, r->bucket)) {
		emu_gcs_error(resp, HTTP_NOT_FOUND, "notFound",
		    "The specified bucket does not exist.");
		return;
	}
	switch (r->ep) {
	case EP_STORAGE_BUCKETS_GET:
		emu_resp_json(resp, HTTP_OK, gcs_bucket_json(e, r->bucket));
		break;
	case EP_STORAGE_BUCKETS_TEST:
		gcs_test_permissions(e, req, resp);
		break;
	case EP_STORAGE_OBJECTS_LIST:
		gcs_list(e, req, r, resp);
		break;
	case EP_STORAGE_OBJECTS_INSERT:
		gcs_insert(e, req, r, resp);
		break;
	case EP_STORAGE_OBJECTS_GET:
		if ((o = gcs_object_json(e, r->bucket, r->object)) == NULL) {
			gcs_no_object(resp, r->bucket, r->object);
			break;
		}
		alt = emu_query_get(&req->q, "alt");
		if (alt == NULL || strcmp(alt, "media") != 0) {
			emu_resp_json(resp, HTTP_OK, o);
			break;
		}
		cJSON_Delete(o);
		gcs_object_path(e, r->bucket, r->object, &path);
		data = emu_read_file(path, &len);
		free(path);
		if (data == NULL) {
			gcs_no_object(resp, r->bucket, r->object);
			break;
		}
		free(resp->body);
		resp->status = HTTP_OK;
		resp->ctype = "application/octet-stream";
		resp->body = data;
		resp->len = len;
		break;
	case EP_STORAGE_OBJECTS_DELETE:
		if (gcs_object_path(e, r->bucket, r->object, &path) == -1 ||
		    unlink(path) == -1) {
			free(path);
			gcs_no_object(resp, r->bucket, r->object);
			break;
		}
		free(path);
		free(resp->body);
		resp->body = NULL;
		resp->len = 0;
		resp->status = HTTP_NO_CONTENT;
		resp->ctype = NULL;
		break;
	default:
		fatalx("gcs_handle: endpoint %d", r->ep);
	}
}

/* {"objects":[Object...]} over every fleet bucket; new tree. */
cJSON *
gcs_objects_json(struct emu *e)
{
	struct gcs_names names;
	cJSON		*root = cJSON_CreateObject(), *a, *o;
	size_t		 b, k;

	a = cJSON_AddArrayToObject(root, "objects");
	for (b = 0; b < e->fleet->nbuckets; b++) {
		gcs_names(e, e->fleet->buckets[b], &names);
		for (k = 0; k < names.n; k++)
			if ((o = gcs_object_json(e, e->fleet->buckets[b],
			    names.v[k])) != NULL)
				cJSON_AddItemToArray(a, o);
		names_free(&names);
	}
	return (root);
}

#define GCS_PLANT_MAX	(64L * 1024 * 1024)

/*
 * POST /_emulator/objects: create (or replace) an object as an export
 * would have written it, for tests: {"bucket", "name", "engine",
 * "project", "instance", "database", "sizeMb", "size", "timeCreated",
 * "corrupt"}.  Answers the Object resource.
 */
void
gcs_ctl_object(struct emu *e, struct emu_req *req, struct emu_resp *resp)
{
	struct emu_dump	 d;
	struct stat	 st;
	struct timespec	 ts[2];
	cJSON		*j, *b, *n, *v, *o;
	const char	*bad = NULL;
	char		*path = NULL;
	double		 created = -1, size = 0;
	int		 existed;

	memset(&d, 0, sizeof(d));
	j = cJSON_ParseWithLength(req->body, req->bodylen);
	b = cJSON_GetObjectItemCaseSensitive(j, "bucket");
	n = cJSON_GetObjectItemCaseSensitive(j, "name");
	if (!cJSON_IsString(b) || !cJSON_IsString(n) ||
	    gcs_object_path(e, b->valuestring, n->valuestring, &path) == -1)
		bad = "want {\"bucket\", \"name\"} with a valid name";
	else if (!fleet_bucket(e->fleet, b->valuestring))
		bad = "no such bucket in the fleet";
	v = cJSON_GetObjectItemCaseSensitive(j, "engine");
	d.engine = xstrndup(cJSON_IsString(v) ? v->valuestring : "MYSQL",
	    strcspn(cJSON_IsString(v) ? v->valuestring : "MYSQL", "_"));
	if (strcmp(d.engine, "MYSQL") != 0 && strcmp(d.engine, "POSTGRES") !=
	    0 && strcmp(d.engine, "SQLSERVER") != 0 && bad == NULL)
		bad = "\"engine\": MYSQL, POSTGRES or SQLSERVER";
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "project")) != NULL &&
	    cJSON_IsString(v))
		d.project = xstrdup(v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "instance")) != NULL &&
	    cJSON_IsString(v))
		d.instance = xstrdup(v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "database")) != NULL &&
	    cJSON_IsString(v))
		d.database = xstrdup(v->valuestring);
	d.size_mb = 1;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "sizeMb")) != NULL &&
	    (!cJSON_IsNumber(v) || (d.size_mb = v->valuedouble) < 0) &&
	    bad == NULL)
		bad = "\"sizeMb\": a number >= 0";
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "size")) != NULL &&
	    (!cJSON_IsNumber(v) || (size = v->valuedouble) < 0 ||
	    size > GCS_PLANT_MAX) && bad == NULL)
		bad = "\"size\": bytes, 0 to 64 MiB";
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "timeCreated")) != NULL &&
	    (!cJSON_IsString(v) ||
	    emu_parse_rfc3339(v->valuestring, &created) == -1) && bad == NULL)
		bad = "\"timeCreated\": RFC 3339";
	d.corrupt = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
	    "corrupt"));
	if (bad != NULL) {
		emu_gerror(resp, HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
		    "invalid", NULL, bad, NULL);
		goto done;
	}
	/* Replacing an object without a new date keeps its old one. */
	existed = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	if (gcs_write_export(e, path, &d, (size_t)size) == -1) {
		log_warn("gcs_ctl_object: %s", path);
		emu_gerror(resp, HTTP_INTERNAL, "INTERNAL", "backendError",
		    NULL, "cannot write the object", NULL);
		goto done;
	}
	if (created >= 0 || existed) {
		if (created >= 0) {
			ts[0].tv_sec = (time_t)created;
			ts[0].tv_nsec = (long)((created -
			    (double)ts[0].tv_sec) * 1e9);
		} else
			ts[0] = st.st_mtim;
		ts[1] = ts[0];
		if (utimensat(AT_FDCWD, path, ts, 0) == -1)
			log_warn("gcs_ctl_object: utimensat %s", path);
	}
	if ((o = gcs_object_json(e, b->valuestring, n->valuestring)) != NULL)
		emu_resp_json(resp, HTTP_OK, o);
	else
		emu_gerror(resp, HTTP_INTERNAL, "INTERNAL", "backendError",
		    NULL, "cannot read the object back", NULL);
done:
	gcs_dump_free(&d);
	free(path);
	cJSON_Delete(j);
}
