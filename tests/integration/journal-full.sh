#!/bin/bash
# journal-full.sh: journal writes that fail (the file cannot grow) stop new
# dispatches and raise an alert while the exports in flight go on; once
# writes work again the pending writes are made, dispatching resumes and
# the run completes with every database exported exactly once.
#
# The failure is injected without privileges: the master's RLIMIT_FSIZE is
# lowered to 1 KiB with prlimit(1), so every write to the journal (WAL
# frames, checkpoints) fails with EFBIG as on a full file system, then
# raised again.  The daemon's log goes through a pipe, which the limit
# does not touch.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

. "$top_srcdir/tests/integration/recovery-lib.sh"

command -v prlimit >/dev/null 2>&1 || { echo "SKIP: prlimit missing"; exit 77; }

emu_start --time-scale 50
MAX_IN_FLIGHT=2 WORKERS=2 rec_config
GCE_METADATA_HOST="127.0.0.1:$PORT" "$DAEMON_BIN" -c "$D_TMP/databackup.conf" \
    -d > >(cat >>"$D_TMP/daemon.log") 2>&1 &
D_PID=$!
wait_for "daemon answers" 20 eval 'ctl status >/dev/null 2>&1'

journal_ok() {
	rec_json status | jq -e ".journal.ok == $1" >/dev/null 2>&1
}
succeeded() {
	rec_json status | jq '.run.succeeded // 0'
}
exports() {
	stats | jq '[.operations[] | select(.type == "EXPORT")] | length'
}
exports_running() {
	stats | jq -e 'any(.operations[]; .type == "EXPORT" and
	    .status != "DONE")' >/dev/null
}

run=$(rec_json trigger | jq '.run.id')
wait_for "two exports done" 60 eval '[ "$(succeeded)" -ge 2 ]'

# The disk is "full".
prlimit --pid "$D_PID" --fsize=1024: || dfail "prlimit failed"
wait_for "a journal write to fail" 60 eval 'journal_ok false'
ctl check >"$D_TMP/check.out"
rc=$?
[ "$rc" = 2 ] || dfail "check exit $rc, want 2: $(cat "$D_TMP/check.out")"
grep -q "CRITICAL: journal writes fail" "$D_TMP/check.out" ||
    dfail "no alert: $(cat "$D_TMP/check.out")"
grep -q "journal: write failed" "$D_TMP/daemon.log" || dfail "no log line"

# What was in flight finishes at Google; nothing new starts.
wait_for "exports in flight to end" 60 eval '! exports_running'
before=$(exports)
queued=$(rec_json status | jq '.run.queued')
[ "$queued" -gt 0 ] || dfail "nothing left queued; the test proves nothing"
# An observation window longer than one retry period (5 s) of the journal.
sleep 7
[ "$(exports)" = "$before" ] || dfail "exports started while the journal fails"
journal_ok false || dfail "journal reported ok while writes still fail"
echo "dispatch stopped: $before exports, $queued queued"

# Room again.
prlimit --pid "$D_PID" --fsize=unlimited: || dfail "prlimit failed"
wait_for "writes to work again" 30 eval 'journal_ok true'
grep -q "journal: writes work again" "$D_TMP/daemon.log" || dfail "no log line"
rec_wait_finished "$run" 120
rec_json status | jq -e --argjson n "$REC_N" '.last_run.outcome ==
    "succeeded" and .last_run.succeeded == $n' >/dev/null ||
    dfail "run: $(rec_json status | jq -c .last_run)"
rec_check_exports 1
n=$(rec_sql "SELECT count(*) FROM jobs j WHERE run_id = $run AND
    state = 'succeeded' AND (SELECT count(*) FROM attempts a WHERE
    a.job_id = j.id AND a.outcome = 'succeeded') = 1")
[ "$n" = "$REC_N" ] || dfail "journal: $n jobs with one success, want $REC_N"
[ "$(rec_sql "SELECT ended_ms > 0 FROM runs WHERE id = $run")" = 1 ] ||
    dfail "run not ended in the journal"
daemon_stop || dfail "databackupd exit status $?"
grep -E "journal:|not journaled" "$D_TMP/daemon.log"
echo "PASS"
