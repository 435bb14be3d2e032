#include "planner/libxo_json.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace jailplan::json_util {

namespace {

// jls nests five deep ({ jail-information { jail [ { ip4.addr [ ...);
// anything much deeper is not jls output
constexpr int k_max_depth = 32;

class Reader {
 public:
  Reader(std::string_view text, LibxoOffsets* offsets) : m_t(text), m_offsets(offsets) {}

  std::optional<json> document() {
    json v;
    skip_blanks();
    if (!value(v, 0)) return std::nullopt;
    skip_blanks();
    if (m_pos != m_t.size()) return fail("unexpected text after the JSON document");
    return v;
  }

  const std::string& error() const { return m_error; }
  std::size_t error_at() const { return m_error_at; }

 private:
  std::string_view m_t;
  std::size_t m_pos = 0;
  LibxoOffsets* m_offsets;
  std::string m_error;
  std::size_t m_error_at = 0;

  std::nullopt_t fail(std::string msg) {
    if (m_error.empty()) {
      m_error = std::move(msg);
      m_error_at = std::min(m_pos, m_t.size());
    }
    return std::nullopt;
  }

  std::string found() const {
    if (m_pos >= m_t.size()) return "the end of the text";
    const unsigned char c = static_cast<unsigned char>(m_t[m_pos]);
    return c >= 0x20 && c < 0x7f ? fmt::format("'{}'", static_cast<char>(c))
                                 : fmt::format("byte 0x{:02x}", c);
  }

  void skip_blanks() {
    while (m_pos < m_t.size() &&
           (m_t[m_pos] == ' ' || m_t[m_pos] == '\t' || m_t[m_pos] == '\n' || m_t[m_pos] == '\r'))
      ++m_pos;
  }

  bool literal(std::string_view word) {
    if (m_t.substr(m_pos, word.size()) != word) return false;
    m_pos += word.size();
    return true;
  }

  bool value(json& out, int depth) {
    if (depth > k_max_depth)
      return fail(fmt::format("JSON nested deeper than {} levels", k_max_depth)), false;
    if (m_pos >= m_t.size()) return fail("expected a JSON value, got the end of the text"), false;
    const char c = m_t[m_pos];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      std::string s;
      if (!string(s)) return false;
      out = std::move(s);
      return true;
    }
    if (literal("true")) return out = true, true;
    if (literal("false")) return out = false, true;
    if (literal("null")) return out = nullptr, true;
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    return fail(fmt::format("expected a JSON value, got {}", found())), false;
  }

  bool object(json& out, int depth) {
    out = json::object();
    ++m_pos;  // '{'
    skip_blanks();
    if (m_pos < m_t.size() && m_t[m_pos] == '}') return ++m_pos, true;
    for (;;) {
      skip_blanks();
      if (m_pos >= m_t.size() || m_t[m_pos] != '"')
        return fail(fmt::format("expected a '\"' to start a member name, got {}", found())), false;
      std::string key;
      if (!string(key)) return false;
      skip_blanks();
      if (m_pos >= m_t.size() || m_t[m_pos] != ':')
        return fail(fmt::format("expected ':' after a member name, got {}", found())), false;
      ++m_pos;
      skip_blanks();
      json v;
      if (!value(v, depth + 1)) return false;
      out[key] = std::move(v);
      skip_blanks();
      if (m_pos < m_t.size() && m_t[m_pos] == ',') {
        ++m_pos;
        continue;
      }
      if (m_pos < m_t.size() && m_t[m_pos] == '}') return ++m_pos, true;
      return fail(fmt::format("expected ',' or '}}' in an object, got {}", found())), false;
    }
  }

  bool array(json& out, int depth) {
    out = json::array();
    ++m_pos;  // '['
    skip_blanks();
    if (m_pos < m_t.size() && m_t[m_pos] == ']') return ++m_pos, true;
    for (;;) {
      skip_blanks();
      if (depth == 2 && m_offsets != nullptr) m_offsets->rows.push_back(static_cast<std::uint32_t>(m_pos));
      json v;
      if (!value(v, depth + 1)) return false;
      out.push_back(std::move(v));
      skip_blanks();
      if (m_pos < m_t.size() && m_t[m_pos] == ',') {
        ++m_pos;
        continue;
      }
      if (m_pos < m_t.size() && m_t[m_pos] == ']') return ++m_pos, true;
      return fail(fmt::format("expected ',' or ']' in an array, got {}", found())), false;
    }
  }

