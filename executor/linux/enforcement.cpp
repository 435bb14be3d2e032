#include "executor/linux/enforcement.hpp"

#include <fmt/format.h>

#include "executor/linux/cgroup.hpp"

namespace jailplan {

namespace {

struct Checker {
  Diagnostics& out;
  bool allow;
  const JailSpec& jail;

  void weaker(const TypedParam& p, const std::string& why) {
    const std::string summary = fmt::format("jail \"{}\": {} cannot be enforced by the Linux backend: {}",
                                            jail.name, p.spelled(), why);
    auto& d = allow ? out.warning(p.location(), summary, "unenforced")
                    : out.error(p.location(), summary, "unenforced");
    if (!allow) d.detail = "pass --allow-unenforced to apply it anyway, weaker than asked";
  }
};

}  // namespace

Diagnostics linux_enforcement(const DesiredState& desired, bool allow_unenforced) {
  Diagnostics out;
  for (const auto& jail : desired.jails) {
    Checker c{out, allow_unenforced, jail};
    const bool may_mount = jail.flag("allow.mount");
    for (const auto& p : jail.params) {
      const auto* n = std::get_if<std::int64_t>(&p.value);
      const auto* s = std::get_if<std::string_view>(&p.value);
      if (p.name() == "securelevel" && n != nullptr && *n > 0) {
        c.weaker(p, "Linux has no per-jail securelevel (lockdown is host-wide)");
      } else if (p.name() == "enforce_statfs" && n != nullptr && *n < 2) {
        c.weaker(p, "a mount namespace cannot show the jail the host's mounts below its root");
      } else if (p.name() == "osrelease" || p.name() == "osreldate") {
        c.weaker(p, "the jail sees the host kernel's release (uname cannot be set per jail)");
      } else if (p.name() == "cpuset.id") {
        c.weaker(p, "cpusets are not mapped yet");
      } else if ((p.name() == "sysvmsg" || p.name() == "sysvsem" || p.name() == "sysvshm") && s != nullptr &&
                 *s == "disable") {
        c.weaker(p, "SysV IPC cannot be disabled; the jail gets an IPC namespace of its own");
      } else if (p.name() == "allow.set_hostname" && may_mount && !jail.flag("allow.set_hostname")) {
        c.weaker(p, "with allow.mount the jail keeps CAP_SYS_ADMIN, which also sets the host name");
      } else if (p.name().starts_with("allow.mount.") && may_mount && !jail.flag(p.name())) {
        c.weaker(p,
                 "allow.mount lets the jail mount every file system type (CAP_SYS_ADMIN is all or nothing)");
      } else if (p.name() == "zfs.dataset") {
        c.weaker(p, "the Linux backend has no ZFS datasets to attach");
      } else if (p.name() == "jailplan.rctl") {
        for (const auto& rule : p.raw())
          if (auto why = linux_cgroup::unenforceable(rule); !why.empty())
            c.weaker(p, fmt::format("resource limit '{}': {}", rule, why));
      }
    }
  }
  out.sort_by_location();
  return out;
}

}  // namespace jailplan
