#pragma once
// Planner-internal JSON helpers shared by snapshots and plan files. Not part
// of any layer's public interface: nlohmann stays inside the planner.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/diagnostic.hpp"
#include "planner/canon.hpp"
#include "planner/observed.hpp"

namespace jailplan::json_util {

using nlohmann::json;

/// Parses a whole file; a syntax error becomes a diagnostic located at the
/// byte where the parser stopped (category `code`).
std::optional<json> parse_json(const SourceFile& file, Diagnostics& diags, const std::string& code);

/// One canonical value as JSON, typed by the catalog: booleans, numbers,
/// arrays for list types, strings otherwise.
json value_to_json(std::string_view name, const std::vector<std::string>& values);
json spec_to_json(const CanonSpec& spec);
json record_to_json(const AppliedRecord& r);

/// Every string (or number, or boolean) leaf of a JSON value, in order.
void flatten(const json& v, std::vector<std::string>& out);

/// Reads canonical parameters from an object; an error names `where`.
/// Returns "" on success.
std::string spec_from_json(const json& obj, const std::string& where, CanonSpec& out);
std::string record_from_json(const json& obj, const std::string& where, AppliedRecord& out);

}  // namespace jailplan::json_util
