/*
 * emu_auth.c: who may call the emulator.  The GCE metadata server, the
 * OAuth2 token endpoint (JWT-bearer grant checked against --sa-pubkey keys,
 * refresh-token grant against --refresh-token values), the store of issued
 * tokens and the bearer check every API call goes through.  Token lifetimes
 * run on the real clock: clients compute expiry with their own clock.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define META_REFRESH_MARGIN	300	/* hand out a new token this close */
#define JWT_BEARER	"urn:ietf:params:oauth:grant-type:jwt-bearer"
#define JWT_TIME_MSG	"Invalid JWT: Token must be a short-lived token (60 " \
	"minutes) and in a reasonable timeframe. Check your iat and exp " \
	"values in the JWT claim."

/* Load one PEM public key; 0 or -1 with err filled. */
int
auth_load_pubkey(struct emu *e, const char *path, char *err, size_t errlen)
{
	FILE		*f;
	EVP_PKEY	*k;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return (-1);
	}
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL) {
		snprintf(err, errlen, "%s: not a PEM public key", path);
		return (-1);
	}
	e->pubkeys = xreallocarray(e->pubkeys, e->npubkeys + 1,
	    sizeof(*e->pubkeys));
	e->pubkeys[e->npubkeys++] = k;
	return (0);
}

static int
jwt_sig_ok(struct emu *e, const char *signed_part, size_t slen,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*ctx;
	size_t		 i;
	int		 ok = 0;

	for (i = 0; i < e->npubkeys && !ok; i++) {
		if ((ctx = EVP_MD_CTX_new()) == NULL)
			fatalx("jwt_sig_ok: EVP_MD_CTX_new");
		if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
		    e->pubkeys[i]) == 1 &&
		    EVP_DigestVerify(ctx, sig, siglen,
		    (const unsigned char *)signed_part, slen) == 1)
			ok = 1;
		EVP_MD_CTX_free(ctx);
	}
	return (ok);
}

static cJSON *
jwt_part(const char *s, size_t n)
{
	unsigned char	*raw;
	size_t		 len;
	cJSON		*j;

	if ((raw = emu_b64url_decode(s, n, &len)) == NULL)
		return (NULL);
	j = cJSON_ParseWithLength((char *)raw, len);
	free(raw);
	if (j != NULL && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return (NULL);
	}
	return (j);
}

/*
 * Check a JWT-bearer assertion at real time now.  0 if good; otherwise -1
 * with the OAuth "error" and "error_description" to send.
 */
