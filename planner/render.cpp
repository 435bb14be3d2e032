#include "planner/render.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/visible.hpp"
#include "compiler/validate.hpp"
#include "planner/plan_groups.hpp"
#include "planner/steps.hpp"

namespace jailplan {

namespace {

// ANSI colours, applied only when the caller decided colour is wanted.
struct Paint {
  bool on;
  std::string operator()(std::string_view code, std::string_view text) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  }
};

std::string_view colour_of(Action a) {
  switch (a) {
    case Action::create: return "32";
    case Action::update: return "33";
    case Action::restart:
    case Action::replace: return "35";
    case Action::destroy: return "31";
    case Action::none: break;
  }
  return "0";
}

ParamType type_of(std::string_view name) {
  const ParamInfo* info = find_info(name);  // plans carry canonical names
  return info != nullptr ? info->type : ParamType::string;
}

std::string visible_list(const std::vector<std::string>& names) {
  std::vector<std::string> shown;
  for (const auto& n : names) shown.push_back(visible(n));
  return fmt::format("{}", fmt::join(shown, ", "));
}

std::string origin(const Location& loc, const std::string& text) {
  return loc.valid() ? loc.to_string() : text;
}

std::string_view change_glyph(const ParamChange& c) {
  if (!c.before && !c.before_unknown) return "+";
  if (!c.after) return "-";
  return "~";
}

std::string legend(const Plan& plan) {
  std::vector<std::string> parts;
  for (Action a : {Action::create, Action::update, Action::replace, Action::restart, Action::destroy}) {
    if (std::none_of(plan.jails.begin(), plan.jails.end(), [a](const auto& j) { return j.action == a; }))
      continue;
    const char* word = a == Action::create    ? "create"
                       : a == Action::update  ? "update in place"
                       : a == Action::replace ? "destroy and re-create"
                       : a == Action::restart ? "restart"
                                              : "destroy";
    parts.push_back(fmt::format("{} {}", glyph(a), word));
  }
  return fmt::format("Legend: {}", fmt::join(parts, ", "));
}

std::string step_args(const Step& s) {
  std::vector<std::string> q;
  for (const auto& a : step_words(s)) q.push_back(display_value({a}, ParamType::string));
  return fmt::format("{}", fmt::join(q, " "));
}

void render_steps(const JailChange& j, const HumanOptions& o, std::string& out) {
  if (!o.explain || j.steps.empty()) return;
  out += "  steps:\n";
  for (std::size_t i = 0; i < j.steps.size(); ++i) {
    const auto& s = j.steps[i];
    std::string where = visible(origin(s.origin, s.origin_text));
    out += fmt::format("    {:>2}. [{}] {}{}\n", i + 1, to_string(s.phase), describe_step(s),
                       where.empty() ? "" : fmt::format("  ({})", where));
  }
}

// A group's heading: its count and headline, then (some of) its names.
std::string group_heading(const JailGroup& g, const Paint& paint) {
  const JailChange& j = g.first();
  if (g.size() == 1) return paint("1", fmt::format("# {}", visible(headline(j)))) + "\n";
  std::vector<std::string> names;
  for (std::size_t i = 0; i < g.size() && i < k_group_names_shown; ++i)
    names.push_back(double_quoted(g.jails[i]->name));
  const std::string more =
      g.size() > names.size() ? fmt::format(" and {} more", with_thousands(g.size() - names.size())) : "";
  return paint("1", fmt::format("# {} jails {}", with_thousands(g.size()), visible(headline_tail(j)))) +
         fmt::format("\n#   {}{} (--full shows each)\n", fmt::join(names, ", "), more);
}

void render_jail(const JailGroup& g, const HumanOptions& o, const Paint& paint, std::string& out) {
  const JailChange& j = g.first();
  const bool many = g.size() > 1;
  const std::string label = many ? fmt::format("{} jails", with_thousands(g.size()))
                                 : fmt::format("jail {}", double_quoted(j.name));
  out += group_heading(g, paint);
  if (!j.note.empty()) out += fmt::format("# note: {}\n", visible(j.note));
  const std::string gl(glyph(j.action));
  if (j.action == Action::destroy && j.changes.empty() && j.drift.empty()) {
    out += paint(colour_of(j.action), gl) + fmt::format(" {}\n", label);
    if (!many) render_steps(j, o, out);
    out += "\n";
    return;
  }
  out += paint(colour_of(j.action), gl) + fmt::format(" {} {{\n", label);
  for (const auto& d : j.drift)
    out += fmt::format("    {} {}\n", paint("31", "!"),
                       visible(fmt::format("changed outside jailplan: {}", drift_text(d))));
  std::size_t width = 0;
  if (j.action == Action::create && j.applied) {
    for (const auto& p : j.applied->params) width = std::max(width, visible(p.name).size());
    for (const auto& p : j.applied->params)
      out += fmt::format(
          "    {} {:<{}} = {}\n", paint("32", "+"), visible(p.name), width,
          many && p.name == "name" ? "(each jail's own)" : display_value(p.values, type_of(p.name)));
  } else {
    for (const auto& c : j.changes) width = std::max(width, visible(c.name).size());
    for (const auto& c : j.changes) {
      const auto cg = change_glyph(c);
      const std::string_view colour = cg == "+" ? "32" : cg == "-" ? "31" : "33";
      std::string line = fmt::format("    {} {:<{}} = ", paint(colour, cg), visible(c.name), width);
      if (cg == "+")
        line += show_values(c.after, c.name, false);
      else if (cg == "-")
        line += show_values(c.before, c.name, c.before_unknown);
      else
        line += fmt::format("{} → {}", show_values(c.before, c.name, c.before_unknown),
                            show_values(c.after, c.name, false));
      if (c.effect == Effect::replace) line += paint("35", "  # forces replacement");
      if (c.effect == Effect::restart) line += paint("35", "  # forces restart");
      if (c.effect == Effect::next_start) line += paint("36", "  # at the next start");
      out += line + "\n";
      if (o.explain) {
        std::string where = visible(origin(c.origin, c.origin_text));
        out += fmt::format("        # {}{}\n", visible(explain_effect(c)),
                           where.empty() ? "" : fmt::format(" ({})", where));
      }
    }
    if (j.unchanged > 0)
      out += fmt::format("      ({} unchanged parameter{} hidden{})\n", j.unchanged,
                         j.unchanged == 1 ? "" : "s", many ? " in each" : "");
  }
  out += "  }\n";
  if (!many) render_steps(j, o, out);
  out += "\n";
}

}  // namespace

