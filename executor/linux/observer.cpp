#include "executor/linux/observer.hpp"

#include <fmt/format.h>

#include "executor/linux/runtime.hpp"
#include "executor/records.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

Result<ObservedState> LinuxObserver::observe() {
  // the live jails, their parameters read as jls reports a kernel's
  ObservedState s;
  for (const auto& r : linux_jail::list_runtimes(m_paths.runtime_dir)) {
    if (!linux_jail::alive(r)) continue;
    ObservedJail j;
    j.name = r.name;
    j.jid = r.index;
    if (auto err = spec_from_kernel(r.parameters, r.name, j.params); !err.empty()) {
      Diagnostics d;
      d.error(Location{&m_sources.add(linux_jail::runtime_file(m_paths.runtime_dir, r.name), ""), 0},
              fmt::format("cannot read jail \"{}\": {}", r.name, err), "state");
      return d;
    }
    s.jails.push_back(std::move(j));
  }
  s.normalize();
  s.source = fmt::format("this host ({})", m_paths.runtime_dir);
  if (auto d = attach_records(s, m_paths.state_dir, m_files, m_sources); d.has_errors()) return d;
  return s;
}

}  // namespace jailplan
