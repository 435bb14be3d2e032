#!/usr/bin/env bash
# Configures and builds into build/ (warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
# JAILPLAN_CORPUS=DIR: the jail.conf corpus, required (CI passes it)
corpus=()
if [[ -n ${JAILPLAN_CORPUS:-} ]]; then corpus=(-DJAILPLAN_CORPUS_DIR="$(realpath "$JAILPLAN_CORPUS")"); fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJAILPLAN_WERROR=ON "${corpus[@]}" >/dev/null
cmake --build build
