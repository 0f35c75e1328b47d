#!/bin/bash
# recovery-kill.sh: SIGKILL the master at a randomly chosen point of a run,
# start it again on the same journal, and check that nothing was lost and
# nothing done twice: every database exported exactly once per run
# according to the emulator, the run completes and succeeds, each job has
# one successful attempt in the journal, history keeps every run.
#
# Kill points: after the K-th dispatch, after the K-th export operation
# started at the emulator, while a job is verifying its object, and
# between runs (after the run ended).  Some iterations kill the restarted
# master a second time.  RECOVERY_SEED (default 1) seeds the choices, so a
# failure reproduces with the same seed; RECOVERY_ITERATIONS (default 20)
# runs are made, one after the other, on one emulator and one journal.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

. "$top_srcdir/tests/integration/recovery-lib.sh"

SEED=${RECOVERY_SEED:-1}
kills=0
ITERATIONS=${RECOVERY_ITERATIONS:-20}
rng=$SEED

# rand N: a number in 0..N-1 from a fixed LCG, the same on every bash.
rand() {
	rng=$(( (rng * 1103515245 + 12345) % 2147483648 ))
	REPLY=$(( (rng / 65536) % $1 ))
}

emu_start --time-scale 50 --seed "$SEED"
# Starting an export and verifying take a while, so that a kill can land
# between a dispatch and its journaled operation (the next master adopts
# the export), and in a verification.
curl -s -X POST -d '[{"endpoint": "storage.objects.get", "kind": "latency",
    "ms": 300}, {"endpoint": "sql.export", "kind": "latency", "ms": 300}]' \
    "$URL/_emulator/faults" >/dev/null
rec_config
daemon_start

log_count() {
	grep -c "$1" "$D_TMP/daemon.log"
}
op_count() {
	stats | jq '[.operations[] | select(.type == "EXPORT")] | length'
}
verifying() {
	rec_json jobs | jq -e 'any(.jobs[]; .state == "verifying")' \
	    >/dev/null 2>&1
}

# kill_at KIND RUN: wait for the kill point (or the run's end), then kill.
kill_at() {
	kind=$1 run=$2
	rand "$REC_N"; k=$(( REPLY + 1 ))
	case $kind in
	dispatch)	base=$(log_count "dispatched to worker") ;;
	opstart)	base=$(op_count) ;;
	esac
	deadline=$(( $(date +%s) + 60 ))
	while :; do
		case $kind in
		dispatch)
			[ "$(log_count "dispatched to worker")" -ge \
			    $(( base + k )) ] && break ;;
		opstart)
			[ "$(op_count)" -ge $(( base + k )) ] && break ;;
		verify)
			verifying && break ;;
		esac
		rec_finished "$run" && break
		[ "$(date +%s)" -lt "$deadline" ] || dfail "no kill point $kind"
		sleep 0.02
	done
	if rec_finished "$run"; then
		where="after the run ended"
	else
		where="$kind${k:+ k=$k}"
	fi
	[ "$kind" = verify ] && where=${where% k=*}
	rec_kill
	kills=$(( kills + 1 ))
	echo "  killed: $where"
	daemon_start
}

kinds=(dispatch opstart verify between)
for i in $(seq 1 "$ITERATIONS"); do
	rand 4; kind=${kinds[$REPLY]}
	run=$(rec_json trigger | jq '.run.id')
	[ -n "$run" ] && [ "$run" != null ] || dfail "trigger gave no run"
	echo "iteration $i (seed $SEED): run $run, kill point $kind"
	if [ "$kind" = between ]; then
		rec_wait_finished "$run" 120
		rec_kill
		kills=$(( kills + 1 ))
		echo "  killed: between runs"
		daemon_start
		rec_json status | jq -e '.run == null' >/dev/null ||
		    dfail "a finished run was resumed: $(ctl status)"
	else
		kill_at "$kind" "$run"
		rand 3
		if [ "$REPLY" = 0 ]; then
			rand 3; kill_at "${kinds[$REPLY]}" "$run"
		fi
	fi
	rec_wait_finished "$run" 120

	st=$(rec_json status)
	echo "$st" | jq -e --argjson n "$REC_N" '.last_run.outcome ==
	    "succeeded" and .last_run.total == $n and .last_run.succeeded ==
	    $n' >/dev/null || dfail "run $run: $(echo "$st" | jq -c .last_run)"
	rec_check_exports "$i"
	# The journal: one successful attempt per job, every run kept.
	n=$(rec_sql "SELECT count(*) FROM jobs j WHERE run_id = $run AND
	    state = 'succeeded' AND (SELECT count(*) FROM attempts a WHERE
	    a.job_id = j.id AND a.outcome = 'succeeded') = 1")
	[ "$n" = "$REC_N" ] || dfail "run $run: $n jobs with one success"
	n=$(rec_sql "SELECT count(*) FROM runs WHERE outcome = 'succeeded'
	    AND succeeded = $REC_N")
	[ "$n" = "$i" ] || dfail "journal has $n succeeded runs, want $i"
	n=$(rec_json history --jobs --days 1 | jq '.jobs | length')
	[ "$n" = $(( i * REC_N )) ] || dfail "history: $n jobs"
done
# And the daemon stops cleanly after all that.
daemon_stop || dfail "databackupd exit status $?"
! grep -n "unexpected" "$D_TMP/daemon.log" || dfail "unexpected transitions"
resumed=$(grep -c "resumes: " "$D_TMP/daemon.log")
ops=$(grep -c "resumes operation" "$D_TMP/daemon.log")
adopted=$(grep -c "adopted operation" "$D_TMP/daemon.log")
echo "PASS: $ITERATIONS iterations, seed $SEED: $kills kills, $resumed runs" \
    "resumed, $ops operations resumed, $adopted adopted"
[ "$resumed" -gt 0 ] || dfail "no run was ever resumed"
