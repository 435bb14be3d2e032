#pragma once
/// Observing a FreeBSD host with a constant number of commands, whatever
/// the number of jails: one `jls --libxo json -d -n`, one `mount -p`, one
/// `ifconfig -a`, one `rctl` when jailplan gave a running jail limits, plus
/// jailplan's applied records from its state directory.

#include <map>
#include <string>
#include <vector>

#include "executor/command_runner.hpp"
#include "executor/host_env.hpp"
#include "grammar/source_loader.hpp"
#include "planner/observed.hpp"

namespace jailplan {

inline constexpr const char* k_freebsd_state_dir = "/var/db/jailplan/applied";

/// Where the FreeBSD backend finds its tools and keeps its records.
struct FreeBsdPaths {
  std::string tool_root;  ///< "" = the host's own /sbin, /usr/sbin, ... (see PosixCommandRunner)
  std::string state_dir = k_freebsd_state_dir;

  /// The defaults, or the HostEnv's tool root and state directory (the
  /// fake FreeBSD host of the tests).
  static FreeBsdPaths from(const HostEnv& env);
};

class FreeBsdObserver final : public Observer {
 public:
  FreeBsdObserver(CommandRunner& runner, SourceLoader& files, std::string state_dir = k_freebsd_state_dir)
      : m_runner(runner), m_files(files), m_state_dir(std::move(state_dir)) {}
  Result<ObservedState> observe() override;

 private:
  Diagnostics observe_limits(ObservedState& s);
  CommandRunner& m_runner;
  SourceLoader& m_files;
  std::string m_state_dir;
  SourceSet m_sources;  // the texts diagnostics point into
};

/// `mount -p` output (fstab lines, device and mount point strvis-encoded)
/// → mounts; a line of fewer than three fields is a located error.
Result<std::vector<ObservedMount>> parse_mount_p(const SourceFile& file);
/// `ifconfig -a` output → interface addresses, numeric, without the scope
/// (`%lo0`) or a `/prefix`; an `inet` / `inet6` line without a numeric
/// address is a located error.
Result<std::vector<ObservedAddress>> parse_ifconfig(const SourceFile& file);
/// `rctl` output → each jail's rules without their subject
/// (`memoryuse:deny=536870912`); rules of other subjects are skipped, a
/// jail rule without resource, action and amount is a located error.
Result<std::map<std::string, std::vector<std::string>>> parse_rctl(const SourceFile& file);

}  // namespace jailplan
