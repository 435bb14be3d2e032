#pragma once
/// JSON text is UTF-8, but jail(8) takes any byte in a value or a name. Every
/// JSON document jailplan writes carries its strings through
/// bytes_to_json_text and every one it reads back through
/// json_text_to_bytes, so any byte string round-trips exactly
/// (docs/plan-format.md, "Bytes that are not UTF-8"):
///
/// * a byte that does not start a well-formed UTF-8 sequence (Unicode 15,
///   table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF)
///   is written as the private-use character U+EF00 + byte (U+EF80 ...
///   U+EFFF; the range mksh's OPTU-8 uses);
/// * a character U+EF80 ... U+EFFF already in the text is written as its
///   three UTF-8 bytes, each escaped that way, so that reading it back gives
///   the same character;
/// * everything else is itself.
///
/// Reading maps each U+EF80 ... U+EFFF back to its byte. Valid UTF-8 without
/// those 128 private characters (all ordinary text) is unchanged both ways.
/// The tree helpers are templates over nlohmann's basic_json, so that base
/// itself needs no JSON library.

#include <string>
#include <string_view>
#include <utility>

namespace jailplan {

/// The length of the well-formed UTF-8 sequence starting at `text[at]`,
/// or 0 when the byte there does not start one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);
bool is_valid_utf8(std::string_view text);

/// Any bytes as valid UTF-8, reversibly (see above).
std::string bytes_to_json_text(std::string_view bytes);
/// The inverse of bytes_to_json_text.
std::string json_text_to_bytes(std::string_view text);

/// Every string and every object key of `v`, in place, through `f`.
template <typename Json, typename F>
void map_json_strings(Json& v, const F& f) {
  if (v.is_string()) {
    auto& s = v.template get_ref<typename Json::string_t&>();
    s = f(s);
  } else if (v.is_array()) {
    for (auto& item : v) map_json_strings(item, f);
  } else if (v.is_object()) {
    Json out = Json::object();
    for (auto& [key, item] : v.items()) {
      map_json_strings(item, f);
      out[f(key)] = std::move(item);
    }
    v = std::move(out);
  }
}

/// `v` dumped as nlohmann's dump(indent) does, its strings made byte-safe
/// first: never throws for a string that is not UTF-8.
template <typename Json>
std::string dump_json(Json v, int indent = -1) {
  map_json_strings(v, [](const std::string& s) { return bytes_to_json_text(s); });
  return v.dump(indent);
}

/// The strings of a parsed document back to the bytes they stand for.
template <typename Json>
void restore_json_bytes(Json& v) {
  map_json_strings(v, [](const std::string& s) { return json_text_to_bytes(s); });
}

}  // namespace jailplan
