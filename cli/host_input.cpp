// Reading the observed state for plan / observe, and compiling the
// configuration they compare it with.
#include "cli/host_input.hpp"

#include <ostream>

#include <fmt/format.h>

#include "cli/config_sources.hpp"
#include "cli/fstab_input.hpp"
#include "cli/single_file.hpp"
#include "executor/host_checks.hpp"
#include "planner/addresses.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

const BackendRow* HostOptions::acting(World& w) const {
  if (backend.empty()) return &native_backend();
  if (const BackendRow* row = find_backend(backend)) return row;
  w.err << fmt::format("jailplan: error: unknown backend '{}' ({})\n", backend, backend_names());
  return nullptr;
}

const BackendRow* HostOptions::target() const {
  if (!backend.empty()) return find_backend(backend);
  return state.empty() ? &native_backend() : nullptr;
}

std::optional<ObservedState> observe_host(const HostOptions& o, World& w, SourceSet& sources) {
  if (o.state.empty()) {
    const BackendRow* row = o.acting(w);
    if (row == nullptr) return std::nullopt;
    std::unique_ptr<CommandRunner> own;
    auto state = row->observe(w.env, w.loader, live_runner(*row, w.env, own));
    if (!state) {
      w.err << render(state.diagnostics(), w.style());
      return std::nullopt;
    }
    state->hostname = w.env.hostname;
    state->host_id = w.env.host_id;
    return std::move(state.value());
  }
  const SourceFile* file = read_source(o.state, "state snapshot " + o.state, w, sources);
  if (file == nullptr) return std::nullopt;
  auto state = parse_snapshot(*file);
  if (!state) {
    w.err << render(state.diagnostics(), w.style());
    return std::nullopt;
  }
  return std::move(state.value());
}

std::optional<Compilation> compile_for_plan(const std::string& file, World& w, FstabFiles fstab,
                                            std::vector<SourceDigest>* sources) {
  // with `sources`, every file read is noted on the way
  std::optional<RecordingLoader> recording;
  if (sources != nullptr) recording.emplace(w.loader);
  SourceLoader& loader = recording ? static_cast<SourceLoader&>(*recording) : w.loader;
  World through{loader, w.out, w.err, w.color};
  through.env = w.env;
  Compilation c = compile_file(file, loader, KeepSyntax::no);
  w.err << render(c.diagnostics, w.style());
  if (!c.ok()) return std::nullopt;
  if (c.desired.owner.empty()) {
    w.err << "jailplan: error: a configuration read from standard input has no path to name it in "
             "jailplan's records: declare $jailplan_owner = \"NAME\"; in it\n";
    return std::nullopt;
  }
  if (fstab == FstabFiles::read && !read_fstab_files(c, through)) return std::nullopt;
  if (recording) *sources = recording->sources();
  return c;
}

bool backend_can_enforce(const Compilation& c, const HostOptions& o, World& w) {
  const BackendRow* row = o.target();
  if (row == nullptr || row->enforcement == nullptr) return true;
  const Diagnostics d = row->enforcement(c.desired, o.allow_unenforced);
  w.err << render(d, w.style());
  return !d.has_errors();
}

bool owners_accept(const Compilation& c, const ObservedState& observed, const PlanOptions& options,
                   World& w) {
  const Diagnostics d = check_ownership(c.desired, observed, options);
  w.err << render(d, w.style());
  return !d.has_errors();
}

bool host_accepts(const Compilation& c, const ObservedState& observed, const HostOptions& o, World& w) {
  const bool live = o.state.empty();
  const BackendRow* row = o.target();
  Diagnostics d = row != nullptr && row->plan_checks != nullptr
                      ? row->plan_checks(w.env, c.desired, observed, live)
                      : check_address_clashes(c.desired, observed, AddressSharing::single_only);
  // the paths of a snapshot's host are not this host's
  if (live) d.append(check_root_ancestry(c.desired));
  d.sort_by_location();
  w.err << render(d, w.style());
  return !d.has_errors();
}

}  // namespace jailplan
