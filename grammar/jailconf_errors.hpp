#pragma once
/// The message and kind of every must<> point of the jail.conf grammar.

#include <cstdint>

#include "grammar/jailconf_grammar.hpp"

namespace jailplan::grammar {

/// What went wrong, for the parser's recovery: it resumes by kind, never by
/// a message's wording.
enum class SyntaxError : std::uint8_t {
  none,
  unterminated_comment,   ///< nothing follows: the rest of the file is comment
  unterminated_variable,  ///< jail(8)'s scanner gives up on the rest of the line
  unterminated_string,    ///< likewise
  expected_value,         ///< ", got <token>" is appended
  expected_terminator,    ///< likewise, with a hint about ';'
};

/// The message and kind of every must<> point of the jail.conf grammar.
template <typename Rule>
struct syntax_error {
  static constexpr const char* message = nullptr;
  static constexpr SyntaxError kind = SyntaxError::none;
};

#define JAILPLAN_SYNTAX_ERROR(rule, error_kind, text)            \
  template <>                                                    \
  struct syntax_error<rules::rule> {                             \
    static constexpr const char* message = text;                 \
    static constexpr SyntaxError kind = SyntaxError::error_kind; \
  }

// clang-format off
JAILPLAN_SYNTAX_ERROR(block_comment_body, unterminated_comment, "unterminated comment: '/*' has no closing '*/'");
JAILPLAN_SYNTAX_ERROR(braced_close, unterminated_variable, "unterminated variable: '${' has no closing '}' on its line");
JAILPLAN_SYNTAX_ERROR(squote_close, unterminated_string, "unterminated string: the single quote is never closed");
JAILPLAN_SYNTAX_ERROR(dquote_close, unterminated_string, "unterminated string: the double quote is never closed");
JAILPLAN_SYNTAX_ERROR(value_after_assign, expected_value, "expected a value after '='");
JAILPLAN_SYNTAX_ERROR(value_after_append, expected_value, "expected a value after '+='");
JAILPLAN_SYNTAX_ERROR(value_after_comma, expected_value, "expected a value after ','");
JAILPLAN_SYNTAX_ERROR(param_end, expected_terminator, "expected ';' after parameter");
// clang-format on

#undef JAILPLAN_SYNTAX_ERROR

struct jailconf_errors {
  template <typename Rule>
  static constexpr auto message = syntax_error<Rule>::message;
};

/// must_if's control, which also leaves the error's kind in the parse
/// state before it throws (from a must<> point, and from a rule with a
/// message failing elsewhere).
template <typename Rule>
struct jailconf_control : tao::pegtl::must_if<jailconf_errors>::control<Rule> {
  using base = tao::pegtl::must_if<jailconf_errors>::control<Rule>;

  template <typename ParseInput, typename State>
  [[noreturn]] static void raise(const ParseInput& in, State& st) {
    st.error = syntax_error<Rule>::kind;
    base::raise(in, st);
  }

  template <typename ParseInput, typename State>
  static void failure(const ParseInput& in, State& st) {
    if constexpr (syntax_error<Rule>::message != nullptr)
      raise(in, st);
    else
      base::failure(in, st);
  }
};

}  // namespace jailplan::grammar
