#!/bin/sh
# emu-monitoring.sh: Cloud Monitoring projects.timeSeries.list for
# cloudsql.googleapis.com/database/disk/bytes_used: the series' shape and
# bytes for a known fleet (replicas report, stopped instances do not),
# 400s for a missing endTime or filter and for a page token used with
# another query, 403 for projects without monitoring, deleted or unknown,
# counted in the stats but not in the Cloud SQL Admin quota.
. "$(dirname "$0")/emu-lib.sh"

cat >"$EMU_TMP/fleet.json" <<'JSON'
{"buckets": ["bk"],
 "projects": [
  {"projectId": "p1", "projectNumber": "101", "instances": [
    {"name": "my", "databaseVersion": "MYSQL_8_0", "region": "europe-west3",
     "dataDiskSizeGb": 500, "databases": [
      {"name": "d1", "sizeMb": 60}, {"name": "d2", "sizeMb": 100.5}]},
    {"name": "rep", "databaseVersion": "MYSQL_8_0",
     "instanceType": "READ_REPLICA_INSTANCE", "masterInstanceName": "my"},
    {"name": "off", "databaseVersion": "MYSQL_8_0", "activationPolicy": "NEVER",
     "databases": [{"name": "d3"}]},
    {"name": "pg", "databaseVersion": "POSTGRES_15",
     "databases": [{"name": "d4", "sizeMb": 5}]}]},
  {"projectId": "p2", "projectNumber": "202", "monitoring": false,
   "instances": [{"name": "x", "databaseVersion": "MYSQL_8_0"}]},
  {"projectId": "p3", "projectNumber": "303", "state": "DELETE_REQUESTED"}]}
JSON
EMU_FLEET="$EMU_TMP/fleet.json" emu_start --quota-per-minute 1

METRIC='metric.type = "cloudsql.googleapis.com/database/disk/bytes_used"'
T2=$(date -u +%Y-%m-%dT%H:%M:%SZ)
T1=$(date -u -d "$T2 - 10 minutes" +%Y-%m-%dT%H:%M:%SZ)

# ts PROJECT [curl args...]: timeSeries.list with the metric and interval.
ts() {
	_p=$1; shift
	api GET "/v3/projects/$_p/timeSeries" -G --data-urlencode "filter=$METRIC" \
	    --data-urlencode "interval.startTime=$T1" \
	    --data-urlencode "interval.endTime=$T2" "$@"
}

ts p1 >"$EMU_TMP/ts"
expect_status 200 "timeSeries.list"
jq -e '.unit == "By" and (.timeSeries | length == 3) and
    (has("nextPageToken") | not) and
    all(.timeSeries[]; .metric.type == "cloudsql.googleapis.com/database/disk/bytes_used" and
        .resource.type == "cloudsql_database" and
        .resource.labels.project_id == "p1" and
        (.resource.labels.database_id | startswith("p1:")) and
        .metricKind == "GAUGE" and .valueType == "INT64" and
        (.points | length >= 10 and length <= 11) and
        all(.points[]; .interval.startTime == .interval.endTime and
            (.value.int64Value | type == "string")) and
        ([.points[].interval.endTime] == ([.points[].interval.endTime] | sort | reverse)))' \
    "$EMU_TMP/ts" >/dev/null || fail "shape: $(head -c 600 "$EMU_TMP/ts")"

