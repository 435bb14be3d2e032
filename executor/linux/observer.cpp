#include "executor/linux/observer.hpp"

#include <fmt/format.h>

#include "executor/linux/runtime.hpp"
#include "executor/records.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

Result<ObservedState> LinuxObserver::observe() {
  // the live jails as a `jls -n` listing, so both backends' observations
  // go through one parser
  std::string listing;
  for (const auto& r : linux_jail::list_runtimes(m_paths.runtime_dir)) {
    if (!linux_jail::alive(r)) continue;
    listing += fmt::format("jid={} name={}", r.index, r.name);
    for (const auto& w : r.parameters) {
      const auto eq = w.find('=');
      if (eq == std::string::npos) {  // a boolean in jls's flag form
        listing += ' ' + w;
        continue;
      }
      const std::string name = w.substr(0, eq), value = w.substr(eq + 1);
      if (name == "name") continue;
      const char q = value.find('"') == std::string::npos ? '"' : '\'';
      listing += fmt::format(" {}={}{}{}", name, q, value, q);
    }
    listing += '\n';
  }
  auto state = parse_jls_n(m_sources.add(m_paths.runtime_dir, listing));
  if (!state) return state.diagnostics();
  ObservedState s = std::move(state.value());
  s.source = fmt::format("this host ({})", m_paths.runtime_dir);
  if (auto d = attach_records(s, m_paths.state_dir, m_files, m_sources); d.has_errors()) return d;
  return s;
}

}  // namespace jailplan
