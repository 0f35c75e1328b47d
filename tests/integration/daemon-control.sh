#!/bin/sh
# The control socket under bad input, and databackupctl's commands and
# exit codes against the real daemon.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 60
daemon_config
daemon_start
sock="$D_TMP/control.sock"

# Mode 0660: owner and group only.
[ "$(stat -c %a "$sock")" = 660 ] || dfail "socket mode $(stat -c %a "$sock")"

# send LINE: one raw request, the reply lines on stdout.
send() {
	python3 - "$sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(10)
data = sys.argv[2]
if data.startswith("@big"):
    data = '{"command": "status", "pad": "' + "x" * 70000 + '"}'
s.sendall(data.encode() + b"\n")
out = b""
while True:
    try:
        b = s.recv(65536)
    except ConnectionResetError:
        sys.stderr.write("connection reset\n")
        sys.exit(1)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
PY
}
expect_error() {
	out=$(send "$1")
	printf '%s' "$out" | jq -e --arg m "$2" '.ok == false and (.error | test($m))' >/dev/null ||
	    dfail "request $(printf '%.40s' "$1"): got $out"
}
expect_error 'not json at all' 'not a JSON object'
expect_error '[1,2,3]' 'not a JSON object'
expect_error '{"version": 1}' 'no "command"'
expect_error '{"version": 1, "command": "launch-missiles"}' 'unknown command'
expect_error '{"version": 99, "command": "status"}' 'version'
expect_error '{"version": 1, "command": "trigger", "patterns": "x"}' 'array'
expect_error '{"version": 1, "command": "trigger", "patterns": ["a//b"]}' 'empty part'
expect_error '{"version": 1, "command": "jobs", "run": -3}' 'run number'
expect_error '@big' 'longer than'
# Still serving after all that.
send '{"version": 1, "command": "status"}' | jq -e '.ok and .daemon.pid > 0' >/dev/null ||
    dfail "status after bad requests"

# databackupctl: exit codes.
ctl status >/dev/null || dfail "status: exit $?"
ctl --json status | jq -e '.workers | length == 4' >/dev/null || dfail "status --json"
ctl jobs >/dev/null 2>&1 && dfail "jobs with no run: exit 0"
ctl jobs 999 >/dev/null 2>&1 && dfail "jobs 999: exit 0"
ctl trigger 'a/b/c/d' >/dev/null 2>&1; [ $? = 2 ] || dfail "bad pattern: want exit 2"
ctl check >/dev/null; [ $? = 0 ] || dfail "check with no run: want 0"

# plan: the walk's verdicts with reasons and rules.
ctl --json plan >"$D_TMP/plan.json" || dfail "plan failed"
jq -e '.targets | length == 23' "$D_TMP/plan.json" >/dev/null ||
    dfail "plan: $(jq '.targets | length' "$D_TMP/plan.json") targets"
jq -e '.excluded | map(.rule) | unique == ["*-devel"]' "$D_TMP/plan.json" >/dev/null ||
    dfail "plan: exclusions $(jq -c .excluded "$D_TMP/plan.json")"
for why in 'stopped' 'read replica' 'Cloud SQL Admin API disabled' 'system database'; do
	jq -e --arg w "$why" '[.skipped[] | select(.reason | contains($w))] | length > 0' \
	    "$D_TMP/plan.json" >/dev/null || dfail "plan: nothing skipped as $why"
done
[ "$(stats | jq '[.exports_started | length] | add')" = 0 ] || dfail "plan exported something"
ctl plan | grep -q 'Excluded' || dfail "plan: human output"
# plan --summary: one line per project, the same databases in all.
ctl plan --summary >"$D_TMP/plan-summary.txt" || dfail "plan --summary: exit $?"
nproj=$(jq '[.targets[].project, .skipped[].project, .excluded[].project] | unique | length' \
    "$D_TMP/plan.json")
awk -v np="$nproj" 'NR == 1 { next } /^$/ { exit } { n += $3; p++ }
    END { exit !(n == 23 && p == np) }' "$D_TMP/plan-summary.txt" ||
    dfail "plan --summary: $(cat "$D_TMP/plan-summary.txt")"
grep -q '^23 databases to export' "$D_TMP/plan-summary.txt" || dfail "plan --summary: no total"
grep -q '^Skipped' "$D_TMP/plan-summary.txt" && dfail "plan --summary lists the skipped"

