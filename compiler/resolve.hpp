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

#include "base/arena.hpp"
#include "base/diagnostic.hpp"
#include "compiler/records.hpp"

namespace jailplan {

/// One parameter of one jail after resolution. It lives in its
/// Resolution's arena and holds views into it; a parameter that a wildcard
/// gives many jails unchanged is one object they all point at.
struct ResolvedParam {
  /// `value_offsets` has one offset per value: the word it came from. When
  /// `mixed`, a file pointer per value follows them (aligned); otherwise
  /// every word is in `location`'s file. Built by the resolver only.
  ResolvedParam(std::string_view name, std::span<const std::string_view> values,
                const std::uint32_t* value_offsets, bool mixed, Location location, bool fixed)
      : m_name(name.data()),
        m_values(values.data()),
        m_value_offsets(value_offsets),
        m_file(location.file),
        m_name_size(static_cast<std::uint32_t>(name.size())),
        m_count(static_cast<std::uint32_t>(values.size())),
        m_offset(location.offset),
        immutable(fixed),
        m_mixed(mixed) {}

  std::string_view name() const { return {m_name, m_name_size}; }  ///< the stored (latest) spelling
  std::span<const std::string_view> values() const { return {m_values, m_count}; }  ///< after substitution
  Location location() const { return {m_file, m_offset}; }  ///< the statement that last set it
  /// The word value `i` came from; the statement when it has no position.
  Location value_location(std::size_t i) const {
    if (i >= m_count) return location();
    const Location at{m_mixed ? files_after(m_value_offsets, m_count)[i] : m_file, m_value_offsets[i]};
    return at.valid() ? at : location();
  }

  /// Where the files of a mixed parameter's values start, after `count` offsets.
  static const SourceFile* const* files_after(const std::uint32_t* offsets, std::size_t count) {
    const auto end = reinterpret_cast<std::uintptr_t>(offsets + count);
    const auto align = alignof(const SourceFile*);
    return reinterpret_cast<const SourceFile* const*>((end + align - 1) & ~(align - 1));
  }

 private:
  // 48 bytes, packed by hand (a span and Locations made it 64, and 16 more
  // per value): a 10,000-jail site resolves to ~110,000 of them
  const char* m_name;
  const std::string_view* m_values;
  const std::uint32_t* m_value_offsets;
  const SourceFile* m_file;
  std::uint32_t m_name_size;
  std::uint32_t m_count;
  std::uint32_t m_offset;

 public:
  bool immutable = false;

 private:
  bool m_mixed = false;
};

struct ResolvedJail {
  std::string name;  ///< the record name (full dotted name, or digits)
  Location location;
  bool failed = false;  ///< resolution reported an error for this jail
  std::span<const ResolvedParam* const> params;
  /// jailplan's own settings, from reserved variables that jail(8) ignores
  /// (`$jailplan_rctl` → `jailplan.rctl`, `$jailplan_owner` →
  /// `jailplan.owner`); not part of jail(8)'s view.
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

/// Resolves every jail. `resolved(i)` is called once jail record i is
/// done: nothing reads that record's own statements again.
Resolution resolve(const std::vector<Record>& records,
                   const std::function<void(std::size_t record)>& resolved = {});

}  // namespace jailplan
