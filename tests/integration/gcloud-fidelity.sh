#!/bin/sh
# gcloud-fidelity.sh: the real gcloud CLI must accept the emulator's
# answers (sql instances/databases list, export and import waiting on the
# operation, databases create/describe/delete, projects list by folder,
# storage ls).  Skips when gcloud is absent.
. "$(dirname "$0")/emu-lib.sh"
command -v gcloud >/dev/null 2>&1 || { echo "SKIP: gcloud missing"; exit 77; }

emu_start --time-scale 600

export CLOUDSDK_CONFIG="$EMU_TMP/gcloud"
export CLOUDSDK_CORE_DISABLE_PROMPTS=1
export CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=1
export CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=1
export CLOUDSDK_API_ENDPOINT_OVERRIDES_SQL="$URL/"
export CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER="$URL/"
export CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE="$URL/storage/v1/"
export CLOUDSDK_CORE_PROJECT=physics-lab
printf '%s' "$TOKEN" >"$EMU_TMP/token"
export CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="$EMU_TMP/token"
mkdir -p "$CLOUDSDK_CONFIG"

out=$(gcloud sql instances list --project physics-lab 2>&1) || fail "instances list: $out"
echo "$out" | grep -q 'physics-mysql ' || fail "instances list: $out"
echo "$out" | grep -q 'physics-mysql-replica' || fail "instances list replica: $out"

out=$(gcloud sql instances list --project finance-prod 2>&1) || fail "instances list: $out"
echo "$out" | grep 'finance-legacy' | grep -q STOPPED || fail "stopped instance: $out"

out=$(gcloud sql databases list --instance physics-mysql --project physics-lab 2>&1) ||
    fail "databases list: $out"
for db in experiments detectors wiki information_schema; do
	echo "$out" | grep -q "^$db " || fail "databases list lacks $db: $out"
done

out=$(gcloud sql export sql physics-mysql gs://campus-sql-backups/gc/wiki.sql.gz \
    --database=wiki --project physics-lab 2>&1) || fail "export: $out"
[ -s "$EMU_TMP/buckets/campus-sql-backups/gc/wiki.sql.gz" ] || fail "export: no object: $out"
gzip -t "$EMU_TMP/buckets/campus-sql-backups/gc/wiki.sql.gz" || fail "export: not gzip"

out=$(gcloud sql databases create restored --instance physics-mysql --charset utf8mb4 \
    --project physics-lab 2>&1) || fail "databases create: $out"
out=$(gcloud sql databases describe restored --instance physics-mysql --project physics-lab \
    --format='value(name,charset,kind)' 2>&1) || fail "databases describe: $out"
[ "$out" = "$(printf 'restored\tutf8mb4\tsql#database')" ] || fail "databases describe: $out"
out=$(gcloud sql databases create wiki --instance physics-mysql --project physics-lab 2>&1) &&
    fail "databases create of an existing name succeeded: $out"
echo "$out" | grep -q "database exists" || fail "databases create existing: $out"
out=$(gcloud sql import sql physics-mysql gs://campus-sql-backups/gc/wiki.sql.gz \
    --database=restored --project physics-lab 2>&1) || fail "import: $out"
out=$(gcloud sql import sql physics-mysql gs://campus-sql-backups/gc/none.sql \
    --database=restored --project physics-lab 2>&1) && fail "import of a missing object succeeded: $out"
echo "$out" | grep -q "ERROR_RDBMS" || fail "import missing: $out"
out=$(gcloud sql databases delete restored --instance physics-mysql --project physics-lab 2>&1) ||
    fail "databases delete: $out"
out=$(gcloud sql databases list --instance physics-mysql --project physics-lab 2>&1) ||
    fail "databases list: $out"
echo "$out" | grep -q '^restored ' && fail "deleted database still listed: $out"
out=$(gcloud sql export bak registry-mssql gs://campus-sql-backups/gc/students.bak \
    --database=students --project registry-prod 2>&1) || fail "export bak: $out"
out=$(gcloud sql import bak registry-mssql gs://campus-sql-backups/gc/students.bak \
    --database=students_copy --project registry-prod 2>&1) || fail "import bak: $out"
out=$(gcloud sql databases list --instance registry-mssql --project registry-prod 2>&1) ||
    fail "databases list: $out"
echo "$out" | grep -q '^students_copy ' || fail "restored database not listed: $out"

out=$(gcloud projects list --filter='parent.id=210000000002' --format='value(projectId)' 2>&1) ||
    fail "projects list: $out"
echo "$out" | grep -qx registry-prod || fail "projects list: $out"
echo "$out" | grep -qx hr-devel || fail "projects list: $out"
echo "$out" | grep -q alumni-old && fail "projects list shows a deleted project: $out"

out=$(gcloud storage ls gs://campus-sql-backups/gc/ 2>&1) || fail "storage ls: $out"
echo "$out" | grep -qx 'gs://campus-sql-backups/gc/wiki.sql.gz' || fail "storage ls: $out"

echo "gcloud accepted every answer"
exit 0
