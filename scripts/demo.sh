#!/usr/bin/env bash
# The README's main job: install what is missing, build, and apply the
# shipped example for real with the Linux backend (as root): three jails
# from examples/site.conf, their roots built from busybox-static. Then the
# jails' status, a request to the web jail from the host, and a second
# plan that has nothing left to do. `jailplan destroy examples/site.conf
# --all --auto-approve` removes them again.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
jailplan=./build/cli/jailplan
set -x
# jail roots under a directory only root can enter: a setuid program made
# by jail root must not be reachable by the host's other users
install -d -m 0700 /var/lib/jailplan/jails
chmod 0700 /var/lib/jailplan/jails
for jail in db web worker; do
  ./scripts/mkroot.sh "/var/lib/jailplan/jails/$jail" "examples/roots/$jail"
done
$jailplan doctor examples/site.conf
$jailplan validate --host examples/site.conf
$jailplan apply examples/site.conf --auto-approve
$jailplan status examples/site.conf
busybox wget -q -O - http://198.51.100.10/
$jailplan exec web -- ps
$jailplan plan examples/site.conf
# a FreeBSD host captured with 'jls -n': what would apply change there, and why?
$jailplan plan examples/site.conf --state examples/host.jls --explain --backend freebsd