int
auth_jwt_verify(struct emu *e, const char *jwt, double now, char *error,
    size_t errorlen, char *desc, size_t desclen)
{
	const char	*d1, *d2;
	cJSON		*hdr = NULL, *cl = NULL, *v, *iat, *exp;
	unsigned char	*sig = NULL;
	size_t		 siglen;
	int		 rc = -1;

	snprintf(error, errorlen, "invalid_grant");
	snprintf(desc, desclen, "Invalid JWT Signature.");
	if ((d1 = strchr(jwt, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		goto out;
	if ((hdr = jwt_part(jwt, (size_t)(d1 - jwt))) == NULL)
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(hdr, "alg");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "RS256") != 0)
		goto out;
	/* The signature first: nothing of the claims is trusted before. */
	if ((sig = emu_b64url_decode(d2 + 1, strlen(d2 + 1), &siglen)) == NULL ||
	    !jwt_sig_ok(e, jwt, (size_t)(d2 - jwt), sig, siglen))
		goto out;
	if ((cl = jwt_part(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL) {
		snprintf(error, errorlen, "invalid_request");
		snprintf(desc, desclen, "Invalid JWT: claims are not JSON.");
		goto out;
	}

	v = cJSON_GetObjectItemCaseSensitive(cl, "iss");
	if (!cJSON_IsString(v) || *v->valuestring == '\0') {
		snprintf(error, errorlen, "invalid_request");
		snprintf(desc, desclen, "Invalid JWT: no issuer (iss).");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(cl, "scope");
	if (!cJSON_IsString(v) || *v->valuestring == '\0') {
		snprintf(error, errorlen, "invalid_scope");
		snprintf(desc, desclen, "Invalid OAuth scope or ID token "
		    "audience provided.");
		goto out;
	}
	iat = cJSON_GetObjectItemCaseSensitive(cl, "iat");
	exp = cJSON_GetObjectItemCaseSensitive(cl, "exp");
	if (!cJSON_IsNumber(iat) || !cJSON_IsNumber(exp) ||
	    exp->valuedouble <= iat->valuedouble ||
	    exp->valuedouble - iat->valuedouble > EMU_JWT_MAX_LIFETIME ||
	    iat->valuedouble > now + EMU_JWT_SKEW ||
	    exp->valuedouble < now - EMU_JWT_SKEW) {
		snprintf(desc, desclen, "%s", JWT_TIME_MSG);
		goto out;
	}
	rc = 0;
 out:
	free(sig);
	cJSON_Delete(hdr);
	cJSON_Delete(cl);
	return (rc);
}

/* Issue a new random token; returns it (borrowed from the store). */
char *
auth_issue(struct emu *e, double *expiry)
{
	struct emu_token	*t, *next;
	unsigned char		 rnd[24];
	char			*b;
	double			 now = emu_wall();

	for (t = LIST_FIRST(&e->tokens); t != NULL; t = next) {
		next = LIST_NEXT(t, entry);
		if (t->expiry < now && t != e->meta_token) {
			LIST_REMOVE(t, entry);
			free(t->token);
			free(t);
		}
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		fatalx("auth_issue: RAND_bytes");
	b = emu_b64(rnd, sizeof(rnd), 1);
	t = xcalloc(1, sizeof(*t));
	xasprintf(&t->token, "ya29.emu-%s", b);
	free(b);
	t->expiry = now + e->token_lifetime;
	LIST_INSERT_HEAD(&e->tokens, t, entry);
	*expiry = t->expiry;
	return (t->token);
}

static void
token_reply(struct emu_resp *resp, const char *tok, double expiry,
    const char *scope)
{
	cJSON	*j = cJSON_CreateObject();
	double	 left = expiry - emu_wall();

	cJSON_AddStringToObject(j, "access_token", tok);
	cJSON_AddNumberToObject(j, "expires_in", left < 0 ? 0 : (long)left);
	if (scope != NULL)
		cJSON_AddStringToObject(j, "scope", scope);
	cJSON_AddStringToObject(j, "token_type", "Bearer");
	emu_resp_json(resp, HTTP_OK, j);
}

static void
oauth_error(struct emu_resp *resp, const char *error, const char *desc)
{
	cJSON	*j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "error", error);
	cJSON_AddStringToObject(j, "error_description", desc);
	emu_resp_json(resp, HTTP_BAD_REQUEST, j);
}

/* POST /token, form-encoded. */
void
auth_handle_token(struct emu *e, struct emu_req *req, struct emu_resp *resp)
{
	struct emu_query q;
	const char	*gt, *a, *rt, *cid, *sec;
	char		 error[64], desc[256], *tok;
	double		 expiry;
	size_t		 i;

	emu_query_parse(&q, req->body, req->bodylen);
	gt = emu_query_get(&q, "grant_type");
	if (gt == NULL) {
		oauth_error(resp, "unsupported_grant_type",
		    "Invalid grant_type: ");
	} else if (strcmp(gt, JWT_BEARER) == 0) {
		a = emu_query_get(&q, "assertion");
		if (a == NULL)
			oauth_error(resp, "invalid_request",
			    "Missing required parameter: assertion");
		else if (auth_jwt_verify(e, a, emu_wall(), error,
		    sizeof(error), desc, sizeof(desc)) == -1)
			oauth_error(resp, error, desc);
		else {
			tok = auth_issue(e, &expiry);
			token_reply(resp, tok, expiry, NULL);
		}
	} else if (strcmp(gt, "refresh_token") == 0) {
		rt = emu_query_get(&q, "refresh_token");
		cid = emu_query_get(&q, "client_id");
		sec = emu_query_get(&q, "client_secret");
		if (cid == NULL || *cid == '\0')
			oauth_error(resp, "invalid_request",
			    "Could not determine client ID from request.");
		else if (sec == NULL || rt == NULL)
			oauth_error(resp, "invalid_request",
			    "Missing required parameter: refresh_token");
		else {
			for (i = 0; i < e->nrefresh; i++)
				if (strcmp(e->refresh_tokens[i], rt) == 0)
					break;
			if (i == e->nrefresh)
				oauth_error(resp, "invalid_grant",
				    "Bad Request");
			else {
				tok = auth_issue(e, &expiry);
				token_reply(resp, tok, expiry,
				    "https://www.googleapis.com/auth/"
				    "cloud-platform");
			}
		}
	} else {
		snprintf(desc, sizeof(desc), "Invalid grant_type: %.100s", gt);
		oauth_error(resp, "unsupported_grant_type", desc);
	}
	emu_query_free(&q);
}

/* The GCE metadata server's few paths that matter. */
void
auth_handle_metadata(struct emu *e, struct emu_req *req, struct emu_route *r,
    struct emu_resp *resp)
{
	struct emu_fleet	*f = e->fleet;
	const char		*pid = "databackup-admin", *pnum = "1";
	double			 expiry;

	if (req->forwarded != NULL) {
		emu_resp_text(resp, HTTP_FORBIDDEN, "text/plain; charset=utf-8",
		    "Forbidden: requests with X-Forwarded-For are refused.\n");
		return;
	}
	if (req->flavor == NULL || strcmp(req->flavor, "Google") != 0) {
		emu_resp_text(resp, HTTP_FORBIDDEN, "text/plain; charset=utf-8",
		    "Missing required header \"Metadata-Flavor\": "
		    "\"Google\"\n");
		return;
	}
	resp->flavor = 1;
	if (f->nprojects > 0) {
		pid = f->projects[0].id;
		pnum = f->projects[0].number;
	}
	switch (r->ep) {
	case EP_METADATA_TOKEN:
		if (strcmp(r->email, "default") != 0 &&
		    strcmp(r->email, f->user) != 0)
			break;
		if (e->meta_token == NULL ||
		    e->meta_token->expiry - emu_wall() < META_REFRESH_MARGIN) {
			auth_issue(e, &expiry);
			e->meta_token = LIST_FIRST(&e->tokens);
		}
		token_reply(resp, e->meta_token->token, e->meta_token->expiry,
		    NULL);
		resp->flavor = 1;
		return;
	case EP_METADATA_EMAIL:
		if (strcmp(r->email, "default") != 0 &&
		    strcmp(r->email, f->user) != 0)
			break;
		emu_resp_text(resp, HTTP_OK, "application/text", f->user);
		resp->flavor = 1;
		return;
	case EP_METADATA_PROJECT_ID:
		emu_resp_text(resp, HTTP_OK, "application/text", pid);
		resp->flavor = 1;
		return;
	case EP_METADATA_NUMERIC_ID:
		emu_resp_text(resp, HTTP_OK, "application/text", pnum);
		resp->flavor = 1;
		return;
	default:
		break;
	}
	emu_resp_text(resp, HTTP_NOT_FOUND, "text/html; charset=UTF-8",
	    "Not Found\n");
	resp->flavor = 1;
}

/* 0 if the request carries a usable bearer token. */
int
auth_check(struct emu *e, struct emu_req *req)
{
	struct emu_token	*t;
	const char		*a = req->authorization, *tok;
	size_t			 i;

	if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
		return (-1);
	tok = a + 7;
	while (*tok == ' ')
		tok++;
	if (*tok == '\0')
		return (-1);
	for (i = 0; i < e->nstatic; i++)
		if (strcmp(e->static_tokens[i], tok) == 0)
			return (0);
	LIST_FOREACH(t, &e->tokens, entry)
		if (strcmp(t->token, tok) == 0)
			return (t->expiry > emu_wall() ? 0 : -1);
	return (-1);
}

void
auth_free(struct emu *e)
{
	struct emu_token	*t;
	size_t			 i;

	while ((t = LIST_FIRST(&e->tokens)) != NULL) {
		LIST_REMOVE(t, entry);
		free(t->token);
		free(t);
	}
	e->meta_token = NULL;
	for (i = 0; i < e->npubkeys; i++)
		EVP_PKEY_free(e->pubkeys[i]);
	free(e->pubkeys);
	e->pubkeys = NULL;
	e->npubkeys = 0;
}
