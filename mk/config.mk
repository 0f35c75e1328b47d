# config part: databackup.conf parser and its tests.
libdatabackup_a_SOURCES += src/config.c src/config-type.c src/config-check.c \
	include/config.h include/config-int.h

check_PROGRAMS += tests/check_config
TESTS += tests/check_config
tests_check_config_SOURCES = tests/check_config.c
tests_check_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_config_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

# tests/fuzz/fuzz_config.c is built by hand with clang; see its comment.
EXTRA_DIST += tests/fuzz/fuzz_config.c
