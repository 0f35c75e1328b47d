# core: the daemon, its modules, and their tests.
libdatabackup_a_SOURCES += src/msg.c src/job.c src/sched.c \
	src/worker.c src/discovery.c src/master.c src/control.c \
	include/msg.h include/job.h include/sched.h include/worker.h \
	include/discovery.h include/master.h include/control.h

sbin_PROGRAMS += databackupd
databackupd_SOURCES = src/databackupd.c
databackupd_LDADD = $(DB_LIBS)
