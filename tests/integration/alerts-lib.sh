# alerts-lib.sh: shared by the alert tests (sourced after daemon-lib.sh).
# Starts real receivers on loopback: an SMTP server (aiosmtpd, from
# Debian's python3-aiosmtpd), an HTTP listener for webhooks and pings, and
# the Pub/Sub emulator shipped with google-cloud-cli; and writes a daemon
# configuration for the small fleet tests/data/alerts-fleet.json.

# Debian's python3 has aiosmtpd; a python3 earlier in PATH may not.
A_PY=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import aiosmtpd' 2>/dev/null; then
		A_PY=$p
		break
	fi
done
A_PIDS=
A_PS_PID=
A_TMP="$EMU_TMP/alerts"
mkdir -p "$A_TMP/smtp" "$A_TMP/hook"

alerts_cleanup() {
	for p in $A_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# The emulator is gcloud plus a Java child: its own process group.
	if [ -n "$A_PS_PID" ]; then
		kill -TERM "-$A_PS_PID" 2>/dev/null
		wait "$A_PS_PID" 2>/dev/null
	fi
	daemon_cleanup
}
trap alerts_cleanup EXIT

# wait_file DESC SECONDS FILE
wait_file() {
	wait_for "$1" "$2" test -s "$3"
}

free_port() {
	"${A_PY:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# smtpd_start [USER:PASSWORD]: on a free port, or on $SMTPD_PORT if set.
smtpd_start() {
	rm -f "$A_TMP/smtp/port"
	"$A_PY" "$top_srcdir/tests/integration/alerts-smtpd.py" "$A_TMP/smtp" \
	    "$@" 2>"$A_TMP/smtpd.log" &
	A_PIDS="$A_PIDS $!"
	wait_file "smtp server" 20 "$A_TMP/smtp/port"
	SMTP_PORT=$(cat "$A_TMP/smtp/port")
}

hook_start() {
	"${A_PY:-python3}" "$top_srcdir/tests/integration/alerts-webhook.py" \
	    "$A_TMP/hook" 2>"$A_TMP/hook.log" &
	A_PIDS="$A_PIDS $!"
	wait_file "webhook listener" 20 "$A_TMP/hook/port"
	HOOK_PORT=$(cat "$A_TMP/hook/port")
}

# pubsub_start: background start; pubsub_wait: until it answers.
PS_PROJECT=alerts-test
pubsub_start() {
	PS_PORT=$(free_port)
	mkdir -p "$A_TMP/pubsub/data" "$A_TMP/pubsub/cfg"
	CLOUDSDK_CONFIG="$A_TMP/pubsub/cfg" CLOUDSDK_CORE_DISABLE_PROMPTS=1 \
	    setsid gcloud beta emulators pubsub start \
	    --host-port="127.0.0.1:$PS_PORT" --project="$PS_PROJECT" \
	    --data-dir="$A_TMP/pubsub/data" >"$A_TMP/pubsub/log" 2>&1 &
	A_PS_PID=$!
}
pubsub_up() { curl -s -m 2 -o /dev/null "http://127.0.0.1:$PS_PORT/"; }
pubsub_wait() {
	deadline=$(( $(date +%s) + 90 ))
	until pubsub_up; do
		kill -0 "$A_PS_PID" 2>/dev/null || { tail "$A_TMP/pubsub/log"; fail "pubsub emulator died"; }
		[ "$(date +%s)" -lt "$deadline" ] || fail "pubsub emulator not answering"
		sleep 0.2
	done
	PS="http://127.0.0.1:$PS_PORT/v1/projects/$PS_PROJECT"
	curl -sf -X PUT "$PS/topics/alerts" >/dev/null || fail "create topic"
	curl -sf -X PUT -H 'Content-Type: application/json' \
	    -d "{\"topic\":\"projects/$PS_PROJECT/topics/alerts\"}" \
	    "$PS/subscriptions/alerts-sub" >/dev/null || fail "create subscription"
}
# pubsub_pull: append every message (decoded data, one JSON per line) to
# $A_TMP/pubsub/events and acknowledge them.
pubsub_pull() {
	curl -sf -X POST -H 'Content-Type: application/json' \
	    -d '{"maxMessages":100,"returnImmediately":true}' \
	    "$PS/subscriptions/alerts-sub:pull" >"$A_TMP/pubsub/pulled" || return 1
	jq -r '.receivedMessages // [] | .[].message.data' "$A_TMP/pubsub/pulled" |
	    while read -r d; do printf '%s' "$d" | base64 -d; echo; done \
	    >>"$A_TMP/pubsub/events"
	ids=$(jq -c '[.receivedMessages // [] | .[].ackId]' "$A_TMP/pubsub/pulled")
	[ "$ids" = "[]" ] || curl -sf -X POST -H 'Content-Type: application/json' \
	    -d "{\"ackIds\":$ids}" "$PS/subscriptions/alerts-sub:acknowledge" >/dev/null
	return 0
}

# alerts_config: the daemon's configuration for the alerts fleet.
alerts_config() {
	cat >"$D_TMP/databackup.conf" <<CONF
[schedule]
daily_at = 03:00
catch_up = no

[discovery]
folders = 410000000001

[export]
bucket = alerts-test-backups
poll_initial = 100ms
poll_max = 1s
retry_window = ${RETRY_WINDOW:-15s}
alert_after_failures = 2
max_in_flight = 2

[workers]
count = 2

[control]
socket = $D_TMP/control.sock

[state]
journal = $D_TMP/journal.db

[gcp]
sqladmin_endpoint = $URL
resourcemanager_endpoint = $URL
storage_endpoint = $URL
monitoring_endpoint = $URL
${A_EXTRA:-}
CONF
}

setfaults() {
	printf '%s' "$1" | curl -s -o /dev/null -w '%{http_code}' -X POST \
	    --data-binary @- "$URL/_emulator/faults" | grep -q 200 ||
	    fail "set faults"
}

count_files() { find "$1" -maxdepth 1 -name "$2" | wc -l; }

