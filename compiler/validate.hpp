#pragma once
/// Cross-field and cross-jail checks over the typed model, all reported at
/// once: address clashes, nested paths, depend targets and loops, vnet with
/// addresses, missing hierarchical parents, duplicate definitions.

#include <string_view>
#include <unordered_map>

#include "base/diagnostic.hpp"
#include "compiler/model.hpp"

namespace jailplan {

void validate(const DesiredState& state, Diagnostics& diags);

/// The dependency edges jail(8) derives: `depend` values and the implied
/// parent of a hierarchical name (when the parent is in the configuration).
struct DependEdge {
  std::size_t from;  ///< index of the dependent jail
  std::size_t to;    ///< index of the jail it needs
  Location location;
  bool parent_link = false;
};
std::vector<DependEdge> dependency_edges(const DesiredState& state, Diagnostics* diags);

/// Jail name → index in DesiredState::jails (the first of duplicates).
using NameIndex = std::unordered_map<std::string_view, std::size_t>;
NameIndex name_index(const DesiredState& state);
/// The same edges, with an index the caller already has.
std::vector<DependEdge> dependency_edges(const DesiredState& state, const NameIndex& index,
                                         Diagnostics* diags);

}  // namespace jailplan
