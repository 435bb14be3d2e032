#pragma once
/// `jailplan import` from a host: a configuration written from what it
/// runs. A jail jailplan applied is written from its record (every setting,
/// hooks included); any other from the kernel's parameters (those that
/// differ from a new jail's), the host addresses it uses (as `IF|addr`)
/// and the mounts below its path.

#include <string>
#include <vector>

#include "grammar/ast.hpp"
#include "planner/observed.hpp"

namespace jailplan {

/// The observed jails (only `only`, when given) as a document, with notes
/// on what could not be observed.
ast::Document import_observed(const ObservedState& s, const std::vector<std::string>& only);

}  // namespace jailplan
