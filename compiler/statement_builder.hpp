#pragma once
/// Building jail.conf syntax trees from values (what `import` writes): a
/// block's statements from parameter names and canonical values, printed
/// afterwards by grammar/'s printers.

#include <string>
#include <vector>

#include "base/arena.hpp"
#include "grammar/ast.hpp"

namespace jailplan {

/// `# text`
ast::Comment comment(std::string text);

/// Builds one block's statements; piece text goes to `store`.
class Body {
 public:
  explicit Body(Arena& store) : m_store(store) {}
  void flag(const std::string& name) { add(name, ast::Op::flag, {}); }
  void assign(const std::string& name, std::vector<std::string> values) {
    add(name, ast::Op::assign, std::move(values));
  }
  void append(const std::string& name, std::vector<std::string> values) {
    add(name, ast::Op::append, std::move(values));
  }
  /// `$name = values;`
  void variable(const std::string& name, std::vector<std::string> values) {
    add(name, ast::Op::assign, std::move(values), true);
  }
  /// A canonical value: booleans as a flag or `= false`, lists as words.
  void canonical(const std::string& name, const std::vector<std::string>& values);
  /// A comment before the next statement.
  void note(std::string text) { m_notes.push_back(comment(std::move(text))); }
  std::vector<ast::Statement> take() && { return std::move(m_body); }

 private:
  void add(const std::string& name, ast::Op op, std::vector<std::string> values, bool variable = false);
  Arena& m_store;
  std::vector<ast::Statement> m_body;
  std::vector<ast::Comment> m_notes;
};

/// `name { body }`, after a blank line when `blank_before`.
ast::Statement block(const std::string& name, std::vector<ast::Statement> body, bool blank_before);

/// Whether `name` is among `only` (everything when it is empty).
bool wanted(const std::vector<std::string>& only, const std::string& name);

}  // namespace jailplan
