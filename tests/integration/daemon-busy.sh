#!/bin/sh
# A database waiting for its instance to be free of another operation (an
# automated backup: Cloud SQL answers 409) is counted as busy: in status,
# and in the progress lines of trigger --wait, next to retry wait.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# The demo fleet, with clinical-pg busy from the start for 20 emulated
# minutes (20 s at this time scale).
jq '(.. | objects | select(.name? == "clinical-pg") | .busy) =
    [{"at": "0s", "for": "20m", "type": "BACKUP_VOLUME"}]' \
    "$top_srcdir/etc/demo-fleet.json" >"$EMU_TMP/fleet.json"
EMU_FLEET="$EMU_TMP/fleet.json"
emu_start --time-scale 60
daemon_config
daemon_start

ctl trigger --wait 'medicine-research/clinical-pg' >"$D_TMP/trigger.out" 2>&1 &
waiter=$!
busy_seen() { ctl --json status | jq -e '.run.busy > 0 and .run.busy <= .run.queued' >/dev/null; }
wait_for "a busy job in status" 30 busy_seen
wait "$waiter" || dfail "trigger --wait: exit $?: $(cat "$D_TMP/trigger.out")"
grep -Eq '  queued [0-9]+ \([0-9]+ busy\)  retry wait [0-9]+  elapsed' "$D_TMP/trigger.out" ||
    dfail "no progress line counts the busy: $(cat "$D_TMP/trigger.out")"
[ "$(stats | jq .conflicts_busy)" -gt 0 ] || dfail "the instance was never busy"
# --wait ends with the databases asked for; the run ends just after.
run_over() { ctl --json status | jq -e '.run == null' >/dev/null; }
wait_for "the run to end" 60 run_over
ctl --json jobs | jq -e '.total > 0 and all(.jobs[]; .state == "succeeded")' >/dev/null ||
    dfail "jobs: $(ctl --json jobs | jq -c '[.jobs[].state]')"
echo "PASS: busy jobs counted in status and progress"
