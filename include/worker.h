/*
 * worker.h: a pre-forked worker process.  It holds one job at a time, from
 * the export call to the verified object, with straight-line blocking
 * code; the master owns every decision about what happens next.
 */
#ifndef DATABACKUP_WORKER_H
#define DATABACKUP_WORKER_H

/* worker.c */
__attribute__((__noreturn__)) void worker_main(int, int);

#endif
