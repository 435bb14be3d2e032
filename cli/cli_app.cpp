// The subcommand table: CLI11 only parses; each command's run_* does the work.
#include <ostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "executor/registry.hpp"

namespace jailplan {

namespace {

void add_host_options(CLI::App& cmd, HostOptions& h) {
  cmd.add_option(
      "--state", h.state,
      "Use this snapshot instead of the live host (jailplan's own, 'jls -n' or 'jls --libxo json')");
  cmd.add_option("--backend", h.backend, "Backend that observes the host")
      ->check(CLI::IsMember(backend_name_list()));
}

void add_allow_unenforced(CLI::App& cmd, HostOptions& h) {
  cmd.add_flag("--allow-unenforced", h.allow_unenforced,
               "Linux: accept parameters the backend enforces less strictly than asked (a warning each)");
}

void add_lock_timeout(CLI::App& cmd, ApplyOptions& o,
                      const std::string& help = "Seconds to wait for another jailplan's host lock") {
  cmd.add_option("--lock-timeout", o.lock_timeout, help)->check(CLI::NonNegativeNumber);
}

void add_run_options(CLI::App& cmd, ApplyOptions& o) {
  cmd.add_option("-j,--jobs", o.jobs, "Jails worked on at once, in dependency order (default: the CPU count)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--progress", o.progress,
                 "One line per step (lines), JSON lines (json), or only the outcome (quiet)")
      ->check(CLI::IsMember({"lines", "json", "quiet"}));
}

/// `restart` and `adopt`: a mutating command on FILE and named jails.
void add_jails_command(CLI::App& app, const char* name, const char* help, const char* jails_help,
                       ApplyOptions& o, std::vector<std::string>& jails) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("file", o.file, "Configuration file")->required();
  cmd->add_option("jails", jails, jails_help)->required();
  add_host_options(*cmd, o.host);
  cmd->add_flag("--dry-run", o.dry_run, "Print every command in order; change nothing");
  cmd->add_flag("--auto-approve", o.auto_approve, "Do not ask for confirmation");
  add_allow_unenforced(*cmd, o.host);
  add_lock_timeout(*cmd, o);
  add_run_options(*cmd, o);
}

}  // namespace

