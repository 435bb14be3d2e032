#pragma once
/// Options and entry points of every subcommand. CLI11 fills the options;
/// `run_<cmd>(options, world)` does the work and returns the exit code.

#include <string>
#include <vector>

#include "cli/host_input.hpp"
#include "cli/world.hpp"

namespace CLI {
class App;
}

namespace jailplan {

struct ValidateOptions {
  std::vector<std::string> files;
  bool quiet = false;
  std::string policy;   ///< --policy FILE: site rules every jail must keep
  bool host = false;    ///< --host: also the checks that need this host
  std::string backend;  ///< --backend for --host ("" = this host's own)
};
int run_validate(const ValidateOptions& o, World& w);

struct ShowOptions {
  std::string file;
  std::vector<std::string> jails;
  std::string separator;  ///< -e SEP: jail(8)'s output
  bool separator_given = false;
  bool json = false;
  bool yaml = false;
};
int run_show(const ShowOptions& o, World& w);

struct FmtOptions {
  std::string file;
  bool check = false;
  bool write = false;
};
int run_fmt(const FmtOptions& o, World& w);

struct ConvertOptions {
  std::string file;
  std::string to;      ///< "yaml" or "conf"
  std::string output;  ///< "" = standard output
};
int run_convert(const ConvertOptions& o, World& w);

struct PlanCmdOptions {
  std::string file;
  HostOptions host;
  bool json = false;
  bool markdown = false;
  bool explain = false;
  bool full = false;  ///< --full: each jail, identical changes never grouped
  bool detailed_exitcode = false;
  bool prune = false;
  bool restart_changed = false;  ///< restart jails whose start-time settings changed, now
  bool adopt = false;            ///< --adopt: take over running declared jails nobody owns
  std::string out;               ///< -o FILE: save the plan
  bool script = false;           ///< --script: the FreeBSD commands as a POSIX sh script
  /// --refresh-only (and `jailplan drift`): only what changed outside
  /// jailplan; exit 0 without drift, 2 with drift, 1 on error
  bool refresh_only = false;
};
int run_plan(const PlanCmdOptions& o, World& w);

struct ApplyOptions {
  std::string file;
  HostOptions host;
  bool dry_run = false;
  bool auto_approve = false;
  bool prune = false;
  bool restart_changed = false;      ///< restart jails whose start-time settings changed, now
  double lock_timeout = 0;           ///< seconds to wait for another jailplan's host lock
  std::size_t jobs = 0;              ///< jails worked on at once; 0 = the CPU count
  std::string progress = "lines";    ///< lines, json (JSON lines) or quiet
  std::string operation = "apply";   ///< for the journal
  std::vector<std::string> restart;  ///< `restart`: stop and start these even if unchanged
  bool adopt_all = false;            ///< --adopt: take over running declared jails nobody owns
  /// `adopt FILE JAIL...`: take over only these, as they run; nothing else changes
  std::vector<std::string> adopt;
  std::string expect_digest;  ///< apply PLAN --expect-digest: the approved plan digest
};
int run_apply(const ApplyOptions& o, World& w);
/// `restart FILE JAIL...`: apply, with the named jails stopped and started
/// again (as `jail -rc`), their dependents following.
int run_restart(const ApplyOptions& o, World& w);
/// `adopt FILE JAIL...`: the named running jails, which no configuration
/// owns, become FILE's, with their kernel parameters set in place where
/// they differ; nothing else changes, and nothing is restarted.
int run_adopt(const ApplyOptions& o, World& w);
/// `reconcile`: apply without asking, for boot and unattended runs.
int run_reconcile(const ApplyOptions& o, World& w);

class HostLock;
struct Plan;
/// Shared by apply and destroy: the option checks, the host lock, and the
/// confirmed (or dry) run of a plan on the chosen backend.
std::string check_apply_options(const ApplyOptions& o);
/// Takes the host lock (held until `lock` goes, so the plan stays true
/// while it is carried out), then observes; errors go to w.err.
std::optional<ObservedState> lock_and_observe(HostLock& lock, const ApplyOptions& o, const char* operation,
                                              SourceSet& sources, World& w);
int carry_out(const Plan& plan, const ApplyOptions& o, World& w);

struct DestroyOptions {
  ApplyOptions apply;  ///< file, host, dry run, approval, lock timeout
  std::vector<std::string> jails;
  bool all = false;
  bool force = false;  ///< --force: as jail -R, no stop hooks, processes killed
};
int run_destroy(const DestroyOptions& o, World& w);

struct StatusOptions {
  HostOptions host;
  std::string file;  ///< optional: also say whether each jail matches it
};
int run_status(const StatusOptions& o, World& w);

struct ExecOptions {
  std::string backend;
  bool clean = false;
  std::string jail_user;
  std::string jail;
  std::vector<std::string> command;
};
int run_exec(const ExecOptions& o, World& w);

struct DoctorOptions {
  std::string file;  ///< optional: also check where this configuration's jails live
};
int run_doctor(const DoctorOptions& o, World& w);

struct ExplainOptions {
  HostOptions host;
  std::string jail;
  std::string file;  ///< --file CONF: also what a plan would do
};
int run_explain(const ExplainOptions& o, World& w);

struct ImportOptions {
  HostOptions host;
  std::string rc_conf;  ///< read rc.conf's jail_* variables instead of the host
  std::string to = "conf";
  std::string output;  ///< "" = standard output
  std::vector<std::string> jails;
};
int run_import(const ImportOptions& o, World& w);

struct ObserveOptions {
  HostOptions host;
  bool json = false;
};
int run_observe(const ObserveOptions& o, World& w);

struct GraphOptions {
  std::string file;
};
int run_graph(const GraphOptions& o, World& w);

/// Builds the whole command line; `dispatch` is set to the chosen command.
struct CommandLine {
  ValidateOptions validate;
  ShowOptions show;
  FmtOptions fmt;
  ConvertOptions convert;
  PlanCmdOptions plan;
  PlanCmdOptions drift;  ///< `jailplan drift FILE`: plan --refresh-only
  ApplyOptions apply;
  ApplyOptions reconcile;
  ApplyOptions restart;
  ApplyOptions adopt;
  ObserveOptions observe;
  ImportOptions import;
  ExplainOptions explain;
  GraphOptions graph;
  DestroyOptions destroy;
  StatusOptions status;
  ExecOptions exec;
  DoctorOptions doctor;
  bool no_color = false;
};
void register_commands(CLI::App& app, CommandLine& cl);
/// Runs the subcommand CLI11 selected.
int dispatch(CLI::App& app, CommandLine& cl, World& w);

/// Parses argv and runs in-process (used by main and by tests).
int run_cli(const std::vector<std::string>& args, World& w);

}  // namespace jailplan
