#!/bin/sh
# api-creds.sh: every credential source of Application Default
# Credentials against the emulator: [gcp] credentials (service account,
# JWT checked with the public half of a key made here), the environment
# variable (authorized_user, refresh grant), gcloud's well-known file, the
# metadata server; a key the emulator does not know is refused; an
# unsupported type is named; world-readable keys warned about; a 401
# forces one refresh and one retry; tokens expiring mid-run are renewed.
# No token, key or assertion reaches the daemon's log.
. "$(dirname "$0")/api-lib.sh"
command -v openssl >/dev/null 2>&1 || { echo "SKIP: openssl missing"; exit 77; }

K="$EMU_TMP/keys"
mkdir -p "$K"
for k in good bad; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$K/$k.pem" 2>/dev/null || fail "genpkey"
done
openssl pkey -in "$K/good.pem" -pubout -out "$K/good.pub" || fail "pubout"

# A 401 on the first export: one refresh, then the same job succeeds.
cat >"$EMU_TMP/faults.json" <<'JSON'
[{"endpoint": "sql.export", "kind": "status", "status": 401, "count": 1}]
JSON
emu_start --sa-pubkey "$K/good.pub" --refresh-token rt-good-4711 \
    --time-scale 600 --faults "$EMU_TMP/faults.json"

# sa_json KEY: a service-account key file whose token_uri is the emulator.
sa_json() {
	jq -n --rawfile pk "$K/$1.pem" --arg uri "$URL/token" '{type:
	    "service_account", project_id: "databackup-admin",
	    private_key_id: "kid-1", private_key: $pk, client_email:
	    "databackup@databackup-admin.iam.gserviceaccount.com",
	    client_id: "1", token_uri: $uri}'
}
sa_json good >"$K/sa.json"
sa_json bad >"$K/sa-bad.json"
jq -n --arg uri "$URL/token" '{type: "authorized_user", client_id: "cid",
    client_secret: "csecret-0815", refresh_token: "rt-good-4711",
    token_uri: $uri}' >"$K/au.json"
jq -n '{type: "external_account", audience: "x"}' >"$K/ext.json"
chmod 600 "$K"/*.json

# The physics-lab project: three databases, no busy windows.
printf '%s\n' physics-lab/physics-mysql/detectors \
    physics-lab/physics-mysql/experiments physics-lab/physics-mysql/wiki \
    >"$EMU_TMP/want"

check_n() {	# check_n WANT-REGEX [env...]: databackupd -n says it
	want=$1; shift
	env "$@" "$DAEMON_BIN" -n -c "$D_TMP/databackup.conf" \
	    >"$EMU_TMP/n.out" 2>&1 || dfail "-n failed: $(cat "$EMU_TMP/n.out")"
	grep -Eq "$want" "$EMU_TMP/n.out" ||
	    dfail "-n: want /$want/: $(cat "$EMU_TMP/n.out")"
}

# run_with SOURCE: start the daemon, export physics-lab, stop it.
run_with() {
	daemon_start
	ctl trigger physics-lab --wait >/dev/null || dfail "$1: run failed"
	all_succeeded "$EMU_TMP/want"
	daemon_stop || dfail "$1: stop"
	no_secrets "$D_TMP/daemon.log" rt-good-4711 csecret-0815
	rm -f "$D_TMP/journal.db"*
}

# 1. [gcp] credentials: service account.  The 401 fault fires here.
daemon_config
gcpconf "credentials = $K/sa.json"
check_n '^credentials: config: service_account databackup@'
t0=$(ep oauth.token)
run_with config
[ "$(ep oauth.token)" -ge $((t0 + 2)) ] || dfail "401 did not force a refresh"
grep -q 'token refused' "$D_TMP/daemon.log" || dfail "no 401 retry logged"
stats | jq -e '.faults_injected.status == 1' >/dev/null || dfail "401 fault"

# 2. GOOGLE_APPLICATION_CREDENTIALS: authorized_user, refresh grant.
daemon_config
export GOOGLE_APPLICATION_CREDENTIALS="$K/au.json"
check_n '^credentials: GOOGLE_APPLICATION_CREDENTIALS: authorized_user cid'
t0=$(ep oauth.token)
run_with env
[ "$(ep oauth.token)" -gt "$t0" ] || dfail "refresh grant not used"
unset GOOGLE_APPLICATION_CREDENTIALS

# 3. gcloud's well-known file (under HOME).
mkdir -p "$HOME/.config/gcloud"
cp "$K/sa.json" "$HOME/.config/gcloud/application_default_credentials.json"
check_n '^credentials: gcloud: service_account'
t0=$(ep oauth.token)
run_with gcloud
[ "$(ep oauth.token)" -gt "$t0" ] || dfail "well-known key not used"
rm -rf "$HOME/.config/gcloud"

# 4. The metadata server (GCE_METADATA_HOST, set by daemon_start).
check_n '^credentials: metadata: metadata default' \
    GCE_METADATA_HOST="127.0.0.1:$PORT"
t0=$(ep metadata.token)
run_with metadata
[ "$(ep metadata.token)" -gt "$t0" ] || dfail "metadata token not used"

# A key the emulator does not know: refused, the run fails, said why.
daemon_config
gcpconf "credentials = $K/sa-bad.json"
daemon_start
ctl trigger physics-lab --wait >/dev/null 2>&1
ctl --json jobs | jq -e '.run.outcome == "failed"' >/dev/null ||
    dfail "bad key: run did not fail"
grep -q 'Invalid JWT Signature\|invalid_grant' "$D_TMP/daemon.log" ||
    dfail "bad signature not reported"
daemon_stop
no_secrets "$D_TMP/daemon.log"
rm -f "$D_TMP/journal.db"*

# Unsupported type: refused by name.  World-readable: a warning.
daemon_config
gcpconf "credentials = $K/ext.json"
"$DAEMON_BIN" -n -c "$D_TMP/databackup.conf" >"$EMU_TMP/n.out" 2>&1 &&
    dfail "external_account accepted"
grep -q '"external_account"' "$EMU_TMP/n.out" || dfail "type not named"
daemon_config
gcpconf "credentials = $K/sa.json"
chmod 644 "$K/sa.json"
check_n 'world-readable'
chmod 600 "$K/sa.json"

# Tokens that expire mid-run (8 s): renewed ahead of expiry, run succeeds.
emu_stop
emu_start --sa-pubkey "$K/good.pub" --time-scale 8 --token-lifetime 8
sa_json good >"$K/sa.json"
DISC_EXTRA="exclude = library-catalogue/library-pg/broken_db" daemon_config
gcpconf "credentials = $K/sa.json"
daemon_start
ctl trigger 'finance-prod/finance-pg' 'registry-prod' --wait >/dev/null ||
    dfail "expiry run failed"
run_jobs | grep -v '^succeeded' && dfail "expiry run: not all succeeded"
n=$(run_jobs | wc -l)
[ "$n" -ge 6 ] || dfail "expiry run: $n jobs"
start=$(jq -r .run.started "$D_TMP/jobs.json")
end=$(jq -r .run.ended "$D_TMP/jobs.json")
secs=$(( $(date -d "$end" +%s) - $(date -d "$start" +%s) ))
[ "$(ep oauth.token)" -ge 2 ] || dfail "token not renewed in a ${secs}s run"
daemon_stop
no_secrets "$D_TMP/daemon.log"
echo "api-creds: ok (expiry run ${secs}s, $(ep oauth.token) token requests)"
