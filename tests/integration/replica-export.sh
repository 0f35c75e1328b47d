#!/bin/sh
# replica-export.sh: one copy per database with read replicas.  With
# [export] from_replica = prefer, physics-mysql's databases are exported
# through its read replica (the export calls go to the replica) under the
# primary's name; with skip_replicas = no and from_replica = no, from the
# primary, and the replica's own listing (the same databases) is not a
# second copy.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 120
EXPORT_EXTRA="from_replica = prefer" daemon_config
daemon_start
ctl trigger physics-lab --wait >"$D_TMP/out" 2>&1 ||
    dfail "trigger physics-lab: $(cat "$D_TMP/out")"

# started: the emulator's exports, "project/instance/database count"
started() {
	stats | jq -r '.exports_started | to_entries[] |
	    "\(.key) \(.value)"' | sort
}
started >"$D_TMP/started"
cat >"$D_TMP/want" <<WANT
physics-lab/physics-mysql-replica/detectors 1
physics-lab/physics-mysql-replica/experiments 1
physics-lab/physics-mysql-replica/wiki 1
WANT
diff -u "$D_TMP/want" "$D_TMP/started" ||
    dfail "from_replica = prefer: exports not all through the replica"
for db in experiments detectors wiki; do
	ls "$EMU_TMP/buckets/campus-sql-backups/physics-lab/physics-mysql/$db/"*.sql.gz \
	    >/dev/null 2>&1 || dfail "no object for physics-mysql/$db"
	grep -q "physics-lab/physics-mysql/$db.*exporting through read replica physics-mysql-replica" \
	    "$D_TMP/daemon.log" || dfail "no log line for $db through the replica"
done
[ -e "$EMU_TMP/buckets/campus-sql-backups/physics-lab/physics-mysql-replica" ] &&
    dfail "objects named after the replica"
ctl jobs >"$D_TMP/jobs"
grep -c 'physics-mysql-replica' "$D_TMP/jobs" | grep -qx 0 ||
    dfail "jobs name the replica: $(cat "$D_TMP/jobs")"
daemon_stop || dfail "daemon did not stop cleanly"

# skip_replicas = no, from_replica = no: the primary exports, once.
DISC_EXTRA="skip_replicas = no" daemon_config
daemon_start
ctl trigger physics-lab --wait >"$D_TMP/out" 2>&1 ||
    dfail "trigger physics-lab: $(cat "$D_TMP/out")"
started >"$D_TMP/started"
cat >>"$D_TMP/want" <<WANT
physics-lab/physics-mysql/detectors 1
physics-lab/physics-mysql/experiments 1
physics-lab/physics-mysql/wiki 1
WANT
sort -o "$D_TMP/want" "$D_TMP/want"
diff -u "$D_TMP/want" "$D_TMP/started" ||
    dfail "skip_replicas = no: a second copy, or not from the primary"
ctl plan >"$D_TMP/plan" 2>&1
grep -q 'physics-mysql-replica.*read replica of physics-mysql' "$D_TMP/plan" ||
    dfail "plan does not say why the replica is skipped: $(cat "$D_TMP/plan")"
echo "replica-export: ok"