void register_commands(CLI::App& app, CommandLine& cl) {
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("jailplan ") + JAILPLAN_VERSION);
  app.add_flag("--no-color", cl.no_color, "Never colour the output (NO_COLOR is honoured too)");

  auto* validate = app.add_subcommand("validate", "Check jail.conf / YAML files; exit 1 on any error");
  validate->add_option("files", cl.validate.files, "Configuration files")->required();
  validate->add_flag("-q,--quiet", cl.validate.quiet, "Print only diagnostics");
  validate->add_option("--policy", cl.validate.policy, "Also check these site rules (docs/policy.md)");
  validate->add_flag("--host", cl.validate.host,
                     "Also check this host: paths, mount points, fstab files, wildcard listeners");
  validate->add_option("--backend", cl.validate.backend, "With --host: the host's backend")
      ->check(CLI::IsMember(backend_name_list()));

  auto* show = app.add_subcommand("show", "Print the resolved jails");
  show->add_option("file", cl.show.file, "Configuration file")->required();
  show->add_option("jails", cl.show.jails, "Only these jails (names or wildcards)");
  show->add_option("-e", cl.show.separator, "Print exactly what 'jail -f FILE -e SEP' prints")
      ->each([&cl](const std::string&) { cl.show.separator_given = true; });
  auto* json = show->add_flag("--json", cl.show.json, "The typed model as JSON (docs/model-format.md)");
  auto* yaml = show->add_flag("--yaml", cl.show.yaml, "The typed model as YAML");
  json->excludes(yaml);

  auto* fmt_cmd = app.add_subcommand("fmt", "Rewrite a file in canonical layout (comments kept)");
  fmt_cmd->add_option("file", cl.fmt.file, "Configuration file ('-' for standard input)")->required();
  auto* check = fmt_cmd->add_flag("--check", cl.fmt.check, "Exit 1 and show a diff if not canonical");
  auto* write = fmt_cmd->add_flag("--write", cl.fmt.write, "Rewrite the file in place (atomically)");
  check->excludes(write);

  auto* convert = app.add_subcommand("convert", "Convert between jail.conf and the YAML twin");
  convert->add_option("file", cl.convert.file, "Configuration file")->required();
  convert->add_option("--to", cl.convert.to, "Target syntax")
      ->required()
      ->check(CLI::IsMember({"yaml", "conf"}));
  convert->add_option("-o,--output", cl.convert.output, "Write here instead of standard output");

  auto* plan = app.add_subcommand("plan", "Show what apply would change, and why; change nothing");
  plan->add_option("file", cl.plan.file, "Configuration file")->required();
  add_host_options(*plan, cl.plan.host);
  auto* pj = plan->add_flag("--json", cl.plan.json, "The plan as JSON (docs/plan-format.md)");
  auto* pm =
      plan->add_flag("--markdown", cl.plan.markdown, "The plan as Markdown, for a pull-request comment");
  pj->excludes(pm);
  auto* ps = plan->add_flag("--script", cl.plan.script,
                            "The commands apply would run on a FreeBSD host, as a POSIX sh script");
  ps->excludes(pj);
  ps->excludes(pm);
  plan->add_flag("--explain", cl.plan.explain, "Say why each change has its effect, and list the steps");
  plan->add_flag("--full", cl.plan.full,
                 "Show each jail: above 20 changed jails, identical changes are otherwise grouped");
  plan->add_flag("--detailed-exitcode", cl.plan.detailed_exitcode,
                 "Exit 0 without changes, 2 with changes, 1 on error");
  plan->add_flag("--prune", cl.plan.prune, "Destroy jails jailplan created that are no longer declared");
  plan->add_flag(
      "--restart-changed", cl.plan.restart_changed,
      "Restart running jails whose start-time settings (exec.*) changed, instead of at their next start");
  plan->add_flag(
      "--adopt", cl.plan.adopt,
      "Take over running declared jails that no configuration owns (their records name this file)");
  auto* po = plan->add_option("-o,--out", cl.plan.out, "Save the plan to this file for a later 'apply FILE'");
  add_allow_unenforced(*plan, cl.plan.host);
  auto* pr = plan->add_flag("--refresh-only", cl.plan.refresh_only,
                            "Show only what changed outside jailplan; exit 0 without drift, 2 with drift");
  pr->excludes(pm);
  pr->excludes(ps);
  pr->excludes(po);

  auto* drift = app.add_subcommand(
      "drift",
      "Show only what changed outside jailplan (plan --refresh-only); exit 0 none, 2 drift, 1 error");
  drift->add_option("file", cl.drift.file, "Configuration file")->required();
  add_host_options(*drift, cl.drift.host);
  drift->add_flag("--json", cl.drift.json, "The drift as JSON (docs/plan-format.md)");
  add_allow_unenforced(*drift, cl.drift.host);

  auto* apply = app.add_subcommand("apply", "Carry out the plan on this host");
  apply->add_option("file", cl.apply.file, "Configuration file")->required();
  add_host_options(*apply, cl.apply.host);
  apply->add_flag("--dry-run", cl.apply.dry_run, "Print every command in order; change nothing");
  apply->add_flag("--auto-approve", cl.apply.auto_approve, "Do not ask for confirmation");
  apply->add_flag("--prune", cl.apply.prune, "Destroy jails jailplan created that are no longer declared");
  apply->add_option("--expect-digest", cl.apply.expect_digest,
                    "With a saved plan: apply it only if its plan digest is this one (the approved plan)");
  apply->add_flag(
      "--restart-changed", cl.apply.restart_changed,
      "Restart running jails whose start-time settings (exec.*) changed, instead of at their next start");
  apply->add_flag(
      "--adopt", cl.apply.adopt_all,
      "Take over running declared jails that no configuration owns (their records name this file)");
  add_allow_unenforced(*apply, cl.apply.host);
  add_lock_timeout(*apply, cl.apply);
  add_run_options(*apply, cl.apply);

  add_jails_command(app, "restart",
                    "Stop and start jails again with their declared configuration, as 'jail -rc' does",
                    "The jails to restart", cl.restart, cl.restart.restart);
  add_jails_command(app, "adopt",
                    "Take over running jails that no configuration owns, as they run; nothing else changes",
                    "The jails to adopt", cl.adopt, cl.adopt.adopt);

  auto* reconcile = app.add_subcommand(
      "reconcile", "Converge the whole host to the configuration without asking (boot, cron, pipelines)");
  reconcile->add_option("file", cl.reconcile.file, "Configuration file")->required();
  add_host_options(*reconcile, cl.reconcile.host);
  reconcile->add_flag("--prune", cl.reconcile.prune,
                      "Destroy jails jailplan created that are no longer declared");
  reconcile->add_flag(
      "--restart-changed", cl.reconcile.restart_changed,
      "Restart running jails whose start-time settings (exec.*) changed, instead of at their next start");
  add_allow_unenforced(*reconcile, cl.reconcile.host);
  cl.reconcile.lock_timeout = 300;  // at boot, wait for a jailplan that is still busy
  add_lock_timeout(*reconcile, cl.reconcile,
                   "Seconds to wait for another jailplan's host lock (default 300)");
  add_run_options(*reconcile, cl.reconcile);

  auto* explain = app.add_subcommand(
      "explain", "Why a jail is in the state it is: host, applied record, and the journal's last steps");
  explain->add_option("jail", cl.explain.jail, "The jail")->required();
  explain->add_option("-f,--file", cl.explain.file,
                      "Also say what a plan against this configuration would do");
  add_host_options(*explain, cl.explain.host);

  auto* import = app.add_subcommand(
      "import", "Write a configuration from the jails this host runs, or from rc.conf's jail_* variables");
  import->add_option("jails", cl.import.jails, "Only these jails");
  add_host_options(*import, cl.import.host);
  import->add_option("--rc-conf", cl.import.rc_conf, "Read the legacy jail_* variables of this rc.conf");
  import->add_option("--to", cl.import.to, "Syntax to write")->check(CLI::IsMember({"conf", "yaml"}));
  import->add_option("-o,--output", cl.import.output, "Write here instead of standard output");

  auto* observe = app.add_subcommand("observe", "Show the observed jails, or write a state snapshot");
  add_host_options(*observe, cl.observe.host);
  observe->add_flag("--json", cl.observe.json, "Write a state snapshot (docs/state-format.md)");

  auto* graph = app.add_subcommand("graph", "Print the dependency graph in Graphviz DOT");
  graph->add_option("file", cl.graph.file, "Configuration file")->required();

  auto* destroy = app.add_subcommand("destroy", "Stop and remove declared jails, as 'jail -r' does");
  destroy->add_option("file", cl.destroy.apply.file, "Configuration file")->required();
  destroy->add_option("jails", cl.destroy.jails, "The jails to destroy");
  destroy->add_flag("--all", cl.destroy.all, "Destroy every jail the file declares");
  destroy->add_flag("--force", cl.destroy.force,
                    "As 'jail -R': no exec.prestop, exec.stop, exec.poststop or exec.release, the jail's "
                    "processes killed; mounts, addresses and records are still undone");
  add_host_options(*destroy, cl.destroy.apply.host);
  destroy->add_flag("--dry-run", cl.destroy.apply.dry_run, "Show the steps; change nothing");
  destroy->add_flag("--auto-approve", cl.destroy.apply.auto_approve, "Do not ask for confirmation");
  add_lock_timeout(*destroy, cl.destroy.apply);
  add_run_options(*destroy, cl.destroy.apply);

  auto* status = app.add_subcommand("status", "The jails on this host: running, stopped, in sync or not");
  status->add_option("file", cl.status.file, "Also compare with this configuration");
  add_host_options(*status, cl.status.host);

  auto* doctor = app.add_subcommand(
      "doctor", "What this host offers the Linux backend (namespaces, veth, cgroups, ...)");
  doctor->add_option("file", cl.doctor.file, "Also check this configuration's jail roots on this host");

  auto* exec = app.add_subcommand("exec", "Run a command inside a running jail, as jexec(8) does");
  exec->add_option("--backend", cl.exec.backend, "Backend of the jail")
      ->check(CLI::IsMember(backend_name_list()));
  exec->add_flag("-l", cl.exec.clean, "A clean environment, as for a login");
  exec->add_option("-U", cl.exec.jail_user, "Run as this user of the jail");
  exec->add_option("jail", cl.exec.jail, "The jail")->required();
  exec->add_option("command", cl.exec.command, "The command and its arguments (after --)")->required();
}

