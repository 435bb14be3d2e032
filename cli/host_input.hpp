#pragma once
/// What plan-like commands read besides the configuration: the observed
/// state, from a snapshot (`--state FILE`) or, through a backend, from the
/// live host.

#include <optional>
#include <string>

#include "cli/world.hpp"
#include "compiler/compile.hpp"
#include "planner/observed.hpp"

namespace jailplan {

struct HostOptions {
  std::string state;              ///< --state FILE ("" = observe the live host)
  std::string backend;            ///< --backend freebsd|linux ("" = this host's own)
  bool allow_unenforced = false;  ///< --allow-unenforced: weaker than asked is a warning

  /// Whether the jails are meant for the Linux backend: asked for, or the
  /// live host (a snapshot may come from anywhere).
  bool targets_linux() const { return backend == "linux" || (backend.empty() && state.empty()); }
};

/// Loads the observed state; diagnostics go to w.err, nothing on failure.
std::optional<ObservedState> observe_host(const HostOptions& o, World& w, SourceSet& sources);

/// Compiles the configuration; diagnostics go to w.err, nothing on error.
std::optional<Compilation> compile_for_plan(const std::string& file, World& w);

/// For the Linux backend: whether it can enforce what the configuration
/// asks (docs/linux-backend.md); diagnostics go to w.err.
bool backend_can_enforce(const Compilation& c, const HostOptions& o, World& w);

}  // namespace jailplan
