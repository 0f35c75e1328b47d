#!/bin/sh
# emu-import.sh: restores on the emulator: instances.import (success on
# each engine, the database appearing, 409, missing object and bucket,
# file type against engine, PostgreSQL without or with an unknown
# database, SQL Server into an existing one, corrupt and foreign dumps,
# replicas), databases get/insert/delete, the object-planting hook with
# old creation dates, and objects.list paging over planted objects.
. "$(dirname "$0")/emu-lib.sh"

cat >"$EMU_TMP/fleet.json" <<'JSON'
{"export_rate_mb_per_s": 10, "export_startup": "4s", "buckets": ["bk"],
 "projects": [
  {"projectId": "p1", "projectNumber": "101", "instances": [
    {"name": "my", "databaseVersion": "MYSQL_8_0",
     "databases": [{"name": "d1", "sizeMb": 60}, {"name": "keep"}]},
    {"name": "rep", "databaseVersion": "MYSQL_8_0",
     "instanceType": "READ_REPLICA_INSTANCE", "masterInstanceName": "my"},
    {"name": "pg", "databaseVersion": "POSTGRES_15",
     "databases": [{"name": "d2", "sizeMb": 5}]},
    {"name": "ms", "databaseVersion": "SQLSERVER_2019_STANDARD",
     "databases": [{"name": "d4", "sizeMb": 2}]},
    {"name": "off", "databaseVersion": "POSTGRES_15", "activationPolicy": "NEVER",
     "databases": [{"name": "d3"}]}]}]}
JSON
EMU_FLEET="$EMU_TMP/fleet.json" emu_start --time-scale 10

V1=/v1/projects/p1
B4=/sql/v1beta4/projects/p1

ectx() { printf '{"exportContext":{"fileType":"%s","uri":"%s","databases":["%s"]}}' "$1" "$2" "$3"; }
ictx() { printf '{"importContext":{"kind":"sql#importContext","fileType":"%s","uri":"%s"%s}}' \
    "$1" "$2" "${3:+,\"database\":\"$3\"}"; }

# start METHOD PATH BODY: an operation is answered; its name in $op.
start() {
	api "$1" "$2" -d "$3" >"$EMU_TMP/op"
	expect_status 200 "$1 $2"
	op=$(jq -r .name "$EMU_TMP/op")
}
isdone() { api GET "$V1/operations/$op" >"$EMU_TMP/op"; jq -e '.status == "DONE"' "$EMU_TMP/op" >/dev/null; }
finish() { wait_for "$1 DONE" 30 isdone; }
ok() { jq -e 'has("error") | not' "$EMU_TMP/op" >/dev/null || fail "$1: $(cat "$EMU_TMP/op")"; }
op_err() {
	jq -e --arg re "$2" '.error.kind == "sql#operationErrors" and
	    .error.errors[0].kind == "sql#operationError" and
	    .error.errors[0].code == "ERROR_RDBMS" and (.error.errors[0].message | test($re))' \
	    "$EMU_TMP/op" >/dev/null || fail "$1: $(cat "$EMU_TMP/op")"
}
bad() {
	api POST "$2" -d "$3" >"$EMU_TMP/e"
	expect_status 400 "$1"
	jq -e --arg m "$4" '.error.status == "INVALID_ARGUMENT" and
	    .error.errors[0].reason == "invalid" and .error.message == $m' \
	    "$EMU_TMP/e" >/dev/null || fail "$1: $(cat "$EMU_TMP/e")"
}
has_db() { api GET "$V1/instances/$1/databases" | jq -e --arg d "$2" 'any(.items[]; .name == $d)' >/dev/null; }

# A MySQL dump of d1, then d1 dropped and restored from it.
start POST "$V1/instances/my/export" "$(ectx SQL gs://bk/my/d1.sql.gz d1)"
finish export; ok export
start DELETE "$B4/instances/my/databases/d1"
jq -e '.operationType == "DELETE_DATABASE" and .targetId == "my" and .status == "PENDING"' \
    "$EMU_TMP/op" >/dev/null || fail "delete op: $(cat "$EMU_TMP/op")"
has_db my d1 || fail "d1 gone before the delete is DONE"
finish delete; ok delete
has_db my d1 && fail "d1 still listed after delete"
has_db rep d1 && fail "replica still lists d1"
api GET "$V1/instances/my/databases/d1" >"$EMU_TMP/e"
expect_status 404 "get deleted"
jq -e '.error.errors[0].reason == "notFound"' "$EMU_TMP/e" >/dev/null || fail "404 body: $(cat "$EMU_TMP/e")"

