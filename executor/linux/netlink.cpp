#include "executor/linux/netlink.hpp"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace jailplan::linux_net {

std::size_t IpAddress::size() const {
  return family == AF_INET ? 4 : 16;
}

std::string IpAddress::text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

bool parse_ip(const std::string& text, IpAddress& out) {
  const auto slash = text.find('/');
  const std::string addr = text.substr(0, slash);
  out = IpAddress{};
  if (::inet_pton(AF_INET, addr.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET;
    out.prefix = 32;
  } else if (::inet_pton(AF_INET6, addr.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET6;
    out.prefix = 128;
  } else {
    return false;
  }
  if (slash != std::string::npos) {
    char* end = nullptr;
    const long p = std::strtol(text.c_str() + slash + 1, &end, 10);
    if (end == text.c_str() + slash + 1 || *end != '\0' || p < 0 || p > out.prefix) return false;
    out.prefix = static_cast<int>(p);
  }
  return true;
}

namespace {

/// One rtnetlink request under construction: header, fixed part, attributes.
class Message {
 public:
  Message(std::uint16_t type, std::uint16_t flags) {
    m_buf.resize(NLMSG_HDRLEN);
    header().nlmsg_type = type;
    header().nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  }
  template <class T>
  T& fixed() {
    const std::size_t at = m_buf.size();
    m_buf.resize(at + NLMSG_ALIGN(sizeof(T)));
    return *reinterpret_cast<T*>(m_buf.data() + at);
  }
  void attr(std::uint16_t type, const void* data, std::size_t len) {
    const std::size_t at = m_buf.size();
    m_buf.resize(at + RTA_ALIGN(RTA_LENGTH(len)));
    auto* rta = reinterpret_cast<rtattr*>(m_buf.data() + at);
    rta->rta_type = type;
    rta->rta_len = static_cast<std::uint16_t>(RTA_LENGTH(len));
    if (len != 0) std::memcpy(RTA_DATA(rta), data, len);
  }
  void attr(std::uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  void attr_u32(std::uint16_t type, std::uint32_t v) { attr(type, &v, sizeof v); }
  /// Opens a nested attribute; close it with end(offset).
  std::size_t begin(std::uint16_t type) {
    const std::size_t at = m_buf.size();
    attr(type, nullptr, 0);
    return at;
  }
  void end(std::size_t at) {
    reinterpret_cast<rtattr*>(m_buf.data() + at)->rta_len = static_cast<std::uint16_t>(m_buf.size() - at);
  }
  nlmsghdr& header() { return *reinterpret_cast<nlmsghdr*>(m_buf.data()); }
  void* finish() {
    header().nlmsg_len = static_cast<std::uint32_t>(m_buf.size());
    return m_buf.data();
  }
  std::size_t size() const { return m_buf.size(); }

 private:
  std::vector<char> m_buf;  // nlmsghdr is 4-aligned; vector storage is malloc-aligned
};

int index_of(const std::string& name) {
  return static_cast<int>(::if_nametoindex(name.c_str()));
}

}  // namespace

Netlink::Netlink() {
  m_fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (m_fd < 0) m_error = fmt::format("cannot open a netlink socket: {}", std::strerror(errno));
}

Netlink::~Netlink() {
  if (m_fd >= 0) ::close(m_fd);
}

std::string Netlink::request(void* msg, std::size_t len, const char* what) {
  if (m_fd < 0) return m_error;
  auto* h = static_cast<nlmsghdr*>(msg);
  h->nlmsg_seq = ++m_seq;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(m_fd, msg, len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return fmt::format("{}: netlink send: {}", what, std::strerror(errno));
  alignas(nlmsghdr) char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fmt::format("{}: netlink receive: {}", what, std::strerror(errno));
    }
    auto left = static_cast<unsigned>(n);
    for (auto* r = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(r, left); r = NLMSG_NEXT(r, left)) {
      if (r->nlmsg_seq != m_seq || r->nlmsg_type != NLMSG_ERROR) continue;
      const int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(r))->error;
      return err == 0 ? std::string() : fmt::format("{}: {}", what, std::strerror(err));
    }
  }
}

std::string Netlink::create_veth(const std::string& host, const std::string& peer, int netns_fd) {
  Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.fixed<ifinfomsg>().ifi_family = AF_UNSPEC;
  m.attr(IFLA_IFNAME, host);
  const auto info = m.begin(IFLA_LINKINFO);
  m.attr(IFLA_INFO_KIND, std::string("veth"));
  const auto data = m.begin(IFLA_INFO_DATA);
  const auto p = m.begin(VETH_INFO_PEER);
  m.fixed<ifinfomsg>().ifi_family = AF_UNSPEC;
  m.attr(IFLA_IFNAME, peer);
  m.attr_u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(netns_fd));
  m.end(p);
  m.end(data);
  m.end(info);
  const std::size_t len = m.size();
  return request(m.finish(), len, fmt::format("create veth pair {}", host).c_str());
}

