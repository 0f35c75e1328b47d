# base: logging and allocation, used by every program.
libdatabackup_a_SOURCES += src/log.c src/xmalloc.c include/log.h include/xmalloc.h
