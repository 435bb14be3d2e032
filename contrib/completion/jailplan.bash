# bash completion for jailplan(8)
#
# Subcommands, their options and option values; configuration files where
# a file is expected; jail names for exec and explain from `jailplan status`.

_jailplan_jails()
{
	jailplan status 2>/dev/null | awk 'NR > 1 && $2 != "" { print $2 }'
}

_jailplan()
{
	local cur prev words cword
	cur="${COMP_WORDS[COMP_CWORD]}"
	prev="${COMP_WORDS[COMP_CWORD-1]}"
	local commands="validate show fmt convert plan drift apply adopt restart reconcile explain import observe graph destroy status doctor exec"
	local host="--state --backend --allow-unenforced"
	local run="-j --jobs --progress"

	# the subcommand is the first word that is not an option
	local cmd="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case "${COMP_WORDS[i]}" in
		-*) ;;
		*) cmd="${COMP_WORDS[i]}"; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands --help --version --no-color" -- "$cur"))
		return
	fi

	case "$prev" in
	--backend) COMPREPLY=($(compgen -W "freebsd linux" -- "$cur")); return ;;
	--progress) COMPREPLY=($(compgen -W "lines json quiet" -- "$cur")); return ;;
	--to) COMPREPLY=($(compgen -W "conf yaml" -- "$cur")); return ;;
	-j|--jobs|--lock-timeout|-e|-U) return ;;
	--state|--policy|--rc-conf|-o|--out|--output|-f|--file)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac

	local opts=""
	case "$cmd" in
	validate) opts="-q --quiet --policy" ;;
	show) opts="-e --json --yaml" ;;
	fmt) opts="--check --write" ;;
	convert) opts="--to -o --output" ;;
	plan) opts="$host --json --markdown --script --explain --full --detailed-exitcode --prune --restart-changed --adopt -o --out --refresh-only" ;;
	drift) opts="$host --json" ;;
	apply) opts="$host $run --dry-run --auto-approve --prune --restart-changed --adopt --expect-digest --lock-timeout" ;;
	adopt) opts="$host $run --dry-run --auto-approve --lock-timeout" ;;
	reconcile) opts="$host $run --prune --lock-timeout" ;;
	restart) opts="$host $run --dry-run --auto-approve --lock-timeout" ;;
	destroy) opts="$host $run --all --force --dry-run --auto-approve --lock-timeout" ;;
	status|observe) opts="$host --json" ;;
	explain) opts="$host -f --file" ;;
	import) opts="$host --rc-conf --to -o --output" ;;
	exec) opts="--backend -l -U" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case "$cmd" in
	exec|explain) COMPREPLY=($(compgen -W "$(_jailplan_jails)" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -o filenames -F _jailplan jailplan
