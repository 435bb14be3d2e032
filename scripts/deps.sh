#!/usr/bin/env bash
# Installs what jailplan needs from Debian's packages, only what is missing.
# With --tests, also what only the tests need: mandoc (the man pages under
# mandoc -Tlint) and ansible-core (the Ansible module, run for real).
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config
          tao-pegtl-dev libfmt-dev libssl-dev libyaml-cpp-dev libcli11-dev doctest-dev nlohmann-json3-dev
          clang-format busybox-static iproute2)
if [[ $(uname -s) == Linux ]]; then
  packages+=(libseccomp-dev)  # the Linux backend's system-call filter
fi
if [[ ${1:-} == --tests ]]; then
  packages+=(mandoc ansible-core python3-jsonschema)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
