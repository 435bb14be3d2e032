#include "planner/drift.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "compiler/fstab.hpp"
#include "compiler/typecheck.hpp"
#include "planner/addresses.hpp"
#include "planner/steps.hpp"

namespace jailplan {

namespace {

std::string alias_key(const std::string& family, const std::string& interface, const std::string& address) {
  const std::string canonical = canonical_address(address);  // planner/addresses.hpp
  return family + '\x1f' + interface + '\x1f' + (canonical.empty() ? address : canonical);
}

}  // namespace

HostIndex::HostIndex(const ObservedState& host) {
  if (host.lists_mounts)
    for (const auto& m : host.mounts) m_targets.push_back(m.target);
  if (host.lists_aliases)
    for (const auto& a : host.addresses) m_aliases.push_back(alias_key(a.family, a.interface, a.address));
  std::sort(m_targets.begin(), m_targets.end());
  std::sort(m_aliases.begin(), m_aliases.end());
}

bool HostIndex::mounted(const std::string& target) const {
  return std::binary_search(m_targets.begin(), m_targets.end(), target);
}

bool HostIndex::holds(const std::vector<std::string>& a) const {
  return std::binary_search(m_aliases.begin(), m_aliases.end(), alias_key(a[0], a[1], a[2]));
}

namespace {

const std::string* last_of(const CanonSpec& spec, std::string_view name) {
  const CanonParam* p = find_param(spec, name);
  return p != nullptr && !p->values.empty() ? &p->values.back() : nullptr;
}

bool flag_of(const CanonSpec& spec, std::string_view name) {
  const std::string* v = last_of(spec, name);
  return v != nullptr && *v == "true";
}

bool changed(const std::vector<ParamChange>& changes, std::string_view name) {
  return std::any_of(changes.begin(), changes.end(),
                     [&](const ParamChange& c) { return c.name == name && c.before && !c.before_unknown; });
}

// Kernel parameters: the record's value as the kernel would hold it
// against what it reports.
void parameters(const ObservedJail& jail, const AppliedRecord& record,
                const std::vector<ParamChange>& changes, std::vector<Drift>& out) {
  for (const auto& p : record.params) {
    const ParamInfo* info = find_info(p.name);
    if (info == nullptr || !in_kernel(*info) || info->mutability == Mutability::read_only ||
        info->mutability == Mutability::identity || !changed(changes, p.name))
      continue;
    const CanonParam* op = find_param(jail.params, p.name);
    if (op == nullptr || op->values == p.values) continue;
    auto want = kernel_view(*info, p.values);
    // `ip4 = inherit` with addresses: the kernel restricts the jail to them
    if ((p.name == "ip4" || p.name == "ip6") && want.size() == 1 && want[0] == "inherit") {
      const CanonParam* own = find_param(record.params, p.name == "ip4" ? "ip4.addr" : "ip6.addr");
      if (own != nullptr && !own->values.empty()) want[0] = "disable";
    }
    const auto have = kernel_view(*info, op->values);
    if (have == want) continue;
    out.push_back(
        {DriftKind::parameter, p.name, display_value(want, info->type), display_value(have, info->type)});
  }
}

// Aliases jail(8) added to the host's interfaces, or the addresses of the
// jail's own link.
void aliases(const ObservedJail& jail, const AppliedRecord& record, const ObservedState& host,
             const HostIndex& index, std::vector<Drift>& out) {
  for (const bool v6 : {false, true}) {
    const char* name = v6 ? "ip6.addr" : "ip4.addr";
    const CanonParam* p = find_param(record.params, name);
    if (p == nullptr) continue;
    if (jail.link_addresses) {
      const ParamInfo* info = find_info(name);
      for (const auto& a : kernel_view(*info, p->values))
        if (std::find(jail.link_addresses->begin(), jail.link_addresses->end(), a) ==
            jail.link_addresses->end())
          out.push_back({DriftKind::alias, fmt::format("{} on the jail's link", a), "present", "absent"});
      continue;
    }
    if (!host.lists_aliases) continue;
    const std::string* interface = last_of(record.params, "interface");
    for (const auto& raw : p->values) {
      const auto args = alias_args(raw, v6, interface);
      if (!args.empty() && !index.holds(args))
        out.push_back(
            {DriftKind::alias, fmt::format("{} {} {}", args[1], args[0], args[2]), "present", "absent"});
    }
  }
}

std::string under(const std::string* path, std::string_view sub) {
  std::string p = path != nullptr ? *path : std::string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p == "/") p.clear();
  return p + std::string(sub);
}

// What jail(8) mounted for the jail: mount.devfs, .fdescfs, .procfs and
// the mount / mount.fstab entries.
void mounts(const AppliedRecord& record, const ObservedState& host, const HostIndex& index,
            std::vector<Drift>& out) {
  if (!host.lists_mounts) return;
  std::vector<std::pair<std::string, std::string>> wanted;  // type, target
  const std::string* path = last_of(record.params, "path");
  for (const auto* lines :
       {find_param(record.params, "mount"), find_param(record.params, k_fstab_lines_param)})
    if (lines != nullptr)
      for (const auto& line : lines->values)
        if (const auto f = fstab_fields(line); f.size() >= 3) wanted.emplace_back(f[2], f[1]);
  if (flag_of(record.params, "mount.devfs")) wanted.emplace_back("devfs", under(path, "/dev"));
  if (flag_of(record.params, "mount.fdescfs")) wanted.emplace_back("fdescfs", under(path, "/dev/fd"));
  if (flag_of(record.params, "mount.procfs")) wanted.emplace_back("procfs", under(path, "/proc"));
  for (const auto& [type, target] : wanted)
    if (!index.mounted(target))
      out.push_back({DriftKind::mount, fmt::format("{} on {}", type, target), "mounted", "not mounted"});
}

// Resource limits: the recorded rules against those in force, by
// resource and action, amounts in units (rctl lists bytes, not `512M`).
void limits(const ObservedJail& jail, const AppliedRecord& record, std::vector<Drift>& out) {
  const CanonParam* p = find_param(record.params, "jailplan.rctl");
  if (!jail.limits || p == nullptr) return;
  std::map<std::string, std::pair<std::string, std::string>> by_key;  // recorded, observed
  std::map<std::string, std::int64_t> recorded_amount, observed_amount;
  for (const auto& r : p->values)
    if (auto k = limit_key(r)) {
      by_key[k->first].first = r.substr(r.find('=') + 1);
      recorded_amount[k->first] = k->second;
    }
  for (const auto& r : *jail.limits)
    if (auto k = limit_key(r)) {
      by_key[k->first].second = r.substr(r.find('=') + 1);
      observed_amount[k->first] = k->second;
    }
  for (const auto& [key, shown] : by_key) {
    const auto rec = recorded_amount.find(key);
    const auto obs = observed_amount.find(key);
    if (rec != recorded_amount.end() && obs != observed_amount.end() && rec->second == obs->second) continue;
    out.push_back({DriftKind::limit, key, shown.first, shown.second});
  }
}

}  // namespace

