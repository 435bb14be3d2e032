#pragma once
/// The capability policy of Linux jails: what jail root may never do on a
/// shared kernel, what its allow.* parameters (and vnet) give back as the
/// parameter table says (params.hpp), and dropping the rest from a process
/// (the init and every jexec apply the same mask).

#include <cstdint>
#include <string>
#include <vector>

#include "executor/linux/runtime.hpp"

namespace jailplan::linux_jail {

/// The capabilities removed from jail root (bits, 1 << CAP_*), from the
/// create step's parameters: those no jail root may have, plus those of
/// every table row with capabilities that the parameters do not turn on
/// (the last value for a parameter wins).
std::uint64_t capabilities_to_drop(const KernelParams& params);

/// Removes the capabilities from the bounding set (inherited by every exec)
/// and from this process's own sets.
bool drop_capabilities(std::uint64_t drop);

}  // namespace jailplan::linux_jail
