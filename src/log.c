/*
 * log.c: logging for databackupd, databackupctl and the emulator.
 *
 * Two error levels as in OpenBSD daemons: fatal/log_warn append
 * strerror(errno), fatalx/log_warnx do not.  Output is one line per call on
 * stderr; with a priority prefix ("<3>") when stderr is journald's stream,
 * so journald and the Ops Agent see each line's severity.  With [log]
 * format = json, a line is one JSON object with "severity" and "message"
 * (and project/instance/database/run/attempt on job lines), Cloud
 * Logging's structured format.  No I/O besides write(2) on stderr happens
 * here.
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
static int	 log_json;

/* A job line's fields, for the JSON format. */
struct log_job_fields {
	const char	*project, *instance, *database;
	long long	 run;
	int		 attempt;
};

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

/* One JSON object per line instead of text (Cloud Logging). */
void
log_set_json(int on)
{
	log_json = on;
}

static const char *
log_severity(int pri)
{
	switch (pri) {
	case LOG_EMERG:
		return ("EMERGENCY");
	case LOG_ALERT:
		return ("ALERT");
	case LOG_CRIT:
		return ("CRITICAL");
	case LOG_ERR:
		return ("ERROR");
	case LOG_WARNING:
		return ("WARNING");
	case LOG_NOTICE:
		return ("NOTICE");
	case LOG_INFO:
		return ("INFO");
	default:
		return ("DEBUG");
	}
}

/* Appends s to buf as a JSON string body (no quotes); bounded. */
static void
log_json_str(char *buf, size_t len, const char *s)
{
	size_t	o = strlen(buf);
	char	esc[8];

	for (; *s != '\0' && o + 8 < len; s++) {
		unsigned char	c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			memcpy(buf + o, esc, 6);
			o += 6;
		} else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

static void
log_write(int pri, const struct log_job_fields *jf, const char *msg)
{
	char	 line[4608], num[128], prio[8];
	int	 saved = errno, n;

	if (log_json) {
		prio[0] = '\0';
		if (log_prio_prefix)
			snprintf(prio, sizeof(prio), "<%d>", pri);
		snprintf(line, sizeof(line), "%s{\"severity\":\"%s\","
		    "\"message\":\"", prio, log_severity(pri));
		log_json_str(line, sizeof(line) - 512, log_prefix);
		log_json_str(line, sizeof(line) - 512, msg);
		strlcat(line, "\"", sizeof(line));
		if (jf != NULL) {
			strlcat(line, ",\"project\":\"", sizeof(line));
			log_json_str(line, sizeof(line) - 64, jf->project);
			strlcat(line, "\",\"instance\":\"", sizeof(line));
			log_json_str(line, sizeof(line) - 64, jf->instance);
			strlcat(line, "\",\"database\":\"", sizeof(line));
			log_json_str(line, sizeof(line) - 64, jf->database);
			snprintf(num, sizeof(num), "\",\"run\":%lld,"
			    "\"attempt\":%d", jf->run, jf->attempt);
			strlcat(line, num, sizeof(line));
		}
		snprintf(num, sizeof(num), ",\"process\":\"%s\",\"pid\":%ld}\n",
		    log_name, (long)getpid());
		strlcat(line, num, sizeof(line));
		n = (int)strlen(line);
	} else if (log_prio_prefix)
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
vlog_emit(int pri, const char *fmt, va_list ap)
{
	char	 msg[4096];
	int	 saved = errno;

	if (pri == LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_write(pri, NULL, msg);
	errno = saved;
}

/*
 * A line about one job: "project/instance/database run=N attempt=N: ..."
 * in text, separate fields in JSON, so one grep or one filter tells a
 * database's story.
 */
void
log_job(int pri, const char *project, const char *instance,
    const char *database, long long run, int attempt, const char *fmt, ...)
{
	struct log_job_fields	 jf;
	char			 msg[4096], text[4400];
	va_list			 ap;
	int			 saved = errno;

	if (pri == LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_json) {
		jf.project = project;
		jf.instance = instance;
		jf.database = database;
		jf.run = run;
		jf.attempt = attempt;
		log_write(pri, &jf, msg);
	} else {
		snprintf(text, sizeof(text), "%s/%s/%s run=%lld attempt=%d: %s",
		    project, instance, database, run, attempt, msg);
		log_write(pri, NULL, text);
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
