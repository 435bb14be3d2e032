#include "base/diagnostic.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/visible.hpp"

namespace jailplan {

Diagnostic& Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::error) ++m_errors;
  if (d.severity == Severity::warning) ++m_warnings;
  m_items.push_back(std::move(d));
  return m_items.back();
}

Diagnostic& Diagnostics::error(Location loc, std::string summary, std::string code) {
  return add(Diagnostic{Severity::error, std::move(summary), {}, loc, {}, std::move(code)});
}

Diagnostic& Diagnostics::warning(Location loc, std::string summary, std::string code) {
  return add(Diagnostic{Severity::warning, std::move(summary), {}, loc, {}, std::move(code)});
}

void Diagnostics::locate(Location where) {
  for (auto& d : m_items)
    if (!d.location.valid()) d.location = where;
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.m_items) add(d);
}

void Diagnostics::sort_by_location() {
  std::stable_sort(m_items.begin(), m_items.end(), [](const Diagnostic& a, const Diagnostic& b) {
    const bool av = a.location.valid();
    const bool bv = b.location.valid();
    if (av != bv) return bv;  // unlocated diagnostics go last
    if (!av) return false;
    if (a.location.file != b.location.file) return a.location.file->name() < b.location.file->name();
    return a.location.offset < b.location.offset;
  });
}

namespace {

const char* severity_word(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

const char* severity_color(Severity s) {
  switch (s) {
    case Severity::error: return "\x1b[1;31m";
    case Severity::warning: return "\x1b[1;35m";
    case Severity::note: return "\x1b[1;36m";
  }
  return "";
}

// Prints the source line of `loc` with a caret under its column. Tabs in the
// prefix are kept so the caret lines up however the terminal expands them.
void render_snippet(std::string& out, Location loc, RenderStyle style) {
  if (!loc.valid()) return;
  const auto lc = loc.file->line_col(loc.offset);
  const std::string_view line = loc.file->line_text(lc.line);
  // the line as a terminal may show it: a control byte is written as an
  // escape, and the caret counts what is shown, one column a character
  out += fmt::format("{:>5} | {}\n", lc.line, visible_keeping_tabs(line));
  std::string pad;
  const auto before = static_cast<std::size_t>(lc.column > 0 ? lc.column - 1 : 0);
  for (const char c : visible_keeping_tabs(line.substr(0, std::min(before, line.size()))))
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) pad += c == '\t' ? '\t' : ' ';
  out += fmt::format("      | {}{}^{}\n", pad, style.color ? "\x1b[1;32m" : "", style.color ? "\x1b[0m" : "");
}

void render_head(std::string& out, Severity sev, const std::string& msg, Location loc, RenderStyle style) {
  if (loc.valid()) {
    out += style.color ? fmt::format("\x1b[1m{}:\x1b[0m ", visible(loc.to_string()))
                       : fmt::format("{}: ", visible(loc.to_string()));
  } else {
    out += "jailplan: ";
  }
  if (style.color)
    out += fmt::format("{}{}:\x1b[0m {}\n", severity_color(sev), severity_word(sev), visible(msg));
  else
    out += fmt::format("{}: {}\n", severity_word(sev), visible(msg));
}

}  // namespace

std::string render(const Diagnostic& d, RenderStyle style) {
  std::string out;
  render_head(out, d.severity, d.summary, d.location, style);
  render_snippet(out, d.location, style);
  if (!d.detail.empty()) out += fmt::format("      = {}\n", visible(d.detail));
  for (const auto& n : d.notes) {
    render_head(out, Severity::note, n.message, n.location, style);
    if (n.location.valid() && n.location.file != nullptr) render_snippet(out, n.location, style);
  }
  return out;
}

std::string render(const Diagnostics& ds, RenderStyle style) {
  std::string out;
  for (const auto& d : ds.items()) out += render(d, style);
  if (ds.error_count() > 0 || ds.warning_count() > 0) {
    std::vector<std::string> parts;
    if (ds.error_count() > 0)
      parts.push_back(fmt::format("{} error{}", ds.error_count(), ds.error_count() == 1 ? "" : "s"));
    if (ds.warning_count() > 0)
      parts.push_back(fmt::format("{} warning{}", ds.warning_count(), ds.warning_count() == 1 ? "" : "s"));
    out += fmt::format("{} generated.\n", fmt::join(parts, " and "));
  }
  return out;
}

}  // namespace jailplan
