/*
 * control.h: the control socket (docs/control.md).  One JSON request per
 * connection, newline-delimited JSON replies; `trigger --wait` keeps its
 * connection open and gets progress lines until the run ends.
 */
#ifndef DATABACKUP_CONTROL_H
#define DATABACKUP_CONTROL_H

#include <stddef.h>
#include <stdint.h>

struct master;
struct run;

#define CONTROL_VERSION		1
#define CONTROL_REQUEST_MAX	(64 * 1024)

struct control;

/* control.c */
struct control	*control_new(struct master *, const char *, char *, size_t);
void		 control_free(struct control *);
void		 control_run_changed(struct control *);
void		 control_run_finished(struct control *, const struct run *);
void		 control_walk_done(struct control *, const struct run *,
		    uint64_t, size_t);

#endif
