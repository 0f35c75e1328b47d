#!/bin/sh
# alerts-notify.sh: each built-in alert fires and clears through the
# emulator (failing exports, a failed discovery, a clock moved past the
# not-running period), and every change is told once on each channel:
# mail received by a real SMTP server (aiosmtpd, with AUTH), a webhook on a
# local listener (which refuses the first delivery: it must be retried),
# and Pub/Sub events pulled from the real emulator of google-cloud-cli.
. "$(dirname "$0")/daemon-lib.sh"
. "$top_srcdir/tests/integration/alerts-lib.sh"

[ -n "$A_PY" ] || { echo "SKIP: python3-aiosmtpd missing"; exit 77; }
command -v gcloud >/dev/null 2>&1 || { echo "SKIP: gcloud missing"; exit 77; }
SDK=$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null)
[ -d "$SDK/platform/pubsub-emulator" ] ||
    { echo "SKIP: gcloud pubsub-emulator component missing"; exit 77; }
command -v java >/dev/null 2>&1 || { echo "SKIP: java missing"; exit 77; }

pubsub_start
EMU_FLEET="$top_srcdir/tests/data/alerts-fleet.json"
emu_start --time-scale 60
smtpd_start alerts:s3cret
hook_start
printf 'alerts:s3cret\n' >"$A_TMP/smtp-auth"
chmod 600 "$A_TMP/smtp-auth"
# max_age above the 27h the clock moves: stale databases are not this
# test's business (health-stale.sh).
A_EXTRA="
[alerts]
max_age = 30h

[notify]
email_to = oncall@example.org,backup-team@example.org
email_from = databackup@example.org
smtp_url = smtp://127.0.0.1:$SMTP_PORT
smtp_auth_file = $A_TMP/smtp-auth
webhook_url = http://127.0.0.1:$HOOK_PORT/hook
ping_url = http://127.0.0.1:$HOOK_PORT/ping/abc
pubsub_topic = projects/$PS_PROJECT/topics/alerts
environment = ci-test
"
alerts_config
pubsub_wait
export PUBSUB_EMULATOR_HOST="127.0.0.1:$PS_PORT"
export DATABACKUP_TEST_CLOCK=1
daemon_start

mails() { count_files "$A_TMP/smtp" 'mail-*.eml'; }
hooks() { count_files "$A_TMP/hook" 'hook-*.json'; }
pings() { count_files "$A_TMP/hook" 'ping-*'; }
alert_events() { pubsub_pull; grep -c '"type":"alert"' "$A_TMP/pubsub/events" 2>/dev/null || true; }
run_events() { grep -c '"type":"run"' "$A_TMP/pubsub/events" 2>/dev/null || true; }
# delivered N: every channel has told N alert changes.
delivered() {
	[ "$(mails)" -ge "$1" ] && [ "$(hooks)" -ge "$1" ] &&
	    [ "$(alert_events)" -ge "$1" ]
}
exactly() {
	[ "$(mails)" -eq "$1" ] || fail "$(mails) mails, want $1"
	[ "$(hooks)" -eq "$1" ] || fail "$(hooks) webhooks, want $1"
	[ "$(alert_events)" -eq "$1" ] || fail "$(alert_events) pubsub alert events, want $1"
}
alert_state() { ctl --json status | jq -r ".alerts[] | select(.name == \"$1\") | .state"; }

# The start: nothing fires.
ctl check >"$A_TMP/check" || fail "check at start: $(cat "$A_TMP/check")"
[ "$(wc -l <"$A_TMP/check")" -eq 8 ] || fail "check: not one line per alert"

# 1. Failing exports: "export errors" while retries go on, then the run
# ends with a job that gave up: "run failed".
setfaults '[{"endpoint":"sql.export","project":"ops-alpha","instance":"alpha-mysql","kind":"op_error"}]'
ctl trigger --wait >/dev/null
wait_for "two alerts told" 60 delivered 2
exactly 2
ctl check >"$A_TMP/check"; rc=$?
[ "$rc" -eq 2 ] || fail "check exit $rc, want 2"
grep -q '^CRITICAL: Export errors: 1 database failed 2 or more times.*ops-alpha/alpha-mysql/shop' "$A_TMP/check" ||
    fail "check lines: $(cat "$A_TMP/check")"
grep -q '^CRITICAL: Run failed: run 1: 1 of [0-9]* databases not exported: ops-alpha/alpha-mysql/shop' "$A_TMP/check" ||
    fail "check lines: $(cat "$A_TMP/check")"
ctl --json status | jq -e '[.alerts[] | select(.state == "firing") | .name] | sort == ["export_errors", "run_failed"]' >/dev/null ||
    fail "status alerts"
ctl --json status | jq -e '.alerts[] | select(.name == "export_errors") | .since != null and .changed != null and (.summary | test("alpha-mysql/shop"))' >/dev/null ||
    fail "status alert fields"

# The mail, parsed.
"$A_PY" - "$A_TMP/smtp" <<'PY' || fail "mail content"
import email, email.policy, glob, sys
msgs = [email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
        for p in sorted(glob.glob(sys.argv[1] + "/mail-*.eml"))]
