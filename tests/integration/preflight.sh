#!/bin/sh
# preflight.sh: databackupd -n --online asks Google what a run would find
# out an hour late: a token, each configured folder and project, the
# bucket and the daemon's permissions on it (buckets.testIamPermissions),
# its lifecycle and retention (buckets.get), and, as a note, whether Cloud
# Monitoring tells each configured project's disk bytes used.  Each problem is a line
# naming the fix; the exit status is 1 when there is any.  databackupctl
# plan says the same of the daemon's credentials and the bucket.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# online: databackupd -n --online on $D_TMP/databackup.conf; output in out
online() {
	GCE_METADATA_HOST="${META:-127.0.0.1:$PORT}" "$DAEMON_BIN" \
	    -c "$D_TMP/databackup.conf" -n --online >"$D_TMP/out" 2>&1
}
want() {
	grep -F -x -q "$1" "$D_TMP/out" || fail "no line '$1' in: $(cat "$D_TMP/out")"
}

# --online goes with -n only.
"$DAEMON_BIN" -c /dev/null --online >"$D_TMP/out" 2>&1
[ $? = 2 ] || fail "--online without -n: exit status, want 2"
grep -q -- '--online goes with -n' "$D_TMP/out" || fail "$(cat "$D_TMP/out")"

# All is well.
FLEET="$EMU_TMP/fleet.json"
jq '.bucket_denied = ["storage.objects.delete"] |
    (.projects[] | select(.projectId == "library-catalogue") | .monitoring) =
    false' "$top_srcdir/etc/demo-fleet.json" >"$FLEET"
emu_start
daemon_config
online || fail "preflight on a good setup: $(cat "$D_TMP/out")"
want "token: ok: metadata default (metadata)"
want "folder 210000000001: ok: readable"
want "project library-catalogue: ok: readable"
want "project library-catalogue: note: Monitoring tells its instances' disk bytes used, for first estimates"
want "bucket campus-sql-backups: ok: the VM's default service account may get and delete objects"
grep -q '^bucket campus-sql-backups: note: EUROPE-WEST1 STANDARD; 0 lifecycle rules' \
    "$D_TMP/out" || fail "no lifecycle note: $(cat "$D_TMP/out")"
want "configuration OK"
daemon_start
ctl plan >"$D_TMP/out" 2>&1 || fail "plan on a good setup: $(cat "$D_TMP/out")"
want "bucket campus-sql-backups: ok: the daemon may get and delete objects"
daemon_stop

# A folder that cannot be read and a bucket that does not exist.
sed -i 's/^folders = .*/folders = 210000000001 999999999999/;
    s/^projects = .*/projects = library-catalogue no-such-project/;
    s/^bucket = .*/bucket = no-such-bucket/' "$D_TMP/databackup.conf"
online && fail "preflight passed a missing folder and bucket"
want "folder 999999999999: PROBLEM: 403 PERMISSION_DENIED: the VM's default service account lacks resourcemanager.projects.list there (e.g. roles/browser), or it does not exist; check the id in the configuration"
grep -q '^project no-such-project: PROBLEM: 40[34] ' "$D_TMP/out" ||
    fail "missing project: $(cat "$D_TMP/out")"
want "bucket no-such-bucket: PROBLEM: no such bucket; create it (gcloud storage buckets create gs://no-such-bucket) or fix [export] bucket"
want "3 problems found"
grep -q 'configuration OK' "$D_TMP/out" && fail "OK printed with problems"

# A bucket the daemon may not delete in (leftovers of failed exports).
emu_stop
EMU_FLEET=$FLEET emu_start
daemon_config
online && fail "preflight passed without storage.objects.delete"
want "bucket campus-sql-backups: PROBLEM: the VM's default service account lacks storage.objects.delete: grant it roles/storage.objectUser on gs://campus-sql-backups"
# Monitoring denied: a note, not a problem.
grep -q "^project library-catalogue: note: Monitoring not available (.*403.*): first estimates from disk sizes; the VM's default service account needs monitoring.timeSeries.list there (e.g. roles/monitoring.viewer) for better ones$" \
    "$D_TMP/out" || fail "no Monitoring note: $(cat "$D_TMP/out")"
want "1 problem found"

# databackupctl plan asks the daemon the same of the bucket.
daemon_start
ctl plan >"$D_TMP/out" 2>&1 && fail "plan passed without storage.objects.delete"
want "credentials: metadata default (metadata)"
want "bucket campus-sql-backups: PROBLEM: the daemon's account lacks storage.objects.delete: grant it roles/storage.objectUser on gs://campus-sql-backups"
ctl --json plan >"$D_TMP/out.json"
[ $? = 1 ] || fail "plan --json: exit status, want 1"
jq -e '.bucket.checked == true and (.bucket.problem | test("storage.objects.delete"))' \
    "$D_TMP/out.json" >/dev/null || fail "plan bucket: $(jq -c .bucket "$D_TMP/out.json")"
daemon_stop

# No token: the metadata server does not answer.
META=127.0.0.1:1 online && fail "preflight passed without a token"
grep -q '^token: PROBLEM: metadata default (metadata) got no token: ' \
    "$D_TMP/out" || fail "no token line: $(cat "$D_TMP/out")"
grep -q '^folder' "$D_TMP/out" && fail "folders tried without a token"
want "1 problem found"
echo "preflight: ok"
