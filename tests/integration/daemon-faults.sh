#!/bin/sh
# Google's bad day: transient faults on every step of a job are retried to
# success; a permanent error fails its jobs at once with the reason.
. "$top_srcdir/tests/integration/daemon-lib.sh"

cat >"$EMU_TMP/faults.json" <<'JSON'
[
 {"endpoint": "sql.export", "instance": "physics-mysql", "kind": "status", "status": 403},
 {"endpoint": "sql.export", "kind": "status", "status": 503, "count": 3},
 {"endpoint": "sql.export", "kind": "ratelimit", "retry_after": 1, "count": 2},
 {"endpoint": "sql.export", "kind": "op_error", "count": 2},
 {"endpoint": "sql.operations.get", "kind": "status", "status": 500, "count": 3},
 {"endpoint": "sql.operations.get", "kind": "malformed", "count": 2},
 {"endpoint": "storage.objects.get", "kind": "truncated", "count": 2},
 {"endpoint": "sql.instances.list", "kind": "status", "status": 503, "count": 2},
 {"endpoint": "crm.projects.list", "kind": "ratelimit", "retry_after": 1, "count": 1}
]
JSON
emu_start --time-scale 200 --faults "$EMU_TMP/faults.json"
RETRY_WINDOW=5m DISC_EXTRA="exclude = library-catalogue/library-pg/broken_db" \
    daemon_config
daemon_start
ctl trigger --wait >"$D_TMP/trigger.out" 2>&1 && dfail "trigger --wait: exit 0 with failed jobs"
stats >"$D_TMP/stats.json"
ctl --json jobs >"$D_TMP/jobs.json"

# Every fault kind fired.
for k in status ratelimit op_error malformed truncated; do
	n=$(jq -r --arg k "$k" '.faults_injected[$k]' "$D_TMP/stats.json")
	[ "$n" -gt 0 ] || dfail "fault $k never fired"
done
# physics-mysql: 403 is permanent, so one attempt each and failed.
jq -e '[.jobs[] | select(.instance == "physics-mysql")] | length == 3 and
    all(.state == "failed" and .attempts == 1)' "$D_TMP/jobs.json" >/dev/null ||
    dfail "physics-mysql jobs: $(jq -c '[.jobs[] | select(.instance == "physics-mysql") | {state, attempts, error}]' "$D_TMP/jobs.json")"
# Everything else succeeded, each database exported by one operation
# except where an operation itself failed (op_error), which is retried.
nfail=$(jq '[.jobs[] | select(.state != "succeeded")] | length' "$D_TMP/jobs.json")
[ "$nfail" = 3 ] || dfail "$nfail jobs not succeeded, want 3"
ops=$(jq '[.exports_started | to_entries[] | .value] | add' "$D_TMP/stats.json")
nok=$(jq '[.jobs[] | select(.state == "succeeded")] | length' "$D_TMP/jobs.json")
[ "$ops" -eq $((nok + 2)) ] ||
    dfail "$ops operations for $nok exports and 2 failed operations"
[ "$(jq .conflicts_client "$D_TMP/stats.json")" = 0 ] || dfail "409 of our own"
echo "PASS: $nok exports through faults; 3 permanent failures"
