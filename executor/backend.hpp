#pragma once
/// The Backend seam: carries out one Step of one jail on a host. Backends
/// decide *how* (argv, syscalls); the applier decides *when*; the plan
/// decided *what*.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "planner/plan.hpp"

namespace jailplan {

class Backend {
 public:
  virtual ~Backend() = default;
  /// Runs one step: success, or an error whose summary is one sentence
  /// saying what failed (`jail: web: /sbin/mount -t devfs …: failed (exit
  /// 1): …`); the applier points it at the step's origin. `record` and
  /// `forget` never come here: the applier keeps the applied records.
  virtual Status run(const JailChange& jail, const Step& step) = 0;
  /// The running jail's id on this host (for its applied record), or
  /// nullopt when it has none.
  virtual std::optional<std::int64_t> jid(const JailChange& /*jail*/) { return std::nullopt; }
  /// Called once after the last step of an apply: work the backend
  /// deferred (waiting for removed links, ...).
  virtual Status finish() { return {}; }
  /// Called for a `forget` step, before the applied record is deleted:
  /// drops what the backend itself keeps of a jail that is gone (the Linux
  /// backend: the runtime directory and resource-limit groups of a jail
  /// whose init died). An error keeps the record, so the jail stays listed.
  virtual Status forget(const JailChange& /*jail*/) { return {}; }
};

/// The settings a step runs with: a stop-phase step those the jail was
/// started with (JailChange::teardown), every other step (rollbacks of a
/// failed start included) those of the spec the plan applies.
const CanonSpec* step_settings(const JailChange& j, const Step& s);
/// The last value of a setting (exec.clean, exec.consolelog, ...) for a
/// step, or nullptr.
const std::string* step_setting(const JailChange& j, const Step& s, std::string_view name);
/// Whether that setting is a true boolean.
bool step_flag(const JailChange& j, const Step& s, std::string_view name);
/// exec.timeout (0: none).
std::chrono::milliseconds step_exec_timeout(const JailChange& j, const Step& s);
/// Appends an in-jail command's output to exec.consolelog, as jail(8) does.
void append_consolelog(const JailChange& j, const Step& s, const std::string& out, const std::string& err);

/// Where an exec.* hook step runs: not a hook, on the host, or in the jail.
enum class HookPlace : std::uint8_t { none, host, jail };
HookPlace hook_place(StepKind k);

/// The mount lines of a mount.fstab file (comments and blank lines gone),
/// or nullopt when it cannot be read (or is not a regular file of at most
/// k_max_fstab_bytes). For plans and records made before the lines were
/// read at plan time.
std::optional<std::vector<std::string>> fstab_file_lines(const std::string& path);

/// The step that undoes `step` when a jail's start fails part-way, as
/// jail(8) rolls back (§4.3): aliases, mounts, vnet interfaces and the
/// creation itself. Hooks have no inverse (nullopt).
std::optional<Step> inverse(const Step& step);

}  // namespace jailplan
