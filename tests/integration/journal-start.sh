#!/bin/bash
# journal-start.sh: what the daemon does with its journal at start.
#  - A file that is not SQLite, or a corrupt journal, is a clear error and
#    is left exactly as it was: never a silent start from nothing.
#  - catch_up: started after the day's daily_at with no run for the day, it
#    starts one; started again with the day's run done, it does not.
#  - Runs older than [state] retention are pruned (in batches, here more
#    than one), newer ones kept.
#  - coverage lists the databases the last full run found, each with its
#    verified export; those it no longer found are forgotten (gone, not
#    stale); history reads earlier runs from the journal.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

. "$top_srcdir/tests/integration/recovery-lib.sh"

# daily_at 00:00 has passed at any time of day but its first minute.
[ "$(date +%H%M)" != 0000 ] || { echo "SKIP: too close to midnight"; exit 77; }

emu_start --time-scale 50
J="$D_TMP/journal.db"

# expect_refused WHAT PATTERN: the daemon exits non-zero naming the problem
# and the file is unchanged.
expect_refused() {
	cp "$J" "$D_TMP/before"
	GCE_METADATA_HOST="127.0.0.1:$PORT" timeout 20 "$DAEMON_BIN" \
	    -c "$D_TMP/databackup.conf" >"$D_TMP/refused.out" 2>&1
	rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] ||
	    dfail "$1: exit status $rc: $(cat "$D_TMP/refused.out")"
	grep -q "$2" "$D_TMP/refused.out" ||
	    dfail "$1: no \"$2\": $(cat "$D_TMP/refused.out")"
	cmp -s "$J" "$D_TMP/before" || dfail "$1: the file was changed"
	echo "refused $1: $(grep "$2" "$D_TMP/refused.out" | head -1)"
}

rec_config
head -c 20000 /dev/urandom >"$J"
expect_refused "a file that is not SQLite" "is not an SQLite database"

# A real journal, then a damaged page in it.
rm -f "$J"
daemon_start
run=$(rec_json trigger | jq '.run.id')
rec_wait_finished "$run" 120
daemon_stop || dfail "stop"
cp "$J" "$D_TMP/good.db"
pages=$(( $(stat -c %s "$J") / 4096 ))
[ "$pages" -ge 3 ] || dfail "journal of $pages pages"
# Overwrite the b-tree page headers of every page but the first.
for p in $(seq 1 $(( pages - 1 ))); do
	printf 'damaged!' | dd of="$J" bs=1 seek=$(( 4096 * p )) \
	    conv=notrunc 2>/dev/null
done
expect_refused "a corrupt journal" "is corrupt"

# Old history: a run 500 days ago with 1200 jobs (prunable, in several
# batches), one 10 days ago (kept) whose databases no run found since.
cp "$D_TMP/good.db" "$J"
now=$(( $(date +%s) * 1000 ))
old=$(( now - 500 * 86400000 ))
mid=$(( now - 10 * 86400000 ))
sqlite3 "$J" <<SQL || dfail "sqlite3"
INSERT INTO runs (id, "trigger", day, started_ms, ended_ms, outcome, total,
    succeeded) VALUES (1000, 'schedule', '2000-01-01', $old, $old + 1, 'succeeded',
    1200, 1200);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
INSERT INTO jobs (run_id, project, instance, "database", state, attempts,
    started_ms, ended_ms) SELECT 1000, 'old-project', 'old-inst', 'db' || i,
    'succeeded', 1, $old, $old + 1 FROM n;
INSERT INTO attempts (job_id, attempt, outcome, status)
    SELECT id, 1, 'succeeded', 'ok' FROM jobs WHERE run_id = 1000;
INSERT INTO runs (id, "trigger", day, started_ms, ended_ms, outcome, total,
    succeeded, failed) VALUES (1001, 'schedule', '2000-01-02', $mid, $mid + 1,
    'failed', 2, 1, 1);
INSERT INTO jobs (run_id, project, instance, "database", state, attempts,
    failures, started_ms, ended_ms, last_status, last_error) VALUES
    (1001, 'gone-project', 'gone-inst', 'kept', 'succeeded', 1, 0, $mid, $mid + 1,
     'ok', ''),
    (1001, 'gone-project', 'gone-inst', 'never', 'failed', 3, 3, $mid, $mid + 1,
     'permanent', 'no such database');
SQL

CATCH_UP=yes DAILY_AT=00:00 STATE_EXTRA="retention = 400d" rec_config
daemon_start
st=$(rec_json status)
echo "$st" | jq -e '.run.trigger == "catch-up"' >/dev/null ||
    dfail "no catch-up run: $(echo "$st" | jq -c .run)"
run=$(echo "$st" | jq '.run.id')
rec_wait_finished "$run" 120
wait_for "old runs pruned" 30 eval \
    '[ "$(rec_sql "SELECT count(*) FROM jobs WHERE run_id = 1000")" = 0 ]'
wait_for "old run pruned" 30 eval \
    '[ "$(rec_sql "SELECT count(*) FROM runs WHERE id = 1000")" = 0 ]'
[ "$(rec_sql "SELECT count(*) FROM attempts")" = $(( 2 * REC_N )) ] ||
    dfail "attempts: $(rec_sql "SELECT count(*) FROM attempts")"
[ "$(rec_sql "SELECT count(*) FROM jobs WHERE run_id = 1001")" = 2 ] ||
    dfail "a run within the retention was pruned"
grep -q "journal: pruned 2401 rows" "$D_TMP/daemon.log" ||
    dfail "no pruning log line"

# Coverage: the fleet, exported just now; not the databases of run 1001,
# which the catch-up run's discovery (seeing everything) no longer found.
cov=$(rec_json coverage)
echo "$cov" | jq -e --argjson n "$REC_N" '.count == $n and .stale == 0 and
    all(.databases[]; .project != "gone-project" and .object != null and
    .crc32c != null and (.last_success | startswith("20")))' >/dev/null ||
    dfail "coverage: $cov"
ctl coverage >"$D_TMP/coverage.out" ||
    dfail "coverage table: $(cat "$D_TMP/coverage.out")"
# History: from the journal, with earlier runs; --failed filters.
h=$(rec_json history --jobs --days 30)
[ "$(echo "$h" | jq '.jobs | length')" = $(( 2 * REC_N + 2 )) ] ||
    dfail "history: $(echo "$h" | jq -c '[.jobs[] | .run] | group_by(.)')"
[ "$(rec_json history --jobs --days 5 | jq '.jobs | length')" = $(( 2 * REC_N )) ] ||
    dfail "history --days 5"
rec_json history --jobs --days 30 --failed | jq -e '[.jobs[] | .database] ==
    ["never"]' >/dev/null || dfail "history --failed"

# The day's run is done: another start makes no new one.
daemon_stop || dfail "stop"
daemon_start
rec_json status | jq -e --argjson r "$run" '.run == null and
    .last_run.id == $r' >/dev/null || dfail "second catch-up: $(ctl status)"
grep -c "catch-up: today's run is missing" "$D_TMP/daemon.log" | grep -qx 1 ||
    dfail "catch-up announced more than once"
daemon_stop || dfail "stop"
echo "PASS"
