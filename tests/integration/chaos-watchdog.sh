#!/bin/bash
# chaos-watchdog.sh: the master frozen by SIGSTOP under a test
# NOTIFY_SOCKET with WATCHDOG_USEC set.  Proves that WATCHDOG=1 arrives
# at half the watchdog interval while a run goes on (no gap as long as
# the interval, so systemd would never fire), stops arriving while the
# master is stopped (no WATCHDOG=1 for longer than WATCHDOG_USEC: the
# missed watchdog systemd acts on), and comes back at the same cadence
# after SIGCONT; the run then goes on and the daemon stops cleanly.
#
# With a systemd user manager (systemctl --user answers), a transient
# Type=notify unit with WatchdogSec= and Restart=on-watchdog is started
# too, its main process SIGSTOPped, and systemd must restart it (a new
# MainPID, NRestarts 1); the time it took is printed next to
# WatchdogSec+RestartSec.  Without one, that part is skipped and says why.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

. "$top_srcdir/tests/integration/daemon-lib.sh"

WD_USEC=${WD_USEC:-1000000}
UNIT=
LPID=

mono() {
	python3 -c 'import time; print("%.6f" % time.monotonic())'
}

# pings FROM [TO]: the arrival times of the WATCHDOG=1 in [FROM, TO).
pings() {
	awk -v a="$1" -v b="${2:-1e18}" '/WATCHDOG=1/ && $1 >= a && $1 < b {
	    print $1 }' "$D_TMP/notify.log"
}

# npings FROM N: at least N pings since FROM.
npings() {
	[ "$(pings "$1" | wc -l)" -ge "$2" ]
}

# succeeded: the run's successes so far; progressed: more than at SIGCONT.
succeeded() {
	ctl --json status 2>/dev/null | tail -1 | jq -r '.run.succeeded //
	    .last_run.succeeded'
}
progressed() {
	[ "$(succeeded)" -gt "$done_cont" ]
}

# gaps: the largest and the median gap between the times on stdin (s).
gaps() {
	awk 'NR > 1 { printf "%.6f\n", $1 - p } { p = $1 }' | sort -n |
	    awk '{ g[NR] = $1 } END { if (NR == 0) exit 1
	    printf "%.3f %.3f\n", g[NR], g[int((NR + 1) / 2)] }'
}

cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	if [ -n "$UNIT" ]; then
		systemctl --user kill -s KILL "$UNIT" 2>/dev/null
		systemctl --user stop "$UNIT" 2>/dev/null
		systemctl --user reset-failed "$UNIT" 2>/dev/null
	fi
	# A stopped master would not see daemon_cleanup's SIGTERM.
	[ -n "$D_PID" ] && kill -CONT "$D_PID" 2>/dev/null
	daemon_cleanup
}
trap cleanup EXIT

# Exports slow enough that a run lasts through the whole test.
emu_start --time-scale 10
daemon_config
sock="$D_TMP/notify.sock"
python3 "$top_srcdir/tests/integration/notify-listen.py" "$sock" \
    "$D_TMP/notify.log" --stamp &
LPID=$!
wait_for "notify listener" 20 grep -q LISTENING "$D_TMP/notify.log"
NOTIFY_SOCKET="$sock" WATCHDOG_USEC=$WD_USEC daemon_start
wait_for "READY=1" 20 grep -q 'READY=1' "$D_TMP/notify.log"
run=$(ctl --json trigger | tail -1 | jq '.run.id')
[ -n "$run" ] && [ "$run" != null ] || dfail "trigger gave no run"
wd=$(awk -v u="$WD_USEC" 'BEGIN { printf "%.3f", u / 1e6 }')

# Running: pings at half the interval.
t0=$(mono)
wait_for "8 pings while running" 60 npings "$t0" 8
g=$(pings "$t0" | gaps) || dfail "no pings to measure"
set -- $g
max_run=$1 med_run=$2
awk -v g="$max_run" -v w="$wd" 'BEGIN { exit !(g < w) }' ||
    dfail "a gap of ${max_run}s between pings while running (watchdog ${wd}s)"
ctl --json status | tail -1 | jq -e --argjson r "$run" '.run.id == $r' \
    >/dev/null || dfail "run $run not running during the pings"