start POST "$B4/instances/my/import" "$(ictx SQL gs://bk/my/d1.sql.gz)"
jq -e '.kind == "sql#operation" and .operationType == "IMPORT" and .status == "PENDING" and
    .targetId == "my" and .targetProject == "p1" and (has("exportContext") | not) and
    .importContext == {"kind":"sql#importContext","fileType":"SQL","uri":"gs://bk/my/d1.sql.gz"} and
    (.selfLink | test("/sql/v1beta4/projects/p1/operations/")) and
    .user == "databackup@databackup-admin.iam.gserviceaccount.com"' \
    "$EMU_TMP/op" >/dev/null || fail "import op: $(cat "$EMU_TMP/op")"
imp=$op
# One operation per instance: export, import and databases.insert refused.
api POST "$V1/instances/my/export" -d "$(ectx SQL gs://bk/my/x.sql d1)" >"$EMU_TMP/c"
expect_status 409 "export during import"
want='{"error":{"code":409,"message":"Operation failed because another operation was already in progress. Try your request after the current operation is complete.","errors":[{"message":"Operation failed because another operation was already in progress. Try your request after the current operation is complete.","domain":"global","reason":"operationInProgress"}]}}'
[ "$(jq -cS . "$EMU_TMP/c")" = "$(echo "$want" | jq -cS .)" ] || fail "409 body: $(cat "$EMU_TMP/c")"
api POST "$V1/instances/my/import" -d "$(ictx SQL gs://bk/my/d1.sql.gz)" >/dev/null
expect_status 409 "import during import"
api POST "$V1/instances/my/databases" -d '{"name":"n"}' >/dev/null
expect_status 409 "insert during import"
[ "$(stats | jq .conflicts_client)" = 3 ] || fail "conflicts_client: $(stats | jq .conflicts_client)"
api GET "$V1/operations?instance=my" | jq -e --arg op "$imp" '.items[0].name == $op and
    .items[0].operationType == "IMPORT" and .items[0].importContext.uri == "gs://bk/my/d1.sql.gz"' \
    >/dev/null || fail "operations.list"
