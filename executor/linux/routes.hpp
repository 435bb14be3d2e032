#pragma once
/// Reading the host's network state with rtnetlink dumps: its links,
/// addresses and routes (the main table). The observer uses them to find
/// the host's own addresses and to check that each jail's link is up and
/// routes its addresses (netlink.hpp makes changes; this only reads).

#include <string>
#include <vector>

namespace jailplan::linux_net {

struct HostLink {
  int index = 0;
  std::string name;
  bool up = false;  ///< IFF_UP
};

struct HostAddr {
  int index = 0;     ///< the link's
  int family = 0;    ///< AF_INET or AF_INET6
  std::string text;  ///< canonical, without prefix
};

struct HostRoute {
  int family = 0;
  std::string destination;  ///< canonical, "" for a default route
  int prefix = 0;
  int out_index = 0;    ///< RTA_OIF, 0 when none
  std::string gateway;  ///< RTA_GATEWAY (the next hop), canonical, "" when none
};

struct HostNetwork {
  std::vector<HostLink> links;
  std::vector<HostAddr> addresses;
  std::vector<HostRoute> routes;  ///< unicast routes of the main table

  const HostLink* link(const std::string& name) const;
  const HostLink* link(int index) const;
};

/// The calling thread's network namespace, read in three dumps; "" in
/// `error` when all three worked.
HostNetwork read_host_network(std::string& error);

}  // namespace jailplan::linux_net
