/*
 * databackupctl.c: main of the client of databackupd's control socket.
 *
 * Reads the options (anywhere on the line), lets the command's row in
 * src/ctl/ build the request, sends it as one line, then reads
 * newline-delimited JSON replies until the result, handing each to the
 * command to render (or printing it as it came with --json).  Exit
 * statuses: 0 ok, 1 failure (daemon unreachable or said no, bad reply),
 * 2 bad usage, 4 reload done but a key needs a restart; check uses 0/1/2
 * from the daemon and 3 for anything else.
 * Rendering is not done here; see src/ctl/.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "xmalloc.h"

#define CTL_READ_CHUNK	65536

/*
 * The global options of ctl_usage and main, for --complete (ctl.h); an
 * option taking a value ends in '='.
 */
#define CTL_GLOBAL_OPTIONS	"--json --socket= --help --version"

static volatile sig_atomic_t	ctl_interrupted;
static sigset_t			ctl_waitmask;	/* for ppoll */

/*
 * What main builds, freed by ctl_exit on every way out (so leak checkers
 * stay quiet): the command's arguments, the request, its line, the reply
 * buffer.
 */
static char			**ctl_args;
static cJSON			 *ctl_req;
static char			 *ctl_line;
static char			 *ctl_buf;

static void __attribute__((__noreturn__))
ctl_fail(const struct ctl_cmd *, const char *, ...)
    __attribute__((__format__(printf, 2, 3)));

static void __attribute__((__noreturn__))
ctl_exit(int status)
{
	free(ctl_args);
	cJSON_Delete(ctl_req);
	cJSON_free(ctl_line);
	free(ctl_buf);
	exit(status);
}

static void
ctl_usage(FILE *fp)
{
	const struct ctl_cmd	**c;
	char			 *s;

	fprintf(fp, "usage: databackupctl [-s SOCKET] [--json] COMMAND "
	    "[ARGS]\n\nCommands:\n");
	for (c = ctl_cmds; *c != NULL; c++) {
		xasprintf(&s, "%s%s%s", (*c)->name,
		    (*c)->usage[0] != '\0' ? " " : "", (*c)->usage);
		/* Two spaces at least: a long usage still ends visibly. */
		fprintf(fp, "  %-30s  %s\n", s, (*c)->description);
		free(s);
	}
	fprintf(fp, "\nOptions (before or after the command):\n"
	    "  -s SOCKET      control socket (default: $DATABACKUP_SOCKET, "
	    "else\n"
	    "                 %s)\n"
	    "  --json         print the daemon's JSON replies as they come\n"
	    "  -h, --help     print this text\n"
	    "  -V, --version  print the version\n"
	    "\nExit status: 0 ok, 1 failure, 2 bad usage; reload: 4 reloaded "
	    "but a key\nneeds a restart; check: 0 ok, 1 warning, 2 critical, "
	    "3 unknown.\n", DATABACKUP_SOCKET);
}

/*
 * A failure after the request is built: for check, an UNKNOWN line on
 * stdout and exit 3 (monitoring plugin convention), else a line on stderr
 * and exit 1.
 */
static void
ctl_fail(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	va_start(ap, fmt);
	if (cmd != NULL && cmd->monitoring) {
		printf("UNKNOWN: ");
		vprintf(fmt, ap);
		printf("\n");
		fflush(stdout);
		va_end(ap);
		ctl_exit(CTL_EXIT_UNKNOWN);
	}
	fprintf(stderr, "databackupctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	ctl_exit(CTL_EXIT_FAILURE);
}

static void
ctl_sigint(int sig)
{
	(void)sig;
	ctl_interrupted = 1;
}

/* Connects to path; returns the fd or exits. */
static int
ctl_connect(const struct ctl_cmd *cmd, const char *path)
{
	struct sockaddr_un	sun;
	int			fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		ctl_fail(cmd, "socket path too long: %s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		ctl_fail(cmd, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		if (cmd->monitoring)
			ctl_fail(cmd, "databackupd not reachable: cannot "
			    "connect to %s: %s", path, strerror(saved));
		ctl_fail(cmd, "cannot connect to %s: %s (is databackupd "
		    "running?)", path, strerror(saved));
	}
	return (fd);
}

static void
ctl_send(const struct ctl_cmd *cmd, int fd, const char *line, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, line, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR && !ctl_interrupted)
				continue;
			ctl_fail(cmd, "sending the request: %s",
			    strerror(errno));
		}
		line += n;
		len -= (size_t)n;
	}
}

/*
 * Handles one reply line.  Returns -1 to go on reading, or the exit status
 * once the result has been handled.
 */
