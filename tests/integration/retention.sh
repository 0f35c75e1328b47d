#!/bin/sh
# retention.sh: [retention] over a synthetic history in the emulated
# bucket.  One database has an export every night for 400 days (two on
# some days, as a manual trigger makes); another has 60 nights that
# stopped 30 days ago; a foreign object and a hand-made copy sit beside
# them.  With daily = 14, weekly = 8, monthly = 12:
#   - prune --dry-run lists exactly the exports outside the GFS set (the
#     set is computed here independently, from the calendar) and deletes
#     nothing;
#   - the run's own prune (after a successful run) leaves exactly the GFS
#     set plus the run's new export, keeps every export of the database
#     whose exports stopped (and says why), and never touches objects not
#     named by [export] object;
#   - with retention off, prune is refused;
#   - a prune whose deletions or listing are refused is "Retention
#     failed" in `check` (WARNING, naming the bucket and why), across a
#     restart, until the next prune that succeeds.
# Prints the objects and bytes kept against keeping everything.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 200
B=campus-sql-backups
DIR="$EMU_TMP/buckets/$B"
LIVE=library-catalogue/library-pg/loans
STOPPED=finance-prod/finance-pg/invoices

# Plant the history: 400 nights at 03:00 UTC before today, a second
# export at 15:30 every 13th day; 60 nights ending 30 days ago.
python3 - "$URL" "$LIVE" "$STOPPED" <<'PY' || fail "planting"
import datetime, json, sys, urllib.request
url, live, stopped = sys.argv[1:4]
today = datetime.datetime.now(datetime.timezone.utc).replace(
    hour=0, minute=0, second=0, microsecond=0)
