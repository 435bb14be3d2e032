#pragma once
/// "did you mean" by edit distance, shared by every layer.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jailplan {

/// Damerau-free Levenshtein distance, bounded: returns max+1 once the
/// distance is known to exceed `max`.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max);

/// The closest candidate within a distance proportional to the word's
/// length (at most 3), or nothing. Ties go to the earliest candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string_view>& candidates);

}  // namespace jailplan
