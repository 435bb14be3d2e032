#pragma once
/// The message for every must<> point of the jail.conf grammar. The parser
/// appends ", got <token>" to "expected ..." messages.

#include "grammar/jailconf_grammar.hpp"

namespace jailplan::grammar {

template <typename Rule>
inline constexpr const char* error_message = nullptr;

// clang-format off
template <> inline constexpr auto error_message<rules::block_comment_body> = "unterminated comment: '/*' has no closing '*/'";
template <> inline constexpr auto error_message<rules::braced_close> = "unterminated variable: '${' has no closing '}' on its line";
template <> inline constexpr auto error_message<rules::squote_close> = "unterminated string: the single quote is never closed";
template <> inline constexpr auto error_message<rules::dquote_close> = "unterminated string: the double quote is never closed";
template <> inline constexpr auto error_message<rules::value_after_assign> = "expected a value after '='";
template <> inline constexpr auto error_message<rules::value_after_append> = "expected a value after '+='";
template <> inline constexpr auto error_message<rules::value_after_comma> = "expected a value after ','";
template <> inline constexpr auto error_message<rules::param_end> = "expected ';' after parameter";
// clang-format on

struct jailconf_errors {
  template <typename Rule>
  static constexpr auto message = error_message<Rule>;
};

template <typename Rule>
using jailconf_control = tao::pegtl::must_if<jailconf_errors>::control<Rule>;

}  // namespace jailplan::grammar
