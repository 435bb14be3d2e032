#pragma once
/// The FreeBSD backend's translation of Steps into the exact argument
/// vectors jail(8) itself runs (jail-semantics §4.6), and of exec.* values
/// into commands the way jail(8) runs them (§4.7).

#include <string>
#include <vector>

#include "base/result.hpp"
#include "planner/plan.hpp"
#include "planner/steps.hpp"

namespace jailplan {

inline constexpr const char* k_ifconfig = "/sbin/ifconfig";
inline constexpr const char* k_mount = "/sbin/mount";
inline constexpr const char* k_umount = "/sbin/umount";
inline constexpr const char* k_jail = "/usr/sbin/jail";
inline constexpr const char* k_sh = "/bin/sh";
inline constexpr const char* k_rctl = "/usr/bin/rctl";
inline constexpr const char* k_jls = "/usr/sbin/jls";
inline constexpr const char* k_jexec = "/usr/sbin/jexec";
inline constexpr const char* k_setfib = "/usr/sbin/setfib";
inline constexpr const char* k_pkill = "/bin/pkill";
inline constexpr const char* k_pgrep = "/bin/pgrep";
inline constexpr const char* k_devfs = "/sbin/devfs";

/// argv of a helper step (aliases, mounts, jail -c / -m / -R, vnet
/// interfaces), or why there is none. `jid_or_name` is what
/// `ifconfig IF vnet J` names the jail by.
Result<std::vector<std::string>> freebsd_helper_argv(const std::string& jail, const std::string& jid_or_name,
                                                     const Step& step);

/// argvs of a devfs_ruleset step {target, ruleset}, run in order: the
/// mount's ruleset, then that ruleset's rules applied to the nodes the
/// mount already has, as rc.subr's devfs_domount does (`devfs -m DIR
/// ruleset N`, `devfs -m DIR rule applyset`). Ruleset 0 has no rules to
/// apply (applyset would fail with ESRCH): only the first.
Result<std::vector<std::vector<std::string>>> freebsd_devfs_ruleset_argvs(const Step& step);

/// How jail(8) runs one exec.* value: through `/bin/sh -c` when it has any
/// shell character, else split on blanks and exec'd directly. A value whose
/// only shell character is a final `&` runs in the background without it.
struct HookCommand {
  std::vector<std::string> argv;
  bool background = false;
};
HookCommand hook_command(const std::string& value);

}  // namespace jailplan
