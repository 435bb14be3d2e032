// `jailplan exec [-l] [-U USER] JAIL -- COMMAND...`: jexec(8). On Linux it
// joins the jail's namespaces and applies the jail's capability policy
// (a bare setns would escape it); on FreeBSD it is jexec itself.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "executor/freebsd/observer.hpp"
#include "executor/linux/backend.hpp"
#include "executor/linux/jexec.hpp"

namespace jailplan {

int run_exec(const ExecOptions& o, World& w) {
  std::vector<std::string> args;
  if (o.clean) args.emplace_back("-l");
  if (!o.jail_user.empty()) {
    args.emplace_back("-U");
    args.push_back(o.jail_user);
  }
  args.push_back(o.jail);
  if (o.backend == "freebsd") {
    args.insert(args.begin(), "/usr/sbin/jexec");
    args.insert(args.end(), o.command.begin(), o.command.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    w.out.flush();
    const std::string program = FreeBsdPaths::configured().tool_root + args[0];
    ::execv(program.c_str(), argv.data());
    w.err << fmt::format("jailplan: error: cannot run /usr/sbin/jexec: {}\n", std::strerror(errno));
    return k_exit_error;
  }
  args.emplace_back("--");
  args.insert(args.end(), o.command.begin(), o.command.end());
  w.out.flush();
  w.err.flush();
  return linux_jail::exec_main(args, LinuxPaths::configured().runtime_dir);
}

}  // namespace jailplan