# Stopped: nothing for well over the interval.
kill -STOP "$D_PID"
t_stop=$(mono)
last_before=$(pings 0 "$t_stop" | tail -1)
sleep "$(awk -v w="$wd" 'BEGIN { print 3 * w }')"
t_cont=$(mono)
# A datagram sent just before the stop may arrive just after it.
n_stopped=$(pings "$(awk -v t="$t_stop" 'BEGIN { print t + 0.05 }')" \
    "$t_cont" | wc -l)
[ "$n_stopped" = 0 ] || dfail "$n_stopped pings while SIGSTOPped"
kill -CONT "$D_PID"
done_cont=$(succeeded)

# Continued: pings again, at the same cadence.
wait_for "pings after SIGCONT" 30 npings "$t_cont" 6
first_after=$(pings "$t_cont" | head -1)
missed=$(awk -v a="$last_before" -v b="$first_after" \
    'BEGIN { printf "%.3f", b - a }')
awk -v g="$missed" -v w="$wd" 'BEGIN { exit !(g > w) }' ||
    dfail "no missed watchdog: gap ${missed}s, watchdog ${wd}s"
g=$(pings "$first_after" | gaps) || dfail "no pings to measure"
set -- $g
max_cont=$1 med_cont=$2
awk -v g="$max_cont" -v w="$wd" 'BEGIN { exit !(g < w) }' ||
    dfail "a gap of ${max_cont}s between pings after SIGCONT"

# The daemon took no harm: the run goes on, the daemon stops cleanly.
wait_for "progress after SIGCONT" 60 progressed
daemon_stop || dfail "exit status $? on SIGTERM"
echo "watchdog ${wd}s: running, pings every ${med_run}s (largest gap" \
    "${max_run}s); SIGSTOPped $(awk -v a="$t_stop" -v b="$t_cont" \
    'BEGIN { printf "%.3f", b - a }')s: $n_stopped pings, ${missed}s" \
    "without one; after SIGCONT every ${med_cont}s (largest ${max_cont}s)"

# systemd itself, when there is a user manager to ask.
if ! why=$(systemctl --user show-environment 2>&1 >/dev/null) ||
    ! command -v systemd-run >/dev/null 2>&1; then
	echo "SKIP (systemd restart part): no systemd user manager here:" \
	    "${why:-systemd-run missing}"
	echo "PASS: WATCHDOG=1 at half the interval, none while SIGSTOPped," \
	    "again after SIGCONT"
	exit 0
fi
WSEC=2 RSEC=1
UNIT="databackup-chaos-wd-$$.service"
systemd-run --user --quiet --unit="$UNIT" -p Type=notify \
    -p NotifyAccess=main -p WatchdogSec=${WSEC}s -p Restart=on-watchdog \
    -p RestartSec=${RSEC}s -p TimeoutAbortSec=5s \
    --setenv=GCE_METADATA_HOST="127.0.0.1:$PORT" \
    "$DAEMON_BIN" -c "$D_TMP/databackup.conf" ||
    dfail "systemd-run failed"
mainpid() {
	systemctl --user show -p MainPID --value "$UNIT"
}
unit_active() {
	[ "$(systemctl --user is-active "$UNIT")" = active ]
}
wait_for "$UNIT active" 30 unit_active
pid1=$(mainpid)
[ "${pid1:-0}" -gt 0 ] || dfail "no MainPID for $UNIT"
kill -STOP "$pid1"
t_stop=$(mono)
restarted() {
	p=$(mainpid)
	[ "${p:-0}" -gt 0 ] && [ "$p" != "$pid1" ] &&
	    [ "$(systemctl --user is-active "$UNIT")" = active ]
}
wait_for "a restart of $UNIT" 120 restarted
t_new=$(mono)
nr=$(systemctl --user show -p NRestarts --value "$UNIT")
[ "$nr" = 1 ] || dfail "NRestarts $nr"
echo "systemd: $UNIT main process $pid1 SIGSTOPped; restarted as $(mainpid)" \
    "after $(awk -v a="$t_stop" -v b="$t_new" 'BEGIN { printf "%.1f", b - a
    }')s (WatchdogSec ${WSEC}s + RestartSec ${RSEC}s = $(( WSEC + RSEC ))s)"
echo "PASS: WATCHDOG=1 at half the interval, none while SIGSTOPped, again" \
    "after SIGCONT; systemd restarted the frozen daemon"
