# journal part: the SQLite journal of runs, jobs and attempts, and its tests.
libdatabackup_a_SOURCES += src/journal.c src/journal-schema.c \
	src/journal-write.c src/journal-query.c src/journal-restore.c \
	src/journal-blocker.c \
	src/journal-int.h \
	include/journal.h
if HAVE_CHECK
check_PROGRAMS += tests/check_journal
TESTS += tests/check_journal
endif
tests_check_journal_SOURCES = tests/check_journal.c
tests_check_journal_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_journal_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
# Recovery: kill-and-restart, journal failures, start-up rules.
TESTS += tests/integration/journal-start.sh \
	tests/integration/journal-full.sh \
	tests/integration/recovery-forgotten.sh \
	tests/integration/recovery-kill.sh
# Chaos: seeded kills through one run (CI size; env knobs for full size).
# tests/integration (chaos-lib.sh with it) is in EXTRA_DIST as a whole.
TESTS += tests/integration/chaos-workers.sh \
	tests/integration/chaos-master.sh tests/integration/chaos-watchdog.sh
