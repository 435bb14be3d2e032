#pragma once
/// Drift: what changed outside jailplan. A running jail's record says what
/// jailplan applied; whatever the host shows otherwise (a kernel parameter,
/// an alias, a mount, a resource limit) changed behind its back. Only the
/// record counts, never the configuration: a resource the configuration
/// changes since is a change, not drift.

#include <string>
#include <vector>

#include "planner/observed.hpp"
#include "planner/plan.hpp"
#include "planner/steps.hpp"

namespace jailplan {

/// The host's mount points and aliases, sorted once per plan: a large host
/// has a mount and an alias per jail, and every jail looks its own up.
class HostIndex {
 public:
  explicit HostIndex(const ObservedState& host);
  bool mounted(const std::string& target) const;
  /// An alias step's {family, interface, address, ...}, the address by meaning.
  bool holds(const std::vector<std::string>& alias) const;

 private:
  std::vector<std::string> m_targets;
  std::vector<std::string> m_aliases;  // family, interface and canonical address, joined by '\x1f'
};

/// The drift of a running jail against its own record. Parameters are
/// compared only where `changes` (the jail's diff) has a change for them,
/// so that every drift reported is one the plan sets back; aliases and
/// mounts only where the host's lists are whole (ObservedState::lists_*),
/// limits where the observer read them.
std::vector<Drift> find_drift(const ObservedJail& jail, const AppliedRecord& record,
                              const ObservedState& host, const HostIndex& index,
                              const std::vector<ParamChange>& changes);

/// The drift of a jail recorded as running that is not.
Drift stopped_drift(const AppliedRecord& record);

/// Sets drift back in a jail's steps (`action` is its JailChange's): in
/// place, every declared alias the host lacks is added again, the jail's
/// link gets its declared addresses again (a `set` of them), its declared
/// limits are set again; a restart or replacement does not undo what is
/// gone already (an unmount of what is not mounted, the removal of an
/// alias the host does not hold).
void fix_drift(const std::vector<Drift>& drift, Action action, const SpecView& declared,
               const ObservedState& host, std::vector<Step>& steps);

/// An rctl rule's key and amount in units (`memoryuse:deny` / 536870912,
/// a `/per` other than the jail kept in the key); nullopt for what is not
/// such a rule.
std::optional<std::pair<std::string, std::int64_t>> limit_key(std::string_view rule);

}  // namespace jailplan
