#include "grammar/printer.hpp"

#include <yaml-cpp/yaml.h>

#include "grammar/word.hpp"

namespace jailplan {

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

class ConfPrinter {
 public:
  explicit ConfPrinter(ConfStyle style) : m_style(style) {}

  std::string run(const ast::Document& doc) {
    body(doc.body, 0);
    comments(doc.trailing, 0, m_out.empty());
    return m_out;
  }

 private:
  std::string pad(int depth) const {
    return std::string(static_cast<std::size_t>(depth * m_style.indent), ' ');
  }

  void comments(const std::vector<ast::Comment>& cs, int depth, bool first) {
    for (const auto& c : cs) {
      if (c.blank_before && !first) m_out += '\n';
      m_out += pad(depth) + c.text + '\n';
      first = false;
    }
  }

  void trailing(const std::vector<ast::Comment>& cs, int depth) {
    for (std::size_t i = 0; i < cs.size(); ++i) {
      if (i == 0)
        m_out += ' ' + cs[i].text + '\n';
      else
        m_out += pad(depth) + cs[i].text + '\n';
    }
    if (cs.empty()) m_out += '\n';
  }

  static std::string word(const ast::Word& w) {
    return w.raw.empty() ? conf_spelling(w) : std::string(w.raw);
  }

  static std::string name_of(const ast::Param& p) {
    if (!p.raw_name.empty()) return std::string(p.raw_name);
    if (p.is_variable) {
      if (is_identifier(p.name)) return "$" + p.name;
      ast::Word w;
      w.pieces.push_back({ast::PieceKind::variable, p.name, {}});
      std::string s = conf_spelling(w);  // "${...}" inside quotes
      return s.substr(1, s.size() - 2);
    }
    return conf_spelling(p.name);
  }

  void param(const ast::Param& p, const std::vector<ast::Comment>& trail, int depth) {
    std::string line = pad(depth) + name_of(p);
    switch (p.op) {
      case ast::Op::flag: break;
      case ast::Op::assign: line += " ="; break;
      case ast::Op::append: line += " +="; break;
      case ast::Op::name_value:
        // only `.include` needs this form; elsewhere it means '='
        if (!(p.name == ".include" && !p.is_variable)) line += " =";
        break;
    }
    bool multiline = false;
    std::size_t width = line.size();
    std::vector<std::string> spelled;
    for (const auto& v : p.values) {
      spelled.push_back(word(v));
      width += spelled.back().size() + 2;
      if (!v.leading.empty()) multiline = true;
    }
    if (width > m_style.width && p.values.size() > 1) multiline = true;
    if (!multiline) {
      for (std::size_t i = 0; i < spelled.size(); ++i) line += (i == 0 ? " " : ", ") + spelled[i];
      m_out += line + ';';
    } else {
      m_out += line + '\n';
      for (std::size_t i = 0; i < spelled.size(); ++i) {
        for (const auto& c : p.values[i].leading) m_out += pad(depth + 1) + c.text + '\n';
        m_out += pad(depth + 1) + spelled[i] + (i + 1 < spelled.size() ? ",\n" : ";");
      }
    }
    trailing(trail, depth);
  }

  void body(const std::vector<ast::Statement>& stmts, int depth) {
    bool first = true;
    for (const auto& s : stmts) {
      comments(s.leading, depth, first);
      if (s.blank_before && !first && s.leading.empty()) m_out += '\n';
      if (s.blank_before && !s.leading.empty()) m_out += '\n';
      first = false;
      if (const auto* p = std::get_if<ast::Param>(&s.node)) {
        param(*p, s.trailing, depth);
      } else if (const auto* inc = std::get_if<ast::Include>(&s.node)) {
        param(inc->directive, s.trailing, depth);
      } else if (const auto* b = std::get_if<ast::Block>(&s.node)) {
        const std::string name = b->raw_name.empty() ? conf_spelling(b->name) : std::string(b->raw_name);
        m_out += pad(depth) + name + " {";
        trailing(b->open_trailing, depth + 1);
        body(b->body, depth + 1);
        comments(b->closing, depth + 1, b->body.empty());
        m_out += pad(depth) + '}';
        trailing(s.trailing, depth);
      }
    }
  }