finish import; ok import
has_db my d1 || fail "d1 not restored"
has_db rep d1 || fail "replica does not see the restored d1"
[ "$(stats | jq '.imports_started["p1/my/*"]')" = 1 ] || fail "imports_started: $(stats | jq -c .imports_started)"

# Missing object, unknown bucket.
start POST "$V1/instances/my/import" "$(ictx SQL gs://bk/nope.sql d1)"
finish missing; op_err "missing object" "^The file gs://bk/nope.sql does not exist"
start POST "$V1/instances/my/import" "$(ictx SQL gs://nobucket/x.sql d1)"
finish "no bucket"; op_err "no bucket" "does not exist"

# Request-level refusals, with export's wording.
bad "BAK on MySQL" "$V1/instances/my/import" "$(ictx BAK gs://bk/my/d1.sql.gz d1)" \
    "Invalid request: BAK import is for SQL Server only."
bad "BAK on PostgreSQL" "$V1/instances/pg/import" "$(ictx BAK gs://bk/x.bak d2)" \
    "Invalid request: BAK import is for SQL Server only."
bad "SQL on SQL Server" "$V1/instances/ms/import" "$(ictx SQL gs://bk/x.sql d9)" \
    "Invalid request: SQL Server imports need fileType BAK."
bad "bad file type" "$V1/instances/my/import" "$(ictx XML gs://bk/x.sql d1)" \
    "Invalid request: Invalid file type."
bad "bad uri" "$V1/instances/my/import" "$(ictx SQL bk/x.sql d1)" \
    "Invalid request: Invalid URI. The URI must be in the form gs://bucketName/fileName."
bad "PostgreSQL without database" "$V1/instances/pg/import" "$(ictx SQL gs://bk/x.sql)" \
    "Invalid request: The database to import into must be specified."
bad "no context" "$V1/instances/my/import" '{}' "Invalid request: importContext is required."
bad "replica" "$V1/instances/rep/import" "$(ictx SQL gs://bk/my/d1.sql.gz)" \
    "Invalid request: The requested operation is not valid for a replica instance."
bad "stopped" "$V1/instances/off/import" "$(ictx SQL gs://bk/x.sql d3)" \
    "Invalid request: Invalid request since instance is not running."
bad "replica insert" "$V1/instances/rep/databases" '{"name":"z"}' \
    "Invalid request: The requested operation is not valid for a replica instance."

# PostgreSQL: the database must exist; create it, then restore d2 into it.
start POST "$V1/instances/pg/export" "$(ectx SQL gs://bk/pg/d2.sql d2)"
finish "pg export"; ok "pg export"
start POST "$V1/instances/pg/import" "$(ictx SQL gs://bk/pg/d2.sql r2)"
finish "pg unknown db"; op_err "pg unknown db" 'database "r2" does not exist'
has_db pg r2 && fail "failed import created r2"
start POST "$V1/instances/pg/databases" '{"name":"r2","charset":"UTF8","collation":"C"}'
jq -e '.operationType == "CREATE_DATABASE" and .targetId == "pg"' "$EMU_TMP/op" >/dev/null ||
    fail "insert op: $(cat "$EMU_TMP/op")"
finish insert; ok insert
api GET "$B4/instances/pg/databases/r2" >"$EMU_TMP/d"
expect_status 200 "databases.get"
jq -e '.kind == "sql#database" and .name == "r2" and .instance == "pg" and .project == "p1" and
    .charset == "UTF8" and .collation == "C" and
    (.selfLink | endswith("/sql/v1beta4/projects/p1/instances/pg/databases/r2"))' \
    "$EMU_TMP/d" >/dev/null || fail "database: $(cat "$EMU_TMP/d")"
start POST "$V1/instances/pg/import" "$(ictx SQL gs://bk/pg/d2.sql r2)"
finish "pg import"; ok "pg import"
# An existing name: accepted, then the operation fails.
start POST "$V1/instances/pg/databases" '{"name":"r2"}'
finish "insert again"; op_err "insert existing" 'database "r2" already exists'
start POST "$V1/instances/my/databases" '{"name":"keep"}'
finish "insert mysql existing"; op_err "insert mysql existing" "Can't create database 'keep'; database exists"

# A MySQL dump is not a PostgreSQL one.
start POST "$V1/instances/pg/import" "$(ictx SQL gs://bk/my/d1.sql.gz r2)"
finish foreign; op_err "foreign dump" "not a PostgreSQL dump"

# SQL Server: restore into a new database; never over an existing one.
start POST "$V1/instances/ms/export" "$(ectx BAK gs://bk/ms/d4.bak d4)"
finish "ms export"; ok "ms export"
start POST "$V1/instances/ms/import" "$(ictx BAK gs://bk/ms/d4.bak d4)"
finish "ms exists"; op_err "ms into existing" "^Database 'd4' already exists"
start POST "$V1/instances/ms/import" "$(ictx BAK gs://bk/ms/d4.bak d4copy)"
finish "ms import"; ok "ms import"
has_db ms d4copy || fail "d4copy not restored"

# The hook: a corrupt object, an old one, a sized one.
curl -s -X POST "$URL/_emulator/objects" -d '{"bucket":"bk","name":"my/bad.sql","corrupt":true}' >"$EMU_TMP/o"
jq -e '.kind == "storage#object" and .name == "my/bad.sql"' "$EMU_TMP/o" >/dev/null || fail "plant: $(cat "$EMU_TMP/o")"
start POST "$V1/instances/my/import" "$(ictx SQL gs://bk/my/bad.sql d1)"
finish corrupt; op_err "corrupt" "^ERROR 1064 \\(42000\\)"
# Corrupting an existing export keeps its date.
t0=$(api GET "/storage/v1/b/bk/o/pg%2Fd2.sql" | jq -r .timeCreated)
curl -s -X POST "$URL/_emulator/objects" -d '{"bucket":"bk","name":"pg/d2.sql","corrupt":true}' >/dev/null
[ "$(api GET "/storage/v1/b/bk/o/pg%2Fd2.sql" | jq -r .timeCreated)" = "$t0" ] || fail "corrupting changed timeCreated"
start POST "$V1/instances/pg/import" "$(ictx SQL gs://bk/pg/d2.sql r2)"
finish "pg corrupt"; op_err "pg corrupt" "syntax error"

for d in 01 02 03; do
	curl -s -X POST "$URL/_emulator/objects" -d "{\"bucket\":\"bk\",\"name\":\"old/2024-01-$d/x.sql.gz\",
	    \"engine\":\"POSTGRES_15\",\"database\":\"d2\",\"sizeMb\":3,
	    \"timeCreated\":\"2024-01-${d}T02:00:00Z\"}" >/dev/null
done
curl -s -X POST "$URL/_emulator/objects" -d '{"bucket":"bk","name":"old/big.sql","size":100000,
    "timeCreated":"2023-06-30T23:59:59.5+02:00"}' >"$EMU_TMP/o"
jq -e '.size == "100000" and .timeCreated == "2023-06-30T21:59:59.500Z"' "$EMU_TMP/o" >/dev/null ||
    fail "sized plant: $(cat "$EMU_TMP/o")"
curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/_emulator/objects" \
    -d '{"bucket":"nobucket","name":"x"}' | grep -qx 400 || fail "plant into unknown bucket"
api GET "/storage/v1/b/bk/o?prefix=old/&maxResults=2" >"$EMU_TMP/l"
jq -e '[.items[].name] == ["old/2024-01-01/x.sql.gz","old/2024-01-02/x.sql.gz"] and
    .items[0].timeCreated == "2024-01-01T02:00:00.000Z" and .items[0].crc32c and .items[0].size and
    .nextPageToken' "$EMU_TMP/l" >/dev/null || fail "list page 1: $(cat "$EMU_TMP/l")"
tok=$(jq -r .nextPageToken "$EMU_TMP/l")
api GET "/storage/v1/b/bk/o?prefix=old/&maxResults=2&pageToken=$tok" >"$EMU_TMP/l"
jq -e '[.items[].name] == ["old/2024-01-03/x.sql.gz","old/big.sql"] and (has("nextPageToken") | not)' \
    "$EMU_TMP/l" >/dev/null || fail "list page 2: $(cat "$EMU_TMP/l")"
api GET "/storage/v1/b/bk/o/old%2F2024-01-01%2Fx.sql.gz?alt=media" | gzip -dc | grep -qx -- '-- engine: POSTGRES' ||
    fail "planted dump header"
# A planted PostgreSQL dump restores on PostgreSQL.
start POST "$V1/instances/pg/import" "$(ictx SQL gs://bk/old/2024-01-01/x.sql.gz d2)"
finish "planted import"; ok "planted import"

# MySQL: a one-database dump restores its own database, whatever the
# context says; a whole-instance dump goes where the context says.
start POST "$V1/instances/my/import" "$(ictx SQL gs://bk/my/d1.sql.gz other)"
finish "mysql override"; ok "mysql override"
has_db my other && fail "the dump's own database was overridden"
curl -s -X POST "$URL/_emulator/objects" -d '{"bucket":"bk","name":"my/all.sql","engine":"MYSQL"}' >/dev/null
start POST "$V1/instances/my/import" "$(ictx SQL gs://bk/my/all.sql fresh)"
finish "mysql fresh"; ok "mysql fresh"
has_db my fresh || fail "fresh not created"

# Cancel: DONE with OPERATION_CANCELLED, nothing restored.
curl -s -X POST "$URL/_emulator/objects" -d '{"bucket":"bk","name":"ms/huge.bak","engine":"SQLSERVER",
    "database":"huge","sizeMb":60000}' >/dev/null
start POST "$V1/instances/ms/import" "$(ictx BAK gs://bk/ms/huge.bak huge)"
api POST "$V1/operations/$op/cancel" >/dev/null
expect_status 200 "cancel"
isdone || fail "cancelled import not DONE: $(cat "$EMU_TMP/op")"
jq -e '.error.errors[0].code == "OPERATION_CANCELLED"' "$EMU_TMP/op" >/dev/null || fail "cancel: $(cat "$EMU_TMP/op")"
has_db ms huge && fail "cancelled import restored"

# databases.get/delete edges.
api GET "$V1/instances/my/databases/nope" >/dev/null
expect_status 404 "get unknown"
api GET "$V1/instances/my/databases/mysql" >"$EMU_TMP/d"
expect_status 200 "get system db"
api DELETE "$V1/instances/my/databases/nope" >/dev/null
expect_status 404 "delete unknown"
api DELETE "$V1/instances/my/databases/mysql" >"$EMU_TMP/e"
expect_status 400 "delete system db"
api GET "$V1/instances/off/databases/d3" >/dev/null
expect_status 400 "get on stopped"
api PATCH "$V1/instances/my/databases/keep" -d '{}' >/dev/null
expect_status 405 "patch"

stats >"$EMU_TMP/s"
jq -e '.imports_started["p1/pg/r2"] == 4 and .imports_started["p1/ms/d4copy"] == 1 and
    .requests_by_endpoint["sql.import"] >= 10 and .requests_by_endpoint["sql.databases.delete"] >= 1' \
    "$EMU_TMP/s" >/dev/null || fail "stats: $(jq -c '{imports_started, requests_by_endpoint}' "$EMU_TMP/s")"
echo "import ok"
