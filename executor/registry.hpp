#pragma once
/// The backend registry: one row per backend this build has, saying what it
/// can do and how to reach it. The CLI chooses a row (by `--backend NAME`,
/// else the host's own system) and calls through it; it never names a
/// backend. Adding a backend is a folder under executor/ and one row.

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.hpp"
#include "base/result.hpp"
#include "compiler/model.hpp"
#include "executor/backend.hpp"
#include "executor/command_runner.hpp"
#include "executor/host_env.hpp"
#include "grammar/source_loader.hpp"
#include "planner/observed.hpp"
#include "planner/plan.hpp"

namespace jailplan {

/// One probe of `jailplan doctor`.
struct HostCheck {
  std::string name;
  bool ok = false;
  bool required = true;  ///< jails cannot start without it
  std::string detail;
};

/// `jailplan exec`: what to run in which jail (jexec(8)'s options).
struct ExecRequest {
  std::string jail;
  bool clean = false;     ///< -l
  std::string jail_user;  ///< -U
  std::vector<std::string> command;

  /// jexec(8)'s words before the command: `[-l] [-U user] JAIL`.
  std::vector<std::string> jexec_words() const;
};

/// What `validate --host` found that only a backend can find.
struct HostFindings {
  Diagnostics diagnostics;
  std::vector<std::string> warnings;  ///< the checks that could not run, in words
};

/// How `apply --dry-run` lists what it would do.
enum class DryRunListing : std::uint8_t {
  commands,  ///< the exact argv of every command (the backend only runs commands)
  steps,     ///< every step, checked and described (the backend makes system calls)
};

struct BackendRow {
  std::string_view name;    ///< `--backend NAME`
  std::string_view system;  ///< the system it runs jails on, for people ("FreeBSD")
  bool native = false;      ///< the backend of the system this binary was built for
  DryRunListing dry_run = DryRunListing::commands;
  /// Why applying needs root ("" = it does not, e.g. against a fake host).
  std::string_view needs_root_because;

  /// The running jails and jailplan's records of them.
  Result<ObservedState> (*observe)(const HostEnv& env, SourceLoader& files, CommandRunner& runner) = nullptr;
  /// A backend carrying out steps through `runner`; with `dry_run` it
  /// changes nothing (commands go to a recording runner).
  std::unique_ptr<Backend> (*make)(const HostEnv& env, CommandRunner& runner, bool dry_run) = nullptr;
  /// Where the applied records live; the journal sits beside them.
  std::string (*state_dir)(const HostEnv& env) = nullptr;
  /// Whether the tools it runs come from env.tool_root.
  bool uses_tool_root = false;

  /// Plan-time diagnostics for what it enforces less strictly than asked
  /// (nullptr: it enforces everything the catalog has).
  Diagnostics (*enforcement)(const DesiredState& desired, bool allow_unenforced) = nullptr;
  /// Plan-time checks of the configuration against the observed host
  /// (addresses two owners would have, ...); `live`: `observed` is this
  /// host's (not a --state snapshot), whose other state may be read too.
  Diagnostics (*plan_checks)(const HostEnv& env, const DesiredState& desired, const ObservedState& observed,
                             bool live) = nullptr;
  /// `validate --host` checks beyond the portable ones (nullptr: none).
  HostFindings (*host_checks)(const HostEnv& env, const DesiredState& desired,
                              CommandRunner& runner) = nullptr;
  /// `jailplan doctor`'s probes (nullptr: none).
  std::vector<HostCheck> (*doctor)() = nullptr;
  /// `jailplan exec`: runs the command in the jail; returns the exit
  /// status (may not return at all: it can replace the process).
  int (*exec)(const HostEnv& env, const ExecRequest& request, std::ostream& err) = nullptr;
  /// `status`: an extra column (its title) with facts per live jail.
  std::string_view status_title;
  std::map<std::string, std::string> (*status_details)(const HostEnv& env) = nullptr;
  /// `plan --script`: the plan as a POSIX sh script of its commands
  /// (nullptr: the backend does not run commands a script could hold).
  std::string (*script)(const Plan& plan, const HostEnv& env, const std::string& file,
                        const std::string& source) = nullptr;
  /// Entry points jailplan re-executes itself for (a jail's init);
  /// nullopt when argv is not one of them.
  std::optional<int> (*hidden_entry)(int argc, char** argv) = nullptr;
};

/// Every backend this build has, in a fixed order.
std::span<const BackendRow> backend_rows();
/// The row named `name`, or nullptr.
const BackendRow* find_backend(std::string_view name);
/// The backend of the system this binary runs on.
const BackendRow& native_backend();
/// "freebsd or linux": the names, for messages and option checks.
std::string backend_names();
std::vector<std::string> backend_name_list();

/// The runner a live backend uses: env.runner when set, else one running
/// real commands (from env.tool_root when the row says so), kept in `own`.
CommandRunner& live_runner(const BackendRow& row, const HostEnv& env, std::unique_ptr<CommandRunner>& own);

/// Runs a backend's hidden entry point when argv names one; any binary
/// that launches jails calls this first in main().
std::optional<int> run_backend_entry(int argc, char** argv);

}  // namespace jailplan
