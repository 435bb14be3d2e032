#pragma once
/// The typed desired state: each jail with its parameters checked and
/// converted to typed values, every one keeping the Location that set it.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/source.hpp"
#include "compiler/param_catalog.hpp"

namespace jailplan {

/// One `ip4.addr` / `ip6.addr` entry: `[iface|]addr[/mask-or-prefix][ extra…]`.
/// The text fields are views of the entry as written (parse_ip_entry's
/// input), which must outlive the entry: in the typed model, the resolved
/// value.
struct IpEntry {
  std::string_view raw;
  std::string_view interface;      ///< before '|', else empty
  std::string_view address;        ///< what the kernel receives
  int prefix = -1;                 ///< `/N`, -1 when absent
  std::string_view netmask;        ///< `/a.b.c.d` form
  std::vector<std::string> extra;  ///< words after the first space (ifconfig arguments)
  Location location;               ///< the value it was written in

  bool operator==(const IpEntry&) const = default;
};

/// A list parameter's values, which are the resolved strings themselves
/// (held by the compilation's arena, not copied).
struct StringList {
  std::span<const std::string_view> values;
  bool operator==(const StringList& o) const { return std::ranges::equal(values, o.values); }
};

/// An address parameter's entries, held by the DesiredState (a vector in
/// the variant would make every typed parameter a third larger).
struct IpList {
  const std::vector<IpEntry>* entries = nullptr;
  bool operator==(const IpList& o) const { return *entries == *o.entries; }
};

using TypedValue = std::variant<std::monostate,    // not typed (error)
                                bool,              // boolean
                                std::int64_t,      // integers
                                std::string_view,  // strings, paths (the resolved value), jailsys words
                                StringList,        // lists
                                IpList>;           // ip4[] / ip6[]

struct ResolvedParam;

/// A typed parameter. It points at the resolved parameter it came from
/// (owned by the same Compilation) instead of copying its strings: at
/// 10,000 jails the copies were most of the front end's memory.
///
/// 40 bytes: at 10,000 jails there are 170,000 of them.
struct TypedParam {
  /// The catalog entry. A member of a dynamic family (allow.mount.<fs>,
  /// meta.<key>) gets an entry of its own under its canonical name, held
  /// by the compilation, so the name is always the entry's.
  const ParamInfo* info = nullptr;
  const ResolvedParam* source = nullptr;
  TypedValue value;

  std::string_view name() const { return info->name; }  ///< canonical, e.g. "mount.devfs"

  std::string_view spelled() const;               ///< as jail(8) stored it, e.g. "mount.nodevfs"
  std::span<const std::string_view> raw() const;  ///< the resolved strings
  Location location() const;                      ///< the statement that set it
  Location value_location(std::size_t i) const;   ///< the word of value i
};

struct JailSpec {
  std::string name;         ///< the kernel name (the `name` parameter)
  std::string record_name;  ///< the block name as written (may be numeric)
  std::optional<std::int64_t> jid;
  Location location;
  bool failed = false;  ///< resolution or type errors for this jail
  std::vector<TypedParam> params;
  /// `$jailplan_owner` as this jail sees it ("" when not set): not a
  /// parameter, the configuration's identity in jailplan's records.
  std::string owner;
  Location owner_location;

  const TypedParam* find(std::string_view canonical) const;
  /// The boolean value, or `fallback` when absent or untyped.
  bool flag(std::string_view canonical, bool fallback = false) const;
  /// The last string value, or nullptr.
  const std::string_view* text(std::string_view canonical) const;
  const std::vector<IpEntry>* addresses(std::string_view canonical) const;
  const std::span<const std::string_view>* list(std::string_view canonical) const;
};

struct DesiredState {
  std::vector<JailSpec> jails;
  /// The entries of every address parameter (IpList points here).
  std::deque<std::vector<IpEntry>> address_lists;
  /// The configuration's identity in jailplan's records: its declared
  /// `$jailplan_owner`, else (set by whoever read the file) its canonical
  /// absolute path. Every jail it applies is recorded as owned by it.
  std::string owner;
  Location owner_location;  ///< the `$jailplan_owner` statement (invalid: none)
  const JailSpec* find(std::string_view name) const;
};

}  // namespace jailplan
