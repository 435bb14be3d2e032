#include "base/json_bytes.hpp"

namespace jailplan {

namespace {

// The private-use characters that stand for the bytes 0x80 ... 0xFF.
constexpr char32_t k_first_escape = 0xEF80;
constexpr char32_t k_last_escape = 0xEFFF;
constexpr char32_t k_escape_base = 0xEF00;

unsigned byte_at(std::string_view text, std::size_t at) {
  return static_cast<unsigned char>(text[at]);
}

bool continuation(std::string_view text, std::size_t at, unsigned low = 0x80, unsigned high = 0xBF) {
  if (at >= text.size()) return false;
  const unsigned b = byte_at(text, at);
  return b >= low && b <= high;
}

void put_escaped(std::string& out, unsigned byte) {
  const char32_t cp = k_escape_base + byte;
  out += static_cast<char>(0xE0 | (cp >> 12));
  out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out += static_cast<char>(0x80 | (cp & 0x3F));
}

// The character a well-formed three-byte sequence at `at` encodes.
char32_t three_byte_char(std::string_view text, std::size_t at) {
  return ((byte_at(text, at) & 0x0Fu) << 12) | ((byte_at(text, at + 1) & 0x3Fu) << 6) |
         (byte_at(text, at + 2) & 0x3Fu);
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const unsigned b = byte_at(text, at);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return continuation(text, at + 1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    // E0 needs A0..BF (no overlong form), ED 80..9F (no surrogate)
    const unsigned low = b == 0xE0 ? 0xA0 : 0x80;
    const unsigned high = b == 0xED ? 0x9F : 0xBF;
    return continuation(text, at + 1, low, high) && continuation(text, at + 2) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    // F0 needs 90..BF (no overlong form), F4 80..8F (nothing above U+10FFFF)
    const unsigned low = b == 0xF0 ? 0x90 : 0x80;
    const unsigned high = b == 0xF4 ? 0x8F : 0xBF;
    return continuation(text, at + 1, low, high) && continuation(text, at + 2) && continuation(text, at + 3)
               ? 4
               : 0;
  }
  return 0;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string bytes_to_json_text(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = utf8_sequence_length(bytes, i);
    if (n == 0) {
      put_escaped(out, byte_at(bytes, i));
      ++i;
      continue;
    }
    const bool reserved =
        n == 3 && three_byte_char(bytes, i) >= k_first_escape && three_byte_char(bytes, i) <= k_last_escape;
    for (std::size_t k = 0; k < n; ++k) {
      if (reserved)
        put_escaped(out, byte_at(bytes, i + k));
      else
        out += bytes[i + k];
    }
    i += n;
  }
  return out;
}

std::string json_text_to_bytes(std::string_view text) {
  if (text.find('\xEE') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (byte_at(text, i) == 0xEE && continuation(text, i + 1, 0xBE, 0xBF) && continuation(text, i + 2)) {
      out += static_cast<char>(three_byte_char(text, i) - k_escape_base);
      i += 2;
      continue;
    }
    out += text[i];
  }
  return out;
}

}  // namespace jailplan
