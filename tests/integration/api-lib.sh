# api-lib.sh: shared by the api-*.sh tests (sourced, not run): the daemon
# library plus checks on a finished run, read from databackupctl's JSON
# and the emulator's own record.

. "$top_srcdir/tests/integration/daemon-lib.sh"
# Tests choose their credentials; nothing from the caller's environment.
unset GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_CONFIG
export HOME="$EMU_TMP/home"
mkdir -p "$HOME"

# gcpconf LINE...: append lines to the [gcp] section (the last one).
gcpconf() {
	for l in "$@"; do echo "$l" >>"$D_TMP/databackup.conf"; done
}

# run_jobs: the last run's jobs as "state project/instance/database".
run_jobs() {
	ctl --json jobs >"$D_TMP/jobs.json" || dfail "ctl jobs"
	jq -r '.jobs[] | "\(.state) \(.project)/\(.instance)/\(.database)"' \
	    "$D_TMP/jobs.json" | sort
}

# all_succeeded WANTFILE: every database listed there succeeded in the
# last run and no job of that run failed.
all_succeeded() {
	run_jobs >"$D_TMP/got"
	grep -v '^succeeded ' "$D_TMP/got" && dfail "jobs not succeeded"
	sed 's/^succeeded //' "$D_TMP/got" >"$D_TMP/got.ok"
	missing=$(comm -23 "$1" "$D_TMP/got.ok")
	[ -z "$missing" ] || dfail "not exported: $missing"
}

# exports_at_most N: no database had more than N exports started (N runs).
exports_at_most() {
	stats | jq -e --argjson n "$1" \
	    '[.exports_started | to_entries[] | select(.value > $n)] | length == 0' \
	    >/dev/null || dfail "duplicate exports: $(stats | jq -c \
	    --argjson n "$1" '[.exports_started | to_entries[] | select(.value > $n)]')"
}

# ep NAME: requests the emulator saw on one endpoint.
ep() { stats | jq --arg e "$1" '.requests_by_endpoint[$e] // 0'; }

# no_secrets FILE TOKEN...: none of the strings (or any token the
# emulator issues, or key material) is in FILE.
no_secrets() {
	f=$1; shift
	for s in "ya29.emu-" "PRIVATE KEY" "assertion=" "$@"; do
		grep -qF -- "$s" "$f" && dfail "secret \"$s\" in $f"
	done
	return 0
}
