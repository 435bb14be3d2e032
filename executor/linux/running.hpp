#pragma once
/// Operations on a running Linux jail, found through its runtime record:
/// ending it, listing and signalling its processes, and the few changes
/// made in place (host name, addresses, persist, vnet.interface).

#include <chrono>
#include <string>
#include <vector>

#include "executor/linux/netlink.hpp"
#include "executor/linux/runtime.hpp"

namespace jailplan::linux_jail {

/// What happens to a destroyed jail's link.
enum class LinkRemoval : bool {
  now,            ///< deleted at once (synchronous: ~25 ms, an RCU grace period)
  with_namespace  ///< left to the kernel, which removes it with the jail's net namespace
};

/// Ends the jail: SIGKILL to its init (the kernel ends every process in its
/// pid namespace), the host end of its link deleted, its state removed.
std::string destroy(const Runtime& r, const std::string& dir, LinkRemoval link = LinkRemoval::now);

/// Waits up to `patience` for links left to their namespaces to go, then
/// deletes any that are still there.
std::string await_links_gone(const std::vector<std::string>& links, std::chrono::milliseconds patience);

/// The jail's processes as the host numbers them, its init first.
std::vector<int> processes(const Runtime& r);

/// SIGTERM to every process of the jail (its init forwards it), then waits
/// up to `seconds` for them to end, as jail(8)'s stop.timeout.
std::string terminate(const Runtime& r, int seconds);

/// Tells the init to keep (true) or no longer keep (false) the jail when it
/// has no processes.
std::string set_persist(const Runtime& r, bool persist);

/// In-place changes: a new host name; a new set of addresses.
std::string set_hostname(const Runtime& r, const std::string& hostname);
std::string set_addresses(Runtime& r, const std::vector<linux_net::IpAddress>& addresses);
/// Moves a host interface into the jail's network namespace (vnet.interface).
std::string move_interface(const Runtime& r, const std::string& interface);

}  // namespace jailplan::linux_jail
