#!/bin/sh
# The operation that held an instance is learnt even when the export
# after it fails: the worker's look saw it DONE, and its duration goes to
# the master with the failure (a 503 here) rather than being lost with
# the attempt.  The next night waits on it with one look at its end.
. "$top_srcdir/tests/integration/busy-lib.sh"

# clinical-pg's second export call (the first after the backup, the
# first was refused with 409) answers 503.
cat >"$EMU_TMP/faults.json" <<'EOT'
[{"endpoint": "sql.export", "kind": "status", "status": 503,
  "instance": "clinical-pg", "after": 1, "count": 1}]
EOT

busy_night 1 --faults "$EMU_TMP/faults.json"
log="$D_TMP/daemon-1.log"
[ "$(jq '.faults_injected.status // 0' "$D_TMP/stats-1.json")" -eq 1 ] ||
    dfail "night 1: the 503 did not fire: $(jq -c .faults_injected "$D_TMP/stats-1.json")"
grep -q 'attempt failed (retry): HTTP 503' "$log" ||
    dfail "night 1: no attempt failed with the 503: $(grep clinical-pg "$log")"
grep -q 'the BACKUP_VOLUME operation that held the instance took 20s' "$log" ||
    dfail "night 1: the backup's duration was lost with the failed export: $(grep -E 'held|took|503' "$log")"

busy_night 2
log="$D_TMP/daemon-2.log"
grep -Eq 'instance held by BACKUP_VOLUME .*last time 20s' "$log" ||
    dfail "night 2: night 1's backup not known: $(grep 'held by' "$log")"
looks=$(grep -c 'instance held by' "$log")
[ "$looks" -eq 1 ] || dfail "night 2: $looks looks at the backup, want 1"
echo "PASS: a backup seen to end is learnt though the export after it failed; night 2: $looks look"
