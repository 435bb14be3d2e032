#pragma once
/// A Linux jail's link (FreeBSD's epair analog): a veth pair, `jp<init
/// pid>` on the host and eth0 in the jail. The jail's addresses are host
/// addresses (/32, /128) on eth0 with a default route through the host
/// end, which holds the gateway and a host route to each jail address.

#include <optional>
#include <string>
#include <vector>

#include "executor/linux/netlink.hpp"

namespace jailplan::linux_jail {

struct Runtime;

/// The host end's address: the first address of the jail address's /24
/// (IPv4) or fe80::1 (IPv6), unless the jail itself holds it. nullopt when
/// the jail has no address of `family` (AF_INET or AF_INET6).
std::optional<linux_net::IpAddress> gateway_for(const std::vector<linux_net::IpAddress>& addresses,
                                                int family);

/// The host end `r.veth`: up, holding the gateways, with a host route to
/// each of `r.addresses` whose family has a gateway.
std::string host_side(linux_net::Netlink& nl, const Runtime& r,
                      const std::optional<linux_net::IpAddress>& gw4,
                      const std::optional<linux_net::IpAddress>& gw6);

/// In the jail's network namespace: lo up; unless `vnet` or no addresses,
/// eth0 up with `addresses` and a default route per family through its
/// gateway (when given).
std::string configure_jail_end(bool vnet, const std::vector<linux_net::IpAddress>& addresses,
                               const std::optional<linux_net::IpAddress>& gw4,
                               const std::optional<linux_net::IpAddress>& gw6);

/// In the jail's network namespace: eth0 gets `addresses`, loses those of
/// `old` that are not among them, and routes through the gateways given.
std::string change_jail_end(const std::vector<linux_net::IpAddress>& addresses,
                            const std::vector<linux_net::IpAddress>& old,
                            const std::optional<linux_net::IpAddress>& gw4,
                            const std::optional<linux_net::IpAddress>& gw6);

}  // namespace jailplan::linux_jail
