#pragma once
/// What the Linux backend cannot enforce as strictly as a configuration
/// asks (docs/linux-backend.md): one located diagnostic per parameter. A
/// restriction that would silently be weaker is an error unless the caller
/// allows it (`--allow-unenforced`), then a warning; weaker is never silent.
/// The rules are the parameter table's (params.hpp: each row's `weaker`).
/// A jail name the backend cannot use as a file name (names.hpp) is an
/// error at the jail's name, whatever --allow-unenforced says.

#include "base/diagnostic.hpp"
#include "compiler/model.hpp"

namespace jailplan {

/// The diagnostics for every jail of `desired`, sorted by location.
Diagnostics linux_enforcement(const DesiredState& desired, bool allow_unenforced);

}  // namespace jailplan