# Bytes: the databases plus 40 MB of engine, in MiB; the replica's are
# its primary's; the stopped instance reports nothing.
by() { jq -r --arg d "$1" '.timeSeries[] | select(.resource.labels.database_id == $d) |
    .points[0].value.int64Value' "$EMU_TMP/ts"; }
[ "$(by p1:my)" = 210239488 ] || fail "my bytes (200.5 MiB): $(by p1:my)"
[ "$(by p1:rep)" = "$(by p1:my)" ] || fail "replica bytes: $(by p1:rep)"
[ "$(by p1:pg)" = $(( 45 * 1048576 )) ] || fail "pg bytes: $(by p1:pg)"
[ -z "$(by p1:off)" ] || fail "stopped instance reported"
jq -e '[.timeSeries[] | select(.resource.labels.database_id == "p1:my")][0].resource.labels.region == "europe-west3"' \
    "$EMU_TMP/ts" >/dev/null || fail "region label"

# A filter narrowing to one instance; view=HEADERS leaves the points out.
api GET /v3/projects/p1/timeSeries -G \
    --data-urlencode "filter=$METRIC AND resource.labels.database_id = \"p1:pg\"" \
    --data-urlencode "interval.endTime=$T2" --data-urlencode "interval.startTime=$T1" \
    --data-urlencode "view=HEADERS" >"$EMU_TMP/h"
expect_status 200 "one instance"
jq -e '(.timeSeries | length == 1) and .timeSeries[0].resource.labels.database_id == "p1:pg" and
    (.timeSeries[0] | has("points") | not)' "$EMU_TMP/h" >/dev/null || fail "headers: $(cat "$EMU_TMP/h")"

# Another metric: an empty answer, no timeSeries.
api GET /v3/projects/p1/timeSeries -G \
    --data-urlencode 'filter=metric.type = "cloudsql.googleapis.com/database/cpu/utilization"' \
    --data-urlencode "interval.endTime=$T2" >"$EMU_TMP/o"
expect_status 200 "other metric"
jq -e 'has("timeSeries") | not' "$EMU_TMP/o" >/dev/null || fail "other metric: $(cat "$EMU_TMP/o")"

# 400s, Google's shape with "status".
bad400() {
	expect_status 400 "$1"
	jq -e '.error.code == 400 and .error.status == "INVALID_ARGUMENT" and
	    (.error.message | length > 0)' "$EMU_TMP/body" >/dev/null || fail "$1: $(cat "$EMU_TMP/body")"
}
api GET /v3/projects/p1/timeSeries -G --data-urlencode "filter=$METRIC" \
    --data-urlencode "interval.startTime=$T1" >/dev/null
bad400 "no endTime"
jq -e '.error.message | test("interval.endTime")' "$EMU_TMP/body" >/dev/null || fail "endTime message"
api GET /v3/projects/p1/timeSeries -G --data-urlencode "interval.endTime=$T2" >/dev/null
bad400 "no filter"
api GET /v3/projects/p1/timeSeries -G --data-urlencode "filter=$METRIC" \
    --data-urlencode "interval.endTime=yesterday" >/dev/null
bad400 "bad endTime"
api GET /v3/projects/p1/timeSeries -G --data-urlencode "filter=$METRIC" \
    --data-urlencode "interval.startTime=$T2" --data-urlencode "interval.endTime=$T1" >/dev/null
bad400 "start after end"
api GET /v3/projects/p1/timeSeries -G --data-urlencode 'filter=resource.type = "cloudsql_database"' \
    --data-urlencode "interval.endTime=$T2" >/dev/null
bad400 "no metric in filter"

# Paging: one series a page, the token bound to its query.
ts p1 --data-urlencode pageSize=1 >"$EMU_TMP/p1"
expect_status 200 "page 1"
tok=$(jq -r .nextPageToken "$EMU_TMP/p1")
[ "$(jq '.timeSeries | length' "$EMU_TMP/p1")" = 1 ] && [ "$tok" != null ] || fail "page 1: $(head -c 300 "$EMU_TMP/p1")"
seen=$(jq -r '.timeSeries[0].resource.labels.database_id' "$EMU_TMP/p1")
while [ "$tok" != null ]; do
	ts p1 --data-urlencode pageSize=1 --data-urlencode "pageToken=$tok" >"$EMU_TMP/pn"
	expect_status 200 "next page"
	seen="$seen $(jq -r '.timeSeries[0].resource.labels.database_id' "$EMU_TMP/pn")"
	tok=$(jq -r .nextPageToken "$EMU_TMP/pn")
done
[ "$(echo "$seen" | tr ' ' '\n' | sort | tr '\n' ' ')" = "p1:my p1:pg p1:rep " ] || fail "pages: $seen"
tok=$(jq -r .nextPageToken "$EMU_TMP/p1")
api GET /v3/projects/p1/timeSeries -G \
    --data-urlencode "filter=$METRIC AND resource.type = \"cloudsql_database\"" \
    --data-urlencode "interval.startTime=$T1" --data-urlencode "interval.endTime=$T2" \
    --data-urlencode pageSize=1 --data-urlencode "pageToken=$tok" >/dev/null
bad400 "token with another filter"
api GET /v3/projects/p1/timeSeries -G --data-urlencode "filter=$METRIC" \
    --data-urlencode "interval.startTime=$T2" --data-urlencode "interval.endTime=$T2" \
    --data-urlencode pageSize=1 --data-urlencode "pageToken=$tok" >/dev/null
bad400 "token with another interval"
ts p1 --data-urlencode pageToken=emu-bogus >/dev/null
bad400 "bad token"

# 403 for a project without monitoring access, deleted, or unknown.
want='Permission monitoring.timeSeries.list denied (or the resource may not exist).'
for p in p2 p3 nosuch; do
	ts "$p" >/dev/null
	expect_status 403 "project $p"
	jq -e --arg w "$want" '.error.code == 403 and .error.status == "PERMISSION_DENIED" and
	    .error.message == $w' "$EMU_TMP/body" >/dev/null || fail "403 $p: $(cat "$EMU_TMP/body")"
done

# Auth and faults as every API; the Cloud SQL quota (1 a minute) untouched.
curl -s -o /dev/null -w '%{http_code}' -G "$URL/v3/projects/p1/timeSeries" \
    --data-urlencode "filter=$METRIC" --data-urlencode "interval.endTime=$T2" >"$EMU_TMP/status"
expect_status 401 "no token"
curl -s -X POST "$URL/_emulator/faults" \
    -d '[{"endpoint": "monitoring.timeSeries.list", "kind": "status", "status": 503, "count": 1}]' >/dev/null
ts p1 >/dev/null
expect_status 503 "fault"
ts p1 >/dev/null
expect_status 200 "after the fault"
stats >"$EMU_TMP/s"
jq -e '.requests_by_endpoint["monitoring.timeSeries.list"] >= 15 and
    .quota_max_in_window == 0 and .quota_rejected == 0 and .faults_injected.status == 1' \
    "$EMU_TMP/s" >/dev/null || fail "stats: $(jq -c '{requests_by_endpoint, quota_max_in_window, faults_injected}' "$EMU_TMP/s")"
api GET /v1/projects/p1/instances >/dev/null
expect_status 200 "first SQL call"
[ "$(stats | jq .quota_max_in_window)" = 1 ] || fail "SQL calls not counted"

echo "PASS: monitoring timeSeries.list"
