#!/bin/sh
# emu-crm.sh: Resource Manager paging with small pages, state filtering,
# unknown folders (403), v2 lifecycleState and the v1 filter; unknown
# routes and wrong methods.
. "$(dirname "$0")/emu-lib.sh"

cat >"$EMU_TMP/fleet.json" <<'JSON'
{"page_size": 2, "sql_page_size": 2, "buckets": ["b"],
 "folders": [{"id": "1", "displayName": "top", "folders": [
     {"id": "11", "displayName": "a"}, {"id": "12", "displayName": "b"},
     {"id": "13", "displayName": "c"}, {"id": "14", "displayName": "d",
      "state": "DELETE_REQUESTED"}],
   "projects": [
     {"projectId": "p1", "projectNumber": "101"},
     {"projectId": "p2", "projectNumber": "102"},
     {"projectId": "p3", "projectNumber": "103"},
     {"projectId": "p4", "projectNumber": "104", "state": "DELETE_REQUESTED"},
     {"projectId": "p5", "projectNumber": "105", "instances": [
        {"name": "i1", "databaseVersion": "MYSQL_8_0"},
        {"name": "i2", "databaseVersion": "MYSQL_8_0"},
        {"name": "i3", "databaseVersion": "POSTGRES_15"}]}]}]}
JSON
EMU_FLEET="$EMU_TMP/fleet.json" emu_start

# Walk v3 folders.list page by page.
all=; tok=
while :; do
	api GET "/v3/folders?parent=folders/1&pageSize=100${tok:+&pageToken=$tok}" >"$EMU_TMP/p"
	expect_status 200 "folders.list"
	all="$all $(jq -r '.folders[]?.displayName' "$EMU_TMP/p" | tr '\n' ' ')"
	tok=$(jq -r '.nextPageToken // empty' "$EMU_TMP/p")
	pages=$((${pages:-0} + 1))
	[ -n "$tok" ] || break
done
[ "$(echo $all)" = "a b c" ] || fail "folders: $all"
[ "$pages" = 2 ] || fail "folders pages: $pages"

# v3 projects: 4 ACTIVE over 2-item pages; showDeleted adds p4.
n=0; tok=
while :; do
	api GET "/v3/projects?parent=folders/1${tok:+&pageToken=$tok}" >"$EMU_TMP/p"
	n=$((n + $(jq '.projects | length' "$EMU_TMP/p")))
	tok=$(jq -r '.nextPageToken // empty' "$EMU_TMP/p")
	[ -n "$tok" ] || break
done
[ "$n" = 4 ] || fail "projects: $n"
api GET "/v3/projects?parent=folders/1&showDeleted=true&pageToken=emu-17" >"$EMU_TMP/p"
jq -e '.projects | map(.projectId) | index("p4")' "$EMU_TMP/p" >/dev/null || fail "showDeleted"
api GET "/v3/projects?parent=folders/1&pageToken=garbage" >/dev/null
expect_status 400 "bad page token"
api GET "/v3/folders?parent=folders/999" >"$EMU_TMP/p"
expect_status 403 "unknown folder"
jq -e '.error.status == "PERMISSION_DENIED"' "$EMU_TMP/p" >/dev/null || fail "403 body"
api GET "/v2/folders?parent=folders/1&showDeleted=true&pageSize=10" >"$EMU_TMP/p"
jq -e '[.folders[].lifecycleState] | index("ACTIVE")' "$EMU_TMP/p" >/dev/null || fail "v2 lifecycleState"
api GET /v3/projects/105 >"$EMU_TMP/p"
jq -e '.projectId == "p5" and .name == "projects/105"' "$EMU_TMP/p" >/dev/null || fail "projects.get"

# v1 filter as gcloud sends it.
api GET "/v1/projects?alt=json&filter=lifecycleState%3AACTIVE+AND+%28parent.id%3D1+AND+parent.type%3Dfolder%29&pageSize=500" >"$EMU_TMP/p"
expect_status 200 "v1 list"
jq -e '(.projects | length) == 2 and .nextPageToken' "$EMU_TMP/p" >/dev/null || fail "v1 page"
api GET "/v1/projects?filter=id%3Dp5+OR+id%3Dp1" >"$EMU_TMP/p"
[ "$(jq -r '[.projects[].projectId] | sort | join(",")' "$EMU_TMP/p")" = "p1,p5" ] || fail "v1 OR"
api GET "/v1/projects?filter=%28id%3D" >/dev/null
expect_status 400 "bad filter"

# Cloud SQL instances page too (fleet sql_page_size 2).
api GET "/sql/v1beta4/projects/p5/instances?maxResults=1000" >"$EMU_TMP/p"
tok=$(jq -r .nextPageToken "$EMU_TMP/p")
[ "$(jq '.items | length' "$EMU_TMP/p")" = 2 ] || fail "sql page 1"
api GET "/sql/v1beta4/projects/p5/instances?maxResults=1000&pageToken=$tok" >"$EMU_TMP/p"
jq -e '(.items | length) == 1 and (has("nextPageToken") | not)' "$EMU_TMP/p" >/dev/null ||
    fail "sql page 2"
api GET "/sql/v1beta4/projects/p1/instances" >"$EMU_TMP/p"
jq -e 'has("items") | not' "$EMU_TMP/p" >/dev/null || fail "empty list must omit items"

api GET /nowhere >"$EMU_TMP/p"
expect_status 404 "unknown route"
jq -e '.error.code == 404' "$EMU_TMP/p" >/dev/null || fail "404 body"
api DELETE /v3/projects/p1 >/dev/null
expect_status 405 "wrong method"
echo "crm ok"
