#!/bin/sh
# A whole run over the demo fleet: every expected database exported exactly
# once, nothing excluded or skipped touched, no 409 caused by the daemon's
# own concurrency, the busy instance exported in the end, the failing
# database reported as failed, and databackupctl's exit codes.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 120
RETRY_WINDOW=20s daemon_config
"$DAEMON_BIN" -n -c "$D_TMP/databackup.conf" >"$D_TMP/n.out" 2>&1 ||
    dfail "databackupd -n rejects a good config: $(cat "$D_TMP/n.out")"
grep -q 'configuration OK' "$D_TMP/n.out" || dfail "-n: no OK line"
daemon_start

ctl status >"$D_TMP/status.out" || dfail "status failed"
grep -q 'databackupd' "$D_TMP/status.out" || dfail "status output: $(cat "$D_TMP/status.out")"

# broken_db's exports always fail: the run ends with it failed, exit 1.
if ctl trigger --wait >"$D_TMP/trigger.out" 2>&1; then
	dfail "trigger --wait exited 0 although a database failed"
fi
tail -3 "$D_TMP/trigger.out"
# broken_db's retries show in the progress lines as retry wait.
grep -q '  retry wait 1  elapsed' "$D_TMP/trigger.out" ||
    dfail "no progress line counts broken_db's retry wait"

# Once the run has ended, status still shows what its discovery found.
ctl --json status >"$D_TMP/status.json"
jq -e --argjson n "$(expected_targets | wc -l)" \
    '.last_run.discovery.databases >= $n and .last_run.discovery.projects > 0' \
    "$D_TMP/status.json" >/dev/null ||
    dfail "last_run discovery: $(jq -c .last_run "$D_TMP/status.json")"
ctl status | awk '/^last run/ { l = 1 } l && /discovery:/ { print; exit }' \
    >"$D_TMP/disc.line"
grep -q 'discovery: *[0-9]' "$D_TMP/disc.line" ||
    dfail "status, last run: '$(cat "$D_TMP/disc.line")'"

stats >"$D_TMP/stats.json"
expected_targets >"$D_TMP/expected"
jq -r '.exports_started | keys[]' "$D_TMP/stats.json" | sort >"$D_TMP/started"
diff -u "$D_TMP/expected" "$D_TMP/started" ||
    dfail "the exported set differs from the fleet's expected targets"
while read -r t; do
	n=$(jq -r --arg t "$t" '.exports_started[$t]' "$D_TMP/stats.json")
	case "$t" in
	*/broken_db)
		[ "$n" -ge 2 ] || dfail "$t: retried $n times, want >= 2" ;;
	*)
		[ "$n" = 1 ] || dfail "$t: exported $n times, want once" ;;
	esac
done <"$D_TMP/expected"
[ "$(jq .conflicts_client "$D_TMP/stats.json")" = 0 ] ||
    dfail "the daemon ran two operations at once on an instance"
[ "$(jq .auth_failures "$D_TMP/stats.json")" = 0 ] || dfail "auth failures"

# Every succeeded job's object exists and is not empty.
ctl --json jobs >"$D_TMP/jobs.json" || true
jq -e '.type == "result"' "$D_TMP/jobs.json" >/dev/null || dfail "jobs --json"
jq -r '.jobs[] | select(.state == "succeeded") | .object' "$D_TMP/jobs.json" |
while read -r o; do
	[ -s "$EMU_TMP/buckets/campus-sql-backups/$o" ] || dfail "no object $o"
done
nsucc=$(jq '[.jobs[] | select(.state == "succeeded")] | length' "$D_TMP/jobs.json")
nexp=$(wc -l <"$D_TMP/expected")
[ "$nsucc" -eq $((nexp - 1)) ] || dfail "$nsucc succeeded, want $((nexp - 1))"
jq -e '.jobs[] | select(.database == "broken_db") | select(.state == "failed")
    | select(.error | test("permission denied"))' "$D_TMP/jobs.json" >/dev/null ||
    dfail "broken_db not failed with the operation's error"
# The instance with a busy window was exported in the end.
jq -e '[.jobs[] | select(.instance == "clinical-pg" and .state == "succeeded")]
    | length == 4' "$D_TMP/jobs.json" >/dev/null || dfail "clinical-pg not done"

# databackupctl: bad usage is exit 2, a stopped daemon exit 1.
ctl frobnicate >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || dfail "unknown command: exit $rc, want 2"
daemon_stop || dfail "databackupd exited non-zero on SIGTERM"
ctl status >/dev/null 2>"$D_TMP/err"; rc=$?
[ "$rc" = 1 ] || dfail "status with no daemon: exit $rc, want 1"
grep -q 'is databackupd running' "$D_TMP/err" || dfail "no hint: $(cat "$D_TMP/err")"
echo "PASS: $nsucc exported once each, broken_db failed after retries"