  static void put_utf8(std::string& s, std::uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xc0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xe0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      s += static_cast<char>(0xf0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  std::optional<std::uint32_t> hex4() {
    if (m_t.size() - m_pos < 4) return fail("expected four hex digits after '\\u'");
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(m_t.data() + m_pos, m_t.data() + m_pos + 4, v, 16);
    if (ec != std::errc() || end != m_t.data() + m_pos + 4)
      return fail("expected four hex digits after '\\u'");
    m_pos += 4;
    return v;
  }

  bool escape(std::string& s) {
    const char e = m_t[m_pos++];
    switch (e) {
      case '"': s += '"'; return true;
      case '\\': s += '\\'; return true;
      case '/': s += '/'; return true;
      case 'b': s += '\b'; return true;
      case 'f': s += '\f'; return true;
      case 'n': s += '\n'; return true;
      case 'r': s += '\r'; return true;
      case 't': s += '\t'; return true;
      case 'u': break;
      default: --m_pos; return fail(fmt::format("unknown escape '\\{}' in a string", e)), false;
    }
    const auto hi = hex4();
    if (!hi) return false;
    std::uint32_t cp = *hi;
    if (cp >= 0xd800 && cp < 0xdc00) {
      if (!literal("\\u")) return fail("a high surrogate without its low half"), false;
      const auto lo = hex4();
      if (!lo) return false;
      if (*lo < 0xdc00 || *lo >= 0xe000) return fail("a high surrogate without its low half"), false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (*lo - 0xdc00);
    } else if (cp >= 0xdc00 && cp < 0xe000) {
      return fail("a low surrogate without its high half"), false;
    }
    put_utf8(s, cp);
    return true;
  }

  // Every byte but '"' and '\\' is itself: libxo writes tabs and other
  // control bytes raw, and copies what is not UTF-8 as it is.
  bool string(std::string& s) {
    const std::size_t open = m_pos++;
    for (;;) {
      const std::size_t stop = m_t.find_first_of("\"\\", m_pos);
      if (stop == std::string_view::npos) {
        m_pos = open;
        return fail("unterminated string"), false;
      }
      s.append(m_t.substr(m_pos, stop - m_pos));
      m_pos = stop + 1;
      if (m_t[stop] == '"') return true;
      if (m_pos >= m_t.size()) {
        m_pos = open;
        return fail("unterminated string"), false;
      }
      if (!escape(s)) return false;
    }
  }

  bool number(json& out) {
    const std::size_t start = m_pos;
    if (m_t[m_pos] == '-') ++m_pos;
    const auto digits = [&] {
      const std::size_t from = m_pos;
      while (m_pos < m_t.size() && m_t[m_pos] >= '0' && m_t[m_pos] <= '9') ++m_pos;
      return m_pos > from;
    };
    if (!digits()) return fail("expected a digit in a number"), false;
    bool integral = true;
    if (m_pos < m_t.size() && m_t[m_pos] == '.') {
      ++m_pos;
      integral = false;
      if (!digits()) return fail("expected a digit after '.' in a number"), false;
    }
    if (m_pos < m_t.size() && (m_t[m_pos] == 'e' || m_t[m_pos] == 'E')) {
      ++m_pos;
      integral = false;
      if (m_pos < m_t.size() && (m_t[m_pos] == '+' || m_t[m_pos] == '-')) ++m_pos;
      if (!digits()) return fail("expected a digit in a number's exponent"), false;
    }
    const std::string_view text = m_t.substr(start, m_pos - start);
    if (integral) {
      std::int64_t n = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec == std::errc() && end == text.data() + text.size()) return out = n, true;
    }
    out = std::strtod(std::string(text).c_str(), nullptr);
    return true;
  }
};

}  // namespace

std::optional<json> parse_libxo_json(const SourceFile& file, Diagnostics& diags, const std::string& code,
                                     LibxoOffsets* offsets) {
  Reader r(file.text(), offsets);
  auto doc = r.document();
  if (!doc)
    diags.error(Location{&file, static_cast<std::uint32_t>(r.error_at())}, "invalid JSON: " + r.error(),
                code);
  return doc;
}

}  // namespace jailplan::json_util
