// `jailplan doctor`: what this host offers the Linux backend, each probe
// really tried; exit 1 when something jails need is missing.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "executor/linux/doctor.hpp"

namespace jailplan {

int run_doctor(World& w) {
  bool ok = true;
  for (const auto& c : linux_host_checks()) {
    const char* mark = c.ok ? "ok  " : c.required ? "FAIL" : "warn";
    w.out << fmt::format("{}  {:<18} {}\n", mark, c.name, c.detail);
    ok = ok && (c.ok || !c.required);
  }
  w.out << (ok ? "This host can run jails with the Linux backend.\n"
               : "This host cannot run jails with the Linux backend: see FAIL above.\n");
  return ok ? k_exit_ok : k_exit_error;
}

}  // namespace jailplan
