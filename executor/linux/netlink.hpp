#pragma once
/// Just enough rtnetlink for the Linux backend: veth pairs, links up and
/// across namespaces, addresses and routes. Each call is one request with an
/// acknowledgement; errors are sentences with the kernel's errno text.

#include <array>
#include <cstdint>
#include <string>

namespace jailplan::linux_net {

/// An IPv4 or IPv6 address in network byte order.
struct IpAddress {
  int family = 0;  ///< AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};
  int prefix = 0;  ///< mask length; 32 / 128 when none was given

  std::size_t size() const;  ///< 4 or 16 bytes
  std::string text() const;  ///< without the prefix
  bool operator==(const IpAddress&) const = default;
};

/// Parses `addr` or `addr/len` (a jail.conf address without its `iface|`).
bool parse_ip(const std::string& text, IpAddress& out);

/// One rtnetlink socket in the calling thread's network namespace.
class Netlink {
 public:
  Netlink();
  ~Netlink();
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  /// "" when the socket opened, else why not.
  const std::string& error() const { return m_error; }

  /// A veth pair: `host` here, `peer` created directly inside the network
  /// namespace `netns_fd` (an open /proc/PID/ns/net).
  std::string create_veth(const std::string& host, const std::string& peer, int netns_fd);
  std::string link_up(const std::string& name);
  std::string delete_link(const std::string& name);
  /// Moves an interface into another network namespace (vnet.interface).
  std::string move_link(const std::string& name, int netns_fd);
  std::string add_address(const std::string& link, const IpAddress& a);
  std::string delete_address(const std::string& link, const IpAddress& a);
  /// A route to `dst` through `link`, via `gateway` (onlink) when it is set,
  /// preferring source `src` when it is set.
  std::string add_route(const std::string& link, const IpAddress& dst, const IpAddress* gateway,
                        const IpAddress* src);

 private:
  std::string request(void* msg, std::size_t len, const char* what);
  int m_fd = -1;
  std::uint32_t m_seq = 0;
  std::string m_error;
};

}  // namespace jailplan::linux_net