  ConfStyle m_style;
  std::string m_out;
};

void yaml_values(YAML::Emitter& out, const ast::Param& p) {
  if (p.values.size() == 1) {
    out << YAML::DoubleQuoted << yaml_spelling(p.values[0]);
  } else {
    out << YAML::BeginSeq;
    for (const auto& v : p.values) out << YAML::DoubleQuoted << yaml_spelling(v);
    out << YAML::EndSeq;
  }
}

bool needs_long_form(const ast::Param& p, bool include) {
  if (include) return p.op != ast::Op::name_value;
  if (!p.is_variable && (p.name == "param" || (!p.name.empty() && p.name[0] == '$') || p.name == ".include"))
    return true;
  return p.name.size() >= 2 && p.name.compare(p.name.size() - 2, 2, "+=") == 0;
}

void yaml_param(YAML::Emitter& out, const ast::Param& p, bool include) {
  out << YAML::BeginMap;
  if (needs_long_form(p, include)) {
    out << YAML::Key << "param" << YAML::Value << p.name;
    if (p.is_variable) out << YAML::Key << "variable" << YAML::Value << "true";
    const char* op = p.op == ast::Op::flag         ? "flag"
                     : p.op == ast::Op::append     ? "+="
                     : p.op == ast::Op::name_value ? "name-value"
                                                   : "=";
    out << YAML::Key << "op" << YAML::Value << op;
    if (!p.values.empty()) {
      out << YAML::Key << "values" << YAML::Value << YAML::BeginSeq;
      for (const auto& v : p.values) out << YAML::DoubleQuoted << yaml_spelling(v);
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
    return;
  }
  std::string key;
  if (p.is_variable) {
    key = is_identifier(p.name) ? "$" + p.name : "${" + p.name + "}";
  } else {
    key = p.name;
  }
  if (p.op == ast::Op::append) key += "+=";
  out << YAML::Key << key << YAML::Value;
  if (p.op == ast::Op::flag)
    out << YAML::Null;
  else
    yaml_values(out, p);
  out << YAML::EndMap;
}

void yaml_body(YAML::Emitter& out, const std::vector<ast::Statement>& body) {
  out << YAML::BeginSeq;
  for (const auto& s : body) {
    if (const auto* p = std::get_if<ast::Param>(&s.node)) {
      yaml_param(out, *p, false);
    } else if (const auto* inc = std::get_if<ast::Include>(&s.node)) {
      yaml_param(out, inc->directive, true);
    } else if (const auto* b = std::get_if<ast::Block>(&s.node)) {
      out << YAML::BeginMap << YAML::Key << "jail" << YAML::Value << b->name;
      out << YAML::Key << "body" << YAML::Value;
      if (b->body.empty())
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      else
        yaml_body(out, b->body);
      out << YAML::EndMap;
    }
  }
  out << YAML::EndSeq;
}

}  // namespace

std::string print_conf(const ast::Document& doc, ConfStyle style) {
  return ConfPrinter(style).run(doc);
}

std::string print_yaml(const ast::Document& doc) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "jailplan" << YAML::Value << 1;
  out << YAML::Key << "config" << YAML::Value;
  if (doc.body.empty())
    out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
  else
    yaml_body(out, doc.body);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace jailplan

namespace jailplan {

namespace {

bool same_words(const std::vector<ast::Word>& a, const std::vector<ast::Word>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    // compare merged pieces: literal runs and variable names in order
    std::vector<std::pair<ast::PieceKind, std::string>> x, y;
    for (const auto* w : {&a[i], &b[i]}) {
      auto& out = w == &a[i] ? x : y;
      for (const auto& p : w->pieces) {
        if (p.kind == ast::PieceKind::literal && !out.empty() && out.back().first == ast::PieceKind::literal)
          out.back().second += p.text;
        else if (!(p.kind == ast::PieceKind::literal && p.text.empty()))
          out.emplace_back(p.kind, p.text);
      }
    }
    if (x != y) return false;
  }
  return true;
}

ast::Op effective(const ast::Param& p) {
  if (p.op == ast::Op::name_value && !(p.name == ".include" && !p.is_variable)) return ast::Op::assign;
  return p.op;
}

bool same_params(const ast::Param& a, const ast::Param& b) {
  return a.name == b.name && a.is_variable == b.is_variable && effective(a) == effective(b) &&
         same_words(a.values, b.values);
}

bool same_body(const std::vector<ast::Statement>& a, const std::vector<ast::Statement>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].node.index() != b[i].node.index()) return false;
    if (const auto* p = std::get_if<ast::Param>(&a[i].node)) {
      if (!same_params(*p, std::get<ast::Param>(b[i].node))) return false;
    } else if (const auto* inc = std::get_if<ast::Include>(&a[i].node)) {
      if (!same_params(inc->directive, std::get<ast::Include>(b[i].node).directive)) return false;
    } else {
      const auto& x = std::get<ast::Block>(a[i].node);
      const auto& y = std::get<ast::Block>(b[i].node);
      if (x.name != y.name || !same_body(x.body, y.body)) return false;
    }
  }
  return true;
}

}  // namespace

bool same_meaning(const ast::Document& a, const ast::Document& b) {
  return same_body(a.body, b.body);
}

}  // namespace jailplan
