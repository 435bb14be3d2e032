// `jailplan graph FILE`: the dependency graph (depend and hierarchical
// parents) in Graphviz DOT.
#include <ostream>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "planner/render.hpp"

namespace jailplan {

int run_graph(const GraphOptions& o, World& w) {
  auto compiled = compile_for_plan(o.file, w, FstabFiles::skip);
  if (!compiled) return k_exit_error;
  w.out << render_dot(compiled->desired);
  return k_exit_ok;
}

}  // namespace jailplan
