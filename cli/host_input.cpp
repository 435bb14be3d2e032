// Reading the observed state for plan / observe, and compiling the
// configuration they compare it with.
#include "cli/host_input.hpp"

#include <ostream>

#include <fmt/format.h>

#include "cli/single_file.hpp"
#include "executor/command_runner.hpp"
#include "executor/freebsd/observer.hpp"
#include "executor/linux/backend.hpp"
#include "executor/linux/enforcement.hpp"
#include "executor/linux/observer.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

std::optional<ObservedState> observe_host(const HostOptions& o, World& w, SourceSet& sources) {
  if (o.state.empty() && o.backend == "freebsd") {
    const FreeBsdPaths paths = FreeBsdPaths::configured();
    PosixCommandRunner runner(paths.tool_root);
    FreeBsdObserver observer(runner, w.loader, paths.state_dir);
    auto state = observer.observe();
    if (!state) {
      w.err << render(state.diagnostics(), w.style());
      return std::nullopt;
    }
    return std::move(state.value());
  }
  if (o.state.empty()) {
    if (!o.backend.empty() && o.backend != "linux") {
      w.err << fmt::format("jailplan: error: unknown backend '{}' (freebsd or linux)\n", o.backend);
      return std::nullopt;
    }
    LinuxObserver observer(w.loader, LinuxPaths::configured());
    auto state = observer.observe();
    if (!state) {
      w.err << render(state.diagnostics(), w.style());
      return std::nullopt;
    }
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

std::optional<Compilation> compile_for_plan(const std::string& file, World& w) {
  Compilation c = compile_file(file, w.loader, KeepSyntax::no);
  w.err << render(c.diagnostics, w.style());
  if (!c.ok()) return std::nullopt;
  return c;
}

bool backend_can_enforce(const Compilation& c, const HostOptions& o, World& w) {
  if (!o.targets_linux()) return true;
  const Diagnostics d = linux_enforcement(c.desired, o.allow_unenforced);
  w.err << render(d, w.style());
  return !d.has_errors();
}

}  // namespace jailplan
