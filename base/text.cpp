#include "base/text.hpp"

#include <algorithm>

namespace jailplan {

std::vector<std::string> split_blanks(std::string_view text) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while ((pos = text.find_first_not_of(" \t\n", pos)) != std::string_view::npos) {
    const std::size_t end = std::min(text.find_first_of(" \t\n", pos), text.size());
    words.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return words;
}

namespace {

bool octal(char c) {
  return c >= '0' && c <= '7';
}

}  // namespace

std::string unvis(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    if (i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[++i];
    }
  }
  return out;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char control(char c) {
  return c == '?' ? '\177' : static_cast<char>(c & 037);
}

}  // namespace

// unvis.c's state machine (S_START and what follows it), one escape at a time
std::optional<std::string> strunvis(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    if (++i >= s.size()) return std::nullopt;
    const char c = s[i++];
    if (octal(c)) {
      int v = c - '0';
      for (int n = 1; n < 3 && i < s.size() && octal(s[i]); ++n) v = v * 8 + (s[i++] - '0');
      out += static_cast<char>(v);
      continue;
    }
    switch (c) {
      case 'n': out += '\n'; continue;
      case 't': out += '\t'; continue;
      case 'r': out += '\r'; continue;
      case 'b': out += '\b'; continue;
      case 'a': out += '\a'; continue;
      case 'v': out += '\v'; continue;
      case 'f': out += '\f'; continue;
      case 's': out += ' '; continue;
      case 'E': out += '\033'; continue;
      case '\n':
      case '$': continue;  // a hidden newline, a marker: nothing
      case 'x': {
        int v = 0, n = 0;
        for (; n < 2 && i < s.size() && hex_digit(s[i]) >= 0; ++n) v = v * 16 + hex_digit(s[i++]);
        if (n == 0) return std::nullopt;
        out += static_cast<char>(v);
        continue;
      }
      case '^':
        if (i >= s.size()) return std::nullopt;
        out += control(s[i++]);
        continue;
      case 'M':
        if (i + 1 >= s.size() || (s[i] != '-' && s[i] != '^')) return std::nullopt;
        out += static_cast<char>((s[i] == '-' ? s[i + 1] : control(s[i + 1])) | '\200');
        i += 2;
        continue;
      default:
        // isgraph(c): `\\`, `\"`, ...; a blank or a control byte is no escape
        if (static_cast<unsigned char>(c) <= ' ' || c == '\177') return std::nullopt;
        out += c;
    }
  }
  return out;
}

std::string format_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`|&;<>()*?[]{}~!#") == std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char ch : a) {
      if (ch == '\'')
        out += "'\\''";
      else
        out += ch;
    }
    out += '\'';
  }
  return out;
}

namespace {

bool plain_in_path(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (c == '.') return !first;  // never ".", "..", nor a hidden file
  return std::string_view("_-+,@:=~").find(c) != std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string encode_path_component(std::string_view name) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (plain_in_path(c, i == 0)) {
      out += c;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += k_hex[byte >> 4];
    out += k_hex[byte & 15];
  }
  return out.empty() ? std::string("%") : out;  // "" has a name too
}

std::optional<std::string> decode_path_component(std::string_view text) {
  if (text == "%") return std::string();
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      if (!plain_in_path(text[i], i == 0)) return std::nullopt;
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const auto c = static_cast<char>(hi * 16 + lo);
    if (plain_in_path(c, i == 0)) return std::nullopt;  // one spelling per name
    out += c;
    i += 2;
  }
  return out;
}

}  // namespace jailplan
