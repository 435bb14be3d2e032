// `jailplan destroy FILE JAIL... | --all`: stops and removes declared jails
// the way `jail -r` does (exec.prestop, exec.stop, SIGTERM and
// stop.timeout, removal, exec.poststop, unmounts, aliases), and forgets
// their applied records. As jail -r, the running jails that depend on them
// are stopped first; the next apply starts them all again. A running jail
// jailplan holds no record of is stopped with its declared settings.
// `--force` removes the named jails as `jail -R` does, for a jail whose own
// stop hooks fail (its root controls them): no hooks, its processes killed,
// then its mounts, addresses and record undone all the same.
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
  std::vector<std::string> doomed;
  for (const auto& j : compiled->desired.jails)
    if (o.all || std::find(o.jails.begin(), o.jails.end(), j.name) != o.jails.end()) doomed.push_back(j.name);
  for (const auto& name : o.jails)
    if (std::find(doomed.begin(), doomed.end(), name) == doomed.end()) {
      w.err << fmt::format("jailplan: error: jail \"{}\" is not declared in {}\n", name, o.apply.file);
      return k_exit_error;
    }
  HostLock lock;
  SourceSet sources;
  auto observed = lock_and_observe(lock, o.apply, "destroy", sources, w);
  if (!observed) return k_exit_error;
  PlanOptions options{false, JAILPLAN_VERSION};
  options.destroy = doomed;
  options.force = o.force;
  if (!owners_accept(*compiled, *observed, options, w)) return k_exit_error;
  Plan plan = make_plan(compiled->desired, *observed, options);
  plan.unmanaged.clear();
  plan.orphans.clear();
  plan.foreign.clear();
  for (const auto& name : doomed)
    if (plan.find(name) == nullptr) {
      // say what is true: a dying jail is on its way out, not running
      const ObservedJail* seen = observed->find(name);
      w.out << fmt::format("jail \"{}\" is {}: nothing to do\n", name,
                           seen != nullptr && seen->dying ? "dying" : "not running");
    }
  if (!plan.has_changes()) return k_exit_ok;
  // the plan is for people: JSON-lines and quiet runs print outcomes only
  if (o.apply.progress == "lines")
    w.out << render_human(plan, HumanOptions{w.color, false, observed->source});
  ApplyOptions run = o.apply;
  run.operation = "destroy";
  return carry_out(plan, run, w);
}

}  // namespace jailplan