def plant(name, when, size):
    body = json.dumps({"bucket": "campus-sql-backups", "name": name,
        "engine": "POSTGRES", "size": size,
        "timeCreated": when.strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()
    urllib.request.urlopen(urllib.request.Request(url + "/_emulator/objects",
        data=body, method="POST")).read()
def name(db, t):
    return "%s/%sT%sZ.sql.gz" % (db, t.strftime("%Y-%m-%d"), t.strftime("%H%M%S"))
for d in range(1, 401):
    t = today - datetime.timedelta(days=d) + datetime.timedelta(hours=3)
    plant(name(live, t), t, 1000 + 10 * (400 - d))
    if d % 13 == 0:
        t2 = t + datetime.timedelta(hours=12, minutes=30)
        plant(name(live, t2), t2, 1000)
for d in range(30, 90):
    t = today - datetime.timedelta(days=d) + datetime.timedelta(hours=3)
    plant(name(stopped, t), t, 500)
plant(live + "/manual-copy.sql.gz", today, 77)
plant("library-catalogue/notes.txt", today, 5)
PY

# gfs DIR: the names the GFS rules keep among DIR's exports, from the
# calendar (newest of each of the last 14 days, 8 ISO weeks, 12 months).
gfs() {
	python3 - "$1" <<'PY'
import os, re, sys, datetime
names = sorted((n for n in os.listdir(sys.argv[1])
    if re.match(r"\d{4}-\d\d-\d\dT\d{6}Z\.sql\.gz$", n)), reverse=True)
keep = set(names[:1])
for fmt, n in (("%Y-%m-%d", 14), ("%G-W%V", 8), ("%Y-%m", 12)):
    seen = []
    for x in names:
        p = datetime.datetime.strptime(x[:17], "%Y-%m-%dT%H%M%S").strftime(fmt)
        if p not in seen:
            if len(seen) == n:
                break
            seen.append(p)
            keep.add(x)
for k in sorted(keep):
    print(k)
PY
}
exports() { ls "$1" | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6}Z\.sql\.gz$' | sort; }

# Off by default: refused.
daemon_config
daemon_start
ctl prune --dry-run >"$D_TMP/p" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "retention is off" "$D_TMP/p" ||
    dfail "prune with retention off: exit $rc: $(cat "$D_TMP/p")"
daemon_stop || dfail "daemon did not stop cleanly"

daemon_config
cat >>"$D_TMP/databackup.conf" <<CONF

[retention]
daily = 14
weekly = 8
monthly = 12
CONF
daemon_start
before=$(find "$DIR" -type f | wc -l)
ctl prune --dry-run >"$D_TMP/p" 2>&1 || dfail "dry run: $(cat "$D_TMP/p")"
[ "$(find "$DIR" -type f | wc -l)" = "$before" ] || dfail "the dry run deleted"
exports "$DIR/$LIVE" >"$D_TMP/all"
gfs "$DIR/$LIVE" >"$D_TMP/keep"
allb=$(cd "$DIR/$LIVE" && xargs stat -c %s <"$D_TMP/all" | awk '{s += $1} END {print s}')
comm -23 "$D_TMP/all" "$D_TMP/keep" | sed "s|^|would delete gs://$B/$LIVE/|" \
    >"$D_TMP/want"
grep '^would delete' "$D_TMP/p" | sed 's/ (.*//' | sort >"$D_TMP/got"
diff -u "$D_TMP/want" "$D_TMP/got" >"$D_TMP/diff" ||
    dfail "dry run did not list exactly the exports outside GFS: $(head -20 "$D_TMP/diff")"
grep -q "$STOPPED: .*nothing pruned" "$D_TMP/p" ||
    dfail "the stopped database is not said to be held: $(tail -5 "$D_TMP/p")"
grep -q "would delete .*(beyond daily 14, weekly 8, monthly 12)" "$D_TMP/p" ||
    dfail "no reason given: $(head -3 "$D_TMP/p")"

# A run that succeeds prunes.
ctl trigger "$LIVE" --wait >"$D_TMP/out" 2>&1 || dfail "trigger: $(cat "$D_TMP/out")"
wait_for "the prune after the run" 60 grep -q "retention: .* deleted (" \
    "$D_TMP/daemon.log"
exports "$DIR/$LIVE" >"$D_TMP/left"
gfs "$DIR/$LIVE" >"$D_TMP/keep2"
diff -u "$D_TMP/keep2" "$D_TMP/left" ||
    dfail "after the run's prune the bucket is not the GFS set"
# The GFS set of before, with the run's new export in place of one daily.
new=$(comm -13 "$D_TMP/all" "$D_TMP/left")
[ "$(printf '%s\n' "$new" | wc -l)" = 1 ] || dfail "new exports: $new"
[ "$(exports "$DIR/$STOPPED" | wc -l)" = 60 ] ||
    dfail "the stopped database lost exports: $(exports "$DIR/$STOPPED" | wc -l) left"
[ -f "$DIR/$LIVE/manual-copy.sql.gz" ] && [ -f "$DIR/library-catalogue/notes.txt" ] ||
    dfail "objects not named by the template were touched"
kept=$(wc -l <"$D_TMP/left")
total=$(wc -l <"$D_TMP/all")
kb=$(cd "$DIR/$LIVE" && xargs stat -c %s <"$D_TMP/left" | awk '{s += $1} END {print s}')
echo "retention: 400 days of exports: kept $kept of $((total + 1)) objects," \
    "$kb of $allb bytes (before the run's new export)"

# A prune that fails is a WARNING of `check` naming the bucket and why,
# which a restart does not forget and the next good prune clears.  Two
# exports older than every rule keeps are planted, and their deletions
# refused (403); then the listing itself is.
python3 - "$URL" "$LIVE" <<'PY' || fail "planting old exports"
import datetime, json, sys, urllib.request
url, live = sys.argv[1:3]
today = datetime.datetime.now(datetime.timezone.utc).replace(
    hour=3, minute=0, second=0, microsecond=0)
for d in (450, 480):
    t = today - datetime.timedelta(days=d)
    body = json.dumps({"bucket": "campus-sql-backups", "name": "%s/%sZ.sql.gz"
        % (live, t.strftime("%Y-%m-%dT%H%M%S")), "engine": "POSTGRES",
        "size": 100, "timeCreated": t.strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()
    urllib.request.urlopen(urllib.request.Request(url + "/_emulator/objects",
        data=body, method="POST")).read()
PY
ctl check >"$D_TMP/check" 2>&1 || dfail "check before: $(cat "$D_TMP/check")"
grep -q "^OK: Retention failed: last prune of gs://$B succeeded at " \
    "$D_TMP/check" || dfail "check before: $(cat "$D_TMP/check")"
setfaults() {
	printf '%s' "$1" | curl -s -o /dev/null -w '%{http_code}' -X POST \
	    --data-binary @- "$URL/_emulator/faults" | grep -q 200 ||
	    fail "emulator faults"
}
setfaults '[{"endpoint":"storage.objects.delete","kind":"status","status":403}]'
ctl prune >"$D_TMP/p" 2>&1 && dfail "prune with deletions refused: exit 0"
grep -q "cannot delete gs://$B/$LIVE/" "$D_TMP/p" ||
    dfail "no failed deletion said: $(tail -5 "$D_TMP/p")"
# check_says RC PATTERN: `check` exits RC and has a line matching PATTERN.
check_says() {
	ctl check >"$D_TMP/check" 2>&1
	_rc=$?
	[ "$_rc" = "$1" ] && grep -q "$2" "$D_TMP/check" ||
	    dfail "check: exit $_rc, want $1 and \"$2\": $(cat "$D_TMP/check")"
}
refused="^WARNING: Retention failed: prune of gs://$B at .* failed: 2 objects could not be deleted, the first gs://$B/$LIVE/"
check_says 1 "$refused"
ctl --json check | tail -1 | jq -e '.status == 1' >/dev/null ||
    dfail "check --json: $(ctl --json check)"
ctl metrics | grep -qx 'databackup_alert_firing{alert="retention_failed"} 1' ||
    dfail "metrics: $(ctl metrics | grep retention_failed)"
ctl --json status | tail -1 | jq -e '.alerts[] | select(.name ==
    "retention_failed") | .state == "firing" and .severity == "WARNING"' \
    >/dev/null || dfail "status --json: no firing retention_failed"
[ "$(grep -c 'alert retention_failed fires' "$D_TMP/daemon.log")" = 1 ] ||
    dfail "retention_failed fired $(grep -c 'alert retention_failed fires' "$D_TMP/daemon.log") times"
[ "$(exports "$DIR/$LIVE" | wc -l)" = "$((kept + 2))" ] ||
    dfail "refused deletions deleted"

# A restart keeps it: the journal has how the last prune ended.
daemon_stop || dfail "daemon did not stop cleanly"
daemon_start
check_says 1 "$refused"

# The listing refused: still failing, now for that reason.
setfaults '[{"endpoint":"storage.objects.list","kind":"status","status":403}]'
ctl prune >"$D_TMP/p" 2>&1 && dfail "prune with the listing refused: exit 0"
check_says 1 "^WARNING: Retention failed: prune of gs://$B at .* failed: listing gs://$B/"

# A dry run says nothing of deletions: the alert stays.
setfaults '[]'
ctl prune --dry-run >"$D_TMP/p" 2>&1 || dfail "dry run: $(cat "$D_TMP/p")"
check_says 1 "^WARNING: Retention failed: .*listing gs://$B/"

# The next prune that succeeds clears it, and deletes the two.
ctl prune >"$D_TMP/p" 2>&1 || dfail "prune: $(cat "$D_TMP/p")"
check_says 0 "^OK: Retention failed: last prune of gs://$B succeeded at "
ctl metrics | grep -qx 'databackup_alert_firing{alert="retention_failed"} 0' ||
    dfail "metrics after: $(ctl metrics | grep retention_failed)"
wait_for "the clear line" 10 grep -q 'alert retention_failed clears' \
    "$D_TMP/daemon.log"
[ "$(exports "$DIR/$LIVE" | wc -l)" = "$kept" ] ||
    dfail "the good prune left $(exports "$DIR/$LIVE" | wc -l) exports, want $kept"
daemon_stop || dfail "daemon did not stop cleanly"
echo "retention: ok"
