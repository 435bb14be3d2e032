// `jailplan destroy FILE JAIL... | --all`: stops and removes declared jails
// the way `jail -r` does (exec.prestop, exec.stop, SIGTERM and
// stop.timeout, removal, exec.poststop, unmounts, aliases), and forgets
// their applied records. The jails that depend on them keep running, as
// with jail(8); the next apply starts them again.
#include <algorithm>
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/host_input.hpp"
#include "executor/host_lock.hpp"
#include "planner/planner.hpp"
#include "planner/render.hpp"

namespace jailplan {

int run_destroy(const DestroyOptions& o, World& w) {
  if (auto err = check_apply_options(o.apply); !err.empty()) {
    w.err << fmt::format("jailplan: error: {}\n", err);
    return k_exit_error;
  }
  if (o.all == !o.jails.empty()) {
    w.err << "jailplan: error: name the jails to destroy, or pass --all (not both)\n";
    return k_exit_error;
  }
  auto compiled = compile_for_plan(o.apply.file, w, FstabFiles::skip);
  if (!compiled) return k_exit_error;
  DesiredState kept;
  std::vector<std::string> doomed;
  for (const auto& j : compiled->desired.jails) {
    if (o.all || std::find(o.jails.begin(), o.jails.end(), j.name) != o.jails.end())
      doomed.push_back(j.name);
    else
      kept.jails.push_back(j);
  }
  for (const auto& name : o.jails)
    if (std::find(doomed.begin(), doomed.end(), name) == doomed.end()) {
      w.err << fmt::format("jailplan: error: jail \"{}\" is not declared in {}\n", name, o.apply.file);
      return k_exit_error;
    }
  HostLock lock;
  SourceSet sources;
  auto observed = lock_and_observe(lock, o.apply, "destroy", sources, w);
  if (!observed) return k_exit_error;
  // the plan for a configuration without them, pruned, keeping only their
  // removal: jail -r leaves the others alone
  Plan plan = make_plan(kept, *observed, PlanOptions{true, JAILPLAN_VERSION});
  std::erase_if(plan.jails, [&](const JailChange& j) {
    return j.action != Action::destroy || std::find(doomed.begin(), doomed.end(), j.name) == doomed.end();
  });
  plan.unmanaged.clear();
  plan.orphans.clear();
  for (const auto& name : doomed)
    if (plan.find(name) == nullptr) w.out << fmt::format("jail \"{}\" is not running: nothing to do\n", name);
  if (!plan.has_changes()) return k_exit_ok;
  // the plan is for people: JSON-lines and quiet runs print outcomes only
  if (o.apply.progress == "lines")
    w.out << render_human(plan, HumanOptions{w.color, false, observed->source});
  ApplyOptions run = o.apply;
  run.operation = "destroy";
  return carry_out(plan, run, w);
}

}  // namespace jailplan
