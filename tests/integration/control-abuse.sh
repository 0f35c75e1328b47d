#!/bin/sh
# control-abuse.sh: the control socket holds under abuse (issue 15).
# With [control] max_connections = 8 and idle_timeout = 2s, 20
# connections: the first 8 are served and closed by the idle timeout
# without a word; the 9th, from the daemon's own user (the test runs the
# daemon as itself), takes the place reserved beyond the cap for root and
# that user and has its status answered; the other 11 get the "busy"
# error line; status answers again, and a trigger --wait is not cut by
# the idle timeout.  Then the
# daemon under `ulimit -n 64` with the cap out of reach: 100 connections
# run it out of descriptors, accept pauses (one warning, not one per
# failure) and status answers once the clients are gone.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 1
CONTROL_EXTRA="max_connections = 8
idle_timeout = 2s"
daemon_config
daemon_start
sock="$D_TMP/control.sock"

# hold N [retry]: opens N connections (non-blocking connect: a full
# backlog is "refused", or with retry tried again for a while; the one
# numbered $HOLD_ASK, if set, asks status at once), writes "up" to
# $D_TMP/hold.up, then reads each until EOF or until $D_TMP/hold.go
# exists; one JSON line per connection in $D_TMP/hold.out: {"i", "data", "eof"} or {"i", "refused"}.
hold() {
	rm -f "$D_TMP/hold.up" "$D_TMP/hold.go" "$D_TMP/hold.out"
	python3 - "$sock" "$1" "$D_TMP" "${2:-}" "${HOLD_ASK:--1}" <<'PY' &
import errno, json, os, select, socket, sys, time
path, n, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
retry = sys.argv[4] == "retry"
ask = int(sys.argv[5])
conns = []
def connect():
    until = time.time() + 30
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
            return s
        except OSError as e:
            s.close()
            if e.errno not in (errno.EAGAIN, errno.ECONNREFUSED):
                raise
            if not retry or time.time() > until:
                return None
            time.sleep(0.01)
for i in range(n):
    s = connect()
    if s is None:
        conns.append({"i": i, "refused": True, "s": None})
    else:
        if i == ask:
            s.send(b'{"version": 1, "command": "status"}\n')
        conns.append({"i": i, "data": "", "eof": False, "s": s})
open(os.path.join(tmp, "hold.up"), "w").close()
deadline = time.time() + 120
go = os.path.join(tmp, "hold.go")
while time.time() < deadline and not os.path.exists(go):
    live = [c for c in conns if c["s"] is not None and not c["eof"]]
    if not live:
        break
    r, _, _ = select.select([c["s"] for c in live], [], [], 0.1)
    for c in live:
        if c["s"] not in r:
            continue
        try:
            b = c["s"].recv(4096)
        except ConnectionResetError:
            b = b""
        if b:
            c["data"] += b.decode()
        else:
            c["eof"] = True
with open(os.path.join(tmp, "hold.out"), "w") as f:
    for c in conns:
        if c["s"] is not None:
            c["s"].close()
        del c["s"]
        f.write(json.dumps(c) + "\n")
PY
	HOLD_PID=$!
	wait_for "$1 connections open" 60 test -f "$D_TMP/hold.up"
}
hold_end() {
	touch "$D_TMP/hold.go"
	hold_wait
}
# hold_wait: until every connection is at EOF (or the script's deadline).
hold_wait() {
	wait "$HOLD_PID" || dfail "the client script failed"
}
accept_lines() {
	grep -c 'accept' "$D_TMP/daemon.log"
}
status_answers() { ctl status >/dev/null 2>&1; }

# 1. The cap and the idle timeout.  All 20 are accepted well within the
# idle timeout, so the first 8 fill the cap and the 9th (asking status)
# takes the reserved place; the script reads each one until the daemon
# closes it.
HOLD_ASK=8
hold 20 retry
unset HOLD_ASK
hold_wait
[ "$(wc -l <"$D_TMP/hold.out")" = 20 ] || dfail "$(cat "$D_TMP/hold.out")"
jq -s -e 'all(.[]; .refused != true)' "$D_TMP/hold.out" >/dev/null ||
    dfail "a connect was refused: $(cat "$D_TMP/hold.out")"
