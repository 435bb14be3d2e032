// The plan as Markdown for a pull-request comment (GitHub-flavoured): a
// table of jails, then a collapsed diff per jail (or group of identical
// jails). Names and values come from the configuration and the host, so
// each is escaped for where it lands: a table cell, an HTML <summary>, a
// fenced code block. The whole stays under MarkdownOptions::limit.
#include <algorithm>

#include <fmt/format.h>

#include "base/visible.hpp"
#include "planner/plan_groups.hpp"
#include "planner/render.hpp"

namespace jailplan {

namespace {

// Text in Markdown or HTML: control characters visible, and every character
// Markdown, GitHub or HTML give a meaning to (emphasis, links, code, table
// cells, math, mentions, tags, entities) as a numeric character reference,
// which all show as the character itself.
std::string md_text(std::string_view text) {
  std::string out;
  for (const char c : visible(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '|':
      case '`':
      case '\\':
      case '*':
      case '_':
      case '[':
      case ']':
      case '~':
      case '#':
      case '!':
      case '@':  // a mention would notify whoever it names
      case '$': out += fmt::format("&#{};", static_cast<int>(c)); break;
      default: out += c;
    }
  }
  return out;
}

// A name as code in a table cell: a backtick code span when nothing in it
// can end the span or the cell (no backtick, `|`, backslash or control
// character), otherwise <code> with md_text's references.
std::string md_code(std::string_view text) {
  const bool plain =
      !text.empty() && text.find_first_of("`|\\") == std::string_view::npos && !needs_escape(text);
  return plain ? fmt::format("`{}`", text) : fmt::format("<code>{}</code>", md_text(text));
}

// A code fence longer than any run of backticks in `body` (and at least 3).
std::string fence_for(std::string_view body) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : body) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

std::string names_of(const JailGroup& g) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < g.size() && i < k_group_names_shown; ++i)
    names.push_back(md_code(g.jails[i]->name));
  std::string out = fmt::format("{}", fmt::join(names, ", "));
  if (g.size() > names.size()) out += fmt::format(" and {} more", with_thousands(g.size() - names.size()));
  return out;
}

std::string table_row(const JailGroup& g) {
  const JailChange& j = g.first();
  return fmt::format("| `{}` | {} | {} | {} |\n", glyph(j.action), names_of(g), to_string(j.action),
                     md_text(reason_text(j)));
}

// Every line of the diff is one value made visible (no line breaks), and
// begins with `!` (drift), `+`, `-` or blanks and `(`: none can close the fence, whose
// length also beats any backtick run in it.
std::string details(const JailGroup& g) {
  const JailChange& j = g.first();
  std::string body;
  for (const auto& d : j.drift)
    body += fmt::format("! changed outside jailplan: {}\n", visible(drift_text(d)));
  if (j.action == Action::create && j.applied) {
    for (const auto& p : j.applied->params) {
      const ParamInfo* info = find_info(p.name);
      const std::string value =
          g.size() > 1 && p.name == "name"
              ? "(each jail's own)"
              : display_value(p.values, info != nullptr ? info->type : ParamType::string);
      body += fmt::format("+ {} = {}\n", visible(p.name), value);
    }
  }
  for (const auto& c : j.changes) {
    if (c.before || c.before_unknown)
      body += fmt::format("- {} = {}\n", visible(c.name), show_values(c.before, c.name, c.before_unknown));
    if (c.after) body += fmt::format("+ {} = {}\n", visible(c.name), show_values(c.after, c.name, false));
  }
  if (j.unchanged > 0) body += fmt::format("  ({} unchanged parameters)\n", j.unchanged);
  const std::string summary =
      g.size() == 1 ? md_text(headline(j))
                    : fmt::format("{} jails {}", with_thousands(g.size()), md_text(headline_tail(j)));
  const std::string fence = fence_for(body);
  return fmt::format("<details><summary>{}</summary>\n\n{}{}diff\n{}{}\n\n</details>\n\n", summary,
                     g.size() > 1 ? fmt::format("Jails: {}\n\n", names_of(g)) : "", fence, body, fence);
}

std::string md_list(const std::vector<std::string>& names) {
  std::vector<std::string> shown;
  for (const auto& n : names) shown.push_back(md_text(n));
  return fmt::format("{}", fmt::join(shown, ", "));
}

// Appends pieces while they fit; counts what does not.
struct Budget {
  std::string& out;
  std::size_t limit;
  bool full = false;  ///< something was left out: nothing more goes in
  bool add(const std::string& piece) {
    if (full || out.size() + piece.size() > limit) {
      full = true;
      return false;
    }
    out += piece;
    return true;
  }
};

std::string left_out_note(std::size_t rows, std::size_t blocks, const std::string& saved_to) {
  std::vector<std::string> what;
  if (rows > 0)
    what.push_back(fmt::format("{} row{} of the table", with_thousands(rows), rows == 1 ? "" : "s"));
  if (blocks > 0)
    what.push_back(fmt::format("{} jail detail{}", with_thousands(blocks), blocks == 1 ? "" : "s"));
  const std::string where =
      saved_to.empty() ? "run `jailplan plan --full` on the same configuration and host, or save the plan as "
                         "JSON with `jailplan plan -o PLAN`"
                       : fmt::format("the JSON plan saved as {} (`jailplan plan --full` prints it all)",
                                     md_code(saved_to));
  return fmt::format(
      "**This plan is too long for one comment: {} left out.** The full plan: {}.\n",
      what.empty() ? "the lists of other jails are" : fmt::format("{} are", fmt::join(what, " and ")), where);
}

}  // namespace

std::string render_markdown(const Plan& plan, const MarkdownOptions& o) {
  std::string out = fmt::format("### jailplan\n\n**{}**\n\n", summary_line(plan));
  // what a reviewer approves: `apply PLAN --expect-digest` checks it
  if (!plan.digest.empty() && plan.has_changes()) out += fmt::format("Plan digest: `{}`\n\n", plan.digest);
  const std::string worst_note = left_out_note(plan.jails.size(), plan.jails.size(), o.saved_to);
  Budget budget{out, o.limit > out.size() + worst_note.size() + 1 ? o.limit - worst_note.size() - 1 : 0};
  std::size_t rows_left_out = 0;
  std::size_t blocks_left_out = 0;
  if (plan.has_changes()) {
    const auto groups = group_jails(plan, o.full);
    if (budget.add("| | Jail | Action | Why |\n|:-:|---|---|---|\n")) {
      for (const auto& g : groups)
        if (!budget.add(table_row(g))) ++rows_left_out;
      out += "\n";
    } else {
      rows_left_out = groups.size();
    }
    for (const auto& g : groups)
      if (!budget.add(details(g))) ++blocks_left_out;
  }
  if (!plan.orphans.empty())
    budget.add(fmt::format("Created by jailplan, no longer declared, kept: {}\n\n", md_list(plan.orphans)));
  if (!plan.unmanaged.empty())
    budget.add(fmt::format("Not managed by jailplan: {}\n\n", md_list(plan.unmanaged)));
  if (!plan.foreign.empty()) {
    std::string owned;
    for (const auto& [name, owner] : plan.foreign)
      owned += fmt::format("{}{} ({})", owned.empty() ? "" : ", ", md_code(name), md_text(owner));
    budget.add(fmt::format("Owned by another configuration: {}\n\n", owned));
  }
  if (budget.full) out += left_out_note(rows_left_out, blocks_left_out, o.saved_to);
  return out;
}

}  // namespace jailplan
