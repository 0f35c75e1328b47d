#!/usr/bin/env python3
"""fleet-targets.py [--folder ID]... [--project ID]... [--exclude GLOB]...
FLEET: the databases a full run over the emulator's fleet file FLEET must
export, one PROJECT/INSTANCE/DATABASE a line, sorted (byte order).

What a run walks is what the daemon's [discovery] would: the top-level
folders given with --folder (every top-level folder without one),
recursively, and the top-level projects given with --project.  Of those,
a project that is not ACTIVE, has the Cloud SQL API disabled or matches
an --exclude glob is skipped, and so is an instance that is stopped, not
RUNNABLE, not a plain Cloud SQL instance or a replica.  A PostgreSQL
instance lists its default "postgres" database too, as Cloud SQL does."""
import argparse, fnmatch, json, sys

ap = argparse.ArgumentParser()
ap.add_argument("--folder", action="append", default=[])
ap.add_argument("--project", action="append", default=[])
ap.add_argument("--exclude", action="append", default=[])
ap.add_argument("fleet")
args = ap.parse_args()

fleet = json.load(open(args.fleet))
out = []

def project(p):
    if p.get("state", "ACTIVE") != "ACTIVE" or not p.get("sqlApiEnabled", True):
        return
    if any(fnmatch.fnmatch(p["projectId"], g) for g in args.exclude):
        return
    for i in p.get("instances", []):
        if i.get("activationPolicy", "ALWAYS") == "NEVER": continue
        if i.get("state", "RUNNABLE") != "RUNNABLE": continue
        if i.get("instanceType", "CLOUD_SQL_INSTANCE") != "CLOUD_SQL_INSTANCE": continue
        if i.get("masterInstanceName"): continue
        names = [d["name"] for d in i.get("databases", [])]
        if i["databaseVersion"].startswith("POSTGRES") and "postgres" not in names:
            names.append("postgres")
        for d in names:
            out.append("%s/%s/%s" % (p["projectId"], i["name"], d))

def folder(f):
    if f.get("state", "ACTIVE") != "ACTIVE": return
    for p in f.get("projects", []): project(p)
    for g in f.get("folders", []): folder(g)

for f in fleet.get("folders", []):
    if not args.folder or f["id"] in args.folder:
        folder(f)
for p in fleet.get("projects", []):
    if p["projectId"] in args.project:
        project(p)
out.sort()
sys.stdout.write("".join(s + "\n" for s in out))
