#pragma once
/// Printing a syntax tree back as text: canonical jail.conf (for `fmt` and
/// `convert --to conf`) and the YAML twin (for `convert --to yaml`).
/// Both keep meaning: parse → print → parse gives the same records.

#include <string>

#include "grammar/ast.hpp"

namespace jailplan {

struct ConfStyle {
  int indent = 4;           ///< spaces per block level
  std::size_t width = 100;  ///< lists longer than this go one value per line
};

/// Canonical jail.conf layout: one statement per line, `name = v1, v2;`,
/// blocks indented, comments and single blank lines kept. Words keep their
/// source spelling; words without one (from YAML) get canonical quoting.
std::string print_conf(const ast::Document& doc, ConfStyle style = {});

/// The YAML twin (docs/yaml-format.md). Comments are not carried over.
std::string print_yaml(const ast::Document& doc);

}  // namespace jailplan

namespace jailplan {

/// True when two documents say the same thing to jail(8): same statements,
/// names, operators and value pieces (comments, layout and spelling aside).
bool same_meaning(const ast::Document& a, const ast::Document& b);

}  // namespace jailplan
