#pragma once
/// Site policy for `validate --policy FILE`: rules a configuration must
/// keep beyond what jail(8) accepts ("no allow.raw_sockets", "securelevel
/// at least 2", "every jail sets a memory limit"). Written in YAML
/// (docs/policy.md); every violation is located at the parameter that
/// breaks the rule, or at the jail that lacks it.

#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "base/result.hpp"
#include "base/source.hpp"
#include "compiler/model.hpp"

namespace jailplan {

struct PolicyRule {
  std::string id;     ///< `id:`, else "rule N"
  std::string param;  ///< canonical parameter name
  enum class Kind : std::uint8_t { deny, require, min, max } kind = Kind::deny;
  std::string value;        ///< deny: the forbidden value ("" = any); require: a glob one value must match
  std::int64_t bound = 0;   ///< min / max
  std::string jails = "*";  ///< which jails (glob on the name)
  std::string why;          ///< shown with each violation
  Location location;        ///< the rule in the policy file
};

struct Policy {
  std::vector<PolicyRule> rules;
};

Result<Policy> parse_policy(const SourceFile& file);

/// One error per violation, code "policy".
Diagnostics check_policy(const Policy& policy, const DesiredState& desired);

}  // namespace jailplan
