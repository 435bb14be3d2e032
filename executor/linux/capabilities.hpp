#pragma once
/// The capability policy of Linux jails: what jail root may never do on a
/// shared kernel, what its allow.* parameters give back, and dropping the
/// rest from a process (the init and every jexec apply the same mask).

#include <cstdint>

namespace jailplan::linux_jail {

/// The capabilities jail root keeps, from the create step's allow.* words.
std::uint64_t capabilities_to_drop(bool allow_raw_sockets, bool allow_mount, bool allow_chflags,
                                   bool allow_mlock, bool vnet);

/// Removes the capabilities from the bounding set (inherited by every exec)
/// and from this process's own sets.
bool drop_capabilities(std::uint64_t drop);

}  // namespace jailplan::linux_jail
