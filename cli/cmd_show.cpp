// `jailplan show`: the resolved configuration. `-e SEP` prints exactly what
// `jail -f FILE -e SEP` prints; --json / --yaml print the typed model.
#include <ostream>

#include <fmt/format.h>

#include "base/visible.hpp"
#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "compiler/compile.hpp"
#include "compiler/jail_print.hpp"
#include "compiler/model_json.hpp"
#include "compiler/records.hpp"

namespace jailplan {

namespace {

bool selected(const std::vector<std::string>& wanted, const std::string& record, const std::string& name) {
  if (wanted.empty()) return true;
  for (const auto& w : wanted) {
    if (w == record || w == name || w == "*") return true;
    if (is_wildcard_name(w) && wildcard_matches(name, w)) return true;
  }
  return false;
}

std::string human_value(const TypedParam& p) {
  struct V {
    std::string operator()(std::monostate) const { return "(invalid)"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t n) const { return std::to_string(n); }
    std::string operator()(std::string_view s) const { return std::string(s); }
    std::string operator()(const StringList& l) const {
      std::string out;
      for (const auto s : l.values) {
        if (!out.empty()) out += ", ";
        out += s;
      }
      return out;
    }
    std::string operator()(const IpList& l) const {
      std::string out;
      for (const auto& e : *l.entries) out.append(out.empty() ? "" : ", ").append(e.raw);
      return out;
    }
  };
  return std::visit(V{}, p.value);
}

}  // namespace

int run_show(const ShowOptions& o, World& w) {
  Compilation c = compile_file(o.file, w.loader, KeepSyntax::no);
  struct Park {
    World& w;
    Compilation& c;
    ~Park() { w.park(std::move(c)); }
  } park{w, c};
  w.err << render(c.diagnostics, w.style());
  if (!c.syntax_ok) return k_exit_error;

  if (o.separator_given) {
    // jail(8) prints every record, failed ones included, and exits 0
    std::string out;
    for (std::size_t i = 0; i < c.resolution.jails.size(); ++i) {
      const auto& j = c.resolution.jails[i];
      if (selected(o.jails, j.name, c.desired.jails[i].name)) out += print_jail_e(j, o.separator);
    }
    w.out << out;
    return k_exit_ok;
  }

  DesiredState subset;
  for (const auto& j : c.desired.jails)
    if (selected(o.jails, j.record_name, j.name)) subset.jails.push_back(j);
  if (o.json) {
    w.out << render_model_json(subset);
  } else if (o.yaml) {
    w.out << render_model_yaml(subset);
  } else {
    for (const auto& j : subset.jails) {
      // names and values as a terminal may show them (base/visible.hpp)
      w.out << fmt::format("jail \"{}\"{}  # {}\n", visible(j.name), j.failed ? " (has errors)" : "",
                           visible(j.location.to_string()));
      for (const auto& p : j.params) {
        if (p.name() == "name") continue;
        w.out << fmt::format("    {:<24} {}\n", visible(p.spelled()), visible(human_value(p)));
      }
    }
  }
  return c.diagnostics.has_errors() ? k_exit_error : k_exit_ok;
}

}  // namespace jailplan
