#!/bin/sh
# api-faultmix.sh: a generated fleet of a few hundred databases, exported
# once on a good day and once on a bad one: 20% of Cloud SQL, Resource
# Manager and Cloud Storage calls answer 5xx or 429, 5% malformed JSON,
# 2% hang.  Every database must be exported inside the retry window, the
# daemon must not crash, and no database may see a second export.  The
# seed is random unless API_FAULTMIX_SEED is set; it is printed, with the
# figures of both runs.
. "$(dirname "$0")/api-lib.sh"

SEED=${API_FAULTMIX_SEED:-$(( $(od -An -N2 -tu2 /dev/urandom) + 1 ))}
echo "api-faultmix: seed $SEED"
# The databases a run must export, computed from the fleet file the way
# the daemon is configured below (every folder, "*-devel" excluded).
want() {
python3 "$top_srcdir/tests/integration/fleet-targets.py" \
    --exclude '*-devel' "$EMU_TMP/fleet.json" >"$EMU_TMP/want"
}

# The generator spreads its databases over projects and instances of every
# kind (stopped, replicas, API disabled, "-devel"), so how many are left to
# export varies with the seed: under 100 for about one seed in ten.  Grow the
# fleet (still a function of the seed) until at least 100 are.
ndb=160
while :; do
	"$EMU_BIN" --generate mix --projects 20 --instances 40 \
	    --databases "$ndb" --busy-fraction 0 --seed "$SEED" \
	    >"$EMU_TMP/fleet.json" || fail "generate"
	want || fail "want"
	nwant=$(wc -l <"$EMU_TMP/want")
	[ "$nwant" -ge 100 ] && break
	[ "$ndb" -lt 640 ] || fail "fleet too small: $nwant of $ndb databases"
	ndb=$((ndb + 40))
done
echo "api-faultmix: $nwant of $ndb databases to export"
EMU_FLEET="$EMU_TMP/fleet.json"
emu_start --time-scale 600 --seed "$SEED"
# With these rates about 30% of all requests fail, so an attempt (four or
# five requests: clear, export, poll, verify) fails about two times in
# three, and the backoff's full jitter can wait minutes between them: a
# 10-minute window left a database unexported now and then.  20 minutes
# makes that a matter of luck no longer; a healthy run takes 3-7 minutes.
WORKERS=16 MAX_IN_FLIGHT=16 RETRY_WINDOW=20m daemon_config
folders=$(jq -r '[.folders[].id] | join(" ")' "$EMU_FLEET")
sed -i -e "s/^folders = .*/folders = $folders/" -e 's/^projects = .*//' \
    "$D_TMP/databackup.conf"
gcpconf "http_timeout = 2s" "sqladmin_rpm = 100000"

daemon_start

# only_wanted: the run had no job for a database the fleet file says is
# excluded or skipped.
only_wanted() {
	extra=$(comm -13 "$EMU_TMP/want" "$D_TMP/got.ok")
	[ -z "$extra" ] || dfail "exported, but not to be: $extra"
}

# run_figures NAME: requests and time of the run just finished.
run_figures() {
	s=$(jq -r .run.started "$D_TMP/jobs.json")
	e=$(jq -r .run.ended "$D_TMP/jobs.json")
	secs=$(( $(date -d "$e" +%s) - $(date -d "$s" +%s) ))
	req=$(stats | jq '[.requests_by_endpoint | to_entries[] |
	    select(.key | test("^(sql|crm|storage)\\.")) | .value] | add')
	att=$(jq '[.jobs[].attempts] | add' "$D_TMP/jobs.json")
	njobs=$(jq '.jobs | length' "$D_TMP/jobs.json")
	echo "$1: $njobs databases, $((req - ${2:-0})) API requests," \
	    "$att export attempts ($((att - njobs)) retries), ${secs}s"
	REQ=$req
}

# A good day.
ctl trigger --wait >/dev/null || dfail "fault-free run"
all_succeeded "$EMU_TMP/want"
only_wanted
exports_at_most 1
run_figures "fault-free"
sleep 1		# the next run's object names differ

# A bad day.
rules=""
for e in crm.folders.list crm.projects.list sql.instances.list \
    sql.databases.list sql.export sql.operations.get sql.operations.list \
    storage.objects.get; do
	# Tried in order: 2% hang, then 5% malformed, 10% 5xx, 10% 429.
	rules="$rules{\"endpoint\":\"$e\",\"kind\":\"hang\",\"rate\":0.02},"
	rules="$rules{\"endpoint\":\"$e\",\"kind\":\"malformed\",\"rate\":0.051},"
	rules="$rules{\"endpoint\":\"$e\",\"kind\":\"status\",\"status\":503,\"rate\":0.1075},"
	rules="$rules{\"endpoint\":\"$e\",\"kind\":\"ratelimit\",\"retry_after\":1,\"rate\":0.12},"
done
code=$(printf '[%s]' "${rules%,}" | curl -s -o /dev/null -w '%{http_code}' \
    -X POST --data-binary @- "$URL/_emulator/faults")
[ "$code" = 200 ] || dfail "set faults: $code"
ctl trigger --wait >/dev/null || dfail "faulty run"
kill -0 "$D_PID" || dfail "databackupd died"
all_succeeded "$EMU_TMP/want"
only_wanted
exports_at_most 2
jq -e '.run.outcome == "succeeded"' "$D_TMP/jobs.json" >/dev/null ||
    dfail "faulty run: $(jq -c .run "$D_TMP/jobs.json")"
run_figures "faulty" "$REQ"
echo "faults injected: $(stats | jq -c .faults_injected)"
# Every job succeeded inside the window (the run's outcome says so) and
# no worker died on a bad body.
grep -q 'lost child' "$D_TMP/daemon.log" && dfail "a worker died"
daemon_stop || dfail "stop"
echo "api-faultmix: ok"
