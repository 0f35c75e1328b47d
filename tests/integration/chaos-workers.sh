#!/bin/bash
# chaos-workers.sh: random workers SIGKILLed again and again through one
# run of a generated fleet, and still every database is exported exactly
# once according to the emulator, none is lost, the run ends succeeded
# and the journal has one successful attempt per job.
#
# The kills are spread over the run by its progress: kill k is due once
# k/CHAOS_KILLS of 90% of the targets have succeeded; kills that fell due
# while the loop looked (a busy machine slows it) are made together, on
# distinct workers.  Each victim is picked by a seeded LCG among the live
# workers that hold a job (dispatched, exporting or verifying), or among
# the idle ones when none does.  The master's crash-loop limiter (a few
# restarts a minute, then a pause) paces the kills, so the run is as long
# as the kills need.
#
# Knobs: CHAOS_KILLS (default 100), CHAOS_DBS (default 300 databases;
# 2000 is the emulator's campus preset), CHAOS_SEED (default 1, the
# choices), CHAOS_FLEET_SEED (default 7), CHAOS_SCALE (emulator time
# scale, default 100), WORKERS (default 16).  The full size is
# CHAOS_KILLS=1000 CHAOS_DBS=2000.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

. "$top_srcdir/tests/integration/chaos-lib.sh"

KILLS=${CHAOS_KILLS:-100}
DBS=${CHAOS_DBS:-300}
# A hang guard only: generous for the full size.
GUARD=${CHAOS_GUARD:-$(( 300 + KILLS * 3 ))}

chaos_fleet "$DBS"
emu_start --time-scale "$CHAOS_SCALE" --seed "$CHAOS_FLEET_SEED"
chaos_slow_steps
chaos_config
daemon_start
t0=$(date +%s)
run=$(chaos_json trigger | jq '.run.id')
[ -n "$run" ] && [ "$run" != null ] || dfail "trigger gave no run"
echo "seed $CHAOS_SEED: run $run, $CHAOS_N targets, $KILLS worker kills"

kills=0 idle_kills=0
declare -A kinds
chaos_deadline=$(( t0 + GUARD ))
while :; do
	st=$(chaos_json status)
	echo "$st" | jq -e --argjson r "$run" \
	    '.run == null and .last_run.id == $r' >/dev/null 2>&1 && break
	kill -0 "$D_PID" 2>/dev/null || dfail "databackupd died"
	[ "$(date +%s)" -lt "$chaos_deadline" ] ||
	    dfail "run $run not finished after ${GUARD}s, $kills kills"
	done_n=$(echo "$st" | jq '.run.succeeded // 0')
	due=$(( done_n * KILLS * 10 / (CHAOS_N * 9) ))
	[ "$due" -le "$KILLS" ] || due=$KILLS
	if [ "$kills" -lt "$due" ]; then
		# Live workers as "pid state" lines, by slot.
		busy=$(echo "$st" | jq -r '.workers[] | select(.pid > 0 and
		    .job != null) | "\(.pid) \(.job_state)"')
		pool=$busy
		[ -n "$pool" ] || pool=$(echo "$st" | jq -r '.workers[] |
		    select(.pid > 0) | "\(.pid) idle"')
		[ -n "$pool" ] && mapfile -t cand <<<"$pool" || cand=()
		children=$(pgrep -P "$D_PID")
		while [ "$kills" -lt "$due" ] && [ "${#cand[@]}" -gt 0 ]; do
			rand "${#cand[@]}"
			set -- ${cand[$REPLY]}
			cand=("${cand[@]:0:$REPLY}" "${cand[@]:$((REPLY + 1))}")
			# Only a child of our own master.
			if grep -qx "$1" <<<"$children"; then
				kill -KILL "$1"
				kills=$(( kills + 1 ))
				kinds[$2]=$(( ${kinds[$2]:-0} + 1 ))
			fi
		done
	fi
	sleep 0.05
done
t1=$(date +%s)
[ "$kills" = "$KILLS" ] || fail "run ended after $kills of $KILLS kills"

chaos_judge "$run"
deaths=$(grep -c "lost child: worker" "$D_TMP/daemon.log")
resumed=$(grep -c "resuming operation" "$D_TMP/daemon.log")
backoffs=$(grep -c "workers die too often" "$D_TMP/daemon.log")
[ "$deaths" -ge "$KILLS" ] || fail "$deaths worker deaths logged"
daemon_stop || dfail "databackupd exit status $?"
how=
for k in "${!kinds[@]}"; do how="$how $k ${kinds[$k]},"; done
echo "kills by the victim's job state:${how%,}; $resumed jobs resumed on" \
    "their operation; $backoffs crash-loop pauses"
echo "PASS: seed $CHAOS_SEED: $kills worker kills, $CHAOS_N dbs," \
    "$EXPORTS exports counted, duplicates $DUPS, lost $LOST," \
    "elapsed $(( t1 - t0 ))s"