static int
ctl_reply(const struct ctl_cmd *cmd, const cJSON *req, const char *line,
    size_t len, int json, int *warned)
{
	cJSON		*reply;
	const cJSON	*v, *e;
	const char	*type, *err;
	int		 status;

	reply = cJSON_ParseWithLength(line, len);
	if (!cJSON_IsObject(reply)) {
		cJSON_Delete(reply);
		ctl_fail(cmd, "malformed reply from databackupd: %.*s",
		    (int)(len > 200 ? 200 : len), line);
	}
	v = cJSON_GetObjectItemCaseSensitive(reply, "version");
	if (cJSON_IsNumber(v) && v->valuedouble != CTL_PROTOCOL_VERSION &&
	    !*warned) {
		fprintf(stderr, "databackupctl: warning: databackupd speaks "
		    "protocol version %g, this client %d\n", v->valuedouble,
		    CTL_PROTOCOL_VERSION);
		*warned = 1;
	}
	type = ctl_str(reply, "type");
	if (type == NULL) {
		cJSON_Delete(reply);
		ctl_fail(cmd, "malformed reply from databackupd: no type");
	}
	if (json) {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	if (strcmp(type, "result") != 0) {
		/* Progress, or a type from a newer daemon: not the end. */
		if (!json && strcmp(type, "progress") == 0 &&
		    cmd->progress != NULL)
			cmd->progress(reply, stdout);
		cJSON_Delete(reply);
		return (-1);
	}

	v = cJSON_GetObjectItemCaseSensitive(reply, "ok");
	if (!cJSON_IsBool(v)) {
		cJSON_Delete(reply);
		ctl_fail(cmd, "malformed reply from databackupd: result "
		    "without ok");
	}
	if (cJSON_IsFalse(v)) {
		err = ctl_str(reply, "error");
		if (err == NULL)
			err = "request failed";
		if (cmd->end_progress != NULL)
			cmd->end_progress(stdout);
		fflush(stdout);
		if (cmd->monitoring) {
			printf("UNKNOWN: %s\n", err);
			status = CTL_EXIT_UNKNOWN;
		} else {
			fprintf(stderr, "databackupctl: %s\n", err);
			status = CTL_EXIT_FAILURE;
		}
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(reply,
		    "errors")) {
			if (cJSON_IsString(e))
				fprintf(cmd->monitoring ? stdout : stderr,
				    "%s\n", e->valuestring);
		}
		cJSON_Delete(reply);
		return (status);
	}
	if (!json)
		cmd->render(reply, stdout);
	status = cmd->exit_status != NULL ? cmd->exit_status(req, reply) :
	    CTL_EXIT_OK;
	cJSON_Delete(reply);
	return (status);
}

/*
 * Reads replies until the result; each line is bounded by CTL_REPLY_MAX.
 * Returns the exit status.
 */