# The served ones: closed by the daemon (EOF), nothing said.
jq -s -e '[.[] | select(.i < 8)] | all(.eof and .data == "")' \
    "$D_TMP/hold.out" >/dev/null ||
    dfail "served connections: $(head -8 "$D_TMP/hold.out")"
# The reserved one: its status answered, at the cap.
jq -s -e '[.[] | select(.i == 8)] | length == 1 and all(.eof and
    (.data | split("\n") | .[0] | fromjson |
    .type == "result" and .ok == true))' \
    "$D_TMP/hold.out" >/dev/null ||
    dfail "reserved connection: $(sed -n 9p "$D_TMP/hold.out")"
n=$(grep -c 'the reserved one goes to root or the daemon' "$D_TMP/daemon.log")
[ "$n" = 1 ] || dfail "$n connections took the reserved place, want 1"
# The others: one busy error line each, then EOF; only one reserved.
jq -s -e '[.[] | select(.i >= 9)] | length == 11 and all(.eof and
    (.data | endswith("\n")) and (.data | rtrimstr("\n") | fromjson |
    .type == "result" and .ok == false and
    .error == "busy: 9 control connections open; try again"))' \
    "$D_TMP/hold.out" >/dev/null ||
    dfail "refused connections: $(tail -11 "$D_TMP/hold.out")"
n=$(grep -c 'connection idle too long, closed' "$D_TMP/daemon.log")
[ "$n" = 8 ] || dfail "$n idle connections closed, want 8"
wait_for "status to answer" 30 status_answers
n=$(accept_lines)
[ "$n" -le 2 ] || dfail "$n log lines about accept"

# A client waiting on a run is not idle: trigger --wait, then an idle
# probe connected after it.  Once the probe is closed by the timeout,
# the trigger's connection has been open longer than that, and it still
# follows the run (400 MB at 40 MB/s: 10 s at --time-scale 1), to its end.
idle_closed() { grep -c 'connection idle too long, closed' "$D_TMP/daemon.log"; }
ctl trigger --wait physics-lab/physics-mysql/experiments \
    >"$D_TMP/out" 2>&1 &
TRIG_PID=$!
run_started() { ctl --json status | jq -e '.run != null' >/dev/null; }
wait_for "the run to start" 30 run_started
hold 1
probe_closed() { [ "$(idle_closed)" = 9 ]; }
wait_for "the idle probe to be closed" 30 probe_closed
kill -0 "$TRIG_PID" 2>/dev/null ||
    dfail "the run ended before the idle timeout: $(cat "$D_TMP/out")"
hold_wait
wait "$TRIG_PID" || dfail "trigger --wait: $(cat "$D_TMP/out")"
grep -q '^run 1 finished: succeeded' "$D_TMP/out" ||
    dfail "trigger --wait: $(cat "$D_TMP/out")"
[ "$(idle_closed)" = 9 ] || dfail "$(idle_closed) idle connections closed"

# 2. Out of descriptors.  The cap is out of reach, the limit is not.
daemon_stop || dfail "daemon exit status $?"
: >"$D_TMP/daemon.log"
CONTROL_EXTRA="max_connections = 1000
idle_timeout = 2s"
daemon_config
(
	ulimit -n 64 || exit 1
	GCE_METADATA_HOST="127.0.0.1:$PORT" \
	    exec "$DAEMON_BIN" -c "$D_TMP/databackup.conf" -d \
	    >>"$D_TMP/daemon.log" 2>&1
) &
D_PID=$!
wait_for "daemon under ulimit -n 64" 20 status_answers
grep -q 'open files limit is 64, the configuration may need' \
    "$D_TMP/daemon.log" || dfail "no warning about the descriptor budget"
paused() { grep -q 'control: accept: Too many open files' "$D_TMP/daemon.log"; }
hold 100
wait_for "accept to pause" 30 paused
kill -0 "$D_PID" || dfail "daemon died"
hold_end
wait_for "status to answer after the clients closed" 30 status_answers
n=$(accept_lines)
# One line per episode (a pause, a resume), not one per failure.
[ "$n" -le 10 ] || dfail "$n log lines about accept"
echo "PASS: connection cap, idle timeout and accept pause hold"
