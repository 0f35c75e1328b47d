#!/bin/sh
# An export refused because another operation holds the instance (Cloud
# SQL's 409) waits on that operation: one operations.list finds it, the
# looks after that are polls of it, not exports, and the export starts
# once it is DONE.  Its duration is journaled: the next night, the same
# backup is waited on with one look at its predicted end.
. "$top_srcdir/tests/integration/busy-lib.sh"

check_night() {
	n=$1 s="$D_TMP/stats-$1.json" log="$D_TMP/daemon-$1.log"
	# One export refused, one lookup of what held it, no other 409.
	[ "$(jq .conflicts_busy "$s")" -eq 1 ] ||
	    dfail "night $n: $(jq .conflicts_busy "$s") exports refused, want 1"
	[ "$(jq '.requests_by_endpoint["sql.operations.list"] // 0' "$s")" -eq 1 ] ||
	    dfail "night $n: operations.list $(jq -c .requests_by_endpoint "$s")"
	grep -q 'instance held by BACKUP_VOLUME operation' "$log" ||
	    dfail "night $n: no line names the backup: $(grep -i busy "$log")"
	grep -q 'the BACKUP_VOLUME operation that held the instance took' "$log" ||
	    dfail "night $n: the backup's end was not seen"
	# Every clinical-pg export started after the backup ended.
	jq -e '(.operations | map(select(.type == "BACKUP_VOLUME")) | .[0].end_ms) as $e |
	    [.operations[] | select(.type == "EXPORT" and .instance == "clinical-pg")] |
	    length > 0 and all(.insert_ms >= $e)' "$s" >/dev/null ||
	    dfail "night $n: an export started while the backup ran"
	grep -c 'instance held by' "$log"
}

busy_night 1
looks1=$(check_night 1) || exit 1
grep -q 'none seen before' "$D_TMP/daemon-1.log" ||
    dfail "night 1: the first wait claims a history"

busy_night 2
looks2=$(check_night 2) || exit 1
# The journal knew last night's 20 s: one look, at its end.
grep -Eq 'instance held by BACKUP_VOLUME .*last time 20s' "$D_TMP/daemon-2.log" ||
    dfail "night 2: last night's duration not used: $(grep 'held by' "$D_TMP/daemon-2.log")"
[ "$looks2" -eq 1 ] || dfail "night 2: $looks2 looks at the backup, want 1"
[ "$looks1" -gt 1 ] || dfail "night 1: $looks1 looks, expected several without history"
lag() {
	jq '(.operations | map(select(.type == "BACKUP_VOLUME")) | .[0].end_ms) as $e |
	    [.operations[] | select(.type == "EXPORT" and .instance == "clinical-pg") |
	    .insert_ms] | (min - $e) / 1000 | floor' "$D_TMP/stats-$1.json"
}
echo "PASS: busy instance waited on: night 1 $looks1 looks (export $(lag 1) emulated s after the backup's end), night 2 $looks2 ($(lag 2) s)"
