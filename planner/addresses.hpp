#pragma once
/// Addresses shared by accident, found at plan time. Two jails on one
/// network stack that declare the same address, or a declared jail and a
/// jail already running on the host (from another configuration), or a
/// jail and the host itself: one of them is unreachable, so plan refuses,
/// naming both owners.
///
/// FreeBSD's kernel (kern_jail.c, kern_jail_set: "IPv4 addresses clash")
/// lets two jails share an address only when each has exactly that one
/// address of the family; jails with a vnet of their own share nothing.
/// The Linux backend routes each address to one jail's link: it shares
/// nothing (docs/linux-backend.md).

#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "compiler/model.hpp"
#include "planner/observed.hpp"

namespace jailplan {

/// How a backend lets jails share an address.
enum class AddressSharing : std::uint8_t {
  single_only,  ///< FreeBSD: only between jails with one address of the family each
  never,        ///< Linux: each address is routed to one jail
};

/// An address the host itself holds or uses, and what it is there.
struct HostAddress {
  std::string address;     ///< canonical text
  std::string is;          ///< what it is, a phrase: "the host's own (on interface eth0)"
  std::string owner;       ///< a jail whose link holds it (its gateway), "" when none or unknown
  bool jail_link = false;  ///< on a jail's link (a gateway jails of one /24 share)
};

/// Errors, located at the declared address, for every address two owners
/// would both have: declared jails among themselves, declared jails and
/// running jails the configuration does not declare (`observed`), and
/// declared jails and `host` addresses. As in the kernel, a child jail
/// (`a.b`) is no exception: with more than one address, it clashes with
/// its parent too.
Diagnostics check_address_clashes(const DesiredState& desired, const ObservedState& observed,
                                  AddressSharing sharing, const std::vector<HostAddress>& host = {});

/// `text` (an address as written, or as a kernel reports it) in canonical
/// form ("" when it is not an IPv4 or IPv6 address).
std::string canonical_address(std::string_view text);

}  // namespace jailplan
