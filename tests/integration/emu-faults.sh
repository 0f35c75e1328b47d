#!/bin/sh
# emu-faults.sh: every fault kind, set through --faults and through
# POST /_emulator/faults; the emulator's own counters are the evidence
# (no wall-clock thresholds).
. "$(dirname "$0")/emu-lib.sh"

cat >"$EMU_TMP/faults.json" <<'JSON'
[{"endpoint": "crm.projects.get", "kind": "status", "status": 503, "count": 1}]
JSON
emu_start --faults "$EMU_TMP/faults.json" --seed 7 --time-scale 60

api GET /v3/projects/physics-lab >"$EMU_TMP/b"
expect_status 503 "status fault"
jq -e '.error.code == 503 and .error.status == "UNAVAILABLE"' "$EMU_TMP/b" >/dev/null || fail "503 body"
api GET /v3/projects/physics-lab >/dev/null
expect_status 200 "count exhausted"

setf() {
	printf '%s' "$1" | curl -s -o /dev/null -w '%{http_code}' -X POST \
	    --data-binary @- "$URL/_emulator/faults" >"$EMU_TMP/status"
	expect_status 200 "set faults"
}
isjson() { jq -e . "$EMU_TMP/body" >/dev/null 2>&1; }

setf '[{"endpoint":"sql.instances.list","kind":"latency","ms":300}]'
api GET /v1/projects/physics-lab/instances >/dev/null
expect_status 200 "latency"
isjson || fail "latency body"

setf '[{"endpoint":"sql.instances.list","kind":"ratelimit","retry_after":7}]'
curl -s -D "$EMU_TMP/h" -o "$EMU_TMP/body" -H "$AUTH" "$URL/v1/projects/physics-lab/instances"
grep -q '^HTTP/1.1 429' "$EMU_TMP/h" || fail "ratelimit status"
grep -qi '^Retry-After: 7' "$EMU_TMP/h" || fail "Retry-After"
jq -e '.error.errors[0].reason == "rateLimitExceeded"' "$EMU_TMP/body" >/dev/null || fail "429 body"

setf '[{"endpoint":"sql.instances.list","kind":"malformed"}]'
api GET /v1/projects/physics-lab/instances >/dev/null
expect_status 200 "malformed"
isjson && fail "malformed body parsed"

setf '[{"endpoint":"*","project":"physics-lab","kind":"truncated"}]'
api GET /v1/projects/physics-lab/instances >/dev/null
expect_status 200 "truncated"
isjson && fail "truncated body parsed"
[ -s "$EMU_TMP/body" ] || fail "truncated body empty"

setf '[{"endpoint":"sql.instances.get","kind":"hang"}]'
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "$AUTH" \
    "$URL/v1/projects/physics-lab/instances/physics-mysql"); rc=$?
[ "$rc" = 28 ] || fail "hang: curl rc $rc code $code"

setf '[{"endpoint":"sql.databases.list","kind":"oversized"}]'
size=$(curl -s -o /dev/null -w '%{size_download}' -H "$AUTH" \
    "$URL/v1/projects/physics-lab/instances/physics-mysql/databases")
[ "$size" -gt 60000000 ] || fail "oversized: $size bytes"

# rate 0.5 with a seed: some fire, some do not; after/count honoured.
setf '[{"endpoint":"crm.projects.get","kind":"status","status":500,"after":2,"count":3}]'
codes=
for i in 1 2 3 4 5 6 7; do api GET /v3/projects/physics-lab >/dev/null; codes="$codes$(status) "; done
[ "$codes" = "200 200 500 500 500 200 200 " ] || fail "after/count: $codes"
setf '[{"endpoint":"crm.projects.get","kind":"status","status":500,"rate":0.5}]'
n500=0
for i in $(seq 1 40); do api GET /v3/projects/physics-lab >/dev/null; [ "$(status)" = 500 ] && n500=$((n500 + 1)); done
[ "$n500" -gt 5 ] && [ "$n500" -lt 35 ] || fail "rate 0.5 gave $n500/40"

# op_error: the export is accepted and ends DONE with INTERNAL_ERROR.
setf '[{"endpoint":"sql.export","instance":"hr-mysql","kind":"op_error"}]'
api POST /v1/projects/hr-devel/instances/hr-mysql/export \
    -d '{"exportContext":{"fileType":"SQL","uri":"gs://campus-sql-backups/hr/staff.sql.gz","databases":["staff"]}}' >"$EMU_TMP/op"
expect_status 200 "op_error export"
op=$(jq -r .name "$EMU_TMP/op")
isdone() { api GET "/v1/projects/hr-devel/operations/$op" >"$EMU_TMP/op"; jq -e '.status == "DONE"' "$EMU_TMP/op" >/dev/null; }
wait_for "op_error DONE" 20 isdone
jq -e '.error.errors[0].code == "INTERNAL_ERROR"' "$EMU_TMP/op" >/dev/null || fail "op_error: $(cat "$EMU_TMP/op")"

setf '[]'
stats >"$EMU_TMP/s"
jq -e '.faults_injected | .latency == 1 and .ratelimit == 1 and .malformed == 1 and
    .truncated == 1 and .hang == 1 and .oversized == 1 and .op_error == 1 and .status >= 9' \
    "$EMU_TMP/s" >/dev/null || fail "fault stats: $(jq -c .faults_injected "$EMU_TMP/s")"
echo "faults ok"