subj = {m["Subject"] for m in msgs}
want = {"[databackup ci-test] FIRING: Export errors (1 database)",
        "[databackup ci-test] FIRING: Run failed (1 database)"}
assert subj == want, subj
for m in msgs:
    assert m["X-Test-Auth"] == "alerts", m["X-Test-Auth"]
    assert m["X-Test-Mail-From"] == "databackup@example.org", m["X-Test-Mail-From"]
    assert m["X-Test-Rcpt-To"] == "oncall@example.org,backup-team@example.org", m["X-Test-Rcpt-To"]
    assert "oncall@example.org" in m["To"]
    body = m.get_content()
    assert "Environment: ci-test" in body, body
    assert "- ops-alpha/alpha-mysql/shop:" in body, body
    assert "last error: " in body and "INTERNAL_ERROR" in body, body
    assert "Runbook:" in body and "databackupctl trigger" in body, body
PY
# The webhook: the first delivery was refused and retried.
[ "$(cat "$A_TMP/hook/refused")" = 1 ] || fail "webhook never refused"
jq -s -e 'map(select(.type == "alert" and .state == "firing" and .environment == "ci-test"
    and .databases[0].project == "ops-alpha" and .databases[0].database == "shop")) | length == 2' \
    "$A_TMP"/hook/hook-*.json >/dev/null || fail "webhook bodies"
grep '"type":"alert"' "$A_TMP/pubsub/events" | jq -s -e 'map(.alert) | sort == ["export_errors", "run_failed"]' >/dev/null ||
    fail "pubsub alert events"
[ "$(pings)" -eq 0 ] || fail "ping after a failed run"

# 2. The exports work again: both clear, once.
setfaults '[]'
ctl trigger --wait >/dev/null
wait_for "two clears told" 60 delivered 4
wait_for "ping" 20 test -s "$A_TMP/hook/ping-1"
[ "$(cat "$A_TMP/hook/ping-1")" = /ping/abc ] || fail "ping path"
ctl check >"$A_TMP/check" || fail "check after recovery: $(cat "$A_TMP/check")"
exactly 4
"$A_PY" - "$A_TMP/smtp" <<'PY' || fail "resolved mails"
import email, email.policy, glob, sys
subj = sorted(email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)["Subject"]
              for p in glob.glob(sys.argv[1] + "/mail-*.eml"))
assert "[databackup ci-test] RESOLVED: Export errors" in subj, subj
assert "[databackup ci-test] RESOLVED: Run failed" in subj, subj
PY

# 3. Discovery fails (every folder unreadable): "run failed".
setfaults '[{"endpoint":"crm.folders.list","kind":"status","status":403},{"endpoint":"crm.projects.list","kind":"status","status":403}]'
ctl trigger --wait >/dev/null
wait_for "discovery alert told" 60 delivered 5
[ "$(alert_state run_failed)" = firing ] || fail "run_failed not firing"
ctl check | grep -q '^CRITICAL: Run failed: run 3: discovery failed' || fail "check: $(ctl check)"
setfaults '[]'
ctl trigger --wait >/dev/null
wait_for "discovery clear told" 60 delivered 6
[ "$(alert_state run_failed)" = ok ] || fail "run_failed still firing"

# 4. No export attempt for longer than not_running_after (26h).
ctl --json status >/dev/null
set_clock 97200
wait_for "not-running alert told" 30 delivered 7
ctl check >"$A_TMP/check"; rc=$?
[ "$rc" -eq 1 ] || fail "check exit $rc, want 1: $(cat "$A_TMP/check")"
head -1 "$A_TMP/check" | grep -q '^WARNING: Exports not running: no export attempt for 27h' ||
    fail "check: $(cat "$A_TMP/check")"
ctl trigger --wait >/dev/null
wait_for "not-running clear told" 30 delivered 8
ctl check >/dev/null || fail "check after the run"

# Once per change: many evaluations later, still one of each.
exactly 8
[ "$(run_events)" -eq 5 ] || fail "$(run_events) run events, want 5"
[ "$(pings)" -eq 3 ] || fail "$(pings) pings, want 3"
grep '"type":"alert"' "$A_TMP/pubsub/events" | jq -s -e \
    '[.[] | .alert + ":" + .state] == ["export_errors:firing","run_failed:firing","export_errors:ok","run_failed:ok","run_failed:firing","run_failed:ok","not_running:firing","not_running:ok"]
     or ([.[] | .alert + ":" + .state] | sort) == (["export_errors:firing","run_failed:firing","export_errors:ok","run_failed:ok","run_failed:firing","run_failed:ok","not_running:firing","not_running:ok"] | sort)' \
    >/dev/null || fail "pubsub alert sequence: $(grep '"type":"alert"' "$A_TMP/pubsub/events" | jq -c '[.alert,.state]' | tr '\n' ' ')"
echo "PASS: alerts fire and clear; mail, webhook and Pub/Sub told once per change"
