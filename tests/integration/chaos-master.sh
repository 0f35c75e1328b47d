#!/bin/bash
# chaos-master.sh: the master SIGKILLed again and again within ONE run of
# a generated fleet, started again each time on the same journal, and
# still every database is exported exactly once according to the
# emulator, none is lost, the run ends succeeded and the journal has one
# successful attempt per job.  (recovery-kill.sh kills once or twice per
# run over many runs; this is many kills in one.)
#
# Kill k is due once (k-1)/CHAOS_KILLS of 75% of the targets have
# succeeded, so the first lands in discovery or the first dispatches.
# Each kill moves the run on by more than its share (the operations in
# flight end while the master is down), so the points stop short of the
# end, and the run is slowed (8 workers, time 50 times faster) so that
# the last kills still find jobs to dispatch.
# A seeded LCG picks where, from then on: at once, after the next J
# dispatches, while a job is verifying its object, or after a delay of
# up to a second.  Like systemd, the test waits for the workers of the
# killed master to go before it starts the next one.
#
# Knobs: CHAOS_KILLS (default 15), CHAOS_DBS (default 200), CHAOS_SEED
# (default 1), CHAOS_FLEET_SEED (default 7), CHAOS_SCALE (default 50),
# WORKERS (default 8).  The full size is CHAOS_KILLS=100 CHAOS_DBS=2000.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

CHAOS_SCALE=${CHAOS_SCALE:-50}
WORKERS=${WORKERS:-8}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-$WORKERS}
. "$top_srcdir/tests/integration/chaos-lib.sh"

KILLS=${CHAOS_KILLS:-15}
DBS=${CHAOS_DBS:-200}
GUARD=${CHAOS_GUARD:-$(( 300 + KILLS * 10 ))}

chaos_fleet "$DBS"
emu_start --time-scale "$CHAOS_SCALE" --seed "$CHAOS_FLEET_SEED"
chaos_slow_steps
chaos_config
daemon_start
t0=$(date +%s)
chaos_deadline=$(( t0 + GUARD ))
run=$(chaos_json trigger | jq '.run.id')
[ -n "$run" ] && [ "$run" != null ] || dfail "trigger gave no run"
echo "seed $CHAOS_SEED: run $run, $CHAOS_N targets, $KILLS master kills"

dispatches() {
	grep -c "dispatched to worker" "$D_TMP/daemon.log"
}

# master_kill: SIGKILL the master only; wait for its workers to see EOF
# and go, so that what they were sending has reached the emulator.
master_kill() {
	_workers=$(pgrep -P "$D_PID" | tr '\n' ' ')
	kill -KILL "$D_PID"
	wait "$D_PID" 2>/dev/null
	D_PID=
	_dl=$(( $(date +%s) + 30 ))
	for _w in $_workers; do
		while running "$_w"; do
			[ "$(date +%s)" -lt "$_dl" ] ||
			    dfail "worker $_w outlived its master by 30s"
			sleep 0.05
		done
	done
}

# succeeded: the run's successes so far ("" once it has ended).
succeeded() {
	chaos_json status | jq -r --argjson r "$run" \
	    'if .run.id == $r then .run.succeeded else "" end'
}

guard() {
	kill -0 "$D_PID" 2>/dev/null || dfail "databackupd died"
	[ "$(date +%s)" -lt "$chaos_deadline" ] ||
	    dfail "run $run not finished after ${GUARD}s, $kills kills"
}

kills=0 late=0
names=(at-once dispatches verifying delay)
declare -A kinds
while [ "$kills" -lt "$KILLS" ]; do
	# Wait for the kill's progress point.
	while :; do
		n=$(succeeded)
		[ -n "$n" ] || break
		[ $(( n * KILLS * 4 )) -ge $(( kills * CHAOS_N * 3 )) ] && break
		guard
		sleep 0.05
	done
	[ -n "$n" ] || { late=1; break; }
	rand 4; kind=${names[$REPLY]}
	case $kind in
	dispatches)
		# No more than a quarter of what is left to do.
		rand 8; j=$(( REPLY + 1 )) left=$(( (CHAOS_N - n) / 4 ))
		[ "$j" -le "$left" ] || j=$(( left > 0 ? left : 1 ))
		want=$(( $(dispatches) + j ))
		until [ "$(dispatches)" -ge "$want" ]; do
			chaos_finished "$run" && break
			guard
			sleep 0.02
		done ;;
	verifying)
		until chaos_json status | jq -e 'any(.workers[];
		    .job_state == "verifying")' >/dev/null 2>&1; do
			chaos_finished "$run" && break
			guard
			sleep 0.02
		done ;;
	delay)
		rand 1000; sleep "$(printf '0.%03d' "$REPLY")" ;;
	esac
	chaos_finished "$run" && { late=1; break; }
	echo "kill $(( kills + 1 )): $kind, $(succeeded) of $CHAOS_N succeeded"
	master_kill
	kills=$(( kills + 1 ))
	kinds[$kind]=$(( ${kinds[$kind]:-0} + 1 ))
	daemon_start
	# The run goes on after the start: it is resumed, not forgotten.
	chaos_json status | jq -e --argjson r "$run" '.run.id == $r or
	    (.run == null and .last_run.id == $r)' >/dev/null ||
	    dfail "run $run not resumed: $(ctl status)"
done
[ "$late" = 0 ] || fail "run ended after $kills of $KILLS kills"
until chaos_finished "$run"; do
	guard
	sleep 0.1
done
t1=$(date +%s)

chaos_judge "$run"
daemon_stop || dfail "databackupd exit status $?"
! grep -n "unexpected" "$D_TMP/daemon.log" || dfail "unexpected transitions"
resumed=$(grep -c "resumes: " "$D_TMP/daemon.log")
ops=$(grep -c "resumes operation" "$D_TMP/daemon.log")
adopted=$(grep -c "adopted operation" "$D_TMP/daemon.log")
[ "$resumed" -gt 0 ] || fail "the run was never resumed"
how=
for k in "${!kinds[@]}"; do how="$how $k ${kinds[$k]},"; done
echo "kill points:${how%,}; run resumed $resumed times, $ops operations" \
    "resumed, $adopted adopted"
echo "PASS: seed $CHAOS_SEED: $kills master kills, $CHAOS_N dbs," \
    "$EXPORTS exports counted, duplicates $DUPS, lost $LOST," \
    "elapsed $(( t1 - t0 ))s"
