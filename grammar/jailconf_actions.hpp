#pragma once
/// PEGTL actions for the jail.conf grammar: they assemble pieces into words
/// exactly as jaillex.l/jailparse.y do (escape decoding, NUL truncation per
/// scanner token, adjacent pieces forming one word) and build the AST.

#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "grammar/ast.hpp"
#include "grammar/flat.hpp"
#include "grammar/jailconf_errors.hpp"
#include "grammar/jailconf_grammar.hpp"

namespace jailplan::grammar {

/// Decodes one escape sequence starting at its backslash (§1.3). Returns
/// the byte, or -1 for a line continuation; 0 means a NUL.
int decode_escape(std::string_view esc);

/// Everything the actions share while one file is parsed.
struct ParseState {
  const SourceFile* file = nullptr;
  const char* begin = nullptr;

  // The word being assembled.
  ast::Word word;
  unsigned word_tokens = 0;  // scanner tokens in the current word
  bool token_dead = false;   // a NUL truncated the current token
  bool dq_segment_open = false;
  const char* multiline_string_start = nullptr;  // for the missing-quote note
  SyntaxError error = SyntaxError::none;         // the kind of the last must<> failure

  // The statement being assembled.
  ast::Word name;
  ast::Op op = ast::Op::flag;
  std::vector<ast::Word> values;
  std::vector<ast::Comment> stmt_leading;
  bool stmt_blank_before = false;

  // Comments not yet attached to anything.
  std::vector<ast::Comment> pending;
  std::uint32_t comments_seen_until = 0;  // dedupes comments re-read on backtracking

  // Open jail blocks, innermost last; each is a Statement holding a Block.
  std::vector<ast::Statement> open_blocks;
  ast::Document* doc = nullptr;

  // Reading without a tree: statements go to `sink`, comments are skipped,
  // and the open blocks are only names.
  ast::StatementSink* sink = nullptr;
  struct OpenBlock {
    std::string name;
    Location location;
  };
  std::vector<OpenBlock> sink_blocks;
  /// Where decoded and joined text goes: the document's arena, or the
  /// sink's store for the statement being read.
  Arena* text_store = nullptr;

  Diagnostics* diags = nullptr;
  const char* second_token = nullptr;         // where the current word's 2nd token starts
  const char* comment_start = nullptr;        // the last '/*', for "unterminated comment"
  ast::CommentList* trailing_sink = nullptr;  // gets same-line comments
  std::uint32_t last_line = 0;                // last line of the last statement or comment

  tao::pegtl::position position(const char* p) const;
  Location loc(const char* p) const { return {file, static_cast<std::uint32_t>(p - begin)}; }
  // The bodies of the open blocks are assembled here, one per depth, and
  // moved into their Block when it closes.
  std::vector<std::vector<ast::Statement>> open_bodies;
  std::vector<ast::Statement>& current_body() {
    return open_blocks.empty() ? doc->body : open_bodies[open_blocks.size() - 1];
  }
  ast::Statement close_top_block();
  static void clear_word(ast::Word& w);
  void reset_statement();
  void push_literal(const char* at, std::string_view text);
  void begin_token(const char* at) {
    token_dead = false;
    if (++word_tokens == 2) second_token = at;
  }
  void push_variable(const char* at, std::string_view name);
  /// Decoded text that is not in the source, kept in `text_store`.
  std::string_view keep(std::string_view decoded) { return text_store->save(decoded); }
  /// A braced variable's or single-quoted string's body, decoded.
  std::string_view decoded(std::string_view body);
  /// The 1-based line of `p`. The parser asks in mostly increasing order,
  /// so newlines are counted forward from the last answer.
  std::uint32_t line_of(const char* p) {
    if (p < line_cursor || line_cursor == nullptr) {
      line_cursor = p;
      line_at_cursor = file->line_col(loc(p).offset).line;
      return line_at_cursor;
    }
    for (const char* q = line_cursor; q < p; ++q) line_at_cursor += *q == '\n' ? 1U : 0U;
    line_cursor = p;
    return line_at_cursor;
  }
  const char* line_cursor = nullptr;
  std::uint32_t line_at_cursor = 0;

  void on_comment(const char* b, const char* e);
  void on_name(const char* b, const char* e);
  void on_value(const char* b, const char* e);
  void on_block_open(const char* at);
  void on_block_close(const char* at);
  void on_param_end(const char* at);
  void param_to_sink();
  bool include_names_ok(const std::vector<ast::Word>& names);
};

template <typename Rule>
struct action : tao::pegtl::nothing<Rule> {};

template <>
struct action<rules::comment> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.on_comment(in.begin(), in.end());
  }
};

