#!/bin/sh
# SIGTERM in the middle of a run: dispatching stops, the workers stop at a
# safe point, databackupd exits 0 with its workers gone, and the next start
# resumes the run: the exports in flight are polled, not started again.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 5
RETRY_WINDOW=10s WORKERS=2 MAX_IN_FLIGHT=2 daemon_config
daemon_start
ctl trigger >/dev/null || dfail "trigger"
deadline=$(( $(date +%s) + 60 ))
until ctl --json status | jq -e '[.workers[] | select(.job_state == "exporting")] | length == 2' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "exports not in flight"
	sleep 0.1
done
inflight=$(ctl --json status | jq -r '.workers[].job' | sort)
pids=$(ctl --json status | jq -r '.workers[].pid')
daemon_stop || dfail "exit status $? after SIGTERM"
for p in $pids; do
	kill -0 "$p" 2>/dev/null && dfail "worker $p outlived the master"
done
grep -q "SIGTERM: stopping" "$D_TMP/daemon.log" || dfail "stop not logged"
[ "$(sqlite3 "$D_TMP/journal.db" "select count(*) from jobs where state = 'exporting'")" = 2 ] ||
    dfail "in-flight jobs not left exporting in the journal"

# Start again: the same run goes on and ends; nothing exported twice.
daemon_start
grep -q "resumes" "$D_TMP/daemon.log" || dfail "no resume at start"
deadline=$(( $(date +%s) + 240 ))
until ctl --json status | jq -e '.run == null and .last_run != null' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "resumed run did not end"
	sleep 0.2
done
stats >"$D_TMP/stats.json"
for t in $inflight; do
	n=$(jq -r --arg t "$t" '.exports_started[$t]' "$D_TMP/stats.json")
	[ "$n" = 1 ] || dfail "$t exported $n times across the restart"
done
jq -e '[.exports_started | to_entries[] | select(.value > 1 and (.key | endswith("broken_db") | not))] | length == 0' \
    "$D_TMP/stats.json" >/dev/null || dfail "a database exported twice"
[ "$(jq .conflicts_client "$D_TMP/stats.json")" = 0 ] || dfail "409 of our own"
echo "PASS: stopped at a safe point and resumed: $(echo $inflight)"
