#!/bin/sh
# alerts-delivery.sh: failing notifications are seen (issue 13, case 6).
# With the SMTP server down, each mail is retried until its attempts run
# out; then /metrics counts it as failed on the email channel, and `check`
# says "WARNING: notifications failing: email since <UTC time>" (the
# webhook, which works, is not named).  Once the server is up, the next
# notification goes through and the warning is gone.
. "$(dirname "$0")/daemon-lib.sh"
. "$top_srcdir/tests/integration/alerts-lib.sh"

[ -n "$A_PY" ] || { echo "SKIP: python3-aiosmtpd missing"; exit 77; }

EMU_FLEET="$top_srcdir/tests/data/alerts-fleet.json"
emu_start --time-scale 60
hook_start
# The SMTP server's port, with nobody listening on it yet.
SMTPD_PORT=$(free_port)
export SMTPD_PORT
M_PORT=$(free_port)
A_EXTRA="
[metrics]
listen = 127.0.0.1:$M_PORT

[notify]
email_to = oncall@example.org
smtp_url = smtp://127.0.0.1:$SMTPD_PORT
webhook_url = http://127.0.0.1:$HOOK_PORT/hook
"
alerts_config
# Retries 10ms, 20ms, ... apart: attempts run out in seconds.
export DATABACKUP_TEST_NOTIFY_BACKOFF_MS=10
daemon_start

mails() { count_files "$A_TMP/smtp" 'mail-*.eml'; }
hooks() { count_files "$A_TMP/hook" 'hook-*.json'; }
# notified CHANNEL OUTCOME: the counter, from /metrics.
notified() {
	curl -sf "http://127.0.0.1:$M_PORT/metrics" |
	    sed -n "s/^databackup_notifications_total{channel=\"$1\",outcome=\"$2\"} //p"
}
email_failed_at_least() { [ "$(notified email failed)" -ge "$1" ]; }
email_sent_at_least() { [ "$(notified email succeeded)" -ge "$1" ]; }
hooks_at_least() { [ "$(hooks)" -ge "$1" ]; }
warning_re='^WARNING: notifications failing: email since [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

[ "$(notified email failed)" = 0 ] || fail "metric missing or not 0 at start"

# 1. Two alerts fire; both mails run out of attempts.
setfaults '[{"endpoint":"sql.export","project":"ops-alpha","instance":"alpha-mysql","kind":"op_error"}]'
ctl trigger --wait >/dev/null
wait_for "two mails given up" 60 email_failed_at_least 2
wait_for "two webhooks" 60 hooks_at_least 2
[ "$(notified email succeeded)" = 0 ] || fail "a mail went through"
[ "$(notified webhook failed)" = 0 ] || fail "webhook counted failed"
ctl check >"$A_TMP/check"; rc=$?
[ "$rc" -eq 2 ] || fail "check exit $rc, want 2 (alerts firing): $(cat "$A_TMP/check")"
grep -E -q "$warning_re" "$A_TMP/check" || fail "check: no email warning: $(cat "$A_TMP/check")"
grep -q webhook "$A_TMP/check" && fail "check names the webhook: $(cat "$A_TMP/check")"

# 2. The exports work again: both alerts resolve, the mails fail again,
# and the warning alone is left: exit 1.
setfaults '[]'
ctl trigger --wait >/dev/null
wait_for "four mails given up" 60 email_failed_at_least 4
wait_for "four webhooks" 60 hooks_at_least 4
ctl check >"$A_TMP/check"; rc=$?
[ "$rc" -eq 1 ] || fail "check exit $rc, want 1: $(cat "$A_TMP/check")"
grep -E -q "$warning_re" "$A_TMP/check" || fail "check: $(cat "$A_TMP/check")"
since=$(sed -n 's/.*email since //p' "$A_TMP/check")
ctl --json check | jq -e '.status == 1' >/dev/null || fail "check --json status"

# 3. The server is up: the next notification goes through, the warning
# goes away.
smtpd_start
[ "$(cat "$A_TMP/smtp/port")" = "$SMTPD_PORT" ] || fail "smtp server on another port"
setfaults '[{"endpoint":"sql.export","project":"ops-alpha","instance":"alpha-mysql","kind":"op_error"}]'
ctl trigger --wait >/dev/null
wait_for "a mail through" 60 email_sent_at_least 1
ctl check >"$A_TMP/check"; rc=$?
[ "$rc" -eq 2 ] || fail "check exit $rc, want 2: $(cat "$A_TMP/check")"
grep -q 'notifications failing' "$A_TMP/check" && fail "warning left: $(cat "$A_TMP/check")"
[ "$(mails)" -ge 1 ] || fail "no mail received"
[ "$(notified email failed)" -eq 4 ] || fail "$(notified email failed) failed mails, want 4"
[ -n "$since" ] || fail "no since time"
echo "PASS: failing mails counted and shown by check until one goes through"
