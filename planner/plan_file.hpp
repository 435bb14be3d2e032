#pragma once
/// The Plan as JSON (docs/plan-format.md): `plan --json` and saved plan
/// files (`plan -o FILE`), which carry format and tool versions and the
/// digests of the desired and observed states they were computed from.

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/source.hpp"
#include "planner/observed.hpp"
#include "planner/plan.hpp"

namespace jailplan {

inline constexpr int k_plan_format_version = 3;

std::string render_plan_json(const Plan& plan);
Result<Plan> parse_plan_json(const SourceFile& file);
/// Only the plan's drift (`plan --refresh-only --json`, `drift --json`):
/// `{"format": "jailplan-drift", "format_version": 1, "drift": [...]}`.
std::string render_drift_json(const Plan& plan);

}  // namespace jailplan
