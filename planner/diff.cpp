#include "planner/diff.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace jailplan {

namespace {

int rank(Effect e) {
  return static_cast<int>(e);  // declared from least to most disruptive
}

class Differ {
 public:
  Differ(const JailSpec& d, const CanonSpec& canon, const ObservedJail& o, const DefaultFor& def)
      : m_desired(d), m_canon(canon), m_observed(o), m_default(def) {
    const auto& rec = o.applied;
    if (rec && (!rec->jid || *rec->jid == o.jid)) {
      m_record = &*rec;
    } else if (rec) {
      m_out.note = fmt::format(
          "the record is for jid {}, but the running jail has jid {}: it was re-created "
          "outside jailplan",
          *rec->jid, o.jid);
    }
    m_out.recorded = m_record != nullptr;
  }

  JailDiff run() {
    // walk the union of names: the spec, the record, and what the kernel
    // reports (an absent parameter can still differ from its default)
    std::vector<std::string_view> names;
    names.reserve(m_canon.size() + m_observed.params.size());
    for (const auto& p : m_canon) names.push_back(p.name);
    if (m_record != nullptr)
      for (const auto& p : m_record->params) names.push_back(p.name);
    for (const auto& p : m_observed.params) names.push_back(p.name);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const auto name : names) compare(name);
    if (m_desired.jid && *m_desired.jid != m_observed.jid)
      add({"jid",
           std::vector<std::string>{std::to_string(m_observed.jid)},
           std::vector<std::string>{std::to_string(*m_desired.jid)},
           Effect::replace,
           false,
           false,
           location_of("jid"),
           {}});
    return std::move(m_out);
  }

 private:
  Location location_of(std::string_view name) const {
    const auto* p = m_desired.find(name);
    return p != nullptr ? p->location() : Location{};
  }

  void add(ParamChange c) {
    if (rank(c.effect) > rank(m_out.worst)) {
      m_out.worst = c.effect;
      m_out.worst_param = c.name;
    }
    m_out.changes.push_back(std::move(c));
  }

  void compare(std::string_view name) {
    const auto m = lookup_param(name);
    if (!m || m->info->mutability == Mutability::read_only || m->info->mutability == Mutability::identity)
      return;
    const ParamInfo& info = *m->info;
    const CanonParam* want = find_param(m_canon, name);
    bool kernel_differs = false;
    if (in_kernel(info)) {
      const auto result = compare_kernel(info, name, want);
      if (result == Outcome::differs) kernel_differs = true;
      // a pseudo+kernel parameter is counted once, by its record comparison
      if (result == Outcome::equal && (info.where == ParamWhere::kernel || m_record == nullptr))
        ++m_out.unchanged;
    }
    if (info.where != ParamWhere::kernel && !kernel_differs && m_record != nullptr)
      compare_recorded(info, name, want);
  }

  enum class Outcome { skipped, equal, differs };

  Outcome compare_kernel(const ParamInfo& info, std::string_view name, const CanonParam* want) {
    std::optional<std::vector<std::string>> after;
    if (want != nullptr)
      after = kernel_view(info, want->values);
    else if (auto d = m_default(info, name))
      after = std::move(*d);
    else
      return Outcome::skipped;  // create-only and absent: jail(8) compares only what is written
    const CanonParam* have = find_param(m_observed.params, name);
    if (have == nullptr) {
      // the observer did not report it: a change only if the spec asks for
      // something other than the default
      if (want == nullptr) return Outcome::skipped;
      if (!info.default_value.empty() && after->size() == 1 && (*after)[0] == info.default_value)
        return Outcome::skipped;
      add({std::string(name),
           std::nullopt,
           std::move(after),
           kernel_effect(info),
           true,
           is_list_type(info.type),
           location_of(name),
           {}});
      return Outcome::differs;
    }
    auto before = kernel_view(info, have->values);
    if (before == *after) return Outcome::equal;
    add({std::string(name),
         std::move(before),
         std::move(after),
         kernel_effect(info),
         false,
         is_list_type(info.type),
         location_of(name),
         {}});
    return Outcome::differs;
  }

  void compare_recorded(const ParamInfo& info, std::string_view name, const CanonParam* want) {
    const CanonParam* was = find_param(m_record->params, name);
    const auto* want_v = want != nullptr ? &want->values : nullptr;
    const auto* was_v = was != nullptr ? &was->values : nullptr;
    if (want_v == nullptr && was_v == nullptr) return;
    if (want_v != nullptr && was_v != nullptr && *want_v == *was_v) {
      ++m_out.unchanged;
      return;
    }
    // an absent flag equals its default: `mount.devfs` gone = false
    const auto or_default = [&info](const std::vector<std::string>* v) {
      return v != nullptr
                 ? *v
                 : (info.default_value.empty() ? std::vector<std::string>{}
                                               : std::vector<std::string>{std::string(info.default_value)});
    };
    if (or_default(want_v) == or_default(was_v)) {
      ++m_out.unchanged;
      return;
    }
    ParamChange c{std::string(name),
                  was_v != nullptr ? std::optional(*was_v) : std::nullopt,
                  want_v != nullptr ? std::optional(*want_v) : std::nullopt,
                  pseudo_effect(info),
                  false,
                  is_list_type(info.type),
                  location_of(name),
                  {}};
    add(std::move(c));
  }

  const JailSpec& m_desired;
  const CanonSpec& m_canon;
  const ObservedJail& m_observed;
  const DefaultFor& m_default;
  const AppliedRecord* m_record = nullptr;
  JailDiff m_out;
};

}  // namespace

Effect kernel_effect(const ParamInfo& info) {
  switch (info.mutability) {
    case Mutability::modifiable:
    case Mutability::raise_only: return Effect::update;
    case Mutability::create_only:
    case Mutability::identity: return Effect::replace;
    default: return Effect::none;
  }
}

Effect pseudo_effect(const ParamInfo& info) {
  // the address lists' interface and mask live in the aliases, which
  // jailplan changes in place; other pseudo+kernel parameters are read by
  // jail(8) only at start (path, devfs_ruleset for mount.devfs, ...)
  if (info.type == ParamType::ip4_list || info.type == ParamType::ip6_list) return Effect::update;
  switch (info.mutability) {
    case Mutability::at_start: return Effect::restart;
    case Mutability::at_stop:
    case Mutability::bookkeeping: return Effect::record;
    default: return info.where == ParamWhere::both ? Effect::record : Effect::restart;
  }
}

JailDiff diff_jail(const JailSpec& desired, const CanonSpec& canon, const ObservedJail& observed,
                   const DefaultFor& default_for) {
  return Differ(desired, canon, observed, default_for).run();
}

}  // namespace jailplan