# A pattern trigger only takes what matches.
ctl trigger --wait 'finance-prod/finance-pg' >/dev/null || dfail "trigger finance-prod: exit $?"
stats | jq -e '.exports_started | keys | all(startswith("finance-prod/finance-pg/")) and length == 4' >/dev/null ||
    dfail "pattern trigger exported $(stats | jq -c '.exports_started | keys')"
ctl jobs >/dev/null || dfail "jobs after a run: exit $?"

# jobs: filters, the limit, and the word that rows were left out.
ctl --json jobs | jq -e '.total == 4 and .truncated == false and (.jobs | length) == 4' \
    >/dev/null || dfail "jobs --json: $(ctl --json jobs | jq -c '{total, truncated}')"
ctl --json jobs --limit 1 | jq -e '.total == 4 and .truncated == true and (.jobs | length) == 1' \
    >/dev/null || dfail "jobs --limit 1: $(ctl --json jobs --limit 1 | jq -c '{total, truncated}')"
ctl jobs --limit 1 | tail -n 1 | grep -q '^1 of 4 shown' ||
    dfail "jobs --limit 1: last line $(ctl jobs --limit 1 | tail -n 1)"
ctl jobs | grep -q ' shown' && dfail "jobs: 'shown' line with nothing left out"
ctl --json jobs --all --state succeeded | jq -e '.total == 4 and .truncated == false' \
    >/dev/null || dfail "jobs --all --state succeeded"
ctl --json jobs --state failed | jq -e '.total == 0 and (.jobs | length) == 0' \
    >/dev/null || dfail "jobs --state failed listed something"
ctl --json jobs --failed | jq -e '.total == 0' >/dev/null || dfail "jobs --failed"
ctl jobs --state done >/dev/null 2>"$D_TMP/err"; [ $? = 2 ] || dfail "jobs --state done: want exit 2"
grep -q 'one of queued, dispatched, exporting, verifying, succeeded, retry_wait, failed' \
    "$D_TMP/err" || dfail "jobs --state done: $(cat "$D_TMP/err")"
ctl jobs --limit 0 >/dev/null 2>&1; [ $? = 2 ] || dfail "jobs --limit 0: want exit 2"
ctl jobs --limit x >/dev/null 2>&1; [ $? = 2 ] || dfail "jobs --limit x: want exit 2"
ctl jobs --limit 2 --all >/dev/null 2>&1; [ $? = 2 ] || dfail "jobs --limit --all: want exit 2"
expect_error '{"version": 1, "command": "jobs", "state": "done"}' 'one of queued, .*failed'
expect_error '{"version": 1, "command": "jobs", "limit": 0}' 'whole number'
expect_error '{"version": 1, "command": "jobs", "all": true, "limit": 3}' 'exclude'
ctl --json check | jq -e '.status == 0' >/dev/null || dfail "check after a good run"

# history: one line per run, newest first; --jobs lists their jobs.
ctl trigger --wait 'finance-prod/finance-pg/ledger' >/dev/null || dfail "second run: exit $?"
ctl --json history >"$D_TMP/history.json" || dfail "history: exit $?"
jq -e '(.runs | length) == 2 and .runs[0].id > .runs[1].id and
    .runs[0].total == 1 and .runs[1].total == 4 and
    ([.runs[] | select(.outcome == "succeeded" and .ended != null)] | length) == 2 and
    .truncated == false' "$D_TMP/history.json" >/dev/null ||
    dfail "history --json: $(jq -c . "$D_TMP/history.json")"
newest=$(jq '.runs[0].id' "$D_TMP/history.json")
ctl history >"$D_TMP/history.txt"
[ "$(sed -n 2p "$D_TMP/history.txt" | awk '{ print $1 }')" = "$newest" ] &&
    [ "$(tail -n 1 "$D_TMP/history.txt")" = "2 runs" ] ||
    dfail "history: $(cat "$D_TMP/history.txt")"
ctl --json history --jobs | jq -e '(.jobs | length) == 5 and (.runs == null)' \
    >/dev/null || dfail "history --jobs: $(ctl --json history --jobs | jq -c '.jobs | length')"
ctl --json history --failed | jq -e '(.runs | length) == 0' >/dev/null ||
    dfail "history --failed listed a run without failures"
echo "PASS: control socket and databackupctl"
