#pragma once
/// The runtime records that say which Linux jails are alive:
/// /run/jailplan/NAME/state.json, one per started jail, and the checks that
/// tell a live jail from a stale record (docs/linux-backend.md).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace jailplan::linux_jail {

inline constexpr const char* k_runtime_dir = "/run/jailplan";

/// /run/jailplan/NAME/state.json: written before the jail is released, so
/// a launcher killed mid-way still leaves a trail.
/// A jail's kernel parameters by name, as the kernel would report them
/// (flags "true" / "false"; lists as jail(8) writes them).
using KernelParams = std::vector<std::pair<std::string, std::string>>;

/// Sets (or adds) `name` in `params`.
void put_param(KernelParams& params, const std::string& name, const std::string& value);

struct Runtime {
  std::string name;
  int index = 0;  ///< jls's jid analog: the lowest free index
  int init_pid = 0;
  std::uint64_t init_start = 0;  ///< /proc/PID/stat field 22, to tell a reused pid
  std::string veth;              ///< the host end, "" without a link
  std::vector<std::string> addresses;
  std::string gateway4, gateway6;
  std::uint64_t drop_caps = 0;  ///< the jail's Confinement (confine.hpp)
  bool nested = false;
  bool new_net = true;
  KernelParams parameters;
};

/// The jail's directory under `dir` and its record there: one path
/// component per name, whatever the name (base/text.hpp's encoding).
std::string runtime_jail_dir(const std::string& dir, const std::string& name);
std::string runtime_file(const std::string& dir, const std::string& name);
Result<Runtime> read_runtime(const std::string& dir, const std::string& name);
/// Refuses a name the backend cannot use (names.hpp).
std::string write_runtime(const std::string& dir, const Runtime& r);
/// Removes a jail's record and its directory; "" when they are gone.
std::string remove_runtime(const std::string& dir, const std::string& name);
/// Every runtime record under `dir`, live or not, sorted by name.
std::vector<Runtime> list_runtimes(const std::string& dir);
/// The lowest index no record under `dir` holds (from 1).
int lowest_free_index(const std::string& dir);
/// Whether the recorded init still runs (same pid and start time).
bool alive(const Runtime& r);
std::uint64_t process_start_time(int pid);

}  // namespace jailplan::linux_jail
