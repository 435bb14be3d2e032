#pragma once
/// The compiler façade: file → parsed documents → records → resolved jails
/// → typed, validated DesiredState. The only entry point other layers use.

#include <memory>
#include <string>

#include "compiler/model.hpp"
#include "compiler/records.hpp"
#include "compiler/resolve.hpp"
#include "grammar/source_loader.hpp"

namespace jailplan {

struct Compilation {
  std::unique_ptr<LoadedConfig> loaded;  ///< its documents are empty with KeepSyntax::no
  std::vector<Record> records;           ///< point into the documents; empty with KeepSyntax::no
  Resolution resolution;                 ///< jail(8)'s view: what `jail -e` prints
  DesiredState desired;                  ///< the typed model
  Diagnostics diagnostics;               ///< everything, parse errors first
  bool syntax_ok = false;                ///< parsing and includes succeeded (jail(8) would get past loading)

  bool ok() const { return syntax_ok && !diagnostics.has_errors(); }
};

/// What a compilation keeps. The syntax trees are needed only to print
/// the configuration again (fmt, convert, round-trip tests); dropped as
/// soon as the jails are resolved, they make room for the typed model
/// (at 10,000 jails the trees are a quarter of the peak memory).
enum class KeepSyntax : bool { no, yes };

/// Compiles one configuration file (jail.conf or YAML).
Compilation compile_file(const std::string& path, SourceLoader& loader, KeepSyntax keep = KeepSyntax::yes);
/// Compiles text held in memory (fuzzing, tests).
Compilation compile_text(const std::string& name, std::string text, SourceLoader& loader,
                         KeepSyntax keep = KeepSyntax::yes);
/// Runs everything after loading.
Compilation compile_loaded(std::unique_ptr<LoadedConfig> loaded, KeepSyntax keep = KeepSyntax::yes);

}  // namespace jailplan
