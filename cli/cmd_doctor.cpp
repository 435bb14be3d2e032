// `jailplan doctor [FILE]`: what this host offers its backend, each probe
// really tried, and with FILE whether its jails' roots are safe here; exit 1
// when something jails need is missing.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "compiler/compile.hpp"
#include "executor/host_checks.hpp"
#include "executor/registry.hpp"

namespace jailplan {

namespace {

/// One check per jail with a path: can other users reach its root?
bool jail_roots(const std::string& file, World& w, std::vector<HostCheck>& out) {
  Compilation c = compile_file(file, w.loader, KeepSyntax::no);
  w.err << render(c.diagnostics, w.style());
  if (!c.ok()) return false;
  for (const auto& j : c.desired.jails) {
    const std::string_view* path = j.text("path");
    if (j.failed || path == nullptr) continue;
    const std::string why = root_way_in_open(std::string(*path));
    out.push_back({fmt::format("root of {}", j.name), why.empty(), true,
                   why.empty() ? fmt::format("{}: closed to other users", *path)
                               : fmt::format("{}: other users can reach it: {}", *path, why)});
  }
  return true;
}

}  // namespace

int run_doctor(const DoctorOptions& o, World& w) {
  const BackendRow& row = native_backend();
  std::vector<HostCheck> checks;
  if (row.doctor != nullptr) checks = row.doctor();
  if (!o.file.empty() && !jail_roots(o.file, w, checks)) return k_exit_error;
  if (checks.empty()) {
    w.out << fmt::format("jailplan has no probes for the {} backend.\n", row.system);
    return k_exit_ok;
  }
  bool ok = true;
  for (const auto& c : checks) {
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
