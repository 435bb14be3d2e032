// `jailplan import [--rc-conf FILE] [--to conf|yaml] [-o FILE] [JAIL...]`:
// a configuration written from the jails this host runs (or from rc.conf's
// legacy jail_* variables), checked by compiling it before it is written.
#include <unistd.h>

#include <algorithm>
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/host_input.hpp"
#include "cli/single_file.hpp"
#include "compiler/compile.hpp"
#include "compiler/rc_conf_import.hpp"
#include "grammar/printer.hpp"
#include "planner/import.hpp"

namespace jailplan {

int run_import(const ImportOptions& o, World& w) {
  SourceSet sources;
  std::optional<ast::Document> doc;
  if (!o.rc_conf.empty()) {
    const SourceFile* rc_conf = read_source(o.rc_conf, o.rc_conf, w, sources);
    if (rc_conf == nullptr) return k_exit_error;
    auto imported = import_rc_conf(*rc_conf, o.jails,
                                   [](const std::string& path) { return ::access(path.c_str(), R_OK) == 0; });
    if (!imported) {
      w.err << render(imported.diagnostics(), w.style());
      return k_exit_error;
    }
    doc = std::move(imported.value());
  } else {
    auto observed = observe_host(o.host, w, sources);
    if (!observed) return k_exit_error;
    doc = import_observed(*observed, o.jails);
  }
  for (const auto& name : o.jails) {
    const bool found = std::any_of(doc->body.begin(), doc->body.end(), [&](const ast::Statement& s) {
      const auto* b = std::get_if<ast::Block>(&s.node);
      return b != nullptr && b->name == name;
    });
    if (!found) {
      w.err << fmt::format("jailplan: error: no jail \"{}\" to import\n", name);
      return k_exit_error;
    }
  }
  const std::string conf = print_conf(*doc);
  // what is written must compile: a parameter that does not is a bug here
  const Compilation check = compile_text("imported.conf", conf, w.loader);
  if (!check.ok()) {
    w.err << render(check.diagnostics, w.style());
    w.err << "jailplan: error: the imported configuration does not compile [this is a bug]\n";
    return k_exit_error;
  }
  return emit_text(o.output, o.to == "yaml" ? print_yaml(*doc) : conf, w);
}

}  // namespace jailplan
