# gcp part: HTTP (curl easy + multi on libevent), Google API requests and
# answers, OAuth2 tokens, the preflight (databackupd -n --online).
# tests/fuzz/fuzz_gcp.c is built by hand (see it).
libdatabackup_a_SOURCES += src/http.c src/gcp.c src/gcp-error.c \
	src/gcp-parse.c src/gcp-parse-storage.c src/gcp-parse-int.h \
	src/auth.c src/jwt.c src/preflight.c \
	include/http.h include/gcp.h include/auth.h include/preflight.h

if HAVE_CHECK
check_PROGRAMS += tests/check_gcp tests/check_auth tests/check_http \
	tests/check_jsonutil
TESTS += tests/check_gcp tests/check_auth tests/check_http \
	tests/check_jsonutil
endif

tests_check_gcp_SOURCES = tests/check_gcp.c
tests_check_gcp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-DTEST_DATA='"$(abs_top_srcdir)/tests/data/gcp"'
tests_check_gcp_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

tests_check_auth_SOURCES = tests/check_auth.c
tests_check_auth_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_auth_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

tests_check_http_SOURCES = tests/check_http.c
tests_check_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_http_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

tests_check_jsonutil_SOURCES = tests/check_jsonutil.c
tests_check_jsonutil_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_jsonutil_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

EXTRA_DIST += tests/fuzz/fuzz_gcp.c
