// `jailplan plan FILE`: what apply would change, and why, changing nothing.
#include <ctime>
#include <ostream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/host_input.hpp"
#include "executor/registry.hpp"
#include "planner/plan_digest.hpp"
#include "planner/plan_file.hpp"
#include "planner/planner.hpp"
#include "planner/render.hpp"

namespace jailplan {

namespace {

/// The backend `--script` writes for: the one asked for or this host's
/// own; for a snapshot with no --backend, the first that writes scripts.
/// nullptr when that one does not.
const BackendRow* script_writer(const HostOptions& host) {
  const BackendRow* row = host.target();
  if (row == nullptr && host.backend.empty())
    for (const auto& r : backend_rows())
      if (r.script != nullptr) return &r;
  return row != nullptr && row->script != nullptr ? row : nullptr;
}

}  // namespace

int run_plan(const PlanCmdOptions& o, World& w) {
  if (o.script && script_writer(o.host) == nullptr) {
    for (const auto& row : backend_rows())
      if (row.script != nullptr) {
        w.err << fmt::format("jailplan: error: --script writes the commands of a {} host: add --backend {}\n",
                             row.system, row.name);
        return k_exit_error;
      }
    w.err << "jailplan: error: --script: no backend of this build writes scripts\n";
    return k_exit_error;
  }
  std::vector<SourceDigest> inputs;
  auto compiled = compile_for_plan(o.file, w, FstabFiles::read, &inputs);
  if (!compiled || !backend_can_enforce(*compiled, o.host, w)) return k_exit_error;
  SourceSet sources;
  auto observed = observe_host(o.host, w, sources);
  if (!observed || !host_accepts(*compiled, *observed, o.host, w)) return k_exit_error;
  PlanOptions options{o.prune, JAILPLAN_VERSION};
  options.restart_changed = o.restart_changed;
  options.adopt_all = o.adopt;
  if (!owners_accept(*compiled, *observed, options, w)) return k_exit_error;
  Plan plan = make_plan(compiled->desired, *observed, options);
  if (o.refresh_only) {
    if (o.json)
      w.out << render_drift_json(plan);
    else
      w.out << render_drift(plan, HumanOptions{w.color, false, observed->source, o.full});
    const bool drift = has_drift(plan);
    w.park(std::move(plan));
    w.park(std::move(*compiled));
    return drift ? k_exit_changes : k_exit_ok;
  }
  if (o.json || !o.out.empty()) stamp_digests(plan, compiled->desired, *observed);
  // what the plan is bound to, and its digest, for a reviewer to quote
  plan.origin = PlanOrigin{
      o.file, std::move(inputs), observed->hostname, observed->host_id, options.prune, o.restart_changed,
      o.adopt};
  plan.digest = plan_digest(plan);
  plan.created_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  if (!o.out.empty()) {
    if (auto err = write_file_atomically(o.out, render_plan_json(plan)); !err.empty()) {
      w.err << fmt::format("jailplan: error: cannot write plan file {}: {}\n", o.out, err);
      return k_exit_error;
    }
  }
  if (o.script) {
    w.out << script_writer(o.host)->script(plan, w.env, o.file, observed->source);
  } else if (o.json) {
    w.out << render_plan_json(plan);
  } else if (o.markdown) {
    MarkdownOptions md;
    md.full = o.full;
    md.saved_to = o.out;
    w.out << render_markdown(plan, md);
  } else {
    w.out << render_human(plan, HumanOptions{w.color, o.explain, observed->source, o.full});
    if (!o.out.empty())
      w.out << fmt::format("Saved the plan to {}; 'jailplan apply {}' carries it out.\n", o.out, o.out);
  }
  const bool changes = plan.has_changes();
  w.park(std::move(plan));
  w.park(std::move(*compiled));
  return o.detailed_exitcode && changes ? k_exit_changes : k_exit_ok;
}

}  // namespace jailplan
