#!/bin/sh
# docs-commands.sh: the documents that list databackupctl's commands list
# all of them, as `databackupctl --help` has them: README's summary, and
# the command table of docs/databackupctl.md.  (The manual page is checked
# by man-lint.sh.)

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
CTL="$top_builddir/databackupctl"
README="$top_srcdir/README"
CTLMD="$top_srcdir/docs/databackupctl.md"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

"$CTL" --help >"$TMP/help" 2>&1 ||
	{ cat "$TMP/help" >&2; echo "FAIL: databackupctl --help" >&2; exit 1; }
awk '/^Commands:/ { c = 1; next } c && /^$/ { exit } c { print $1 }' \
    "$TMP/help" >"$TMP/cmds"
n=$(wc -l <"$TMP/cmds")
[ "$n" -ge 5 ] || { cat "$TMP/help" >&2;
	echo "FAIL: only $n commands parsed from --help" >&2; exit 1; }

# README: the paragraph that says what databackupctl talks to the daemon
# with, up to its first blank line.
awk '/`databackupctl` talks to the daemon/ { p = 1 } p && /^$/ { exit }
    p { print }' "$README" >"$TMP/readme"
[ -s "$TMP/readme" ] || fail "README: no paragraph on databackupctl's commands"
# docs/databackupctl.md: the first cell of each row of the command table.
sed -n 's/^| `\([a-z]*\)[ `].*/\1/p' "$CTLMD" >"$TMP/md"

while read -r c; do
	grep -q "\`${c}[ \`]" "$TMP/readme" ||
		fail "README does not list the command $c"
	grep -qx "$c" "$TMP/md" ||
		fail "docs/databackupctl.md does not list the command $c"
done <"$TMP/cmds"

[ "$failed" -eq 0 ] || exit 1
echo "README and databackupctl.md list all $n commands"
