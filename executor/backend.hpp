#pragma once
/// The Backend seam: carries out one Step of one jail on a host. Backends
/// decide *how* (argv, syscalls); the applier decides *when*; the plan
/// decided *what*.

#include <optional>
#include <string>

#include "planner/plan.hpp"

namespace jailplan {

class Backend {
 public:
  virtual ~Backend() = default;
  /// Runs one step; returns "" on success, else one sentence saying what
  /// failed (`/sbin/mount -t devfs … : failed (exit 1): …`).
  virtual std::string run(const JailChange& jail, const Step& step) = 0;
};

/// The last value of a setting in the spec the plan applies (exec.clean,
/// exec.consolelog, ...), or nullptr.
const std::string* applied_setting(const JailChange& j, std::string_view name);
/// Whether that setting is a true boolean.
bool applied_flag(const JailChange& j, std::string_view name);

/// The step that undoes `step` when a jail's start fails part-way, as
/// jail(8) rolls back (§4.3): aliases, mounts, vnet interfaces and the
/// creation itself. Hooks have no inverse (nullopt).
std::optional<Step> inverse(const Step& step);

}  // namespace jailplan
