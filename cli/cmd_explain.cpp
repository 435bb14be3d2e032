// `jailplan explain JAIL [--file CONF]`: why a jail is in the state it is.
// Three sources: the host (running? which jid?), jailplan's applied
// record (digest, created or adopted, complete or cut short), and the
// journal (the last run that touched it, its last step, its last error and
// what was rolled back). With a configuration, also what a plan would do.
#include <ostream>

#include <fmt/format.h>

#include "base/visible.hpp"
#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/host_input.hpp"
#include "executor/journal.hpp"
#include "executor/registry.hpp"
#include "planner/planner.hpp"

namespace jailplan {

int run_explain(const ExplainOptions& o, World& w) {
  SourceSet sources;
  auto observed = observe_host(o.host, w, sources);
  if (!observed) return k_exit_error;
  const BackendRow* row = o.host.acting(w);
  if (row == nullptr) return k_exit_error;
  const std::string journal = journal_path(row->state_dir(w.env));

  const ObservedJail* running = observed->find(o.jail);
  const AppliedRecord* record =
      running && running->applied ? &*running->applied : observed->stopped_record(o.jail);
  if (running != nullptr)
    w.out << fmt::format("jail \"{}\": {} (jid {})\n", visible(o.jail), running->dying ? "dying" : "running",
                         running->jid);
  else
    w.out << fmt::format("jail \"{}\": not running\n", visible(o.jail));
  if (record == nullptr) {
    w.out << (running != nullptr ? "  record: none: jailplan did not make it, and has not adopted it\n"
                                 : "  record: none: jailplan has not applied it on this host\n");
  } else {
    w.out << fmt::format("  record: {} by jailplan, configuration {}{}\n",
                         record->created ? "created" : "adopted", visible(record->digest),
                         record->jid ? fmt::format(", jid {}", *record->jid) : "");
    if (!record->complete)
      w.out << "  its last start was cut short: the next apply makes it afresh\n";
    else if (record->stopping)
      w.out
          << "  its last stop was cut short: the next apply finishes it (and starts it again if declared)\n";
    else if (running == nullptr)
      w.out << "  it is recorded but not running: it stopped outside jailplan, or its start failed\n";
  }
  const JailHistory h = read_history(journal, o.jail);
  if (!h.last_step) {
    w.out << fmt::format("  journal: nothing about it in {}\n", visible(journal));
  } else {
    const JournalStep& s = *h.last_step;
    w.out << fmt::format("  last step: {} at {} ({}), in {}\n", visible(s.step), visible(s.time),
                         s.ok ? "ok" : "failed", visible(h.run_text(s.run)));
    if (h.last_error) {
      const JournalStep& e = *h.last_error;
      const bool earlier = e.run != s.run;
      w.out << fmt::format("  {}: {} at {}: {}\n", earlier ? "an earlier run's error" : "last error",
                           visible(e.step), visible(e.time), visible(e.error));
      for (const auto& u : h.undone) w.out << fmt::format("    rolled back: {}\n", visible(u));
    } else {
      w.out << "  last error: none\n";
    }
  }
  if (h.malformed > 0) w.out << fmt::format("  ({} cut journal lines skipped)\n", h.malformed);
  if (!o.file.empty()) {
    auto compiled = compile_for_plan(o.file, w);
    if (!compiled) return k_exit_error;
    const Plan plan = make_plan(compiled->desired, *observed, PlanOptions{false, JAILPLAN_VERSION});
    if (const JailChange* c = plan.find(o.jail))
      w.out << fmt::format("  against {}: {}\n", visible(o.file), visible(headline(*c)));
    else if (compiled->desired.find(o.jail) != nullptr)
      w.out << fmt::format("  against {}: in sync, nothing to do\n", visible(o.file));
    else
      w.out << fmt::format("  against {}: not declared there\n", visible(o.file));
  }
  return k_exit_ok;
}

}  // namespace jailplan
