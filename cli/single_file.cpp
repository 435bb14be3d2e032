#include "cli/single_file.hpp"

#include <ostream>

#include <fmt/format.h>

#include "cli/exit_code.hpp"
#include "grammar/jailconf_parser.hpp"
#include "grammar/yaml_parser.hpp"

namespace jailplan {

const SourceFile* read_source(const std::string& path, const std::string& description, World& w,
                              SourceSet& sources) {
  std::string error;
  auto text = w.loader.read(path, error);
  if (!text) {
    w.err << fmt::format("jailplan: error: cannot read {}: {}\n", description, error);
    return nullptr;
  }
  return &sources.add(path == "-" ? "STDIN" : path, std::move(*text));
}

std::optional<ast::Document> parse_single_file(const std::string& path, World& w, SourceSet& sources) {
  const SourceFile* file = read_source(path, fmt::format("'{}'", path), w, sources);
  if (file == nullptr) return std::nullopt;
  Diagnostics diags;
  const SourceFile& in = *file;
  ast::Document doc = is_yaml_name(path) ? parse_yaml_config(in, diags) : parse_jailconf(in, diags);
  if (diags.has_errors()) {
    w.err << render(diags, w.style());
    return std::nullopt;
  }
  return doc;
}

int emit_text(const std::string& path, const std::string& text, World& w) {
  if (path.empty() || path == "-") {
    w.out << text;
    return k_exit_ok;
  }
  if (auto e = write_file_atomically(path, text); !e.empty()) {
    w.err << fmt::format("jailplan: error: {}\n", e);
    return k_exit_error;
  }
  return k_exit_ok;
}

}  // namespace jailplan
