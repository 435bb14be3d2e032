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

// A jail's statements and their words usually fit a small first block.
constexpr std::size_t k_record_store = 512;
constexpr std::size_t k_record_params = 8;

}  // namespace

Arena& RecordBuilder::store() {
  if (!m_open.empty()) return *m_out[m_open.back()].store;
  if (m_global >= 0) return *m_out[static_cast<std::size_t>(m_global)].store;
  if (!m_top) m_top = std::make_unique<Arena>(k_record_store);
  return *m_top;
}

void RecordBuilder::param(const ast::FlatParam& p) {
  if (!m_open.empty()) {
    m_out[m_open.back()].params.push_back(p);
    return;
  }
  if (m_global < 0) {
    Record r;
    r.name = "*";
    r.location = p.location;
    r.wildcard = true;
    r.implicit_global = true;
    r.store = m_top ? std::move(m_top) : std::make_unique<Arena>(k_record_store);
    m_out.push_back(std::move(r));
    m_global = static_cast<long>(m_out.size()) - 1;
  }
  m_out[static_cast<std::size_t>(m_global)].params.push_back(p);
}

void RecordBuilder::open_block(std::string_view name, Location at) {
  Record r;
  if (m_open.empty()) {
    r.name = name;
  } else {
    r.name.reserve(m_out[m_open.back()].name.size() + 1 + name.size());
    r.name.append(m_out[m_open.back()].name).append(".").append(name);
  }
  r.location = at;
  r.wildcard = is_wildcard_name(r.name);
  r.params.reserve(k_record_params);
  r.store = std::make_unique<Arena>(k_record_store);
  m_out.push_back(std::move(r));
  m_open.push_back(m_out.size() - 1);
}

void RecordBuilder::close_block() {
  if (!m_open.empty()) m_open.pop_back();
}

void RecordBuilder::include(const ast::Include& inc) {
  for (const auto* doc : inc.targets) ast::feed(doc->body, *this);
}

std::vector<Record> collect_records(const ast::Document& root) {
  std::vector<Record> out;
  RecordBuilder builder(out);
  ast::feed(root.body, builder);
  return out;
}

}  // namespace jailplan
