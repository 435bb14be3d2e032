// The only translation unit that includes PEGTL.
#include "grammar/jailconf_parser.hpp"

#include <cstring>
#include <iterator>

#include <fmt/format.h>
#include <tao/pegtl/contrib/analyze.hpp>

#include "grammar/jailconf_actions.hpp"
#include "grammar/jailconf_errors.hpp"
#include "grammar/jailconf_grammar.hpp"
#include "grammar/word.hpp"

namespace jailplan {
namespace grammar {

namespace pegtl = tao::pegtl;

int decode_escape(std::string_view esc) {
  // esc starts with the backslash and has at least one more character.
  const char c = esc[1];
  if (c >= '0' && c <= '7') {
    unsigned v = 0;
    for (std::size_t i = 1; i < esc.size() && i <= 3 && esc[i] >= '0' && esc[i] <= '7'; ++i)
      v = v * 8 + static_cast<unsigned>(esc[i] - '0');
    return static_cast<int>(v & 0xffU);
  }
  switch (c) {
    case 'a': return '\a';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    case '\n': return -1;
    case 'x': {
      unsigned v = 0;
      for (std::size_t i = 2; i < esc.size() && i < 4; ++i) {
        const char h = esc[i];
        if (h >= '0' && h <= '9')
          v = v * 16 + static_cast<unsigned>(h - '0');
        else if (h >= 'a' && h <= 'f')
          v = v * 16 + static_cast<unsigned>(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
          v = v * 16 + static_cast<unsigned>(h - 'A' + 10);
        else
          break;
      }
      return static_cast<int>(v);
    }
    default: return static_cast<unsigned char>(c);
  }
}

std::string decode_token_body(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      out += body[i];
      continue;
    }
    std::size_t len = 2;
    const char c = body[i + 1];
    if (c >= '0' && c <= '7') {
      while (len < 4 && i + len < body.size() && body[i + len] >= '0' && body[i + len] <= '7') ++len;
    } else if (c == 'x') {
      while (len < 4 && i + len < body.size() && std::isxdigit(static_cast<unsigned char>(body[i + len])))
        ++len;
    }
    const int v = decode_escape(body.substr(i, len));
    i += len - 1;
    if (v == 0) return out;  // a NUL ends the C string
    if (v > 0) out += static_cast<char>(v);
  }
  return out;
}

tao::pegtl::position ParseState::position(const char* p) const {
  const auto lc = file->line_col(static_cast<std::uint32_t>(p - begin));
  return tao::pegtl::position(
      tao::pegtl::internal::iterator(p, static_cast<std::size_t>(p - begin), lc.line, lc.column),
      file->name());
}

// The scratch words and lists keep their capacity from statement to
// statement; what goes into the tree is copied out at its exact size
// (growing vectors in the tree itself cost four allocations a jail block
// and left a third of the tree as slack).
void ParseState::clear_word(ast::Word& w) {
  w.pieces.clear();
  w.location = {};
  w.raw = {};
  w.leading = ast::CommentList();
}

ast::Statement ParseState::close_top_block() {
  auto& scratch = open_bodies[open_blocks.size() - 1];
  auto& block = std::get<ast::Block>(open_blocks.back().node);
  block.body.assign(std::make_move_iterator(scratch.begin()), std::make_move_iterator(scratch.end()));
  scratch.clear();
  ast::Statement done = std::move(open_blocks.back());
  open_blocks.pop_back();
  return done;
}

void ParseState::reset_statement() {
  clear_word(word);
  word_tokens = 0;
  second_token = nullptr;
  clear_word(name);
  op = ast::Op::flag;
  values.clear();
  multiline_string_start = nullptr;
}

// `text` is a slice of the source or already in the document's arena.
// Touching literal runs become one piece: a longer slice when they are
// adjacent in memory (the common case), else a joined copy.
void ParseState::push_literal(const char* at, std::string_view text) {
  if (!word.pieces.empty() && word.pieces.back().kind == ast::PieceKind::literal) {
    std::string_view& prev = word.pieces.back().text;
    if (prev.empty()) {
      prev = text;
    } else if (prev.data() + prev.size() == text.data()) {
      prev = std::string_view(prev.data(), prev.size() + text.size());
    } else if (!text.empty()) {
      char* joined = static_cast<char*>(text_store->allocate(prev.size() + text.size(), 1));
      std::memcpy(joined, prev.data(), prev.size());
      std::memcpy(joined + prev.size(), text.data(), text.size());
      prev = std::string_view(joined, prev.size() + text.size());
    }
    return;
  }
  word.pieces.push_back({ast::PieceKind::literal, text, loc(at)});
}

void ParseState::push_variable(const char* at, std::string_view var) {
  word.pieces.push_back({ast::PieceKind::variable, var, loc(at)});
}

void ParseState::on_comment(const char* b, const char* e) {
  if (sink != nullptr) return;  // nothing keeps comments
  const auto offset = static_cast<std::uint32_t>(b - begin);
  if (offset < comments_seen_until) return;
  comments_seen_until = static_cast<std::uint32_t>(e - begin);
  const char* p = b;
  while (p > begin && (p[-1] == ' ' || p[-1] == '\t')) --p;
  const bool own_line = p == begin || p[-1] == '\n';
  std::string_view text(b, static_cast<std::size_t>(e - b));
  while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  const std::uint32_t line = line_of(b);
  ast::Comment c{std::string(text), loc(b), own_line, line > last_line + 1 && last_line != 0};
  if (!own_line && trailing_sink != nullptr && line == last_line) {
    trailing_sink->push_back(std::move(c));
  } else {
    pending.push_back(std::move(c));
  }
  last_line = line_of(e > b ? e - 1 : e);
}

namespace {

bool at_block_open(const char* p, const char* end) {
  // Peeks past blanks and comments for '{' (used only to word an error).
  while (p < end) {
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
      ++p;
    } else if (*p == '#' || (*p == '/' && p + 1 < end && p[1] == '/')) {
      while (p < end && *p != '\n') ++p;
    } else if (*p == '/' && p + 1 < end && p[1] == '*') {
      const char* q = static_cast<const char*>(memmem(p + 2, static_cast<std::size_t>(end - p - 2), "*/", 2));
      if (q == nullptr) return false;
      p = q + 2;
    } else {
      return *p == '{';
    }
  }
  return false;
}

}  // namespace