int dispatch(CLI::App& app, CommandLine& cl, World& w) {
  if (app.got_subcommand("validate")) return run_validate(cl.validate, w);
  if (app.got_subcommand("show")) return run_show(cl.show, w);
  if (app.got_subcommand("fmt")) return run_fmt(cl.fmt, w);
  if (app.got_subcommand("convert")) return run_convert(cl.convert, w);
  if (app.got_subcommand("plan")) return run_plan(cl.plan, w);
  if (app.got_subcommand("drift")) {
    cl.drift.refresh_only = true;
    return run_plan(cl.drift, w);
  }
  if (app.got_subcommand("apply")) return run_apply(cl.apply, w);
  if (app.got_subcommand("restart")) return run_restart(cl.restart, w);
  if (app.got_subcommand("adopt")) return run_adopt(cl.adopt, w);
  if (app.got_subcommand("reconcile")) return run_reconcile(cl.reconcile, w);
  if (app.got_subcommand("explain")) return run_explain(cl.explain, w);
  if (app.got_subcommand("import")) return run_import(cl.import, w);
  if (app.got_subcommand("observe")) return run_observe(cl.observe, w);
  if (app.got_subcommand("graph")) return run_graph(cl.graph, w);
  if (app.got_subcommand("destroy")) return run_destroy(cl.destroy, w);
  if (app.got_subcommand("status")) return run_status(cl.status, w);
  if (app.got_subcommand("exec")) return run_exec(cl.exec, w);
  if (app.got_subcommand("doctor")) return run_doctor(cl.doctor, w);
  return k_exit_error;
}

int run_cli(const std::vector<std::string>& args, World& w) {
  CLI::App app{"jailplan: a declarative compiler and reconciler for jails", "jailplan"};
  CommandLine cl;
  register_commands(app, cl);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    w.out << app.help();
    return k_exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    w.out << app.help("", CLI::AppFormatMode::All);
    return k_exit_ok;
  } catch (const CLI::CallForVersion&) {
    w.out << app.version() << '\n';
    return k_exit_ok;
  } catch (const CLI::ParseError& e) {
    w.err << fmt::format("jailplan: error: {}\n", e.what());
    w.err << "Run 'jailplan --help' for usage.\n";
    return k_exit_error;  // CLI11's own codes (100+) map to 1
  }
  if (cl.no_color) w.color = false;
  return dispatch(app, cl, w);
}

}  // namespace jailplan
