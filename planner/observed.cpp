#include "planner/observed.hpp"

#include <algorithm>

#include "planner/sha256.hpp"

namespace jailplan {

namespace {

void hash_spec(Sha256& h, const CanonSpec& spec) {
  h.field(std::to_string(spec.size()));
  for (const auto& p : spec) {
    h.field(p.name);
    h.field(std::to_string(p.values.size()));
    for (const auto& v : p.values) h.field(v);
  }
}

void hash_record(Sha256& h, const std::optional<AppliedRecord>& r) {
  if (!r) {
    h.field("no-record");
    return;
  }
  h.field(r->digest);
  h.field(r->jid ? std::to_string(*r->jid) : "-");
  h.field(r->created ? "created" : "adopted");
  h.field(r->owner);
  if (r->stopping) h.field("stopping");  // only when set: older digests stay as they were
}

}  // namespace

const ObservedJail* ObservedState::find(std::string_view name) const {
  const auto it = std::lower_bound(jails.begin(), jails.end(), name,
                                   [](const ObservedJail& j, std::string_view n) { return j.name < n; });
  return it != jails.end() && it->name == name ? &*it : nullptr;
}

const AppliedRecord* ObservedState::stopped_record(std::string_view name) const {
  // sorted by normalize(): the planner asks once per jail it creates
  const auto it = std::lower_bound(stopped.begin(), stopped.end(), name,
                                   [](const auto& r, std::string_view n) { return r.first < n; });
  return it != stopped.end() && it->first == name ? &it->second : nullptr;
}

void ObservedState::normalize() {
  // a dying jail and a new one of the same name may coexist (§4.5): the
  // live one sorts first so that find() returns it
  std::stable_sort(jails.begin(), jails.end(), [](const ObservedJail& a, const ObservedJail& b) {
    return a.name != b.name ? a.name < b.name : (!a.dying && b.dying);
  });
  for (auto& j : jails)
    std::stable_sort(j.params.begin(), j.params.end(),
                     [](const auto& a, const auto& b) { return a.name < b.name; });
  std::stable_sort(stopped.begin(), stopped.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::string ObservedState::digest(const ObservedJail& j) {
  Sha256 h;
  h.field(j.name);
  h.field(std::to_string(j.jid));
  h.field(j.dying ? "dying" : "alive");
  hash_spec(h, j.params);
  hash_record(h, j.applied);
  for (const auto& f : j.faults) h.field(f);
  // only when observed: older digests stay as they were
  if (j.limits) {
    h.field("limits");
    for (const auto& r : *j.limits) h.field(r);
  }
  if (j.link_addresses) {
    h.field("link-addresses");
    for (const auto& a : *j.link_addresses) h.field(a);
  }
  return h.hex_digest();
}

std::string ObservedState::digest() const {
  Sha256 h;
  h.field(std::to_string(jails.size()));
  for (const auto& j : jails) h.field(digest(j));
  h.field(std::to_string(stopped.size()));
  for (const auto& [name, r] : stopped) {
    h.field(name);
    hash_record(h, r);
  }
  for (const auto& m : mounts) h.field(m.type).field(m.source).field(m.target);
  for (const auto& a : addresses) h.field(a.interface).field(a.family).field(a.address);
  return h.hex_digest();
}

}  // namespace jailplan
