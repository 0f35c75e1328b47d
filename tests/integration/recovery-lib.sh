# recovery-lib.sh: shared by the recovery-*.sh and journal-*.sh tests
# (sourced, not run).  A small fleet of its own (13 databases on 6
# instances, fast exports), a daemon configuration for it, and helpers to
# SIGKILL the master and start it again on the same journal and socket.

. "$top_srcdir/tests/integration/daemon-lib.sh"

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 missing"; exit 77; }

REC_FLEET="$EMU_TMP/rec-fleet.json"
EMU_FLEET="$REC_FLEET"
cat >"$REC_FLEET" <<JSON
{
  "export_rate_mb_per_s": 50,
  "export_startup": "2s",
  "buckets": ["rec-bucket"],
  "folders": [{"id": "220000000001", "displayName": "Recovery",
    "projects": [
      {"projectId": "rec-alpha", "projectNumber": "320000000001",
       "instances": [
         {"name": "alpha-pg", "databaseVersion": "POSTGRES_15",
          "dataDiskSizeGb": 1,
          "databases": [{"name": "a1", "sizeMb": 100}, {"name": "a2", "sizeMb": 40}]},
         {"name": "alpha-my", "databaseVersion": "MYSQL_8_0",
          "dataDiskSizeGb": 1,
          "databases": [{"name": "m1", "sizeMb": 80}, {"name": "m2", "sizeMb": 10}]},
         {"name": "alpha-small", "databaseVersion": "POSTGRES_15",
          "dataDiskSizeGb": 1,
          "databases": [{"name": "s1", "sizeMb": 5}]}]},
      {"projectId": "rec-beta", "projectNumber": "320000000002",
       "instances": [
         {"name": "beta-pg", "databaseVersion": "POSTGRES_15",
          "dataDiskSizeGb": 1,
          "databases": [{"name": "b1", "sizeMb": 60}, {"name": "b2", "sizeMb": 30}]},
         {"name": "beta-my", "databaseVersion": "MYSQL_8_0",
          "dataDiskSizeGb": 1,
          "databases": [{"name": "n1", "sizeMb": 40}]},
         {"name": "beta-big", "databaseVersion": "POSTGRES_15",
          "dataDiskSizeGb": 1,
          "databases": [{"name": "g1", "sizeMb": ${REC_BIG_MB:-120}}]}]}]}]
}
JSON

# PostgreSQL's "postgres" database is exported like any other.
REC_TARGETS=$(LC_ALL=C sort <<TARGETS
rec-alpha/alpha-my/m1
rec-alpha/alpha-my/m2
rec-alpha/alpha-pg/a1
rec-alpha/alpha-pg/a2
rec-alpha/alpha-pg/postgres
rec-alpha/alpha-small/postgres
rec-alpha/alpha-small/s1
rec-beta/beta-big/g1
rec-beta/beta-big/postgres
rec-beta/beta-my/n1
rec-beta/beta-pg/b1
rec-beta/beta-pg/b2
rec-beta/beta-pg/postgres
TARGETS
)
REC_N=$(echo "$REC_TARGETS" | wc -l)

# rec_config: the daemon's configuration for the fleet above.
rec_config() {
	cat >"$D_TMP/databackup.conf" <<CONF
# written by recovery-lib.sh
[schedule]
daily_at = ${DAILY_AT:-03:00}
catch_up = ${CATCH_UP:-no}

[discovery]
folders = 220000000001

[export]
bucket = rec-bucket
poll_initial = 100ms
poll_max = 1s
retry_window = 10m
max_in_flight = ${MAX_IN_FLIGHT:-4}

[workers]
count = ${WORKERS:-4}

[control]
socket = $D_TMP/control.sock

[state]
journal = $D_TMP/journal.db
${STATE_EXTRA:-}

[gcp]
sqladmin_endpoint = $URL
resourcemanager_endpoint = $URL
storage_endpoint = $URL
monitoring_endpoint = $URL
CONF
}

# rec_kill: SIGKILL the master only; its workers see EOF and exit.  Wait
# for them, as systemd would before a restart, so that an export a worker
# was sending has reached the emulator by the time the next master looks.
rec_kill() {
	_workers=$(pgrep -P "$D_PID" | tr '\n' ' ')
	kill -KILL "$D_PID"
	wait "$D_PID" 2>/dev/null
	D_PID=
	_deadline=$(( $(date +%s) + 30 ))
	for _w in $_workers; do
		while running "$_w"; do
			[ "$(date +%s)" -lt "$_deadline" ] ||
			    dfail "worker $_w outlived its master by 30s"
			sleep 0.05
		done
	done
}

# rec_json COMMAND...: databackupctl --json, the result line only.
rec_json() {
	ctl --json "$@" | tail -1
}

# rec_finished RUN: true once RUN has ended and nothing runs.
rec_finished() {
	rec_json status | jq -e --argjson r "$1" \
	    '.run == null and .last_run.id == $r' >/dev/null 2>&1
}

# rec_wait_finished RUN SECONDS
rec_wait_finished() {
	_deadline=$(( $(date +%s) + $2 ))
	until rec_finished "$1"; do
		[ -n "$D_PID" ] && ! kill -0 "$D_PID" 2>/dev/null &&
		    dfail "databackupd died"
		[ "$(date +%s)" -lt "$_deadline" ] ||
		    dfail "run $1 not finished within $2s: $(ctl status)"
		sleep 0.1
	done
}

# rec_sql QUERY: one answer from the journal (read while the daemon runs).
rec_sql() {
	sqlite3 -batch -noheader "$D_TMP/journal.db" "$1"
}

# rec_exports: the emulator's export counts as "p/i/d N" lines, sorted.
rec_exports() {
	stats | jq -r '.exports_started | to_entries[] | "\(.key) \(.value)"' |
	    LC_ALL=C sort
}

# rec_check_exports N: every target exported exactly N times, nothing else.
rec_check_exports() {
	_want=$(echo "$REC_TARGETS" | sed "s/\$/ $1/")
	_got=$(rec_exports)
	[ "$_got" = "$_want" ] || dfail "exports: want
$_want
got
$_got"
}
