#include "compiler/compile.hpp"

#include <algorithm>

#include "compiler/typecheck.hpp"
#include "compiler/validate.hpp"

namespace jailplan {

namespace {

// Frees a resolved jail's own parameter statements. The compilation owns
// the trees (its documents are not const; records only view them), and
// with KeepSyntax::no nothing reads them again: the resolved jail holds
// copies. Nested blocks and includes stay, as later records point into
// them. Freed as resolution goes, the trees make room for the resolved
// jails instead of sitting beside them until the end.
void release_own_statements(const Record& r) {
  if (r.block == nullptr || r.wildcard) return;
  auto& body = const_cast<ast::Block*>(r.block)->body;
  const bool only_params = std::all_of(body.begin(), body.end(), [](const ast::Statement& s) {
    return std::holds_alternative<ast::Param>(s.node);
  });
  if (only_params) {
    std::vector<ast::Statement>().swap(body);
    return;
  }
  for (auto& s : body)
    if (auto* p = std::get_if<ast::Param>(&s.node)) std::vector<ast::Word>().swap(p->values);
}

}  // namespace

Compilation compile_loaded(std::unique_ptr<LoadedConfig> loaded, KeepSyntax keep) {
  Compilation c;
  c.loaded = std::move(loaded);
  c.diagnostics.append(c.loaded->diagnostics);
  c.syntax_ok = !c.loaded->diagnostics.has_errors() && c.loaded->root != nullptr;
  if (!c.syntax_ok) return c;  // jail(8) stops before resolving anything
  c.records = collect_records(*c.loaded->root);
  if (keep == KeepSyntax::yes) {
    c.resolution = resolve(c.records);
  } else {
    c.resolution = resolve(c.records, [&](std::size_t i) { release_own_statements(c.records[i]); });
    // the resolved jails own their strings and point only at source files
    c.records = {};
    c.loaded->documents.clear();
    c.loaded->root = nullptr;
  }
  Diagnostics semantic = c.resolution.diagnostics;
  c.desired.jails.reserve(c.resolution.jails.size());
  TypeChecker checker(semantic, c.resolution.arena, c.desired.address_lists);
  for (const auto& j : c.resolution.jails) c.desired.jails.push_back(checker.check(j));
  validate(c.desired, semantic);
  semantic.sort_by_location();
  c.diagnostics.append(semantic);
  return c;
}

Compilation compile_file(const std::string& path, SourceLoader& loader, KeepSyntax keep) {
  return compile_loaded(load_config(path, loader), keep);
}

Compilation compile_text(const std::string& name, std::string text, SourceLoader& loader, KeepSyntax keep) {
  return compile_loaded(load_config_text(name, std::move(text), loader), keep);
}

}  // namespace jailplan
