#!/bin/sh
# A short token outage never stalls a run: Google refuses the cached token
# (401 on an export), then the token source fails three times in a row.
# With one worker every job waits for a token; the master must ask again
# by itself, and the run must finish without any other trigger.
. "$top_srcdir/tests/integration/daemon-lib.sh"

cat >"$EMU_TMP/faults.json" <<'JSON'
[
 {"endpoint": "sql.export", "kind": "status", "status": 401, "after": 1, "count": 1},
 {"endpoint": "metadata.token", "kind": "status", "status": 503, "after": 1, "count": 3}
]
JSON
emu_start --time-scale 200 --faults "$EMU_TMP/faults.json"
WORKERS=1 MAX_IN_FLIGHT=1 daemon_config
# Only physics-lab: a small run.
sed -i -e '/^folders = /d' -e 's/^projects = .*/projects = physics-lab/' \
    "$D_TMP/databackup.conf"
daemon_start

# The deadline only bounds a hang; a stalled run never ends by itself.
timeout 120 "$CTL_BIN" -s "$D_TMP/control.sock" trigger --wait \
    >"$D_TMP/trigger.out" 2>&1 || {
	cat "$D_TMP/trigger.out" >&2
	ctl jobs >&2
	dfail "the run did not finish after the token outage"
}
stats >"$D_TMP/stats.json"
jq -e '.faults_injected.status == 4' "$D_TMP/stats.json" >/dev/null ||
    dfail "faults: $(jq -c .faults_injected "$D_TMP/stats.json")"
grep -q 'token refused' "$D_TMP/daemon.log" || dfail "no 401 logged"
grep -q 'no access token (1 in a row).*asking again' "$D_TMP/daemon.log" ||
    dfail "the failed token request was not retried by a timer"
ctl --json jobs >"$D_TMP/jobs.json"
jq -e '.jobs | length > 1 and all(.state == "succeeded")' \
    "$D_TMP/jobs.json" >/dev/null ||
    dfail "jobs: $(jq -c '[.jobs[] | {database, state}]' "$D_TMP/jobs.json")"
echo "PASS: $(jq '.jobs | length' "$D_TMP/jobs.json") exports after a 401 and 3 token failures"
