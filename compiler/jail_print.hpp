#pragma once
/// `jail -e SEP` output (jail-semantics §2.6): the compatibility contract.

#include <string>
#include <string_view>

#include "compiler/resolve.hpp"

namespace jailplan {

/// jail(8)'s quoted_print: "" for empty; '"' if it has a single quote,
/// else '\'' if it has a double quote, else '"' if it has a blank; every
/// backslash and quote character escaped.
void append_jail_quoted(std::string& out, std::string_view value);

/// One line per jail: every parameter except `jid`, joined by `sep`.
std::string print_jail_e(const ResolvedJail& jail, std::string_view sep);

}  // namespace jailplan
