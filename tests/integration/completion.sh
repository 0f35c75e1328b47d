#!/bin/sh
# completion.sh: bash itself runs etc/bash-completion/databackupctl the way
# readline would (COMP_WORDS, COMP_CWORD, then the function) and the test
# checks COMPREPLY: the commands offered are exactly those of
# `databackupctl --help`, every command offers every option its --help line
# names, a prefix completes to its one command, a value is not completed
# with an option, and -s/--socket complete file names.
# Skips (77) only when bash is missing.

if [ -z "$BASH_VERSION" ]; then
	command -v bash >/dev/null 2>&1 || { echo "SKIP: bash missing"; exit 77; }
	exec bash "$0" "$@"
fi

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
CTL="$top_builddir/databackupctl"
COMPLETION="$top_srcdir/etc/bash-completion/databackupctl"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

# The program as an operator has it: found on PATH by its bare name.
PATH="$top_builddir:$PATH"
[ -x "$CTL" ] || { echo "FAIL: $CTL not built" >&2; exit 1; }
# shellcheck source=/dev/null
. "$COMPLETION" || { echo "FAIL: sourcing $COMPLETION" >&2; exit 1; }
complete -p databackupctl >/dev/null 2>&1 ||
	fail "the completion file does not register for databackupctl"

# complete WORD...: completes the last word of "databackupctl WORD...";
# prints COMPREPLY sorted, one per line.
complete_words() {
	COMP_WORDS=(databackupctl "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_databackupctl databackupctl "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
}

# expect WANT WORD...: the completions are exactly WANT (space-separated).
expect() {
	local want=$1 got
	shift
	got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
	# shellcheck disable=SC2086 # want is a list of words
	want=$(printf '%s\n' $want | sort | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] ||
		fail "databackupctl $*<TAB>: got '$got', want '$want'"
}

# includes WANT WORD...: the completions include WANT.
includes() {
	local want=$1
	shift
	complete_words "$@" | grep -qx -- "$want" ||
		fail "databackupctl $*<TAB>: '$want' missing from:" \
		    "$(complete_words "$@" | tr '\n' ' ')"
}

# The commands of --help, and each one's options from its own line.
"$CTL" --help >"$TMP/help" || { echo "FAIL: databackupctl --help" >&2; exit 1; }
awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' \
    "$TMP/help" | sort >"$TMP/commands.help"
[ "$(wc -l <"$TMP/commands.help")" -ge 5 ] ||
	{ cat "$TMP/help" >&2; echo "FAIL: commands not found in --help" >&2; exit 1; }

complete_words "" >"$TMP/commands.completed"
cmp -s "$TMP/commands.help" "$TMP/commands.completed" ||
	fail "databackupctl <TAB> differs from --help's commands:" \
	    "$(diff "$TMP/commands.help" "$TMP/commands.completed")"

# Every option of a command's --help line is offered after the command,
# with the global ones, and nothing else is.
while read -r cmd; do
	awk -v c="$cmd" '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	    on && $1 == c { print }' "$TMP/help" |
	    grep -o -- '--[a-z][a-z-]*' >"$TMP/opts.$cmd" || true
	printf '%s\n' --json --socket --help --version >>"$TMP/opts.$cmd"
	sort -u -o "$TMP/opts.$cmd" "$TMP/opts.$cmd"
	complete_words "$cmd" -- >"$TMP/opts.$cmd.completed"
	cmp -s "$TMP/opts.$cmd" "$TMP/opts.$cmd.completed" ||
		fail "databackupctl $cmd --<TAB> differs from --help:" \
		    "$(diff "$TMP/opts.$cmd" "$TMP/opts.$cmd.completed")"
done <"$TMP/commands.help"

# Examples an operator types.
expect trigger tr
expect "status" st
expect "--failed" history --f
includes --failed history --
includes --failed jobs --
expect "" jobs --limit ""
includes --wait trigger a/b --
includes --stale coverage --
expect "--json" --j
expect "--json" status --j
# Global options before the command do not hide it.
expect "status" -s /run/x.sock st
expect "status" --socket = /run/x.sock st
expect "--days" --json history --d
# Once there is a command, no second one is offered.
expect "" status ""
expect "" trigger s
# A value is not completed with an option or a command.
expect "" history --days ""
expect "" coverage --hours ""
# The socket is a file.
mkdir "$TMP/run" && : >"$TMP/run/control.sock"
expect "$TMP/run/control.sock" -s "$TMP/run/con"
expect "$TMP/run/control.sock" status --socket "$TMP/run/con"
expect "$TMP/run/control.sock" --socket = "$TMP/run/con"

# A program that cannot be run gives no completions and no error.
COMP_WORDS=(databackupctl st)
COMP_CWORD=1
COMPREPLY=()
errs=$(PATH=/nonexistent _databackupctl 2>&1; echo "n=${#COMPREPLY[@]}")
[ "$errs" = "n=0" ] || fail "without databackupctl on PATH: '$errs'"

exit "$failed"
