// The FreeBSD backend's row in the registry: jail(8)'s commands, observed
// with jls, mount and ifconfig; portable, so every build has it.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "executor/freebsd/backend.hpp"
#include "executor/freebsd/observer.hpp"
#include "executor/freebsd/script.hpp"
#include "executor/host_checks.hpp"
#include "executor/rows.hpp"
#include "planner/addresses.hpp"

namespace jailplan {

namespace {

Result<ObservedState> observe(const HostEnv& env, SourceLoader& files, CommandRunner& runner) {
  FreeBsdObserver observer(runner, files, FreeBsdPaths::from(env).state_dir);
  return observer.observe();
}

std::unique_ptr<Backend> make(const HostEnv& env, CommandRunner& runner, bool dry_run) {
  return std::make_unique<FreeBsdBackend>(runner, dry_run, env.term);
}

std::string state_dir(const HostEnv& env) {
  return FreeBsdPaths::from(env).state_dir;
}

// shared-stack jails: who listens on every address of the host?
HostFindings host_checks(const HostEnv& /*env*/, const DesiredState& desired, CommandRunner& runner) {
  HostFindings found;
  Command sockstat({"/usr/bin/sockstat", "-46l"});
  sockstat.timeout = std::chrono::seconds(30);
  const auto r = runner.run(sockstat);
  if (r.ok())
    found.diagnostics = check_listeners(desired, parse_sockstat(r.out));
  else
    found.warnings.push_back(
        fmt::format("cannot list listening sockets: /usr/bin/sockstat -46l: {}", r.describe()));
  return found;
}

// jexec(8) itself, in place of this process
int exec(const HostEnv& env, const ExecRequest& rq, std::ostream& err) {
  std::vector<std::string> args{"/usr/sbin/jexec"};
  const auto words = rq.jexec_words();
  args.insert(args.end(), words.begin(), words.end());
  args.insert(args.end(), rq.command.begin(), rq.command.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string program = env.tool_root + args[0];
  ::execv(program.c_str(), argv.data());
  err << fmt::format("jailplan: error: cannot run /usr/sbin/jexec: {}\n", std::strerror(errno));
  return 1;
}

// the kernel's own address rule (kern_jail.c), before jail -c meets it
Diagnostics plan_checks(const HostEnv& /*env*/, const DesiredState& desired, const ObservedState& observed,
                        bool /*live*/) {
  return check_address_clashes(desired, observed, AddressSharing::single_only);
}

std::string script(const Plan& plan, const HostEnv& env, const std::string& file, const std::string& source) {
  return render_script(plan, file, source, env.term);
}

}  // namespace

const BackendRow& freebsd_backend_row() {
  static const BackendRow row{
      .name = "freebsd",
      .system = "FreeBSD",
#ifdef __FreeBSD__
      .native = true,
#endif
      .dry_run = DryRunListing::commands,
      .needs_root_because = {},
      .observe = observe,
      .make = make,
      .state_dir = state_dir,
      .uses_tool_root = true,
      .enforcement = nullptr,
      .plan_checks = plan_checks,
      .host_checks = host_checks,
      .doctor = nullptr,
      .exec = exec,
      .status_title = {},
      .status_details = nullptr,
      .script = script,
      .hidden_entry = nullptr,
  };
  return row;
}

}  // namespace jailplan
