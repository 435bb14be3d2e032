#pragma once
/// The compiled form of a parameter statement, which is all resolution
/// reads, and the seam through which a configuration is read statement by
/// statement in jail(8)'s order (includes expanded in place).
///
/// Commands that never print the configuration back (validate, plan,
/// apply) read a jail.conf straight into this form: no syntax tree is
/// built, and each jail's statements are freed as soon as it is resolved.

#include <cstdint>
#include <span>
#include <string_view>

#include "base/arena.hpp"
#include "grammar/ast.hpp"

namespace jailplan::ast {

/// A variable reference inside a value: its value goes at `pos` of the
/// word's literal text.
struct FlatVar {
  std::string_view name;
  std::uint32_t pos = 0;
  Location location;
};

/// One value as written: the literal text with the variables' positions.
struct FlatWord {
  std::string_view text;
  std::span<const FlatVar> vars;
  Location location;
};

/// One parameter or variable statement.
struct FlatParam {
  std::string_view name;  ///< without `$` for variables
  bool is_variable = false;
  bool append = false;  ///< `+=`
  Location location;    ///< the name
  std::span<const FlatWord> words;
};

/// Receives statements in read order. Text and words of the statement
/// being read go into `store()`, which must keep them as long as the
/// receiver needs the statement.
class StatementSink {
 public:
  virtual ~StatementSink() = default;
  virtual Arena& store() = 0;
  virtual void param(const FlatParam& p) = 0;
  virtual void open_block(std::string_view name, Location at) = 0;
  virtual void close_block() = 0;
  /// `.include`: `inc.targets` are the files already read (a loaded syntax
  /// tree), or empty when the receiver is to read them itself.
  virtual void include(const Include& inc) = 0;
};

/// `words` in compiled form, in `into`.
std::span<const FlatWord> flatten_words(const std::vector<Word>& words, Arena& into);

/// Sends a syntax tree's statements to `sink` (includes as `include`).
void feed(const std::vector<Statement>& body, StatementSink& sink);

}  // namespace jailplan::ast
