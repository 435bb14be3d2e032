#pragma once
/// jail.conf grammar as PEGTL rules, one named struct per rule. No actions
/// and no messages here (see jailconf_actions.hpp, jailconf_errors.hpp).
///
/// The rules mirror FreeBSD's jaillex.l token classes and jailparse.y
/// (shared/reference/jail-semantics.md §1). The parser drives `statement`
/// one statement at a time so that it can recover at ';' after an error.

#include <tao/pegtl.hpp>

namespace jailplan::grammar::rules {

namespace pegtl = tao::pegtl;
using pegtl::any;
using pegtl::eof;
using pegtl::must;
using pegtl::not_at;
using pegtl::not_one;
using pegtl::one;
using pegtl::opt;
using pegtl::plus;
using pegtl::ranges;
using pegtl::seq;
using pegtl::sor;
using pegtl::star;
using pegtl::until;

// --- separators (§1.1) -------------------------------------------------
struct blank : plus<one<' ', '\t', '\r', '\n'>> {};
struct hash_comment : seq<one<'#'>, star<not_one<'\n'>>> {};
struct slash_comment : seq<one<'/'>, one<'/'>, star<not_one<'\n'>>> {};
struct block_comment_end : seq<one<'*'>, one<'/'>> {};
struct block_comment_body : until<block_comment_end> {};
struct block_comment_open : seq<one<'/'>, one<'*'>> {};
struct block_comment : seq<block_comment_open, must<block_comment_body>> {};
struct comment : sor<hash_comment, slash_comment, block_comment> {};
struct separator : sor<blank, comment> {};
struct skip : star<separator> {};

// --- escapes (§1.3) ----------------------------------------------------
struct odigit : pegtl::range<'0', '7'> {};
struct octal_escape : seq<one<'\\'>, odigit, opt<odigit>, opt<odigit>> {};
struct hex_escape : seq<one<'\\'>, one<'x'>, pegtl::xdigit, opt<pegtl::xdigit>> {};
struct other_escape : seq<one<'\\'>, any> {};
struct escape : sor<octal_escape, hex_escape, other_escape> {};

// --- variables (§1.2) --------------------------------------------------
struct ident_first : ranges<'A', 'Z', 'a', 'z', '_'> {};
struct ident_rest : ranges<'A', 'Z', 'a', 'z', '0', '9', '_'> {};
struct var_name : seq<ident_first, star<ident_rest>> {};
struct simple_var : seq<one<'$'>, var_name> {};
struct braced_close : one<'}'> {};
struct braced_char : sor<seq<one<'\\'>, any>, not_one<'\n', '{', '}'>> {};
struct braced_body : star<braced_char> {};
struct braced_var : seq<one<'$'>, one<'{'>, braced_body, must<braced_close>> {};

// --- unquoted pieces ---------------------------------------------------
struct bare_char : sor<pegtl::alnum, one<'_', '!', '%', '&', '(', ')', '-', '.', ':', '<', '>', '?', '@', '[',
                                         ']', '^', '`', '|', '~'>> {};
struct bare_run : plus<bare_char> {};
struct bare_escape : escape {};
struct lone_char : sor<one<'$'>, one<'*'>, seq<one<'+'>, not_at<one<'='>>>,
                       seq<one<'/'>, not_at<one<'/', '*'>>>, one<'\\'>> {};

// --- quoted strings ----------------------------------------------------
struct squote_close : one<'\''> {};
struct squote_body : star<sor<seq<one<'\\'>, any>, not_one<'\'', '\\'>>> {};
struct squote_open : one<'\''> {};
struct squoted : seq<squote_open, squote_body, must<squote_close>> {};

struct dquote_open : one<'"'> {};
struct dquote_close : one<'"'> {};
struct dq_braced_char : sor<seq<one<'\\'>, any>, not_one<'\n', '"', '{', '}'>> {};
struct dq_braced_body : star<dq_braced_char> {};
struct dq_braced_var : seq<one<'$'>, one<'{'>, dq_braced_body, must<braced_close>> {};
struct dq_simple_var : simple_var {};
struct dq_escape : escape {};
struct dq_text : plus<not_one<'"', '\\', '$'>> {};
struct dq_dollar : one<'$'> {};
struct dq_part : sor<dq_braced_var, dq_simple_var, dq_escape, dq_text, dq_dollar> {};
struct dquoted : seq<dquote_open, star<dq_part>, must<dquote_close>> {};

// --- words (§1.4) ------------------------------------------------------
struct piece : sor<braced_var, simple_var, squoted, dquoted, bare_escape, bare_run, lone_char> {};
struct word : plus<piece> {};

// --- statements (§1.5) -------------------------------------------------
struct name_word : word {};
struct value_word : word {};
struct first_value : value_word {};
struct value_after_assign : value_word {};
struct value_after_append : value_word {};
struct value_after_comma : value_word {};
struct comma : one<','> {};
struct more_values : star<seq<skip, comma, skip, must<value_after_comma>>> {};
struct assign_op : one<'='> {};
struct append_op : seq<one<'+'>, one<'='>> {};
struct assign_tail : seq<assign_op, skip, must<value_after_assign>, more_values> {};
struct append_tail : seq<append_op, skip, must<value_after_append>, more_values> {};
struct bare_tail : opt<first_value, more_values> {};
struct param_end : one<';'> {};
struct param_rest : seq<sor<append_tail, assign_tail, bare_tail>, skip, must<param_end>> {};
struct block_open : one<'{'> {};
struct named_statement : seq<name_word, skip, sor<block_open, param_rest>> {};
struct empty_statement : one<';'> {};
struct block_close : one<'}'> {};
struct statement : sor<empty_statement, block_close, named_statement> {};

/// The whole language, for analyze(): what the statement loop accepts.
struct config : seq<skip, star<statement, skip>, eof> {};

}  // namespace jailplan::grammar::rules
