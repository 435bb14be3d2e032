#!/bin/sh
# The man pages must be clean under mandoc -Tlint (warnings included).
# Without mandoc this fails under CI=true and is skipped, loudly, elsewhere.
if ! command -v mandoc >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "man_lint: mandoc is missing (scripts/deps.sh installs it)" >&2
		exit 1
	fi
	echo "man_lint: SKIPPED: no mandoc" >&2
	exit 0
fi
exec mandoc -Tlint -Wwarning "$@"
