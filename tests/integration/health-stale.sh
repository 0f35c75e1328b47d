#!/bin/sh
# health-stale.sh: health is per database (issue 13, "Stale databases").
# With [alerts] max_age = 10m and the alerts' clock moved by the test:
# after a run every database is fresh (coverage exits 0, check OK).  Then
# one database fails for good while the others are exported 20 minutes
# later: it alone is stale, `check` names it (CRITICAL), `coverage
# --stale` lists it and exits 1, /metrics has its per-database series, and
# the webhook is told.  Its export resolves the alert.  Then its region
# does not answer instances.list: the database stays known and turns
# stale instead of vanishing, until a run sees it again and exports it.
# The clock only moves forward by the test's own steps, and each step
# leaves ten minutes of real time before a fresh export could turn stale.
. "$(dirname "$0")/daemon-lib.sh"
. "$top_srcdir/tests/integration/alerts-lib.sh"

# The alerts fleet, with a region on the instance that goes unreachable.
jq '.folders[0].projects[0].instances[1].region = "us-east4"' \
    "$top_srcdir/tests/data/alerts-fleet.json" >"$A_TMP/fleet.json" ||
    fail "fleet"
jq '.folders[0].projects[0].instances[1].unreachable = true' \
    "$A_TMP/fleet.json" >"$A_TMP/fleet-partial.json" || fail "fleet"
EMU_FLEET="$A_TMP/fleet.json"
emu_start --time-scale 60
hook_start
A_EXTRA="
[alerts]
max_age = 10m

[notify]
webhook_url = http://127.0.0.1:$HOOK_PORT/hook
"
alerts_config
export DATABACKUP_TEST_NOTIFY_BACKOFF_MS=200
export DATABACKUP_TEST_CLOCK=1
daemon_start

SHOP=ops-alpha/alpha-mysql/shop
# emu_restart FLEET: the emulator again, on the same port, with FLEET.
emu_restart() {
	emu_stop
	EMU_FLEET=$1
	emu_start --time-scale 60 --listen "127.0.0.1:$PORT"
}
metrics() { ctl metrics >"$A_TMP/metrics" || fail "metrics"; }
# series NAME DB: the value of NAME{project,instance,database} for p/i/d.
series() {
	p=${2%%/*}; r=${2#*/}; i=${r%%/*}; d=${r#*/}
	grep "^$1{project=\"$p\",instance=\"$i\",database=\"$d\"} " \
	    "$A_TMP/metrics" | awk '{ print $2 }'
}
gauge() { grep "^$1 " "$A_TMP/metrics" | awk '{ print $2 }'; }
stale_state() {
	ctl --json status | jq -r '.alerts[] | select(.name == "stale_databases") | .state'
}
# hook_told STATE [SEVERITY]: the webhook had such a stale_databases event.
hook_told() {
	cat "$A_TMP"/hook/hook-*.json 2>/dev/null | jq -s -e --arg s "$1" \
	    --arg v "${2:-}" 'map(select(.type == "alert" and
	    .alert == "stale_databases" and .state == $s and
	    ($v == "" or .severity == $v))) | length >= 1' >/dev/null
}

# 1. A run exports everything: every database fresh.
ctl trigger --wait >/dev/null || fail "run 1"
NDB=$(ctl --json jobs 1 | jq '.jobs | length')
[ "$NDB" -ge 4 ] || fail "run 1: $NDB jobs"
ctl coverage >"$A_TMP/cov" || fail "coverage after run 1: $(cat "$A_TMP/cov")"
ctl --json coverage >"$A_TMP/cov.json" || fail "coverage --json after run 1"
jq -e --argjson n "$NDB" '.count == $n and .stale == 0 and .max_age == 600
    and (.databases | length == $n)
    and (.databases | all(.stale == false and .object != null
        and .crc32c != null and .last_success != null and .age >= 0))' \
    "$A_TMP/cov.json" >/dev/null || fail "coverage after run 1: $(cat "$A_TMP/cov.json")"
grep -q "^$NDB databases, none stale (max age 10m 00s)" "$A_TMP/cov" ||
    fail "coverage text: $(cat "$A_TMP/cov")"
ctl check >"$A_TMP/check" || fail "check after run 1: $(cat "$A_TMP/check")"
grep -q "^OK: Stale databases: $NDB known databases, none without a verified export in 10m" \
    "$A_TMP/check" || fail "check after run 1: $(cat "$A_TMP/check")"
ctl coverage --stale >"$A_TMP/cov" || fail "coverage --stale after run 1"
metrics
[ "$(gauge databackup_databases_stale)" = 0 ] || fail "stale gauge after run 1"
[ -n "$(series databackup_database_last_success_timestamp_seconds $SHOP)" ] ||
    fail "no success series for $SHOP: $(grep database_last "$A_TMP/metrics")"

# 2. 15 minutes later by the alerts' clock, a run in which shop fails for
# good: the others are exported again, shop is not.  Stale for less than
# twice max_age: a warning.
setfaults '[{"endpoint":"sql.export","project":"ops-alpha","instance":"alpha-mysql","kind":"op_error"}]'
set_clock 900
ctl trigger --wait >/dev/null && fail "run 2 succeeded despite the fault"
ctl --json jobs 2 | jq -e --arg db shop '[.jobs[] | select(.state == "failed") | .database] == [$db]' \
    >/dev/null || fail "run 2: $(ctl --json jobs 2 | jq -c '[.jobs[] | [.database, .state]]')"
