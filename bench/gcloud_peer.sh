#!/bin/sh
# gcloud_peer.sh URL TOKEN_FILE BUCKET SAMPLE_FILE WORKDIR: the cron-style
# loop an operator would otherwise script, over the real gcloud CLI
# pointed at the emulator (as tests/integration/gcloud-fidelity.sh does).
# SAMPLE_FILE has project/instance/database per line.  Prints one line per
# export: "project/instance/database rc wall_seconds".
set -u
url=$1 tokfile=$2 bucket=$3 sample=$4 work=$5

export CLOUDSDK_CONFIG="$work/gcloud"
export CLOUDSDK_CORE_DISABLE_PROMPTS=1
export CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=1
export CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=1
export CLOUDSDK_API_ENDPOINT_OVERRIDES_SQL="$url/"
export CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER="$url/"
export CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE="$url/storage/v1/"
export CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="$tokfile"
mkdir -p "$CLOUDSDK_CONFIG"

day=$(date -u +%Y-%m-%d)
while IFS=/ read -r p i d; do
	[ -n "$d" ] || continue
	t0=$(date +%s.%N)
	gcloud sql export sql "$i" "gs://$bucket/$p/$i/$d/$day.sql.gz" \
	    --database="$d" --project "$p" >"$work/gcloud.out" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" -v n="$p/$i/$d" -v r="$rc" 'BEGIN { printf "%s %s %.3f\n", n, r, b - a }'
done <"$sample"
