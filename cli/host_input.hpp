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
  std::string state;    ///< --state FILE ("" = observe the live host)
  std::string backend;  ///< --backend freebsd|linux ("" = this host's own)
};

/// Loads the observed state; diagnostics go to w.err, nothing on failure.
std::optional<ObservedState> observe_host(const HostOptions& o, World& w, SourceSet& sources);

/// Compiles the configuration; diagnostics go to w.err, nothing on error.
std::optional<Compilation> compile_for_plan(const std::string& file, World& w);

}  // namespace jailplan
