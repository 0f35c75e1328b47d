/*
 * auth.c: OAuth2 access tokens for the master, found the way Google's
 * libraries find them (Application Default Credentials), fetched through
 * http_multi so the loop never blocks, cached, and refreshed ahead of expiry
 * with one refresh in flight at a time.  The JWT itself is built in jwt.c.
 * Workers hold no credentials: they get the token in their job message.
 * Tokens, refresh tokens, assertions and keys never reach a log line and are
 * wiped before they are freed.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "auth.h"
#include "gcp.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

#define AUTH_FILE_MAX		(64 * 1024)	/* key files are ~2.4 KiB */
#define AUTH_TOKEN_URI		"https://oauth2.googleapis.com/token"
#define AUTH_SCOPE		"https://www.googleapis.com/auth/cloud-platform"
#define AUTH_GRANT_JWT		"urn:ietf:params:oauth:grant-type:jwt-bearer"
#define AUTH_METADATA_HOST	"metadata.google.internal"
#define AUTH_METADATA_TOKEN	"instance/service-accounts/default/token"
#define AUTH_WELLKNOWN		"application_default_credentials.json"
#define AUTH_FORM		"application/x-www-form-urlencoded"
#define AUTH_TIMEOUT_MS		30000
/* google-auth retries the token endpoint a few times on these. */
#define AUTH_RETRY_MAX		3
#define AUTH_RETRY_BASE_MS	1000
/* Refresh this long before the margin, so callers never see a gap. */
#define AUTH_EARLY_SEC		60

struct auth_waiter {
	TAILQ_ENTRY(auth_waiter) entry;
	auth_cb			 cb;
	void			*arg;
};
TAILQ_HEAD(auth_waiters, auth_waiter);

struct auth {
	struct event_base	*base;
	struct http_multi	*multi;
	struct auth_info	 info;
	/* service_account */
	char			*key_pem;
	char			*key_id;
	char			*email;
	/* authorized_user */
	char			*client_id;
	char			*client_secret;
	char			*refresh_token;
	char			*token_uri;	/* or metadata token URL */

	char			 token[GCP_TOKEN_MAX];
	int64_t			 expiry;	/* unix seconds; 0 = none */
	int64_t			 lifetime;	/* of the last token, seconds */
	int			 refreshing;
	int			 attempt;
	struct auth_waiters	 waiting;	/* for the refresh */
	struct auth_waiters	 ready;		/* get the cached token */
	struct event		*deliver_ev;	/* zero timer for `ready' */
	struct event		*refresh_ev;	/* proactive refresh / retry */
};

static void	 auth_wipe_free(char *);
static char	*auth_read_file(const char *, char *, size_t);
static cJSON	*auth_load(const char *, char *, size_t);
static int	 auth_from_file(const char *, enum auth_source,
		    struct auth_info *, char *, size_t);
static void	 auth_refresh(struct auth *);
static void	 auth_token_cb(struct http_response *, void *);
static void	 auth_fail(struct auth *, const struct gcp_error *);
static void	 auth_deliver_cb(int, short, void *);
static void	 auth_refresh_cb(int, short, void *);
static void	 auth_schedule(struct auth *, int64_t);

const char *
auth_source_name(enum auth_source s)
{
	switch (s) {
	case AUTH_SOURCE_CONFIG:
		return ("config");
	case AUTH_SOURCE_ENV:
		return ("GOOGLE_APPLICATION_CREDENTIALS");
	case AUTH_SOURCE_WELLKNOWN:
		return ("gcloud");
	case AUTH_SOURCE_METADATA:
		return ("metadata");
	}
	return ("unknown");
}

static void
auth_wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * Reads a key file of at most AUTH_FILE_MAX bytes.  Returns a new string
 * (wipe and free it) or NULL with err set.  Warns when others may read it.
 */
