/*
 * log.c: logging for databackupd, databackupctl and the emulator.
 *
 * Two error levels as in OpenBSD daemons: fatal/log_warn append
 * strerror(errno), fatalx/log_warnx do not.  Output is one line per call on
 * stderr; with a priority prefix ("<3>") when stderr is journald's stream,
 * so journald and the Ops Agent see each line's severity.  No I/O besides
 * write(2) on stderr happens here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int	 log_verbose;
static int	 log_prio_prefix;
static char	 log_name[32] = "databackup";
static char	 log_prefix[64];

/*
 * Debug output only with -d.  The priority prefix is used when journald
 * reads stderr (JOURNAL_STREAM), or when DATABACKUP_LOG_PRIORITY=1.
 */
void
log_init(int debug, const char *progname)
{
	const char	*e;

	log_verbose = debug;
	if (progname != NULL)
		strlcpy(log_name, progname, sizeof(log_name));
	e = getenv("DATABACKUP_LOG_PRIORITY");
	if (e != NULL)
		log_prio_prefix = (strcmp(e, "1") == 0);
	else
		log_prio_prefix = (getenv("JOURNAL_STREAM") != NULL);
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

/* A short tag (e.g. "worker 3") put in front of every line of this process. */
void
log_setprefix(const char *p)
{
	if (p == NULL)
		log_prefix[0] = '\0';
	else
		snprintf(log_prefix, sizeof(log_prefix), "%s: ", p);
}

void
vlog_emit(int pri, const char *fmt, va_list ap)
{
	char	 msg[4096];
	char	 line[4200];
	int	 saved = errno, n;

	if (pri == LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_prio_prefix)
		n = snprintf(line, sizeof(line), "<%d>%s%s\n", pri, log_prefix,
		    msg);
	else
		n = snprintf(line, sizeof(line), "%s[%ld]: %s%s\n", log_name,
		    (long)getpid(), log_prefix, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write per line, so lines of workers do not interleave. */
	if (write(STDERR_FILENO, line, n) == -1) {
		/* nowhere left to say it */
	}
	errno = saved;
}

void
log_emit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_emit(pri, fmt, ap);
	va_end(ap);
}

static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	 buf[3072];
	int	 saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_emit(pri, "%s: %s", buf, strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_emit(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_emit(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_emit(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_emit(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_emit(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
