#!/bin/sh
# drill.sh: restore drills against the emulator, with a scratch instance
# per engine (a project outside the walked folders).
#   - The rotating sample: with sample = 2 and cycle = 2w a drill of four
#     exported databases takes two, least recently drilled first, and the
#     next drill the other two; each import lands on the scratch instance
#     of its engine under a name of its own (MySQL: the dump's) and the
#     database is dropped again.
#   - A corrupt export fails its drill: drill --wait exits 1 naming it,
#     the scratch database is dropped all the same, check says "Restore
#     drill failed" (the alert fires once), and a later drill that passes
#     clears it.  A missing export fails its drill as well.
#   - "Restores not verified": with the alerts' clock moved past the cycle,
#     every database counts; coverage-style figures come from the journal.
#   - Without a scratch instance a drill is refused.
. "$top_srcdir/tests/integration/daemon-lib.sh"

python3 - "$top_srcdir/etc/demo-fleet.json" "$EMU_TMP/fleet.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f["projects"].append({"projectId": "ops-scratch",
    "projectNumber": "310000000099", "instances": [
    {"name": "scratch-pg", "databaseVersion": "POSTGRES_15", "databases": []},
    {"name": "scratch-my", "databaseVersion": "MYSQL_8_0", "databases": []},
    {"name": "scratch-ms", "databaseVersion": "SQLSERVER_2019_STANDARD",
     "databases": []}]})
json.dump(f, open(sys.argv[2], "w"))
PY
EMU_FLEET="$EMU_TMP/fleet.json" emu_start --time-scale 200

# No scratch instance: refused.
daemon_config
daemon_start
ctl drill >"$D_TMP/r" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "no scratch instance" "$D_TMP/r" ||
    dfail "drill without scratch: exit $rc: $(cat "$D_TMP/r")"
daemon_stop || dfail "daemon did not stop cleanly"

daemon_config
cat >>"$D_TMP/databackup.conf" <<CONF

[drill]
scratch = ops-scratch/scratch-pg
scratch = ops-scratch/scratch-my
scratch = ops-scratch/scratch-ms
sample = 2
cycle = 2w
CONF
DATABACKUP_TEST_CLOCK=1 daemon_start
ctl trigger library-catalogue/library-pg/loans \
    registry-prod/registry-mssql/courses physics-lab/physics-mysql/wiki \
    finance-prod/finance-pg/invoices --wait >"$D_TMP/out" 2>&1 ||
    dfail "trigger: $(cat "$D_TMP/out")"

# imports: the emulator's imports started, "P/I/D count", sorted.
imports() {
	stats | jq -r '(.imports_started // {}) | to_entries[] |
	    "\(.key) \(.value)"' | sort
}
# scratch_dbs: the databases left on the scratch instances.
scratch_dbs() {
	for i in scratch-pg scratch-my scratch-ms; do
		api GET "/v1/projects/ops-scratch/instances/$i/databases" |
		    jq -r --arg i "$i" '(.items // [])[] | "\($i)/\(.name)"'
	done | grep -v -e '/postgres$' -e '/mysql$' -e '/master$' \
	    -e '/model$' -e '/msdb$' -e '/tempdb$' -e '/sys$' \
	    -e '/information_schema$' -e '/performance_schema$' || true
}
drilled() {	# the sources the log says drill N restored, sorted
	grep "restore [0-9]* of .* into ops-scratch/" "$D_TMP/daemon.log" |
	    sed -n 's/.*restore [0-9]* of \([^ ]*\) into.*/\1/p' | sort
}

ctl drill --wait >"$D_TMP/d1" 2>&1 || dfail "drill 1: $(cat "$D_TMP/d1")"
grep -q "restore drill [0-9]*: 2 of 2 restores verified" "$D_TMP/d1" ||
    dfail "drill 1 said: $(cat "$D_TMP/d1")"
drilled >"$D_TMP/got"
printf '%s\n' finance-prod/finance-pg/invoices \
    library-catalogue/library-pg/loans | sort >"$D_TMP/want"
diff -u "$D_TMP/want" "$D_TMP/got" ||
    dfail "drill 1 did not take the first two never drilled"
ctl drill --wait >"$D_TMP/d2" 2>&1 || dfail "drill 2: $(cat "$D_TMP/d2")"
drilled >"$D_TMP/got"
printf '%s\n' finance-prod/finance-pg/invoices \
    library-catalogue/library-pg/loans physics-lab/physics-mysql/wiki \
    registry-prod/registry-mssql/courses | sort >"$D_TMP/want"
