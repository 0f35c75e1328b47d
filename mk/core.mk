# core: the daemon, its modules, and their tests.
libdatabackup_a_SOURCES += src/msg.c src/job.c src/sched.c src/jsonutil.c \
	src/worker.c src/worker-restore.c src/worker-prune.c src/worker-int.h \
	src/discovery.c src/discovery-size.c src/discovery-result.c \
	src/discovery-int.h \
	src/arena.c src/run.c \
	include/msg.h include/job.h include/sched.h include/worker.h \
	include/discovery.h include/control.h include/run.h \
	include/jsonutil.h include/arena.h
# The control socket: connections, replies, commands (src/control-int.h).
libdatabackup_a_SOURCES += src/control.c src/control-reply.c \
	src/control-cmd.c src/control-parse.c src/control-role.c \
	src/control-restore.c \
	src/control-int.h
# The master: one process, one file per responsibility (src/master-int.h).
libdatabackup_a_SOURCES += src/master.c src/master-state.c \
	src/master-journal.c src/master-dispatch.c src/master-run.c \
	src/master-worker.c src/master-daily.c src/master-restore.c \
	src/master-drill.c src/master-prune.c src/master-survey.c \
	src/master-int.h src/restore.c include/restore.h \
	include/master.h
# Retention: which exports a bucket prune keeps (pure, no I/O).
libdatabackup_a_SOURCES += src/retention.c include/retention.h
# Waiting on the operation holding an instance (pure, no I/O).
libdatabackup_a_SOURCES += src/blocker.c include/blocker.h

sbin_PROGRAMS += databackupd
databackupd_SOURCES = src/databackupd.c
databackupd_LDADD = $(DB_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/check_job tests/check_sched tests/check_msg \
	tests/check_arena tests/check_run tests/check_discovery \
	tests/check_restore tests/check_retention tests/check_blocker
TESTS += tests/check_job tests/check_sched tests/check_msg tests/check_arena \
	tests/check_run tests/check_discovery tests/check_restore \
	tests/check_retention tests/check_blocker
endif
tests_check_job_SOURCES = tests/check_job.c
tests_check_job_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_job_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
tests_check_sched_SOURCES = tests/check_sched.c
tests_check_sched_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_sched_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
tests_check_msg_SOURCES = tests/check_msg.c
tests_check_msg_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_msg_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
tests_check_arena_SOURCES = tests/check_arena.c
tests_check_arena_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_arena_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
tests_check_run_SOURCES = tests/check_run.c
tests_check_run_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_run_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
tests_check_discovery_SOURCES = tests/check_discovery.c
tests_check_discovery_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_discovery_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
tests_check_restore_SOURCES = tests/check_restore.c
tests_check_restore_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_restore_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
tests_check_retention_SOURCES = tests/check_retention.c
tests_check_retention_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_retention_LDADD = $(TEST_LIBS) $(CHECK_LIBS)
tests_check_blocker_SOURCES = tests/check_blocker.c
tests_check_blocker_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_blocker_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

# The control socket's access by role.
check_PROGRAMS += tests/check_control
TESTS += tests/check_control
tests_check_control_SOURCES = tests/check_control.c
tests_check_control_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_control_LDADD = $(TEST_LIBS) $(CHECK_LIBS)

# systemd unit, sysusers entry and the example configuration.
systemdsystemunit_DATA = systemd/databackupd.service
sysusersdir = $(prefix)/lib/sysusers.d
sysusers_DATA = systemd/databackup.conf
databackupconfdir = $(sysconfdir)/databackup
databackupconf_DATA = etc/databackup.conf
systemd/databackupd.service: $(srcdir)/systemd/databackupd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/systemd/databackupd.service.in > $@
systemd/databackup.conf: $(srcdir)/systemd/databackup.sysusers
	$(AM_V_GEN)$(MKDIR_P) systemd && cp $(srcdir)/systemd/databackup.sysusers $@
CLEANFILES += systemd/databackupd.service systemd/databackup.conf

# Integration: the daemon against the emulator.
TESTS += tests/integration/daemon-run.sh tests/integration/daemon-faults.sh \
	tests/integration/daemon-kill.sh tests/integration/daemon-reload.sh \
	tests/integration/systemd-unit.sh tests/integration/daemon-notify.sh \
	tests/integration/daemon-stop.sh tests/integration/daemon-control.sh \
	tests/integration/daemon-busy.sh tests/integration/busy-wait.sh \
	tests/integration/busy-learn.sh \
	tests/integration/busy-survey.sh tests/integration/busy-keep.sh \
	tests/integration/daemon-token.sh tests/integration/daemon-stuck.sh \
	tests/integration/daemon-stall.sh tests/integration/daemon-cancel.sh \
	tests/integration/discovery-partial.sh tests/integration/trigger-nothing.sh \
	tests/integration/discovery-size.sh tests/integration/poll-history.sh \
	tests/integration/preflight.sh tests/integration/replica-export.sh \
	tests/integration/control-abuse.sh \
	tests/integration/control-roles.sh tests/integration/restore.sh \
	tests/integration/drill.sh tests/integration/retention.sh

# make demo: the daemon against the emulator's demo fleet (tests/demo.sh).
demo: all
	top_builddir=$(top_builddir) top_srcdir=$(top_srcdir) $(SHELL) $(srcdir)/tests/demo.sh
.PHONY: demo
EXTRA_DIST += tests/demo.sh tests/install-deps.sh
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir=$$dc_install_base/$(systemdsystemunitdir)

# make fuzz: every libFuzzer harness in tests/fuzz, FUZZ_SECONDS each.
fuzz: all
	top_builddir=$(top_builddir) top_srcdir=$(top_srcdir) \
	    $(SHELL) $(srcdir)/tests/fuzz/run.sh
.PHONY: fuzz
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/fuzz_msg.c tests/fuzz/fuzz_fleet.c \
	tests/fuzz/fuzz_control.c tests/fuzz/replay.c tests/fuzz/corpus-control

# make check replays the control parser's corpus (seeds and findings).
check_PROGRAMS += tests/fuzz/replay_control
TESTS += tests/fuzz/replay_control
tests_fuzz_replay_control_SOURCES = tests/fuzz/fuzz_control.c \
	tests/fuzz/replay.c
tests_fuzz_replay_control_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus-control"'
tests_fuzz_replay_control_LDADD = $(TEST_LIBS)
