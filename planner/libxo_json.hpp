#pragma once
// Planner-internal: the JSON that libxo writes (`jls --libxo json`), read
// exactly. libxo escapes only '"', '\\', newline and carriage return
// (libxo.c xo_escape_json): a tab or another control byte in a value comes
// out raw, which strict JSON parsers refuse, and a value is copied byte for
// byte. This reader takes every byte of a string as it is, decodes the
// standard escapes, and gives up with a located error past a nesting depth
// no jls output reaches, so hostile input costs linear time and memory.

#include <cstdint>
#include <optional>
#include <vector>

#include "base/diagnostic.hpp"
#include "planner/json_util.hpp"

namespace jailplan::json_util {

/// Where the elements of the arrays two levels down start (the byte offset
/// of each `jail-information.jail[i]`), for diagnostics.
struct LibxoOffsets {
  std::vector<std::uint32_t> rows;
};

/// Parses a whole file; an error becomes a diagnostic located at the byte
/// where reading stopped (category `code`).
std::optional<json> parse_libxo_json(const SourceFile& file, Diagnostics& diags, const std::string& code,
                                     LibxoOffsets* offsets = nullptr);

}  // namespace jailplan::json_util