static char *
auth_read_file(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return (NULL);
	}
	if (st.st_size > AUTH_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    AUTH_FILE_MAX);
		close(fd);
		return (NULL);
	}
	if (st.st_mode & S_IROTH)
		log_warnx("%s: credentials file is world-readable", path);
	buf = xmalloc(AUTH_FILE_MAX + 1);
	while (len < AUTH_FILE_MAX) {
		n = read(fd, buf + len, AUTH_FILE_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			explicit_bzero(buf, len);
			free(buf);
			close(fd);
			return (NULL);
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return (buf);
}

/* Reads and parses a key file; the caller deletes the tree. */
static cJSON *
auth_load(const char *path, char *err, size_t errlen)
{
	cJSON	*root;
	char	*buf;

	if ((buf = auth_read_file(path, err, errlen)) == NULL)
		return (NULL);
	root = cJSON_Parse(buf);
	auth_wipe_free(buf);
	if (root == NULL || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		snprintf(err, errlen, "%s: not a JSON object", path);
		return (NULL);
	}
	return (root);
}

/* cJSON_Delete does not wipe: scrub every string, then free the tree. */
static void
auth_json_wipe(cJSON *o)
{
	cJSON	*c;

	if (o == NULL)
		return;
	for (c = o->child; c != NULL; c = c->next) {
		if (cJSON_IsString(c) && c->valuestring != NULL)
			explicit_bzero(c->valuestring, strlen(c->valuestring));
	}
	cJSON_Delete(o);
}

/* A non-empty string member, or NULL. */
static const char *
auth_str(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(v) || v->valuestring == NULL ||
	    v->valuestring[0] == '\0')
		return (NULL);
	return (v->valuestring);
}

/* Checks a key file and describes it in info (no secrets kept). */
static int
auth_from_file(const char *path, enum auth_source src, struct auth_info *info,
    char *err, size_t errlen)
{
	static const char *const sa_need[] = { "client_email", "private_key",
	    "private_key_id", NULL };
	static const char *const au_need[] = { "client_id", "client_secret",
	    "refresh_token", NULL };
	const char *const	*need;
	cJSON			*root;
	const char		*type, *s;
	int			 i, rc = -1;

	memset(info, 0, sizeof(*info));
	info->source = src;
	if (strlcpy(info->path, path, sizeof(info->path)) >=
	    sizeof(info->path)) {
		snprintf(err, errlen, "credentials path too long");
		return (-1);
	}
	if ((root = auth_load(path, err, errlen)) == NULL)
		return (-1);
	if ((type = auth_str(root, "type")) == NULL) {
		snprintf(err, errlen, "%s: no credentials type", path);
		goto out;
	}
	if (strcmp(type, "service_account") == 0)
		need = sa_need;
	else if (strcmp(type, "authorized_user") == 0)
		need = au_need;
	else {
		snprintf(err, errlen, "%s: unsupported credentials type "
		    "\"%.40s\" (use service_account or authorized_user)",
		    path, type);
		goto out;
	}
	for (i = 0; need[i] != NULL; i++) {
		if (auth_str(root, need[i]) == NULL) {
			snprintf(err, errlen, "%s: %s credentials without %s",
			    path, type, need[i]);
			goto out;
		}
	}
	strlcpy(info->type, type, sizeof(info->type));
	if (strlcpy(info->account, auth_str(root, need[0]),
	    sizeof(info->account)) >= sizeof(info->account)) {
		snprintf(err, errlen, "%s: %s too long", path, need[0]);
		goto out;
	}
	if ((s = auth_str(root, "quota_project_id")) != NULL &&
	    strlcpy(info->quota_project, s, sizeof(info->quota_project)) >=
	    sizeof(info->quota_project)) {
		snprintf(err, errlen, "%s: quota_project_id too long", path);
		goto out;
	}
	rc = 0;
out:
	auth_json_wipe(root);
	return (rc);
}

/*
 * Application Default Credentials: the config path (may be NULL), else
 * GOOGLE_APPLICATION_CREDENTIALS, else gcloud's well-known file if it
 * exists, else the metadata server (not probed: that would block).
 * Returns 0 with info filled, or -1 with err set.
 */
