// `jailplan apply FILE`: plan, show, confirm, then carry the plan out on the
// host's backend. `--dry-run` is the same apply loop with a recording
// runner: it prints every command in order and changes nothing.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json_bytes.hpp"
#include "base/visible.hpp"
#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/fstab_input.hpp"
#include "cli/host_input.hpp"
#include "cli/progress.hpp"
#include "executor/applier.hpp"
#include "executor/host_lock.hpp"
#include "executor/journal.hpp"
#include "executor/registry.hpp"
#include "planner/plan_digest.hpp"
#include "planner/plan_file.hpp"
#include "planner/planner.hpp"
#include "planner/render.hpp"
#include "planner/steps.hpp"

namespace jailplan {

namespace {

bool confirmed(World& w) {
  if (w.env.input == nullptr || !w.env.input_is_terminal) return false;
  w.out << "Apply these changes? Only 'yes' is accepted: " << std::flush;
  std::string answer;
  std::getline(*w.env.input, answer);
  return answer == "yes";
}

int report(const ApplyResult& r, bool quiet, const std::string& operation, World& w) {
  std::size_t done = 0, failed = 0, skipped = 0;
  for (const auto& j : r.jails)
    (j.status == JailOutcome::Status::done     ? done
     : j.status == JailOutcome::Status::failed ? failed
                                               : skipped)++;
  for (const auto& j : r.jails) {
    switch (j.status) {
      case JailOutcome::Status::done:
        if (!quiet) w.out << fmt::format("{}: done\n", visible(j.name));
        break;
      case JailOutcome::Status::skipped:
        w.err << fmt::format("{}: {}\n", visible(j.name), visible(j.error));
        break;
      case JailOutcome::Status::failed:
        w.err << fmt::format("{}: failed: {}\n", visible(j.name), visible(j.error));
        for (const auto& u : j.undone)
          w.err << fmt::format("{}:   undone: {}\n", visible(j.name), visible(u));
        break;
    }
  }
  if (!quiet || !r.ok())
    (r.ok() ? w.out : w.err) << fmt::format("{} {}: {} done, {} failed, {} skipped.\n", operation,
                                            r.ok() ? "complete" : "incomplete", done, failed, skipped);
  return r.ok() ? k_exit_ok : k_exit_error;
}

/// `web: create (12 ms)`, or "" for jailplan's own bookkeeping steps.
std::string step_line(const StepReport& r) {
  if (r.step.kind == StepKind::record || r.step.kind == StepKind::forget) return {};
  const double ms = static_cast<double>(r.elapsed.count()) / 1000.0;
  return fmt::format("{}: {}{} ({:.0f} ms){}\n", visible(r.jail.name), r.undo ? "undo " : "",
                     to_string(r.step.kind), ms, r.error.empty() ? "" : ": failed");
}

/// One line per finished step, or a JSON object.
void report_step(const StepReport& r, const std::string& mode, World& w) {
  if (mode == "quiet") return;
  const double ms = static_cast<double>(r.elapsed.count()) / 1000.0;
  if (mode == "json") {
    const nlohmann::json line = {{"jail", r.jail.name},
                                 {"step", to_string(r.step.kind)},
                                 {"args", step_words(r.step)},
                                 {"ok", r.error.empty()},
                                 {"error", r.error},
                                 {"undo", r.undo},
                                 {"ms", std::round(ms * 10) / 10}};
    w.out << dump_json(line) << '\n' << std::flush;
    return;
  }
  w.out << step_line(r) << std::flush;
}

/// The per-jail outcome as the last JSON line.
std::string summary_json(const ApplyResult& result) {
  nlohmann::json jails = nlohmann::json::array();
  for (const auto& j : result.jails) {
    const char* status = j.status == JailOutcome::Status::done     ? "done"
                         : j.status == JailOutcome::Status::failed ? "failed"
                                                                   : "skipped";
    jails.push_back({{"jail", j.name}, {"status", status}, {"error", j.error}, {"undone", j.undone}});
  }
  return dump_json(nlohmann::json{{"summary", {{"ok", result.ok()}, {"jails", jails}}}}) + "\n";
}

}  // namespace

namespace {

/// A backend that makes system calls has no commands to show: its steps are
/// checked (paths, mount targets, addresses) and listed.
int dry_run_steps(const Plan& plan, const BackendRow& row, World& w) {
  RecordingRunner recorder;
  const auto dry = row.make(w.env, recorder, true);
  w.out << "\nSteps, in order (nothing was changed):\n";
  const auto result = apply_plan(plan, *dry, RecordKeeping::none(), [&](const StepReport& r) {
    if (r.step.kind == StepKind::record && !r.step.args.empty()) return;  // the provisional record
    const auto words = step_words(r.step);
    w.out << fmt::format("  {}: {}{}{}\n", visible(r.jail.name), to_string(r.step.kind),
                         words.empty() ? "" : " ", visible(format_argv(words)));
    if (!r.error.empty())
      w.out << fmt::format("  {}:   would fail: {}\n", visible(r.jail.name), visible(r.error));
  });
  return result.ok() ? k_exit_ok : k_exit_error;
}

/// A backend that runs commands: every command, exactly, in order.
int dry_run_commands(const Plan& plan, const BackendRow& row, World& w) {
  RecordingRunner recorder;
  const auto dry = row.make(w.env, recorder, true);
  std::size_t shown = 0;
  w.out << "\nCommands, in order (nothing was changed):\n";
  apply_plan(plan, *dry, RecordKeeping::none(), [&](const StepReport& r) {
    const auto& cmds = recorder.commands();
    const StepKind k = r.step.kind;
    const bool provisional = k == StepKind::record && !r.step.args.empty();
    if (shown == cmds.size() && (k == StepKind::record || k == StepKind::forget) && !provisional && !r.undo)
      w.out << fmt::format("  {}: {} applied record\n", visible(r.jail.name),
                           k == StepKind::record ? "write" : "delete");
    for (; shown < cmds.size(); ++shown)
      w.out << fmt::format(
          "  {}: {}{}\n", visible(r.jail.name), visible(format_argv(cmds[shown].argv)),
          cmds[shown].user.empty() ? "" : fmt::format("  (as {})", visible(cmds[shown].user)));
  });
  return k_exit_ok;
}

}  // namespace

int carry_out(const Plan& plan, const ApplyOptions& o, World& w) {
  if (!plan.has_changes()) return k_exit_ok;
  const BackendRow* row = o.host.acting(w);
  if (row == nullptr) return k_exit_error;
  if (o.dry_run)
    return row->dry_run == DryRunListing::steps ? dry_run_steps(plan, *row, w)
                                                : dry_run_commands(plan, *row, w);
  if (!o.auto_approve && !confirmed(w)) {
    w.err << "jailplan: error: not applied: confirm on a terminal, or pass --auto-approve\n";
    return k_exit_error;
  }
  std::unique_ptr<CommandRunner> own_runner;
  CommandRunner& runner = live_runner(*row, w.env, own_runner);
  // every step also goes to the journal, next to the applied records
  Journal journal;
  if (auto opened =
          journal.open(journal_path(row->state_dir(w.env)), fmt::format("{} {}", o.operation, o.file));
      !opened.ok())
    w.err << fmt::format("jailplan: warning: {}\n", opened.message());
  // on a terminal, a live status line under the step lines
  std::optional<StatusLine> status;
  if (o.progress == "lines" && w.terminal_width > 0) {
    std::size_t total = 0;
    for (const auto& j : plan.jails) total += j.steps.size();
    status.emplace(w.out, total, w.terminal_width);
  }
  const auto what = [](const JailChange& j, const Step& s) {
    return fmt::format("{}: {}", visible(j.name), to_string(s.kind));
  };
  const auto progress = [&](const StepReport& r) {
    journal.step(r);
    if (status)
      status->finished(what(r.jail, r.step), step_line(r));
    else
      report_step(r, o.progress, w);
  };
  const auto starting = [&](const JailChange& j, const Step& s) {
    if (status) status->started(what(j, s));
  };
  const std::size_t jobs = o.jobs > 0 ? o.jobs : std::max(1U, std::thread::hardware_concurrency());
  const auto live = row->make(w.env, runner, false);
  const ApplyResult result =
      apply_plan(plan, *live, RecordKeeping::in(row->state_dir(w.env)), progress, jobs, starting);
  if (auto done = live->finish(); !done.ok()) w.err << fmt::format("jailplan: warning: {}\n", done.message());
  status.reset();
  journal.finish(result);
  if (o.progress == "json") {
    w.out << summary_json(result) << std::flush;
    return result.ok() ? k_exit_ok : k_exit_error;
  }
  return report(result, o.progress == "quiet", o.operation, w);
}

std::string check_apply_options(const ApplyOptions& o) {
  if (!o.host.state.empty() && !o.dry_run)
    return "--state plans against a snapshot; only --dry-run can use it";
  const BackendRow* row = o.host.backend.empty() ? &native_backend() : find_backend(o.host.backend);
  if (row == nullptr) return fmt::format("unknown backend '{}' ({})", o.host.backend, backend_names());
  if (!row->needs_root_because.empty() && !o.dry_run && ::geteuid() != 0)
    return fmt::format("the {} backend {}: run this as root", row->name, row->needs_root_because);
  return {};
}

std::optional<ObservedState> lock_and_observe(HostLock& lock, const ApplyOptions& o, const char* operation,
                                              SourceSet& sources, World& w) {
  if (!o.dry_run) {
    const auto wait = std::chrono::milliseconds(static_cast<long long>(o.lock_timeout * 1000));
    if (auto locked = lock.acquire(w.env.lock_path, operation, wait); !locked.ok()) {
      w.err << fmt::format("jailplan: error: {}\n", locked.message());
      return std::nullopt;
    }
  }
  return observe_host(o.host, w, sources);
}

namespace {

int refuse_saved(const ApplyOptions& o, const std::vector<std::string>& why, World& w) {
  w.err << fmt::format("jailplan: error: the saved plan {} is not applied; make the plan again:\n",
                       visible(o.file));
  for (const auto& line : why) w.err << fmt::format("  - {}\n", visible(line));
  return k_exit_error;
}

/// Why the configuration's files differ from those the plan was made from,
/// in reading order. (A file read twice with different contents has two
/// digests: its digests are compared as a set.)
std::vector<std::string> changed_sources(const std::vector<SourceDigest>& then,
                                         const std::vector<SourceDigest>& now) {
  const auto by_path = [](const std::vector<SourceDigest>& sources) {
    std::map<std::string_view, std::set<std::string_view>> out;
    for (const auto& s : sources) out[s.path].insert(s.digest);
    return out;
  };
  const auto before = by_path(then), after = by_path(now);
  const auto words = [](std::string_view path) {
    return path.rfind("glob:", 0) == 0 ? fmt::format("the files {} matches", path.substr(5))
                                       : std::string(path);
  };
  std::vector<std::string> out;
  std::set<std::string_view> said;
  for (const auto& s : then) {
    if (!said.insert(s.path).second) continue;
    const auto it = after.find(s.path);
    if (it == after.end())
      out.push_back(fmt::format("the configuration no longer reads {}", words(s.path)));
    else if (it->second != before.at(s.path))
      out.push_back(fmt::format("{} changed since the plan was made", words(s.path)));
  }
  for (const auto& s : now)
    if (before.count(s.path) == 0 && said.insert(s.path).second)
      out.push_back(fmt::format("the configuration now reads {}", words(s.path)));
  if (out.empty() && then != now)
    out.emplace_back("the configuration's files changed since the plan was made");
  return out;
}

/// The plan made again keeps only the jails the saved plan touches; why it
/// differs for any of them, or a jail linked to them changed since.
std::vector<std::string> compare_jails(const Plan& saved, Plan& fresh, const ObservedState& now,
                                       std::vector<std::string>& left_alone) {
  std::vector<std::string> out;
  std::map<std::string_view, const JailChange*> planned;
  for (const auto& j : saved.jails) planned.emplace(j.name, &j);
  std::map<std::string_view, const JailChange*> again;
  for (const auto& j : fresh.jails) again.emplace(j.name, &j);
  for (const auto& j : saved.jails) {
    const auto it = again.find(j.name);
    if (it != again.end() && jail_digest(*it->second) == jail_digest(j)) continue;
    const ObservedJail* o = now.find(j.name);
    const std::string observed = o != nullptr ? ObservedState::digest(*o) : "";
    if (observed != j.observed_digest)
      out.push_back(o == nullptr                ? fmt::format("'{}' is no longer running", j.name)
                    : j.observed_digest.empty() ? fmt::format("'{}' is now running (jid {})", j.name, o->jid)
                                                : fmt::format("'{}' changed on the host", j.name));
    else
      out.push_back(it == again.end() ? fmt::format("'{}' needs no change any more", j.name)
                                      : fmt::format("the plan for '{}' is no longer the same", j.name));
  }
  for (const auto& j : fresh.jails) {
    if (planned.count(j.name) != 0) continue;
    // a change the saved plan does not hold: refused when a jail it
    // touches depends on it (or it on one), else left for the next plan
    std::string link;
    for (const auto& d : j.depends_on)
      if (planned.count(d) != 0) link = fmt::format("it depends on '{}', which the plan changes", d);
    for (const auto& s : saved.jails)
      if (std::find(s.depends_on.begin(), s.depends_on.end(), j.name) != s.depends_on.end())
        link = fmt::format("'{}', which the plan changes, depends on it", s.name);
    if (!link.empty())
      out.push_back(fmt::format("'{}' now needs changes too ({}): {}", j.name, to_string(j.action), link));
    else
      left_alone.push_back(j.name);
  }
  std::erase_if(fresh.jails, [&](const JailChange& j) { return planned.count(j.name) == 0; });
  return out;
}

/// `apply PLAN.json`: a plan saved by `plan -o`, carried out only as it was
/// reviewed: the file hashes to its digest (and to --expect-digest), this
/// is the host it was made for, the configuration's files are those it was
/// made from, and the plan made again now is the same for every jail it
/// touches. What runs is the plan made again, equal to the reviewed one.
int apply_saved(const ApplyOptions& o, const SourceFile& file, World& w) {
  auto parsed = parse_plan_json(file);
  if (!parsed) {
    w.err << render(parsed.diagnostics(), w.style());
    return k_exit_error;
  }
  const Plan& saved = parsed.value();
  if (saved.digest.empty() || plan_digest(saved) != saved.digest)
    return refuse_saved(o, {"its content does not hash to its plan digest: it was changed after it was made"},
                        w);
  if (!o.expect_digest.empty() && o.expect_digest != saved.digest)
    return refuse_saved(
        o, {fmt::format("its plan digest is {}, not the approved {}", saved.digest, o.expect_digest)}, w);
  const PlanOrigin& origin = saved.origin;
  if (origin.config == "-" || origin.config.empty())
    return refuse_saved(o, {"it was made from standard input, which cannot be read again"}, w);
  if (origin.hostname.empty() && origin.host_id.empty())
    return refuse_saved(o,
                        {"it names no host (made against a snapshot without one): plan against a snapshot "
                         "'jailplan observe --json' wrote on the host"},
                        w);
  HostLock lock;
  SourceSet sources;
  auto observed = lock_and_observe(lock, o, o.operation.c_str(), sources, w);
  if (!observed) return k_exit_error;
  if (origin.hostname != observed->hostname || origin.host_id != observed->host_id)
    return refuse_saved(
        o,
        {fmt::format("it was made for host {} (id {}), and this is {} (id {})", origin.hostname,
                     origin.host_id.empty() ? "unknown" : origin.host_id, observed->hostname,
                     observed->host_id.empty() ? "unknown" : observed->host_id)},
        w);
  std::vector<SourceDigest> inputs;
  auto compiled = compile_for_plan(origin.config, w, FstabFiles::read, &inputs);
  if (!compiled)
    return refuse_saved(o, {fmt::format("its configuration {} cannot be compiled again", origin.config)}, w);
  if (auto why = changed_sources(origin.sources, inputs); !why.empty()) return refuse_saved(o, why, w);
  if (!backend_can_enforce(*compiled, o.host, w) || !host_accepts(*compiled, *observed, o.host, w))
    return refuse_saved(o, {"the configuration no longer fits this host (above)"}, w);
  PlanOptions options{origin.prune, JAILPLAN_VERSION};
  options.restart_changed = origin.restart_changed;
  options.adopt_all = origin.adopt;
  if (compiled->desired.owner != saved.owner)
    return refuse_saved(o,
                        {fmt::format("it was made for owner {}, and the configuration is now {}", saved.owner,
                                     compiled->desired.owner)},
                        w);
  if (!owners_accept(*compiled, *observed, options, w))
    return refuse_saved(o, {"the configuration's jails are no longer its own to change (above)"}, w);
  Plan fresh = make_plan(compiled->desired, *observed, options);
  stamp_digests(fresh, compiled->desired, *observed);
  fresh.origin = origin;
  std::vector<std::string> left_alone;
  if (auto why = compare_jails(saved, fresh, *observed, left_alone); !why.empty())
    return refuse_saved(o, why, w);
  fresh.digest = plan_digest(fresh);
  if (fresh.digest != saved.digest)
    return refuse_saved(o, {"the plan made again now is not the one reviewed"}, w);
  if (!left_alone.empty())
    w.err << fmt::format("jailplan: warning: not in this plan, left for the next one: {} changed since\n",
                         visible(fmt::format("{}", fmt::join(left_alone, ", "))));
  if (o.progress == "lines") w.out << render_human(fresh, HumanOptions{w.color, false, observed->source});
  ApplyOptions approved = o;
  approved.auto_approve = true;  // it was reviewed when it was saved
  return carry_out(fresh, approved, w);
}

}  // namespace

namespace {

/// `adopt FILE JAIL...`: the plan keeps only the named jails' adoption,
/// which may set kernel parameters in place but never stops a jail.
bool only_adoptions(Plan& plan, const ApplyOptions& o, const ObservedState& observed, World& w) {
  bool ok = true;
  for (const auto& name : o.adopt) {
    const JailChange* c = plan.find(name);
    const ObservedJail* running = observed.find(name);
    if (running == nullptr || running->dying) {
      w.err << fmt::format(
          "jailplan: error: jail \"{}\" is not running: there is nothing to adopt ('jailplan "
          "apply' starts it)\n",
          name);
      ok = false;
    } else if (c == nullptr || !c->adopt) {
      w.err << fmt::format("jailplan: error: jail \"{}\" is already owned by {}\n", name,
                           running->applied && !running->applied->owner.empty() ? running->applied->owner
                                                                                : "this configuration");
      ok = false;
    } else if (c->action != Action::update) {
      w.err << fmt::format(
          "jailplan: error: jail \"{}\" would be {} to match its declaration ({}): adopting takes it as it "
          "runs; 'jailplan apply --adopt' adopts and {} it\n",
          name, c->action == Action::restart ? "restarted" : "replaced", reason_text(*c),
          c->action == Action::restart ? "restarts" : "replaces");
      ok = false;
    }
  }
  if (!ok) return false;
  std::erase_if(plan.jails, [&](const JailChange& j) {
    return std::find(o.adopt.begin(), o.adopt.end(), j.name) == o.adopt.end();
  });
  plan.orphans.clear();
  plan.unmanaged.clear();
  plan.foreign.clear();
  return true;
}

}  // namespace

int run_apply(const ApplyOptions& o, World& w) {
  if (auto err = check_apply_options(o); !err.empty()) {
    w.err << fmt::format("jailplan: error: {}\n", err);
    return k_exit_error;
  }
  {
    // a saved plan (`plan -o`) rather than a configuration?
    std::string error;
    if (auto text = w.loader.read(o.file, error);
        text && text->find("\"jailplan-plan\"") != std::string::npos) {
      SourceSet plans;
      return apply_saved(o, plans.add(o.file, std::move(*text)), w);
    }
  }
  if (!o.expect_digest.empty()) {
    w.err << "jailplan: error: --expect-digest checks a saved plan ('jailplan plan -o PLAN'); "
          << visible(o.file) << " is a configuration\n";
    return k_exit_error;
  }
  auto compiled = compile_for_plan(o.file, w);
  if (!compiled || !backend_can_enforce(*compiled, o.host, w)) return k_exit_error;
  // held from observing to the last step, so the plan stays true
  HostLock lock;
  SourceSet sources;
  auto observed = lock_and_observe(lock, o, o.operation.c_str(), sources, w);
  if (!observed || !host_accepts(*compiled, *observed, o.host, w)) return k_exit_error;
  for (const auto& names : {o.restart, o.adopt})
    for (const auto& name : names)
      if (compiled->desired.find(name) == nullptr) {
        w.err << fmt::format("jailplan: error: jail \"{}\" is not declared in {}\n", name, o.file);
        return k_exit_error;
      }
  PlanOptions options{o.prune, JAILPLAN_VERSION, o.restart};
  options.restart_changed = o.restart_changed;
  options.adopt_all = o.adopt_all;
  options.adopt = o.adopt;
  if (!owners_accept(*compiled, *observed, options, w)) return k_exit_error;
  Plan plan = make_plan(compiled->desired, *observed, options);
  if (!o.adopt.empty() && !only_adoptions(plan, o, *observed, w)) return k_exit_error;
  // the plan is for people: JSON-lines and quiet runs print outcomes only
  if (o.progress == "lines") w.out << render_human(plan, HumanOptions{w.color, false, observed->source});
  return carry_out(plan, o, w);
}

}  // namespace jailplan

namespace jailplan {

int run_restart(const ApplyOptions& o, World& w) {
  if (o.restart.empty()) {
    w.err << "jailplan: error: name the jails to restart\n";
    return k_exit_error;
  }
  ApplyOptions r = o;
  r.operation = "restart";
  return run_apply(r, w);
}

int run_adopt(const ApplyOptions& o, World& w) {
  ApplyOptions r = o;
  r.operation = "adopt";
  return run_apply(r, w);
}

int run_reconcile(const ApplyOptions& o, World& w) {
  ApplyOptions r = o;
  r.auto_approve = true;  // unattended: at boot, from cron, from a pipeline
  r.operation = "reconcile";
  return run_apply(r, w);
}

}  // namespace jailplan
