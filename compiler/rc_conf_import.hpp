#pragma once
/// `jailplan import --rc-conf`: rc.conf's legacy `jail_*` variables as a
/// jail.conf, mapped the way rc.d/jail turns them into one (jail-semantics
/// §7), so a host run by rc.conf comes under jailplan without retyping it.

#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/source.hpp"
#include "grammar/ast.hpp"

namespace jailplan {

/// rc.conf's `jail_*` variables (only the jails in `only`, when given) as a
/// document; located errors for jails that lack rootdir or hostname.
/// `readable` says whether a host file can be read (rc.d/jail uses a jail's
/// fstab file only when it exists).
Result<ast::Document> import_rc_conf(const SourceFile& rc_conf, const std::vector<std::string>& only,
                                     const std::function<bool(const std::string&)>& readable);

}  // namespace jailplan
