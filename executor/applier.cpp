#include "executor/applier.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "executor/records.hpp"
#include "planner/render.hpp"
#include "planner/steps.hpp"

namespace jailplan {

namespace {
const Step k_provisional{StepKind::record, Phase::start, {"provisional"}, {}, {}, {}};
const Step k_stopping{StepKind::record, Phase::stop, {"stopping"}, {}, {}, {}};
const Step k_forget{StepKind::forget, Phase::stop, {}, {}, {}, {}};
}  // namespace

bool ApplyResult::ok() const {
  return std::all_of(jails.begin(), jails.end(),
                     [](const auto& j) { return j.status == JailOutcome::Status::done; });
}

namespace {

class Applier {
 public:
  Applier(const Plan& p, Backend& b, RecordKeeping records, const StepObserver& o, std::size_t jobs,
          const StepStartObserver& on_start)
      : m_plan(p),
        m_backend(b),
        m_records(std::move(records)),
        m_observe(o),
        m_on_start(on_start),
        m_jobs(std::max<std::size_t>(jobs, 1)) {
    m_result.jails.resize(p.jails.size());
    for (std::size_t i = 0; i < p.jails.size(); ++i) {
      m_result.jails[i].name = p.jails[i].name;
      m_index.emplace(p.jails[i].name, i);
    }
  }

  ApplyResult run() {
    if (const auto& dir = m_records.dir()) {
      // what a write killed part-way left; this run is the records' only
      // writer (the host lock). One that cannot go now is tried again next time
      remove_stale_temporaries(*dir);
    }
    if (m_jobs == 1) {
      // stops: dependents first (reverse plan order)
      for (std::size_t k = m_plan.jails.size(); k-- > 0;) guarded_phase(k, Phase::stop);
      for (std::size_t i = 0; i < m_plan.jails.size(); ++i) guarded_phase(i, Phase::update);
      for (std::size_t i = 0; i < m_plan.jails.size(); ++i) guarded_phase(i, Phase::start);
    } else {
      run_parallel(Phase::stop);
      run_parallel(Phase::update);
      run_parallel(Phase::start);
    }
    return std::move(m_result);
  }

 private:
  /// One phase over the dependency graph, up to m_jobs jails at a time: a
  /// jail starts once every jail it depends on has started (and stops once
  /// every jail depending on it has stopped).
  void run_parallel(Phase phase) {
    const std::size_t n = m_plan.jails.size();
    std::vector<std::vector<std::size_t>> after(n);  // i → jails that wait for i
    std::vector<std::size_t> waiting(n, 0);
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& dep : m_plan.jails[i].depends_on) {
        const auto it = m_index.find(dep);
        if (it == m_index.end()) continue;
        const std::size_t first = phase == Phase::stop ? i : it->second;
        const std::size_t second = phase == Phase::stop ? it->second : i;
        after[first].push_back(second);
        ++waiting[second];
      }
    std::vector<std::size_t> ready;
    for (std::size_t i = n; i-- > 0;)
      if (waiting[i] == 0) ready.push_back(i);  // back() is the first in plan order
    std::size_t done = 0;
    std::condition_variable changed;
    auto worker = [&] {
      std::unique_lock lock(m_mutex);
      for (;;) {
        changed.wait(lock, [&] { return !ready.empty() || done == n; });
        if (done == n) return;
        const std::size_t i = ready.back();
        ready.pop_back();
        lock.unlock();
        guarded_phase(i, phase);
        lock.lock();
        ++done;
        for (std::size_t k : after[i])
          if (--waiting[k] == 0) ready.push_back(k);
        changed.notify_all();
      }
    };
    std::vector<std::thread> workers;
    for (std::size_t w = 1; w < std::min(m_jobs, n); ++w) workers.emplace_back(worker);
    worker();
    for (auto& t : workers) t.join();
  }

  /// Runs one step and reports it; its errors point at the step's origin.
  Status step(const JailChange& j, const Step& s, bool undo) {
    if (m_on_start) {
      std::lock_guard lock(m_observe_mutex);
      m_on_start(j, s);
    }
    const auto start = std::chrono::steady_clock::now();
    Status status;
    try {
      status =
          s.kind == StepKind::record || s.kind == StepKind::forget ? keep_record(j, s) : m_backend.run(j, s);
    } catch (const std::exception& e) {
      // a bug below must fail this jail's step, not end the whole apply
      status = failure(internal_error(j, s, e.what()));
    } catch (...) {
      status = failure(internal_error(j, s, "an unknown exception"));
    }
    status.locate(s.origin);
    if (m_observe) {
      const auto elapsed =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
      const std::string error = status.message();
      std::lock_guard lock(m_observe_mutex);
      m_observe(StepReport{j, s, error, elapsed, undo});
    }
    return status;
  }

  /// The applied record, for every backend alike: written (provisional
  /// before a jail's first start step, so a killed apply is redone; whole,
  /// with the jail's id, after its last) or deleted.
  Status keep_record(const JailChange& j, const Step& s) {
    const auto& dir = m_records.dir();
    if (!dir) return {};
    if (s.kind == StepKind::forget) {
      // what the backend keeps goes first: if that fails, the record keeps
      // the jail listed until it is cleaned
      if (Status gone = m_backend.forget(j); !gone.ok()) return gone;
      return forget_record(*dir, j.name);
    }
    if (!s.args.empty() && s.args[0] == "stopping")
      return j.teardown ? mark_stopping(*dir, j.name, j.jid, *j.teardown, m_plan.owner) : Status{};
    if (!j.applied) return {};
    if (!s.args.empty() && s.args[0] == "provisional") {
      AppliedRecord r = *j.applied;
      r.complete = false;
      return write_record(*dir, j.name, std::move(r), std::nullopt);
    }
    return write_record(*dir, j.name, *j.applied, m_backend.jid(j));
  }

