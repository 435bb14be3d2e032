#pragma once
/// Large plans stay readable: when a plan changes more than
/// k_group_threshold jails, jails whose changes are identical (the same
/// action, reason, note and parameter changes, values included: only the
/// name differs) are shown once as a group ("1,000 jails will be restarted
/// (exec.stop changed, used at start)"). `plan --full` shows each jail.
/// Programs read the JSON, which is never grouped.

#include <cstddef>
#include <string>
#include <vector>

#include "planner/plan.hpp"

namespace jailplan {

/// More changed jails than this and identical changes are grouped.
inline constexpr std::size_t k_group_threshold = 20;
/// How many of a group's names its heading lists before "and N more".
inline constexpr std::size_t k_group_names_shown = 10;

struct JailGroup {
  std::vector<const JailChange*> jails;  ///< in plan order; the first stands for all
  const JailChange& first() const { return *jails.front(); }
  std::size_t size() const { return jails.size(); }
};

/// The plan's jails in plan order, each group where its first member is.
/// `full`, or a plan changing at most k_group_threshold jails: one jail a
/// group.
std::vector<JailGroup> group_jails(const Plan& plan, bool full);

/// 1234567 as "1,234,567".
std::string with_thousands(std::size_t n);

/// The headline of a jail without its name: `will be restarted (exec.stop
/// changed, used at start)`.
std::string headline_tail(const JailChange& j);

}  // namespace jailplan
