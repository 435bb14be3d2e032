// `jailplan explain JAIL [--file CONF]`: why a jail is in the state it is.
// Three sources: the host (running? which jid?), jailplan's applied
// record (digest, created or adopted, complete or cut short), and the
// journal (the last run that touched it, its last step, its last error and
// what was rolled back). With a configuration, also what a plan would do.
#include <filesystem>
#include <fstream>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/host_input.hpp"
#include "executor/freebsd/observer.hpp"
#include "executor/linux/backend.hpp"
#include "planner/planner.hpp"

namespace jailplan {

namespace {

using nlohmann::json;

/// What the journal says about one jail.
struct History {
  std::optional<json> last_step, last_error;
  std::map<std::string, json> begins, ends;  // by run
  std::vector<std::string> undone;           // in the last error's run
  std::size_t malformed = 0;
};

History read_history(const std::string& path, const std::string& jail) {
  History h;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++h.malformed;  // a line cut by a crash
      continue;
    }
    const std::string run = j.value("run", "");
    if (j.contains("begin")) h.begins[run] = j;
    if (j.contains("end")) h.ends[run] = j;
    if (j.value("jail", "") != jail) continue;
    if (j.value("undo", false)) {
      if (h.last_error && h.last_error->value("run", "") == run)
        h.undone.push_back(fmt::format("{} {}", j.value("step", "?"), j.value("args", json::array()).dump()));
      continue;
    }
    h.last_step = j;
    if (!j.value("ok", true)) {
      h.last_error = j;
      h.undone.clear();
    }
  }
  return h;
}

std::string run_text(const History& h, const std::string& run) {
  const auto b = h.begins.find(run);
  const auto e = h.ends.find(run);
  const std::string what = b == h.begins.end() ? "a run" : b->second.value("begin", "a run");
  const std::string when = b == h.begins.end() ? "?" : b->second.value("time", "?");
  const std::string end = e == h.ends.end()
                              ? "did not finish (killed or crashed?)"
                              : (e->second.value("end", "") == "ok" ? "ended ok" : "ended with failures");
  return fmt::format("'{}' at {}, which {}", what, when, end);
}

}  // namespace

int run_explain(const ExplainOptions& o, World& w) {
  SourceSet sources;
  auto observed = observe_host(o.host, w, sources);
  if (!observed) return k_exit_error;
  const bool linux_host = o.host.backend != "freebsd";
  const std::string state_dir =
      linux_host ? LinuxPaths::configured().state_dir : FreeBsdPaths::configured().state_dir;
  const std::string journal = std::filesystem::path(state_dir).parent_path() / "journal.jsonl";

  const ObservedJail* running = observed->find(o.jail);
  const AppliedRecord* record =
      running && running->applied ? &*running->applied : observed->stopped_record(o.jail);
  if (running != nullptr)
    w.out << fmt::format("jail \"{}\": {} (jid {})\n", o.jail, running->dying ? "dying" : "running",
                         running->jid);
  else
    w.out << fmt::format("jail \"{}\": not running\n", o.jail);
  if (record == nullptr) {
    w.out << (running != nullptr ? "  record: none: jailplan did not make it, and has not adopted it\n"
                                 : "  record: none: jailplan has not applied it on this host\n");
  } else {
    w.out << fmt::format("  record: {} by jailplan, configuration {}{}\n",
                         record->created ? "created" : "adopted", record->digest,
                         record->jid ? fmt::format(", jid {}", *record->jid) : "");
    if (!record->complete)
      w.out << "  its last start was cut short: the next apply makes it afresh\n";
    else if (running == nullptr)
      w.out << "  it is recorded but not running: it stopped outside jailplan, or its start failed\n";
  }
  const History h = read_history(journal, o.jail);
  if (!h.last_step) {
    w.out << fmt::format("  journal: nothing about it in {}\n", journal);
  } else {
    const json& s = *h.last_step;
    w.out << fmt::format("  last step: {} at {} ({}), in {}\n", s.value("step", "?"), s.value("time", "?"),
                         s.value("ok", true) ? "ok" : "failed", run_text(h, s.value("run", "")));
    if (h.last_error) {
      const json& e = *h.last_error;
      const bool earlier = e.value("run", "") != s.value("run", "");
      w.out << fmt::format("  {}: {} at {}: {}\n", earlier ? "an earlier run's error" : "last error",
                           e.value("step", "?"), e.value("time", "?"), e.value("error", "?"));
      for (const auto& u : h.undone) w.out << fmt::format("    rolled back: {}\n", u);
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
      w.out << fmt::format("  against {}: {}\n", o.file, headline(*c));
    else if (compiled->desired.find(o.jail) != nullptr)
      w.out << fmt::format("  against {}: in sync, nothing to do\n", o.file);
    else
      w.out << fmt::format("  against {}: not declared there\n", o.file);
  }
  return k_exit_ok;
}

}  // namespace jailplan