std::optional<std::pair<std::string, std::int64_t>> limit_key(std::string_view rule) {
  const auto eq = rule.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  std::string key(rule.substr(0, eq));
  std::string_view amount = rule.substr(eq + 1);
  if (const auto slash = amount.find('/'); slash != std::string_view::npos) {
    if (amount.substr(slash + 1) != "jail") key += std::string(amount.substr(slash));
    amount = amount.substr(0, slash);
  }
  const std::int64_t n = rctl_amount(amount);
  if (n < 0) return std::nullopt;
  return std::pair{std::move(key), n};
}

std::vector<Drift> find_drift(const ObservedJail& jail, const AppliedRecord& record,
                              const ObservedState& host, const HostIndex& index,
                              const std::vector<ParamChange>& changes) {
  std::vector<Drift> out;
  parameters(jail, record, changes, out);
  aliases(jail, record, host, index, out);
  mounts(record, host, index, out);
  limits(jail, record, out);
  for (const auto& f : jail.faults) out.push_back({DriftKind::link, f, "", ""});
  return out;
}

namespace {

bool has_kind(const std::vector<Drift>& drift, DriftKind k) {
  return std::any_of(drift.begin(), drift.end(), [k](const Drift& d) { return d.kind == k; });
}

bool same_alias(const Step& s, const std::vector<std::string>& args) {
  return s.kind == StepKind::alias_add && s.args.size() >= 3 && s.args[0] == args[0] &&
         s.args[1] == args[1] && s.args[2] == args[2];
}

void insert_before_record(Step step, std::vector<Step>& steps) {
  auto at =
      std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.kind == StepKind::record; });
  steps.insert(at, std::move(step));
}

