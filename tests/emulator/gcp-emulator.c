/*
 * gcp-emulator.c: main() of the loopback Google API emulator used by
 * databackup's tests, benchmark and demo.  Reads the command line, loads
 * the fleet, keys and fault rules, then hands over to emu_server_run(); or
 * prints a generated fleet with --generate.  Everything else is in
 * libemulator.a.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define EXIT_USAGE	2

enum {
	OPT_FLEET = 256, OPT_LISTEN, OPT_PORT_FILE, OPT_BUCKET_DIR,
	OPT_TIME_SCALE, OPT_SEED, OPT_FAULTS, OPT_STATIC_TOKEN, OPT_SA_PUBKEY,
	OPT_REFRESH_TOKEN, OPT_TOKEN_LIFETIME, OPT_QUOTA, OPT_LATENCY, OPT_LOG,
	OPT_GENERATE, OPT_PROJECTS, OPT_INSTANCES, OPT_DATABASES, OPT_FOLDERS,
	OPT_DEPTH, OPT_BUSY, OPT_BUSY_FOR, OPT_BUSY_WITHIN, OPT_HELP
};

static const struct option longopts[] = {
	{ "fleet", required_argument, NULL, OPT_FLEET },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "bucket-dir", required_argument, NULL, OPT_BUCKET_DIR },
	{ "time-scale", required_argument, NULL, OPT_TIME_SCALE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "faults", required_argument, NULL, OPT_FAULTS },
	{ "static-token", required_argument, NULL, OPT_STATIC_TOKEN },
	{ "sa-pubkey", required_argument, NULL, OPT_SA_PUBKEY },
	{ "refresh-token", required_argument, NULL, OPT_REFRESH_TOKEN },
	{ "token-lifetime", required_argument, NULL, OPT_TOKEN_LIFETIME },
	{ "quota-per-minute", required_argument, NULL, OPT_QUOTA },
	{ "latency-ms", required_argument, NULL, OPT_LATENCY },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "generate", required_argument, NULL, OPT_GENERATE },
	{ "projects", required_argument, NULL, OPT_PROJECTS },
	{ "instances", required_argument, NULL, OPT_INSTANCES },
	{ "databases", required_argument, NULL, OPT_DATABASES },
	{ "folders", required_argument, NULL, OPT_FOLDERS },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "busy-fraction", required_argument, NULL, OPT_BUSY },
	{ "busy-for", required_argument, NULL, OPT_BUSY_FOR },
	{ "busy-within", required_argument, NULL, OPT_BUSY_WITHIN },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: gcp-emulator --fleet FILE [--listen 127.0.0.1:PORT] [--port-file FILE]\n"
"           [--bucket-dir DIR] [--time-scale X] [--seed N] [--faults FILE]\n"
"           [--static-token TOKEN]... [--sa-pubkey PEM]... [--refresh-token TOK]...\n"
"           [--token-lifetime SECONDS] [--quota-per-minute N] [--latency-ms N]\n"
"           [--log FILE]\n"
"       gcp-emulator --generate campus|large|chain|NAME [--seed N]\n"
"           [--projects N] [--instances N] [--databases N] [--folders N]\n"
"           [--depth N] [--busy-fraction F] [--busy-for MIN-MAX]\n"
"           [--busy-within DUR]\n"
"       gcp-emulator --help\n"
"Serves the GCE metadata server, OAuth2 token endpoint, Resource Manager\n"
"v1/v2/v3, Cloud SQL Admin v1/v1beta4, Cloud Storage JSON API and Cloud\n"
"Monitoring timeSeries.list on one port (0 = any free port).\n"
"--busy-for bounds the length of generated busy windows, --busy-within\n"
"the time they start in (emulated durations: 300, 5m, 1h).\n"
"See docs/emulator.md.\n");
}

static void
bad_arg(const char *opt, const char *val)
{
	fprintf(stderr, "gcp-emulator: --%s: bad value \"%s\"\n", opt, val);
	exit(EXIT_USAGE);
}

static long
num_arg(const char *opt, const char *val, long min, long max)
{
	long	 v;

	if (emu_parse_int(val, min, max, &v) == -1)
		bad_arg(opt, val);
	return (v);
}

/* "MIN-MAX" of durations, MIN <= MAX; exits 2 otherwise. */
static void
range_arg(const char *opt, const char *val, double *min, double *max)
{
	const char	*dash;
	char		*lo;
	int		 bad;

	if ((dash = strchr(val, '-')) == NULL)
		bad_arg(opt, val);
	lo = xstrndup(val, (size_t)(dash - val));
	bad = emu_parse_duration(lo, min) == -1 ||
	    emu_parse_duration(dash + 1, max) == -1 || *min > *max;
	free(lo);
	if (bad)
		bad_arg(opt, val);
}

