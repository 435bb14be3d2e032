#pragma once
/// The capability policy of Linux jails: what every jail root holds, and
/// what its allow.* parameters (and vnet) give back as the parameter table
/// says (params.hpp). confine() (confine.hpp) drops the rest from the init
/// and from every process that enters a jail.

#include <cstdint>

#include "executor/linux/runtime.hpp"

namespace jailplan::linux_jail {

/// The capabilities removed from jail root (bits, 1 << CAP_*, all 64), from
/// the create step's parameters: all but jail root's own and those the
/// table's rows give back (by default or as the parameters say; the last
/// value for a parameter wins).
std::uint64_t capabilities_to_drop(const KernelParams& params);

}  // namespace jailplan::linux_jail
