# core: the daemon, its control client, and their modules.
sbin_PROGRAMS += databackupd
databackupd_SOURCES = src/databackupd.c
databackupd_LDADD = $(DB_LIBS)
libdatabackup_a_SOURCES += src/msg.c src/job.c src/sched.c \
	include/msg.h include/job.h include/sched.h
