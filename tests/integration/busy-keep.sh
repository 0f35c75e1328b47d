#!/bin/sh
# A holder not seen to end is kept when the look at what holds the
# instance fails: after a failed look (503 on operations.get) the export
# is refused again (409), and the lookup of what holds it fails too (503
# on operations.list).  The operation named before most likely still
# holds it, so the job looks at it again within a poll interval (no
# export call) rather than backing off blind and asking with another
# export.  Two 409s in all: the first, and the one after the failed look.
. "$top_srcdir/tests/integration/busy-lib.sh"

cat >"$EMU_TMP/faults.json" <<'EOT'
[{"endpoint": "sql.operations.get", "kind": "status", "status": 503,
  "count": 1},
 {"endpoint": "sql.operations.list", "kind": "status", "status": 503,
  "after": 1, "count": 1}]
EOT

busy_night 1 --faults "$EMU_TMP/faults.json"
log="$D_TMP/daemon-1.log"
[ "$(jq '.faults_injected.status // 0' "$D_TMP/stats-1.json")" -eq 2 ] ||
    dfail "the two 503s did not fire: $(jq -c .faults_injected "$D_TMP/stats-1.json")"
grep -q 'the BACKUP_VOLUME operation that held the instance took 20s' "$log" ||
    dfail "the backup's end was not seen: $(grep -E 'held|took|busy' "$log")"
conflicts=$(jq '.conflicts_busy' "$D_TMP/stats-1.json")
[ "$conflicts" -eq 2 ] ||
    dfail "$conflicts exports refused (409), want 2: $(grep -E 'held by|busy' "$log")"
echo "PASS: a holder not seen to end is looked at again after a failed lookup; $conflicts 409s"
