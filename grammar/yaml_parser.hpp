#pragma once
/// The YAML twin front end: YAML text → the same ast::Document as jail.conf.
/// The format is documented in docs/yaml-format.md.

#include "base/diagnostic.hpp"
#include "grammar/ast.hpp"

namespace jailplan {

ast::Document parse_yaml_config(const SourceFile& file, Diagnostics& diags);

}  // namespace jailplan
