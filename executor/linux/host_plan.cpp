#include "executor/linux/host_plan.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <map>
#include <optional>

#include <fmt/format.h>

#include "executor/linux/backend.hpp"
#include "executor/linux/link.hpp"
#include "executor/linux/routes.hpp"
#include "executor/linux/runtime.hpp"
#include "planner/addresses.hpp"

namespace jailplan {

namespace {

/// A declared jail gets a link of its own (veth) unless it has a vnet or
/// shares the host's stack.
bool gets_link(const JailSpec& j) {
  const auto* vnet = j.text("vnet");
  const auto* ip4 = j.text("ip4");
  return !(vnet != nullptr && *vnet == "new") && !(ip4 != nullptr && *ip4 == "inherit");
}

/// The host end of a jail's link, by its name (`jp<init pid>`, link.hpp),
/// also one another runtime directory keeps.
bool jail_link_name(const std::string& name) {
  return name.size() > 2 && name.compare(0, 2, "jp") == 0 &&
         name.find_first_not_of("0123456789", 2) == std::string::npos;
}

/// The IPv4 gateway a declared jail's link gets (link.hpp), if any.
std::optional<std::string> gateway_of(const JailSpec& j) {
  const auto* list = j.addresses("ip4.addr");
  if (j.failed || list == nullptr || !gets_link(j)) return std::nullopt;
  std::vector<linux_net::IpAddress> mine;
  for (const auto& e : *list) {
    linux_net::IpAddress a;
    if (linux_net::parse_ip(std::string(e.address), a)) mine.push_back(a);
  }
  const auto gw = linux_jail::gateway_for(mine, AF_INET);
  return gw ? std::optional<std::string>(gw->text()) : std::nullopt;
}

/// What the host holds or uses: its interfaces' addresses (a jail's link
/// holds its gateway), its routers when live, then the IPv4 gateways the
/// declared jails' links will hold.
std::vector<HostAddress> host_addresses(const HostEnv& env, const DesiredState& desired,
                                        const ObservedState& observed, bool live) {
  std::map<std::string, std::string> link_owner;  // host end → jail
  if (live)
    for (const auto& r : linux_jail::list_runtimes(LinuxPaths::from(env).runtime_dir))
      if (!r.veth.empty()) link_owner[r.veth] = r.name;
  std::vector<HostAddress> out;
  for (const auto& a : observed.addresses) {
    const std::string address = canonical_address(a.address);
    const auto owner = link_owner.find(a.interface);
    if (owner != link_owner.end())
      out.push_back(
          {address,
           fmt::format("the gateway on jail \"{}\"'s link ({}) on the host", owner->second, a.interface),
           owner->second, true});
    else if (jail_link_name(a.interface))
      out.push_back(
          {address, fmt::format("the gateway on a jail's link ({}) on the host", a.interface), "", true});
    else
      out.push_back({address, fmt::format("the host's own (on interface {})", a.interface), "", false});
  }
  if (live) {
    std::string error;
    const auto net = linux_net::read_host_network(error);
    for (const auto& route : net.routes) {
      const auto* link = net.link(route.out_index);
      if (route.gateway.empty() || link == nullptr || jail_link_name(link->name)) continue;
      const std::string to = route.destination.empty()
                                 ? std::string("default")
                                 : fmt::format("{}/{}", route.destination, route.prefix);
      out.push_back({canonical_address(route.gateway),
                     fmt::format("the host's router (its {} route goes through it, on {})", to, link->name),
                     "", false});
    }
  }
  for (const auto& j : desired.jails)
    if (const auto gw = gateway_of(j))
      out.push_back(
          {*gw, fmt::format("the gateway jail \"{}\"'s link gets on the host", j.name), j.name, true});
  return out;
}

/// A declared jail's own link taking an address the host has or uses: its
/// gateway (.1 of its address's /24) would be a second copy on the host.
void check_gateways(const DesiredState& desired, const std::vector<HostAddress>& host, Diagnostics& d) {
  for (const auto& j : desired.jails) {
    const auto gw = gateway_of(j);
    if (!gw) continue;
    for (const auto& h : host) {
      if (h.address != *gw || h.jail_link) continue;  // jails of one /24 share their gateway
      d.error(j.addresses("ip4.addr")->front().location,
              fmt::format("jail \"{}\"'s link would hold {} as its gateway, which is {}", j.name, *gw, h.is),
              "address-clash")
          .detail =
          "the Linux backend gives a jail's link the first address of the jail's /24 (.254 when the "
          "jail has .1): choose jail addresses outside the host's own networks";
      break;
    }
  }
}

/// A jail is rooted only at a real directory (mounts.hpp): a symbolic
/// link anywhere in its path is refused when it starts, so say so now.
void check_linked_paths(const DesiredState& desired, Diagnostics& d) {
  for (const auto& j : desired.jails) {
    const std::string_view* path = j.failed ? nullptr : j.text("path");
    if (path == nullptr || path->empty() || path->front() != '/') continue;
    for (std::size_t end = path->find('/', 1);; end = path->find('/', end + 1)) {
      const std::string above(path->substr(0, end));
      struct stat st {};
      if (::lstat(above.c_str(), &st) != 0) break;  // made later, by root
      if (S_ISLNK(st.st_mode)) {
        d.error(j.find("path")->location(),
                fmt::format("jail {}: path {}: {} is a symbolic link", j.name, *path, above), "host")
            .detail =
            "the Linux backend roots a jail only at a real directory (a jail that can write into another "
            "jail's tree could otherwise re-root it): name the directory the link points to";
        break;
      }
      if (end == std::string_view::npos) break;
    }
  }
}

}  // namespace

Diagnostics linux_plan_checks(const HostEnv& env, const DesiredState& desired, const ObservedState& observed,
                              bool live) {
  const auto host = host_addresses(env, desired, observed, live);
  Diagnostics d = check_address_clashes(desired, observed, AddressSharing::never, host);
  check_gateways(desired, host, d);
  if (live) check_linked_paths(desired, d);
  d.sort_by_location();
  return d;
}

}  // namespace jailplan
