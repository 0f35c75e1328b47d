#!/bin/sh
# A hold the run never ran into is learnt all the same: before the run
# ends, each instance it exported and never saw held has its operations
# read, and the longest that ended during the run (not our own export)
# goes to the journal as if waited on.  Here finance-pg is put under
# maintenance once its exports are done, while clinical-pg's backup
# keeps the run going; the second night does not read finance-pg again.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# clinical-pg under a 40-minute backup from the emulator's start (40 s
# real at time scale 60): the run lasts that long.  Google stamps real
# times, so finance-pg's 3 emulated minutes are logged as 3 s.
jq '(.. | objects | select(.name? == "clinical-pg") | .busy) =
    [{"at": "0s", "for": "40m", "type": "BACKUP_VOLUME"}]' \
    "$top_srcdir/etc/demo-fleet.json" >"$EMU_TMP/fleet.json"
EMU_FLEET="$EMU_TMP/fleet.json"

# finance-pg's four databases (postgres and three of its own).
finance_done() {
	[ "$(stats | jq '[.operations[] | select(.instance == "finance-pg"
	    and .type == "EXPORT" and .status == "DONE")] | length')" -ge 4 ]
}
run_ended() { grep -q 'databases exported' "$D_TMP/daemon.log"; }

emu_start --time-scale 60
daemon_config
daemon_start
ctl trigger 'medicine-research/clinical-pg' 'finance-prod/finance-pg' \
    >"$D_TMP/trigger.out" 2>&1 || dfail "trigger: $(cat "$D_TMP/trigger.out")"
wait_for "finance-pg's four exports" 60 finance_done
run_ended && dfail "the run ended before clinical-pg's backup did"
curl -s -X POST "$URL/_emulator/busy" -d '{"project": "finance-prod",
    "instance": "finance-pg", "for": "3m"}' >/dev/null
wait_for "the run's end" 120 run_ended
log="$D_TMP/daemon.log"
grep -q 'finance-prod/finance-pg: a MAINTENANCE operation held it 3s during the run' "$log" ||
    dfail "night 1: finance-pg's maintenance not learnt: $(grep -E 'survey|held' "$log")"
grep -q 'reading what held 1 instance during the run' "$log" ||
    dfail "night 1: not one instance read (clinical-pg was seen held): $(grep 'reading what' "$log")"
grep -q '1 instance surveyed, 1 held during the run, 0 not read' "$log" ||
    dfail "night 1: survey summary: $(grep 'surveyed' "$log")"
lists=$(stats | jq '.requests_by_endpoint["sql.operations.list"] // 0')
daemon_stop || dfail "night 1: daemon exit $?"
emu_stop
: >"$D_TMP/daemon.log"

# Night 2: finance-pg's hold is known; it is not read again.
emu_start --time-scale 60
daemon_config
daemon_start
ctl trigger --wait 'finance-prod/finance-pg' >"$D_TMP/trigger.out" 2>&1 ||
    dfail "night 2: trigger --wait: $(cat "$D_TMP/trigger.out")"
grep -q 'reading what held' "$D_TMP/daemon.log" &&
    dfail "night 2: read again: $(grep 'reading what' "$D_TMP/daemon.log")"
daemon_stop || dfail "night 2: daemon exit $?"
emu_stop
echo "PASS: a maintenance the run never ran into was learnt at its end ($lists operations.list calls); not read again the next night"
