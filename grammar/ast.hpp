#pragma once
/// The untyped syntax tree of a jail.conf (or its YAML twin): exactly what
/// the text says, before any merging, substitution or typing.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/arena.hpp"
#include "base/source.hpp"

namespace jailplan::ast {

enum class PieceKind : std::uint8_t { literal, variable };

/// One scanner piece: decoded literal text, or a variable reference.
struct Piece {
  PieceKind kind = PieceKind::literal;
  /// Decoded text, or the variable's name without `$`: a slice of the
  /// source file where the text is written out plainly, else held by the
  /// Document's arena.
  std::string_view text;
  Location location;
};

struct Comment {
  std::string text;  ///< including its `#`, `//` or `/* */` markers
  Location location;
  bool own_line = true;  ///< nothing but blanks before it on its line
  bool blank_before = false;
};

/// Comments attached to a node. Most nodes have none, so the list is one
/// pointer until the first comment arrives (a syntax tree holds a list
/// per statement, word and block: at 10,000 jails, empty std::vectors in
/// their place were a sixth of the tree).
class CommentList {
 public:
  CommentList() = default;
  CommentList(std::vector<Comment>&& v) { *this = std::move(v); }  // NOLINT: a list converts
  CommentList(const CommentList& o)
      : m_items(o.m_items ? std::make_unique<std::vector<Comment>>(*o.m_items) : nullptr) {}
  CommentList(CommentList&&) noexcept = default;
  CommentList& operator=(const CommentList& o) {
    if (this != &o) m_items = o.m_items ? std::make_unique<std::vector<Comment>>(*o.m_items) : nullptr;
    return *this;
  }
  CommentList& operator=(CommentList&&) noexcept = default;
  CommentList& operator=(std::vector<Comment>&& v) {
    m_items = v.empty() ? nullptr : std::make_unique<std::vector<Comment>>(std::move(v));
    return *this;
  }

  operator const std::vector<Comment>&() const { return m_items ? *m_items : empty_list(); }  // NOLINT
  bool empty() const { return !m_items || m_items->empty(); }
  std::size_t size() const { return m_items ? m_items->size() : 0; }
  auto begin() const { return static_cast<const std::vector<Comment>&>(*this).begin(); }
  auto end() const { return static_cast<const std::vector<Comment>&>(*this).end(); }
  void push_back(Comment c) {
    if (!m_items) m_items = std::make_unique<std::vector<Comment>>();
    m_items->push_back(std::move(c));
  }

 private:
  static const std::vector<Comment>& empty_list() {
    static const std::vector<Comment> none;
    return none;
  }
  std::unique_ptr<std::vector<Comment>> m_items;
};

/// Touching pieces form one word, which is one value string.
struct Word {
  std::vector<Piece> pieces;
  Location location;
  std::string_view raw;  ///< spelling in the source; empty when built from YAML
  CommentList leading;   ///< comments between the previous token and this word

  bool has_variables() const;
  /// The literal text when the word has no variable pieces.
  std::string literal_text() const;
};

enum class Op : std::uint8_t {
  flag,        ///< `name;`
  assign,      ///< `name = v;`
  append,      ///< `name += v;`
  name_value,  ///< `name v;`
};

struct Param {
  std::string name;  ///< without `$` for variables
  bool is_variable = false;
  Op op = Op::flag;
  std::vector<Word> values;
  Location location;          ///< the name
  std::string_view raw_name;  ///< spelling of the name in the source
};

struct Document;

/// `.include "a", "b";` — the files it names are parsed by the loader and
/// attached here, in the order jail(8) reads them.
struct Include {
  Param directive;
  std::vector<const Document*> targets;
};

struct Block;
struct Statement;

struct Block {
  std::string name;
  std::string_view raw_name;
  Location location;
  std::vector<Statement> body;
  CommentList open_trailing;  ///< comments after `{` on its line
  CommentList closing;        ///< comments before the closing brace
  Location close_location;
};

struct Statement {
  std::variant<Param, Block, Include> node;
  CommentList leading;
  CommentList trailing;       ///< comments after the statement on its last line
  bool blank_before = false;  ///< a blank line separated it from what came before
};

struct Document {
  const SourceFile* file = nullptr;
  std::vector<Statement> body;
  std::vector<Comment> trailing;  ///< comments after the last statement
  bool trailing_blank = false;
  bool is_yaml = false;
  /// False only when the parser knows there is no `.include` anywhere in
  /// the body, so the loader need not walk it.
  bool may_include = true;
  Arena text;  ///< piece text that is not a slice of the source (decoded escapes, joined runs)
};

}  // namespace jailplan::ast
