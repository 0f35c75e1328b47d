#!/bin/sh
# A worker killed in the middle of an export: the job is resumed on the
# same operation by a new worker, not exported a second time.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# Slow exports (time scale 5) so there is time to catch one in flight.
emu_start --time-scale 5
WORKERS=2 MAX_IN_FLIGHT=2 DISC_EXTRA="projects = finance-prod" \
    daemon_config
sed -i 's/^folders = .*/folders = 210000000002/' "$D_TMP/databackup.conf"
daemon_start
ctl trigger finance-prod >/dev/null || dfail "trigger"

# Wait for a worker whose job is exporting; kill it.
deadline=$(( $(date +%s) + 60 ))
while :; do
	ctl --json status >"$D_TMP/status.json" 2>/dev/null
	pid=$(jq -r '[.workers[] | select(.job_state == "exporting")][0].pid // empty' "$D_TMP/status.json")
	job=$(jq -r '[.workers[] | select(.job_state == "exporting")][0].job // empty' "$D_TMP/status.json")
	[ -n "$pid" ] && break
	[ "$(date +%s)" -lt "$deadline" ] || dfail "no export in flight"
	sleep 0.1
done
kill -KILL "$pid"
echo "killed worker $pid exporting $job"

# The run goes on and ends.
deadline=$(( $(date +%s) + 120 ))
until ctl --json status 2>/dev/null | jq -e '.run == null and .last_run != null' >/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "run did not end"
	sleep 0.2
done
stats >"$D_TMP/stats.json"
n=$(jq -r --arg t "$job" '.exports_started[$t]' "$D_TMP/stats.json")
[ "$n" = 1 ] || dfail "$job exported $n times after its worker died"
ctl --json jobs >"$D_TMP/jobs.json"
jq -e --arg t "$job" '.jobs[] | select((.project + "/" + .instance + "/" + .database) == $t) | .state == "succeeded"' \
    "$D_TMP/jobs.json" >/dev/null || dfail "$job did not succeed"
jq -e '[.jobs[] | select(.state == "succeeded")] | length == 4' "$D_TMP/jobs.json" >/dev/null ||
    dfail "not every finance-prod database exported"
grep -q "lost child: worker" "$D_TMP/daemon.log" || dfail "death not logged"
grep -q "resumes operation" "$D_TMP/daemon.log" || dfail "no resume logged"
# The pool is whole again.
[ "$(ctl --json status | jq '[.workers[] | select(.pid > 0)] | length')" = 2 ] ||
    dfail "worker not replaced"

# A crash loop: workers that keep dying are not restarted in a spin.
for round in 1 2 3 4; do
	for p in $(ctl --json status | jq -r '.workers[] | select(.pid > 0) | .pid'); do
		kill -KILL "$p"
	done
	# Wait for the replacements (or for the back-off to begin).
	deadline=$(( $(date +%s) + 10 ))
	until grep -q "workers die too often" "$D_TMP/daemon.log" ||
	    [ "$(ctl --json status | jq "[.workers[] | select(.pid > 0 and (.pid | tostring) != \"$p\")] | length")" = 2 ]; do
		[ "$(date +%s)" -lt "$deadline" ] || dfail "no replacement in round $round"
		sleep 0.05
	done
	grep -q "workers die too often" "$D_TMP/daemon.log" && break
done
grep -q "workers die too often" "$D_TMP/daemon.log" || dfail "no back-off after a crash loop"
ctl --json status | jq -e '[.workers[] | select(.state == "backoff")] | length > 0' >/dev/null ||
    dfail "status does not show workers in back-off"
# After the back-off the pool is whole again.
deadline=$(( $(date +%s) + 30 ))
until [ "$(ctl --json status | jq '[.workers[] | select(.state == "idle")] | length')" = 2 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || dfail "pool not restored after the back-off"
	sleep 0.2
done
echo "PASS: $job resumed on its operation after its worker was killed; crash loop backed off"
