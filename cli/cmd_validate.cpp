// `jailplan validate FILE...`: judges the specification alone. It needs
// nothing from the machine it runs on; host checks belong to plan/apply.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/single_file.hpp"
#include "compiler/compile.hpp"
#include "compiler/policy.hpp"
#include "executor/command_runner.hpp"
#include "executor/host_checks.hpp"
#include "executor/registry.hpp"

namespace jailplan {

int run_validate(const ValidateOptions& o, World& w) {
  SourceSet policy_sources;
  std::optional<Policy> policy;
  if (!o.policy.empty()) {
    const SourceFile* file = read_source(o.policy, "policy " + o.policy, w, policy_sources);
    if (file == nullptr) return k_exit_error;
    auto parsed = parse_policy(*file);
    if (!parsed) {
      w.err << render(parsed.diagnostics(), w.style());
      return k_exit_error;
    }
    policy = std::move(parsed.value());
  }
  const BackendRow* row = nullptr;  // with --host: whose checks
  if (o.host) {
    HostOptions host;
    host.backend = o.backend;
    if ((row = host.acting(w)) == nullptr) return k_exit_error;
  }
  bool ok = true;
  for (const auto& file : o.files) {
    Compilation c = compile_file(file, w.loader, KeepSyntax::no);
    w.err << render(c.diagnostics, w.style());
    if (!c.ok()) {
      ok = false;
      continue;
    }
    if (o.host) {
      Diagnostics host = check_host_paths(c.desired);
      if (row->host_checks != nullptr) {
        std::unique_ptr<CommandRunner> own;
        HostFindings found = row->host_checks(w.env, c.desired, live_runner(*row, w.env, own));
        host.append(std::move(found.diagnostics));
        for (const auto& why : found.warnings) w.err << fmt::format("jailplan: warning: {}\n", why);
      }
      w.err << render(host, w.style());
      if (host.has_errors()) {
        ok = false;
        continue;
      }
    }
    if (policy) {
      const Diagnostics violations = check_policy(*policy, c.desired);
      w.err << render(violations, w.style());
      if (violations.has_errors()) {
        ok = false;
        continue;
      }
    }
    if (!o.quiet) {
      std::size_t failed = 0;
      for (const auto& j : c.desired.jails) failed += j.failed ? 1U : 0U;
      w.out << fmt::format("{}: {} jail{} valid\n", file, c.desired.jails.size() - failed,
                           c.desired.jails.size() - failed == 1 ? "" : "s");
    }
    w.park(std::move(c));
  }
  return ok ? k_exit_ok : k_exit_error;
}

}  // namespace jailplan
