#!/usr/bin/env bash
# Runs the benchmarks on a Release build and prints medians.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DJAILPLAN_TESTS=OFF >/dev/null
cmake --build build-release >/dev/null
for n in 1000 10000; do
  ./build-release/bench/jailplan_bench_frontend "$n" 11 build-release/cli/jailplan
done
./build-release/bench/jailplan_bench_plan 11 10000 100000
./build-release/bench/jailplan_bench_observe 5 10000 100000
if [ "$(id -u)" = 0 ]; then
  ./build-release/bench/jailplan_bench_linux 50 5 build-release/cli/jailplan
else
  echo "jailplan_bench_linux: skipped (needs root)"
fi
