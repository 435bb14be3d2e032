#include "compiler/compile.hpp"

#include <fmt/format.h>

#include "compiler/typecheck.hpp"
#include "compiler/validate.hpp"

namespace jailplan {

namespace {

// One `$jailplan_owner` for the whole configuration: it names the file in
// jailplan's records, and one file has one name.
void take_declared_owner(DesiredState& desired, Diagnostics& diags) {
  const JailSpec* first = nullptr;
  for (const auto& j : desired.jails) {
    if (first == nullptr) {
      first = &j;
      continue;
    }
    if (j.owner == first->owner) continue;
    const JailSpec& with = j.owner.empty() ? *first : j;
    const JailSpec& without = j.owner.empty() ? j : *first;
    auto& d = diags.error(j.owner.empty() ? j.location : j.owner_location,
                          without.owner.empty()
                              ? fmt::format("jail '{}' has no $jailplan_owner, but jail '{}' has \"{}\"",
                                            without.name, with.name, with.owner)
                              : fmt::format("jail '{}' has $jailplan_owner \"{}\", but jail '{}' has \"{}\"",
                                            j.name, j.owner, first->name, first->owner),
                          "owner");
    d.detail = "a configuration has one owner: set $jailplan_owner once, at the top of the file";
    return;
  }
  if (first != nullptr) {
    desired.owner = first->owner;
    desired.owner_location = first->owner_location;
  }
}

// Everything after the records: resolution, typing, validation. Each
// jail's own statements are freed as soon as it is resolved (the resolved
// jail holds copies), so the resolved jails take their place instead of
// sitting beside them.
void compile_records(Compilation& c, KeepSyntax keep) {
  c.resolution = resolve(c.records, [&](std::size_t i) { c.records[i].release(); });
  if (keep == KeepSyntax::no) {
    // the resolved jails own their strings and point only at source files
    std::vector<Record>().swap(c.records);
    c.loaded->documents.clear();
    c.loaded->root = nullptr;
  }
  Diagnostics semantic = c.resolution.diagnostics;
  c.desired.jails.reserve(c.resolution.jails.size());
  TypeChecker checker(semantic, c.resolution.arena, c.desired.address_lists);
  for (const auto& j : c.resolution.jails) c.desired.jails.push_back(checker.check(j));
  take_declared_owner(c.desired, semantic);
  validate(c.desired, semantic);
  semantic.sort_by_location();
  c.diagnostics.append(semantic);
}

// Reads a configuration without syntax trees, straight into records.
template <typename Read>
Compilation compile_streamed(Read&& read) {
  Compilation c;
  RecordBuilder builder(c.records);
  c.loaded = read(builder);
  c.diagnostics.append(c.loaded->diagnostics);
  c.syntax_ok = !c.loaded->diagnostics.has_errors();
  if (!c.syntax_ok) return c;  // jail(8) stops before resolving anything
  compile_records(c, KeepSyntax::no);
  return c;
}

}  // namespace

Compilation compile_loaded(std::unique_ptr<LoadedConfig> loaded, KeepSyntax keep) {
  Compilation c;
  c.loaded = std::move(loaded);
  c.diagnostics.append(c.loaded->diagnostics);
  c.syntax_ok = !c.loaded->diagnostics.has_errors() && c.loaded->root != nullptr;
  if (!c.syntax_ok) return c;  // jail(8) stops before resolving anything
  c.records = collect_records(*c.loaded->root);
  compile_records(c, keep);
  return c;
}

namespace {

// Without `$jailplan_owner`, a configuration is named by its file; one
// read from standard input has no name.
Compilation owned_by_file(Compilation c, const std::string& path, SourceLoader& loader) {
  if (c.desired.owner.empty() && path != "-") c.desired.owner = loader.canonical(path);
  return c;
}

}  // namespace

Compilation compile_file(const std::string& path, SourceLoader& loader, KeepSyntax keep) {
  if (keep == KeepSyntax::no)
    return owned_by_file(compile_streamed([&](RecordBuilder& b) { return read_config(path, loader, b); }),
                         path, loader);
  return owned_by_file(compile_loaded(load_config(path, loader), keep), path, loader);
}

Compilation compile_text(const std::string& name, std::string text, SourceLoader& loader, KeepSyntax keep) {
  if (keep == KeepSyntax::no)
    return owned_by_file(compile_streamed([&](RecordBuilder& b) {
                           return read_config_text(name, std::move(text), loader, b);
                         }),
                         name, loader);
  return owned_by_file(compile_loaded(load_config_text(name, std::move(text), loader), keep), name, loader);
}

}  // namespace jailplan
