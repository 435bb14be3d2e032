#pragma once
/// The jail.conf front end: text → ast::Document, with every syntax error
/// of the file collected (recovery at ';' as jail(8)'s parser does).

#include <cstddef>

#include "base/diagnostic.hpp"
#include "grammar/ast.hpp"
#include "grammar/flat.hpp"

namespace jailplan {

/// Parses one file. `.include` directives are left unresolved (see
/// load_config). Syntax errors go to `diags`; the returned document is
/// only meaningful when none were added.
ast::Document parse_jailconf(const SourceFile& file, Diagnostics& diags);

/// Reads one file without a syntax tree: statements go to `sink` in read
/// order; `.include` goes to the sink to be read in place. The same syntax
/// errors are reported as by the tree-building parse.
void parse_jailconf(const SourceFile& file, Diagnostics& diags, ast::StatementSink& sink);

/// Runs PEGTL's analyze() over the grammar; returns the number of problems
/// (rules that could loop without consuming input). Used by a unit test.
std::size_t analyze_jailconf_grammar(bool verbose);

}  // namespace jailplan
