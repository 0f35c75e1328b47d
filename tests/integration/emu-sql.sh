#!/bin/sh
# emu-sql.sh: Cloud SQL Admin behaviour: export lifecycle and the object it
# writes (CRC32C checked), one operation per instance (409 for a second
# export and during a busy window, with the stats counters and each
# operation's conflicts), API disabled (403), not running (400),
# object-exists and database failures, quota 429.
. "$(dirname "$0")/emu-lib.sh"

cat >"$EMU_TMP/fleet.json" <<'JSON'
{"export_rate_mb_per_s": 10, "export_startup": "4s", "buckets": ["bk"],
 "projects": [
  {"projectId": "p1", "projectNumber": "101", "instances": [
    {"name": "my", "databaseVersion": "MYSQL_8_0", "databases": [
      {"name": "d1", "sizeMb": 60}, {"name": "bad", "sizeMb": 1,
       "fail": {"code": "ERROR_RDBMS", "message": "dump failed"}}]},
    {"name": "pg", "databaseVersion": "POSTGRES_15",
     "busy": [{"at": "0s", "for": "1h", "type": "BACKUP_VOLUME"}],
     "databases": [{"name": "d2", "sizeMb": 5}]},
    {"name": "off", "databaseVersion": "MYSQL_8_0", "activationPolicy": "NEVER",
     "databases": [{"name": "d3"}]}]},
  {"projectId": "p2", "projectNumber": "202", "sqlApiEnabled": false}]}
JSON
EMU_FLEET="$EMU_TMP/fleet.json" emu_start --time-scale 2 --quota-per-minute 1000

ctx() { printf '{"exportContext":{"kind":"sql#exportContext","fileType":"SQL","uri":"%s","databases":["%s"]}}' "$1" "$2"; }

api POST /v1/projects/p1/instances/my/export -d "$(ctx gs://bk/x/d1.sql.gz d1)" >"$EMU_TMP/op"
expect_status 200 "export"
jq -e '.kind == "sql#operation" and .status == "PENDING" and .operationType == "EXPORT" and
    .targetId == "my" and .targetProject == "p1" and .exportContext.uri == "gs://bk/x/d1.sql.gz" and
    (.selfLink | test("/v1/projects/p1/operations/"))' "$EMU_TMP/op" >/dev/null || fail "op: $(cat "$EMU_TMP/op")"
op=$(jq -r .name "$EMU_TMP/op")

# A second export while the first runs: the exact 409.
api POST /sql/v1beta4/projects/p1/instances/my/export -d "$(ctx gs://bk/x/other.sql d1)" >"$EMU_TMP/c"
expect_status 409 "concurrent export"
want='{"error":{"code":409,"message":"Operation failed because another operation was already in progress. Try your request after the current operation is complete.","errors":[{"message":"Operation failed because another operation was already in progress. Try your request after the current operation is complete.","domain":"global","reason":"operationInProgress"}]}}'
[ "$(jq -cS . "$EMU_TMP/c")" = "$(echo "$want" | jq -cS .)" ] || fail "409 body: $(cat "$EMU_TMP/c")"
[ "$(stats | jq .conflicts_client)" = 1 ] || fail "conflicts_client"

# Poll the lifecycle; remember every status seen (PENDING was the answer).
seen=PENDING
poll() {
	s=$(api GET "/sql/v1beta4/projects/p1/operations/$op" | jq -r .status)
	case " $seen " in *" $s "*) ;; *) seen="$seen $s" ;; esac
	[ "$s" = DONE ]
}
wait_for "export DONE" 20 poll
[ "$(echo $seen)" = "PENDING RUNNING DONE" ] || fail "lifecycle: $seen"
api GET "/v1/projects/p1/operations/$op" >"$EMU_TMP/op"
jq -e '(has("error") | not) and .startTime and .endTime and (.selfLink | test("/v1/"))' \
    "$EMU_TMP/op" >/dev/null || fail "done op: $(cat "$EMU_TMP/op")"
