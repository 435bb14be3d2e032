#pragma once
/// The Linux backend: the same Steps as on FreeBSD, realised with
/// namespaces (launch.hpp, running.hpp). Host hooks run through the
/// CommandRunner as jail(8) runs them; in-jail hooks through jailplan's own
/// jexec path; the mounts a plan makes before `create` are made inside the
/// jail's mount namespace by the launcher, so teardown has nothing to
/// unmount on the host. docs/linux-backend.md has the mapping.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "executor/backend.hpp"
#include "executor/command_runner.hpp"
#include "executor/host_env.hpp"
#include "executor/linux/mounts.hpp"
#include "executor/linux/runtime.hpp"

namespace jailplan {

inline constexpr const char* k_linux_state_dir = "/var/lib/jailplan/applied";

struct LinuxPaths {
  std::string runtime_dir = linux_jail::k_runtime_dir;  ///< live jails (state.json each)
  std::string state_dir = k_linux_state_dir;            ///< applied records (the applier and observer use it)
  std::string self = self_path();                       ///< jailplan, for in-jail commands

  /// This binary's own path (a shell would read /proc/self/exe as itself).
  static std::string self_path();
  /// The defaults, or the HostEnv's runtime and state directories when set
  /// (a second, separate set of jails: tests, benchmarks).
  static LinuxPaths from(const HostEnv& env);
};

/// Safe to use from several threads for different jails.
class LinuxBackend final : public Backend {
 public:
  /// With `dry_run` nothing is changed: every step is only checked and
  /// described (descriptions()).
  LinuxBackend(CommandRunner& runner, LinuxPaths paths = {}, bool dry_run = false)
      : m_runner(runner), m_paths(std::move(paths)), m_dry_run(dry_run) {}
  /// Waits for the links of removed jails to be gone (see finish()).
  ~LinuxBackend() override;
  LinuxBackend(const LinuxBackend&) = delete;
  LinuxBackend& operator=(const LinuxBackend&) = delete;
  Status run(const JailChange& jail, const Step& step) override;
  std::optional<std::int64_t> jid(const JailChange& jail) override;
  /// Removed jails' links go with their namespaces, all together (about
  /// 30 ms for any number, against 25 ms each deleted one by one); this
  /// waits until they have, deleting stragglers. Returns an error sentence.
  Status finish() override;
  /// A jail that is gone (its init died, or it was removed): its runtime
  /// directory, link and resource-limit groups, if any are left.
  Status forget(const JailChange& jail) override;

 private:
  Status hook(const JailChange& j, const Step& s, bool in_jail);
  Status queue_mount(const JailChange& j, const Step& s);
  Status create(const JailChange& j, const Step& s);
  Status set(const JailChange& j, const Step& s);
  /// The steps that act on the jail's runtime (signals, limits, removal).
  Status on_running(const JailChange& j, const Step& s);
  Result<linux_jail::Runtime> runtime(const JailChange& j) const;

  CommandRunner& m_runner;
  LinuxPaths m_paths;
  bool m_dry_run;
  std::mutex m_mutex;  // the two below: the applier may run jails side by side
  /// mounts asked for before a jail's create step, per jail
  std::map<std::string, std::vector<linux_jail::MountSpec>> m_pending;
  std::vector<std::string> m_dying_links;
};

}  // namespace jailplan
