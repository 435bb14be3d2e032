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
  std::unique_ptr<LoadedConfig> loaded;
  std::vector<Record> records;
  Resolution resolution;    ///< jail(8)'s view: what `jail -e` prints
  DesiredState desired;     ///< the typed model
  Diagnostics diagnostics;  ///< everything, parse errors first
  bool syntax_ok = false;   ///< parsing and includes succeeded (jail(8) would get past loading)

  bool ok() const { return syntax_ok && !diagnostics.has_errors(); }
};

/// Compiles one configuration file (jail.conf or YAML).
Compilation compile_file(const std::string& path, SourceLoader& loader);
/// Compiles text held in memory (fuzzing, tests).
Compilation compile_text(const std::string& name, std::string text, SourceLoader& loader);
/// Runs everything after loading.
Compilation compile_loaded(std::unique_ptr<LoadedConfig> loaded);

}  // namespace jailplan
