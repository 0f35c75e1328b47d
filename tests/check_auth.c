/*
 * check_auth.c: jwt.c (RS256 assertion checked with the public half of a
 * key generated here) and auth_find's Application Default Credentials
 * order, with environment variables and temporary directories.  Token
 * fetching against a fake endpoint lives in check_http.c.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>
#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "auth.h"
#include "xmalloc.h"

static EVP_PKEY *
make_key(char **pem)
{
	EVP_PKEY_CTX	*kc;
	EVP_PKEY	*pkey = NULL;
	BIO		*bio;
	char		*p;
	long		 n;

	kc = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
	ck_assert_ptr_nonnull(kc);
	ck_assert_int_eq(EVP_PKEY_keygen_init(kc), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(kc, 2048), 1);
	ck_assert_int_eq(EVP_PKEY_keygen(kc, &pkey), 1);
	EVP_PKEY_CTX_free(kc);
	bio = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
	    NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &p);
	*pem = xstrndup(p, n);
	BIO_free(bio);
	return (pkey);
}

/* base64url (no padding) decode, for checking. */
static unsigned char *
b64url_decode(const char *s, size_t n, size_t *outlen)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char		*out;
	unsigned int		 acc = 0;
	int			 bits = 0;
	size_t			 i, o = 0;
	const char		*p;

	out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		p = strchr(tab, s[i]);
		ck_assert_msg(p != NULL && s[i] != '\0', "bad char %c", s[i]);
		acc = acc << 6 | (unsigned int)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = acc >> bits & 0xff;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return (out);
}

START_TEST(test_base64url)
{
	char	*s;

	s = auth_base64url((const unsigned char *)"", 0);
	ck_assert_str_eq(s, "");
	free(s);
	s = auth_base64url((const unsigned char *)"f", 1);
	ck_assert_str_eq(s, "Zg");
	free(s);
	s = auth_base64url((const unsigned char *)"fo", 2);
	ck_assert_str_eq(s, "Zm8");
	free(s);
	s = auth_base64url((const unsigned char *)"foo", 3);
	ck_assert_str_eq(s, "Zm9v");
	free(s);
	s = auth_base64url((const unsigned char *)"\xfb\xff\xfe", 3);
	ck_assert_str_eq(s, "-__-");
	free(s);
}
END_TEST

START_TEST(test_jwt)
{
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*md;
	cJSON		*h, *c;
	char		*pem, *jwt, *dot1, *dot2, err[256];
	unsigned char	*hdr, *claims, *sig;
	size_t		 hl, cl, sl;

	pkey = make_key(&pem);
	jwt = auth_jwt_build(pem, "kid-123", "sa@p.iam.gserviceaccount.com",
	    "https://www.googleapis.com/auth/cloud-platform",
	    "https://oauth2.googleapis.com/token", 1700000000, err,
	    sizeof(err));
	ck_assert_msg(jwt != NULL, "%s", err);
	ck_assert_ptr_null(strchr(jwt, '='));
	dot1 = strchr(jwt, '.');
	ck_assert_ptr_nonnull(dot1);
	dot2 = strchr(dot1 + 1, '.');
	ck_assert_ptr_nonnull(dot2);

	hdr = b64url_decode(jwt, dot1 - jwt, &hl);
	claims = b64url_decode(dot1 + 1, dot2 - dot1 - 1, &cl);
	sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sl);
	ck_assert_str_eq((char *)hdr,
	    "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"kid-123\"}");
	c = cJSON_Parse((char *)claims);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(cJSON_GetObjectItem(c, "iss")->valuestring,
	    "sa@p.iam.gserviceaccount.com");
	ck_assert_str_eq(cJSON_GetObjectItem(c, "scope")->valuestring,
	    "https://www.googleapis.com/auth/cloud-platform");
	ck_assert_str_eq(cJSON_GetObjectItem(c, "aud")->valuestring,
	    "https://oauth2.googleapis.com/token");
	ck_assert_int_eq((long long)cJSON_GetObjectItem(c, "iat")->valuedouble,
	    1700000000LL);
	ck_assert_int_eq((long long)cJSON_GetObjectItem(c, "exp")->valuedouble,
	    1700003600LL);
	ck_assert_ptr_nonnull(strstr((char *)claims, "\"iat\":1700000000"));
	cJSON_Delete(c);
	h = cJSON_Parse((char *)hdr);
	ck_assert_ptr_nonnull(h);
	cJSON_Delete(h);

	ck_assert_uint_eq(sl, 256);
	md = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    pkey), 1);
	ck_assert_int_eq(EVP_DigestVerify(md, sig, sl,
	    (unsigned char *)jwt, dot2 - jwt), 1);
	EVP_MD_CTX_free(md);
	/* A flipped byte must not verify. */
	md = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    pkey), 1);
	jwt[5] ^= 1;
	ck_assert_int_ne(EVP_DigestVerify(md, sig, sl,
	    (unsigned char *)jwt, dot2 - jwt), 1);
	EVP_MD_CTX_free(md);

	free(hdr);
	free(claims);
	free(sig);
	free(jwt);
	free(pem);
	EVP_PKEY_free(pkey);

	ck_assert_ptr_null(auth_jwt_build("-----BEGIN PRIVATE KEY-----\nxx\n"
	    "-----END PRIVATE KEY-----\n", "k", "i", "s", "a", 1, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "private_key"));
}
END_TEST

