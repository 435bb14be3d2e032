#pragma once
/// `jailplan import`: a configuration written from what a host runs, so
/// that a host run by hand or by rc.conf comes under jailplan without
/// retyping it.
///
/// * From an observation: a jail jailplan applied is written from its
///   record (every setting, hooks included); any other from the kernel's
///   parameters (those that differ from a new jail's), the host addresses
///   it uses (as `IF|addr`) and the mounts below its path.
/// * From rc.conf: the legacy `jail_*` variables, mapped the way rc.d/jail
///   turns them into a jail.conf (jail-semantics §7).

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/source.hpp"
#include "grammar/ast.hpp"
#include "planner/observed.hpp"

namespace jailplan {

/// The observed jails (only `only`, when given) as a document, with notes
/// on what could not be observed.
ast::Document import_observed(const ObservedState& s, const std::vector<std::string>& only);

/// rc.conf's `jail_*` variables as a document; located errors for jails
/// that lack rootdir or hostname.
Result<ast::Document> import_rc_conf(const SourceFile& rc_conf, const std::vector<std::string>& only);

}  // namespace jailplan