int
auth_find(const char *config_path, struct auth_info *info, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	const char	*env, *home, *host;
	char		 path[1024];
	int		 n;

	memset(info, 0, sizeof(*info));
	if (config_path != NULL && config_path[0] != '\0')
		return (auth_from_file(config_path, AUTH_SOURCE_CONFIG, info,
		    err, errlen));
	if ((env = getenv("GOOGLE_APPLICATION_CREDENTIALS")) != NULL &&
	    env[0] != '\0')
		return (auth_from_file(env, AUTH_SOURCE_ENV, info, err,
		    errlen));

	if ((env = getenv("CLOUDSDK_CONFIG")) != NULL && env[0] != '\0')
		n = snprintf(path, sizeof(path), "%s/%s", env, AUTH_WELLKNOWN);
	else {
		if ((home = getenv("HOME")) == NULL || home[0] == '\0') {
			pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : "/";
		}
		n = snprintf(path, sizeof(path), "%s/.config/gcloud/%s", home,
		    AUTH_WELLKNOWN);
	}
	if (n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0)
		return (auth_from_file(path, AUTH_SOURCE_WELLKNOWN, info, err,
		    errlen));

	/* google-auth: GCE_METADATA_HOST, host[:port] without scheme. */
	if ((host = getenv("GCE_METADATA_HOST")) == NULL || host[0] == '\0')
		if ((host = getenv("GCE_METADATA_ROOT")) == NULL ||
		    host[0] == '\0')
			host = AUTH_METADATA_HOST;
	if (strchr(host, '/') != NULL || strchr(host, '@') != NULL) {
		snprintf(err, errlen, "GCE_METADATA_HOST: want host[:port], "
		    "got \"%.100s\"", host);
		return (-1);
	}
	info->source = AUTH_SOURCE_METADATA;
	n = snprintf(info->path, sizeof(info->path),
	    "http://%s/computeMetadata/v1/", host);
	if (n < 0 || (size_t)n >= sizeof(info->path)) {
		snprintf(err, errlen, "GCE_METADATA_HOST too long");
		return (-1);
	}
	strlcpy(info->type, "metadata", sizeof(info->type));
	strlcpy(info->account, "default", sizeof(info->account));
	return (0);
}

/*
 * Loads the secrets info describes (re-reading the key file, which must
 * not have changed type) and checks a service account key can sign.
 * Returns a new handle (auth_free) or NULL with err set.
 */
struct auth *
auth_new(struct event_base *base, struct http_multi *multi,
    const struct auth_info *info, char *err, size_t errlen)
{
	struct auth	*a;
	cJSON		*root = NULL;
	const char	*uri;
	char		*jwt;
	struct auth_info check;

	a = xcalloc(1, sizeof(*a));
	a->base = base;
	a->multi = multi;
	a->info = *info;
	TAILQ_INIT(&a->waiting);
	TAILQ_INIT(&a->ready);
	if ((a->deliver_ev = evtimer_new(base, auth_deliver_cb, a)) == NULL ||
	    (a->refresh_ev = evtimer_new(base, auth_refresh_cb, a)) == NULL)
		fatalx("auth_new: evtimer_new");

	if (info->source == AUTH_SOURCE_METADATA) {
		xasprintf(&a->token_uri, "%s%s", info->path,
		    AUTH_METADATA_TOKEN);
		return (a);
	}
	if (auth_from_file(info->path, info->source, &check, err, errlen) ==
	    -1)
		goto fail;
	if (strcmp(check.type, info->type) != 0) {
		snprintf(err, errlen, "%s: credentials type changed",
		    info->path);
		goto fail;
	}
	if ((root = auth_load(info->path, err, errlen)) == NULL)
		goto fail;
	uri = auth_str(root, "token_uri");
	a->token_uri = xstrdup(uri != NULL ? uri : AUTH_TOKEN_URI);
	if (strncmp(a->token_uri, "https://", 8) != 0 &&
	    strncmp(a->token_uri, "http://", 7) != 0) {
		snprintf(err, errlen, "%s: token_uri is not an http(s) URL",
		    info->path);
		goto fail;
	}
	if (strcmp(info->type, "service_account") == 0) {
		a->key_pem = xstrdup(auth_str(root, "private_key"));
		a->key_id = xstrdup(auth_str(root, "private_key_id"));
		a->email = xstrdup(auth_str(root, "client_email"));
		jwt = auth_jwt_build(a->key_pem, a->key_id, a->email,
		    AUTH_SCOPE, AUTH_TOKEN_URI, time(NULL), err, errlen);
		if (jwt == NULL) {
			/* err names the problem, never the key. */
			goto fail;
		}
		auth_wipe_free(jwt);
	} else {
		a->client_id = xstrdup(auth_str(root, "client_id"));
		a->client_secret = xstrdup(auth_str(root, "client_secret"));
		a->refresh_token = xstrdup(auth_str(root, "refresh_token"));
	}
	auth_json_wipe(root);
	return (a);
fail:
	auth_json_wipe(root);
	auth_free(a);
	return (NULL);
}