// In place: aliases the host lacks go up before anything else.
void re_add_aliases(const SpecView& declared, const ObservedState& host, std::vector<Step>& steps) {
  std::vector<Step> added;
  for (const bool v6 : {false, true}) {
    const char* name = v6 ? "ip6.addr" : "ip4.addr";
    const auto* entries = declared.values(name);
    if (entries == nullptr) continue;
    for (std::size_t i = 0; i < entries->size(); ++i) {
      auto args = alias_args((*entries)[i], v6, declared.last("interface"));
      if (args.empty() || holds_alias(host, args) ||
          std::any_of(steps.begin(), steps.end(), [&](const Step& s) { return same_alias(s, args); }))
        continue;
      added.push_back(
          Step{StepKind::alias_add, Phase::update, std::move(args), {}, declared.location(name, i), {}});
    }
  }
  steps.insert(steps.begin(), std::make_move_iterator(added.begin()), std::make_move_iterator(added.end()));
}

// The jail's own link (Linux) gets its whole declared address lists again.
void re_set_link(const SpecView& declared, std::vector<Step>& steps) {
  auto set = std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.kind == StepKind::set; });
  if (set == steps.end()) {
    insert_before_record(Step{StepKind::set, Phase::update, {}, {}, {}, {}}, steps);
    set = std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.kind == StepKind::set; });
  }
  for (const char* name : {"ip4.addr", "ip6.addr"}) {
    const auto* values = declared.values(name);
    if (values == nullptr || std::any_of(set->params.begin(), set->params.end(),
                                         [&](const StepParam& p) { return p.name == name; }))
      continue;
    set->params.push_back({name, *values, declared.statement(name), {}});
  }
  if (set->params.empty()) steps.erase(set);
}

}  // namespace

void fix_drift(const std::vector<Drift>& drift, Action action, const SpecView& declared,
               const ObservedState& host, std::vector<Step>& steps) {
  if (drift.empty()) return;
  if (action == Action::restart || action == Action::replace) {
    std::erase_if(steps, [&](const Step& s) {
      return s.phase == Phase::stop &&
             ((host.lists_mounts && s.kind != StepKind::alias_remove) ||
              (host.lists_aliases && s.kind == StepKind::alias_remove)) &&
             undoes_nothing(s, host);
    });
    return;
  }
  if (action != Action::update) return;
  const bool link = std::any_of(drift.begin(), drift.end(), [](const Drift& d) {
    return d.kind == DriftKind::alias && d.what.find(" on the jail's link") != std::string::npos;
  });
  if (has_kind(drift, DriftKind::alias) && host.lists_aliases) {
    if (!link)
      std::erase_if(
          steps, [&](const Step& s) { return s.kind == StepKind::alias_remove && undoes_nothing(s, host); });
    re_add_aliases(declared, host, steps);
  }
  if (link) re_set_link(declared, steps);
  if (has_kind(drift, DriftKind::limit) &&
      std::none_of(steps.begin(), steps.end(), [](const Step& s) { return s.kind == StepKind::limits; })) {
    const auto* rules = declared.values("jailplan.rctl");
    insert_before_record(Step{StepKind::limits,
                              Phase::update,
                              rules != nullptr ? *rules : std::vector<std::string>{},
                              {},
                              declared.statement("jailplan.rctl"),
                              {}},
                         steps);
  }
}

Drift stopped_drift(const AppliedRecord& record) {
  return {DriftKind::stopped, "jail", record.jid ? fmt::format("running (jid {})", *record.jid) : "running",
          "not running"};
}

}  // namespace jailplan
