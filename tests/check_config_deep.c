/*
 * check_config_deep.c: the configuration module under a deep prefix.
 *
 * This program is built from config*.c compiled with a DATABACKUP_SOCKET
 * and a DATABACKUP_JOURNAL longer than a socket path may be, as a deep
 * --prefix or --runstatedir gives them (see mk/config.mk).  A file that
 * leaves [control] socket to its default gets one clear error naming the
 * key, the default and the fix; a file that sets its own socket loads, and
 * the long journal default, which has no length limit, is kept.  Nothing
 * here looks at the other config tests: tests/check_config covers the rest.
 */
#include <sys/un.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define TEST_TIMEOUT	10
#define MINIMAL		"[export]\nbucket = data-backup-test\n" \
			"[discovery]\nprojects = proj-a\n"
#define SHORT_SOCKET	"/run/databackup-test/control.sock"

/* Writes text to a new temporary file; returns its path, caller frees. */
static char *
write_tmp(const char *text)
{
	char	*path;
	int	 fd;

	ck_assert_int_ne(asprintf(&path, "%s/check_config_deep.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp"), -1);
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return (path);
}

START_TEST(test_deep_defaults)
{
	struct sockaddr_un	 sun;

	/* The build must have given this program paths worth testing. */
	ck_assert_uint_ge(strlen(DATABACKUP_SOCKET), sizeof(sun.sun_path));
	ck_assert_uint_ge(strlen(DATABACKUP_JOURNAL), sizeof(sun.sun_path));
}
END_TEST

START_TEST(test_default_socket_too_long)
{
	struct config_errors	 errs = { NULL, 0 };
	struct sockaddr_un	 sun;
	struct config		*cfg;
	char			*path = write_tmp(MINIMAL), *want;

	ck_assert_int_ne(asprintf(&want, "%s: [control] socket: the "
	    "compiled-in default is unusable (socket path \"%s\" is longer "
	    "than %zu bytes); set [control] socket", path, DATABACKUP_SOCKET,
	    sizeof(sun.sun_path) - 1), -1);
	cfg = config_load(path, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.line[0], want);
	config_errors_clear(&errs);
	unlink(path);
	free(path);
	free(want);
}
END_TEST

START_TEST(test_own_socket)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	char			*path;

	path = write_tmp(MINIMAL "[control]\nsocket = " SHORT_SOCKET "\n");
	cfg = config_load(path, &errs);
	if (cfg == NULL && errs.n > 0)
		fprintf(stderr, "%s\n", errs.line[0]);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(cfg->control_socket, SHORT_SOCKET);
	ck_assert_str_eq(cfg->journal, DATABACKUP_JOURNAL);
	config_free(cfg);
	unlink(path);
	free(path);
}
END_TEST

/* A socket of the file's own that is too long is that line's error. */
START_TEST(test_own_socket_too_long)
{
	struct config_errors	 errs = { NULL, 0 };
	struct sockaddr_un	 sun;
	struct config		*cfg;
	char			*path, *text, *want;

	ck_assert_int_ne(asprintf(&text, "%s[control]\nsocket = %s.x\n",
	    MINIMAL, DATABACKUP_SOCKET), -1);
	path = write_tmp(text);
	ck_assert_int_ne(asprintf(&want, "%s:6: socket path \"%s.x\" is "
	    "longer than %zu bytes", path, DATABACKUP_SOCKET,
	    sizeof(sun.sun_path) - 1), -1);
	cfg = config_load(path, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.line[0], want);
	config_errors_clear(&errs);
	unlink(path);
	free(path);
	free(text);
	free(want);
}
END_TEST

static Suite *
config_deep_suite(void)
{
	Suite	*s = suite_create("config_deep");
	TCase	*tc;

	tc = tcase_create("defaults");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_deep_defaults);
	tcase_add_test(tc, test_default_socket_too_long);
	tcase_add_test(tc, test_own_socket);
	tcase_add_test(tc, test_own_socket_too_long);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(config_deep_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
