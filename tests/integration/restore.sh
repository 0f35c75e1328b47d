#!/bin/sh
# restore.sh: databackupctl restore against the emulator, for each engine.
# Exports are made first (a run of three databases), then read back:
#   - PostgreSQL: refused over an existing database without --replace (no
#     import sent); a dry run says what it would do and does nothing; into
#     a new name, the database is created, then imported; --replace
#     deletes, creates and imports.
#   - SQL Server: the BAK import creates the database (no create step);
#     over an existing one it is refused; while a maintenance operation
#     holds the instance (409) the restore waits, then goes on.
#   - MySQL: refused under another name (the dump names its database);
#     into another instance with --to it lands under its own name.
#   - A missing object and a corrupt one fail the restore, with the reason,
#     and exit 1; a database the journal has no export of is refused.
#   - Bad usage exits 2; status lists the restores; the emulator's record
#     of imports is the judge of what was sent.
#   - A restore the daemon's stop interrupts is failed, naming what may
#     still run at Google, and status shows it after a restart.
. "$top_srcdir/tests/integration/daemon-lib.sh"

emu_start --time-scale 200
daemon_config
daemon_start
ctl trigger library-catalogue/library-pg/loans \
    registry-prod/registry-mssql/courses physics-lab/physics-mysql/wiki \
    --wait >"$D_TMP/out" 2>&1 || dfail "trigger: $(cat "$D_TMP/out")"

# imports: the emulator's imports started, "P/I/D count", sorted.
imports() {
	stats | jq -r '(.imports_started // {}) | to_entries[] |
	    "\(.key) \(.value)"' | sort
}
# db_exists P I D: the database is on the instance (databases.get).
db_exists() {
	api GET "/v1/projects/$1/instances/$2/databases/$3" >/dev/null
	[ "$(status)" = 200 ]
}
# restore_ok ARGS...: a restore that must succeed; output in $D_TMP/r.
restore_ok() {
	ctl restore "$@" --wait >"$D_TMP/r" 2>&1 ||
	    dfail "restore $*: exit $?: $(cat "$D_TMP/r")"
}
# restore_fails WANT ARGS...: must exit 1 saying WANT.
restore_fails() {
	want=$1; shift
	ctl restore "$@" --wait >"$D_TMP/r" 2>&1
	rc=$?
	[ "$rc" = 1 ] || dfail "restore $*: exit $rc, want 1: $(cat "$D_TMP/r")"
	grep -q -- "$want" "$D_TMP/r" ||
	    dfail "restore $*: no '$want' in: $(cat "$D_TMP/r")"
}

PG=library-catalogue/library-pg
# Over the live database: refused, nothing sent.
restore_fails "exists; --replace" $PG/loans
[ -z "$(imports)" ] || dfail "an import was sent: $(imports)"

# Dry run: says it, changes nothing.
ctl restore $PG/loans --as loans_copy --dry-run >"$D_TMP/r" 2>&1 ||
    dfail "dry run: $(cat "$D_TMP/r")"
grep -q "would create database loans_copy on $PG" "$D_TMP/r" &&
    grep -q "would import gs://campus-sql-backups/$PG/loans/.*(.* bytes, SQL) into database loans_copy" "$D_TMP/r" &&
    grep -q "dry run" "$D_TMP/r" || dfail "dry run said: $(cat "$D_TMP/r")"
db_exists library-catalogue library-pg loans_copy &&
    dfail "the dry run created loans_copy"
[ -z "$(imports)" ] || dfail "the dry run imported: $(imports)"

# Into a new name: created, then imported.
restore_ok $PG/loans --as loans_copy
grep -q "creating database: operation" "$D_TMP/r" &&
    grep -q "imported into database loans_copy on $PG" "$D_TMP/r" &&
    grep -q "restore [0-9]* succeeded" "$D_TMP/r" ||
    dfail "restore --as said: $(cat "$D_TMP/r")"
db_exists library-catalogue library-pg loans_copy ||
    dfail "loans_copy is not there"

# --replace over the live database: deleted, created, imported.
restore_ok $PG/loans --replace
grep -q "deleting database: operation" "$D_TMP/r" &&
    grep -q "creating database: operation" "$D_TMP/r" ||
    dfail "restore --replace said: $(cat "$D_TMP/r")"

# SQL Server: the BAK import makes the database.
MS=registry-prod/registry-mssql
restore_fails "exists; --replace" $MS/courses
restore_ok $MS/courses --as courses_copy
grep -q "creating database" "$D_TMP/r" &&
    dfail "a create before a SQL Server import: $(cat "$D_TMP/r")"
grep -q "(.* bytes, BAK)" "$D_TMP/r" || dfail "not BAK: $(cat "$D_TMP/r")"
db_exists registry-prod registry-mssql courses_copy ||
    dfail "courses_copy is not there"

