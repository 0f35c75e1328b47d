#!/bin/sh
# Install what databackup needs to build, test and run its demo, from
# Debian's packages.  Run as root (or through sudo) on Debian 12.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config ca-certificates \
	libevent-dev libcurl4-openssl-dev libcjson-dev libssl-dev libbsd-dev \
	check libsqlite3-dev libsystemd-dev zlib1g-dev \
	openssl curl jq python3 sqlite3 mandoc procps tmux systemd \
	python3-aiosmtpd default-jre-headless prometheus \
	>/dev/null
if ! command -v gcloud >/dev/null 2>&1; then
	echo "install-deps: gcloud (google-cloud-cli) is not installed:" \
	    "the gcloud fidelity tests will be skipped" >&2
elif [ ! -d "$(gcloud info --format='value(installation.sdk_root)' \
    2>/dev/null)/platform/pubsub-emulator" ]; then
	echo "install-deps: the gcloud pubsub-emulator component is missing:" \
	    "the Pub/Sub alert test will be skipped" >&2
fi
echo "install-deps: done"
