#pragma once
/// What plan-like commands read besides the configuration: the observed
/// state, from a snapshot (`--state FILE`) or, through a backend, from the
/// live host.

#include <optional>
#include <string>

#include "cli/world.hpp"
#include "compiler/compile.hpp"
#include "executor/registry.hpp"
#include "planner/observed.hpp"
#include "planner/planner.hpp"

namespace jailplan {

struct HostOptions {
  std::string state;              ///< --state FILE ("" = observe the live host)
  std::string backend;            ///< --backend NAME ("" = this host's own)
  bool allow_unenforced = false;  ///< --allow-unenforced: weaker than asked is a warning

  /// The backend that acts: the one asked for, else this host's own.
  /// nullptr (an error on w.err) for a name this build does not have.
  const BackendRow* acting(World& w) const;
  /// The backend the jails are meant for: asked for, or the live host's
  /// own; nullptr for a snapshot with no --backend (it may come from
  /// anywhere) and for an unknown name.
  const BackendRow* target() const;
};

/// Loads the observed state; diagnostics go to w.err, nothing on failure.
std::optional<ObservedState> observe_host(const HostOptions& o, World& w, SourceSet& sources);

/// Whether a command reads the mount.fstab files (to plan mounts) or not
/// (it plans none: graph, destroy).
enum class FstabFiles : bool { skip, read };

/// Compiles the configuration and, unless skipped, reads its jails'
/// mount.fstab files (cli/fstab_input.hpp); diagnostics go to w.err,
/// nothing on error.
/// With `sources`, also every file it read and its digest (the inputs a
/// saved plan is bound to).
std::optional<Compilation> compile_for_plan(const std::string& file, World& w,
                                            FstabFiles fstab = FstabFiles::read,
                                            std::vector<SourceDigest>* sources = nullptr);

/// Whether the target backend can enforce what the configuration asks
/// (docs/linux-backend.md); diagnostics go to w.err.
bool backend_can_enforce(const Compilation& c, const HostOptions& o, World& w);

/// Whether the configuration fits the observed host: the target backend's
/// plan checks (addresses two owners would have; for a snapshot of no
/// known backend, the FreeBSD kernel's rule) and, when `observed` is this
/// host's, that no jail root is reachable by other users. Diagnostics go
/// to w.err.
bool host_accepts(const Compilation& c, const ObservedState& observed, const HostOptions& o, World& w);

/// Whether the plan takes nothing from another configuration and adopts
/// no running jail unless `options` ask for it (check_ownership);
/// diagnostics go to w.err.
bool owners_accept(const Compilation& c, const ObservedState& observed, const PlanOptions& options, World& w);

}  // namespace jailplan
