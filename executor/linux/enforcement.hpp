#pragma once
/// What the Linux backend cannot enforce as strictly as a configuration
/// asks (docs/linux-backend.md): one located diagnostic per parameter. A
/// restriction that would silently be weaker is an error unless the caller
/// allows it (`--allow-unenforced`), then a warning; weaker is never silent.

#include "base/diagnostic.hpp"
#include "compiler/model.hpp"

namespace jailplan {

Diagnostics linux_enforcement(const DesiredState& desired, bool allow_unenforced);

}  // namespace jailplan
