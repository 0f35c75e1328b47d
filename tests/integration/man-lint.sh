#!/bin/sh
# man-lint.sh: the manual pages are clean under `mandoc -Tlint -W warning`,
# and they describe what the programs themselves say they have:
# databackup.conf.5 every key of `databackupd -n -d` (the dump of the key
# table) in its section, databackupctl.8 every command and command option
# of `databackupctl --help`, databackupd.8 every option of `databackupd -h`;
# and no page documents a key or command the programs do not know.
# Skips (77) when mandoc is absent.

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
DAEMON="$top_builddir/databackupd"
CTL="$top_builddir/databackupctl"
CONF5="$top_srcdir/docs/databackup.conf.5"
CTL8="$top_srcdir/docs/databackupctl.8"
D8="$top_srcdir/docs/databackupd.8"

command -v mandoc >/dev/null 2>&1 || { echo "SKIP: mandoc missing"; exit 77; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

# 1. Lint.  mandoc prints nothing and exits 0 only for a clean page.
for page in "$D8" "$CTL8" "$CONF5"; do
	mandoc -Tlint -W warning "$page" >"$TMP/lint" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$TMP/lint" ]; then
		fail "mandoc -Tlint -W warning $page (exit $rc):"
		cat "$TMP/lint" >&2
	fi
done

# 2. Configuration keys: the code's own view, the dump of a minimal file.
# No credentials file is found in the empty HOME, so the lookup ends at the
# metadata server, which -n does not contact.
cat >"$TMP/min.conf" <<'EOF'
[discovery]
projects = man-lint
[export]
bucket = man-lint-bucket
[control]
socket = /tmp/man-lint-control.sock
EOF
mkdir "$TMP/home"
env -u GOOGLE_APPLICATION_CREDENTIALS -u CLOUDSDK_CONFIG \
    -u GCE_METADATA_HOST -u GCE_METADATA_ROOT HOME="$TMP/home" \
    "$DAEMON" -n -d -c "$TMP/min.conf" >"$TMP/dump" 2>"$TMP/dump.err" ||
	{ cat "$TMP/dump.err" >&2; echo "FAIL: databackupd -n -d" >&2; exit 1; }
awk '/^\[[a-z_]+\]$/ { s = substr($0, 2, length($0) - 2); next }
    /^[a-z_]+ =/ && s != "" { print s "." $1 }' "$TMP/dump" |
    sort -u >"$TMP/keys.code"
n=$(wc -l <"$TMP/keys.code")
[ "$n" -ge 20 ] || { cat "$TMP/dump" >&2;
	echo "FAIL: only $n keys parsed from the dump" >&2; exit 1; }

# Documented: ".It Cm KEY" under ".Ss [SECTION]" of SECTIONS AND KEYS.
awk '/^\.Sh / { s = ""; next }
    /^\.Ss \[[a-z_]+\]$/ { s = substr($2, 2, length($2) - 2); next }
    /^\.Ss / { s = ""; next }
    /^\.It Cm [a-z_]+/ && s != "" { print s "." $3 }' "$CONF5" |
    sort -u >"$TMP/keys.doc"
comm -23 "$TMP/keys.code" "$TMP/keys.doc" >"$TMP/missing"
comm -13 "$TMP/keys.code" "$TMP/keys.doc" >"$TMP/extra"
while read -r k; do
	fail "databackup.conf.5 does not describe [${k%%.*}] ${k#*.}"
done <"$TMP/missing"
while read -r k; do
	fail "databackup.conf.5 describes [${k%%.*}] ${k#*.}, unknown to databackupd"
done <"$TMP/extra"

# 3. databackupctl commands and their options, from --help.
"$CTL" --help >"$TMP/help" 2>&1 ||
	{ cat "$TMP/help" >&2; echo "FAIL: databackupctl --help" >&2; exit 1; }
awk '/^Commands:/ { c = 1; next } c && /^$/ { exit } c { print $0 }' \
    "$TMP/help" >"$TMP/cmdlines"
awk '{ print $1 }' "$TMP/cmdlines" | sort -u >"$TMP/cmds.code"
n=$(wc -l <"$TMP/cmds.code")
[ "$n" -ge 5 ] || { cat "$TMP/help" >&2;
	echo "FAIL: only $n commands parsed from --help" >&2; exit 1; }
# Documented: ".It Cm NAME" in the Commands subsection.
awk '/^\.S[hs] / { c = ($0 == ".Ss Commands"); next }
    c && /^\.It Cm [a-z]+/ { print $3 }' "$CTL8" | sort -u >"$TMP/cmds.doc"
comm -23 "$TMP/cmds.code" "$TMP/cmds.doc" | while read -r c; do
	echo "FAIL: databackupctl.8 does not describe the command $c" >&2
	echo x >>"$TMP/cmdfail"
done
comm -13 "$TMP/cmds.code" "$TMP/cmds.doc" | while read -r c; do
	echo "FAIL: databackupctl.8 describes $c, unknown to databackupctl" >&2
	echo x >>"$TMP/cmdfail"
done
[ -f "$TMP/cmdfail" ] && failed=1
# Each --option of a command's usage is on that command's .It line.
while read -r name rest; do
	usage=${rest%%  *}
	line=$(grep -E "^\.It Cm $name( |\$)" "$CTL8")
	for w in $usage; do
		case $w in
		*--*) o=${w#*--}; o=${o%%[]. ]*} ;;
		*) continue ;;
		esac
		case $line in
		*"Fl \\-$o"*) ;;
		*) fail "databackupctl.8: $name does not show --$o" ;;
		esac
	done
done <"$TMP/cmdlines"

# 4. databackupd options, from -h: each is an ".It Fl X" entry.
"$DAEMON" -h >"$TMP/dhelp" 2>&1 ||
	{ cat "$TMP/dhelp" >&2; echo "FAIL: databackupd -h" >&2; exit 1; }
opts=$(sed -n 's/^  -\([A-Za-z]\) .*/\1/p' "$TMP/dhelp")
[ -n "$opts" ] || { cat "$TMP/dhelp" >&2;
	echo "FAIL: no options parsed from databackupd -h" >&2; exit 1; }
for o in $opts; do
	grep -Eq "^\.It Fl $o( |\$)" "$D8" ||
		fail "databackupd.8 does not describe -$o"
done

[ "$failed" -eq 0 ] || exit 1
echo "man pages: clean; $(wc -l <"$TMP/keys.code") keys," \
    "$(wc -l <"$TMP/cmds.code") commands, options $(echo $opts | tr -d ' ')"
