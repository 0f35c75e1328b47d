# core: the daemon, its control client, and their modules.
sbin_PROGRAMS += databackupd
databackupd_SOURCES = src/databackupd.c
databackupd_LDADD = $(DB_LIBS)
