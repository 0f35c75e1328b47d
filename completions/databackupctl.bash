# bash completion for databackupctl(8).
#
# The commands and their options come from the program itself:
# "databackupctl --complete" prints the table that --help prints, one line
# per command ("history --days= --failed"; a trailing '=' marks an option
# that takes a value, and the line named "-" holds the global options).
# So this file does not change when commands or options do.

_databackupctl()
{
	local cur prev prog i w name rest line cmd='' opts='' globals='' cmds=''
	local -a table

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The program being completed, if it can be run as typed; else PATH's.
	prog=${COMP_WORDS[0]}
	if [[ $prog == */* && ! -x $prog ]] || [[ -z $prog ]]; then
		prog=databackupctl
	fi
	mapfile -t table < <("$prog" --complete 2>/dev/null)
	((${#table[@]} > 0)) || return 0
	for line in "${table[@]}"; do
		name=${line%% *}
		[[ $line == *" "* ]] && rest=${line#* } || rest=
		if [[ $name == - ]]; then
			globals=$rest
		else
			cmds+=" $name"
		fi
	done

	# The command is the first word that is neither an option nor the
	# value of -s/--socket (readline splits "--socket=PATH" at the '=').
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-s | --socket)
			((i++))
			[[ ${COMP_WORDS[i]} == = ]] && ((i++))
			;;
		-*) ;;
		*)
			cmd=$w
			break
			;;
		esac
	done
	if [[ -n $cmd ]]; then
		for line in "${table[@]}"; do
			name=${line%% *}
			if [[ $name == "$cmd" ]]; then
				[[ $line == *" "* ]] && opts=${line#* }
				break
			fi
		done
	fi

	# After an option that takes a value: the socket is a file, the rest
	# are numbers or names the shell cannot guess.
	if [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
		[[ $prev == --socket ]] || return 0
	fi
	case $prev in
	-s | --socket)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	esac
	for w in $globals $opts; do
		if [[ $w == *= && $prev == "${w%=}" ]]; then
			return 0
		fi
	done

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "${globals//=/} ${opts//=/}" -- "$cur")
	elif [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
	fi
	return 0
}
complete -F _databackupctl databackupctl
