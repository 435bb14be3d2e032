#include "compiler/compile.hpp"

#include "compiler/typecheck.hpp"
#include "compiler/validate.hpp"

namespace jailplan {

Compilation compile_loaded(std::unique_ptr<LoadedConfig> loaded, KeepSyntax keep) {
  Compilation c;
  c.loaded = std::move(loaded);
  c.diagnostics.append(c.loaded->diagnostics);
  c.syntax_ok = !c.loaded->diagnostics.has_errors() && c.loaded->root != nullptr;
  if (!c.syntax_ok) return c;  // jail(8) stops before resolving anything
  c.records = collect_records(*c.loaded->root);
  c.resolution = resolve(c.records);
  if (keep == KeepSyntax::no) {
    // the resolved jails own their strings and point only at source files
    c.records = {};
    c.loaded->documents.clear();
    c.loaded->root = nullptr;
  }
  Diagnostics semantic = c.resolution.diagnostics;
  c.desired.jails.reserve(c.resolution.jails.size());
  for (const auto& j : c.resolution.jails) c.desired.jails.push_back(typecheck(j, semantic));
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
