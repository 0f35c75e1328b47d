# config part: databackup.conf parser and its tests.
CONFIG_SOURCES = src/config.c src/config-type.c src/config-check.c
libdatabackup_a_SOURCES += $(CONFIG_SOURCES) \
	include/config.h include/config-int.h

if HAVE_CHECK
check_PROGRAMS += tests/check_config
TESTS += tests/check_config
endif
# Its own copy of the parser, with the default paths of a packaged install,
# so the suite means the same whatever --prefix the tree is built with.
tests_check_config_SOURCES = tests/check_config.c $(CONFIG_SOURCES)
tests_check_config_CPPFLAGS = $(AM_CPPFLAGS) \
	-UDATABACKUP_SOCKET -DDATABACKUP_SOCKET='"/run/databackup/control.sock"' \
	-UDATABACKUP_JOURNAL \
	-DDATABACKUP_JOURNAL='"/var/lib/databackup/journal.db"'
tests_check_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_config_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

# The parser again, compiled with default paths as long as a deep --prefix
# or --runstatedir makes them: longer than a socket path may be.  Its own
# objects come before libdatabackup.a, so the linker takes config_* from
# them.
CONFIG_DEEP_PREFIX = /opt/databackup-with-a-rather-long-install-prefix
CONFIG_DEEP_DIR = $(CONFIG_DEEP_PREFIX)/chosen-by-a-packager$(CONFIG_DEEP_SUB)
CONFIG_DEEP_SUB = /that-nests-its-state/under-several-directories
if HAVE_CHECK
check_PROGRAMS += tests/check_config_deep
TESTS += tests/check_config_deep
endif
tests_check_config_deep_SOURCES = tests/check_config_deep.c $(CONFIG_SOURCES)
tests_check_config_deep_CPPFLAGS = $(AM_CPPFLAGS) \
	-UDATABACKUP_SOCKET \
	-DDATABACKUP_SOCKET='"$(CONFIG_DEEP_DIR)/run/databackup/control.sock"' \
	-UDATABACKUP_JOURNAL \
	-DDATABACKUP_JOURNAL='"$(CONFIG_DEEP_DIR)/var/lib/databackup/journal.db"'
tests_check_config_deep_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_config_deep_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

# tests/fuzz/fuzz_config.c is built by hand with clang; see its comment.
EXTRA_DIST += tests/fuzz/fuzz_config.c
