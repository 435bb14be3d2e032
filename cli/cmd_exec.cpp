// `jailplan exec [-l] [-U USER] JAIL -- COMMAND...`: jexec(8), through the
// backend of the jail (on FreeBSD jexec itself; on Linux the jail's
// namespaces and capability policy).
#include <ostream>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "executor/registry.hpp"

namespace jailplan {

int run_exec(const ExecOptions& o, World& w) {
  HostOptions host;
  host.backend = o.backend;
  const BackendRow* row = host.acting(w);
  if (row == nullptr) return k_exit_error;
  w.out.flush();
  w.err.flush();
  return row->exec(w.env, ExecRequest{o.jail, o.clean, o.jail_user, o.command}, w.err);
}

}  // namespace jailplan
