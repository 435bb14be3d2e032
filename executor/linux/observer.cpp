#include "executor/linux/observer.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "executor/linux/netlink.hpp"
#include "executor/linux/routes.hpp"
#include "executor/linux/runtime.hpp"
#include "executor/records.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

namespace {

/// What is broken in a live jail's link: its host end gone or down, a host
/// route to one of its addresses gone or pointing elsewhere.
std::vector<std::string> link_faults(const linux_jail::Runtime& r, const linux_net::HostNetwork& net) {
  std::vector<std::string> faults;
  if (r.veth.empty() || r.addresses.empty()) return faults;
  const linux_net::HostLink* link = net.link(r.veth);
  if (link == nullptr) return {fmt::format("its link {} is gone from the host", r.veth)};
  if (!link->up) faults.push_back(fmt::format("its link {} is down", r.veth));
  for (const auto& text : r.addresses) {
    linux_net::IpAddress a;
    if (!linux_net::parse_ip(text, a)) continue;
    const std::string address = a.text();
    const int host_prefix = a.family == AF_INET ? 32 : 128;
    const linux_net::HostRoute* found = nullptr;
    for (const auto& route : net.routes)
      if (route.family == a.family && route.destination == address && route.prefix == host_prefix) {
        found = &route;
        if (route.out_index == link->index) break;
      }
    if (found == nullptr) {
      faults.push_back(fmt::format("the host has no route to {} through {}", address, r.veth));
    } else if (found->out_index != link->index) {
      const linux_net::HostLink* other = net.link(found->out_index);
      faults.push_back(fmt::format("the host's route to {} goes through {}, not {}", address,
                                   other != nullptr ? other->name : std::to_string(found->out_index),
                                   r.veth));
    }
  }
  return faults;
}

void host_addresses(const linux_net::HostNetwork& net, ObservedState& s) {
  for (const auto& a : net.addresses) {
    const linux_net::HostLink* link = net.link(a.index);
    s.addresses.push_back({link != nullptr ? link->name : std::to_string(a.index),
                           a.family == AF_INET ? "inet" : "inet6", a.text});
  }
  std::sort(s.addresses.begin(), s.addresses.end(), [](const auto& x, const auto& y) {
    return std::tie(x.interface, x.family, x.address) < std::tie(y.interface, y.family, y.address);
  });
}

/// A jail whose init died leaves its runtime directory (and groups) until
/// its record is forgotten (LinuxBackend::forget). One whose record is gone
/// already (forgotten by a jailplan that left them) is listed as stopped
/// all the same, its runtime's parameters standing for its record, so that
/// status shows it and destroy or --prune can clean it.
void add_unrecorded_dead(const std::vector<linux_jail::Runtime>& dead, ObservedState& s) {
  const std::size_t before = s.stopped.size();
  const auto recorded = [&](const std::string& name) {  // among the records (sorted), not those added here
    const auto end = s.stopped.begin() + static_cast<std::ptrdiff_t>(before);
    const auto it = std::lower_bound(s.stopped.begin(), end, name,
                                     [](const auto& x, const std::string& n) { return x.first < n; });
    return it != end && it->first == name;
  };
  for (const auto& r : dead) {
    if (recorded(r.name) || s.find(r.name) != nullptr) continue;
    AppliedRecord record;
    if (!spec_from_kernel(r.parameters, r.name, record.params).empty()) continue;
    record.digest = spec_digest(record.params);
    record.jid = r.index;
    s.stopped.emplace_back(r.name, std::move(record));
  }
  if (s.stopped.size() != before) s.normalize();
}

}  // namespace

Result<ObservedState> LinuxObserver::observe() {
  // the live jails, their parameters read as jls reports a kernel's
  ObservedState s;
  std::string net_error;
  const linux_net::HostNetwork net = linux_net::read_host_network(net_error);
  std::vector<linux_jail::Runtime> dead;
  for (auto& r : linux_jail::list_runtimes(m_paths.runtime_dir)) {
    if (!linux_jail::alive(r)) {
      dead.push_back(std::move(r));
      continue;
    }
    ObservedJail j;
    j.name = r.name;
    j.jid = r.index;
    if (auto err = spec_from_kernel(r.parameters, r.name, j.params); !err.empty()) {
      Diagnostics d;
      d.error(Location{&m_sources.add(linux_jail::runtime_file(m_paths.runtime_dir, r.name), ""), 0},
              fmt::format("cannot read jail \"{}\": {}", r.name, err), "state");
      return d;
    }
    // a host whose links cannot be read shows no faults rather than all
    if (net_error.empty()) j.faults = link_faults(r, net);
    s.jails.push_back(std::move(j));
  }
  if (net_error.empty()) host_addresses(net, s);
  s.normalize();
  s.source = fmt::format("this host ({})", m_paths.runtime_dir);
  if (auto d = attach_records(s, m_paths.state_dir, m_files, m_sources); d.has_errors()) return d;
  add_unrecorded_dead(dead, s);
  return s;
}

}  // namespace jailplan
