#pragma once
/// A small unified line diff for `fmt --check`.

#include <string>
#include <string_view>

namespace jailplan {

/// Unified diff of two texts with 3 lines of context; "" when equal.
std::string unified_diff(std::string_view a, std::string_view b, const std::string& a_name,
                         const std::string& b_name);

}  // namespace jailplan
