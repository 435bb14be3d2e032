#pragma once
/// Linux jails from jail.conf semantics: the launcher (clone3 into new
/// mount, pid, uts, ipc and net namespaces; pivot_root; tmpfs /dev; proc;
/// a veth link carrying the jail's addresses; a capability policy), the
/// small init that is PID 1 of every jail, the jexec path, and the runtime
/// state that says which jails are alive. ../docs/linux-backend.md has the
/// mapping and its differences from FreeBSD.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "executor/linux/netlink.hpp"

namespace jailplan::linux_jail {

inline constexpr const char* k_runtime_dir = "/run/jailplan";

/// One mount made inside the jail's mount namespace before pivot_root.
struct MountSpec {
  enum class Kind : std::uint8_t { fstab, devfs, procfs, fdescfs } kind = Kind::fstab;
  std::string source, target, type, options;  ///< target: a host path under the jail's path
};

/// Everything the launcher needs, resolved from a plan's create step.
struct JailSetup {
  std::string name;
  std::string path;
  std::string hostname;
  bool new_net = true;   ///< false for ip4=inherit and ip6=inherit without vnet
  bool vnet = false;     ///< the jail gets an empty stack of its own (no veth)
  bool new_ipc = true;   ///< false with allow.sysvipc or sysv*=inherit
  bool persist = false;  ///< the init holds the jail while it has no process
  std::vector<linux_net::IpAddress> addresses;
  std::vector<MountSpec> mounts;
  std::uint64_t drop_caps = 0;          ///< capability bits removed from the bounding set
  std::vector<std::string> parameters;  ///< the create step's words, reported back by observe
};

/// /run/jailplan/NAME/state.json: written before the jail is released, so
/// a launcher killed mid-way still leaves a trail.
struct Runtime {
  std::string name;
  int index = 0;  ///< jls's jid analog: the lowest free index
  int init_pid = 0;
  std::uint64_t init_start = 0;  ///< /proc/PID/stat field 22, to tell a reused pid
  std::string veth;              ///< the host end, "" without a link
  std::vector<std::string> addresses;
  std::string gateway4, gateway6;
  std::uint64_t drop_caps = 0;
  bool new_net = true;
  std::vector<std::string> parameters;
};

std::string runtime_file(const std::string& dir, const std::string& name);
std::optional<Runtime> read_runtime(const std::string& dir, const std::string& name, std::string& error);
std::string write_runtime(const std::string& dir, const Runtime& r);
/// Every runtime record under `dir`, live or not, sorted by name.
std::vector<Runtime> list_runtimes(const std::string& dir);
/// Whether the recorded init still runs (same pid and start time).
bool alive(const Runtime& r);
std::uint64_t process_start_time(int pid);

/// The capabilities jail root keeps, from the create step's allow.* words.
std::uint64_t capabilities_to_drop(bool allow_raw_sockets, bool allow_mount, bool allow_chflags,
                                   bool allow_mlock, bool vnet);

/// Starts the jail: its init runs as PID 1 and holds it. Returns the runtime
/// (also written to `dir`) or an error sentence in `error`; on error nothing
/// is left (no process, link or state file).
std::optional<Runtime> launch(const JailSetup& setup, const std::string& dir, std::string& error);

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

/// `jailplan __jail-init NAME SETUP_FD REPORT_FD`: PID 1 of a jail. It
/// reads its set-up (JSON) from SETUP_FD, makes the mounts, host name and
/// network, pivots into the path, drops the capabilities, and closes
/// REPORT_FD (or writes why it failed there). Then it reaps, forwards
/// SIGTERM, and ends when the jail has no process left and is not
/// persistent (SIGUSR1 drops persist, SIGUSR2 sets it). Never returns.
[[noreturn]] void init_main(const std::string& name, int setup, int report);

/// `jailplan __jail-exec [-R RUNTIME_DIR] [-l] [-d] [-U user | -u user] NAME -- ARGV...`:
/// runs ARGV inside the jail with its namespaces and capability policy;
/// returns the exit status to exit with. `-d` leaves it running in the
/// background once it has started (its parent becomes the jail's init).
int exec_main(const std::vector<std::string>& args, std::string dir);

/// The entry points jailplan re-executes itself for (a jail's init, jexec);
/// any binary that launches Linux jails calls this first in main(). Returns
/// nullopt when argv is not one of them.
std::optional<int> hidden_entry(int argc, char** argv);

}  // namespace jailplan::linux_jail
