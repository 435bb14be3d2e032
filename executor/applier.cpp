#include "executor/applier.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "planner/render.hpp"

namespace jailplan {

std::optional<Step> inverse(const Step& s) {
  const auto undo = [&s](StepKind k, std::vector<std::string> args) {
    return Step{k, Phase::stop, std::move(args), s.origin, s.origin_text};
  };
  switch (s.kind) {
    case StepKind::alias_add: return undo(StepKind::alias_remove, s.args);
    case StepKind::mount: return undo(StepKind::umount, s.args);
    case StepKind::mount_fstab: return undo(StepKind::umount_fstab, s.args);
    case StepKind::mount_devfs: return undo(StepKind::umount_devfs, {s.args.at(0)});
    case StepKind::mount_fdescfs: return undo(StepKind::umount_fdescfs, s.args);
    case StepKind::mount_procfs: return undo(StepKind::umount_procfs, s.args);
    case StepKind::create: return undo(StepKind::remove, {});
    default: return std::nullopt;
  }
}

bool ApplyResult::ok() const {
  return std::all_of(jails.begin(), jails.end(),
                     [](const auto& j) { return j.status == JailOutcome::Status::done; });
}

namespace {

class Applier {
 public:
  Applier(const Plan& p, Backend& b, const StepObserver& o) : m_plan(p), m_backend(b), m_observe(o) {
    m_result.jails.resize(p.jails.size());
    for (std::size_t i = 0; i < p.jails.size(); ++i) m_result.jails[i].name = p.jails[i].name;
  }

  ApplyResult run() {
    // stops: dependents first (reverse plan order)
    for (std::size_t k = m_plan.jails.size(); k-- > 0;) run_phase(k, Phase::stop);
    for (std::size_t i = 0; i < m_plan.jails.size(); ++i) run_phase(i, Phase::update);
    for (std::size_t i = 0; i < m_plan.jails.size(); ++i) run_phase(i, Phase::start);
    return std::move(m_result);
  }

 private:
  bool blocked(std::size_t i) {
    for (const auto& dep : m_plan.jails[i].depends_on)
      if (m_failed.count(dep) != 0) {
        auto& out = m_result.jails[i];
        out.status = JailOutcome::Status::skipped;
        out.error = fmt::format("skipped: it depends on '{}', which failed", dep);
        m_failed.insert(m_plan.jails[i].name);
        return true;
      }
    return false;
  }

  void run_phase(std::size_t i, Phase phase) {
    const JailChange& j = m_plan.jails[i];
    auto& out = m_result.jails[i];
    if (out.status != JailOutcome::Status::done) return;
    if (phase == Phase::start && blocked(i)) return;
    std::vector<const Step*> completed;
    bool removed = false;
    for (const auto& s : j.steps) {
      if (s.phase != phase) continue;
      const std::string error = m_backend.run(j, s);
      if (m_observe) m_observe(j, s, error);
      if (error.empty()) {
        completed.push_back(&s);
        removed = removed || s.kind == StepKind::remove;
        continue;
      }
      if (out.error.empty()) out.error = error;
      out.status = JailOutcome::Status::failed;
      m_failed.insert(j.name);
      // once the kernel jail is gone, jail(8) reports a failure and still
      // does the remaining clean-up (§4.4)
      if (phase == Phase::stop && removed) continue;
      // a start that fails part-way is undone in reverse, hooks excepted;
      // a failing stop hook leaves the jail running (jail(8) aborts there)
      if (phase == Phase::start) rollback(j, completed, out);
      return;
    }
  }

  void rollback(const JailChange& j, const std::vector<const Step*>& completed, JailOutcome& out) {
    for (auto it = completed.rbegin(); it != completed.rend(); ++it) {
      const auto undo = inverse(**it);
      if (!undo) continue;
      const std::string error = m_backend.run(j, *undo);
      if (m_observe) m_observe(j, *undo, error);
      out.undone.push_back(describe_step(*undo) + (error.empty() ? "" : " (failed: " + error + ")"));
    }
  }

  const Plan& m_plan;
  Backend& m_backend;
  const StepObserver& m_observe;
  ApplyResult m_result;
  std::set<std::string> m_failed;
};

}  // namespace

ApplyResult apply_plan(const Plan& plan, Backend& backend, const StepObserver& on_step) {
  return Applier(plan, backend, on_step).run();
}

}  // namespace jailplan
