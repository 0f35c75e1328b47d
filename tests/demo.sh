#!/bin/sh
# demo.sh: run databackupd against the bundled emulator and its demo fleet
# (etc/demo-fleet.json: a small campus of 9 projects), show a whole run,
# and what landed in the emulated bucket.  Run by `make demo`.
#
# Everything lives in ./demo/ (config, journal, socket, logs, bucket).
# DEMO_KEEP=1 leaves the daemon and the emulator running afterwards.
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
DEMO="$top_builddir/demo"
EMU="$top_builddir/tests/emulator/gcp-emulator"
CTL="$top_builddir/databackupctl"
DAEMON="$top_builddir/databackupd"
EMU_PID= D_PID=

# Bold headings on a terminal only: pipes and logs get plain text.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
cleanup() {
	[ -n "$D_PID" ] && kill "$D_PID" 2>/dev/null && wait "$D_PID" 2>/dev/null
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
}
die() { echo "demo: $*" >&2; cleanup; exit 1; }

rm -rf "$DEMO"
mkdir -p "$DEMO/bucket"

say "Starting the Google API emulator with the demo fleet (1 emulated minute = 1 s)"
"$EMU" --fleet "$top_srcdir/etc/demo-fleet.json" --listen 127.0.0.1:0 \
    --port-file "$DEMO/emulator.port" --bucket-dir "$DEMO/bucket" \
    --time-scale 60 --log "$DEMO/emulator.log" >"$DEMO/emulator.out" 2>&1 &
EMU_PID=$!
i=0
while [ ! -s "$DEMO/emulator.port" ]; do
	kill -0 "$EMU_PID" 2>/dev/null || die "the emulator did not start: $(cat "$DEMO/emulator.out")"
	i=$((i + 1)); [ $i -lt 100 ] || die "the emulator did not start"
	sleep 0.1
done
PORT=$(cat "$DEMO/emulator.port")
URL="http://127.0.0.1:$PORT"
echo "emulator on $URL"

cat >"$DEMO/databackup.conf" <<CONF
# databackup.conf for the demo: the real daemon, Google replaced by the
# emulator on $URL.  See etc/databackup.conf for every key.
[schedule]
daily_at = 03:00
catch_up = no

[discovery]
folders = 210000000001 210000000002
projects = library-catalogue
exclude = *-devel

[export]
bucket = campus-sql-backups
poll_initial = 1s
poll_max = 5s
retry_window = 30s
max_in_flight = 4

[workers]
count = 4

[control]
socket = $DEMO/control.sock

[state]
journal = $DEMO/journal.db

[gcp]
sqladmin_endpoint = $URL
resourcemanager_endpoint = $URL
storage_endpoint = $URL
monitoring_endpoint = $URL
CONF

say "Checking the configuration, and asking Google: databackupd -n --online"
GCE_METADATA_HOST="127.0.0.1:$PORT" "$DAEMON" -n --online \
    -c "$DEMO/databackup.conf" || die "configuration rejected"

say "Starting databackupd (credentials: the emulated GCE metadata server)"
GCE_METADATA_HOST="127.0.0.1:$PORT" "$DAEMON" -c "$DEMO/databackup.conf" \
    >"$DEMO/databackupd.log" 2>&1 &
D_PID=$!
i=0
until "$CTL" -s "$DEMO/control.sock" status >/dev/null 2>&1; do
	kill -0 "$D_PID" 2>/dev/null || die "databackupd did not start: $(tail "$DEMO/databackupd.log")"
	i=$((i + 1)); [ $i -lt 100 ] || die "databackupd does not answer"
	sleep 0.1
done
"$CTL" -s "$DEMO/control.sock" status

say "What would be exported: databackupctl plan"
"$CTL" -s "$DEMO/control.sock" plan

say "A run: databackupctl trigger --wait"
echo "(library-catalogue/library-pg/broken_db fails on purpose: its exports"
echo " always end in error, so it is retried for the 30 s retry window)"
"$CTL" -s "$DEMO/control.sock" trigger --wait
rc=$?

say "The run's jobs: databackupctl jobs"
"$CTL" -s "$DEMO/control.sock" jobs

say "The bucket gs://campus-sql-backups (emulated in $DEMO/bucket)"
(cd "$DEMO/bucket/campus-sql-backups" && find . -type f | sed 's|^\./|gs://campus-sql-backups/|' | sort)

say "A restore of last night's export beside the live database"
"$CTL" -s "$DEMO/control.sock" restore library-catalogue/library-pg/loans \
    --as loans_restored --dry-run &&
    "$CTL" -s "$DEMO/control.sock" restore library-catalogue/library-pg/loans \
    --as loans_restored --wait

say "Monitoring view: databackupctl check"
"$CTL" -s "$DEMO/control.sock" check

if [ "${DEMO_KEEP:-0}" = 1 ]; then
	say "Still running: databackupd pid $D_PID, emulator pid $EMU_PID"
	echo "try: $CTL -s $DEMO/control.sock status"
	echo "stop: kill $D_PID $EMU_PID"
	exit 0
fi
say "Stopping databackupd (SIGTERM) and the emulator"
cleanup
echo "logs: $DEMO/databackupd.log, $DEMO/emulator.log"
[ "$rc" -le 1 ] || exit "$rc"
exit 0
