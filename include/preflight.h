/*
 * preflight.h: databackupd -n --online.  Asks Google, before the service
 * starts, what a run would find out an hour too late: a token, each
 * configured folder and project, the bucket and the daemon's permissions
 * on it.
 */
#ifndef DATABACKUP_PREFLIGHT_H
#define DATABACKUP_PREFLIGHT_H

#include <stdio.h>

struct auth_info;
struct config;

/* preflight.c */
int	preflight(const struct config *, const struct auth_info *, FILE *);

#endif /* DATABACKUP_PREFLIGHT_H */