void ParseState::on_name(const char* b, const char* e) {
  if (word_tokens > 1) {
    // jail(8) stops here; we report it and read the name as if quoted, so
    // the rest of the file is still checked with its structure intact
    const bool block = at_block_open(e, file->text().data() + file->text().size());
    const std::string whole(b, static_cast<std::size_t>(e - b));
    diags->error(loc(second_token),
                 fmt::format("{} name must be a single word, but '{}' is several touching pieces; quote it "
                             "as one string: \"{}\"",
                             block ? "a jail" : "a parameter", whole, whole),
                 "syntax");
    ast::Word merged;
    merged.pieces.push_back({ast::PieceKind::literal, keep(word.literal_text()), loc(b)});
    word = std::move(merged);
    word_tokens = 1;
  }
  name.pieces.swap(word.pieces);
  name.location = loc(b);
  name.raw = std::string_view(b, static_cast<std::size_t>(e - b));
  clear_word(word);
  word_tokens = 0;
  second_token = nullptr;
  if (sink != nullptr) return;  // no layout to keep
  stmt_leading = std::move(pending);
  pending.clear();
  const std::uint32_t line = line_of(b);
  stmt_blank_before = last_line != 0 && line > last_line + 1;
  trailing_sink = nullptr;
}

void ParseState::on_value(const char* b, const char* e) {
  ast::Word& w = values.emplace_back();
  w.pieces.assign(word.pieces.begin(), word.pieces.end());
  w.location = loc(b);
  w.raw = std::string_view(b, static_cast<std::size_t>(e - b));
  w.leading = std::move(pending);
  pending.clear();
  clear_word(word);
  word_tokens = 0;
  second_token = nullptr;
}

