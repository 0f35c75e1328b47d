#!/bin/sh
# systemd integration: READY=1 once serving, RELOADING=1 then READY=1 on
# SIGHUP, WATCHDOG=1 at half the watchdog interval, STOPPING=1 on SIGTERM,
# and exit status 0.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 60
daemon_config
sock="$D_TMP/notify.sock"
python3 "$top_srcdir/tests/integration/notify-listen.py" "$sock" "$D_TMP/notify.log" &
LPID=$!
trap 'kill $LPID 2>/dev/null; daemon_cleanup' EXIT
wait_file() {
	deadline=$(( $(date +%s) + 20 ))
	until grep -q "$1" "$D_TMP/notify.log" 2>/dev/null; do
		[ "$(date +%s)" -lt "$deadline" ] || dfail "no $1: $(cat "$D_TMP/notify.log")"
		sleep 0.05
	done
}
wait_file LISTENING
NOTIFY_SOCKET="$sock" WATCHDOG_USEC=400000 daemon_start
wait_file 'READY=1'
grep -q 'STATUS=' "$D_TMP/notify.log" || dfail "no STATUS"
# Watchdog pings keep coming while the loop runs.
deadline=$(( $(date +%s) + 20 ))
until [ "$(grep -c 'WATCHDOG=1' "$D_TMP/notify.log")" -ge 3 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "watchdog pings missing"
	sleep 0.1
done
kill -HUP "$D_PID"
wait_file 'RELOADING=1'
grep 'RELOADING=1' "$D_TMP/notify.log" | grep -q 'MONOTONIC_USEC=' || dfail "no MONOTONIC_USEC"
deadline=$(( $(date +%s) + 20 ))
until [ "$(grep -c 'READY=1' "$D_TMP/notify.log")" -ge 2 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "no READY after reload"
	sleep 0.05
done
daemon_stop || dfail "exit status $? on SIGTERM"
grep -q 'STOPPING=1' "$D_TMP/notify.log" || dfail "no STOPPING=1"
echo "PASS: READY, STATUS, WATCHDOG, RELOADING, STOPPING"
