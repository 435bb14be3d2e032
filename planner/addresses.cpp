#include "planner/addresses.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace jailplan {

namespace {

/// One jail's claim on an address.
struct Claim {
  std::string jail;
  std::size_t family_count = 0;    ///< addresses of this family the jail has
  const JailSpec* spec = nullptr;  ///< declared, else running only
  Location where;                  ///< the declared value, if declared
};

bool own_stack(const CanonSpec& params) {
  const CanonParam* vnet = find_param(params, "vnet");
  return vnet != nullptr && !vnet->values.empty() && vnet->values.back() == "new";
}

bool own_stack(const JailSpec& j) {
  const auto* vnet = j.text("vnet");
  return vnet != nullptr && *vnet == "new";
}

std::string owner_words(const Claim& c) {
  return c.spec != nullptr
             ? fmt::format("jail \"{}\"", c.jail)
             : fmt::format("jail \"{}\", running on this host and not in this configuration", c.jail);
}

}  // namespace

std::string canonical_address(std::string_view text) {
  std::string s(text.substr(0, text.find('/')));
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (::inet_pton(AF_INET, s.c_str(), buf) == 1) return ::inet_ntop(AF_INET, buf, out, sizeof out);
  if (::inet_pton(AF_INET6, s.c_str(), buf) == 1) return ::inet_ntop(AF_INET6, buf, out, sizeof out);
  return {};
}

Diagnostics check_address_clashes(const DesiredState& desired, const ObservedState& observed,
                                  AddressSharing sharing, const std::vector<HostAddress>& host) {
  // address → its claims, declared jails first (in file order), then the
  // running jails nobody declared
  std::map<std::string, std::vector<Claim>> claims;
  for (const auto& j : desired.jails) {
    if (j.failed || own_stack(j)) continue;
    for (const char* family : {"ip4.addr", "ip6.addr"}) {
      const auto* list = j.addresses(family);
      if (list == nullptr) continue;
      for (const auto& e : *list) {
        const std::string a = canonical_address(e.address);
        if (a.empty()) continue;
        auto& here = claims[a];
        if (std::any_of(here.begin(), here.end(), [&](const Claim& c) { return c.jail == j.name; })) continue;
        here.push_back({j.name, list->size(), &j, e.location});
      }
    }
  }
  for (const auto& o : observed.jails) {
    if (o.dying || desired.find(o.name) != nullptr || own_stack(o.params)) continue;
    for (const char* family : {"ip4.addr", "ip6.addr"}) {
      const CanonParam* p = find_param(o.params, family);
      if (p == nullptr) continue;
      for (const auto& v : p->values) {
        const std::string a = canonical_address(v);
        if (!a.empty()) claims[a].push_back({o.name, p->values.size(), nullptr, {}});
      }
    }
  }
  Diagnostics d;
  for (const auto& [address, owners] : claims) {
    for (std::size_t i = 0; i < owners.size(); ++i) {
      const Claim& mine = owners[i];
      if (mine.spec == nullptr) continue;  // reported from the declared side
      for (std::size_t k = 0; k < owners.size(); ++k) {
        const Claim& other = owners[k];
        if (k == i || (other.spec != nullptr && k < i)) continue;
        if (sharing == AddressSharing::single_only && mine.family_count == 1 && other.family_count == 1)
          continue;
        auto& e = d.error(mine.where,
                          fmt::format("address {} of jail \"{}\" is also claimed by {}", address, mine.jail,
                                      owner_words(other)),
                          "address-clash");
        e.detail = sharing == AddressSharing::never
                       ? "the Linux backend routes each address to one jail's link: the other one would be "
                         "unreachable"
                       : "FreeBSD refuses this (IPv4/IPv6 addresses clash): jails share an address only when "
                         "each has that one address alone";
        if (other.spec != nullptr)
          e.notes.push_back({fmt::format("jail \"{}\" claims it here", other.jail), other.where});
      }
      for (const auto& h : host) {
        if (h.address != address || h.owner == mine.jail) continue;
        d.error(mine.where, fmt::format("address {} of jail \"{}\" is {}", address, mine.jail, h.is),
                "address-clash")
            .detail =
            "the host answers for its own addresses and sends to its routers: the jail would be "
            "unreachable";
        break;  // one owner on the host is enough to say so
      }
    }
  }
  d.sort_by_location();
  return d;
}

}  // namespace jailplan