/* A scratch directory with env cleared; removed by the forked runner. */
static char	 tmpdir[256];

static void
setup_env(void)
{
	strlcpy(tmpdir, "/tmp/check_auth.XXXXXX", sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
	unsetenv("CLOUDSDK_CONFIG");
	unsetenv("GCE_METADATA_HOST");
	unsetenv("GCE_METADATA_ROOT");
	setenv("HOME", tmpdir, 1);
}

static void
teardown_env(void)
{
	char	 cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static const char au_json[] = "{\"type\":\"authorized_user\","
    "\"client_id\":\"cid.apps.googleusercontent.com\",\"client_secret\":"
    "\"sec\",\"refresh_token\":\"1//rt\",\"quota_project_id\":\"billing-1\"}";
static const char sa_json[] = "{\"type\":\"service_account\","
    "\"project_id\":\"p\",\"private_key_id\":\"abc\",\"private_key\":"
    "\"-----BEGIN PRIVATE KEY-----\\nMII\\n-----END PRIVATE KEY-----\\n\","
    "\"client_email\":\"sa@p.iam.gserviceaccount.com\"}";

START_TEST(test_adc_order)
{
	struct auth_info	 info;
	char			 err[512], p1[512], p2[512], p3[512];

	/* Nothing anywhere: the metadata server. */
	ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), 0);
	ck_assert_int_eq(info.source, AUTH_SOURCE_METADATA);
	ck_assert_str_eq(info.path,
	    "http://metadata.google.internal/computeMetadata/v1/");
	ck_assert_str_eq(info.type, "metadata");
	setenv("GCE_METADATA_HOST", "127.0.0.1:8089", 1);
	ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), 0);
	ck_assert_str_eq(info.path, "http://127.0.0.1:8089/computeMetadata/v1/");
	setenv("GCE_METADATA_HOST", "http://127.0.0.1:8089", 1);
	ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), -1);
	setenv("GCE_METADATA_HOST", "127.0.0.1:8089", 1);

	/* gcloud's file under HOME. */
	snprintf(p1, sizeof(p1), "%s/.config", tmpdir);
	mkdir(p1, 0700);
	snprintf(p1, sizeof(p1), "%s/.config/gcloud", tmpdir);
	mkdir(p1, 0700);
	snprintf(p1, sizeof(p1), "%s/.config/gcloud/"
	    "application_default_credentials.json", tmpdir);
	write_file(p1, au_json, 0600);
	ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), 0);
	ck_assert_int_eq(info.source, AUTH_SOURCE_WELLKNOWN);
	ck_assert_str_eq(info.path, p1);
	ck_assert_str_eq(info.type, "authorized_user");
	ck_assert_str_eq(info.account, "cid.apps.googleusercontent.com");
	ck_assert_str_eq(info.quota_project, "billing-1");

	/* CLOUDSDK_CONFIG replaces ~/.config/gcloud (here: empty). */
	snprintf(p2, sizeof(p2), "%s/sdk", tmpdir);
	mkdir(p2, 0700);
	setenv("CLOUDSDK_CONFIG", p2, 1);
	ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), 0);
	ck_assert_int_eq(info.source, AUTH_SOURCE_METADATA);
	snprintf(p2, sizeof(p2), "%s/sdk/application_default_credentials.json",
	    tmpdir);
	write_file(p2, sa_json, 0600);
	ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), 0);
	ck_assert_int_eq(info.source, AUTH_SOURCE_WELLKNOWN);
	ck_assert_str_eq(info.path, p2);
	ck_assert_str_eq(info.type, "service_account");
	ck_assert_str_eq(info.account, "sa@p.iam.gserviceaccount.com");

	/* GOOGLE_APPLICATION_CREDENTIALS beats gcloud's file. */
	snprintf(p3, sizeof(p3), "%s/env.json", tmpdir);
	write_file(p3, au_json, 0600);
	setenv("GOOGLE_APPLICATION_CREDENTIALS", p3, 1);
	ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), 0);
	ck_assert_int_eq(info.source, AUTH_SOURCE_ENV);
	ck_assert_str_eq(info.path, p3);

	/* The config path beats everything. */
	ck_assert_int_eq(auth_find(p2, &info, err, sizeof(err)), 0);
	ck_assert_int_eq(info.source, AUTH_SOURCE_CONFIG);
	ck_assert_str_eq(info.path, p2);
	ck_assert_str_eq(auth_source_name(info.source), "config");

	/* A named file that is missing is an error, not a fallback. */
	setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json", 1);
	ck_assert_int_eq(auth_find(NULL, &info, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/key.json"));
}
END_TEST

static const struct {
	const char	*json;
	const char	*want;
} bad_files[] = {
	{ "{\"type\":\"external_account\",\"audience\":\"x\"}",
	    "unsupported credentials type \"external_account\"" },
	{ "{\"type\":\"impersonated_service_account\"}",
	    "unsupported credentials type \"impersonated_service_account\"" },
	{ "{\"client_email\":\"a\"}", "no credentials type" },
	{ "{\"type\":\"service_account\",\"private_key\":\"k\","
	    "\"private_key_id\":\"i\"}", "without client_email" },
	{ "{\"type\":\"service_account\",\"client_email\":\"e\","
	    "\"private_key_id\":\"i\"}", "without private_key" },
	{ "{\"type\":\"authorized_user\",\"client_id\":\"c\","
	    "\"client_secret\":\"s\"}", "without refresh_token" },
	{ "{\"type\":\"authorized_user\",\"client_id\":\"c\","
	    "\"client_secret\":\"s\",\"refresh_token\":\"\"}",
	    "without refresh_token" },
	{ "not json", "not a JSON object" },
	{ "[1]", "not a JSON object" },
};

START_TEST(test_bad_files)
{
	struct auth_info	 info;
	char			 err[512], path[512];

	snprintf(path, sizeof(path), "%s/key.json", tmpdir);
	write_file(path, bad_files[_i].json, 0600);
	ck_assert_int_eq(auth_find(path, &info, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_files[_i].want) != NULL, "got: %s",
	    err);
	ck_assert_ptr_nonnull(strstr(err, path));
}
END_TEST

START_TEST(test_bad_key_refused_by_auth_new)
{
	struct event_base	*base;
	struct auth_info	 info;
	char			 err[512], path[512];

	snprintf(path, sizeof(path), "%s/key.json", tmpdir);
	write_file(path, sa_json, 0644);	/* also warns: world-readable */
	ck_assert_int_eq(auth_find(path, &info, err, sizeof(err)), 0);
	base = event_base_new();
	ck_assert_ptr_null(auth_new(base, NULL, &info, err, sizeof(err)));
	event_base_free(base);
	ck_assert_ptr_nonnull(strstr(err, "private_key"));
	ck_assert_ptr_null(strstr(err, "MII"));
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc;

	tc = tcase_create("jwt");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_base64url);
	tcase_add_test(tc, test_jwt);
	suite_add_tcase(s, tc);

	tc = tcase_create("adc");
	tcase_set_timeout(tc, 10);
	tcase_add_checked_fixture(tc, setup_env, teardown_env);
	tcase_add_test(tc, test_adc_order);
	tcase_add_loop_test(tc, test_bad_files, 0,
	    sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(tc, test_bad_key_refused_by_auth_new);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(auth_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
