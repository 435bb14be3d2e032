#pragma once
/// What makes a process a jail process: the confinement the jail's init
/// and every process that enters a jail (jexec, hooks) take on before
/// anything in the jail can see them. One function, one order:
/// non-dumpable, resource limits, the system-call filter, capabilities.
/// docs/linux-backend.md ("Confinement") lists each piece and why.

#include <cstdint>
#include <string>

namespace jailplan::linux_jail {

/// A jail's confinement, from its create step's parameters.
struct Confinement {
  std::uint64_t drop_caps = 0;  ///< capability bits jail root does not hold
  bool nested = false;          ///< children.max > 0: the jail may make namespaces
};

/// Confines the calling process, which must be single-threaded and still
/// hold CAP_SYS_ADMIN and CAP_SETPCAP (the filter is installed without
/// no_new_privs, so setuid programs in the jail keep working): "" once it
/// holds exactly what jail root holds, else why not. In order:
///  1. not dumpable: jail root (without CAP_SYS_PTRACE) can neither trace
///     it nor open its /proc files until it execs a program of the jail;
///     uid and gid 0 and no supplementary group of the caller's;
///  2. RLIMIT_RTPRIO and RLIMIT_NICE 0: no real-time or raised priority;
///  3. the system-call filter (confine.cpp's rules; docs/linux-backend.md
///     lists them with their reasons);
///  4. the capabilities: bounding, ambient, effective, permitted and
///     inheritable sets all lose `drop_caps`.
std::string confine(const Confinement& c);

}  // namespace jailplan::linux_jail
