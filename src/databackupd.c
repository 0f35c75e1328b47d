/*
 * databackupd.c: main of the daemon.  Reads the options and the
 * configuration, answers -n (check the configuration and exit), and puts
 * the master and its watchers together.  It stays in the foreground:
 * systemd manages it.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "control.h"
#include "log.h"
#include "master.h"
#include "monitor.h"
#include "preflight.h"

#ifndef DATABACKUP_CONF
#define DATABACKUP_CONF	"/etc/databackup/databackup.conf"
#endif

static __attribute__((__noreturn__)) void
usage(int status)
{
	FILE	*fp = status == 0 ? stdout : stderr;

	fprintf(fp,
	    "usage: databackupd [-dnhV] [-c FILE] [--online]\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -n       check the configuration and exit: 0 if it is valid,\n"
	    "           1 with FILE:LINE: message for each problem\n"
	    "  --online with -n, also ask Google: a token, each folder and\n"
	    "           project, the bucket and the permissions on it\n"
	    "  -d       debug logging\n"
	    "  -h       this help\n"
	    "  -V       print the version\n", DATABACKUP_CONF);
	exit(status);
}

/*
 * Descriptors: a soft limit below what the configuration may need is
 * raised to the hard one; if that is still short, say so (under systemd,
 * LimitNOFILE= in the unit sets both).
 */
static void
nofile_raise(const struct config *conf)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)control_nofile_budget(conf);

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
		    getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return;
	}
	if (rl.rlim_cur < need)
		log_warnx("open files limit is %llu, the configuration may "
		    "need %llu ([control] max_connections, [workers] count); "
		    "raise LimitNOFILE=", (unsigned long long)rl.rlim_cur,
		    (unsigned long long)need);
}

/*
 * The daemon: the master, then those who watch it (the monitor, which
 * sends alerts and serves metrics, and the control socket, which reads
 * the monitor too), the loop, and teardown in the order each part needs.
 * Takes ownership of conf; returns the exit status.
 */
static int
run_daemon(const char *path, struct config *conf)
{
	struct master	*m;
	struct monitor	*mon;
	struct control	*ctl;
	char		 err[512];
	int		 rv;

	nofile_raise(conf);
	m = master_new(path, conf);
	if ((mon = monitor_new(m, err, sizeof(err))) == NULL)
		fatalx("metrics: %s", err);
	if ((ctl = control_new(m, mon, conf->control_socket, err,
	    sizeof(err))) == NULL)
		fatalx("control socket: %s", err);
	rv = master_loop(m);
	control_free(ctl);
	master_close(m);
	monitor_free(mon);	/* after the multi handle: see notify_free */
	master_free(m);
	return (rv);
}

int
main(int argc, char *argv[])
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*conf;
	struct auth_info	 ai;
	const char		*path = DATABACKUP_CONF;
	char			 err[512];
	int			 ch, check = 0, debug = 0, online = 0, n;
	size_t			 i;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "online", no_argument, NULL, 'O' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};

	setproctitle_init(argc, argv, environ);
	while ((ch = getopt_long(argc, argv, "c:dnhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'O':
			online = 1;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("databackupd %s\n", PACKAGE_VERSION);
			return (0);
		default:
			usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "databackupd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(2);
	}
	if (online && !check) {
		fprintf(stderr, "databackupd: --online goes with -n\n");
		usage(2);
	}
	log_init(debug, "databackupd");

	if ((conf = config_load(path, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.line[i]);
		config_errors_clear(&errs);
		if (!check)
			fprintf(stderr, "databackupd: configuration has "
			    "errors; not starting\n");
		return (1);
	}
	config_errors_clear(&errs);

	if (check) {
		if (auth_find(conf->credentials, &ai, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s: credentials: %s\n", path, err);
			config_free(conf);
			return (1);
		}
		printf("credentials: %s: %s%s%s%s%s\n",
		    auth_source_name(ai.source), ai.type,
		    ai.account[0] != '\0' ? " " : "", ai.account,
		    ai.path[0] != '\0' ? " from " : "", ai.path);
		if (debug)
			config_dump(conf, stdout);
		if (online && (n = preflight(conf, &ai, stdout)) > 0) {
			printf("%d problem%s found\n", n, n == 1 ? "" : "s");
			config_free(conf);
			return (1);
		}
		printf("configuration OK\n");
		config_free(conf);
		return (0);
	}
	return (run_daemon(path, conf));
}
