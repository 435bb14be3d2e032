#pragma once
/// The applier: carries out a Plan's steps on a Backend, stop phase in
/// reverse dependency order, then in-place updates, then start phase in
/// dependency order. A jail whose start fails part-way is rolled back; the
/// jails that depend on a failed one are skipped.

#include <functional>
#include <string>
#include <vector>

#include "executor/backend.hpp"
#include "planner/plan.hpp"

namespace jailplan {

struct JailOutcome {
  std::string name;
  enum class Status : std::uint8_t { done, failed, skipped } status = Status::done;
  std::string error;                ///< the failing step's sentence
  std::vector<std::string> undone;  ///< rollback steps that ran, described
};

struct ApplyResult {
  std::vector<JailOutcome> jails;  ///< in plan order
  bool ok() const;
};

/// Called after every step (progress output).
using StepObserver = std::function<void(const JailChange&, const Step&, const std::string& error)>;

ApplyResult apply_plan(const Plan& plan, Backend& backend, const StepObserver& on_step = {});

}  // namespace jailplan
