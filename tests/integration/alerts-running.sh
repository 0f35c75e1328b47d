#!/bin/sh
# alerts-running.sh: a long export is exports running (issue 13, case 7).
# One database whose export lasts 20 emulated minutes; while it is in
# progress, the alerts' clock moves past not_running_after (26h): "exports
# not running" must not fire, since work is going on.  Nor when the export
# has ended.  With no export in progress, the same move fires it.
. "$(dirname "$0")/daemon-lib.sh"
. "$top_srcdir/tests/integration/alerts-lib.sh"

# One instance, one database of 48 GB: 1,200 emulated seconds at 40 MB/s.
cat >"$A_TMP/fleet.json" <<'JSON'
{
  "export_rate_mb_per_s": 40,
  "export_startup": "10s",
  "organization": "100000000001",
  "buckets": ["alerts-test-backups"],
  "folders": [
    {
      "id": "410000000001",
      "displayName": "Operations",
      "projects": [
        {
          "projectId": "ops-long",
          "projectNumber": "510000000009",
          "instances": [
            {"name": "long-mysql", "databaseVersion": "MYSQL_8_0",
             "databases": [{"name": "archive", "sizeMb": 48000}]}
          ]
        }
      ]
    }
  ]
}
JSON
EMU_FLEET="$A_TMP/fleet.json"
emu_start --time-scale 60
RETRY_WINDOW=1h
# max_age above the 54h the clock moves: a database first seen 27h ago
# and not yet exported is stale, which is not this test's business.
A_EXTRA="
[alerts]
max_age = 60h
"
alerts_config
export DATABACKUP_TEST_CLOCK=1
daemon_start

state() { ctl --json jobs | jq -r '.jobs[0].state // "none"'; }
exporting() { [ "$(state)" = exporting ]; }
not_running() { ctl --json status | jq -r '.alerts[] | select(.name == "not_running") | .state'; }
run_over() { ctl --json status | jq -e '.last_run.id == 1 and .last_run.outcome == "succeeded"' >/dev/null; }

ctl trigger >/dev/null || fail "trigger"
wait_for "the export under way" 60 exporting

# 27h later by the alerts' clock, the export still going on.
set_clock 97200
[ "$(state)" = exporting ] || fail "the export ended before the check ($(state)): inconclusive"
[ "$(not_running)" = ok ] || fail "not_running fires during an export: $(ctl check)"
ctl check >"$A_TMP/check" || fail "check during the export: $(cat "$A_TMP/check")"
grep -q '^OK: Exports not running: 1 export in progress' "$A_TMP/check" ||
    fail "check: $(cat "$A_TMP/check")"
grep -q 'alert not_running fires' "$D_TMP/daemon.log" && fail "not_running fired (log)"

# The export ends: still nothing to say.
wait_for "the run to end" 120 run_over
[ "$(not_running)" = ok ] || fail "not_running fires after the export: $(ctl check)"
grep -q 'alert not_running fires' "$D_TMP/daemon.log" && fail "not_running fired (log)"

# Control: 27h more with nothing in progress fires it.
set_clock 194400
[ "$(not_running)" = firing ] || fail "not_running does not fire when idle: $(ctl check)"
echo "PASS: an export in progress is exports running"
