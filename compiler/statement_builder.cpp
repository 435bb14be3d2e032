#include "compiler/statement_builder.hpp"

#include <algorithm>

#include "compiler/param_catalog.hpp"

namespace jailplan {

namespace {

ast::Word word(std::string_view text, Arena& store) {
  ast::Word w;
  w.pieces.push_back(ast::Piece{ast::PieceKind::literal, store.save(text), {}});
  return w;
}

}  // namespace

ast::Comment comment(std::string text) {
  ast::Comment c;
  c.text = "# " + std::move(text);
  return c;
}

void Body::canonical(const std::string& name, const std::vector<std::string>& values) {
  const ParamInfo* info = find_info(name);
  if (info != nullptr && info->type == ParamType::boolean && values.size() == 1) {
    if (values[0] == "true")
      flag(name);
    else
      assign(name, {"false"});
    return;
  }
  assign(name, values);
}

void Body::add(const std::string& name, ast::Op op, std::vector<std::string> values, bool variable) {
  ast::Param p;
  p.name = name;
  p.is_variable = variable;
  p.op = op;
  for (const auto& v : values) p.values.push_back(word(v, m_store));
  ast::Statement s;
  s.node = std::move(p);
  s.leading = std::move(m_notes);
  m_notes.clear();
  m_body.push_back(std::move(s));
}

ast::Statement block(const std::string& name, std::vector<ast::Statement> body, bool blank_before) {
  ast::Block b;
  b.name = name;
  b.body = std::move(body);
  ast::Statement s;
  s.node = std::move(b);
  s.blank_before = blank_before;
  return s;
}

bool wanted(const std::vector<std::string>& only, const std::string& name) {
  return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

}  // namespace jailplan
