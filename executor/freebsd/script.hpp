#pragma once
/// The plan as a POSIX sh script of the commands `apply` would run on a
/// FreeBSD host, in order, stopping at the first failure (no rollback, no
/// applied records).

#include <optional>
#include <string>

#include "planner/plan.hpp"

namespace jailplan {

/// `file` and `source` name the configuration and what it was planned
/// against (in the script's header); `term` is the TERM exec.clean keeps.
std::string render_script(const Plan& plan, const std::string& file, const std::string& source,
                          std::optional<std::string> term);

}  // namespace jailplan
