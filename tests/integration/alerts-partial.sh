#!/bin/sh
# alerts-partial.sh: a manual run of a few databases clears nothing (issue
# 13, case 2).  After a full run in which one database failed for good,
# "run failed" and "export errors" fire; a trigger of every other database
# succeeds, yet neither alert resolves, no RESOLVED goes out on any
# channel, the dead man's switch is not pinged and `check` stays CRITICAL.
# Both survive a restart of the daemon (the journal tells).  Then a full
# run that exports everything resolves both, once, and pings.
. "$(dirname "$0")/daemon-lib.sh"
. "$top_srcdir/tests/integration/alerts-lib.sh"

[ -n "$A_PY" ] || { echo "SKIP: python3-aiosmtpd missing"; exit 77; }

EMU_FLEET="$top_srcdir/tests/data/alerts-fleet.json"
emu_start --time-scale 60
smtpd_start
hook_start
A_EXTRA="
[notify]
email_to = oncall@example.org
smtp_url = smtp://127.0.0.1:$SMTP_PORT
webhook_url = http://127.0.0.1:$HOOK_PORT/hook
ping_url = http://127.0.0.1:$HOOK_PORT/ping/partial
"
alerts_config
export DATABACKUP_TEST_NOTIFY_BACKOFF_MS=200
daemon_start

mails() { count_files "$A_TMP/smtp" 'mail-*.eml'; }
hooks() { count_files "$A_TMP/hook" 'hook-*.json'; }
pings() { count_files "$A_TMP/hook" 'ping-*'; }
delivered() { [ "$(mails)" -ge "$1" ] && [ "$(hooks)" -ge "$1" ]; }
firing() {
	ctl --json status | jq -c '[.alerts[] | select(.state == "firing") | .name] | sort'
}
# still_critical WHEN: both alerts firing, check exits 2 naming shop.
still_critical() {
	ctl check >"$A_TMP/check"; rc=$?
	[ "$rc" -eq 2 ] || fail "$1: check exit $rc, want 2: $(cat "$A_TMP/check")"
	grep -q '^CRITICAL: Run failed: run 1: 1 of [0-9]* databases not exported: ops-alpha/alpha-mysql/shop' "$A_TMP/check" ||
	    fail "$1: check: $(cat "$A_TMP/check")"
	grep -q '^CRITICAL: Export errors: 1 database failed 2 or more times.*: ops-alpha/alpha-mysql/shop' "$A_TMP/check" ||
	    fail "$1: check: $(cat "$A_TMP/check")"
	[ "$(firing)" = '["export_errors","run_failed"]' ] ||
	    fail "$1: firing $(firing)"
}

# 1. A full run: ops-alpha/alpha-mysql/shop fails for good.
setfaults '[{"endpoint":"sql.export","project":"ops-alpha","instance":"alpha-mysql","kind":"op_error"}]'
ctl trigger --wait >/dev/null
ctl --json status | jq -e '.last_run.outcome == "failed"' >/dev/null || fail "run 1 did not fail"
wait_for "two alerts told" 60 delivered 2
still_critical "after the failed full run"

# 2. A manual run of every other database, each by name: all succeed.
PATS=$(ctl --json jobs 1 | jq -r '.jobs[] | select(.database != "shop") |
    "\(.project)/\(.instance)/\(.database)"')
[ "$(echo "$PATS" | wc -l)" -ge 3 ] || fail "too few other databases: $PATS"
# shellcheck disable=SC2086
ctl trigger $PATS --wait >/dev/null || fail "manual run"
ctl --json status | jq -e '.last_run.id == 2 and .last_run.outcome == "succeeded"' >/dev/null ||
    fail "run 2: $(ctl --json status | jq -c .last_run)"
still_critical "after the manual run"

# 3. A restart forgets neither.
daemon_stop || fail "daemon exit status"
daemon_start
still_critical "after a restart"
# The restarted daemon tells the alerts again (its alert states are new).
wait_for "alerts told again after the restart" 60 delivered 4

# 4. A full run that exports everything: both resolve, and the ping.
setfaults '[]'
ctl trigger --wait >/dev/null
ctl check >"$A_TMP/check" || fail "check after the full run: $(cat "$A_TMP/check")"
wait_for "two clears told" 60 delivered 6
wait_for "ping" 20 test -s "$A_TMP/hook/ping-1"

# Exactly: 2 firing, 2 firing again after the restart, 2 resolved; one
# ping, after run 3; no RESOLVED before run 3 ended.
[ "$(mails)" -eq 6 ] || fail "$(mails) mails, want 6"
[ "$(hooks)" -eq 6 ] || fail "$(hooks) webhooks, want 6"
[ "$(pings)" -eq 1 ] || fail "$(pings) pings, want 1"
jq -s -e '[.[] | .alert + ":" + .state] | .[0:4] | map(endswith(":firing")) | all' \
    $(ls "$A_TMP"/hook/hook-*.json | sort -t- -k2 -n) >/dev/null ||
    fail "webhook order: $(cat "$A_TMP"/hook/hook-*.json | jq -c '[.alert,.state]' | tr '\n' ' ')"
jq -s -e '[.[] | select(.state == "ok") | .alert] | sort == ["export_errors","run_failed"]' \
    "$A_TMP"/hook/hook-*.json >/dev/null || fail "webhook resolved events"
"$A_PY" - "$A_TMP/smtp" <<'PY' || fail "mails"
import email, email.policy, glob, sys
subj = [email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)["Subject"]
        for p in glob.glob(sys.argv[1] + "/mail-*.eml")]
resolved = sorted(s for s in subj if "RESOLVED" in s)
assert resolved == ["[databackup production] RESOLVED: Export errors",
                    "[databackup production] RESOLVED: Run failed"], subj
PY
echo "PASS: a manual run of other databases clears nothing; a full run does"
