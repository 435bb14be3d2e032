// `jailplan observe`: the observed state, as a table or as a snapshot that
// `plan --state` reads back (docs/state-format.md).
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/host_input.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

int run_observe(const ObserveOptions& o, World& w) {
  SourceSet sources;
  auto observed = observe_host(o.host, w, sources);
  if (!observed) return k_exit_error;
  if (o.json) {
    w.out << render_snapshot(*observed);
    return k_exit_ok;
  }
  w.out << fmt::format("{:>6}  {:<24} {:<9} {}\n", "JID", "NAME", "MANAGED", "PATH");
  for (const auto& j : observed->jails) {
    const auto* path = find_param(j.params, "path");
    const char* managed = !j.applied ? "no" : j.applied->created ? "created" : "adopted";
    w.out << fmt::format("{:>6}  {:<24} {:<9} {}{}\n", j.jid, j.name, managed,
                         path != nullptr && !path->values.empty() ? path->values.back() : "-",
                         j.dying ? " (dying)" : "");
  }
  for (const auto& [name, r] : observed->stopped)
    w.out << fmt::format("{:>6}  {:<24} {:<9} (not running)\n", "-", name, "recorded");
  return k_exit_ok;
}

}  // namespace jailplan
