#!/bin/sh
# api-faults.sh: each fault kind of the emulator (5xx, 429 with
# Retry-After, malformed JSON, truncated body, hung connection, oversized
# body) hits discovery, the export call, a poll and the object check; each
# run still exports every database, once.  A truncated or lost export
# answer is followed by a look among the instance's operations (adopt)
# before any second export.  Then the Cloud SQL specifics: an object left
# by a failed attempt is deleted before the retry, and an instance whose
# service account may not write the bucket fails for good with a message
# naming account, role and bucket.
. "$(dirname "$0")/api-lib.sh"

emu_start --time-scale 600
daemon_config
gcpconf "http_timeout = 2s"
daemon_start
printf '%s\n' physics-lab/physics-mysql/detectors \
    physics-lab/physics-mysql/experiments physics-lab/physics-mysql/wiki \
    >"$EMU_TMP/want"

setf() {
	code=$(printf '%s' "$1" | curl -s -o /dev/null -w '%{http_code}' \
	    -X POST --data-binary @- "$URL/_emulator/faults")
	[ "$code" = 200 ] || dfail "set faults: $code"
}

runs=0
for kind in status ratelimit malformed truncated hang oversized; do
	rules=""
	for e in sql.instances.list sql.databases.list sql.export \
	    sql.operations.get storage.objects.get; do
		rules="$rules{\"endpoint\":\"$e\",\"kind\":\"$kind\",\"count\":1,\"retry_after\":1},"
	done
	setf "[${rules%,}]"
	before=$(stats | jq --arg k "$kind" '.faults_injected[$k]')
	ctl trigger physics-lab --wait >/dev/null || dfail "$kind: trigger"
	runs=$((runs + 1))
	all_succeeded "$EMU_TMP/want"
	after=$(stats | jq --arg k "$kind" '.faults_injected[$k]')
	[ "$after" -eq $((before + 5)) ] ||
	    dfail "$kind: $((after - before)) faults fired, want 5"
	exports_at_most "$runs"
	# Each run starts the next second at the earliest (object names).
	sleep 1
done
# The lost export answers were looked for before exporting again.
[ "$(grep -c 'adopting an earlier export' "$D_TMP/daemon.log")" -ge 2 ] ||
    dfail "no adopt after a lost export answer"
grep -q 'adopting operation' "$D_TMP/daemon.log" ||
    dfail "truncated export answer: operation not adopted"
setf '[]'
daemon_stop

# Cloud SQL specifics need their own fleet: a database whose export
# fails the first time (leaving a partial object) and an instance whose
# service account may not write the bucket.
cat >"$EMU_TMP/fleet.json" <<'JSON'
{"export_startup": "1s", "buckets": ["campus-sql-backups"],
 "projects": [{"projectId": "lab-prod", "projectNumber": "300000000001",
  "instances": [
   {"name": "pg", "databaseVersion": "POSTGRES_15",
    "databases": [{"name": "app", "sizeMb": 5}]},
   {"name": "nowrite", "databaseVersion": "MYSQL_8_0",
    "databases": [{"name": "shop", "sizeMb": 5, "fail": {"code":
     "ERROR_RDBMS", "message": "The service account does not have the required permissions for the bucket: p123-abc@gcp-sa-cloud-sql.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object."}}]}]}]}
JSON
emu_stop
EMU_FLEET="$EMU_TMP/fleet.json" emu_start --time-scale 600
daemon_config
sed -i -e 's/^folders = .*//' -e 's/^projects = .*/projects = lab-prod/' \
    -e 's/^retry_window = .*/retry_window = 5m/' "$D_TMP/databackup.conf"
sed -i 's/^\[export\]/&\nobject = {project}\/{instance}\/{database}\/{date}.{ext}/' \
    "$D_TMP/databackup.conf"
rm -f "$D_TMP/journal.db"*
# A partial object of an earlier attempt sits at the job's name.
day=$(date -u +%F)
mkdir -p "$EMU_TMP/buckets/campus-sql-backups/lab-prod/pg/app"
echo "partial" >"$EMU_TMP/buckets/campus-sql-backups/lab-prod/pg/app/$day.sql.gz"
daemon_start
ctl trigger --wait >/dev/null 2>&1
run_jobs >"$EMU_TMP/jobs"
grep -q '^succeeded lab-prod/pg/app$' "$EMU_TMP/jobs" ||
    dfail "partial object: $(cat "$EMU_TMP/jobs")"
grep -q 'left from an earlier attempt.*deleting it' "$D_TMP/daemon.log" ||
    dfail "partial object not deleted"
[ "$(ep storage.objects.delete)" -ge 1 ] || dfail "no objects.delete"
# Exported twice: the collision, then the retry after the delete.
stats | jq -e '.exports_started["lab-prod/pg/app"] == 2' >/dev/null ||
    dfail "partial object: exports $(stats | jq -c .exports_started)"
grep -q '^failed lab-prod/nowrite/shop$' "$EMU_TMP/jobs" ||
    dfail "bucket permission: $(cat "$EMU_TMP/jobs")"
jq -r '.jobs[] | select(.database == "shop") | .last_error // .error // ""' \
    "$D_TMP/jobs.json" >"$EMU_TMP/msg"
grep -q 'gcp-sa-cloud-sql.iam.gserviceaccount.com cannot write gs://campus-sql-backups: grant it roles/storage.objectAdmin on bucket campus-sql-backups' \
    "$EMU_TMP/msg" || grep -q 'roles/storage.objectAdmin on bucket campus-sql-backups' \
    "$D_TMP/daemon.log" || dfail "permission message: $(cat "$EMU_TMP/msg")"
# A permanent failure: one export, no retries.
stats | jq -e '.exports_started["lab-prod/nowrite/shop"] == 1' >/dev/null ||
    dfail "permission failure was retried"
daemon_stop
no_secrets "$D_TMP/daemon.log"
echo "api-faults: ok"