# A busy instance (a maintenance operation holds it) is waited for.
curl -s -X POST "$URL/_emulator/busy" -d '{"project": "registry-prod",
    "instance": "registry-mssql", "for": "1000s"}' >/dev/null
restore_ok $MS/courses --as courses_busy
grep -q "registry-prod/registry-mssql: another operation holds the instance; trying again" \
    "$D_TMP/r" || dfail "the busy instance was not waited for: $(cat "$D_TMP/r")"
[ "$(stats | jq .conflicts_busy)" -gt 0 ] || dfail "no 409 was answered"

# MySQL: under its own name only; into another instance with --to.
restore_fails "names its database (wiki)" physics-lab/physics-mysql/wiki \
    --as wiki_copy
restore_ok physics-lab/physics-mysql/wiki --to registry-prod/registry-mysql
db_exists registry-prod registry-mysql wiki || dfail "wiki not on registry-mysql"

imports >"$D_TMP/imports"
cat >"$D_TMP/want" <<WANT
library-catalogue/library-pg/loans 1
library-catalogue/library-pg/loans_copy 1
registry-prod/registry-mysql/wiki 1
registry-prod/registry-mssql/courses_busy 1
registry-prod/registry-mssql/courses_copy 1
WANT
sort -o "$D_TMP/want" "$D_TMP/want"
diff -u "$D_TMP/want" "$D_TMP/imports" || dfail "imports sent are not the ones asked"

# A missing object, a corrupt one, a database never exported.
restore_fails "does not exist" $PG/loans --as x \
    --object gs://campus-sql-backups/no/such/object.sql.gz
obj=$(ls "$EMU_TMP/buckets/campus-sql-backups/$PG/loans/")
curl -s -X POST "$URL/_emulator/objects" -d "{\"bucket\":
    \"campus-sql-backups\", \"name\": \"$PG/loans/$obj\", \"corrupt\": true}" \
    >/dev/null
restore_fails "ERROR_RDBMS" $PG/loans --as loans_bad
restore_fails "no verified export of finance-prod/finance-pg/ledger" \
    finance-prod/finance-pg/ledger
restore_fails "no verified export of $PG/loans for 1999-01-01" $PG/loans \
    --date 1999-01-01 --as y

# Bad usage: exit 2.
for args in "" "$PG" "$PG/loans --date 2026-1-1 --object gs://b/o" \
    "$PG/loans --to justproject" "$PG/loans --bogus"; do
	# shellcheck disable=SC2086
	ctl restore $args >/dev/null 2>&1
	rc=$?
	[ "$rc" = 2 ] || dfail "restore $args: exit $rc, want 2"
done

# Without --wait: queued, then status follows it to its end.
ctl restore $MS/courses --as courses_2 >"$D_TMP/r" 2>&1 ||
    dfail "restore without --wait: $(cat "$D_TMP/r")"
grep -q "follow it with databackupctl status" "$D_TMP/r" ||
    dfail "without --wait: $(cat "$D_TMP/r")"
wait_for "the queued restore to end" 60 sh -c \
    "'$CTL_BIN' -s '$D_TMP/control.sock' status | grep -q 'restore [0-9]* succeeded: .* into $MS/courses_2'"
ctl status >"$D_TMP/status"
grep -q "restore [0-9]* failed: .*loans_bad: .*ERROR_RDBMS" "$D_TMP/status" ||
    dfail "status does not show the failed restore: $(cat "$D_TMP/status")"
# A restore a stop interrupts fails, saying what may still run; status
# shows it again after the restart.
curl -s -X POST "$URL/_emulator/objects" -d '{"bucket": "campus-sql-backups",
    "name": "big/one.sql.gz", "engine": "POSTGRES", "sizeMb": 400000}' \
    >/dev/null
ctl restore $PG/loans --object gs://campus-sql-backups/big/one.sql.gz \
    --as big >"$D_TMP/r" 2>&1 || dfail "big restore: $(cat "$D_TMP/r")"
wait_for "the big import to start" 30 sh -c \
    "'$CTL_BIN' -s '$D_TMP/control.sock' status | grep -q 'restore [0-9]* running: .*importing: operation'"
daemon_stop || dfail "daemon did not stop cleanly"
grep -q "restore [0-9]* of $PG/loans into $PG/big failed: the daemon stopped during the restore (last step: importing: operation" \
    "$D_TMP/daemon.log" || dfail "the interrupted restore is not failed in the log"
daemon_start
ctl status >"$D_TMP/status"
grep -q "restore [0-9]* failed: gs://campus-sql-backups/big/one.sql.gz into $PG/big: the daemon stopped during the restore" \
    "$D_TMP/status" || dfail "status after restart: $(cat "$D_TMP/status")"
daemon_stop || dfail "daemon did not stop cleanly"
echo "restore: ok"
