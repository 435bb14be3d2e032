#pragma once
/// Cross-field and cross-jail checks over the typed model, all reported at
/// once: address clashes, nested paths, depend targets and loops, vnet with
/// addresses, missing hierarchical parents, duplicate definitions.

#include "compiler/model.hpp"
#include "grammar/diagnostic.hpp"

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

}  // namespace jailplan
