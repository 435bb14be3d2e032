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
  /// jail(8)'s records; empty with KeepSyntax::no. A jail's own statements
  /// are released once it is resolved; wildcard records keep theirs.
  std::vector<Record> records;
  Resolution resolution;    ///< jail(8)'s view: what `jail -e` prints
  DesiredState desired;     ///< the typed model
  Diagnostics diagnostics;  ///< everything, parse errors first
  bool syntax_ok = false;   ///< parsing and includes succeeded (jail(8) would get past loading)

  bool ok() const { return syntax_ok && !diagnostics.has_errors(); }
};

/// What a compilation keeps. The syntax trees are needed only to print
/// the configuration again (fmt, convert, round-trip tests). Without them
/// a jail.conf is read straight into jail(8)'s records (grammar/flat.hpp):
/// at 10,000 jails the trees were the largest thing the front end built.
enum class KeepSyntax : bool { no, yes };

/// Compiles one configuration file (jail.conf or YAML). Its owner
/// (DesiredState::owner) is its `$jailplan_owner`, else the file's
/// canonical name (SourceLoader::canonical); none for "-".
Compilation compile_file(const std::string& path, SourceLoader& loader, KeepSyntax keep = KeepSyntax::yes);
/// Compiles text held in memory (fuzzing, tests).
Compilation compile_text(const std::string& name, std::string text, SourceLoader& loader,
                         KeepSyntax keep = KeepSyntax::yes);
/// Runs everything after loading (keeping the trees or not).
Compilation compile_loaded(std::unique_ptr<LoadedConfig> loaded, KeepSyntax keep = KeepSyntax::yes);

}  // namespace jailplan