static int
ctl_read_replies(const struct ctl_cmd *cmd, const cJSON *req, int fd,
    int json)
{
	struct pollfd	 pfd;
	char	*buf, *nl;
	size_t	 size = CTL_READ_CHUNK, used = 0, start = 0, len;
	ssize_t	 n;
	int	 status, warned = 0;

	buf = ctl_buf = xmalloc(size);
	for (;;) {
		/* Hand over every complete line in the buffer. */
		while ((nl = memchr(buf + start, '\n', used - start)) !=
		    NULL) {
			len = (size_t)(nl - (buf + start));
			if (len > 0 && (status = ctl_reply(cmd, req,
			    buf + start, len, json, &warned)) != -1) {
				free(buf);
				ctl_buf = NULL;
				return (status);
			}
			start += len + 1;
		}
		if (start > 0) {
			memmove(buf, buf + start, used - start);
			used -= start;
			start = 0;
		}
		if (used > CTL_REPLY_MAX)
			ctl_fail(cmd, "reply from databackupd longer than "
			    "%d bytes", CTL_REPLY_MAX);
		if (used == size) {
			size *= 2;
			buf = ctl_buf = xreallocarray(buf, 1, size);
		}
		/*
		 * SIGINT is blocked except inside ppoll, so it cannot slip in
		 * between the check and a read that would never return.
		 */
		if (ctl_interrupted) {
			if (cmd->interrupted != NULL)
				cmd->interrupted(stdout);
			ctl_exit(CTL_EXIT_INTERRUPTED);
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (ppoll(&pfd, 1, NULL, &ctl_waitmask) == -1) {
			if (errno == EINTR)
				continue;
			ctl_fail(cmd, "poll: %s", strerror(errno));
		}
		n = read(fd, buf + used, size - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			ctl_fail(cmd, "reading replies: %s", strerror(errno));
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > 0 && (status = ctl_reply(cmd, req, buf, used, json,
	    &warned)) != -1) {
		/* A last line without its newline: take it. */
		free(buf);
		ctl_buf = NULL;
		return (status);
	}
	free(buf);
	ctl_buf = NULL;
	if (cmd->interrupted != NULL)
		fflush(stdout);
	ctl_fail(cmd, "connection to databackupd closed before the result");
}

int
main(int argc, char *argv[])
{
	const struct ctl_cmd	 *cmd = NULL;
	const char		 *sock, *cmdname = NULL, *a;
	char			**args, *line;
	cJSON			 *req;
	struct sigaction	  sa;
	sigset_t		  block;
	size_t			  len;
	int			  i, nargs = 0, json = 0, dashdash = 0, fd;
	int			  status;

	log_init(0, "databackupctl");
	sock = getenv("DATABACKUP_SOCKET");
	if (sock == NULL || *sock == '\0')
		sock = DATABACKUP_SOCKET;

	/* Global options may come anywhere; the rest goes to the command. */
	args = ctl_args = xcalloc((size_t)argc + 1, sizeof(*args));
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (dashdash || a[0] != '-') {
			if (cmdname == NULL)
				cmdname = a;
			else
				args[++nargs] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = 1;
			if (cmdname != NULL)
				args[++nargs] = argv[i];
		} else if (strcmp(a, "--json") == 0)
			json = 1;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			ctl_usage(stdout);
			ctl_exit(CTL_EXIT_OK);
		} else if (strcmp(a, "--complete") == 0) {
			/* For etc/bash-completion/databackupctl; not in --help. */
			ctl_complete_print(CTL_GLOBAL_OPTIONS, stdout);
			ctl_exit(CTL_EXIT_OK);
		} else if (strcmp(a, "-V") == 0 ||
		    strcmp(a, "--version") == 0) {
			printf("databackupctl %s\n", PACKAGE_VERSION);
			ctl_exit(CTL_EXIT_OK);
		} else if (strcmp(a, "-s") == 0 ||
		    strcmp(a, "--socket") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0') {
				ctl_usage_error(NULL, "%s needs a socket path",
				    a);
				ctl_exit(CTL_EXIT_USAGE);
			}
			sock = argv[++i];
		} else if (strncmp(a, "--socket=", 9) == 0 && a[9] != '\0')
			sock = a + 9;
		else if (strncmp(a, "-s", 2) == 0)
			sock = a + 2;
		else
			args[++nargs] = argv[i];
	}
	if (cmdname == NULL) {
		if (nargs > 0)
			ctl_usage_error(NULL, "unknown option: %s", args[1]);
		else
			ctl_usage_error(NULL, "no command given");
		ctl_exit(CTL_EXIT_USAGE);
	}
	if ((cmd = ctl_find(cmdname)) == NULL) {
		ctl_usage_error(NULL, "unknown command: %s", cmdname);
		ctl_exit(CTL_EXIT_USAGE);
	}
	args[0] = (char *)cmd->name;	/* argv[0] of the command */

	req = ctl_req = cJSON_CreateObject();
	cJSON_AddNumberToObject(req, "version", CTL_PROTOCOL_VERSION);
	cJSON_AddStringToObject(req, "command", cmd->name);
	if (cmd->parse(nargs + 1, args, req) == -1) {
		if (cmd->monitoring)
			printf("UNKNOWN: bad usage of databackupctl %s\n",
			    cmd->name);
		ctl_exit(cmd->monitoring ? CTL_EXIT_UNKNOWN : CTL_EXIT_USAGE);
	}
	free(args);
	ctl_args = NULL;

	if ((line = ctl_line = cJSON_PrintUnformatted(req)) == NULL)
		fatalx("cJSON_PrintUnformatted: out of memory");
	len = strlen(line);
	if (len + 1 > CTL_REQUEST_MAX) {
		ctl_usage_error(cmd, "request longer than %d bytes (too many "
		    "patterns?)", CTL_REQUEST_MAX);
		ctl_exit(cmd->monitoring ? CTL_EXIT_UNKNOWN : CTL_EXIT_USAGE);
	}

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigprocmask(SIG_SETMASK, NULL, &ctl_waitmask);
	if (cmd->interrupted != NULL) {
		/* Caught only while waiting in ppoll; see ctl_read_replies. */
		sa.sa_handler = ctl_sigint;
		sigaction(SIGINT, &sa, NULL);
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigprocmask(SIG_BLOCK, &block, &ctl_waitmask);
		sigdelset(&ctl_waitmask, SIGINT);
	}

	fd = ctl_connect(cmd, sock);
	ctl_send(cmd, fd, line, len);
	ctl_send(cmd, fd, "\n", 1);
	cJSON_free(line);
	ctl_line = NULL;

	status = ctl_read_replies(cmd, req, fd, json);
	close(fd);
	cJSON_Delete(req);
	ctl_req = NULL;
	if (fflush(stdout) == EOF)
		status = cmd->monitoring ? CTL_EXIT_UNKNOWN : CTL_EXIT_FAILURE;
	return (status);
}
