// Which configuration a jail belongs to (docs/jailconf-dialect.md,
// "Ownership"): the checks a plan passes before anything is planned.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "planner/addresses.hpp"
#include "planner/planner.hpp"

namespace jailplan {

namespace {

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// The jails the plan may change: all, or only those `restart`, `destroy`
/// or `adopt` (the command, which changes nothing else) name.
bool in_scope(const JailSpec& j, const PlanOptions& o) {
  if (!o.destroy.empty()) return listed(o.destroy, j.name);
  if (!o.restart.empty()) return listed(o.restart, j.name);
  if (!o.adopt.empty() && !o.adopt_all) return listed(o.adopt, j.name);
  return true;
}

/// A jail of another configuration holding an address.
struct Holder {
  std::string jail;
  std::string owner;
};

void add_addresses(std::map<std::string, Holder>& held, const std::string& jail, const AppliedRecord& r) {
  for (const char* family : {"ip4.addr", "ip6.addr"}) {
    const CanonParam* p = find_param(r.params, family);
    if (p == nullptr) continue;
    for (const auto& v : p->values) {
      // "em0|198.51.100.5/24": the address between the interface and the mask
      const auto bar = v.find('|');
      const std::string a = canonical_address(bar == std::string::npos ? v : v.substr(bar + 1));
      if (!a.empty()) held.emplace(a, Holder{jail, r.owner});
    }
  }
}

}  // namespace

Diagnostics check_ownership(const DesiredState& desired, const ObservedState& observed,
                            const PlanOptions& options) {
  Diagnostics d;
  const std::string& owner = desired.owner;
  std::map<std::string, Holder> held;  // addresses of other configurations' jails
  for (const auto& o : observed.jails)
    if (!o.dying && o.applied && claim_of(&*o.applied, owner) == Claim::other)
      add_addresses(held, o.name, *o.applied);
  for (const auto& [name, r] : observed.stopped)
    if (claim_of(&r, owner) == Claim::other) add_addresses(held, name, r);

  for (const auto& j : desired.jails) {
    if (j.failed || !in_scope(j, options)) continue;
    const ObservedJail* o = observed.find(j.name);
    if (o != nullptr && o->dying) o = nullptr;
    const AppliedRecord* record = o != nullptr && o->applied ? &*o->applied : observed.stopped_record(j.name);
    switch (claim_of(record, owner)) {
      case Claim::other:
        d.error(j.location,
                fmt::format("jail \"{}\" belongs to another configuration: {}", j.name, record->owner),
                "owner")
            .detail = fmt::format(
            "each jail has one owner; this configuration is {}. Rename the jail here, or destroy it "
            "with its own configuration first",
            owner);
        continue;
      case Claim::nobody:
        if (o != nullptr && options.destroy.empty() && !options.adopt_all && !listed(options.adopt, j.name))
          d.error(j.location, fmt::format("jail \"{}\" is running and no configuration owns it", j.name),
                  "owner")
              .detail = fmt::format(
              "jailplan takes over a running jail only when asked: plan or apply with --adopt, or "
              "'jailplan adopt FILE {}'",
              j.name);
        break;
      case Claim::ours: break;
    }
    if (held.empty()) continue;
    for (const char* family : {"ip4.addr", "ip6.addr"}) {
      const auto* list = j.addresses(family);
      if (list == nullptr) continue;
      for (const auto& e : *list) {
        const auto it = held.find(canonical_address(e.address));
        if (it == held.end() || it->second.jail == j.name) continue;
        d.error(e.location,
                fmt::format("address {} of jail \"{}\" belongs to jail \"{}\" of another configuration: {}",
                            it->first, j.name, it->second.jail, it->second.owner),
                "owner")
            .detail = "an address has one owner: the other configuration must give it up first";
      }
    }
  }
  d.sort_by_location();
  return d;
}

}  // namespace jailplan
