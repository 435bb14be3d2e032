#pragma once
/// The untyped syntax tree of a jail.conf (or its YAML twin): exactly what
/// the text says, before any merging, substitution or typing.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "grammar/arena.hpp"
#include "grammar/source.hpp"

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

/// Touching pieces form one word, which is one value string.
struct Word {
  std::vector<Piece> pieces;
  Location location;
  std::string_view raw;          ///< spelling in the source; empty when built from YAML
  std::vector<Comment> leading;  ///< comments between the previous token and this word

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
  std::vector<Comment> open_trailing;  ///< comments after `{` on its line
  std::vector<Comment> closing;        ///< comments before the closing brace
  Location close_location;
};

struct Statement {
  std::variant<Param, Block, Include> node;
  std::vector<Comment> leading;
  std::vector<Comment> trailing;  ///< comments after the statement on its last line
  bool blank_before = false;      ///< a blank line separated it from what came before
  Location location;
};

struct Document {
  const SourceFile* file = nullptr;
  std::vector<Statement> body;
  std::vector<Comment> trailing;  ///< comments after the last statement
  bool trailing_blank = false;
  bool is_yaml = false;
  Arena text;  ///< piece text that is not a slice of the source (decoded escapes, joined runs)
};

}  // namespace jailplan::ast
