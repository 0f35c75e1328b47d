#!/bin/sh
# An export that runs past [alerts] stuck_after is stuck: logged once,
# marked in `jobs` and counted by `status`, and no longer once it is done.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# Half speed: the 400 MB export takes about 40 s, stuck after 10 s.
emu_start --time-scale 0.5
daemon_config
printf '[alerts]\nstuck_after = 10s\n' >>"$D_TMP/databackup.conf"
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

# It ends well: no longer stuck, and the run says so.
deadline=$(( $(date +%s) + 90 ))
until ctl --json jobs | jq -e '.jobs[0].state == "succeeded"' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "export never finished"
	sleep 0.5
done
ctl --json jobs | jq -e '.jobs[0].stuck == false' >/dev/null ||
    dfail "still stuck after it succeeded"
echo "PASS: a stuck export was marked, counted and logged once"
