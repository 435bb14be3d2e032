// The Linux backend's row in the registry: jails made of namespaces,
// observed from jailplan's own runtime records.
#include <fmt/format.h>

#include "executor/linux/backend.hpp"
#include "executor/linux/doctor.hpp"
#include "executor/linux/enforcement.hpp"
#include "executor/linux/entry.hpp"
#include "executor/linux/host_plan.hpp"
#include "executor/linux/jexec.hpp"
#include "executor/linux/observer.hpp"
#include "executor/linux/runtime.hpp"
#include "executor/rows.hpp"

namespace jailplan {

namespace {

Result<ObservedState> observe(const HostEnv& env, SourceLoader& files, CommandRunner& /*runner*/) {
  LinuxObserver observer(files, LinuxPaths::from(env));
  return observer.observe();
}

std::unique_ptr<Backend> make(const HostEnv& env, CommandRunner& runner, bool dry_run) {
  return std::make_unique<LinuxBackend>(runner, LinuxPaths::from(env), dry_run);
}

std::string state_dir(const HostEnv& env) {
  return LinuxPaths::from(env).state_dir;
}

// jexec: the jail's namespaces and capability policy (a bare setns would
// escape the policy)
int exec(const HostEnv& env, const ExecRequest& rq, std::ostream& /*err*/) {
  std::vector<std::string> args = rq.jexec_words();
  args.emplace_back("--");
  args.insert(args.end(), rq.command.begin(), rq.command.end());
  return linux_jail::exec_main(args, LinuxPaths::from(env).runtime_dir, env.term);
}

// `status`: each live jail's init pid and the host end of its link
std::map<std::string, std::string> status_details(const HostEnv& env) {
  std::map<std::string, std::string> out;
  for (const auto& r : linux_jail::list_runtimes(LinuxPaths::from(env).runtime_dir))
    out[r.name] = fmt::format("{}/{}", r.init_pid, r.veth.empty() ? "-" : r.veth);
  return out;
}

}  // namespace

const BackendRow& linux_backend_row() {
  static const BackendRow row{
      .name = "linux",
      .system = "Linux",
#ifdef __linux__
      .native = true,
#endif
      .dry_run = DryRunListing::steps,
      .needs_root_because = "makes namespaces, mounts and links",
      .observe = observe,
      .make = make,
      .state_dir = state_dir,
      .uses_tool_root = false,
      .enforcement = linux_enforcement,
      .plan_checks = linux_plan_checks,
      .host_checks = nullptr,
      .doctor = linux_host_checks,
      .exec = exec,
      .status_title = "INIT/LINK",
      .status_details = status_details,
      .script = nullptr,
      .hidden_entry = linux_jail::hidden_entry,
  };
  return row;
}

}  // namespace jailplan
