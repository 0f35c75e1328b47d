# journal part: the SQLite journal of runs, jobs and attempts, and its tests.
libdatabackup_a_SOURCES += src/journal.c include/journal.h
check_PROGRAMS += check_journal
TESTS += check_journal
check_journal_SOURCES = tests/check_journal.c
check_journal_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
check_journal_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
