// `jailplan apply FILE`: plan, show, confirm, then carry the plan out on the
// host's backend. `--dry-run` is the same apply loop with a recording
// runner: it prints every command in order and changes nothing.
#include <unistd.h>

#include <iostream>
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/host_input.hpp"
#include "executor/applier.hpp"
#include "executor/freebsd_backend.hpp"
#include "executor/host_lock.hpp"
#include "executor/linux_backend.hpp"
#include "planner/planner.hpp"
#include "planner/render.hpp"

namespace jailplan {

namespace {

bool confirmed(World& w) {
  if (::isatty(0) == 0) return false;
  w.out << "Apply these changes? Only 'yes' is accepted: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "yes";
}

int report(const ApplyResult& r, World& w) {
  for (const auto& j : r.jails) {
    switch (j.status) {
      case JailOutcome::Status::done: w.out << fmt::format("{}: done\n", j.name); break;
      case JailOutcome::Status::skipped: w.err << fmt::format("{}: {}\n", j.name, j.error); break;
      case JailOutcome::Status::failed:
        w.err << fmt::format("{}: failed: {}\n", j.name, j.error);
        for (const auto& u : j.undone) w.err << fmt::format("{}:   undone: {}\n", j.name, u);
        break;
    }
  }
  return r.ok() ? k_exit_ok : k_exit_error;
}

}  // namespace

int carry_out(const Plan& plan, const ApplyOptions& o, World& w) {
  const std::string backend = o.host.backend.empty() ? "linux" : o.host.backend;
  if (!plan.has_changes()) return k_exit_ok;
  if (o.dry_run && backend == "linux") {
    // no commands to show: the steps are checked (paths, mount targets,
    // addresses) and listed
    RecordingRunner recorder;
    LinuxBackend dry(recorder, LinuxPaths::configured(), true);
    w.out << "\nSteps, in order (nothing was changed):\n";
    const auto result =
        apply_plan(plan, dry, [&](const JailChange& j, const Step& s, const std::string& error) {
          w.out << fmt::format("  {}: {}{}{}\n", j.name, to_string(s.kind), s.args.empty() ? "" : " ",
                               format_argv(s.args));
          if (!error.empty()) w.out << fmt::format("  {}:   would fail: {}\n", j.name, error);
        });
    return result.ok() ? k_exit_ok : k_exit_error;
  }
  if (o.dry_run) {
    RecordingRunner recorder;
    FreeBsdBackend dry(recorder, true);
    std::size_t shown = 0;
    w.out << "\nCommands, in order (nothing was changed):\n";
    apply_plan(plan, dry, [&](const JailChange& j, const Step& s, const std::string&) {
      const auto& cmds = recorder.commands();
      if (shown == cmds.size() && (s.kind == StepKind::record || s.kind == StepKind::forget))
        w.out << fmt::format("  {}: {} applied record\n", j.name,
                             s.kind == StepKind::record ? "write" : "delete");
      for (; shown < cmds.size(); ++shown)
        w.out << fmt::format("  {}: {}\n", j.name, format_argv(cmds[shown].argv));
    });
    return k_exit_ok;
  }
  if (!o.auto_approve && !confirmed(w)) {
    w.err << "jailplan: error: not applied: confirm on a terminal, or pass --auto-approve\n";
    return k_exit_error;
  }
  PosixCommandRunner runner;
  const auto progress = [&](const JailChange& j, const Step& s, const std::string& error) {
    if (s.kind == StepKind::record || s.kind == StepKind::forget) return;
    w.out << fmt::format("{}: {}{}\n", j.name, to_string(s.kind), error.empty() ? "" : ": failed")
          << std::flush;
  };
  if (backend == "linux") {
    LinuxBackend live(runner, LinuxPaths::configured());
    return report(apply_plan(plan, live, progress), w);
  }
  FreeBsdBackend live(runner);
  return report(apply_plan(plan, live, progress), w);
}

std::string check_apply_options(const ApplyOptions& o) {
  const std::string backend = o.host.backend.empty() ? "linux" : o.host.backend;
  if (!o.host.state.empty() && !o.dry_run)
    return "--state plans against a snapshot; only --dry-run can use it";
  if (backend != "freebsd" && backend != "linux")
    return fmt::format("unknown backend '{}' (freebsd or linux)", backend);
  if (backend == "linux" && !o.dry_run && ::geteuid() != 0)
    return "the linux backend makes namespaces, mounts and links: run this as root";
  return {};
}

std::string lock_host(HostLock& lock, const ApplyOptions& o, const char* operation) {
  if (o.dry_run) return {};
  const auto wait = std::chrono::milliseconds(static_cast<long long>(o.lock_timeout * 1000));
  return lock.acquire(k_default_lock_path, operation, wait);
}

int run_apply(const ApplyOptions& o, World& w) {
  if (auto err = check_apply_options(o); !err.empty()) {
    w.err << fmt::format("jailplan: error: {}\n", err);
    return k_exit_error;
  }
  auto compiled = compile_for_plan(o.file, w);
  if (!compiled || !backend_can_enforce(*compiled, o.host, w)) return k_exit_error;
  // held from observing to the last step, so the plan stays true
  HostLock lock;
  if (auto err = lock_host(lock, o, "apply"); !err.empty()) {
    w.err << fmt::format("jailplan: error: {}\n", err);
    return k_exit_error;
  }
  SourceSet sources;
  auto observed = observe_host(o.host, w, sources);
  if (!observed) return k_exit_error;
  const Plan plan = make_plan(compiled->desired, *observed, PlanOptions{o.prune, JAILPLAN_VERSION});
  w.out << render_human(plan, HumanOptions{w.color, false, observed->source});
  return carry_out(plan, o, w);
}

}  // namespace jailplan
