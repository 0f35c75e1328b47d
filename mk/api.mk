# api part: the request budget shared by master and workers (pacer), and
# the end-to-end tests of the Google API client against the emulator.
libdatabackup_a_SOURCES += src/pacer.c include/pacer.h

if HAVE_CHECK
check_PROGRAMS += tests/check_pacer
TESTS += tests/check_pacer
endif
tests_check_pacer_SOURCES = tests/check_pacer.c
tests_check_pacer_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_pacer_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

TESTS += tests/integration/api-creds.sh \
	tests/integration/api-faults.sh \
	tests/integration/api-quota.sh \
	tests/integration/api-faultmix.sh