static char **
push(char **v, size_t *n, const char *s)
{
	v = xreallocarray(v, *n + 1, sizeof(*v));
	v[(*n)++] = xstrdup(s);
	return (v);
}

int
main(int argc, char *argv[])
{
	struct emu		*e;
	struct emu_fleet	*fleet;
	struct emu_fault_set	 fs;
	struct gen_params	 gp;
	const char		*fleet_path = NULL, *listen_on = "127.0.0.1:0";
	const char		*portfile = NULL, *bucket_dir = NULL;
	const char		*faults = NULL, *logpath = NULL, *gen = NULL;
	char			**statics = NULL, **pubs = NULL, **refresh = NULL;
	size_t			 nstatic = 0, npubs = 0, nrefresh = 0, i, len;
	char			 err[EMU_ERR_MAX], *end, *buf, tmpl[64];
	double			 scale = 1, busy = -1;
	double			 busy_min = -1, busy_max = -1, within = -1;
	long			 seed = 1, lifetime = EMU_TOKEN_LIFETIME;
	long			 quota = 0, latency = 0, np = -1, ni = -1;
	long			 nd = -1, nf = -1, depth = -1;
	int			 ch, rc;

	log_init(1, "gcp-emulator");
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_FLEET:
			fleet_path = optarg;
			break;
		case OPT_LISTEN:
			listen_on = optarg;
			break;
		case OPT_PORT_FILE:
			portfile = optarg;
			break;
		case OPT_BUCKET_DIR:
			bucket_dir = optarg;
			break;
		case OPT_TIME_SCALE:
			errno = 0;
			scale = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || scale <= 0 ||
			    scale > 1e6)
				bad_arg("time-scale", optarg);
			break;
		case OPT_SEED:
			seed = num_arg("seed", optarg, 0, LONG_MAX);
			break;
		case OPT_FAULTS:
			faults = optarg;
			break;
		case OPT_STATIC_TOKEN:
			statics = push(statics, &nstatic, optarg);
			break;
		case OPT_SA_PUBKEY:
			pubs = push(pubs, &npubs, optarg);
			break;
		case OPT_REFRESH_TOKEN:
			refresh = push(refresh, &nrefresh, optarg);
			break;
		case OPT_TOKEN_LIFETIME:
			lifetime = num_arg("token-lifetime", optarg, 1,
			    86400 * 365);
			break;
		case OPT_QUOTA:
			quota = num_arg("quota-per-minute", optarg, 0,
			    LONG_MAX);
			break;
		case OPT_LATENCY:
			latency = num_arg("latency-ms", optarg, 0, 3600000);
			break;
		case OPT_LOG:
			logpath = optarg;
			break;
		case OPT_GENERATE:
			gen = optarg;
			break;
		case OPT_PROJECTS:
			np = num_arg("projects", optarg, 1, 1000000);
			break;
		case OPT_INSTANCES:
			ni = num_arg("instances", optarg, 0, 1000000);
			break;
		case OPT_DATABASES:
			nd = num_arg("databases", optarg, 0, 1000000);
			break;
		case OPT_FOLDERS:
			nf = num_arg("folders", optarg, 1, 1000000);
			break;
		case OPT_DEPTH:
			depth = num_arg("depth", optarg, 1, 10);
			break;
		case OPT_BUSY:
			busy = strtod(optarg, &end);
			if (*end != '\0' || busy < 0 || busy > 1)
				bad_arg("busy-fraction", optarg);
			break;
		case OPT_BUSY_FOR:
			range_arg("busy-for", optarg, &busy_min, &busy_max);
			break;
		case OPT_BUSY_WITHIN:
			if (emu_parse_duration(optarg, &within) == -1)
				bad_arg("busy-within", optarg);
			break;
		case OPT_HELP:
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gcp-emulator: unexpected argument \"%s\"\n",
		    argv[optind]);
		return (EXIT_USAGE);
	}

	if (gen != NULL) {
		gen_preset(gen, &gp);
		if (np > 0)
			gp.projects = np;
		if (ni >= 0)
			gp.instances = ni;
		if (nd >= 0)
			gp.databases = nd;
		if (nf > 0)
			gp.folders = nf;
		if (depth > 0)
			gp.depth = depth;
		if (busy >= 0)
			gp.busy_frac = busy;
		if (busy_min >= 0) {
			gp.busy_min = busy_min;
			gp.busy_max = busy_max;
		}
		if (within >= 0)
			gp.busy_within = within;
		buf = gen_fleet(&gp, (uint64_t)seed);
		printf("%s\n", buf);
		free(buf);
		return (0);
	}
	if (fleet_path == NULL) {
		fprintf(stderr, "gcp-emulator: --fleet FILE is required\n");
		usage(stderr);
		return (EXIT_USAGE);
	}
	if ((fleet = fleet_load(fleet_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gcp-emulator: %s\n", err);
		return (EXIT_USAGE);
	}
	e = emu_new(fleet, scale, (uint64_t)seed);
	e->token_lifetime = (int)lifetime;
	e->quota = quota;
	e->latency_ms = latency;
	e->static_tokens = statics;
	e->nstatic = nstatic;
	e->refresh_tokens = refresh;
	e->nrefresh = nrefresh;
	rc = 0;
	for (i = 0; i < npubs && rc == 0; i++)
		if (auth_load_pubkey(e, pubs[i], err, sizeof(err)) == -1) {
			fprintf(stderr, "gcp-emulator: --sa-pubkey %s\n", err);
			rc = EXIT_USAGE;
		}
	for (i = 0; i < npubs; i++)
		free(pubs[i]);
	free(pubs);
	if (rc == 0 && faults != NULL) {
		if ((buf = emu_read_file(faults, &len)) == NULL) {
			fprintf(stderr, "gcp-emulator: %s: %s\n", faults,
			    strerror(errno));
			rc = EXIT_USAGE;
		} else if (fault_parse(buf, len, &fs, err, sizeof(err)) == -1) {
			fprintf(stderr, "gcp-emulator: %s: %s\n", faults, err);
			rc = EXIT_USAGE;
			free(buf);
		} else {
			e->faults = fs;
			free(buf);
		}
	}
	if (rc == 0 && logpath != NULL &&
	    (e->log = fopen(logpath, "a")) == NULL) {
		fprintf(stderr, "gcp-emulator: --log %s: %s\n", logpath,
		    strerror(errno));
		rc = EXIT_USAGE;
	}
	if (rc == 0) {
		if (bucket_dir != NULL) {
			if (mkdir(bucket_dir, 0755) == -1 && errno != EEXIST) {
				fprintf(stderr, "gcp-emulator: --bucket-dir "
				    "%s: %s\n", bucket_dir, strerror(errno));
				rc = EXIT_USAGE;
			}
			e->bucket_dir = xstrdup(bucket_dir);
		} else {
			strlcpy(tmpl, "/tmp/gcp-emulator.XXXXXX", sizeof(tmpl));
			if (mkdtemp(tmpl) == NULL)
				fatal("mkdtemp");
			e->bucket_dir = xstrdup(tmpl);
			log_info("buckets in %s", tmpl);
		}
	}
	if (rc == 0)
		rc = emu_server_run(e, listen_on, portfile);
	emu_free(e);
	return (rc);
}
