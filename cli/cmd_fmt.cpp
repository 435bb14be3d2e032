// `jailplan fmt [--check|--write] FILE`: canonical layout that keeps
// comments and meaning. The output is re-parsed and compared with the input
// before anything is written, so a printer bug can never change a config.
#include <ostream>

#include <fmt/format.h>

#include "base/line_diff.hpp"
#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/single_file.hpp"
#include "grammar/jailconf_parser.hpp"
#include "grammar/printer.hpp"
#include "grammar/source_loader.hpp"
#include "grammar/yaml_parser.hpp"

namespace jailplan {

int run_fmt(const FmtOptions& o, World& w) {
  SourceSet sources;
  const auto doc = parse_single_file(o.file, w, sources);
  if (!doc) return k_exit_error;
  const std::string original(doc->file->text());
  const bool yaml = is_yaml_name(o.file);
  const std::string formatted = yaml ? print_yaml(*doc) : print_conf(*doc);

  Diagnostics again;
  const SourceFile& out = sources.add(doc->file->name() + " (formatted)", formatted);
  const ast::Document redoc = yaml ? parse_yaml_config(out, again) : parse_jailconf(out, again);
  if (again.has_errors() || !same_meaning(*doc, redoc)) {
    w.err << render(again, w.style());
    w.err << fmt::format(
        "jailplan: error: formatting '{}' would change its meaning; nothing was written [this is a bug]\n",
        o.file);
    return k_exit_error;
  }

  if (o.check) {
    if (formatted == original) return k_exit_ok;
    w.out << unified_diff(original, formatted, o.file, o.file + " (formatted)");
    w.err << fmt::format("{}: not in canonical layout; run 'jailplan fmt --write {}'\n", o.file, o.file);
    return k_exit_error;
  }
  if (o.write && formatted == original) return k_exit_ok;
  return emit_text(o.write ? o.file : "", formatted, w);
}

}  // namespace jailplan
