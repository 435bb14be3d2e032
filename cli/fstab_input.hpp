#pragma once
/// Reading the mount.fstab files a configuration names, when a plan is
/// made (jail(8) reads them when it processes a jail), and checking that a
/// saved plan's lines are still what the files say.

#include <string>
#include <vector>

#include "cli/world.hpp"
#include "compiler/compile.hpp"
#include "planner/plan.hpp"

namespace jailplan {

/// Reads every jail's mount.fstab files through w.loader (regular files of
/// at most k_max_fstab_bytes, each once) and gives each jail that names
/// any its `mount.fstab.lines`. Errors go to w.err, located at the file's
/// name in the configuration (`jail: db: mount.fstab: /etc/fstab.db: No
/// such file or directory`) or at the line (`jail: db: mount: LINE:
/// missing information`); false when there is any.
bool read_fstab_files(Compilation& c, World& w);

}  // namespace jailplan
