#!/bin/sh
# The host side of examples/gitops: apply this host's reviewed plan once,
# then publish what the host now runs, so the next pull request plans
# against it. Run from cron or a timer:
#
#   host-apply.sh REPO [HOST]
#
# A saved plan counts as approved, with the plan digest its pull request
# showed (plans/HOST.digest). jailplan refuses it (exit 1, nothing applied)
# when the file does not hash to that digest, when it was made for another
# host, when the configuration's files changed, or when the jails it
# touches changed since it was made: plan again in a pull request. JAILPLAN (default: jailplan) and JAILPLAN_BACKEND (default:
# the host's own) choose the program and the backend.
set -eu
repo=${1:?usage: host-apply.sh REPO [HOST]}
host=${2:-$(hostname -s)}
jailplan=${JAILPLAN:-jailplan}
backend=${JAILPLAN_BACKEND:+--backend $JAILPLAN_BACKEND}
plan="$repo/plans/$host.json"
marker="$repo/plans/.$host.applied"

if [ -d "$repo/.git" ]; then
	git -C "$repo" pull --ff-only --quiet
fi
if [ ! -f "$plan" ]; then
	echo "host-apply: no reviewed plan for $host" >&2
	exit 0
fi
digest=$(sha256sum "$plan" | cut -d' ' -f1)
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$digest" ]; then
	echo "host-apply: $plan was applied already"
	exit 0
fi
expect=""
if [ -f "$repo/plans/$host.digest" ]; then
	expect="--expect-digest $(cat "$repo/plans/$host.digest")"
fi
# the plan names its configuration relative to the repository
cd "$repo"
# shellcheck disable=SC2086
$jailplan apply $backend $expect --progress quiet "$plan"
echo "$digest" > "$marker"
# shellcheck disable=SC2086
$jailplan observe $backend --json > "$repo/hosts/$host/snapshot.json"
if [ -d "$repo/.git" ]; then
	git -C "$repo" add "hosts/$host/snapshot.json" "plans/.$host.applied"
	git -C "$repo" commit --quiet -m "$host: applied $digest" && git -C "$repo" push --quiet
fi
echo "host-apply: applied $plan"
