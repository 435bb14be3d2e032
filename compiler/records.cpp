#include "compiler/records.hpp"

#include <algorithm>

namespace jailplan {

bool is_wildcard_name(std::string_view name) {
  for (std::size_t i = name.find('*'); i != std::string_view::npos; i = name.find('*', i + 1)) {
    const bool starts = i == 0 || name[i - 1] == '.';
    const bool ends = i + 1 == name.size() || name[i + 1] == '.';
    if (starts && ends) return true;
  }
  return false;
}

bool wildcard_matches(std::string_view jail, std::string_view wild) {
  while (true) {
    const auto jd = jail.find('.');
    const auto wd = wild.find('.');
    if (jd == std::string_view::npos || wd == std::string_view::npos) break;
    const bool same = jail.substr(0, jd) == wild.substr(0, wd);
    if (!same && wild.substr(0, wd) != "*") return false;
    jail.remove_prefix(jd + 1);
    wild.remove_prefix(wd + 1);
  }
  return jail == wild || wild == "*";
}

namespace {

class Collector {
 public:
  explicit Collector(std::vector<Record>& out) : m_out(out) {}

  void walk(const std::vector<ast::Statement>& body, long current, const std::string& prefix) {
    for (const auto& s : body) {
      if (const auto* p = std::get_if<ast::Param>(&s.node)) {
        target(current).params.push_back(p);
      } else if (const auto* b = std::get_if<ast::Block>(&s.node)) {
        Record r;
        r.name = prefix.empty() ? b->name : prefix + "." + b->name;
        r.location = b->location;
        r.block = b;
        r.wildcard = is_wildcard_name(r.name);
        r.params.reserve(static_cast<std::size_t>(std::count_if(
            b->body.begin(), b->body.end(),
            [](const ast::Statement& st) { return std::holds_alternative<ast::Param>(st.node); })));
        m_out.push_back(std::move(r));
        const long index = static_cast<long>(m_out.size()) - 1;
        walk(b->body, index, m_out[static_cast<std::size_t>(index)].name);
      } else if (const auto* inc = std::get_if<ast::Include>(&s.node)) {
        for (const auto* doc : inc->targets) walk(doc->body, current, prefix);
      }
    }
  }

 private:
  Record& target(long current) {
    if (current >= 0) return m_out[static_cast<std::size_t>(current)];
    if (m_global < 0) {
      Record r;
      r.name = "*";
      r.wildcard = true;
      r.implicit_global = true;
      m_out.push_back(std::move(r));
      m_global = static_cast<long>(m_out.size()) - 1;
    }
    return m_out[static_cast<std::size_t>(m_global)];
  }

  std::vector<Record>& m_out;
  long m_global = -1;
};

}  // namespace

std::vector<Record> collect_records(const ast::Document& root) {
  std::vector<Record> out;
  Collector(out).walk(root.body, -1, "");
  for (auto& r : out)
    if (r.implicit_global && !r.params.empty()) r.location = r.params.front()->location;
  return out;
}

}  // namespace jailplan
