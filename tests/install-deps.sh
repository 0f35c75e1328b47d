#!/bin/sh
# Install what databackup needs to build, test and run its demo, from
# Debian's packages.  Run as root (or through sudo) on Debian 12.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive

# To build the daemon and databackupctl: the toolchain, autotools and the
# libraries they link.
build="build-essential autoconf automake pkg-config
	libevent-dev libcurl4-openssl-dev libcjson-dev libssl-dev libbsd-dev
	libsqlite3-dev libsystemd-dev"
# The emulator of the Google APIs (make demo, the tests) writes gzip'd
# exports; the unit suites use Check.
emulator="zlib1g-dev"
units="check"
# The integration tests: curl and jq talk to the emulator, openssl makes
# test keys, sqlite3 reads the journal, mandoc lints the man pages, procps
# finds processes, systemd-analyze checks the unit, ca-certificates for
# curl.
tools="ca-certificates curl jq openssl sqlite3 mandoc procps systemd python3"
# Real receivers for the alert tests: an SMTP server (aiosmtpd) and
# Prometheus's own parser of /metrics.
alerts="python3-aiosmtpd python3-prometheus-client"

apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends \
	$build $emulator $units $tools $alerts >/dev/null

# The Pub/Sub alert test runs gcloud's Pub/Sub emulator, a Java program:
# a Java runtime only when that emulator is there to use it.
if ! command -v gcloud >/dev/null 2>&1; then
	echo "install-deps: gcloud (google-cloud-cli) is not installed:" \
	    "the gcloud fidelity and Pub/Sub tests will be skipped" >&2
elif [ ! -d "$(gcloud info --format='value(installation.sdk_root)' \
    2>/dev/null)/platform/pubsub-emulator" ]; then
	echo "install-deps: the gcloud pubsub-emulator component is missing:" \
	    "the Pub/Sub alert test will be skipped" >&2
else
	apt-get install -y -qq --no-install-recommends \
	    default-jre-headless >/dev/null
fi
echo "install-deps: done"
