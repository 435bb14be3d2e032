#pragma once
/// The plan digest: one sha256 over everything a plan will do and what it
/// is bound to (docs/plan-format.md, "The plan digest"). A reviewer quotes
/// it; `apply PLAN` refuses a file whose content no longer hashes to it, a
/// digest other than `--expect-digest`, and a plan that comes out different
/// when it is made again.

#include <string>

#include "planner/plan.hpp"

namespace jailplan {

/// Everything one jail's change does: its action, adoption, reason and
/// changes as shown, every step with its arguments and parameters, the
/// record it writes and the settings it stops with. Not: locations and
/// origins (where a value was written), the observed digests.
std::string jail_digest(const JailChange& j);

/// The jails' digests in plan order, with the owner, the format version
/// and the origin (configuration sources, host, options).
std::string plan_digest(const Plan& plan);

}  // namespace jailplan