void ParseState::on_block_open(const char* at) {
  if (name.pieces.size() == 1 && name.pieces[0].kind == ast::PieceKind::variable)
    throw pegtl::parse_error(
        fmt::format("a jail name cannot be a variable: '{}' (quote it to use a literal '$')", name.raw),
        position(begin + name.location.offset));
  if (sink != nullptr) {
    sink_blocks.push_back({name.literal_text(), name.location});
    sink->open_block(sink_blocks.back().name, name.location);
    text_store = &sink->store();
    reset_statement();
    return;
  }
  ast::Statement s;
  ast::Block block;
  block.name = name.literal_text();
  block.raw_name = name.raw;
  block.location = name.location;
  s.leading = std::move(stmt_leading);
  s.blank_before = stmt_blank_before;
  s.node = std::move(block);
  open_blocks.push_back(std::move(s));
  if (open_bodies.size() < open_blocks.size()) open_bodies.emplace_back();
  trailing_sink = &std::get<ast::Block>(open_blocks.back().node).open_trailing;
  last_line = line_of(at);
  reset_statement();
  stmt_leading.clear();
}

void ParseState::on_block_close(const char* at) {
  if (sink != nullptr) {
    if (sink_blocks.empty())
      throw pegtl::parse_error("unexpected '}': no jail block is open here", position(at));
    sink_blocks.pop_back();
    sink->close_block();
    text_store = &sink->store();
    return;
  }
  if (open_blocks.empty())
    throw pegtl::parse_error("unexpected '}': no jail block is open here", position(at));
  auto& block = std::get<ast::Block>(open_blocks.back().node);
  block.closing = std::move(pending);
  pending.clear();
  block.close_location = loc(at);
  ast::Statement done = close_top_block();
  auto& body = current_body();
  body.push_back(std::move(done));
  trailing_sink = &body.back().trailing;
  last_line = line_of(at);
}

// An `.include`'s file names are read while parsing, before any variable
// exists: each word with a variable is an error.
bool ParseState::include_names_ok(const std::vector<ast::Word>& names) {
  bool ok = true;
  for (const auto& v : names)
    if (v.has_variables()) {
      diags->error(v.location, "variables are not permitted in an '.include' file name", "syntax").detail =
          "jail(8) reads included files while parsing, before any variable exists";
      ok = false;
    }
  return ok;
}

void ParseState::on_param_end(const char* at) {
  if (sink != nullptr) {
    param_to_sink();
    return;
  }
  ast::Param p;
  const auto& piece = name.pieces.front();
  p.is_variable = piece.kind == ast::PieceKind::variable;
  p.name = piece.text;
  p.op = op;
  p.values.assign(std::make_move_iterator(values.begin()), std::make_move_iterator(values.end()));
  values.clear();
  p.location = name.location;
  p.raw_name = name.raw;

  ast::Statement s;
  s.leading = std::move(stmt_leading);
  s.blank_before = stmt_blank_before;
  s.trailing = std::move(pending);
  pending.clear();
  bool keep = true;
  if (!p.is_variable && p.name == ".include" && p.op == ast::Op::name_value) {
    keep = include_names_ok(p.values);
    if (keep) {
      s.node = ast::Include{std::move(p), {}};
      doc->may_include = true;
    }
  } else {
    s.node = std::move(p);
  }
  if (keep) {
    auto& body = current_body();
    body.push_back(std::move(s));
    trailing_sink = &body.back().trailing;
  }
  last_line = line_of(at);
  reset_statement();
  stmt_leading.clear();
}

// A statement read without a tree: compiled into the sink's store straight
// from the scratch words, or an include for the sink to read.
void ParseState::param_to_sink() {
  const ast::Piece& piece = name.pieces.front();
  const bool is_variable = piece.kind == ast::PieceKind::variable;
  if (!is_variable && piece.text == ".include" && op == ast::Op::name_value) {
    ast::Param p;
    p.name = piece.text;
    p.op = op;
    p.values.assign(values.begin(), values.end());
    p.location = name.location;
    p.raw_name = name.raw;
    reset_statement();
    if (include_names_ok(p.values)) sink->include(ast::Include{std::move(p), {}});
  } else {
    ast::FlatParam fp;
    fp.name = piece.text;
    fp.is_variable = is_variable;
    fp.append = op == ast::Op::append;
    fp.location = name.location;
    fp.words = ast::flatten_words(values, sink->store());
    reset_statement();
    sink->param(fp);
  }
  text_store = &sink->store();
}

