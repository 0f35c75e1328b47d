#!/bin/sh
# The progress watchdog: a run in which nothing moves for [alerts]
# stall_after is stalled.  Here each poll of the export hangs (the
# emulator never answers), twice: the run is logged as stalled, `status`
# and `check` (CRITICAL "Run stalled", exit 2) say so, the silent workers
# are restarted, and once a poll answers the run finishes by itself.
. "$top_srcdir/tests/integration/daemon-lib.sh"

cat >"$EMU_TMP/faults.json" <<'JSON'
[
 {"endpoint": "sql.operations.get", "kind": "hang", "count": 2}
]
JSON
# The 400 MB export takes about 20 s at this speed.
emu_start --faults "$EMU_TMP/faults.json"
daemon_config
printf '[alerts]\nstall_after = 10s\n' >>"$D_TMP/databackup.conf"
daemon_start

ctl trigger physics-lab/physics-mysql/experiments >/dev/null ||
    dfail "trigger"
# The first poll hangs: no job changes state, nothing is polled.
deadline=$(( $(date +%s) + 60 ))
until ctl --json status | jq -e '.run.stalled == true' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "run never stalled: \
$(ctl --json status | jq -c .run)"
	sleep 0.2
done
grep -q 'run 1 stalled: no progress for [0-9]*s' "$D_TMP/daemon.log" ||
    dfail "stall not logged"
grep -q 'experiments run=1 attempt=1: worker [0-9]* (pid [0-9]*) silent for [0-9]*s: restarting it' \
    "$D_TMP/daemon.log" || dfail "silent worker not restarted"
# The second poll hangs too: the run stays stalled until the next kick.
ctl status >"$D_TMP/status.out"
grep -q '^  stalled:    no progress since ' "$D_TMP/status.out" ||
    dfail "status: $(cat "$D_TMP/status.out")"
ctl check >"$D_TMP/check.out"; rc=$?
[ "$rc" = 2 ] || dfail "check exit $rc, want 2: $(cat "$D_TMP/check.out")"
grep -E -q '^CRITICAL: Run stalled: run 1: no progress for [0-9]+s' \
    "$D_TMP/check.out" || dfail "check: $(cat "$D_TMP/check.out")"

# Kicked again, the third worker's poll answers: the run goes on and
# ends well, with no trigger.
deadline=$(( $(date +%s) + 120 ))
until ctl --json status | jq -e '.run == null and .last_run.id == 1' \
    >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "run never finished: \
$(ctl --json status | jq -c .run)"
	sleep 0.5
done
ctl --json status | jq -e '.last_run.outcome == "succeeded" and
    .last_run.succeeded == 1 and .last_run.stalled == false' >/dev/null ||
    dfail "last run: $(ctl --json status | jq -c .last_run)"
grep -q 'run 1 progresses again' "$D_TMP/daemon.log" ||
    dfail "recovery not logged"
[ "$(grep -c 'run 1 stalled: no progress' "$D_TMP/daemon.log")" = 1 ] ||
    dfail "stall not logged exactly once"
[ "$(stats | jq '.faults_injected.hang')" = 2 ] ||
    dfail "hangs: $(stats | jq -c .faults_injected)"
ctl check >"$D_TMP/check.out" || dfail "check after: $(cat "$D_TMP/check.out")"
grep -q '^CRITICAL: Run stalled' "$D_TMP/check.out" && dfail "check still says stalled"
grep -q '^OK: Run stalled: no run stalled$' "$D_TMP/check.out" ||
    dfail "check after: $(cat "$D_TMP/check.out")"
echo "PASS: a stalled run was said, kicked and finished by itself"
