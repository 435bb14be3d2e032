// `jailplan doctor`: what this host offers its backend, each probe really
// tried; exit 1 when something jails need is missing.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "executor/registry.hpp"

namespace jailplan {

int run_doctor(World& w) {
  const BackendRow& row = native_backend();
  if (row.doctor == nullptr) {
    w.out << fmt::format("jailplan has no probes for the {} backend.\n", row.system);
    return k_exit_ok;
  }
  bool ok = true;
  for (const auto& c : row.doctor()) {
    const char* mark = c.ok ? "ok  " : c.required ? "FAIL" : "warn";
    w.out << fmt::format("{}  {:<18} {}\n", mark, c.name, c.detail);
    ok = ok && (c.ok || !c.required);
  }
  w.out << (ok ? fmt::format("This host can run jails with the {} backend.\n", row.system)
               : fmt::format("This host cannot run jails with the {} backend: see FAIL above.\n",
                             row.system));
  return ok ? k_exit_ok : k_exit_error;
}

}  // namespace jailplan
