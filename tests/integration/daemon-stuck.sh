#!/bin/sh
# An export that runs past [alerts] stuck_after is stuck: logged once,
# marked in `jobs`, counted by `status` and /metrics, named by `check`,
# and no longer once it is done.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# Half speed: the 400 MB export takes about 40 s, stuck after 10 s.
emu_start --time-scale 0.5
daemon_config
M_PORT=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[alerts]\nstuck_after = 10s\n[metrics]\nlisten = 127.0.0.1:%s\n' \
    "$M_PORT" >>"$D_TMP/databackup.conf"
stuck_gauge() {
	curl -sf "http://127.0.0.1:$M_PORT/metrics" |
	    sed -n 's/^databackup_exports_stuck //p'
}
daemon_start

ctl trigger physics-lab/physics-mysql/experiments >/dev/null ||
    dfail "trigger"
deadline=$(( $(date +%s) + 60 ))
until ctl --json jobs | jq -e '.jobs[0].stuck == true' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "export never marked stuck"
	sleep 0.5
done
ctl --json jobs | jq -e '.jobs[0].state == "exporting"' >/dev/null ||
    dfail "stuck but not exporting: $(ctl --json jobs | jq -c .jobs[0])"
ctl jobs | grep -q 'physics-lab/physics-mysql/experiments  *stuck' ||
    dfail "jobs does not say stuck: $(ctl jobs)"
ctl status | grep -q 'progress:.* 1 stuck' ||
    dfail "status does not count it: $(ctl status)"
[ "$(grep -c 'experiments run=1 attempt=1: export stuck: operation' \
    "$D_TMP/daemon.log")" = 1 ] || dfail "not logged exactly once"
# check names it as a warning (exit 1), /metrics counts it.
ctl check >"$D_TMP/check.out"; rc=$?
[ "$rc" = 1 ] || dfail "check exit $rc, want 1: $(cat "$D_TMP/check.out")"
grep -E -q '^WARNING: exports stuck: physics-lab/physics-mysql/experiments running [0-9]+s$' \
    "$D_TMP/check.out" || dfail "check: $(cat "$D_TMP/check.out")"
[ "$(stuck_gauge)" = 1 ] || dfail "metrics: exports_stuck $(stuck_gauge)"

# It ends well: no longer stuck, and the run says so.
deadline=$(( $(date +%s) + 90 ))
until ctl --json jobs | jq -e '.jobs[0].state == "succeeded"' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "export never finished"
	sleep 0.5
done
ctl --json jobs | jq -e '.jobs[0].stuck == false' >/dev/null ||
    dfail "still stuck after it succeeded"
ctl check >"$D_TMP/check.out" || dfail "check after: $(cat "$D_TMP/check.out")"
grep -q 'stuck' "$D_TMP/check.out" && dfail "check still says stuck"
[ "$(stuck_gauge)" = 0 ] || dfail "metrics after: exports_stuck $(stuck_gauge)"
echo "PASS: a stuck export was marked, counted and logged once"
