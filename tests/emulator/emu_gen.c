/*
 * emu_gen.c: the fleet generator behind --generate.  From a preset (campus,
 * large, chain) or explicit counts and a seed it builds a fleet JSON
 * document: nested folders, projects, instances of mixed engines with
 * replicas, stopped instances and busy windows, and databases with
 * heavy-tailed (lognormal) sizes.  Same seed, same document.  Only builds
 * text.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strndup; autoconf.h may have it */
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "emu.h"

#define GEN_MEDIAN_MB	200.0
#define GEN_SIGMA	1.8
#define GEN_MAX_MB	(2.0 * 1024 * 1024)
#define GEN_MAX_COUNT	1000000
#define GEN_RATE	100.0	/* export_rate_mb_per_s */

/*
 * Busy windows as production has them: a backup or maintenance of 5 to 40
 * minutes somewhere in the first hour.  Fleets not named after a preset
 * are test fleets and keep short windows early on.
 */
#define GEN_BUSY_MIN		300
#define GEN_BUSY_MAX		2400
#define GEN_BUSY_WITHIN		3600
#define GEN_TEST_BUSY_MIN	30
#define GEN_TEST_BUSY_MAX	300
#define GEN_TEST_BUSY_WITHIN	600
#define GEN_BUSY_MAINT		0.2	/* share of MAINTENANCE windows */

/*
 * chain: one instance whose exports take about 2,500 emulated seconds
 * (114 GB at 48 MB/s, plus start-ups and a few small databases), so that
 * a run cannot end sooner whatever else it does; meanwhile many disks are
 * large and nearly empty, so disk size is a poor guess of export length.
 */
#define GEN_CHAIN_RATE		48.0
#define GEN_CHAIN_MB		(114.0 * 1024)
#define GEN_CHAIN_DISK_GB	144
#define GEN_CHAIN_SMALL		3	/* small databases beside the big one */
#define GEN_CHAIN_MAX_MB	(8.0 * 1024)
#define GEN_CHAIN_BIGDISK	0.4	/* share of big, mostly empty disks */

static const char *const gen_units[] = { "medicine", "physics", "law",
    "history", "chemistry", "biology", "library", "admissions", "finance",
    "it-services", "housing", "sports", "engineering", "economics",
    "linguistics", "music", "research", "alumni", "hr", "registry" };
#define GEN_NUNITS	(sizeof(gen_units) / sizeof(gen_units[0]))

static const char *const gen_regions[] = { "europe-west1", "europe-west3",
    "us-central1", "europe-north1" };

/* Fill p from a preset name; unknown names get campus counts. 0 or -1. */
int
gen_preset(const char *name, struct gen_params *p)
{
	memset(p, 0, sizeof(*p));
	p->depth = 4;
	p->busy_frac = 0.10;
	p->busy_min = GEN_BUSY_MIN;
	p->busy_max = GEN_BUSY_MAX;
	p->busy_within = GEN_BUSY_WITHIN;
	p->rate = GEN_RATE;
	p->max_mb = GEN_MAX_MB;
	if (strcmp(name, "large") == 0) {
		p->projects = 1500;
		p->instances = 3000;
		p->databases = 10000;
		p->folders = 120;
	} else if (strcmp(name, "chain") == 0) {
		p->projects = 300;
		p->instances = 454;
		p->databases = 1340;
		p->folders = 40;
		p->chain = 1;
		p->rate = GEN_CHAIN_RATE;
		p->max_mb = GEN_CHAIN_MAX_MB;
	} else {
		if (strcmp(name, "campus") != 0) {
			p->busy_min = GEN_TEST_BUSY_MIN;
			p->busy_max = GEN_TEST_BUSY_MAX;
			p->busy_within = GEN_TEST_BUSY_WITHIN;
		}
		p->projects = 300;
		p->instances = 600;
		p->databases = 2000;
		p->folders = 40;
	}
	return (0);
}

