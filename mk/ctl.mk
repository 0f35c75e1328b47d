# ctl: databackupctl, the client of the control socket, and its tests.
# The commands (src/ctl/) go into libdatabackup.a so check_ctl links them.
libdatabackup_a_SOURCES += include/ctl.h src/ctl/ctl-util.c \
	src/ctl/ctl-status.c src/ctl/ctl-trigger.c src/ctl/ctl-jobs.c \
	src/ctl/ctl-restore.c \
	src/ctl/ctl-history.c src/ctl/ctl-plan.c src/ctl/ctl-check.c \
	src/ctl/ctl-misc.c src/ctl/ctl-complete.c
bin_PROGRAMS += databackupctl
databackupctl_SOURCES = src/databackupctl.c
databackupctl_LDADD = $(DB_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/check_ctl
TESTS += tests/check_ctl
endif
tests_check_ctl_SOURCES = tests/check_ctl.c
tests_check_ctl_LDADD = $(TEST_LIBS)
tests_check_ctl_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
EXTRA_tests_check_ctl_DEPENDENCIES = databackupctl$(EXEEXT)

# Bash completion: the script asks databackupctl --complete for the
# commands and options (src/ctl/ctl-complete.c), so it is installed as is.
dist_bashcompletion_DATA = etc/bash-completion/databackupctl
TESTS += tests/integration/completion.sh