std::string Netlink::link_up(const std::string& name) {
  const int index = index_of(name);
  if (index == 0) return fmt::format("set {} up: no such interface", name);
  Message m(RTM_NEWLINK, 0);
  auto& ifi = m.fixed<ifinfomsg>();
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  const std::size_t len = m.size();
  return request(m.finish(), len, fmt::format("set {} up", name).c_str());
}

std::string Netlink::delete_link(const std::string& name) {
  const int index = index_of(name);
  if (index == 0) return {};  // already gone (its namespace took it)
  Message m(RTM_DELLINK, 0);
  auto& ifi = m.fixed<ifinfomsg>();
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  const std::size_t len = m.size();
  std::string err = request(m.finish(), len, fmt::format("delete interface {}", name).c_str());
  return err.find("No such device") != std::string::npos ? std::string() : err;
}

std::string Netlink::move_link(const std::string& name, int netns_fd) {
  const int index = index_of(name);
  if (index == 0) return fmt::format("move {} into the jail: no such interface", name);
  Message m(RTM_NEWLINK, 0);
  auto& ifi = m.fixed<ifinfomsg>();
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  m.attr_u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(netns_fd));
  const std::size_t len = m.size();
  return request(m.finish(), len, fmt::format("move {} into the jail", name).c_str());
}

namespace {

Message address_message(std::uint16_t type, std::uint16_t flags, int index, const IpAddress& a) {
  Message m(type, flags);
  auto& ifa = m.fixed<ifaddrmsg>();
  ifa.ifa_family = static_cast<std::uint8_t>(a.family);
  ifa.ifa_prefixlen = static_cast<std::uint8_t>(a.prefix);
  ifa.ifa_index = static_cast<std::uint32_t>(index);
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  m.attr(IFA_LOCAL, a.bytes.data(), a.size());
  m.attr(IFA_ADDRESS, a.bytes.data(), a.size());
  if (a.family == AF_INET6) m.attr_u32(IFA_FLAGS, IFA_F_NODAD);  // usable at once
  return m;
}

}  // namespace

std::string Netlink::add_address(const std::string& link, const IpAddress& a) {
  const int index = index_of(link);
  if (index == 0) return fmt::format("add {} to {}: no such interface", a.text(), link);
  Message m = address_message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, index, a);
  const std::size_t len = m.size();
  return request(m.finish(), len, fmt::format("add {}/{} to {}", a.text(), a.prefix, link).c_str());
}

std::string Netlink::delete_address(const std::string& link, const IpAddress& a) {
  const int index = index_of(link);
  if (index == 0) return {};
  Message m = address_message(RTM_DELADDR, 0, index, a);
  const std::size_t len = m.size();
  std::string err = request(m.finish(), len, fmt::format("remove {} from {}", a.text(), link).c_str());
  return err.find("Cannot assign requested address") != std::string::npos ? std::string() : err;
}

std::string Netlink::add_route(const std::string& link, const IpAddress& dst, const IpAddress* gateway,
                               const IpAddress* src) {
  const int index = index_of(link);
  if (index == 0) return fmt::format("add a route to {}: no such interface {}", dst.text(), link);
  Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
  auto& rt = m.fixed<rtmsg>();
  rt.rtm_family = static_cast<std::uint8_t>(dst.family);
  rt.rtm_dst_len = static_cast<std::uint8_t>(dst.prefix);
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_protocol = RTPROT_STATIC;
  rt.rtm_scope = gateway != nullptr ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rt.rtm_type = RTN_UNICAST;
  if (gateway != nullptr) rt.rtm_flags = RTNH_F_ONLINK;
  if (dst.prefix != 0) m.attr(RTA_DST, dst.bytes.data(), dst.size());
  if (gateway != nullptr) m.attr(RTA_GATEWAY, gateway->bytes.data(), gateway->size());
  if (src != nullptr) m.attr(RTA_PREFSRC, src->bytes.data(), src->size());
  m.attr_u32(RTA_OIF, static_cast<std::uint32_t>(index));
  const std::size_t len = m.size();
  return request(m.finish(), len,
                 fmt::format("add a route to {}/{} via {}", dst.text(), dst.prefix, link).c_str());
}

}  // namespace jailplan::linux_net
