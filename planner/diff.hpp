#pragma once
/// Comparing one declared jail with the running one, parameter by
/// parameter and by meaning: kernel parameters against what the host
/// reports, everything else against jailplan's applied record.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compiler/model.hpp"
#include "planner/canon.hpp"
#include "planner/observed.hpp"
#include "planner/plan.hpp"

namespace jailplan {

struct JailDiff {
  std::vector<ParamChange> changes;  ///< in parameter-name order
  std::size_t unchanged = 0;
  Effect worst = Effect::none;
  std::string worst_param;  ///< the first parameter with the worst effect
  bool recorded = false;    ///< the running jail has a usable applied record
  std::string note;         ///< e.g. a record left by an earlier jail of that name
};

/// The default a parameter absent from the spec stands for, or nullopt
/// when it is not compared (see compared_when_absent).
using DefaultFor =
    std::function<std::optional<std::vector<std::string>>(const ParamInfo&, std::string_view name)>;

JailDiff diff_jail(const JailSpec& desired, const CanonSpec& canon, const ObservedJail& observed,
                   const DefaultFor& default_for);

/// What changing a parameter on a running jail takes, from the catalog.
Effect kernel_effect(const ParamInfo& info);
Effect pseudo_effect(const ParamInfo& info);

}  // namespace jailplan