diff -u "$D_TMP/want" "$D_TMP/got" ||
    dfail "drill 2 did not take the two not yet drilled"
imports | sed 's/databackup_drill_[0-9]*/DRILL/' >"$D_TMP/imports"
cat >"$D_TMP/want" <<WANT
ops-scratch/scratch-ms/DRILL 1
ops-scratch/scratch-my/wiki 1
ops-scratch/scratch-pg/DRILL 1
ops-scratch/scratch-pg/DRILL 1
WANT
sort -o "$D_TMP/want" "$D_TMP/want"
diff -u "$D_TMP/want" "$D_TMP/imports" ||
    dfail "drill imports did not go to the scratch of each engine"
[ -z "$(scratch_dbs)" ] || dfail "drills left databases: $(scratch_dbs)"
ctl status >"$D_TMP/status"
grep -q "last restore drill: [0-9]*, ended .*: 2 of 2 verified, 0 failed" \
    "$D_TMP/status" || dfail "status: $(cat "$D_TMP/status")"

# A corrupt export fails its drill, which still cleans up.
PG=library-catalogue/library-pg
obj=$(ls "$EMU_TMP/buckets/campus-sql-backups/$PG/loans/")
curl -s -X POST "$URL/_emulator/objects" -d "{\"bucket\":
    \"campus-sql-backups\", \"name\": \"$PG/loans/$obj\", \"corrupt\": true}" \
    >/dev/null
ctl drill "$PG/loans" --wait >"$D_TMP/d3" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "$PG/loans: importing: operation .* failed: ERROR_RDBMS" \
    "$D_TMP/d3" || dfail "failed drill: exit $rc: $(cat "$D_TMP/d3")"
[ -z "$(scratch_dbs)" ] || dfail "a failed drill left: $(scratch_dbs)"
has_check() {
	ctl check >"$D_TMP/check" 2>&1
	grep -q "$1" "$D_TMP/check"
}
wait_for "check to say the drill failed" 20 \
    has_check "WARNING: Restore drill failed: drill [0-9]*: 1 of 1 restores failed: $PG/loans"
sleep 2		# more evaluations: the alert fires once
[ "$(grep -c 'alert drill_failed fires' "$D_TMP/daemon.log")" = 1 ] ||
    dfail "drill_failed fired $(grep -c 'alert drill_failed fires' "$D_TMP/daemon.log") times"

# A new export that restores clears it.
ctl trigger "$PG/loans" --wait >"$D_TMP/out" 2>&1 || dfail "re-export failed"
ctl drill "$PG/loans" --wait >"$D_TMP/d4" 2>&1 || dfail "drill 4: $(cat "$D_TMP/d4")"
wait_for "the drill alert to clear" 20 \
    has_check "OK: Restore drill failed: drill [0-9]*: 1 restore verified"
grep -q 'alert drill_failed clears' "$D_TMP/daemon.log" ||
    dfail "no clear line for drill_failed"

# A missing export fails its drill too, and the alert fires again.
rm -f "$EMU_TMP/buckets/campus-sql-backups/registry-prod/registry-mssql/courses/"*
ctl drill registry-prod/registry-mssql/courses --wait >"$D_TMP/d5" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "registry-prod/registry-mssql/courses: gs://.* does not exist" \
    "$D_TMP/d5" || dfail "drill of a missing export: exit $rc: $(cat "$D_TMP/d5")"
wait_for "check to name the missing export" 20 \
    has_check "WARNING: Restore drill failed: drill [0-9]*: 1 of 1 restores failed: registry-prod/registry-mssql/courses"
[ "$(grep -c 'alert drill_failed fires' "$D_TMP/daemon.log")" = 2 ] ||
    dfail "drill_failed fired $(grep -c 'alert drill_failed fires' "$D_TMP/daemon.log") times, want 2"

# Past the cycle without drills, every database counts.
has_check "OK: Restores not verified: 4 databases with exports" ||
    dfail "before the cycle: $(cat "$D_TMP/check")"
set_clock $((15 * 86400))
wait_for "Restores not verified" 20 \
    has_check "WARNING: Restores not verified: 4 databases without a verified restore in 14d"
daemon_stop || dfail "daemon did not stop cleanly"
echo "drill: ok"
