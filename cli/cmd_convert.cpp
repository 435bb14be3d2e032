// `jailplan convert --to yaml|conf FILE`: the same statements in the other
// syntax. Includes stay `.include` directives naming the same files.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "grammar/jailconf_parser.hpp"
#include "grammar/printer.hpp"
#include "grammar/source_loader.hpp"
#include "grammar/yaml_parser.hpp"

namespace jailplan {

int run_convert(const ConvertOptions& o, World& w) {
  std::string err;
  auto text = w.loader.read(o.file, err);
  if (!text) {
    w.err << fmt::format("jailplan: error: cannot read '{}': {}\n", o.file, err);
    return k_exit_error;
  }
  SourceSet sources;
  Diagnostics diags;
  const SourceFile& in = sources.add(o.file == "-" ? "STDIN" : o.file, std::move(*text));
  const ast::Document doc = is_yaml_name(o.file) ? parse_yaml_config(in, diags) : parse_jailconf(in, diags);
  if (diags.has_errors()) {
    w.err << render(diags, w.style());
    return k_exit_error;
  }
  const std::string result = o.to == "yaml" ? print_yaml(doc) : print_conf(doc);
  if (o.output.empty() || o.output == "-") {
    w.out << result;
    return k_exit_ok;
  }
  if (auto e = write_file_atomically(o.output, result); !e.empty()) {
    w.err << fmt::format("jailplan: error: {}\n", e);
    return k_exit_error;
  }
  return k_exit_ok;
}

}  // namespace jailplan
