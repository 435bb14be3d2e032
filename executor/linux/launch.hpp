#pragma once
/// Starting a Linux jail: clone into new mount, pid, uts, ipc and net
/// namespaces with jailplan itself as the jail's init, the link made from
/// the host side, the runtime record written, the set-up handed to the
/// init. ../../docs/linux-backend.md has the mapping and its differences
/// from FreeBSD.

#include <optional>
#include <string>

#include "executor/linux/runtime.hpp"
#include "executor/linux/setup.hpp"

namespace jailplan::linux_jail {

/// Starts the jail: its init runs as PID 1 and holds it. Returns the runtime
/// (also written to `dir`) or why not; on error nothing
/// is left (no process, link or state file).
Result<Runtime> launch(const JailSetup& setup, const std::string& dir);

}  // namespace jailplan::linux_jail
