#pragma once
/// Building each jail's parameter list exactly as jail(8)'s load_config and
/// add_param do (jail-semantics §2.3–§2.5): identity, wildcards above, own
/// parameters, wildcards below; `no`-prefix equivalence; in-place replace;
/// `+=`; late-binding variable substitution with the reorder rule.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/records.hpp"
#include "grammar/arena.hpp"
#include "grammar/diagnostic.hpp"

namespace jailplan {

/// One parameter of one jail after resolution. It lives in its
/// Resolution's arena and holds views into it; a parameter that a wildcard
/// gives many jails unchanged is one object they all point at.
struct ResolvedParam {
  ResolvedParam(std::string_view name, std::span<const std::string_view> values, const Location* locations,
                Location location, bool fixed)
      : value_locations(locations),
        m_name(name.data()),
        m_values(values.data()),
        m_file(location.file),
        m_name_size(static_cast<std::uint32_t>(name.size())),
        m_count(static_cast<std::uint32_t>(values.size())),
        m_offset(location.offset),
        immutable(fixed) {}

  std::string_view name() const { return {m_name, m_name_size}; }  ///< the stored (latest) spelling
  std::span<const std::string_view> values() const { return {m_values, m_count}; }  ///< after substitution
  Location location() const { return {m_file, m_offset}; }  ///< the statement that last set it

  const Location* value_locations = nullptr;  ///< the word each value came from (values().size() of them)

 private:
  // 48 bytes, packed by hand (a span and a Location as members made it
  // 64): a 10,000-jail site resolves to ~110,000 of them
  const char* m_name;
  const std::string_view* m_values;
  const SourceFile* m_file;
  std::uint32_t m_name_size;
  std::uint32_t m_count;
  std::uint32_t m_offset;

 public:
  bool immutable = false;
};

struct ResolvedJail {
  std::string name;  ///< the record name (full dotted name, or digits)
  Location location;
  bool failed = false;  ///< resolution reported an error for this jail
  std::span<const ResolvedParam* const> params;
  /// jailplan's own settings, from reserved variables that jail(8) ignores
  /// (`$jailplan_rctl` → `jailplan.rctl`); not part of jail(8)'s view.
  std::span<const ResolvedParam* const> reserved;

  const ResolvedParam* find(std::string_view exact) const;
};

struct Resolution {
  std::vector<ResolvedJail> jails;  ///< non-wildcard records, in record order
  Diagnostics diagnostics;
  Arena arena;  ///< owns every ResolvedParam and resolved string
};

/// jail(8)'s `equalopts`: equal, or equal once a leading "no" is removed
/// from one dot-component of either name (all components before it equal).
bool equal_options(std::string_view a, std::string_view b);

/// jail(8)'s own parameter names (its intparams table): a variable may not
/// share a name with one of these.
bool is_jail8_known_name(std::string_view name);

/// Resolves every jail. `resolved(i)` is called once jail record i is
/// done: nothing reads that record's own statements again.
Resolution resolve(const std::vector<Record>& records,
                   const std::function<void(std::size_t record)>& resolved = {});

}  // namespace jailplan