/*
 * Frees the handle.  Waiters are dropped without being called; a refresh in
 * flight must be cancelled by freeing the http_multi first (its callback
 * would find a freed auth).  NULL is a no-op.
 */
void
auth_free(struct auth *a)
{
	struct auth_waiter	*w;

	if (a == NULL)
		return;
	while ((w = TAILQ_FIRST(&a->waiting)) != NULL) {
		TAILQ_REMOVE(&a->waiting, w, entry);
		free(w);
	}
	while ((w = TAILQ_FIRST(&a->ready)) != NULL) {
		TAILQ_REMOVE(&a->ready, w, entry);
		free(w);
	}
	if (a->deliver_ev != NULL)
		event_free(a->deliver_ev);
	if (a->refresh_ev != NULL)
		event_free(a->refresh_ev);
	auth_wipe_free(a->key_pem);
	free(a->key_id);
	free(a->email);
	auth_wipe_free(a->client_id);
	auth_wipe_free(a->client_secret);
	auth_wipe_free(a->refresh_token);
	free(a->token_uri);
	explicit_bzero(a->token, sizeof(a->token));
	free(a);
}

/*
 * How long before expiry a token counts as stale: google-auth's margin,
 * or a quarter of the lifetime for tokens shorter than four margins (an
 * emulator's, or a short-lived credential), so they are not refreshed on
 * every request.
 */
static int64_t
auth_margin(const struct auth *a)
{
	if (a->lifetime > 0 && a->lifetime / 4 < AUTH_REFRESH_MARGIN_SEC)
		return (a->lifetime / 4);
	return (AUTH_REFRESH_MARGIN_SEC);
}

static int
auth_valid(struct auth *a)
{
	return (a->token[0] != '\0' &&
	    a->expiry - (int64_t)time(NULL) > auth_margin(a));
}

/*
 * Asks for a token.  cb is always called later from the event loop, never
 * from inside auth_get (so a caller may hold state across the call): with
 * the cached token through a zero timer, or after the one refresh all
 * waiters share.  The token passed to cb is borrowed; copy it.  cb may call
 * auth_get again but must not auth_free.
 */
void
auth_get(struct auth *a, auth_cb cb, void *arg)
{
	struct auth_waiter	*w;
	struct timeval		 tv = { 0, 0 };

	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	if (auth_valid(a)) {
		TAILQ_INSERT_TAIL(&a->ready, w, entry);
		evtimer_add(a->deliver_ev, &tv);
		return;
	}
	TAILQ_INSERT_TAIL(&a->waiting, w, entry);
	if (!a->refreshing) {
		a->attempt = 0;
		auth_refresh(a);
	}
}

/* Returns the cached token (borrowed) and its expiry, or NULL. */
const char *
auth_cached(struct auth *a, int64_t *expiry)
{
	if (a == NULL || a->token[0] == '\0' ||
	    a->expiry <= (int64_t)time(NULL))
		return (NULL);
	if (expiry != NULL)
		*expiry = a->expiry;
	return (a->token);
}

/* After a 401: forget token if it is still the current one. */
void
auth_invalidate(struct auth *a, const char *token)
{
	if (a == NULL || token == NULL || a->token[0] == '\0' ||
	    strcmp(a->token, token) != 0)
		return;
	explicit_bzero(a->token, sizeof(a->token));
	a->expiry = 0;
	log_info("auth: access token refused, will fetch a new one");
}