f="$EMU_TMP/buckets/bk/x/d1.sql.gz"
[ -s "$f" ] || fail "object not written"
gzip -t "$f" || fail "not gzip"
api GET "/storage/v1/b/bk/o/x%2Fd1.sql.gz" >"$EMU_TMP/m"
expect_status 200 "objects.get"
crc=$(python3 -c '
import sys, base64, struct
t = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    t.append(c)
c = 0xFFFFFFFF
for b in open(sys.argv[1], "rb").read():
    c = t[(c ^ b) & 0xFF] ^ (c >> 8)
print(base64.b64encode(struct.pack(">I", c ^ 0xFFFFFFFF)).decode())' "$f")
[ "$(jq -r .crc32c "$EMU_TMP/m")" = "$crc" ] || fail "crc32c $(jq -r .crc32c "$EMU_TMP/m") != $crc"
[ "$(jq -r .size "$EMU_TMP/m")" = "$(wc -c <"$f" | tr -d ' ')" ] || fail "size"
api GET "/storage/v1/b/bk/o/x%2Fd1.sql.gz?alt=media" | gzip -dc | grep -q 'databackup emulator export' ||
    fail "alt=media"
api GET "/v1/projects/p1/operations?instance=my" >"$EMU_TMP/l"
[ "$(jq -r '.items[0].name' "$EMU_TMP/l")" = "$op" ] || fail "operations.list"

# The same object again: accepted, then DONE with an error.
api POST /v1/projects/p1/instances/my/export -d "$(ctx gs://bk/x/d1.sql.gz d1)" >"$EMU_TMP/op"
expect_status 200 "export again"
op=$(jq -r .name "$EMU_TMP/op")
isdone() { api GET "/v1/projects/p1/operations/$op" >"$EMU_TMP/op"; jq -e '.status == "DONE"' "$EMU_TMP/op" >/dev/null; }
wait_for "exists op DONE" 20 isdone
jq -e '.error.kind == "sql#operationErrors" and .error.errors[0].code == "ERROR_RDBMS" and
    (.error.errors[0].message | test("already exists"))' "$EMU_TMP/op" >/dev/null ||
    fail "exists error: $(cat "$EMU_TMP/op")"

# A database marked to fail.
api POST /v1/projects/p1/instances/my/export -d "$(ctx gs://bk/x/bad.sql bad)" >"$EMU_TMP/op"
op=$(jq -r .name "$EMU_TMP/op")
wait_for "bad op DONE" 20 isdone
jq -e '.error.errors[0].message == "dump failed"' "$EMU_TMP/op" >/dev/null || fail "fail db"
[ ! -e "$EMU_TMP/buckets/bk/x/bad.sql" ] || fail "failed export wrote an object"

# Busy window: a BACKUP_VOLUME operation holds pg.
api POST /v1/projects/p1/instances/pg/export -d "$(ctx gs://bk/pg.sql d2)" >/dev/null
expect_status 409 "busy window"
[ "$(stats | jq .conflicts_busy)" = 1 ] || fail "conflicts_busy"
# The refusal is counted on the operation that held the instance, and
# the first export of my, which held it earlier, has its own.
stats >"$EMU_TMP/s"
jq -e '[.operations[] | select(.instance == "pg" and .type == "BACKUP_VOLUME")][0].conflicts == 1 and
    ([.operations[] | select(.instance == "my" and .type == "EXPORT")][0].conflicts == 1) and
    ([.operations[] | select(.conflicts > 0)] | length == 2) and
    ([.operations[].conflicts] | add == 2)' "$EMU_TMP/s" >/dev/null ||
    fail "per-operation conflicts: $(jq -c '[.operations[] | {type, instance, conflicts}]' "$EMU_TMP/s")"
api GET "/v1/projects/p1/operations?instance=pg" >"$EMU_TMP/l"
jq -e '.items[0].operationType == "BACKUP_VOLUME" and .items[0].status == "RUNNING"' \
    "$EMU_TMP/l" >/dev/null || fail "busy op not listed"
# A foreign operation started through the control endpoint.
curl -s -X POST "$URL/_emulator/busy" -d '{"project":"p1","instance":"my","for":"1h"}' >/dev/null
api POST /v1/projects/p1/instances/my/export -d "$(ctx gs://bk/y.sql d1)" >/dev/null
expect_status 409 "control busy"

# Not running, API disabled, unknown instance, bad body.
api GET /v1/projects/p1/instances/off/databases >"$EMU_TMP/e"
expect_status 400 "stopped databases.list"
jq -e '.error.errors[0].reason == "invalid" and .error.message == "Invalid request: Invalid request since instance is not running."' \
    "$EMU_TMP/e" >/dev/null || fail "400 body"
api POST /v1/projects/p1/instances/off/export -d "$(ctx gs://bk/o.sql d3)" >/dev/null
expect_status 400 "stopped export"
api POST /v1/projects/p2/instances/x/export -d "$(ctx gs://bk/o.sql d3)" >"$EMU_TMP/e"
expect_status 403 "api disabled"
jq -e '.error.errors[0].reason == "accessNotConfigured" and
    .error.details[0].reason == "SERVICE_DISABLED" and
    .error.details[0].metadata.consumer == "projects/202" and
    (.error.message | startswith("Cloud SQL Admin API has not been used in project 202 before or it is disabled"))' \
    "$EMU_TMP/e" >/dev/null || fail "403 body: $(cat "$EMU_TMP/e")"
api POST /v1/projects/p1/instances/nope/export -d "$(ctx gs://bk/o.sql d3)" >"$EMU_TMP/e"
expect_status 404 "unknown instance"
jq -e '.error.errors[0].reason == "instanceDoesNotExist"' "$EMU_TMP/e" >/dev/null || fail "404 body"
api POST /v1/projects/p1/instances/my/export -d '{"exportContext":{"uri":"nope"}}' >/dev/null
expect_status 400 "bad uri"
api GET /v1/projects/p1/instances/pg/databases >"$EMU_TMP/e"
jq -e '[.items[].name] == ["postgres","d2"]' "$EMU_TMP/e" >/dev/null || fail "pg databases"
[ "$(stats | jq '.exports_started["p1/my/d1"]')" = 2 ] || fail "exports_started"
emu_stop

# Quota: 5 calls per emulated minute (time scale 1), the sixth is 429.
EMU_FLEET="$EMU_TMP/fleet.json" emu_start --quota-per-minute 5
for i in 1 2 3 4 5; do api GET /v1/projects/p1/instances >/dev/null; done
api GET /v1/projects/p1/instances >"$EMU_TMP/q"
# A window may have just rolled over; then one more call must hit the limit.
if [ "$(status)" != 429 ]; then
	for i in 1 2 3 4 5; do api GET /v1/projects/p1/instances >"$EMU_TMP/q"; done
fi
expect_status 429 "quota"
jq -e '.error.status == "RESOURCE_EXHAUSTED" and .error.errors[0].reason == "rateLimitExceeded" and
    (.error.message | startswith("Quota exceeded for quota metric"))' "$EMU_TMP/q" >/dev/null ||
    fail "429 body"
stats >"$EMU_TMP/s"
jq -e '.quota_rejected >= 1 and .quota_max_in_window >= 6 and .quota_limit == 5' "$EMU_TMP/s" >/dev/null ||
    fail "quota stats: $(cat "$EMU_TMP/s")"
echo "sql ok"
