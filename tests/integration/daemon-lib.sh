# daemon-lib.sh: shared by the daemon's integration tests (sourced).
# Starts the emulator (emu-lib.sh), writes a configuration pointing the
# daemon at it, starts databackupd on a private control socket and journal,
# and stops everything on exit.  Conditions are awaited with deadlines,
# never with bare sleeps.

. "$top_srcdir/tests/integration/emu-lib.sh"

DAEMON_BIN="$top_builddir/databackupd"
CTL_BIN="$top_builddir/databackupctl"
D_TMP="$EMU_TMP/daemon"
D_PID=
mkdir -p "$D_TMP"

daemon_cleanup() {
	if [ -n "$D_PID" ]; then
		kill -TERM "$D_PID" 2>/dev/null
		# A bounded wait; then no mercy.
		for _ in $(seq 1 100); do
			kill -0 "$D_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$D_PID" 2>/dev/null
		wait "$D_PID" 2>/dev/null
		D_PID=
	fi
	# Workers die with the master's socket; make sure of it.
	pkill -KILL -f "databackupd -c $D_TMP/" 2>/dev/null
	# Under --enable-sanitizers a report fails the test.
	if grep -E -q 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$D_TMP/daemon.log" 2>/dev/null; then
		grep -E -A30 'Sanitizer|runtime error:' "$D_TMP/daemon.log" | head -60 >&2
		emu_cleanup
		exit 1
	fi
	emu_cleanup
}
trap daemon_cleanup EXIT

# running PID: true while PID runs.  A worker orphaned by a killed master
# has exited once it is a zombie; when init reaps it is up to init (this
# machine's takes seconds), so kill -0 alone would wait on init, not on it.
running() {
	kill -0 "$1" 2>/dev/null || return 1
	_st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	_st=${_st##*) }
	[ "${_st%% *}" != Z ]
}

dfail() {
	echo "FAIL: $*" >&2
	[ -f "$D_TMP/daemon.log" ] && tail -40 "$D_TMP/daemon.log" >&2
	exit 1
}

# fail (wait_for's too): the daemon's log tail as well as the emulator's.
fail() {
	echo "FAIL: $*" >&2
	[ -f "$EMU_TMP/log" ] && tail -20 "$EMU_TMP/log" >&2
	[ -f "$D_TMP/daemon.log" ] && tail -40 "$D_TMP/daemon.log" >&2
	exit 1
}

# daemon_config [extra lines for [export]...]: writes $D_TMP/databackup.conf
daemon_config() {
	cat >"$D_TMP/databackup.conf" <<CONF
# written by daemon-lib.sh
[schedule]
daily_at = 03:00
catch_up = no

[discovery]
folders = 210000000001 210000000002
projects = library-catalogue
exclude = *-devel
${DISC_EXTRA:-}

[export]
bucket = campus-sql-backups
poll_initial = 100ms
poll_max = 1s
retry_window = ${RETRY_WINDOW:-2m}
max_in_flight = ${MAX_IN_FLIGHT:-4}
${EXPORT_EXTRA:-}

[workers]
count = ${WORKERS:-4}

[control]
socket = $D_TMP/control.sock
${CONTROL_EXTRA:-}

[state]
journal = $D_TMP/journal.db

[gcp]
sqladmin_endpoint = $URL
resourcemanager_endpoint = $URL
storage_endpoint = $URL
monitoring_endpoint = $URL
CONF
}

# daemon_start: start databackupd in the background, wait until it answers.
daemon_start() {
	GCE_METADATA_HOST="127.0.0.1:$PORT" \
	    "$DAEMON_BIN" -c "$D_TMP/databackup.conf" -d \
	    >>"$D_TMP/daemon.log" 2>&1 &
	D_PID=$!
	deadline=$(( $(date +%s) + 20 ))
	until ctl status >/dev/null 2>&1; do
		kill -0 "$D_PID" 2>/dev/null || dfail "databackupd died at start"
		[ "$(date +%s)" -lt "$deadline" ] || dfail "databackupd not answering"
		sleep 0.1
	done
}

daemon_stop() {
	kill -TERM "$D_PID"
	wait "$D_PID"
	rc=$?
	D_PID=
	return $rc
}

# set_clock SECONDS: move the alerts' clock (DATABACKUP_TEST_CLOCK=1).
set_clock() {
	printf '{"version":1,"command":"clock","offset":%s}\n' "$1" >"$D_TMP/clock-req"
	"${A_PY:-python3}" - "$D_TMP/control.sock" "$D_TMP/clock-req" <<'PY' || fail "clock command"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(open(sys.argv[2], "rb").read())
data = b""
while not data.endswith(b"\n"):
    c = s.recv(65536)
    if not c: break
    data += c
assert b'"ok":true' in data, data
PY
}

ctl() {
	"$CTL_BIN" -s "$D_TMP/control.sock" "$@"
}

# expected_targets: the databases the demo fleet should have exported,
# worked out from the fleet file itself (ACTIVE projects under the
# configured folders plus library-catalogue, Cloud SQL API enabled,
# instances running and not replicas, projects not *-devel).
expected_targets() {
	python3 "$top_srcdir/tests/integration/fleet-targets.py" \
	    --folder 210000000001 --folder 210000000002 \
	    --project library-catalogue --exclude '*-devel' \
	    "${EMU_FLEET:-$top_srcdir/etc/demo-fleet.json}"
}
