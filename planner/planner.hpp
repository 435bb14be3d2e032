#pragma once
/// The planner: desired state + observed state → Plan. It never runs
/// anything; the same inputs always give the same Plan.

#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "base/result.hpp"
#include "compiler/model.hpp"
#include "planner/observed.hpp"
#include "planner/plan.hpp"

namespace jailplan {

struct PlanOptions {
  bool prune = false;  ///< destroy jails jailplan created that are no longer declared
  std::string tool_version;
  /// `jailplan restart`: these jails are stopped and started again even
  /// when nothing changed (a change that needs more, a replacement, stays
  /// one), or started when they are not running; their running dependents
  /// are restarted after them, their dependencies that are not running are
  /// started before them (as jail -rc). No other jail changes.
  std::vector<std::string> restart = {};
  /// `jailplan destroy`: these declared jails are stopped and forgotten,
  /// as jail -r stops them: first every running jail that depends on them
  /// (depend, or a parent link), each with the settings it was started
  /// with (its record, or the declared ones when jailplan holds none).
  /// Nothing else changes. Empty: an ordinary plan.
  std::vector<std::string> destroy = {};
  /// With `destroy`: `destroy --force`, as jail -R. The named jails (and
  /// their children) are removed without exec.prestop, exec.stop,
  /// exec.poststop or exec.release and without stop.timeout's grace (the
  /// removal kills their processes); their unmounts, aliases and records
  /// are still undone.
  bool force = false;
  /// A running jail whose only changes are settings read at start
  /// (Effect::next_start) is restarted now instead of at its next start.
  bool restart_changed = false;
  /// Running declared jails that no configuration owns (no record, or one
  /// written before jailplan kept owners) may be adopted: all of them, or
  /// those named. check_ownership() refuses a plan that would adopt any
  /// other; the planner itself plans every adoption it finds. Names
  /// without adopt_all (`jailplan adopt`): only those jails are checked.
  bool adopt_all = false;
  std::vector<std::string> adopt = {};
};

/// Diffs, orders (dependency order, name tie-breaks), cascades restarts to
/// dependents and expands every change into Steps. The desired state must
/// have compiled without errors.
Plan make_plan(const DesiredState& desired, const ObservedState& observed, const PlanOptions& options);

/// Whose a jail's record says it is, seen from `owner`'s configuration.
enum class Claim : std::uint8_t {
  ours,    ///< recorded as this configuration's
  nobody,  ///< no record, or one that names no owner
  other,   ///< another configuration's
};
Claim claim_of(const AppliedRecord* record, const std::string& owner);

/// Plan-time errors, located in the configuration, for what would take
/// from another configuration or take over without being asked: a declared
/// jail whose record (running or stopped) names another owner; an address
/// a declared jail claims that a jail of another owner holds; a running
/// declared jail nobody owns, unless `options` lets it be adopted.
Diagnostics check_ownership(const DesiredState& desired, const ObservedState& observed,
                            const PlanOptions& options);

/// Fills the digests a saved plan carries: of the desired state, of the
/// observed state, and of each planned jail's observed part. Kept apart
/// from make_plan because hashing everything costs more than planning.
void stamp_digests(Plan& plan, const DesiredState& desired, const ObservedState& observed);

/// Digest of a whole desired state (every jail's canonical spec).
std::string desired_digest(const DesiredState& desired);

}  // namespace jailplan
