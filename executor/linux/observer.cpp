#include "executor/linux/observer.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "executor/linux/cgroup.hpp"
#include "executor/linux/netlink.hpp"
#include "executor/linux/routes.hpp"
#include "executor/linux/runtime.hpp"
#include "executor/linux/sys.hpp"
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

/// The addresses on the jail's end of its link (eth0 in its network
/// namespace), read from a thread that joins that namespace; nullopt when
/// they cannot be read (the jail gone, no right to join it).
std::optional<std::vector<std::string>> jail_link_addresses(const linux_jail::Runtime& r) {
  linux_jail::Fd ns(::open(fmt::format("/proc/{}/ns/net", r.init_pid).c_str(), O_RDONLY | O_CLOEXEC));
  if (ns.get() < 0 || !linux_jail::alive(r)) return std::nullopt;
  std::optional<std::vector<std::string>> out;
  // a thread's network namespace is its own: joining it leaves the
  // process's other threads where they are
  std::thread reader([&] {
    if (::setns(ns.get(), CLONE_NEWNET) != 0) return;
    std::string error;
    const linux_net::HostNetwork net = linux_net::read_host_network(error);
    if (!error.empty()) return;
    std::vector<std::string> found;
    if (const linux_net::HostLink* eth0 = net.link("eth0"))
      for (const auto& a : net.addresses)
        if (a.index == eth0->index) found.push_back(a.text);
    out = std::move(found);
  });
  reader.join();
  return out;
}

/// The limits in force for the jails whose records give them some, as
/// rctl rules; those cgroups cannot hold are taken as recorded.
void observe_limits(ObservedState& s) {
  for (auto& j : s.jails) {
    const AppliedRecord* record = j.own_record();
    const CanonParam* rules = record != nullptr ? find_param(record->params, "jailplan.rctl") : nullptr;
    linux_cgroup::Limits l;
    if (rules == nullptr || !linux_cgroup::read_limits(j.name, l)) continue;
    // the kernel keeps a memory limit in whole pages: the recorded amount
    // rounded down is that amount
    linux_cgroup::Limits recorded;
    std::vector<std::string> enforced;
    for (const auto& rule : rules->values)
      if (linux_cgroup::unenforceable(rule).empty()) enforced.push_back(rule);
    const std::int64_t page = ::sysconf(_SC_PAGESIZE);
    if (linux_cgroup::parse_limits(enforced, recorded).empty() && recorded.memory && l.memory && page > 0 &&
        *l.memory == *recorded.memory / page * page)
      l.memory = recorded.memory;
    std::vector<std::string> in_force;
    if (l.memory) in_force.push_back(fmt::format("memoryuse:deny={}", *l.memory));
    if (l.processes) in_force.push_back(fmt::format("maxproc:deny={}", *l.processes));
    if (l.cpu_percent) in_force.push_back(fmt::format("pcpu:deny={}", *l.cpu_percent));
    for (const auto& rule : rules->values)
      if (!linux_cgroup::unenforceable(rule).empty()) in_force.push_back(rule);
    j.limits = std::move(in_force);
  }
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
    if (net_error.empty() && j.faults.empty() && !r.veth.empty() && !r.addresses.empty())
      j.link_addresses = jail_link_addresses(r);
    s.jails.push_back(std::move(j));
  }
  if (net_error.empty()) host_addresses(net, s);
  s.normalize();
  s.source = fmt::format("this host ({})", m_paths.runtime_dir);
  if (auto d = attach_records(s, m_paths.state_dir, m_files, m_sources); d.has_errors()) return d;
  observe_limits(s);
  add_unrecorded_dead(dead, s);
  return s;
}

}  // namespace jailplan
