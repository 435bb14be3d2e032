// `jailplan fmt [--check|--write] FILE`: canonical layout that keeps
// comments and meaning. The output is re-parsed and compared with the input
// before anything is written, so a printer bug can never change a config.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/diff.hpp"
#include "cli/exit_code.hpp"
#include "grammar/jailconf_parser.hpp"
#include "grammar/printer.hpp"
#include "grammar/source_loader.hpp"
#include "grammar/yaml_parser.hpp"

namespace jailplan {

namespace {

ast::Document parse_any(const SourceFile& f, bool yaml, Diagnostics& d) {
  return yaml ? parse_yaml_config(f, d) : parse_jailconf(f, d);
}

}  // namespace

int run_fmt(const FmtOptions& o, World& w) {
  std::string err;
  auto text = w.loader.read(o.file, err);
  if (!text) {
    w.err << fmt::format("jailplan: error: cannot read '{}': {}\n", o.file, err);
    return k_exit_error;
  }
  const bool yaml = is_yaml_name(o.file);
  SourceSet sources;
  Diagnostics diags;
  const SourceFile& in = sources.add(o.file == "-" ? "STDIN" : o.file, *text);
  const ast::Document doc = parse_any(in, yaml, diags);
  if (diags.has_errors()) {
    w.err << render(diags, w.style());
    return k_exit_error;
  }
  const std::string formatted = yaml ? print_yaml(doc) : print_conf(doc);

  Diagnostics again;
  const SourceFile& out = sources.add(in.name() + " (formatted)", formatted);
  const ast::Document redoc = parse_any(out, yaml, again);
  if (again.has_errors() || !same_meaning(doc, redoc)) {
    w.err << render(again, w.style());
    w.err << fmt::format(
        "jailplan: error: formatting '{}' would change its meaning; nothing was written "
        "[this is a bug]\n",
        o.file);
    return k_exit_error;
  }

  if (o.check) {
    if (formatted == *text) return k_exit_ok;
    w.out << unified_diff(*text, formatted, o.file, o.file + " (formatted)");
    w.err << fmt::format("{}: not in canonical layout; run 'jailplan fmt --write {}'\n", o.file, o.file);
    return k_exit_error;
  }
  if (o.write) {
    if (formatted == *text) return k_exit_ok;
    if (o.file == "-") {
      w.out << formatted;
      return k_exit_ok;
    }
    if (auto e = write_file_atomically(o.file, formatted); !e.empty()) {
      w.err << fmt::format("jailplan: error: {}\n", e);
      return k_exit_error;
    }
    return k_exit_ok;
  }
  w.out << formatted;
  return k_exit_ok;
}

}  // namespace jailplan
