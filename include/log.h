/*
 * log.h: the daemon's two error levels (fatal, warn) and progress logs.
 *
 * Lines go to stderr.  Under systemd (JOURNAL_STREAM set) or when asked,
 * each line starts with the sd-daemon "<N>" priority prefix so journald
 * files it at the right level.  With log_set_json(1) each line is one JSON
 * object (severity, message, and the job's fields on job lines) as Cloud
 * Logging reads it.
 */
#ifndef DATABACKUP_LOG_H
#define DATABACKUP_LOG_H

#include <stdarg.h>
#include <syslog.h>

void	log_init(int debug, const char *progname);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_setprefix(const char *);
void	log_set_json(int);
void	log_job(int, const char *, const char *, const char *, long long, int,
	    const char *, ...)
	    __attribute__((__format__(printf, 7, 8)));
void	log_emit(int, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	vlog_emit(int, const char *, va_list)
	    __attribute__((__format__(printf, 2, 0)));
void	log_warn(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_notice(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__attribute__((__noreturn__)) void fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__attribute__((__noreturn__)) void fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));

#endif