/* Starts one token request; the answer comes to auth_token_cb. */
static void
auth_refresh(struct auth *a)
{
	struct http_request	 req;
	char			*body = NULL, *jwt, *e1, *e2, *e3, *eg;
	char			 err[256];
	struct gcp_error	 gerr;

	memset(&req, 0, sizeof(req));
	req.url = a->token_uri;
	req.timeout_ms = AUTH_TIMEOUT_MS;
	if (a->info.source == AUTH_SOURCE_METADATA) {
		req.method = "GET";
		req.headers[0] = "Metadata-Flavor: Google";
	} else if (a->key_pem != NULL) {
		jwt = auth_jwt_build(a->key_pem, a->key_id, a->email,
		    AUTH_SCOPE, AUTH_TOKEN_URI, time(NULL), err, sizeof(err));
		if (jwt == NULL) {
			memset(&gerr, 0, sizeof(gerr));
			gerr.retry_after_ms = -1;
			gcp_error_set(&gerr, GCP_PERMANENT, "%s: %s",
			    a->info.path, err);
			auth_fail(a, &gerr);
			return;
		}
		eg = http_escape(AUTH_GRANT_JWT);
		xasprintf(&body, "grant_type=%s&assertion=%s", eg, jwt);
		free(eg);
		auth_wipe_free(jwt);
	} else {
		e1 = http_escape(a->client_id);
		e2 = http_escape(a->client_secret);
		e3 = http_escape(a->refresh_token);
		xasprintf(&body, "grant_type=refresh_token&client_id=%s"
		    "&client_secret=%s&refresh_token=%s", e1, e2, e3);
		auth_wipe_free(e1);
		auth_wipe_free(e2);
		auth_wipe_free(e3);
	}
	if (body != NULL) {
		req.method = "POST";
		req.body = body;
		req.content_type = AUTH_FORM;
	}
	a->refreshing = 1;
	log_debug("auth: requesting a token from %s (%s)", a->token_uri,
	    a->info.type);
	http_multi_add(a->multi, &req, auth_token_cb, a);
	auth_wipe_free(body);	/* http_multi_add copied it */
}

/* Hands the cached token to everyone in `ready'. */
static void
auth_deliver_cb(int fd, short what, void *arg)
{
	struct auth		*a = arg;
	struct auth_waiters	 list;
	struct auth_waiter	*w;
	char			 tok[GCP_TOKEN_MAX];

	TAILQ_INIT(&list);
	TAILQ_CONCAT(&list, &a->ready, entry);
	strlcpy(tok, a->token, sizeof(tok));
	while ((w = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, w, entry);
		if (tok[0] != '\0')
			w->cb(tok, NULL, w->arg);
		else {
			/* Invalidated meanwhile: wait for a refresh. */
			TAILQ_INSERT_TAIL(&a->waiting, w, entry);
			if (!a->refreshing) {
				a->attempt = 0;
				auth_refresh(a);
			}
			continue;
		}
		free(w);
	}
	explicit_bzero(tok, sizeof(tok));
}

/* Fails every waiting caller with err. */
static void
auth_fail(struct auth *a, const struct gcp_error *err)
{
	struct auth_waiters	 list;
	struct auth_waiter	*w;

	a->refreshing = 0;
	log_warnx("auth: no access token (%s): %s", a->info.type,
	    err->message);
	TAILQ_INIT(&list);
	TAILQ_CONCAT(&list, &a->waiting, entry);
	while ((w = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, w, entry);
		w->cb(NULL, err, w->arg);
		free(w);
	}
}

/* Whether google-auth would try the token endpoint again. */
static int
auth_retryable(const struct gcp_error *err)
{
	static const char *const errs[] = { "internal_failure",
	    "server_error", "temporarily_unavailable", NULL };
	int	 i;

	if (err->http == 0)
		return (err->st == GCP_RETRY);	/* transport */
	if (err->http == HTTP_STATUS_TIMEOUT ||
	    err->http == HTTP_STATUS_TOO_MANY ||
	    err->http == HTTP_STATUS_SERVER_ERROR ||
	    err->http == HTTP_STATUS_UNAVAILABLE)
		return (1);
	for (i = 0; errs[i] != NULL; i++)
		if (strcmp(err->reason, errs[i]) == 0)
			return (1);
	return (0);
}

