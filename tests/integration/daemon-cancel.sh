#!/bin/sh
# [alerts] cancel_stuck: an export that runs past stuck_after is cancelled
# (operations.cancel), the attempt fails as Cloud SQL ends a cancelled
# operation (DONE with an error) and the database is retried within its
# retry window, then exported.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# Half speed: the 400 MB export takes about 40 s, stuck after 10 s.
emu_start --time-scale 0.5
daemon_config
cp "$D_TMP/databackup.conf" "$D_TMP/base.conf"
printf '[alerts]\nstuck_after = 10s\ncancel_stuck = yes\n' \
    >>"$D_TMP/databackup.conf"
daemon_start
cancels() {
	stats | jq '.requests_by_endpoint["sql.operations.cancel"] // 0'
}

ctl trigger physics-lab/physics-mysql/experiments >/dev/null ||
    dfail "trigger"
deadline=$(( $(date +%s) + 60 ))
until grep -q 'experiments run=1 attempt=1: cancelled stuck operation' \
    "$D_TMP/daemon.log"; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "stuck export never cancelled"
	sleep 0.5
done
grep -q 'experiments run=1 attempt=1: export stuck: operation' \
    "$D_TMP/daemon.log" || dfail "stuck not logged"
grep -q 'experiments run=1 attempt=1: cancelling stuck operation .* (\[alerts\] cancel_stuck)' \
    "$D_TMP/daemon.log" || dfail "cancel not logged"
# The next attempt may run to its end: cancel no more.
cp "$D_TMP/base.conf" "$D_TMP/databackup.conf"
printf '[alerts]\nstuck_after = 10s\n' >>"$D_TMP/databackup.conf"
ctl reload >/dev/null || dfail "reload"

deadline=$(( $(date +%s) + 120 ))
until ctl --json jobs | jq -e '.jobs[0].state == "succeeded"' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "never exported: \
$(ctl --json jobs | jq -c .jobs[0])"
	sleep 0.5
done
grep -q 'experiments run=1 attempt=1: attempt failed (retry): operation .* failed: OPERATION_CANCELLED' \
    "$D_TMP/daemon.log" || dfail "cancelled attempt not failed and retried"
grep -q 'experiments run=1 attempt=2: exported gs://' "$D_TMP/daemon.log" ||
    dfail "not exported by attempt 2"
ctl --json jobs | jq -e '.jobs[0].attempts == 2' >/dev/null ||
    dfail "attempts: $(ctl --json jobs | jq -c .jobs[0])"
[ "$(cancels)" = 1 ] || dfail "operations.cancel sent $(cancels) times"
# The run ends once what held its instance is read (master-survey.c).
deadline=$(( $(date +%s) + 60 ))
until ctl --json status | jq -e '.run == null and .last_run.id == 1' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "run 1 never ended"
	sleep 0.2
done
ctl --json status | jq -e '.last_run.outcome == "succeeded"' >/dev/null ||
    dfail "run: $(ctl --json status | jq -c .last_run)"
echo "PASS: a stuck export was cancelled, retried and exported"
