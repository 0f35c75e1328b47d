/*
 * jwt.c: the signed JWT of Google's OAuth2 JWT-bearer grant (RS256), and
 * base64url.  Pure functions: no I/O, no clock (the caller passes "now"),
 * no logging (errors go to the caller's buffer, never with key material).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth.h"
#include "log.h"
#include "xmalloc.h"

/* Google: an assertion may live at most one hour. */
#define JWT_LIFETIME_SEC	3600

/* RFC 4648 base64url without padding.  Returns a new string. */
char *
auth_base64url(const unsigned char *p, size_t len)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	char			*out, *o;
	size_t			 i;
	unsigned int		 v;

	if (len > (SIZE_MAX - 4) / 4 * 3)
		fatalx("auth_base64url: input too long");
	out = o = xmalloc(len / 3 * 4 + 5);
	for (i = 0; i + 2 < len; i += 3) {
		v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
		*o++ = tab[v & 63];
	}
	if (len - i == 1) {
		v = p[i] << 16;
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
	} else if (len - i == 2) {
		v = p[i] << 16 | p[i + 1] << 8;
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
	}
	*o = '\0';
	return (out);
}

/* base64url of a JSON object's compact text.  Returns a new string. */
static char *
jwt_part(cJSON *o)
{
	char	*txt, *b;

	if ((txt = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("jwt_part: out of memory");
	b = auth_base64url((unsigned char *)txt, strlen(txt));
	cJSON_free(txt);
	return (b);
}

/*
 * Builds and signs the assertion: header {"alg":"RS256","typ":"JWT",
 * "kid":kid}, claims {iss, scope, aud, iat: now, exp: now + 1 h},
 * RSASSA-PKCS1-v1_5 with SHA-256 over "header.claims".  pem is the key
 * file's private_key (PKCS#8 or PKCS#1 RSA).  Returns a new string the
 * caller wipes and frees, or NULL with err set (no key text in it).
 */
char *
auth_jwt_build(const char *pem, const char *kid, const char *iss,
    const char *scope, const char *aud, int64_t now, char *err,
    size_t errlen)
{
	cJSON		*hdr, *claims;
	char		*h, *c, *input = NULL, *sig = NULL, *jwt = NULL;
	unsigned char	*raw = NULL;
	size_t		 rawlen = 0;
	BIO		*bio = NULL;
	EVP_PKEY	*pkey = NULL;
	EVP_MD_CTX	*md = NULL;

	if (pem == NULL || iss == NULL || scope == NULL || aud == NULL) {
		snprintf(err, errlen, "incomplete service account key");
		return (NULL);
	}
	if ((hdr = cJSON_CreateObject()) == NULL ||
	    (claims = cJSON_CreateObject()) == NULL)
		fatalx("auth_jwt_build: out of memory");
	cJSON_AddStringToObject(hdr, "alg", "RS256");
	cJSON_AddStringToObject(hdr, "typ", "JWT");
	if (kid != NULL && kid[0] != '\0')
		cJSON_AddStringToObject(hdr, "kid", kid);
	cJSON_AddStringToObject(claims, "iss", iss);
	cJSON_AddStringToObject(claims, "scope", scope);
	cJSON_AddStringToObject(claims, "aud", aud);
	cJSON_AddNumberToObject(claims, "iat", (double)now);
	cJSON_AddNumberToObject(claims, "exp", (double)(now +
	    JWT_LIFETIME_SEC));
	h = jwt_part(hdr);
	c = jwt_part(claims);
	cJSON_Delete(hdr);
	cJSON_Delete(claims);
	xasprintf(&input, "%s.%s", h, c);
	free(h);
	free(c);

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		fatalx("auth_jwt_build: BIO_new_mem_buf");
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (pkey == NULL) {
		snprintf(err, errlen, "private_key is not a PEM private key");
		goto out;
	}
	if (EVP_PKEY_base_id(pkey) != EVP_PKEY_RSA) {
		snprintf(err, errlen, "private_key is not an RSA key");
		goto out;
	}
	if ((md = EVP_MD_CTX_new()) == NULL)
		fatalx("auth_jwt_build: EVP_MD_CTX_new");
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &rawlen, (unsigned char *)input,
	    strlen(input)) != 1 || rawlen == 0) {
		snprintf(err, errlen, "cannot sign with private_key");
		goto out;
	}
	raw = xmalloc(rawlen);
	if (EVP_DigestSign(md, raw, &rawlen, (unsigned char *)input,
	    strlen(input)) != 1) {
		snprintf(err, errlen, "cannot sign with private_key");
		goto out;
	}
	sig = auth_base64url(raw, rawlen);
	xasprintf(&jwt, "%s.%s", input, sig);
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	free(raw);
	free(sig);
	free(input);
	return (jwt);
}