/* The token endpoint's (or metadata server's) answer. */
static void
auth_token_cb(struct http_response *resp, void *arg)
{
	struct auth		*a = arg;
	struct auth_waiters	 list;
	struct auth_waiter	*w;
	struct gcp_error	 err;
	cJSON			*root = NULL, *v;
	const char		*tok;
	int64_t			 ttl = -1, backoff;
	enum gcp_status		 st;

	st = gcp_classify(resp->status, resp->body, resp->len,
	    resp->retry_after, resp->curl_code, resp->error, &err);
	if (st == GCP_OK) {
		root = resp->body ? cJSON_ParseWithLength(resp->body,
		    resp->len) : NULL;
		tok = root ? cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(root, "access_token")) :
		    NULL;
		v = root ? cJSON_GetObjectItemCaseSensitive(root,
		    "expires_in") : NULL;
		if (cJSON_IsNumber(v))
			ttl = (int64_t)v->valuedouble;
		else if (cJSON_IsString(v))
			ttl = strtoll(v->valuestring, NULL, 10);
		if (tok == NULL || tok[0] == '\0' || ttl <= 0 ||
		    strlen(tok) >= sizeof(a->token)) {
			gcp_error_set(&err, GCP_RETRY, "malformed answer from "
			    "token endpoint");
			st = GCP_RETRY;
		} else {
			strlcpy(a->token, tok, sizeof(a->token));
			a->expiry = (int64_t)time(NULL) + ttl;
			a->lifetime = ttl;
		}
		if (root != NULL) {
			/* cJSON keeps a copy of the token: scrub it. */
			v = cJSON_GetObjectItemCaseSensitive(root,
			    "access_token");
			if (cJSON_IsString(v))
				explicit_bzero(v->valuestring,
				    strlen(v->valuestring));
			cJSON_Delete(root);
		}
	}
	if (st != GCP_OK) {
		if (st == GCP_RETRY || auth_retryable(&err)) {
			a->attempt++;
			if (a->attempt < AUTH_RETRY_MAX) {
				backoff = AUTH_RETRY_BASE_MS << (a->attempt - 1);
				backoff += arc4random_uniform(backoff / 2 + 1);
				if (err.retry_after_ms > backoff)
					backoff = err.retry_after_ms;
				log_info("auth: token request failed (%s), "
				    "retrying in %lld ms", err.message,
				    (long long)backoff);
				auth_schedule(a, backoff);
				return;
			}
			err.st = GCP_RETRY;
		} else if (err.st == GCP_AUTH)
			err.st = GCP_PERMANENT;	/* bad client credentials */
		auth_fail(a, &err);
		/* Still a valid token?  Keep it; try again before expiry. */
		if (a->token[0] != '\0')
			auth_schedule(a, (int64_t)AUTH_RETRY_BASE_MS * 30);
		return;
	}

	a->refreshing = 0;
	a->attempt = 0;
	log_debug("auth: new access token, valid %lld s", (long long)ttl);
	ttl -= auth_margin(a) + (auth_margin(a) < AUTH_REFRESH_MARGIN_SEC ?
	    auth_margin(a) / 2 : AUTH_EARLY_SEC);
	auth_schedule(a, (ttl > 0 ? ttl : 1) * 1000);
	TAILQ_INIT(&list);
	TAILQ_CONCAT(&list, &a->waiting, entry);
	while ((w = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, w, entry);
		w->cb(a->token, NULL, w->arg);
		free(w);
	}
}

static void
auth_schedule(struct auth *a, int64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(a->refresh_ev, &tv);
}

/* Retry after a failure, or refresh ahead of expiry. */
static void
auth_refresh_cb(int fd, short what, void *arg)
{
	struct auth	*a = arg;

	if (a->refreshing && a->attempt == 0)
		return;		/* a refresh is already in flight */
	if (!a->refreshing)
		a->attempt = 0;
	auth_refresh(a);
}
