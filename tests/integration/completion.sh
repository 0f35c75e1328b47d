#!/bin/sh
# completion.sh: the bash completion of databackupctl, run by bash itself:
# commands and each command's options as --help lists them.
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash"; exit 77; }
PATH="$top_builddir:$PATH" exec bash -c '
. "$1/etc/bash-completion/databackupctl"
fails=0
# want "WORDS..." "EXPECTED COMPREPLY": complete the last word of WORDS
want() {
	read -r -a COMP_WORDS <<<"$1"
	case $1 in *" ") COMP_WORDS+=("") ;; esac
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_databackupctl
	got=$(printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " ")
	if [ "$got" != "$2 " ]; then
		echo "FAIL: \"$1\": got \"$got\", want \"$2 \""
		fails=1
	fi
}
want "databackupctl tr" "trigger"
want "databackupctl c" "check coverage"
want "databackupctl -s /tmp/x.sock st" "status"
want "databackupctl jobs --" "--all --failed --json --limit --state"
want "databackupctl --json history --j" "--jobs --json"
want "databackupctl plan --s" "--summary"
want "databackupctl trigger physics-lab --w" "--wait"
want "databackupctl nosuch --" "--json"
# Every command of --help is offered, and nothing else.
want "databackupctl " "$(databackupctl --help | sed -n "s/^  \([a-z][a-z]*\) .*/\1/p" |
    { cat; printf "%s\n" -s --json --help --version; } | sort | tr "\n" " " | sed "s/ $//")"
exit $fails
' completion "$top_srcdir"