std::string show_values(const std::optional<std::vector<std::string>>& v, std::string_view name,
                        bool unknown) {
  if (unknown) return "(unknown)";
  if (!v) return "(absent)";
  return display_value(*v, type_of(name));
}

std::string explain_effect(const ParamChange& c) {
  switch (c.effect) {
    case Effect::replace:
      return c.name == "jid" ? "a jail's jid never changes: it must be re-created"
                             : fmt::format("{} cannot be changed on a running jail (create-only)", c.name);
    case Effect::restart: return fmt::format("{} is used only when the jail starts", c.name);
    case Effect::next_start:
      return fmt::format("{} is read only when the jail starts: recorded now, used at its next start",
                         c.name);
    case Effect::update:
      if (c.name == "ip4.addr" || c.name == "ip6.addr") return "addresses and their aliases change in place";
      if (c.name == "devfs_ruleset" && !c.before_unknown)
        return "changed in place (jail -m); a /dev mounted by mount.devfs gets its rules in the "
               "devfs_ruleset "
               "step";
      return c.before_unknown ? "not reported by the observer; set in place (jail -m)"
                              : "changed in place (jail -m)";
    case Effect::record:
      return fmt::format("{} takes effect when the jail stops; jailplan records it", c.name);
    case Effect::none: break;
  }
  return "no effect";
}

std::string describe_step(const Step& s) {
  if (s.args.empty() && s.params.empty()) return std::string(to_string(s.kind));
  return fmt::format("{} {}", to_string(s.kind), step_args(s));
}

