#include "executor/linux/routes.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include <fmt/format.h>

namespace jailplan::linux_net {

namespace {

std::string address_text(int family, const void* data) {
  char out[INET6_ADDRSTRLEN] = {};
  return ::inet_ntop(family, data, out, sizeof out) != nullptr ? std::string(out) : std::string();
}

/// One dump request of `type` with `header` (the family message) and a
/// callback per answer; "" or why it failed.
std::string dump(int fd, std::uint16_t type, const void* header, std::size_t header_len,
                 const std::function<void(const nlmsghdr*)>& each) {
  struct {
    nlmsghdr nh;
    char body[64];
  } req{};
  req.nh.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(header_len));
  req.nh.nlmsg_type = type;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = type;
  std::memcpy(req.body, header, header_len);
  if (::send(fd, &req, req.nh.nlmsg_len, 0) < 0)
    return fmt::format("cannot ask the kernel: {}", std::strerror(errno));
  std::vector<char> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fmt::format("cannot read the kernel's answer: {}", std::strerror(errno));
    }
    auto left = static_cast<unsigned int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) return {};
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        return fmt::format("the kernel refused a dump: {}", std::strerror(-e->error));
      }
      each(h);
    }
  }
}

void read_link(const nlmsghdr* h, HostNetwork& net) {
  if (h->nlmsg_type != RTM_NEWLINK) return;
  const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
  HostLink l{ifi->ifi_index, {}, (ifi->ifi_flags & IFF_UP) != 0};
  auto len = static_cast<unsigned int>(IFLA_PAYLOAD(h));
  for (const auto* a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
    if (a->rta_type == IFLA_IFNAME) l.name = static_cast<const char*>(RTA_DATA(a));
  net.links.push_back(std::move(l));
}

void read_address(const nlmsghdr* h, HostNetwork& net) {
  if (h->nlmsg_type != RTM_NEWADDR) return;
  const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
  auto len = static_cast<unsigned int>(IFA_PAYLOAD(h));
  std::string local, address;
  for (const auto* a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == IFA_LOCAL) local = address_text(ifa->ifa_family, RTA_DATA(a));
    if (a->rta_type == IFA_ADDRESS) address = address_text(ifa->ifa_family, RTA_DATA(a));
  }
  // IFA_LOCAL is the interface's own address (on a point-to-point link,
  // IFA_ADDRESS is the peer's)
  const std::string text = local.empty() ? address : local;
  if (!text.empty()) net.addresses.push_back({static_cast<int>(ifa->ifa_index), ifa->ifa_family, text});
}

void read_route(const nlmsghdr* h, HostNetwork& net) {
  if (h->nlmsg_type != RTM_NEWROUTE) return;
  const auto* rt = static_cast<const rtmsg*>(NLMSG_DATA(h));
  if (rt->rtm_type != RTN_UNICAST) return;
  HostRoute r{rt->rtm_family, {}, rt->rtm_dst_len, 0, {}};
  std::uint32_t table = rt->rtm_table;
  auto len = static_cast<unsigned int>(RTM_PAYLOAD(h));
  for (const auto* a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == RTA_DST) r.destination = address_text(rt->rtm_family, RTA_DATA(a));
    if (a->rta_type == RTA_OIF) r.out_index = *static_cast<const int*>(RTA_DATA(a));
    if (a->rta_type == RTA_GATEWAY) r.gateway = address_text(rt->rtm_family, RTA_DATA(a));
    if (a->rta_type == RTA_TABLE) table = *static_cast<const std::uint32_t*>(RTA_DATA(a));
  }
  if (table == RT_TABLE_MAIN) net.routes.push_back(std::move(r));
}

}  // namespace

const HostLink* HostNetwork::link(const std::string& name) const {
  for (const auto& l : links)
    if (l.name == name) return &l;
  return nullptr;
}

const HostLink* HostNetwork::link(int index) const {
  for (const auto& l : links)
    if (l.index == index) return &l;
  return nullptr;
}

HostNetwork read_host_network(std::string& error) {
  HostNetwork net;
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    error = fmt::format("cannot open a netlink socket: {}", std::strerror(errno));
    return net;
  }
  // the links' names, indexes and state only: no statistics (most of a
  // link's answer, and most of the dump's time at a few dozen jails)
  struct {
    ifinfomsg ifi;
    rtattr mask_attr;
    std::uint32_t mask;
  } link_req{};
  link_req.mask_attr.rta_type = IFLA_EXT_MASK;
  link_req.mask_attr.rta_len = RTA_LENGTH(sizeof link_req.mask);
  link_req.mask = RTEXT_FILTER_SKIP_STATS;
  ifaddrmsg addr_req{};
  addr_req.ifa_family = AF_UNSPEC;
  rtmsg route_req{};
  route_req.rtm_family = AF_UNSPEC;
  error = dump(fd, RTM_GETLINK, &link_req, sizeof link_req, [&](const nlmsghdr* h) { read_link(h, net); });
  if (error.empty())
    error =
        dump(fd, RTM_GETADDR, &addr_req, sizeof addr_req, [&](const nlmsghdr* h) { read_address(h, net); });
  if (error.empty())
    error =
        dump(fd, RTM_GETROUTE, &route_req, sizeof route_req, [&](const nlmsghdr* h) { read_route(h, net); });
  ::close(fd);
  return net;
}

}  // namespace jailplan::linux_net
