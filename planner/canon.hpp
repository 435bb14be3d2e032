#pragma once
/// Canonical parameter values: how jailplan compares desired and observed
/// parameters by meaning rather than spelling. Every value becomes a list
/// of strings: booleans "true"/"false", integers in decimal, jailsys as
/// disable/new/inherit, lists verbatim, addresses as written (records) or
/// as the kernel keeps them (kernel view).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/model.hpp"

namespace jailplan {

struct CanonParam {
  std::string name;  ///< catalog (canonical) name
  std::vector<std::string> values;
  bool operator==(const CanonParam&) const = default;
};

/// A jail's parameters in canonical form, sorted by name (one entry per name).
using CanonSpec = std::vector<CanonParam>;

/// Binary search in a sorted CanonSpec.
const CanonParam* find_param(const CanonSpec& spec, std::string_view name);
/// Sets a parameter in a sorted CanonSpec: replaces its values, or inserts
/// it in name order.
void put_param(CanonSpec& spec, CanonParam param);

/// A typed parameter's canonical values (record form: addresses as written),
/// written into `out`, reusing its strings' storage.
void typed_values_into(const TypedParam& p, std::vector<std::string>& out);
/// The same in kernel form (bare, normalized addresses; see kernel_view).
void kernel_values_into(const TypedParam& p, std::vector<std::string>& out);
/// Whether a typed parameter's canonical (record-form) values equal `values`,
/// without building them.
bool typed_equals(const TypedParam& p, const std::vector<std::string>& values);

/// kernel_view in place.
void to_kernel_form(const ParamInfo& info, std::vector<std::string>& values);

/// The canonical spec of a desired jail: every typed parameter.
CanonSpec canon_spec(const JailSpec& jail);

/// Digest of a canonical spec (sha256 over length-prefixed fields).
std::string spec_digest(const CanonSpec& spec);

/// Canonicalizes one reported value (a jls string, or a list of them) for
/// a catalog parameter; nullopt when the text does not fit the type.
std::optional<std::vector<std::string>> canon_reported(const ParamInfo& info,
                                                       std::vector<std::string> values);

/// What the kernel holds for a canonical desired value: bare addresses with
/// the first kept and the rest sorted, `ip4=new` reported as `disable`,
/// paths without a trailing slash. Identity for everything else.
std::vector<std::string> kernel_view(const ParamInfo& info, std::vector<std::string> values);

/// Whether an absent desired parameter is compared against its default
/// (declarative: absent means "the kernel default", not "leave alone").
bool compared_when_absent(const ParamInfo& info);

/// True for parameters the kernel stores (kernel or pseudo+kernel).
inline bool in_kernel(const ParamInfo& info) {
  return info.where != ParamWhere::pseudo;
}

/// `"text"` with `"` and `\` escaped by a backslash and control characters
/// and bytes that are not UTF-8 written visibly (base/visible.hpp), so the
/// text is safe for a terminal (display, DOT ids).
std::string double_quoted(std::string_view v);
/// A canonical value for display: scalars as one quoted word, lists in [ ].
std::string display_value(const std::vector<std::string>& values, ParamType type);
bool is_list_type(ParamType t);

}  // namespace jailplan
