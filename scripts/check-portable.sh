#!/usr/bin/env bash
# jailplan builds on FreeBSD, though no FreeBSD machine is at hand: this
# keeps the tree honest from Linux.
#  1. No file of the program outside executor/linux/ includes a Linux- or
#     glibc-only header, except inside an #if on __linux__ or __GLIBC__
#     (with a portable #else).
#  2. The tree builds, with -Werror, with the Linux backend switched off
#     (what a FreeBSD build compiles), and that build can plan for FreeBSD.
# Usage: scripts/check-portable.sh [BUILD_DIR]   (default: build-portable)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-portable}

# headers that exist only on Linux or only with glibc
linux_only='linux/|asm/|asm-generic/|gnu/|features\.h|malloc\.h|mntent\.h|pty\.h|sched\.h|shadow\.h|execinfo\.h|sys/(auxv|capability|epoll|eventfd|fanotify|fsuid|inotify|klog|mount|personality|pidfd|prctl|sendfile|signalfd|statfs|syscall|sysinfo|sysmacros|timerfd|vfs|xattr)\.h'

status=0
while IFS= read -r f; do
  # an include counts unless an enclosing #if names __linux__ or __GLIBC__
  awk -v file="$f" -v pat="^#[ \t]*include[ \t]*<(${linux_only})" '
    /^#[ \t]*if/ {
      guarded = ($0 ~ /__linux__|__GLIBC__/) && ($0 !~ /^#[ \t]*ifndef/) && ($0 !~ /!/)
      stack[++depth] = guarded; next
    }
    /^#[ \t]*(else|elif)/ { if (depth > 0) stack[depth] = 0; next }
    /^#[ \t]*endif/ { if (depth > 0) depth--; next }
    $0 ~ pat {
      inside = 0
      for (i = 1; i <= depth; i++) if (stack[i]) inside = 1
      if (!inside) { printf "%s:%d: Linux-only header outside executor/linux/: %s\n", file, NR, $0; bad = 1 }
    }
    END { exit bad }' "$f" || status=1
done < <(git ls-files 'base/*' 'grammar/*' 'compiler/*' 'planner/*' 'executor/*' 'cli/*' \
           | grep -E '\.(cpp|hpp)$' | grep -v '^executor/linux/')
if ((status)); then
  echo "check-portable: Linux-only code belongs in executor/linux/ (or under #if __linux__ with a portable #else)"
  exit 1
fi
echo "check-portable: no Linux-only header outside executor/linux/"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DJAILPLAN_WERROR=ON -DJAILPLAN_LINUX_BACKEND=OFF \
  >/dev/null
cmake --build "$build" --target jailplan
if grep -rq 'JAILPLAN_HAVE_LINUX_BACKEND' "$build/compile_commands.json"; then
  echo "check-portable: the build without the Linux backend still defines JAILPLAN_HAVE_LINUX_BACKEND"
  exit 1
fi
# the FreeBSD backend is the only one, and it plans
bin="$build/cli/jailplan"
"$bin" validate -q examples/site.conf
empty=$(mktemp)
trap 'rm -f "$empty"' EXIT
echo '{"format": "jailplan-state", "version": 1, "jails": []}' >"$empty"
"$bin" plan examples/site.conf --state "$empty" --backend freebsd >/dev/null
if "$bin" plan examples/site.conf --state "$empty" --backend linux >/dev/null 2>&1; then
  echo "check-portable: a build without the Linux backend accepted --backend linux"
  exit 1
fi
echo "check-portable: builds and plans without the Linux backend"
