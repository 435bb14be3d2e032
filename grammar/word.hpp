#pragma once
/// Spelling words back as text: canonical jail.conf quoting and the YAML
/// twin's `$var` string form. Both round-trip through their parsers.

#include <string>
#include <string_view>

#include "grammar/ast.hpp"

namespace jailplan {

/// True when `c` may appear in an unquoted jail.conf bare run.
bool is_bare_char(char c);

/// A jail.conf spelling of `w` that jail(8) decodes back to the same pieces:
/// bare when possible, otherwise one double-quoted string.
std::string conf_spelling(const ast::Word& w);
/// Same for a plain literal (names, file names).
std::string conf_spelling(std::string_view literal);

/// The YAML twin's string form: `$name` / `${name}` for variables,
/// `\$` and `\\` for a literal dollar and backslash.
std::string yaml_spelling(const ast::Word& w);

/// Parses the YAML twin's string form into pieces; `base` locates the
/// scalar, and every piece gets that location. Piece text goes into `store`.
ast::Word parse_yaml_value(std::string_view text, Location base, Arena& store);

}  // namespace jailplan