namespace {

using Input = pegtl::memory_input<pegtl::tracking_mode::lazy, pegtl::eol::lf_crlf>;

// Describes the token at `p` for "expected X, got Y" messages.
std::string describe_token(const char* p, const char* end) {
  if (p >= end) return "end of file";
  const char c = *p;
  if (c == '\n' || c == '\r') return "end of line";
  if (is_bare_char(c) || c == '"' || c == '\'' || c == '$' || c == '\\' || c == '/' || c == '*' || c == '+') {
    const char* q = p;
    while (q < end && q - p < 40 && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r' && *q != ';' &&
           *q != ',' && *q != '{' && *q != '}' && *q != '=' && *q != '#')
      ++q;
    return fmt::format("'{}'", std::string_view(p, static_cast<std::size_t>(q - p)));
  }
  if (static_cast<unsigned char>(c) >= 0x80) return "a non-ASCII byte (non-ASCII text must be quoted)";
  if (static_cast<unsigned char>(c) < 0x20)
    return fmt::format("control character 0x{:02x}", static_cast<unsigned>(c));
  return fmt::format("'{}'", c);
}

// Skips to just after the next ';' or to just before the next '}' outside
// quotes and comments: where jail(8)'s parser resumes after an error.
const char* recover(const char* p, const char* end) {
  while (p < end) {
    const char c = *p;
    if (c == ';') return p + 1;
    if (c == '}') return p;
    if (c == '"' || c == '\'') {
      const char* q = p + 1;
      while (q < end && *q != c) q += (*q == '\\' && q + 1 < end) ? 2 : 1;
      p = q < end ? q + 1 : end;
    } else if (c == '#' || (c == '/' && p + 1 < end && p[1] == '/')) {
      while (p < end && *p != '\n') ++p;
    } else if (c == '/' && p + 1 < end && p[1] == '*') {
      const void* q = memmem(p + 2, static_cast<std::size_t>(end - p - 2), "*/", 2);
      p = q == nullptr ? end : static_cast<const char*>(q) + 2;
    } else if (c == '\\' && p + 1 < end) {
      p += 2;
    } else {
      ++p;
    }
  }
  return end;
}

void report(ParseState& st, SyntaxError kind, std::string message, const char* at, const char* end,
            const char* stmt_start) {
  const bool expected = kind == SyntaxError::expected_value || kind == SyntaxError::expected_terminator;
  const bool wants_semicolon = kind == SyntaxError::expected_terminator;
  if (expected) message += fmt::format(", got {}", describe_token(at, end));
  auto& d = st.diags->error(st.loc(at), std::move(message), "syntax");
  if (wants_semicolon && at < end) {
    if (*at == '{')
      d.detail = "a jail block needs its name alone before '{'; values need ';' after them";
    else if (*at == '}')
      d.detail = "every parameter needs its own ';', also the last one in a block";
    else if (*at != ';' && *at != ',')
      d.detail = "a value containing spaces must be quoted as one string";
  }
  if (st.multiline_string_start != nullptr && st.multiline_string_start >= stmt_start) {
    d.notes.push_back(
        {"a quoted string starting here spans several lines; is its closing quote "
         "missing?",
         st.loc(st.multiline_string_start)});
  }
}

}  // namespace
}  // namespace grammar

