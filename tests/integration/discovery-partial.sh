#!/bin/sh
# discovery-partial.sh: a walk that cannot see everything says so.  One
# instance's region does not answer instances.list (the emulator's
# "unreachable"): plan names the project and region under Partial, the
# run's log has a warning line for it, status counts it, and every
# database that could be seen is exported all the same.  A project being
# deleted is skipped with its state as the reason.  Then the token source
# answers 503 for a while as a run starts: discovery waits and asks again
# instead of failing, and the run succeeds; so does a run whose whole
# walk fails while Resource Manager answers 503.
. "$top_srcdir/tests/integration/daemon-lib.sh"

EMU_FLEET="$EMU_TMP/fleet.json"
cat >"$EMU_FLEET" <<'JSON'
{
  "export_startup": "3s",
  "page_size": 2,
  "buckets": ["campus-sql-backups"],
  "folders": [
    { "id": "210000000001", "displayName": "Faculties", "projects": [
      { "projectId": "geo-lab", "projectNumber": "310000000001",
        "instances": [
          { "name": "geo-pg", "databaseVersion": "POSTGRES_15",
            "region": "europe-west1",
            "databases": [ { "name": "maps" } ] },
          { "name": "geo-mysql", "databaseVersion": "MYSQL_8_0",
            "region": "us-east4", "unreachable": true,
            "databases": [ { "name": "sensors" } ] } ] },
      { "projectId": "old-lab", "projectNumber": "310000000002",
        "state": "DELETE_REQUESTED",
        "instances": [
          { "name": "old-mysql", "databaseVersion": "MYSQL_8_0",
            "databases": [ { "name": "archive" } ] } ] } ] },
    { "id": "210000000002", "displayName": "Research", "projects": [
      { "projectId": "bio-lab", "projectNumber": "310000000003",
        "instances": [
          { "name": "bio-pg", "databaseVersion": "POSTGRES_15",
            "databases": [ { "name": "genes" } ] } ] } ] }
  ],
  "projects": [
    { "projectId": "library-catalogue", "projectNumber": "310000000009",
      "instances": [
        { "name": "library-pg", "databaseVersion": "POSTGRES_15",
          "databases": [ { "name": "books" } ] } ] }
  ]
}
JSON
# Cloud SQL lists PostgreSQL's "postgres" database too: it is exported.
printf '%s\n' bio-lab/bio-pg/genes bio-lab/bio-pg/postgres \
    geo-lab/geo-pg/maps geo-lab/geo-pg/postgres \
    library-catalogue/library-pg/books library-catalogue/library-pg/postgres \
    >"$D_TMP/want"

emu_start --time-scale 1
# Room in the retry window for a walk that fails whole (each request is
# tried ten times, about a minute and a half) to be walked again.
RETRY_WINDOW=5m
daemon_config
daemon_start

# plan: the partial place, the deleted project, the targets that remain.
# A partial walk is a problem: plan exits 1.
ctl --json plan >"$D_TMP/plan.json"
[ $? = 1 ] || dfail "plan: exit status, want 1"
jq -e '.partial | length == 1' "$D_TMP/plan.json" >/dev/null ||
    dfail "plan: partial $(jq -c .partial "$D_TMP/plan.json")"
jq -e '.partial[0] | .what == "geo-lab" and .region == "us-east4" and
    .code == "REGION_UNREACHABLE" and (.message | test("us-east4"))' \
    "$D_TMP/plan.json" >/dev/null ||
    dfail "plan: partial entry $(jq -c '.partial[0]' "$D_TMP/plan.json")"
jq -e '.discovery.partial == 1' "$D_TMP/plan.json" >/dev/null ||
    dfail "plan: discovery $(jq -c .discovery "$D_TMP/plan.json")"
jq -e '[.skipped[] | select(.project == "old-lab" and
    .reason == "project state DELETE_REQUESTED")] | length == 1' \
    "$D_TMP/plan.json" >/dev/null ||
    dfail "plan: old-lab not skipped: $(jq -c .skipped "$D_TMP/plan.json")"
jq -r '.targets[] | "\(.project)/\(.instance)/\(.database)"' \
    "$D_TMP/plan.json" | sort >"$D_TMP/planned"
diff -u "$D_TMP/want" "$D_TMP/planned" || dfail "plan: targets differ"
ctl plan >"$D_TMP/plan.txt"
[ $? = 1 ] || dfail "plan (text): exit status, want 1"
grep -q '^Partial' "$D_TMP/plan.txt" || dfail "plan: no Partial section"
grep -E -q '^geo-lab +us-east4 +REGION_UNREACHABLE: ' "$D_TMP/plan.txt" ||
    dfail "plan: partial row: $(cat "$D_TMP/plan.txt")"
grep -q 'discovery was partial: 1 place not seen whole' "$D_TMP/plan.txt" ||
    dfail "plan: no partial summary"

