#include "grammar/word.hpp"

#include <fmt/format.h>

namespace jailplan {

namespace ast {

bool Word::has_variables() const {
  for (const auto& p : pieces)
    if (p.kind == PieceKind::variable) return true;
  return false;
}

std::string Word::literal_text() const {
  std::string s;
  for (const auto& p : pieces) s += p.text;
  return s;
}

}  // namespace ast

bool is_bare_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '_':
    case '!':
    case '%':
    case '&':
    case '(':
    case ')':
    case '-':
    case '.':
    case ':':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case ']':
    case '^':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

namespace {

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}

bool is_identifier(std::string_view s) {
  if (s.empty() || !is_ident_start(s[0])) return false;
  for (char c : s)
    if (!is_ident_char(c)) return false;
  return true;
}

// Escapes literal text for the inside of a double-quoted jail.conf string.
// Control bytes become three-digit octal escapes so a following digit can
// never be read as part of the escape.
void append_dq_literal(std::string& out, std::string_view text, bool in_var_name) {
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '$': out += in_var_name ? "$" : "\\$"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '{': out += in_var_name ? "\\{" : "{"; break;
      case '}': out += in_var_name ? "\\}" : "}"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
        else
          out += c;
    }
  }
}

}  // namespace

std::string conf_spelling(std::string_view literal) {
  bool bare = !literal.empty();
  for (char c : literal)
    if (!is_bare_char(c)) bare = false;
  if (bare) return std::string(literal);
  std::string out = "\"";
  append_dq_literal(out, literal, false);
  out += '"';
  return out;
}

std::string conf_spelling(const ast::Word& w) {
  if (!w.has_variables()) return conf_spelling(w.literal_text());
  std::string out = "\"";
  for (std::size_t i = 0; i < w.pieces.size(); ++i) {
    const auto& p = w.pieces[i];
    if (p.kind == ast::PieceKind::literal) {
      append_dq_literal(out, p.text, false);
    } else {
      out += "${";
      append_dq_literal(out, p.text, true);
      out += '}';
    }
  }
  out += '"';
  return out;
}

std::string yaml_spelling(const ast::Word& w) {
  std::string out;
  for (std::size_t i = 0; i < w.pieces.size(); ++i) {
    const auto& p = w.pieces[i];
    if (p.kind == ast::PieceKind::literal) {
      for (char c : p.text) {
        if (c == '$' || c == '\\') out += '\\';
        out += c;
      }
      continue;
    }
    const bool next_glues = i + 1 < w.pieces.size() && w.pieces[i + 1].kind == ast::PieceKind::literal &&
                            !w.pieces[i + 1].text.empty() && is_ident_char(w.pieces[i + 1].text[0]);
    if (is_identifier(p.text) && !next_glues) {
      out += '$';
      out += p.text;
    } else {
      out += "${";
      for (char c : p.text) {
        if (c == '}' || c == '\\') out += '\\';
        out += c;
      }
      out += '}';
    }
  }
  return out;
}

ast::Word parse_yaml_value(std::string_view text, Location base, Arena& store) {
  ast::Word w;
  w.location = base;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) {
      w.pieces.push_back({ast::PieceKind::literal, store.save(lit), base});
      lit.clear();
    }
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '$' || text[i + 1] == '\\')) {
      lit += text[++i];
    } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      std::string name;
      std::size_t j = i + 2;
      bool closed = false;
      for (; j < text.size(); ++j) {
        if (text[j] == '\\' && j + 1 < text.size()) {
          name += text[++j];
        } else if (text[j] == '}') {
          closed = true;
          break;
        } else {
          name += text[j];
        }
      }
      if (!closed) {  // no closing brace: the text is literal
        lit += text.substr(i);
        break;
      }
      flush();
      w.pieces.push_back({ast::PieceKind::variable, store.save(name), base});
      i = j;
    } else if (c == '$' && i + 1 < text.size() && is_ident_start(text[i + 1])) {
      std::size_t j = i + 1;
      while (j < text.size() && is_ident_char(text[j])) ++j;
      flush();
      w.pieces.push_back({ast::PieceKind::variable, store.save(text.substr(i + 1, j - i - 1)), base});
      i = j - 1;
    } else {
      lit += c;
    }
  }
  flush();
  if (w.pieces.empty()) w.pieces.push_back({ast::PieceKind::literal, std::string_view(), base});
  return w;
}

}  // namespace jailplan
