/*
 * control.h: the control socket (docs/control.md).  One JSON request per
 * connection, newline-delimited JSON replies; `trigger --wait` keeps its
 * connection open and gets progress lines until the run ends.
 */
#ifndef DATABACKUP_CONTROL_H
#define DATABACKUP_CONTROL_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct master;
struct monitor;

#define CONTROL_VERSION		1
#define CONTROL_REQUEST_MAX	(64 * 1024)

struct control;

/* control.c */
struct control	*control_new(struct master *, struct monitor *, const char *,
		    char *, size_t);
void		 control_free(struct control *);
int		 control_nofile_budget(const struct config *);

#endif
