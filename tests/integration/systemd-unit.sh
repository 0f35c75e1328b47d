#!/bin/sh
# systemd's own tools check the unit: it parses clean, and its exposure
# level stays at or below 1.2 (hardening not lost by an edit).
set -u
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit="$tmp/databackupd.service"
sed -e "s|@sbindir@|$top_builddir|g" -e "s|@sysconfdir@|$tmp|g" \
    "$top_srcdir/systemd/databackupd.service.in" >"$unit"
# verify: any complaint fails (a machine without a running systemd cannot
# load the default targets: that is the machine, not the unit).
verify() {
	systemd-analyze verify --man=no "$1" 2>&1 |
	    grep -v -e 'sysinit.target' -e 'Failed to create' -e '^$'
}
out=$(verify "$unit")
if [ -n "$out" ]; then
	printf 'FAIL: systemd-analyze verify:\n%s\n' "$out"
	exit 1
fi
# The check can fail: a unit with a typo is refused.
sed 's/^NoNewPrivileges=yes/NoNewPrivilegez=yes/' "$unit" >"$tmp/bad.service"
[ -n "$(verify "$tmp/bad.service")" ] || { echo "FAIL: verify accepts a typo"; exit 1; }
systemd-analyze security --offline=yes --threshold=12 "$unit" >"$tmp/sec" 2>&1 || {
	tail -20 "$tmp/sec"
	echo "FAIL: exposure above 1.2"
	exit 1
}
grep 'Overall exposure' "$tmp/sec"
grep -q 'Type=notify' "$unit" || { echo "FAIL: not Type=notify"; exit 1; }
echo "PASS: unit verified"