namespace grammar {
namespace {

// Reads the whole file statement by statement, recovering after errors.
void parse_statements(ParseState& st, const SourceFile& file, Diagnostics& diags) {
  const std::string_view text = file.text();
  st.file = &file;
  st.begin = text.data();
  st.diags = &diags;
  const char* const end = text.data() + text.size();

  Input in(text.data(), end, file.name());
  while (true) {
    // an action's own parse_error (a stray '}') has no kind: reset it
    st.error = SyntaxError::none;
    try {
      pegtl::parse<rules::skip, action, jailconf_control>(in, st);
    } catch (const pegtl::parse_error& e) {
      // only an unterminated comment can fail here; nothing follows it
      report(st, st.error, std::string(e.message()),
             st.comment_start != nullptr ? st.comment_start : in.current(), end, in.current());
      break;
    }
    if (in.empty()) break;
    const char* start = in.current();
    const char* resume = nullptr;
    st.error = SyntaxError::none;
    try {
      if (!pegtl::parse<rules::statement, action, jailconf_control>(in, st)) {
        report(st, SyntaxError::expected_terminator, "expected a parameter, a jail block or ';'", start, end,
               start);
        resume = recover(start, end);
      }
    } catch (const pegtl::parse_error& e) {
      const SyntaxError kind = st.error;
      const char* at = text.data() + e.positions().front().byte;
      if (kind == SyntaxError::unterminated_comment && st.comment_start != nullptr) at = st.comment_start;
      if (kind == SyntaxError::unterminated_variable) {
        // point at the '${' that was never closed
        for (const char* p = at; p > start; --p)
          if (p[-1] == '$' && p[0] == '{') {
            at = p - 1;
            break;
          }
      }
      report(st, kind, std::string(e.message()), at, end, start);
      if (kind == SyntaxError::unterminated_string || kind == SyntaxError::unterminated_variable) {
        // jail(8)'s scanner gives up on the rest of that line only.
        const char* nl =
            static_cast<const char*>(std::memchr(start, '\n', static_cast<std::size_t>(end - start)));
        resume = recover(nl == nullptr ? end : nl + 1, end);
      } else if (kind == SyntaxError::unterminated_comment) {
        resume = end;
      } else {
        resume = recover(at > start ? at : start, end);
      }
    }
    if (resume != nullptr) {
      if (resume <= start) resume = start + 1;  // always make progress
      st.reset_statement();
      st.stmt_leading.clear();
      if (st.sink != nullptr) st.text_store = &st.sink->store();
      in.restart();
      in.bump(static_cast<std::size_t>(resume - text.data()));
    }
  }
}

}  // namespace
}  // namespace grammar

ast::Document parse_jailconf(const SourceFile& file, Diagnostics& diags) {
  using namespace grammar;
  ast::Document doc;
  doc.file = &file;
  doc.may_include = false;  // until an .include statement is kept
  ParseState st;
  st.doc = &doc;
  st.text_store = &doc.text;
  parse_statements(st, file, diags);
  const char* const end = file.text().data() + file.text().size();
  if (!st.open_blocks.empty()) {
    auto& d = diags.error(st.loc(end), "expected '}' to close a jail block, got end of file", "syntax");
    for (auto it = st.open_blocks.rbegin(); it != st.open_blocks.rend(); ++it) {
      const auto& b = std::get<ast::Block>(it->node);
      d.notes.push_back({fmt::format("jail block '{}' opened here", b.name), b.location});
    }
    while (!st.open_blocks.empty()) {
      ast::Statement s = st.close_top_block();
      st.current_body().push_back(std::move(s));
    }
  }
  doc.trailing = std::move(st.pending);
  return doc;
}

void parse_jailconf(const SourceFile& file, Diagnostics& diags, ast::StatementSink& sink) {
  using namespace grammar;
  ParseState st;
  st.sink = &sink;
  st.text_store = &sink.store();
  parse_statements(st, file, diags);
  if (!st.sink_blocks.empty()) {
    const char* const end = file.text().data() + file.text().size();
    auto& d = diags.error(st.loc(end), "expected '}' to close a jail block, got end of file", "syntax");
    for (auto it = st.sink_blocks.rbegin(); it != st.sink_blocks.rend(); ++it)
      d.notes.push_back({fmt::format("jail block '{}' opened here", it->name), it->location});
    for (std::size_t i = 0; i < st.sink_blocks.size(); ++i) sink.close_block();
  }
}

std::size_t analyze_jailconf_grammar(bool verbose) {
  return tao::pegtl::analyze<grammar::rules::config>(verbose ? 1 : 0);
}

}  // namespace jailplan
