#pragma once
/// Resource limits for Linux jails: jailplan.rctl's rules as cgroup limits,
/// on whichever hierarchy the host has (v2, or the v1 trees of a v1 or
/// hybrid host). One group per jail with limits, named after it,
/// `/sys/fs/cgroup[/CONTROLLER]/jailplan/NAME`, with two leaves: `init`
/// holds the jail's init on a small budget of its own (one process, 32
/// MiB), `jail` holds every other process of the jail and its limits, so
/// that maxproc counts what FreeBSD counts and the init is no way around
/// them. A jail without limits has no group: nothing to escape.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jailplan::linux_cgroup {

enum class Mode : std::uint8_t { none, v1, v2 };
/// How this host mounts cgroups (statfs of /sys/fs/cgroup).
Mode detect();
std::string_view to_string(Mode m);

struct Limits {
  std::optional<std::int64_t> memory;       ///< bytes (memoryuse:deny)
  std::optional<std::int64_t> processes;    ///< pids (maxproc:deny)
  std::optional<std::int64_t> cpu_percent;  ///< of one CPU (pcpu:deny)
  bool any() const { return memory || processes || cpu_percent; }
};

/// The rules as limits; "" or why a rule cannot be enforced here (a
/// resource or action cgroups do not have).
std::string parse_limits(const std::vector<std::string>& rules, Limits& out);
/// Whether one rule can be enforced (for plan-time checks): "" or why not.
std::string unenforceable(std::string_view rule);

/// The jail's group directories on this host (they may not exist).
std::vector<std::string> directories(const std::string& jail, Mode mode);

/// Creates the jail's groups and puts its init in the `init` leaf, on its
/// budget; nothing on a host without cgroups.
std::string place_init(const std::string& jail, int init_pid);
/// Creates the groups, writes the limits on the `jail` leaf (those not
/// given are lifted) and moves `pids` into it.
std::string apply(const std::string& jail, const Limits& limits, const std::vector<int>& pids);
/// The limits the jail's `jail` leaf holds now (none where its groups are
/// gone); false on a host without cgroups.
bool read_limits(const std::string& jail, Limits& out);
/// Opens the `cgroup.procs` of the jail's `jail` leaves (where they exist),
/// so that a process can join them later from inside the jail's mount
/// namespace by writing "0" (itself) to each.
std::vector<int> open_join_handles(const std::string& jail);
/// Opens the `cgroup.procs` of this process's own groups in the
/// hierarchies the jails use: the way back out after a fork inside.
std::vector<int> open_home_handles();
/// Joins through the handles and closes them; false when a write failed.
bool join(const std::vector<int>& handles);
/// Removes the jail's groups (retrying while exiting tasks are still
/// charged to them).
std::string remove(const std::string& jail);

}  // namespace jailplan::linux_cgroup
