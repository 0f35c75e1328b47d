/*
 * auth.h: OAuth2 access tokens for the master, as Google's libraries find
 * them (Application Default Credentials).
 *
 * Order: [gcp] credentials, GOOGLE_APPLICATION_CREDENTIALS, gcloud's
 * application_default_credentials.json, then the GCE metadata server
 * (GCE_METADATA_HOST overrides its address).  Key files hold
 * "service_account" (JWT-bearer grant, RS256) or "authorized_user"
 * (refresh-token grant).  Tokens are cached and refreshed ahead of expiry,
 * one refresh at a time; all network I/O goes through http_multi, so the
 * master never blocks.  Tokens and keys never reach a log line.
 */
#ifndef DATABACKUP_AUTH_H
#define DATABACKUP_AUTH_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_multi;
struct gcp_error;

/* google-auth refreshes when less than 3 min 45 s remain. */
#define AUTH_REFRESH_MARGIN_SEC	225

enum auth_source {
	AUTH_SOURCE_CONFIG,	/* [gcp] credentials */
	AUTH_SOURCE_ENV,	/* GOOGLE_APPLICATION_CREDENTIALS */
	AUTH_SOURCE_WELLKNOWN,	/* gcloud application_default_credentials.json */
	AUTH_SOURCE_METADATA,	/* GCE metadata server */
};

struct auth_info {
	enum auth_source source;
	char		 path[1024];	/* key file, or metadata base URL */
	char		 type[32];	/* "service_account", "authorized_user", "metadata" */
	char		 account[256];	/* client_email / client_id / "default" */
	char		 quota_project[64]; /* authorized_user quota_project_id */
};

/* Called with a token valid for at least the margin, or NULL and why. */
typedef void	(*auth_cb)(const char *, const struct gcp_error *, void *);

struct auth;

/* auth.c */
const char	*auth_source_name(enum auth_source);
int		 auth_find(const char *, struct auth_info *, char *, size_t);
struct auth	*auth_new(struct event_base *, struct http_multi *,
		    const struct auth_info *, char *, size_t);
void		 auth_free(struct auth *);
void		 auth_get(struct auth *, auth_cb, void *);
const char	*auth_cached(struct auth *, int64_t *);
void		 auth_invalidate(struct auth *, const char *);

/* jwt.c: pure functions, unit-tested. */
char		*auth_jwt_build(const char *, const char *, const char *,
		    const char *, const char *, int64_t, char *, size_t);
char		*auth_base64url(const unsigned char *, size_t);

#endif