template <>
struct action<rules::block_comment_open> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.comment_start = in.begin();
  }
};

template <>
struct action<rules::bare_run> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    st.push_literal(in.begin(), in.string_view());
  }
};

template <>
struct action<rules::lone_char> : action<rules::bare_run> {};

// Outside quotes every escape is its own scanner token, so a NUL empties
// just that token: `ab\0cd` is "abcd".
template <>
struct action<rules::bare_escape> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    const int c = decode_escape(in.string_view());
    // a NUL or a line continuation still leaves an (empty) token behind
    const char ch = static_cast<char>(c);
    st.push_literal(in.begin(), c > 0 ? st.keep(std::string_view(&ch, 1)) : std::string_view());
  }
};

template <>
struct action<rules::simple_var> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    st.push_variable(in.begin(), in.string_view().substr(1));
  }
};

/// Decodes a braced variable's body or a single-quoted string's body, with
/// NUL truncation (the whole body is one scanner token).
std::string decode_token_body(std::string_view body);

inline std::string_view ParseState::decoded(std::string_view body) {
  // without a backslash the body is its own decoding
  return body.find('\\') == std::string_view::npos ? body : keep(decode_token_body(body));
}

template <>
struct action<rules::braced_var> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    const auto t = in.string_view();
    st.push_variable(in.begin(), st.decoded(t.substr(2, t.size() - 3)));
  }
};

template <>
struct action<rules::squoted> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    const auto t = in.string_view();
    const auto body = t.substr(1, t.size() - 2);
    // without a backslash the body is its own decoding
    st.push_literal(in.begin(), st.decoded(body));
    if (t.find('\n') != std::string_view::npos) st.multiline_string_start = in.begin();
  }
};

template <>
struct action<rules::dquote_open> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    st.dq_segment_open = true;
    st.push_literal(in.begin(), {});
  }
};

template <>
struct action<rules::dquoted> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    if (in.string_view().find('\n') != std::string_view::npos) st.multiline_string_start = in.begin();
  }
};

// Inside double quotes a scanner token runs from a text character up to the
// next '$'; an escape right after a variable is a token of its own.
template <>
struct action<rules::dq_text> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    if (!st.dq_segment_open) {
      st.begin_token(in.begin());
      st.dq_segment_open = true;
    }
    if (!st.token_dead) st.push_literal(in.begin(), in.string_view());
  }
};

template <>
struct action<rules::dq_escape> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    const int c = decode_escape(in.string_view());
    if (!st.dq_segment_open) st.begin_token(in.begin());
    if (c == 0) {
      st.token_dead = st.dq_segment_open;
      return;
    }
    if (c > 0 && !st.token_dead) {
      const char ch = static_cast<char>(c);
      st.push_literal(in.begin(), st.keep(std::string_view(&ch, 1)));
    }
  }
};

template <>
struct action<rules::dq_simple_var> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    st.dq_segment_open = false;
    st.push_variable(in.begin(), in.string_view().substr(1));
  }
};

template <>
struct action<rules::dq_braced_var> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    st.dq_segment_open = false;
    const auto t = in.string_view();
    st.push_variable(in.begin(), st.decoded(t.substr(2, t.size() - 3)));
  }
};

template <>
struct action<rules::dq_dollar> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.begin_token(in.begin());
    st.dq_segment_open = false;
    st.push_literal(in.begin(), in.string_view());
  }
};

template <>
struct action<rules::name_word> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.on_name(in.begin(), in.end());
  }
};

struct value_action {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.on_value(in.begin(), in.end());
  }
};
template <>
struct action<rules::first_value> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.op = ast::Op::name_value;
    st.on_value(in.begin(), in.end());
  }
};
template <>
struct action<rules::value_after_assign> : value_action {};
template <>
struct action<rules::value_after_append> : value_action {};
template <>
struct action<rules::value_after_comma> : value_action {};

template <>
struct action<rules::assign_op> {
  static void apply0(ParseState& st) { st.op = ast::Op::assign; }
};
template <>
struct action<rules::append_op> {
  static void apply0(ParseState& st) { st.op = ast::Op::append; }
};

template <>
struct action<rules::block_open> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.on_block_open(in.begin());
  }
};
template <>
struct action<rules::block_close> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.on_block_close(in.begin());
  }
};
template <>
struct action<rules::param_end> {
  template <typename Input>
  static void apply(const Input& in, ParseState& st) {
    st.on_param_end(in.begin());
  }
};

}  // namespace jailplan::grammar