# A run: status counts the partial place while the exports go on.
ctl trigger >/dev/null || dfail "trigger failed"
run_partial() {
	ctl --json status >"$D_TMP/status.json" 2>/dev/null &&
	    jq -e '.run.discovery.partial == 1' "$D_TMP/status.json" >/dev/null
}
wait_for "status: run with a partial discovery" 20 run_partial
ctl status >"$D_TMP/status.txt" || dfail "status failed"
grep -q 'partial: *1 place not seen whole' "$D_TMP/status.txt" ||
    dfail "status: no partial line: $(cat "$D_TMP/status.txt")"
run_over() {
	ctl --json status >"$D_TMP/status.json" 2>/dev/null &&
	    jq -e '.run == null and .last_run != null' "$D_TMP/status.json" \
	    >/dev/null
}
wait_for "run 1 over" 60 run_over
jq -e '.last_run.succeeded == 6 and .last_run.failed == 0' \
    "$D_TMP/status.json" >/dev/null ||
    dfail "run 1: $(jq -c .last_run "$D_TMP/status.json")"
grep -q 'run 1: discovery partial: geo-lab region us-east4: REGION_UNREACHABLE: ' \
    "$D_TMP/daemon.log" || dfail "no partial warning in the log"
# check: a warning naming the place not seen, though every export worked.
ctl check >"$D_TMP/check.out"; rc=$?
[ "$rc" = 1 ] || dfail "check exit $rc, want 1: $(cat "$D_TMP/check.out")"
grep -q '^WARNING: discovery partial: geo-lab region us-east4 (REGION_UNREACHABLE)$' \
    "$D_TMP/check.out" || dfail "check: $(cat "$D_TMP/check.out")"
stats | jq -r '.exports_started | keys[]' | sort >"$D_TMP/started"
diff -u "$D_TMP/want" "$D_TMP/started" || dfail "exported set differs"
ctl --json jobs 1 >"$D_TMP/jobs.json" || dfail "jobs failed"
jq -r '.jobs[] | select(.state == "succeeded") | .object' "$D_TMP/jobs.json" |
while read -r o; do
	[ -s "$EMU_TMP/buckets/campus-sql-backups/$o" ] || dfail "no object $o"
done

# The token source answers 503 as the next run starts (five times: more
# than the few tries one token request makes): discovery asks again
# after a pause, gets its token and the run succeeds.
daemon_stop || dfail "databackupd exited non-zero on SIGTERM"
curl -s -X POST -d '[{"endpoint": "metadata.token", "kind": "status",
    "status": 503, "count": 5}]' "$URL/_emulator/faults" |
    jq -e '.rules == 1' >/dev/null || fail "cannot set faults"
t0=$(stats | jq '.requests_by_endpoint["metadata.token"] // 0')
daemon_start
ctl trigger --wait >"$D_TMP/trigger.out" 2>&1 ||
    dfail "run with a failing token source: $(tail -3 "$D_TMP/trigger.out")"
[ "$(stats | jq '.faults_injected.status')" -ge 5 ] ||
    dfail "the token faults did not fire"
t1=$(stats | jq '.requests_by_endpoint["metadata.token"]')
[ "$t1" -ge $((t0 + 6)) ] || dfail "token asked $((t1 - t0)) times, want >= 6"
ctl --json status >"$D_TMP/status.json" || dfail "status failed"
jq -e '.last_run.succeeded == 6 and .last_run.failed == 0 and
    .last_run.outcome == "succeeded"' "$D_TMP/status.json" >/dev/null ||
    dfail "run 2: $(jq -c .last_run "$D_TMP/status.json")"
grep -E -q 'discovery: no access token \(.*\), retrying in [0-9]+ s' \
    "$D_TMP/daemon.log" || dfail "no token retry in the log"
# Resource Manager answers 503 to everything as the next run starts: the
# walk reads nothing, the run waits and walks again (not failed), and
# once Resource Manager is back the run succeeds with no trigger.
rm_down='[{"endpoint": "crm.folders.list", "kind": "status", "status": 503},
    {"endpoint": "crm.projects.list", "kind": "status", "status": 503},
    {"endpoint": "crm.projects.get", "kind": "status", "status": 503}]'
curl -s -X POST -d "$rm_down" "$URL/_emulator/faults" |
    jq -e '.rules == 3' >/dev/null || fail "cannot set faults"
ctl trigger --wait >"$D_TMP/trigger.out" 2>&1 &
tpid=$!
walked_again() { grep -q 'discovery failed (1 in a row): .*; walking again in' \
    "$D_TMP/daemon.log"; }
wait_for "a failed walk to be tried again" 180 walked_again
ctl --json status | jq -e '.run.state == "discovering"' >/dev/null ||
    dfail "run not waiting in discovery: $(ctl --json status | jq -c .run)"
curl -s -X POST -d '[]' "$URL/_emulator/faults" >/dev/null
wait "$tpid" || dfail "run after Resource Manager came back: $(cat "$D_TMP/trigger.out")"
ctl --json status >"$D_TMP/status.json" || dfail "status failed"
jq -e '.last_run.succeeded == 6 and .last_run.outcome == "succeeded"' \
    "$D_TMP/status.json" >/dev/null ||
    dfail "run 3: $(jq -c .last_run "$D_TMP/status.json")"
echo "PASS: partial discovery named, reachable databases exported," \
    "token and Resource Manager failures waited out"
