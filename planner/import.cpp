#include "planner/import.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "compiler/fstab.hpp"
#include "compiler/param_catalog.hpp"
#include "compiler/statement_builder.hpp"
#include "planner/canon.hpp"

namespace jailplan {

namespace {

/// Whether a kernel parameter as observed is worth writing: not read-only,
/// and not what a new jail gets anyway.
bool worth_writing(const ParamInfo& info, const std::string& name, const std::vector<std::string>& values) {
  if (info.mutability == Mutability::read_only || info.mutability == Mutability::identity) return false;
  if (name == "osrelease" || name == "osreldate") return false;  // the host's, and refused on Linux
  if (name == "ip4" || name == "ip6") return values.size() == 1 && values[0] == "inherit";
  if (name == "host.hostuuid")
    return values.size() == 1 && values[0] != "00000000-0000-0000-0000-000000000000";
  if (values.empty()) return false;
  if (values.size() == 1 && !info.default_value.empty() && values[0] == info.default_value) return false;
  // what a new jail has on a host at the usual securelevel, with no names
  if (name == "securelevel" && values.size() == 1 && values[0] == "-1") return false;
  if ((info.type == ParamType::string) && values.size() == 1 && values[0].empty()) return false;
  return true;
}

std::vector<ast::Statement> from_kernel(const ObservedJail& j, const ObservedState& s, Arena& store) {
  Body body(store);
  body.note("from the kernel: exec.* commands cannot be observed; add them before jailplan");
  body.note("restarts this jail");
  const CanonParam* path = find_param(j.params, "path");
  if (path != nullptr && !path->values.empty()) body.assign("path", path->values);
  for (const auto& p : j.params) {
    if (p.name == "path") continue;
    const auto m = lookup_param(p.name);
    if (!m) {
      body.note(fmt::format("{} = {}: not a parameter jailplan knows; left out", p.name,
                            display_value(p.values, ParamType::list)));
      continue;
    }
    if (!worth_writing(*m->info, p.name, p.values)) continue;
    if (p.name == "ip4.addr" || p.name == "ip6.addr") {
      // an address the host carries on an interface becomes that
      // interface's alias, added and removed with the jail as jail(8) does
      std::vector<std::string> entries;
      for (const auto& a : p.values) {
        const auto on = std::find_if(s.addresses.begin(), s.addresses.end(),
                                     [&](const ObservedAddress& x) { return x.address == a; });
        entries.push_back(on == s.addresses.end() ? a : fmt::format("{}|{}", on->interface, a));
      }
      body.assign(p.name, entries);
      continue;
    }
    body.canonical(m->canonical, p.values);
  }
  if (path != nullptr && !path->values.empty() && path->values[0] != "/") {
    const std::string root = path->values[0];
    for (const auto& m : s.mounts) {
      if (m.target.rfind(root + "/", 0) != 0) continue;
      if (m.type == "devfs" && m.target == root + "/dev")
        body.flag("mount.devfs");
      else if (m.type == "fdescfs" && m.target == root + "/dev/fd")
        body.flag("mount.fdescfs");
      else if (m.type == "procfs" && m.target == root + "/proc")
        body.flag("mount.procfs");
      else
        body.append("mount", {fmt::format("{} {} {} rw 0 0", m.source, m.target, m.type)});
    }
  }
  return std::move(body).take();
}

std::vector<ast::Statement> from_record(const AppliedRecord& r, Arena& store) {
  Body body(store);
  const CanonParam* path = find_param(r.params, "path");
  if (path != nullptr) body.assign("path", path->values);
  for (const auto& p : r.params) {
    // the fstab lines are read from the files mount.fstab names
    if (p.name == "name" || p.name == "path" || p.name == k_fstab_lines_param) continue;
    if (p.name == "jailplan.rctl") {
      body.variable("jailplan_rctl", p.values);
      continue;
    }
    body.canonical(p.name, p.values);
  }
  return std::move(body).take();
}

}  // namespace

ast::Document import_observed(const ObservedState& s, const std::vector<std::string>& only) {
  ast::Document doc;
  bool first = true;
  for (const auto& j : s.jails) {
    if (j.dying || !wanted(only, j.name)) continue;
    auto body = j.applied ? from_record(*j.applied, doc.text) : from_kernel(j, s, doc.text);
    ast::Statement b = block(j.name, std::move(body), !first);
    if (first) {
      b.leading.push_back(comment(fmt::format("Written by 'jailplan import' from {}.", s.source)));
      b.leading.push_back(
          comment("Jails jailplan applied come from its records, whole; the others from the"));
      b.leading.push_back(comment("kernel's parameters, the host addresses they use and the mounts below"));
      b.leading.push_back(
          comment("their paths. Review, then 'jailplan apply --adopt' adopts them without a restart."));
    }
    first = false;
    doc.body.push_back(std::move(b));
  }
  return doc;
}

}  // namespace jailplan
