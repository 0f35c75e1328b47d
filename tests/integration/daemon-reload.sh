#!/bin/sh
# SIGHUP and `databackupctl reload`: a new exclusion applies to jobs not
# yet started; a broken file is refused with FILE:LINE and the daemon
# carries on with the old configuration.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 20
# One worker: jobs queue up behind each other.
WORKERS=1 MAX_IN_FLIGHT=1 DISC_EXTRA="exclude = library-catalogue" \
    daemon_config
daemon_start
conf="$D_TMP/databackup.conf"
cp "$conf" "$D_TMP/good.conf"

ctl trigger >/dev/null || dfail "trigger"
# Once the walk is over and a job runs, exclude a whole project.
deadline=$(( $(date +%s) + 60 ))
until ctl --json status | jq -e '.run.state == "running" and .run.in_flight == 1' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "run not under way"
	sleep 0.1
done
busy=$(ctl --json status | jq -r '.workers[0].job' | cut -d/ -f1)
victim=registry-prod
[ "$busy" = "$victim" ] && victim=finance-prod
sed -i "s|^exclude = \*-devel|exclude = *-devel\nexclude = $victim|" "$conf"
kill -HUP "$D_PID"
deadline=$(( $(date +%s) + 20 ))
until grep -q "configuration reloaded" "$D_TMP/daemon.log"; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "no reload logged"
	sleep 0.1
done
# What of the victim had started before the reload stays; nothing else.
before=$(ctl --json jobs | jq --arg p "$victim" '[.jobs[] | select(.project == $p)] | length')
ctl --json jobs | jq -e --arg p "$victim" '[.jobs[] | select(.project == $p and .attempts == 0)] | length == 0' >/dev/null ||
    dfail "unstarted $victim jobs left in the run after the reload"

# A broken file: refused, reported with file and line, the daemon goes on.
printf '[export]\nbucket = campus-sql-backups\nbogus_key = 1\n' >"$conf"
kill -HUP "$D_PID"
deadline=$(( $(date +%s) + 20 ))
until grep -q "databackup.conf:3: unknown key" "$D_TMP/daemon.log"; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "no FILE:LINE error logged"
	sleep 0.1
done
ctl reload >"$D_TMP/reload.out" 2>&1 && dfail "reload of a broken file: exit 0"
grep -q "databackup.conf:3: unknown key" "$D_TMP/reload.out" ||
    dfail "reload output: $(cat "$D_TMP/reload.out")"
ctl status >/dev/null || dfail "daemon not answering after a bad reload"
# check warns that a restart would fail, naming the file and line.
ctl check >"$D_TMP/check.out"; rc=$?
[ "$rc" -ge 1 ] || dfail "check with a broken file on disk: exit $rc"
grep -q '^WARNING: configuration on disk does not load, a restart would fail: .*databackup.conf:3: unknown key' \
    "$D_TMP/check.out" || dfail "check: $(cat "$D_TMP/check.out")"

# The run finishes without the excluded project's unstarted jobs.
deadline=$(( $(date +%s) + 180 ))
until ctl --json status | jq -e '.run == null and .last_run != null' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "run did not end"
	sleep 0.2
done
stats >"$D_TMP/stats.json"
started=$(jq -r --arg p "$victim/" '[.exports_started | keys[] | select(startswith($p))] | length' "$D_TMP/stats.json")
[ "$started" -eq "$before" ] || dfail "$victim: $started exports, $before had started before it was excluded"
jq -e '[.exports_started | keys[] | select(startswith("library-catalogue/"))] | length == 0' \
    "$D_TMP/stats.json" >/dev/null || dfail "excluded project exported"
ctl --json status | jq -e '.last_run.outcome == "succeeded"' >/dev/null ||
    dfail "run outcome: $(ctl --json status | jq -c .last_run)"

# `databackupctl reload` with a good file; check no longer warns.
cp "$D_TMP/good.conf" "$conf"
ctl reload >/dev/null || dfail "reload of a good file failed"
ctl check | grep -q 'configuration on disk' && dfail "check warns of a good file"

# A restart-only key: reloaded, but said, with exit 4, until it is back.
sed -i 's/^count = 1$/count = 2/' "$conf"
ctl reload >"$D_TMP/reload.out"; rc=$?
[ "$rc" = 4 ] || dfail "reload of a restart-only key: exit $rc, want 4"
grep -q '^changed, in force only after a restart: workers.count$' "$D_TMP/reload.out" ||
    dfail "reload output: $(cat "$D_TMP/reload.out")"
ctl --json reload | jq -e '.restart == ["workers.count"]' >/dev/null ||
    dfail "a second reload forgot workers.count"
cp "$D_TMP/good.conf" "$conf"
ctl reload >"$D_TMP/reload.out" || dfail "reload back to the start value: exit $?"
grep -q 'restart' "$D_TMP/reload.out" && dfail "reload: $(cat "$D_TMP/reload.out")"
echo "PASS: exclusion applied on reload, broken file refused, restart keys told"