std::string summary_line(const Plan& plan) {
  if (!plan.has_changes()) return "No changes.";
  const auto c = plan.counts();
  return fmt::format("Plan: {} to create, {} to update in place, {} to restart or replace, {} to destroy.",
                     c.create, c.update, c.restart + c.replace, c.destroy);
}

namespace {

/// `a1 (/etc/a.conf), a2 (/etc/a.conf)`
std::string foreign_list(const Plan& plan) {
  std::string out;
  for (const auto& [name, owner] : plan.foreign)
    out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", visible(name), visible(owner));
  return out;
}

}  // namespace

std::string render_human(const Plan& plan, const HumanOptions& o) {
  const Paint paint{o.color};
  std::string out;
  if (plan.has_changes()) {
    out += legend(plan) + "\n\n";
    // --explain lists each jail's own steps: it is never grouped
    for (const auto& g : group_jails(plan, o.full || o.explain)) render_jail(g, o, paint, out);
  } else if (!o.observed_from.empty()) {
    out += fmt::format("The running jails ({}) match the configuration.\n\n", visible(o.observed_from));
  }
  if (!plan.orphans.empty())
    out += fmt::format("Created by jailplan but no longer declared (kept; --prune destroys them): {}\n",
                       visible_list(plan.orphans));
  if (!plan.unmanaged.empty())
    out += fmt::format("Not managed by jailplan (left alone): {}\n", visible_list(plan.unmanaged));
  if (!plan.foreign.empty())
    out += "Owned by another configuration (left alone): " + foreign_list(plan) + "\n";
  if (!plan.orphans.empty() || !plan.unmanaged.empty() || !plan.foreign.empty()) out += "\n";
  out += paint("1", summary_line(plan)) + "\n";
  if (!plan.digest.empty() && plan.has_changes()) out += fmt::format("Plan digest: {}\n", plan.digest);
  return out;
}

std::string render_drift(const Plan& plan, const HumanOptions& o) {
  const Paint paint{o.color};
  std::string out;
  std::size_t count = 0, jails = 0;
  for (const auto& j : plan.jails) {
    if (j.drift.empty()) continue;
    ++jails;
    out += paint("1", fmt::format("# jail {}", double_quoted(j.name))) + "\n";
    for (const auto& d : j.drift) {
      out += fmt::format("    {} {}\n", paint("31", "!"),
                         visible(fmt::format("changed outside jailplan: {}", drift_text(d))));
      ++count;
    }
    out += fmt::format("  {}\n\n", visible(headline(j)));
  }
  if (count == 0)
    return paint("1", o.observed_from.empty()
                          ? std::string("No drift: nothing changed outside jailplan.")
                          : fmt::format("No drift: nothing changed outside jailplan ({}).",
                                        visible(o.observed_from))) +
           "\n";
  out += paint("1",
               fmt::format("Drift: {} change{} outside jailplan in {} jail{}; 'jailplan apply' sets {} back.",
                           count, count == 1 ? "" : "s", jails, jails == 1 ? "" : "s",
                           count == 1 ? "it" : "them")) +
         "\n";
  return out;
}

std::string render_dot(const DesiredState& desired) {
  std::vector<std::string> names;
  for (const auto& j : desired.jails) names.push_back(j.name);
  std::sort(names.begin(), names.end());
  std::string out = "digraph jails {\n  rankdir=LR;\n  node [shape=box];\n";
  for (const auto& n : names) out += fmt::format("  {};\n", double_quoted(n));
  std::vector<std::string> edges;
  for (const auto& e : dependency_edges(desired, nullptr))
    edges.push_back(fmt::format("  {} -> {}{};\n", double_quoted(desired.jails[e.from].name),
                                double_quoted(desired.jails[e.to].name),
                                e.parent_link ? " [style=dashed, label=\"parent\"]" : ""));
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  for (const auto& e : edges) out += e;
  out += "}\n";
  return out;
}

}  // namespace jailplan
