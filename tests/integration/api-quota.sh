#!/bin/sh
# api-quota.sh: the pacer keeps the daemon (master and every worker
# together) under the Cloud SQL Admin budget.  The emulator counts calls
# per emulated minute; at --time-scale X the daemon's budget is Q*X a real
# minute.  Paced, no minute of the run goes over Q and no call is refused;
# the same run without the budget goes over it (the control that shows
# the first half could fail).
. "$(dirname "$0")/api-lib.sh"

Q=30
X=10
emu_start --time-scale $X --quota-per-minute $Q
# No busy windows here (they would only make the run longer).
DISC_EXTRA="exclude = library-catalogue/library-pg/broken_db
exclude = medicine-research/clinical-pg" WORKERS=8 MAX_IN_FLIGHT=8 daemon_config
gcpconf "sqladmin_rpm = $((Q * X))"
expected_targets | grep -v -e broken_db -e clinical-pg >"$EMU_TMP/want"
daemon_start
ctl trigger --wait >/dev/null || dfail "paced run"
all_succeeded "$EMU_TMP/want"
stats >"$EMU_TMP/paced.json"
max=$(jq .quota_max_in_window "$EMU_TMP/paced.json")
rej=$(jq .quota_rejected "$EMU_TMP/paced.json")
sql=$(jq '[.requests_by_endpoint | to_entries[] | select(.key |
    startswith("sql.")) | .value] | add' "$EMU_TMP/paced.json")
[ "$rej" -eq 0 ] || dfail "paced: $rej calls refused"
[ "$max" -le $Q ] || dfail "paced: $max calls in one emulated minute, budget $Q"
# The run needed several windows: the budget was really in play.
[ "$sql" -gt $((3 * Q / 2)) ] || dfail "paced: only $sql calls"
daemon_stop

# Control: no budget (the largest rate allowed), same run, fresh emulator.
emu_stop
emu_start --time-scale $X --quota-per-minute $Q
DISC_EXTRA="exclude = library-catalogue/library-pg/broken_db
exclude = medicine-research/clinical-pg" WORKERS=8 MAX_IN_FLIGHT=8 daemon_config
gcpconf "sqladmin_rpm = 100000"
rm -f "$D_TMP/journal.db"*
daemon_start
ctl trigger --wait >/dev/null || dfail "unpaced run"
umax=$(stats | jq .quota_max_in_window)
[ "$umax" -gt $Q ] || dfail "unpaced run stayed under the budget ($umax)"
daemon_stop
echo "api-quota: ok (paced: $sql Cloud SQL calls, at most $max of $Q a" \
    "minute, none refused; unpaced: $umax in one minute)"
