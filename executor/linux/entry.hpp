#pragma once
/// The entry points jailplan re-executes itself for on Linux: a jail's
/// init (`__jail-init`) and the jexec path (`__jail-exec`).

#include <optional>

namespace jailplan::linux_jail {

/// The entry points jailplan re-executes itself for (a jail's init, jexec);
/// any binary that launches Linux jails calls this first in main(). Returns
/// nullopt when argv is not one of them.
std::optional<int> hidden_entry(int argc, char** argv);

}  // namespace jailplan::linux_jail
