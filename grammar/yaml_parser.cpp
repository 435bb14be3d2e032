#include "grammar/yaml_parser.hpp"

#include <optional>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "grammar/word.hpp"

namespace jailplan {

namespace {

class YamlReader {
 public:
  YamlReader(const SourceFile& file, Diagnostics& diags, Arena& store)
      : m_file(file), m_diags(diags), m_store(store) {}

  // yaml-cpp marks are 0-based; Locations are byte offsets. Converted here,
  // once, for the whole front end.
  Location loc(const YAML::Mark& m) const {
    if (m.line < 0) return {&m_file, 0};
    return {&m_file, m_file.offset_of(static_cast<std::uint32_t>(m.line + 1),
                                      static_cast<std::uint32_t>(m.column + 1))};
  }

  void error(const YAML::Node& n, std::string msg) { m_diags.error(loc(n.Mark()), std::move(msg), "yaml"); }

  std::vector<ast::Statement> statements(const YAML::Node& seq) {
    std::vector<ast::Statement> out;
    if (!seq || seq.IsNull()) return out;
    if (!seq.IsSequence()) {
      error(seq, "expected a list of statements (each item '- name: value' or '- jail: NAME')");
      return out;
    }
    for (const auto& item : seq) {
      if (auto s = statement(item)) out.push_back(std::move(*s));
    }
    return out;
  }

 private:
  std::optional<ast::Statement> statement(const YAML::Node& item) {
    if (!item.IsMap()) {
      error(item, "expected a mapping such as 'path: /jails/www' or 'jail: www'");
      return std::nullopt;
    }
    if (item["jail"] && item["body"]) return block(item);
    if (item["param"]) return long_param(item);
    if (item.size() != 1) {
      error(item, "expected one 'name: value' pair per list item (or 'jail:' with 'body:')");
      return std::nullopt;
    }
    const auto kv = *item.begin();
    const std::string key = kv.first.Scalar();
    const Location at = loc(kv.first.Mark());
    ast::Param p;
    p.location = at;
    p.op = ast::Op::assign;
    std::string name = key;
    if (name.size() > 2 && name.compare(name.size() - 2, 2, "+=") == 0) {
      p.op = ast::Op::append;
      name.resize(name.size() - 2);
    }
    if (!name.empty() && name[0] == '$') {
      p.is_variable = true;
      name = name.size() > 1 && name[1] == '{' && name.back() == '}' ? name.substr(2, name.size() - 3)
                                                                     : name.substr(1);
    }
    p.name = name;
    if (!values(kv.second, p)) return std::nullopt;
    // the short form `.include: file` is the directive
    if (!p.is_variable && p.name == ".include" && p.op == ast::Op::assign) p.op = ast::Op::name_value;
    if (p.values.empty()) {
      if (p.op == ast::Op::append) {
        error(kv.second, fmt::format("'{}' needs a value to append", key));
        return std::nullopt;
      }
      p.op = ast::Op::flag;
    }
    return finish(std::move(p));
  }

  std::optional<ast::Statement> long_param(const YAML::Node& item) {
    ast::Param p;
    p.location = loc(item["param"].Mark());
    p.name = item["param"].Scalar();
    p.is_variable = item["variable"] && item["variable"].as<std::string>() == "true";
    const std::string op = item["op"] ? item["op"].Scalar() : "=";
    if (op == "=")
      p.op = ast::Op::assign;
    else if (op == "+=")
      p.op = ast::Op::append;
    else if (op == "flag")
      p.op = ast::Op::flag;
    else if (op == "name-value")
      p.op = ast::Op::name_value;
    else {
      error(item["op"], fmt::format("unknown op '{}' (expected '=', '+=', 'flag' or 'name-value')", op));
      return std::nullopt;
    }
    if (item["values"] && !values(item["values"], p)) return std::nullopt;
    if ((p.op == ast::Op::flag) != p.values.empty()) {
      error(item, "'op: flag' takes no values and every other op needs at least one");
      return std::nullopt;
    }
    return finish(std::move(p));
  }

  ast::Statement finish(ast::Param p) {
    ast::Statement s;
    if (!p.is_variable && p.name == ".include" && p.op == ast::Op::name_value) {
      for (const auto& v : p.values)
        if (v.has_variables())
          m_diags.error(v.location, "variables are not permitted in an '.include' file name", "yaml");
      s.node = ast::Include{std::move(p), {}};
    } else {
      s.node = std::move(p);
    }
    return s;
  }

  bool values(const YAML::Node& v, ast::Param& p) {
    if (v.IsNull()) return true;
    if (v.IsScalar()) {
      p.values.push_back(parse_yaml_value(v.Scalar(), loc(v.Mark()), m_store));
      return true;
    }
    if (v.IsSequence()) {
      if (v.size() == 0) {
        error(v, "an empty list is not a value; leave the value out for the flag form");
        return false;
      }
      for (const auto& e : v) {
        if (!e.IsScalar()) {
          error(e, "list items must be plain strings");
          return false;
        }
        p.values.push_back(parse_yaml_value(e.Scalar(), loc(e.Mark()), m_store));
      }
      return true;
    }
    error(v, "a value must be a string or a list of strings");
    return false;
  }

  std::optional<ast::Statement> block(const YAML::Node& item) {
    if (item.size() != 2) {
      error(item, "a jail entry has exactly the keys 'jail' and 'body'");
      return std::nullopt;
    }
    const auto& name = item["jail"];
    if (!name.IsScalar()) {
      error(name, "a jail name must be a string");
      return std::nullopt;
    }
    ast::Block b;
    b.name = name.Scalar();
    b.location = loc(name.Mark());
    b.body = statements(item["body"]);
    ast::Statement s;
    s.node = std::move(b);
    return s;
  }

  const SourceFile& m_file;
  Diagnostics& m_diags;
  Arena& m_store;  // piece text
};

}  // namespace

ast::Document parse_yaml_config(const SourceFile& file, Diagnostics& diags) {
  ast::Document doc;
  doc.file = &file;
  doc.is_yaml = true;
  YamlReader reader(file, diags, doc.text);
  try {
    const YAML::Node root = YAML::Load(std::string(file.text()));
    if (!root || root.IsNull()) return doc;
    if (root.IsMap() && root["jailplan"]) {
      const std::string v = root["jailplan"].Scalar();
      if (v != "1")
        reader.error(root["jailplan"],
                     fmt::format("unsupported YAML twin version '{}' (this jailplan reads 1)", v));
      doc.body = reader.statements(root["config"]);
    } else {
      doc.body = reader.statements(root);
    }
  } catch (const YAML::Exception& e) {
    diags.error(reader.loc(e.mark), fmt::format("invalid YAML: {}", e.msg), "yaml");
  }
  return doc;
}

}  // namespace jailplan
