#!/usr/bin/env bash
# The README's test command: set up, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh --tests
./scripts/build.sh
ctest --test-dir build --output-on-failure -j2