  bool failed(const std::string& name) {
    std::lock_guard lock(m_mutex);
    return m_failed.count(name) != 0;
  }
  void mark_failed(const std::string& name) {
    std::lock_guard lock(m_mutex);
    m_failed.insert(name);
  }

  bool blocked(std::size_t i) {
    for (const auto& dep : m_plan.jails[i].depends_on)
      if (failed(dep)) {
        auto& out = m_result.jails[i];
        out.status = JailOutcome::Status::skipped;
        out.error = fmt::format("skipped: it depends on '{}', which failed", dep);
        mark_failed(m_plan.jails[i].name);
        return true;
      }
    return false;
  }

  static std::string internal_error(const JailChange& j, const Step& s, std::string_view what) {
    return fmt::format("jail: {}: {} step: internal error: {} [this is a bug]", j.name, to_string(s.kind),
                       what);
  }

  /// run_phase, where an exception (a bug, in a backend or a progress
  /// callback) fails this jail alone: it never ends the apply, or a worker
  /// thread and with it the process.
  void guarded_phase(std::size_t i, Phase phase) {
    std::string what;
    try {
      run_phase(i, phase);
      return;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "an unknown exception";
    }
    auto& out = m_result.jails[i];
    out.status = JailOutcome::Status::failed;
    if (out.error.empty())
      out.error = fmt::format("jail: {}: internal error: {} [this is a bug]", m_plan.jails[i].name, what);
    mark_failed(m_plan.jails[i].name);
  }

  void run_phase(std::size_t i, Phase phase) {
    const JailChange& j = m_plan.jails[i];
    auto& out = m_result.jails[i];
    if (out.status != JailOutcome::Status::done) return;
    if (phase == Phase::start && blocked(i)) return;
    std::vector<const Step*> completed;
    bool removed = false;
    // a jail about to be created is recorded as unfinished first: if this
    // process dies part-way, the next plan knows what it was and redoes it
    const bool creates =
        phase == Phase::start && std::any_of(j.steps.begin(), j.steps.end(), [](const Step& s) {
          return s.phase == Phase::start && s.kind == StepKind::create;
        });
    // a jail about to be stopped is recorded as stopping first: if this
    // process dies before it is gone, the next plan finishes the stop
    // rather than calling a jail whose services are down "in sync"
    const bool removes =
        phase == Phase::stop && std::any_of(j.steps.begin(), j.steps.end(), [](const Step& s) {
          return s.phase == Phase::stop && s.kind == StepKind::remove;
        });
    const Step* marker = creates && j.applied ? &k_provisional : removes ? &k_stopping : nullptr;
    if (marker != nullptr) {
      if (auto status = step(j, *marker, false); !status.ok()) {
        out.error = status.message();
        out.diagnostics.append(status.diagnostics());
        out.status = JailOutcome::Status::failed;
        mark_failed(j.name);
        return;
      }
    }
    for (const auto& s : j.steps) {
      if (s.phase != phase) continue;
      const Status status = step(j, s, false);
      if (status.ok()) {
        completed.push_back(&s);
        removed = removed || s.kind == StepKind::remove;
        continue;
      }
      if (out.error.empty()) {
        out.error = status.message();
        // a stop hook that fails (jail(8) aborts there) leaves the jail
        // running; the jail's root controls those hooks
        if (phase == Phase::stop && !removed && hook_place(s.kind) != HookPlace::none)
          out.error += "; the jail still runs: 'jailplan destroy --force' removes it without its stop hooks";
      }
      out.diagnostics.append(status.diagnostics());
      out.status = JailOutcome::Status::failed;
      mark_failed(j.name);
      // once the kernel jail is gone, jail(8) reports a failure and still
      // does the remaining clean-up (§4.4)
      if (phase == Phase::stop && removed) continue;
      // a start that fails part-way is undone in reverse, hooks excepted;
      // a failing stop hook leaves the jail running (jail(8) aborts there)
      if (phase == Phase::start) {
        rollback(j, completed, out);
        if (creates && j.applied) step(j, k_forget, true);
      }
      return;
    }
  }

  void rollback(const JailChange& j, const std::vector<const Step*>& completed, JailOutcome& out) {
    for (auto it = completed.rbegin(); it != completed.rend(); ++it) {
      const auto undo = inverse(**it);
      if (!undo) continue;
      const Status status = step(j, *undo, true);
      out.undone.push_back(describe_step(*undo) + (status.ok() ? "" : " (failed: " + status.message() + ")"));
    }
  }

  const Plan& m_plan;
  Backend& m_backend;
  RecordKeeping m_records;
  const StepObserver& m_observe;
  const StepStartObserver& m_on_start;
  std::size_t m_jobs;
  ApplyResult m_result;  // each jail's outcome is written by the one worker running it
  std::map<std::string, std::size_t> m_index;
  std::mutex m_mutex;  // m_failed and the scheduling state
  std::mutex m_observe_mutex;
  std::set<std::string> m_failed;
};

}  // namespace

ApplyResult apply_plan(const Plan& plan, Backend& backend, RecordKeeping records, const StepObserver& on_step,
                       std::size_t jobs, const StepStartObserver& on_start) {
  return Applier(plan, backend, std::move(records), on_step, jobs, on_start).run();
}

}  // namespace jailplan
