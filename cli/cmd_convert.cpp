// `jailplan convert --to yaml|conf FILE`: the same statements in the other
// syntax. Includes stay `.include` directives naming the same files.
#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/single_file.hpp"
#include "grammar/printer.hpp"

namespace jailplan {

int run_convert(const ConvertOptions& o, World& w) {
  SourceSet sources;
  const auto doc = parse_single_file(o.file, w, sources);
  if (!doc) return k_exit_error;
  return emit_text(o.output, o.to == "yaml" ? print_yaml(*doc) : print_conf(*doc), w);
}

}  // namespace jailplan
