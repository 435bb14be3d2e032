#include "base/visible.hpp"

#include <fmt/format.h>

#include "base/json_bytes.hpp"

namespace jailplan {

namespace {

char32_t decode(std::string_view text, std::size_t at, std::size_t n) {
  const auto b = [&](std::size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(text[at + k]));
  };
  switch (n) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1Fu) << 6) | (b(1) & 0x3Fu);
    case 3: return ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    default: return ((b(0) & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
  }
}

// Characters that are not control bytes but still change how what follows
// is laid out: line and paragraph separators, bidi embeddings, overrides
// and isolates (the "Trojan Source" characters).
bool layout_char(char32_t c) {
  return c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
         c == 0x200E || c == 0x200F || c == 0x061C;
}

// The escape for the sequence of `n` bytes at `at`, or "" when it is shown as is.
std::string escape_of(std::string_view text, std::size_t at, std::size_t n, bool keep_tabs = false) {
  if (n == 0) return fmt::format("\\x{:02x}", static_cast<unsigned char>(text[at]));
  const char32_t c = decode(text, at, n);
  if (c == '\t') return keep_tabs ? "" : "\\t";
  if (c == '\n') return "\\n";
  if (c == '\r') return "\\r";
  if (c < 0x20 || c == 0x7F) return fmt::format("\\x{:02x}", static_cast<unsigned>(c));
  if ((c >= 0x80 && c <= 0x9F) || layout_char(c)) return fmt::format("\\u{:04x}", static_cast<unsigned>(c));
  return {};
}

std::string escaped(std::string_view text, bool keep_tabs) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    const std::string e = escape_of(text, i, n, keep_tabs);
    if (e.empty())
      out.append(text.substr(i, n));
    else
      out += e;
    i += n == 0 ? 1 : n;
  }
  return out;
}

}  // namespace

std::string visible(std::string_view text) {
  return needs_escape(text) ? escaped(text, false) : std::string(text);
}

std::string visible_keeping_tabs(std::string_view text) {
  return needs_escape(text) ? escaped(text, true) : std::string(text);
}

bool needs_escape(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b < 0x7F) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(text, i);
    if (!escape_of(text, i, n).empty()) return true;
    i += n;
  }
  return false;
}

}  // namespace jailplan
