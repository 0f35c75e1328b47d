#!/bin/sh
# A cold run's order comes from each instance's disk bytes used (Cloud
# Monitoring), not from the size of its data disk: the big database on a
# small, nearly full disk starts before the small database on a big,
# mostly empty one.  Warm runs follow the journal's history instead.  With
# Monitoring denied the daemon still runs: the disk size is the estimate,
# and the log says so once.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# sizes-lab: roomy-pg has a 500 GB disk and 10 MB of data, tight-pg a
# 20 GB disk and 15 GB of data.  $1: the project's "monitoring" field.
size_fleet() {
	jq --argjson mon "$1" '.projects += [{
	    "projectId": "sizes-lab", "projectNumber": "410000000017",
	    "monitoring": $mon,
	    "instances": [
	      {"name": "roomy-pg", "databaseVersion": "POSTGRES_15",
	       "dataDiskSizeGb": 500, "databases": [{"name": "notes", "sizeMb": 10}]},
	      {"name": "tight-pg", "databaseVersion": "POSTGRES_15",
	       "dataDiskSizeGb": 20, "databases": [{"name": "archive", "sizeMb": 15000}]}
	    ]}]' "$top_srcdir/etc/demo-fleet.json" >"$EMU_TMP/fleet.json"
	EMU_FLEET="$EMU_TMP/fleet.json"
}

# The path must be served: an emulator without Monitoring cannot tell.
monitoring_served() {
	api GET "/v3/projects/sizes-lab/timeSeries?filter=metric.type%3D%22cloudsql.googleapis.com%2Fdatabase%2Fdisk%2Fbytes_used%22&interval.endTime=2030-01-01T00%3A00%3A00Z" >/dev/null
	if [ "$(status)" = 404 ]; then
		echo "SKIP: the emulator does not serve Cloud Monitoring (GET /v3/projects/P/timeSeries: 404)"
		exit 77
	fi
}

# predicted P/I/D: the plan's prediction for it, in seconds.
predicted() {
	ctl --json plan >"$D_TMP/plan.json" 2>/dev/null
	jq -r --arg t "$1" '.. | objects | select(has("predicted") and
	    (.project + "/" + .instance + "/" + .database) == $t) | .predicted' \
	    "$D_TMP/plan.json" | head -1
}

# first_export: the database whose export the emulator saw first.
first_export() {
	grep -o 'sizes-lab/instances/[a-z-]*/export' "$EMU_TMP/log" | head -1
}

run_sizes() {
	ctl trigger --wait sizes-lab >"$D_TMP/trigger.out" 2>&1 ||
	    dfail "trigger --wait: $(cat "$D_TMP/trigger.out")"
}

# 1. Monitoring answers.
size_fleet true
emu_start --time-scale 240
monitoring_served
DISC_EXTRA="projects = sizes-lab" WORKERS=1 MAX_IN_FLIGHT=1 daemon_config
daemon_start
# Each instance's data is shared by its two databases (postgres is
# exported too): tight-pg's 15000 MB + 40 MB of engine files at 25 MiB/s
# is 300.8 s each, roomy-pg's 50 MB the 1 s floor.  The disks would say
# 409.6 s and 10240 s.
p=$(predicted sizes-lab/tight-pg/archive)
[ "${p%.*}" = 300 ] || dfail "archive predicted ${p}s, want 300.8 (bytes used)"
p=$(predicted sizes-lab/roomy-pg/notes)
[ "${p%.*}" -le 2 ] || dfail "notes predicted ${p}s, want 1 (bytes used)"
run_sizes
[ "$(first_export)" = "sizes-lab/instances/tight-pg/export" ] ||
    dfail "first export: $(first_export), want tight-pg's"
[ "$(stats | jq '.requests_by_endpoint["monitoring.timeSeries.list"] // 0')" -ge 1 ] ||
    dfail "no timeSeries.list call"
grep -q 'Monitoring not available' "$D_TMP/daemon.log" &&
    dfail "Monitoring answered, yet: $(grep 'Monitoring not' "$D_TMP/daemon.log")"
# Warm: the journal's history (seconds here) wins over any prior.
p=$(predicted sizes-lab/tight-pg/archive)
[ "${p%.*}" -lt 300 ] || dfail "warm: archive predicted ${p}s, want its history"
daemon_stop || dfail "databackupd exited non-zero on SIGTERM"
emu_stop

# 2. Monitoring denied (no roles/monitoring.viewer): the disk size is
# used, the run goes on, and the log says so.
rm -f "$D_TMP/journal.db" "$D_TMP/journal.db-wal" "$D_TMP/journal.db-shm" \
    "$D_TMP/daemon.log"
: >"$EMU_TMP/log"
size_fleet false
emu_start --time-scale 240
DISC_EXTRA="projects = sizes-lab" WORKERS=1 MAX_IN_FLIGHT=1 daemon_config
daemon_start
p=$(predicted sizes-lab/roomy-pg/notes)
[ "${p%.*}" = 10240 ] || dfail "denied: notes predicted ${p}s, want 10240 (disk)"
run_sizes
[ "$(first_export)" = "sizes-lab/instances/roomy-pg/export" ] ||
    dfail "denied: first export $(first_export), want roomy-pg's (disk sizes)"
grep -q 'Monitoring not available for sizes-lab (.*): disk size used for the first estimate' \
    "$D_TMP/daemon.log" || dfail "no fallback line in the log"
[ "$(grep -c 'Monitoring not available for' "$D_TMP/daemon.log")" -le 2 ] ||
    dfail "the fallback is logged more than once a walk"
ctl --json jobs | jq -e '[.jobs[] | select(.project == "sizes-lab")] |
    length == 4 and all(.state == "succeeded")' >/dev/null ||
    dfail "denied: the run did not export all four"
daemon_stop || dfail "databackupd exited non-zero on SIGTERM"
grep "Monitoring not available" "$D_TMP/daemon.log"
echo "PASS: bytes used order a cold run; history a warm one; denied falls back"