static double
gen_normal(struct emu_rng *r)
{
	double	 u1 = emu_rng_unit(r), u2 = emu_rng_unit(r);

	if (u1 < 1e-12)
		u1 = 1e-12;
	return (sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
}

static long
gen_pick(struct emu_rng *r, long n)
{
	return (n <= 0 ? 0 : (long)(emu_rng_next(r) % (uint64_t)n));
}

struct gen_folder {
	long	 parent;	/* -1: organisation */
	long	 depth;
	cJSON	*json;
	cJSON	*folders;
	cJSON	*projects;
};

/* Returns a new JSON text (caller frees) for the parameters and seed. */
char *
gen_fleet(const struct gen_params *gp, uint64_t seed)
{
	struct gen_params	 p = *gp;
	struct emu_rng		 r;
	struct gen_folder	*fo;
	cJSON			*root, *b, *top, *proj, *insts, *inst, *dbs, *db;
	cJSON			**pinst, **pdbs, **prim;
	long			 i, j, k, nprim = 0, ntop, *left;
	char			 buf[128], *out;
	double			 mb;

	if (p.projects < 1)
		p.projects = 1;
	if (p.projects > GEN_MAX_COUNT)
		p.projects = GEN_MAX_COUNT;
	if (p.instances < 0 || p.instances > GEN_MAX_COUNT)
		p.instances = p.projects;
	if (p.databases < 0 || p.databases > GEN_MAX_COUNT)
		p.databases = p.instances;
	if (p.folders < 1)
		p.folders = 1;
	if (p.folders > GEN_MAX_COUNT)
		p.folders = GEN_MAX_COUNT;
	if (p.depth < 1)
		p.depth = 1;
	if (p.busy_max < p.busy_min)
		p.busy_max = p.busy_min;
	if (p.rate <= 0)
		p.rate = GEN_RATE;
	if (p.max_mb <= 0)
		p.max_mb = GEN_MAX_MB;
	emu_rng_seed(&r, seed);

	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "export_rate_mb_per_s", p.rate);
	cJSON_AddStringToObject(root, "export_startup", "20s");
	cJSON_AddNumberToObject(root, "page_size", 50);
	b = cJSON_AddArrayToObject(root, "buckets");
	cJSON_AddItemToArray(b, cJSON_CreateString("campus-sql-backups"));
	top = cJSON_AddArrayToObject(root, "folders");

	/* Folders: a few roots, then each new one under a random shallow one. */
	fo = xcalloc((size_t)p.folders, sizeof(*fo));
	ntop = p.folders < 3 ? p.folders : 3;
	for (i = 0; i < p.folders; i++) {
		fo[i].parent = -1;
		if (i >= ntop) {
			k = gen_pick(&r, i);
			if (fo[k].depth >= p.depth - 1)
				k = gen_pick(&r, ntop);
			fo[i].parent = k;
			fo[i].depth = fo[k].depth + 1;
		}
		fo[i].json = cJSON_CreateObject();
		snprintf(buf, sizeof(buf), "%ld", 200000000000L + i * 37);
		cJSON_AddStringToObject(fo[i].json, "id", buf);
		snprintf(buf, sizeof(buf), "%s-%ld",
		    gen_units[gen_pick(&r, GEN_NUNITS)], i);
		cJSON_AddStringToObject(fo[i].json, "displayName", buf);
		if (i >= ntop && emu_rng_unit(&r) < 0.03)
			cJSON_AddStringToObject(fo[i].json, "state",
			    "DELETE_REQUESTED");
	}

	/* Projects, each under a random folder. */
	pinst = xcalloc((size_t)p.projects, sizeof(*pinst));
	for (i = 0; i < p.projects; i++) {
		k = gen_pick(&r, p.folders);
		/* chain: the long instance's project is in a live top folder */
		if (p.chain && i == 0)
			k = 0;
		proj = cJSON_CreateObject();
		snprintf(buf, sizeof(buf), "%s-%04ld%s",
		    gen_units[gen_pick(&r, GEN_NUNITS)], i,
		    emu_rng_unit(&r) < 0.1 ? "-devel" : "");
		cJSON_AddStringToObject(proj, "projectId", buf);
		snprintf(buf, sizeof(buf), "%ld", 400000000000L + i * 7919);
		cJSON_AddStringToObject(proj, "projectNumber", buf);
		if (emu_rng_unit(&r) < 0.02 && !(p.chain && i == 0))
			cJSON_AddStringToObject(proj, "state",
			    "DELETE_REQUESTED");
		if (emu_rng_unit(&r) < 0.02 && !(p.chain && i == 0))
			cJSON_AddBoolToObject(proj, "sqlApiEnabled", 0);
		pinst[i] = cJSON_AddArrayToObject(proj, "instances");
		if (fo[k].projects == NULL)
			fo[k].projects = cJSON_CreateArray();
		cJSON_AddItemToArray(fo[k].projects, proj);
	}

	/* Instances: one per project first, the rest at random. */
	pdbs = xcalloc((size_t)p.instances + 1, sizeof(*pdbs));
	prim = xcalloc((size_t)p.instances + 1, sizeof(*prim));
	for (i = 0; i < p.instances; i++) {
		long pi = i < p.projects ? i : gen_pick(&r, p.projects);
		double u = emu_rng_unit(&r);
		cJSON *prev = NULL;
		int chained = p.chain && i == 0;
		long disk;

		insts = pinst[pi];
		inst = cJSON_CreateObject();
		snprintf(buf, sizeof(buf), "sql-%ld", i);
		cJSON_AddStringToObject(inst, "name", buf);
		cJSON_AddStringToObject(inst, "databaseVersion", u < 0.5 ?
		    "MYSQL_8_0" : u < 0.85 ? "POSTGRES_15" :
		    "SQLSERVER_2019_STANDARD");
		cJSON_AddStringToObject(inst, "region",
		    gen_regions[gen_pick(&r, 4)]);
		disk = 10 * (1 + gen_pick(&r, 50));
		if (p.chain && emu_rng_unit(&r) < GEN_CHAIN_BIGDISK)
			disk = 500 + 100 * gen_pick(&r, 36);
		if (chained)
			disk = GEN_CHAIN_DISK_GB;
		cJSON_AddNumberToObject(inst, "dataDiskSizeGb", disk);
		cJSON_ArrayForEach(prev, insts)
			if (!cJSON_HasObjectItem(prev, "masterInstanceName"))
				break;
		if (prev != NULL && emu_rng_unit(&r) < 0.08) {
			cJSON_AddStringToObject(inst, "instanceType",
			    "READ_REPLICA_INSTANCE");
			cJSON_AddStringToObject(inst, "masterInstanceName",
			    cJSON_GetObjectItem(prev, "name")->valuestring);
			cJSON_ReplaceItemInObject(inst, "databaseVersion",
			    cJSON_CreateString(cJSON_GetObjectItem(prev,
			    "databaseVersion")->valuestring));
		} else {
			if (emu_rng_unit(&r) < 0.04 && !chained)
				cJSON_AddStringToObject(inst,
				    "activationPolicy", "NEVER");
			pdbs[nprim] = cJSON_AddArrayToObject(inst, "databases");
			prim[nprim++] = inst;
		}
		if (emu_rng_unit(&r) < p.busy_frac && !chained) {
			cJSON *bw = cJSON_AddArrayToObject(inst, "busy");
			cJSON *w = cJSON_CreateObject();
			snprintf(buf, sizeof(buf), "%lds",
			    gen_pick(&r, (long)p.busy_within));
			cJSON_AddStringToObject(w, "at", buf);
			snprintf(buf, sizeof(buf), "%lds", (long)p.busy_min +
			    gen_pick(&r, (long)(p.busy_max - p.busy_min) + 1));
			cJSON_AddStringToObject(w, "for", buf);
			cJSON_AddStringToObject(w, "type",
			    emu_rng_unit(&r) < GEN_BUSY_MAINT ? "MAINTENANCE" :
			    "BACKUP_VOLUME");
			cJSON_AddItemToArray(bw, w);
		}
		cJSON_AddItemToArray(insts, inst);
	}

	/*
	 * Databases: one per primary first, the rest at random.  chain: the
	 * first primary gets the big one and a few small ones, no more.
	 */
	left = xcalloc((size_t)nprim + 1, sizeof(*left));
	for (i = 0; i < p.databases && nprim > 0; i++) {
		if (i < nprim)
			j = i;
		else if (p.chain && i < nprim + GEN_CHAIN_SMALL)
			j = 0;
		else if (p.chain && nprim > 1)
			j = 1 + gen_pick(&r, nprim - 1);
		else
			j = gen_pick(&r, nprim);
		dbs = pdbs[j];
		db = cJSON_CreateObject();
		snprintf(buf, sizeof(buf), "db_%ld", left[j]++);
		cJSON_AddStringToObject(db, "name", buf);
		mb = GEN_MEDIAN_MB * exp(GEN_SIGMA * gen_normal(&r));
		if (mb > p.max_mb)
			mb = p.max_mb;
		if (p.chain && j == 0 && i == 0)
			mb = GEN_CHAIN_MB;
		else if (p.chain && j == 0)
			mb = 20 + 480 * emu_rng_unit(&r);
		cJSON_AddNumberToObject(db, "sizeMb", floor(mb * 10) / 10);
		cJSON_AddItemToArray(dbs, db);
	}
	free(left);

	/* Nest folders, deepest first so children exist before parents. */
	for (i = p.folders - 1; i >= 0; i--) {
		if (fo[i].folders != NULL)
			cJSON_AddItemToObject(fo[i].json, "folders",
			    fo[i].folders);
		if (fo[i].projects != NULL)
			cJSON_AddItemToObject(fo[i].json, "projects",
			    fo[i].projects);
		if (fo[i].parent < 0)
			continue;
		k = fo[i].parent;
		if (fo[k].folders == NULL)
			fo[k].folders = cJSON_CreateArray();
		cJSON_AddItemToArray(fo[k].folders, fo[i].json);
	}
	for (i = 0; i < ntop; i++)
		cJSON_AddItemToArray(top, fo[i].json);
	out = cJSON_Print(root);
	if (out == NULL)
		fatalx("gen_fleet: out of memory");
	cJSON_Delete(root);
	free(fo);
	free(pinst);
	free(pdbs);
	free(prim);
	return (out);
}
