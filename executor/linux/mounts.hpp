#pragma once
/// The mounts a Linux jail is made with (its root, mount.devfs,
/// mount.procfs, mount.fdescfs, mount and mount.fstab), made by its init
/// inside the jail's own mount namespace, before pivot_root: they end with
/// it. Every target is resolved beneath the jail's root and every mount is
/// made through file descriptors (the new mount API), so no symbolic link
/// the jail (or a jail it hosts) controls can take a mount, a node or a
/// link out of the jail's tree.

#include <cstdint>
#include <string>

#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

/// One mount made inside the jail's mount namespace before pivot_root.
struct MountSpec {
  enum class Kind : std::uint8_t { fstab, devfs, procfs, fdescfs } kind = Kind::fstab;
  std::string source, target, type, options;  ///< target: a host path under the jail's path
};

/// The jail's root: `path` (no component of which may be a symbolic link)
/// bound onto itself; `root` is left holding that mount's root. "" or why
/// not.
std::string mount_root(const std::string& path, Fd& root);

/// Makes `m` beneath the jail's root (`root`, the directory `path`): a
/// tmpfs /dev with devfsrules_jail's basic set (devfs), proc with the
/// machine's knobs read-only or covered (procfs), a /dev/fd link
/// (fdescfs), or an fstab line (nullfs and `bind` lines are bind mounts).
/// The target is resolved as the jail would see it (its symbolic links
/// stay inside its root). "" or why not.
std::string make_mount(const MountSpec& m, int root, const std::string& path);

}  // namespace jailplan::linux_jail
