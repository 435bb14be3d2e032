#pragma once
/// The applier: carries out a Plan's steps on a Backend, stop phase in
/// reverse dependency order, then in-place updates, then start phase in
/// dependency order. A jail whose start fails part-way is rolled back; the
/// jails that depend on a failed one are skipped, the others go on.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "executor/backend.hpp"
#include "planner/plan.hpp"

namespace jailplan {

struct JailOutcome {
  std::string name;
  enum class Status : std::uint8_t { done, failed, skipped } status = Status::done;
  std::string error;                ///< the failing step's sentence
  Diagnostics diagnostics;          ///< its errors, located at the statement that asked for the step
  std::vector<std::string> undone;  ///< rollback steps that ran, described
};

struct ApplyResult {
  std::vector<JailOutcome> jails;  ///< in plan order
  bool ok() const;
};

/// One step as it finished, for progress output.
struct StepReport {
  const JailChange& jail;
  const Step& step;
  const std::string& error;  ///< "" when it succeeded
  std::chrono::microseconds elapsed;
  bool undo = false;  ///< part of a rollback
};
/// Called after every step, one at a time.
using StepObserver = std::function<void(const StepReport&)>;
/// Called as a step begins (for a live status line), one at a time.
using StepStartObserver = std::function<void(const JailChange&, const Step&)>;

/// Where the applier keeps the applied records: a backend's state
/// directory, or nowhere (a dry run). Said explicitly at every call.
class RecordKeeping {
 public:
  static RecordKeeping in(std::string state_dir) { return RecordKeeping(std::move(state_dir)); }
  static RecordKeeping none() { return RecordKeeping(std::nullopt); }
  const std::optional<std::string>& dir() const { return m_dir; }

 private:
  explicit RecordKeeping(std::optional<std::string> dir) : m_dir(std::move(dir)) {}
  std::optional<std::string> m_dir;
};

/// Runs the plan. The `record` and `forget` steps write and delete the
/// applied records where `records` says (`forget` after Backend::forget);
/// a jail's record is marked provisional before its first start step and
/// `stopping` before the first step of a stop that removes it. The caller
/// holds the host lock: the applier is the records' only writer, and first
/// removes the temporary files a killed write left. With `jobs` > 1, up to
/// that many jails are worked on at once within each phase, in dependency
/// order (the backend must then be safe to call from several threads for
/// different jails); the observer is called one step at a time. An
/// exception from the backend or the observer fails that jail only.
ApplyResult apply_plan(const Plan& plan, Backend& backend, RecordKeeping records,
                       const StepObserver& on_step = {}, std::size_t jobs = 1,
                       const StepStartObserver& on_start = {});

}  // namespace jailplan
