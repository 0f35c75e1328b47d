# emu-lib.sh: shared by the emulator's integration tests (sourced, not run).
# Starts gcp-emulator on a free port, waits for its port file with a
# deadline, and kills it on exit.  Needs curl and jq.

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
EMU_BIN="$top_builddir/tests/emulator/gcp-emulator"
EMU_TMP=$(mktemp -d)
EMU_PID=
TOKEN=test-token
AUTH="Authorization: Bearer $TOKEN"

emu_cleanup() {
	if [ -n "$EMU_PID" ]; then
		kill "$EMU_PID" 2>/dev/null
		wait "$EMU_PID" 2>/dev/null
	fi
	rm -rf "$EMU_TMP"
}
trap emu_cleanup EXIT

for tool in curl jq; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool missing"; exit 77; }
done

fail() {
	echo "FAIL: $*" >&2
	[ -f "$EMU_TMP/log" ] && tail -20 "$EMU_TMP/log" >&2
	exit 1
}

# emu_start [extra args...]: start with the demo fleet unless --fleet given.
emu_start() {
	fleet="$top_srcdir/etc/demo-fleet.json"
	rm -f "$EMU_TMP/port"
	"$EMU_BIN" --fleet "${EMU_FLEET:-$fleet}" --listen 127.0.0.1:0 \
	    --port-file "$EMU_TMP/port" --bucket-dir "$EMU_TMP/buckets" \
	    --static-token "$TOKEN" --log "$EMU_TMP/log" "$@" \
	    >"$EMU_TMP/stdout" 2>"$EMU_TMP/stderr" &
	EMU_PID=$!
	deadline=$(( $(date +%s) + 10 ))
	while [ ! -s "$EMU_TMP/port" ]; do
		kill -0 "$EMU_PID" 2>/dev/null || { cat "$EMU_TMP/stderr"; fail "emulator died"; }
		[ "$(date +%s)" -lt "$deadline" ] || fail "no port file"
		sleep 0.05
	done
	PORT=$(cat "$EMU_TMP/port")
	URL="http://127.0.0.1:$PORT"
}

emu_stop() {
	kill "$EMU_PID" 2>/dev/null
	wait "$EMU_PID" 2>/dev/null
	EMU_PID=
}

# api METHOD PATH [curl args...]: body to stdout, status in $EMU_TMP/status
api() {
	m=$1; p=$2; shift 2
	curl -s -o "$EMU_TMP/body" -w '%{http_code}' -X "$m" -H "$AUTH" \
	    "$@" "$URL$p" >"$EMU_TMP/status"
	cat "$EMU_TMP/body"
}

status() { cat "$EMU_TMP/status"; }

expect_status() {
	[ "$(status)" = "$1" ] || fail "$2: status $(status), want $1: $(cat "$EMU_TMP/body")"
}

stats() { curl -s "$URL/_emulator/stats"; }

# wait_for DESC SECONDS COMMAND...: poll a condition with a deadline.
wait_for() {
	desc=$1; secs=$2; shift 2
	deadline=$(( $(date +%s) + secs ))
	until "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "timed out: $desc"
		sleep 0.1
	done
}
