#!/usr/bin/env bash
# Fails if any C++ source differs from clang-format's layout (.clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
while IFS= read -r f; do
  if ! diff -q <(clang-format --style=file "$f") "$f" >/dev/null; then
    echo "not formatted: $f (run: clang-format -i $f)"
    fail=1
  fi
done < <(git ls-files '*.cpp' '*.hpp')
exit $fail
