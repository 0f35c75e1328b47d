#!/bin/sh
# trigger-nothing.sh: a trigger whose patterns select nothing to export
# starts no run (issue 13, case 3).  The answer is an error naming, for
# each pattern, why: no such project, excluded by a rule, the Cloud SQL
# Admin API disabled, a replica, a project being deleted; databackupctl
# exits 1, no run is journaled and check does not turn green on it.  A
# pattern that selects something starts a run; one during a run joins
# it, and --wait follows that run to its end.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# Real speed: the 400 MB experiments export runs for a while.
emu_start --time-scale 1
daemon_config
daemon_start

# refused PATTERN... : trigger --wait fails, no run; the reasons in $D_TMP/err
refused() {
	ctl trigger "$@" --wait >"$D_TMP/out" 2>"$D_TMP/err" &&
	    dfail "trigger $* succeeded: $(cat "$D_TMP/out")"
	[ $? = 1 ] || dfail "trigger $*: exit status, want 1"
	grep -q '^databackupctl: nothing to export: no run started$' \
	    "$D_TMP/err" || dfail "trigger $*: $(cat "$D_TMP/err")"
}
want() {
	grep -F -x -q "$1" "$D_TMP/err" || dfail "no line '$1' in: $(cat "$D_TMP/err")"
}

refused nosuch-project
want "'nosuch-project': no such project, instance or database"
refused chemistry-devel/chem-pg nosuch/db
want "'chemistry-devel/chem-pg': chemistry-devel excluded by rule '*-devel'"
want "'nosuch/db': no such project, instance or database"
refused law-archive
want "'law-archive': law-archive skipped: Cloud SQL Admin API disabled"
refused physics-lab/physics-mysql-replica
grep -q "^'physics-lab/physics-mysql-replica': physics-lab/physics-mysql-replica skipped: .*replica" \
    "$D_TMP/err" || dfail "replica: $(cat "$D_TMP/err")"
refused alumni-old
want "'alumni-old': alumni-old skipped: project state DELETE_REQUESTED"
# Without --wait, the same answer.
ctl trigger 'nosuch-*' >"$D_TMP/out" 2>"$D_TMP/err" && dfail "no --wait: succeeded"
want "'nosuch-*': no such project, instance or database"

ctl --json status >"$D_TMP/status.json" || dfail "status"
jq -e '.run == null and .last_run == null' "$D_TMP/status.json" >/dev/null ||
    dfail "a run was started: $(jq -c '{run, last_run}' "$D_TMP/status.json")"
ctl --json history >"$D_TMP/history.json" || dfail "history"
jq -e '.runs | length == 0' "$D_TMP/history.json" >/dev/null ||
    dfail "runs journaled: $(jq -c .runs "$D_TMP/history.json")"
grep -q 'trigger starts no run: nothing to export' "$D_TMP/daemon.log" ||
    dfail "refusal not logged"
ctl check >"$D_TMP/check.out"
grep -q 'succeeded' "$D_TMP/check.out" &&
    dfail "check reads a refused trigger as a run: $(cat "$D_TMP/check.out")"

# One pattern that selects something: the run starts, and the other
# pattern's reason is in the log.
ctl trigger --wait physics-lab/physics-mysql/wiki nosuch-project \
    >"$D_TMP/out" 2>&1 || dfail "trigger wiki: $(cat "$D_TMP/out")"
grep -q '^run 1 finished: succeeded; 1/1 succeeded, 0 failed' "$D_TMP/out" ||
    dfail "run 1: $(cat "$D_TMP/out")"

# During a run: a trigger that selects nothing is refused and leaves the
# run alone; one that selects something joins it (PostgreSQL's own
# "postgres" database too), and --wait follows its databases to their end.
ctl trigger physics-lab >"$D_TMP/out" 2>&1 || dfail "trigger physics: $(cat "$D_TMP/out")"
grep -q '^run 2 started' "$D_TMP/out" || dfail "run 2: $(cat "$D_TMP/out")"
ctl trigger hr-devel >"$D_TMP/out" 2>"$D_TMP/err"; rc=$?
[ "$rc" = 1 ] || dfail "refused during a run: exit $rc"
grep -q '^databackupctl: nothing to export: no database added to run 2$' \
    "$D_TMP/err" || dfail "refused during a run: $(cat "$D_TMP/err")"
want "'hr-devel': hr-devel excluded by rule '*-devel'"
ctl trigger finance-prod/finance-pg >"$D_TMP/out" 2>&1 ||
    dfail "join: $(cat "$D_TMP/out")"
grep -q '^joined run 2 in progress: added 4 databases$' "$D_TMP/out" ||
    dfail "join: $(cat "$D_TMP/out")"
# --wait with patterns ends when the databases they select are done.
ctl trigger --wait finance-prod >"$D_TMP/out" 2>&1 ||
    dfail "join --wait: $(cat "$D_TMP/out")"
# (If they are the run's last, the run's own summary comes with them.)
grep -E -q '^(run 2: )?4 of 4 selected databases exported, 0 failed(; the run goes on)?$' \
    "$D_TMP/out" || dfail "joined --wait: $(cat "$D_TMP/out")"
ctl --json jobs 2 | jq -e '[.jobs[] | select(.project == "finance-prod") |
    .state] == ["succeeded", "succeeded", "succeeded", "succeeded"]' \
    >/dev/null || dfail "finance-prod not done: $(ctl --json jobs 2 | jq -c .jobs)"
run_over() { ctl --json status | jq -e '.run == null' >/dev/null; }
wait_for "run 2 to end" 120 run_over
ctl --json status | jq -e '.last_run.id == 2 and .last_run.total == 7 and
    .last_run.succeeded == 7' >/dev/null ||
    dfail "run 2: $(ctl --json status | jq -c .last_run)"
echo "PASS: triggers that select nothing are refused with their reasons"
