#include "planner/plan_groups.hpp"

#include <map>
#include <tuple>

#include <fmt/format.h>

namespace jailplan {

namespace {

// Everything a reader is shown about a jail's changes, its name left out.
// A create shows the whole record it writes (with a path of its own,
// usually), so creates group only when their records are the same but for
// the name.
std::string signature(const JailChange& j) {
  std::string s = fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f", to_string(j.action), to_string(j.reason),
                              j.subject, j.note, j.unchanged);
  const auto values = [&s](const std::optional<std::vector<std::string>>& v) {
    if (!v) {
      s += "\x1e";
      return;
    }
    for (const auto& x : *v) s += x + "\x1d";
    s += "\x1f";
  };
  for (const auto& c : j.changes) {
    s += fmt::format("{}\x1f{}\x1f{}\x1f", c.name, to_string(c.effect), c.before_unknown);
    values(c.before);
    values(c.after);
  }
  for (const auto& d : j.drift) s += drift_text(d) + "\x1f";
  if (j.action == Action::create && j.applied)  // shown for a create only
    for (const auto& p : j.applied->params)
      if (p.name != "name") {
        s += p.name + "\x1f";
        values(p.values);
      }
  return s;
}

}  // namespace

std::vector<JailGroup> group_jails(const Plan& plan, bool full) {
  std::vector<JailGroup> out;
  std::size_t changed = 0;
  for (const auto& j : plan.jails)
    if (j.action != Action::none) ++changed;
  const bool grouping = !full && changed > k_group_threshold;
  std::map<std::string, std::size_t> index;  // signature -> its group in `out`
  for (const auto& j : plan.jails) {
    if (!grouping) {
      out.push_back(JailGroup{{&j}});
      continue;
    }
    const auto [it, fresh] = index.try_emplace(signature(j), out.size());
    if (fresh)
      out.push_back(JailGroup{{&j}});
    else
      out[it->second].jails.push_back(&j);
  }
  return out;
}

std::string with_thousands(std::size_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string headline_tail(const JailChange& j) {
  std::string h = headline(j);
  const std::string prefix = fmt::format("jail \"{}\" ", j.name);
  if (h.rfind(prefix, 0) == 0) h.erase(0, prefix.size());
  return h;
}

}  // namespace jailplan
