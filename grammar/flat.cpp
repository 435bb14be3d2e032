#include "grammar/flat.hpp"

#include <cstring>

namespace jailplan::ast {

std::span<const FlatWord> flatten_words(const std::vector<Word>& words, Arena& into) {
  if (words.empty()) return {};
  auto out = into.array<FlatWord>(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    const Word& w = words[i];
    FlatWord& fw = out[i];
    fw.location = w.location;
    if (w.pieces.size() == 1 && w.pieces[0].kind == PieceKind::literal) {
      fw.text = w.pieces[0].text;  // a slice of the source, or already kept
      continue;
    }
    std::size_t length = 0, vars = 0;
    for (const auto& piece : w.pieces) {
      if (piece.kind == PieceKind::literal)
        length += piece.text.size();
      else
        ++vars;
    }
    char* text = length == 0 ? nullptr : static_cast<char*>(into.allocate(length, 1));
    auto refs = into.array<FlatVar>(vars);
    std::size_t at = 0, v = 0;
    for (const auto& piece : w.pieces) {
      if (piece.kind == PieceKind::literal) {
        if (!piece.text.empty()) std::memcpy(text + at, piece.text.data(), piece.text.size());
        at += piece.text.size();
      } else {
        refs[v++] = {piece.text, static_cast<std::uint32_t>(at), piece.location};
      }
    }
    fw.text = std::string_view(text, length);
    fw.vars = refs;
  }
  return out;
}

void feed(const std::vector<Statement>& body, StatementSink& sink) {
  for (const auto& s : body) {
    if (const auto* p = std::get_if<Param>(&s.node)) {
      FlatParam fp;
      fp.name = p->name;
      fp.is_variable = p->is_variable;
      fp.append = p->op == Op::append;
      fp.location = p->location;
      fp.words = flatten_words(p->values, sink.store());
      sink.param(fp);
    } else if (const auto* b = std::get_if<Block>(&s.node)) {
      sink.open_block(b->name, b->location);
      feed(b->body, sink);
      sink.close_block();
    } else if (const auto* inc = std::get_if<Include>(&s.node)) {
      sink.include(*inc);
    }
  }
}

}  // namespace jailplan::ast