stale_is() { [ "$(stale_state)" = "$1" ]; }
wait_for "stale databases to fire" 30 stale_is firing
# (check exits 2 for the other alerts: Run failed, Export errors.)
ctl check >"$A_TMP/check"
grep -q "^WARNING: Stale databases: 1 database without a verified export in 10m: $SHOP\$" \
    "$A_TMP/check" || fail "check: $(cat "$A_TMP/check")"
ctl coverage --stale >"$A_TMP/cov"; rc=$?
[ "$rc" -eq 1 ] || fail "coverage --stale exit $rc, want 1: $(cat "$A_TMP/cov")"
grep -q "^$SHOP .* stale\$" "$A_TMP/cov" || fail "coverage --stale: $(cat "$A_TMP/cov")"
grep -q "^1 database stale: no verified export in 10m 00s" "$A_TMP/cov" ||
    fail "coverage --stale: $(cat "$A_TMP/cov")"
ctl --json coverage --stale >"$A_TMP/cov.json"
jq -e '.count == 1 and .stale == 1 and .databases[0].database == "shop"
    and .databases[0].stale and .databases[0].object != null
    and .databases[0].last_failure != null
    and (.databases[0].last_error | test("INTERNAL_ERROR"))' "$A_TMP/cov.json" \
    >/dev/null || fail "coverage --stale --json: $(cat "$A_TMP/cov.json")"
ctl coverage >/dev/null; rc=$?
[ "$rc" -eq 1 ] || fail "coverage exit $rc, want 1"
ctl --json coverage | jq -e --argjson n "$NDB" '.count == $n and .stale == 1' >/dev/null ||
    fail "coverage: $(ctl --json coverage | jq -c '[.count, .stale]')"
# --hours overrides max_age for the query: nothing is a day old.
ctl coverage --stale --hours 24 >/dev/null || fail "coverage --hours 24 lists a stale database"
metrics
[ "$(gauge databackup_databases_stale)" = 1 ] || fail "stale gauge: $(gauge databackup_databases_stale)"
[ -n "$(series databackup_database_last_failure_timestamp_seconds $SHOP)" ] ||
    fail "no failure series for $SHOP: $(grep database_last "$A_TMP/metrics")"
[ -n "$(series databackup_database_last_success_timestamp_seconds $SHOP)" ] ||
    fail "no success series for $SHOP"
[ -z "$(series databackup_database_last_failure_timestamp_seconds ops-beta/beta-pg/ledger)" ] ||
    fail "a failure series for a database that never failed"
wait_for "the webhook told of stale databases" 30 hook_told firing WARNING

# 20 minutes after its last export, twice max_age: critical, told again.
# The others, exported 5 minutes ago, are fresh.
set_clock 1200
ctl check >"$A_TMP/check"
grep -q "^CRITICAL: Stale databases: 1 database without a verified export in 10m: $SHOP\$" \
    "$A_TMP/check" || fail "check: $(cat "$A_TMP/check")"
wait_for "the webhook told of the worse state" 30 hook_told firing CRITICAL

# 3. shop is exported: the alert resolves.
setfaults '[]'
ctl trigger "$SHOP" --wait >/dev/null || fail "run 3"
wait_for "stale databases to resolve" 30 stale_is ok
ctl check | grep -q '^OK: Stale databases:' || fail "check: $(ctl check)"
ctl coverage >/dev/null || fail "coverage after shop's export"
ctl coverage --stale >"$A_TMP/cov" || fail "coverage --stale: $(cat "$A_TMP/cov")"
grep -q "^no stale database (max age 10m 00s)" "$A_TMP/cov" || fail "coverage --stale: $(cat "$A_TMP/cov")"
wait_for "the webhook told of the resolution" 30 hook_told ok

# 4. 20 minutes on, shop's region does not answer: a full run exports
# every other database, shop stays known and turns stale.
emu_restart "$A_TMP/fleet-partial.json"
set_clock 2400
ctl trigger --wait >/dev/null
ctl --json status | jq -e '.last_run.id == 4' >/dev/null || fail "run 4: $(ctl --json status | jq -c .last_run)"
ctl --json jobs 4 | jq -e --arg db shop 'all(.jobs[]; .database != $db and .state == "succeeded")' \
    >/dev/null || fail "run 4: $(ctl --json jobs 4 | jq -c '[.jobs[] | [.database, .state]]')"
ctl --json coverage >"$A_TMP/cov.json"
jq -e --argjson n "$NDB" '.count == $n and .stale == 1
    and ([.databases[] | select(.stale) | .database] == ["shop"])' "$A_TMP/cov.json" \
    >/dev/null || fail "shop forgotten or not stale: $(cat "$A_TMP/cov.json")"
ctl check >"$A_TMP/check"
grep -q "^CRITICAL: Stale databases: 1 database .*: $SHOP\$" "$A_TMP/check" ||
    fail "check after the partial run: $(cat "$A_TMP/check")"

# 5. The region answers again: shop is exported, everything is fresh.
emu_restart "$A_TMP/fleet.json"
ctl trigger --wait >/dev/null || fail "run 5"
ctl check >"$A_TMP/check" || fail "check after run 5: $(cat "$A_TMP/check")"
ctl coverage --stale >/dev/null || fail "coverage --stale after run 5"
metrics
[ "$(gauge databackup_databases_stale)" = 0 ] || fail "stale gauge after run 5"
echo "PASS: a database without a verified export in max_age is stale, named and told; an export resolves it"
