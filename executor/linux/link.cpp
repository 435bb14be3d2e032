#include "executor/linux/link.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>

#include "executor/linux/runtime.hpp"
#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

using linux_net::IpAddress;
using linux_net::Netlink;

namespace {

/// A jail's address is a host address (§3), whatever its mask.
IpAddress host_address(IpAddress a) {
  a.prefix = a.family == AF_INET ? 32 : 128;
  return a;
}

/// The default route of `family` on eth0, via `gateway`.
std::string add_default_route(Netlink& nl, int family, const IpAddress& gateway) {
  const IpAddress any{family, {}, 0};
  return nl.add_route("eth0", any, &gateway, nullptr);
}

}  // namespace

std::optional<IpAddress> gateway_for(const std::vector<IpAddress>& addresses, int family) {
  std::optional<IpAddress> gw;
  for (const auto& a : addresses) {
    if (a.family != family) continue;
    IpAddress g{family, {}, family == AF_INET ? 32 : 128};
    if (family == AF_INET) {
      std::copy(a.bytes.begin(), a.bytes.begin() + 3, g.bytes.begin());
      g.bytes[3] = 1;
    } else {
      g.bytes[0] = 0xfe;
      g.bytes[1] = 0x80;
      g.bytes[15] = 1;
    }
    const bool taken = std::any_of(addresses.begin(), addresses.end(), [&](const IpAddress& x) {
      return x.family == family &&
             std::equal(x.bytes.begin(), x.bytes.begin() + static_cast<long>(x.size()), g.bytes.begin());
    });
    if (taken && family == AF_INET) g.bytes[3] = 254;
    if (taken && family == AF_INET6) g.bytes[15] = 2;
    return g;
  }
  return gw;
}

std::string host_side(Netlink& nl, const Runtime& r, const std::optional<IpAddress>& gw4,
                      const std::optional<IpAddress>& gw6) {
  // FreeBSD puts the jail's own address on every packet it sends: here
  // the host drops what arrives from the link with a source that is not
  // routed back through it (strict reverse-path filtering; the host's
  // routes to the jail's addresses are this link's only)
  const std::string rp_filter = "/proc/sys/net/ipv4/conf/" + r.veth + "/rp_filter";
  if (Fd f(::open(rp_filter.c_str(), O_WRONLY | O_CLOEXEC)); f.get() < 0 || !write_all(f.get(), "1"))
    return errno_text("cannot turn on source address validation on", r.veth);
  if (auto e = nl.link_up(r.veth); !e.empty()) return e;
  for (const auto& text : r.addresses) {
    IpAddress a;
    linux_net::parse_ip(text, a);
    a = host_address(a);
    const auto& gw = a.family == AF_INET ? gw4 : gw6;
    if (!gw) continue;
    if (auto e = nl.add_address(r.veth, *gw); !e.empty()) return e;
    if (auto e = nl.add_route(r.veth, a, nullptr, gw->family == AF_INET ? &*gw : nullptr); !e.empty())
      return e;
  }
  return {};
}

std::string configure_jail_end(bool vnet, const std::vector<IpAddress>& addresses,
                               const std::optional<IpAddress>& gw4, const std::optional<IpAddress>& gw6) {
  Netlink nl;
  if (!nl.error().empty()) return nl.error();
  if (auto e = nl.link_up("lo"); !e.empty()) return e;
  if (vnet || addresses.empty()) return {};
  if (auto e = nl.link_up("eth0"); !e.empty()) return e;
  bool v4 = false, v6 = false;
  for (const IpAddress& a : addresses) {
    if (auto e = nl.add_address("eth0", host_address(a)); !e.empty()) return e;
    (a.family == AF_INET ? v4 : v6) = true;
  }
  if (v4 && gw4)
    if (auto e = add_default_route(nl, AF_INET, *gw4); !e.empty()) return e;
  if (v6 && gw6)
    if (auto e = add_default_route(nl, AF_INET6, *gw6); !e.empty()) return e;
  return {};
}

std::string change_jail_end(const std::vector<IpAddress>& addresses, const std::vector<IpAddress>& old,
                            const std::optional<IpAddress>& gw4, const std::optional<IpAddress>& gw6) {
  auto has = [](const std::vector<IpAddress>& v, const IpAddress& a) {
    return std::any_of(v.begin(), v.end(), [&](const IpAddress& x) { return x.text() == a.text(); });
  };
  Netlink nl;
  if (!nl.error().empty()) return nl.error();
  for (const IpAddress& a : addresses)
    if (auto e = nl.add_address("eth0", host_address(a)); !e.empty()) return e;
  for (const IpAddress& a : old)
    if (!has(addresses, a))
      if (auto e = nl.delete_address("eth0", host_address(a)); !e.empty()) return e;
  if (gw4)
    if (auto e = add_default_route(nl, AF_INET, *gw4); !e.empty()) return e;
  if (gw6)
    if (auto e = add_default_route(nl, AF_INET6, *gw6); !e.empty()) return e;
  return {};
}

}  // namespace jailplan::linux_jail
