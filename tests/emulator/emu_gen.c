/*
 * emu_gen.c: the fleet generator behind --generate.  From a preset (campus,
 * large) or explicit counts and a seed it builds a fleet JSON document:
 * nested folders, projects, instances of mixed engines with replicas,
 * stopped instances and busy windows, and databases with heavy-tailed
 * (lognormal) sizes.  Same seed, same document.  Only builds text.
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
	if (strcmp(name, "large") == 0) {
		p->projects = 1500;
		p->instances = 3000;
		p->databases = 10000;
		p->folders = 120;
	} else {
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
	emu_rng_seed(&r, seed);

	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "export_rate_mb_per_s", 100);
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
		proj = cJSON_CreateObject();
		snprintf(buf, sizeof(buf), "%s-%04ld%s",
		    gen_units[gen_pick(&r, GEN_NUNITS)], i,
		    emu_rng_unit(&r) < 0.1 ? "-devel" : "");
		cJSON_AddStringToObject(proj, "projectId", buf);
		snprintf(buf, sizeof(buf), "%ld", 400000000000L + i * 7919);
		cJSON_AddStringToObject(proj, "projectNumber", buf);
		if (emu_rng_unit(&r) < 0.02)
			cJSON_AddStringToObject(proj, "state",
			    "DELETE_REQUESTED");
		if (emu_rng_unit(&r) < 0.02)
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

		insts = pinst[pi];
		inst = cJSON_CreateObject();
		snprintf(buf, sizeof(buf), "sql-%ld", i);
		cJSON_AddStringToObject(inst, "name", buf);
		cJSON_AddStringToObject(inst, "databaseVersion", u < 0.5 ?
		    "MYSQL_8_0" : u < 0.85 ? "POSTGRES_15" :
		    "SQLSERVER_2019_STANDARD");
		cJSON_AddStringToObject(inst, "region",
		    gen_regions[gen_pick(&r, 4)]);
		cJSON_AddNumberToObject(inst, "dataDiskSizeGb",
		    10 * (1 + gen_pick(&r, 50)));
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
			if (emu_rng_unit(&r) < 0.04)
				cJSON_AddStringToObject(inst,
				    "activationPolicy", "NEVER");
			pdbs[nprim] = cJSON_AddArrayToObject(inst, "databases");
			prim[nprim++] = inst;
		}
		if (emu_rng_unit(&r) < p.busy_frac) {
			cJSON *bw = cJSON_AddArrayToObject(inst, "busy");
			cJSON *w = cJSON_CreateObject();
			snprintf(buf, sizeof(buf), "%lds", gen_pick(&r, 600));
			cJSON_AddStringToObject(w, "at", buf);
			snprintf(buf, sizeof(buf), "%lds",
			    30 + gen_pick(&r, 270));
			cJSON_AddStringToObject(w, "for", buf);
			cJSON_AddItemToArray(bw, w);
		}
		cJSON_AddItemToArray(insts, inst);
	}

	/* Databases: one per primary first, the rest at random. */
	left = xcalloc((size_t)nprim + 1, sizeof(*left));
	for (i = 0; i < p.databases && nprim > 0; i++) {
		j = i < nprim ? i : gen_pick(&r, nprim);
		dbs = pdbs[j];
		db = cJSON_CreateObject();
		snprintf(buf, sizeof(buf), "db_%ld", left[j]++);
		cJSON_AddStringToObject(db, "name", buf);
		mb = GEN_MEDIAN_MB * exp(GEN_SIGMA * gen_normal(&r));
		if (mb > GEN_MAX_MB)
			mb = GEN_MAX_MB;
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
