#!/bin/bash
# recovery-forgotten.sh: a master restarted after Google has forgotten the
# operations of its jobs (here: the emulator restarted, same bucket) looks
# for each job's object: present, the job succeeds without a new export;
# absent, the job is retried with a new export.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

REC_BIG_MB=5000		# beta-big/g1: 10 s at time scale 10
. "$top_srcdir/tests/integration/recovery-lib.sh"

emu_start --time-scale 10
# Slow polls: the kill comes while both jobs wait on their operations.
curl -s -X POST -d '[{"endpoint": "sql.operations.get", "kind": "latency",
    "ms": 1500}]' "$URL/_emulator/faults" >/dev/null
rec_config
daemon_start

job_state() {
	rec_json jobs | jq -r --arg d "$1" '.jobs[] | select(.database == $d)
	    | .state'
}
op_status() {
	stats | jq -r --arg d "$1" '.operations[] | select(.database == $d)
	    | .status'
}

run=$(rec_json trigger rec-alpha/alpha-small/s1 rec-beta/beta-big/g1 |
    jq '.run.id')
wait_for "both operations journaled" 30 eval '[ "$(job_state s1)" = exporting ] &&
    [ "$(job_state g1)" = exporting ]'
rec_kill
echo "master killed with s1 and g1 exporting"
wait_for "s1's export to finish at Google" 30 eval '[ "$(op_status s1)" = DONE ]'
[ "$(op_status g1)" != DONE ] || dfail "g1 finished too; the test proves nothing"

# Google forgets: a new emulator on the same port and bucket directory.
emu_stop
emu_start --time-scale 10 --listen "127.0.0.1:$PORT"
[ "$(stats | jq '.operations | length')" = 0 ] || dfail "emulator remembers"
daemon_start
rec_wait_finished "$run" 120

j=$(rec_json jobs "$run")
echo "$j" | jq -e '.run.outcome == "succeeded" and .run.total == 2' \
    >/dev/null || dfail "run: $(echo "$j" | jq -c .run)"
# s1: found by its object, not exported again; one attempt.
[ "$(stats | jq '.exports_started["rec-alpha/alpha-small/s1"] // 0')" = 0 ] ||
    dfail "s1 exported again"
echo "$j" | jq -e '.jobs[] | select(.database == "s1") | .attempts == 1' \
    >/dev/null || dfail "s1: $(echo "$j" | jq -c '.jobs[]')"
# g1: no object, so exported again, as a second attempt.
[ "$(stats | jq '.exports_started["rec-beta/beta-big/g1"] // 0')" = 1 ] ||
    dfail "g1 not exported again: $(stats | jq -c .exports_started)"
echo "$j" | jq -e '.jobs[] | select(.database == "g1") | .attempts == 2' \
    >/dev/null || dfail "g1: $(echo "$j" | jq -c '.jobs[]')"
grep -q "unknown to Google but gs://rec-bucket/rec-beta/beta-big/g1" \
    "$D_TMP/daemon.log" || dfail "no log of g1's missing object"
! grep -n "unexpected" "$D_TMP/daemon.log" || dfail "unexpected transitions"
daemon_stop || dfail "databackupd exit status $?"
echo "PASS"
