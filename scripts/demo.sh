#!/usr/bin/env bash
# The README's main job on the shipped example.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
set -x
./build/cli/jailplan validate examples/site.conf
./build/cli/jailplan show examples/site.conf
./build/cli/jailplan show -e '|' examples/site.conf
# a host captured with 'jls -n': what would apply change there, and why?
./build/cli/jailplan plan examples/site.conf --state examples/host.jls --explain
