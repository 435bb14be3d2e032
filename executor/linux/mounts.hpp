#pragma once
/// The mounts a Linux jail is made with (mount.devfs, mount.procfs,
/// mount.fdescfs, mount and mount.fstab), made by its init inside the
/// jail's own mount namespace, before pivot_root: they end with it.

#include <cstdint>
#include <string>

namespace jailplan::linux_jail {

/// One mount made inside the jail's mount namespace before pivot_root.
struct MountSpec {
  enum class Kind : std::uint8_t { fstab, devfs, procfs, fdescfs } kind = Kind::fstab;
  std::string source, target, type, options;  ///< target: a host path under the jail's path
};

/// Makes `m`: a tmpfs /dev with devfsrules_jail's basic set (devfs), proc
/// with /proc/sys read-only (procfs), a /dev/fd link (fdescfs), or an
/// fstab line (nullfs and `bind` lines are bind mounts). "" or why not.
std::string make_mount(const MountSpec& m);

/// Binds `source` onto `target` (recursively), then remounts it with the
/// mount(2) `flags` that apply to a bind mount (read-only, nosuid, ...).
std::string bind_mount(const std::string& source, const std::string& target, unsigned long flags);

}  // namespace jailplan::linux_jail
