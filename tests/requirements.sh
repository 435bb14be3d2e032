# Sourced by the shell tests: `require NAME "$missing"` ends a test whose
# requirements are missing: a failure under CI=true (CI must never skip),
# a loud skip elsewhere. Nothing happens when `missing` is empty.
require() {
	[ -z "$2" ] && return 0
	if [ "${CI:-}" = true ]; then
		echo "$1: missing:$2" >&2
		exit 1
	fi
	echo "$1: SKIPPED: missing:$2" >&2
	exit 0
}
