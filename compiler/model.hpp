#pragma once
/// The typed desired state: each jail with its parameters checked and
/// converted to typed values, every one keeping the Location that set it.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/param_catalog.hpp"
#include "grammar/source.hpp"

namespace jailplan {

/// One `ip4.addr` / `ip6.addr` entry: `[iface|]addr[/mask-or-prefix][ extra…]`.
struct IpEntry {
  std::string raw;
  std::string interface;  ///< before '|', else empty
  std::string address;    ///< what the kernel receives
  int prefix = -1;        ///< `/N`, -1 when absent
  std::string netmask;    ///< `/a.b.c.d` form
  std::vector<std::string> extra;  ///< words after the first space (ifconfig arguments)
  Location location;               ///< the value it was written in

  bool operator==(const IpEntry&) const = default;
};

using TypedValue = std::variant<std::monostate,            // not typed (error)
                                bool,                      // boolean
                                std::int64_t,              // integers
                                std::string,               // strings, paths, jailsys
                                std::vector<std::string>,  // lists
                                std::vector<IpEntry>>;     // ip4[] / ip6[]

struct TypedParam {
  std::string name;     ///< catalog (canonical) name, e.g. "mount.devfs"
  std::string spelled;  ///< as jail(8) stored it, e.g. "mount.nodevfs"
  const ParamInfo* info = nullptr;
  std::vector<std::string> raw;  ///< the resolved strings
  TypedValue value;
  Location location;
  std::vector<Location> value_locations;
};

struct JailSpec {
  std::string name;         ///< the kernel name (the `name` parameter)
  std::string record_name;  ///< the block name as written (may be numeric)
  std::optional<std::int64_t> jid;
  Location location;
  bool failed = false;  ///< resolution or type errors for this jail
  std::vector<TypedParam> params;

  const TypedParam* find(std::string_view canonical) const;
  /// The boolean value, or `fallback` when absent or untyped.
  bool flag(std::string_view canonical, bool fallback = false) const;
  /// The last string value, or nullptr.
  const std::string* text(std::string_view canonical) const;
  const std::vector<IpEntry>* addresses(std::string_view canonical) const;
  const std::vector<std::string>* list(std::string_view canonical) const;
};

struct DesiredState {
  std::vector<JailSpec> jails;
  const JailSpec* find(std::string_view name) const;
};

}  // namespace jailplan
