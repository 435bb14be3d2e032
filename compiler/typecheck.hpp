#pragma once
/// Converting resolved strings into typed values as libjail and jail(8) do
/// (jail-semantics §2.4, §3.5). One diagnostic per bad value.

#include <memory>

#include "base/diagnostic.hpp"
#include "compiler/model.hpp"
#include "compiler/resolve.hpp"

namespace jailplan {

/// Types one resolved jail after another into the typed model. Catalog
/// entries of dynamic-family members go into `names` (the resolution's
/// arena: the typed model lives no longer than it); address entries into
/// `addresses` (the DesiredState's).
class TypeChecker {
 public:
  TypeChecker(Diagnostics& diags, Arena& names, std::deque<std::vector<IpEntry>>& addresses);
  ~TypeChecker();
  TypeChecker(const TypeChecker&) = delete;
  TypeChecker& operator=(const TypeChecker&) = delete;

  JailSpec check(const ResolvedJail& jail);

 private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Parses one address entry; returns an error message, or "" when valid.
std::string parse_ip_entry(std::string_view raw, bool v6, IpEntry& out);

/// An rctl(8) rule without its subject (`memoryuse:deny=512M`): "" when it
/// is one, else why not.
std::string check_rctl_rule(std::string_view rule);
/// An rctl amount (`512M`, `100`) in units, or -1.
std::int64_t rctl_amount(std::string_view amount);

/// jail(8)'s boolean spellings: true/false (any case) or an integer.
std::optional<bool> parse_bool(std::string_view v);
/// A jailsys value as disable/new/inherit: those words in any case, 0/1/2,
/// or empty (= new).
std::optional<std::string_view> parse_jailsys(std::string_view v);
/// Whole-string base-10 integer with optional blanks and sign, as strtol.
std::optional<std::int64_t> parse_int(std::string_view v);

}  // namespace jailplan
