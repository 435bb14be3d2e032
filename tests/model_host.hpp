#pragma once
// An in-memory host for planner tests: it carries out a Plan's steps on the
// FreeBSD kernel model the fake FreeBSD host uses too (fakebsd/kernel.hpp),
// with jail(8)'s words for create and set, and reports the kernel's state
// as the ObservedState the planner reads, so that "apply, re-observe,
// re-plan" can be checked without any backend.
//
// `state` is the view the tests read and may edit (a stranger jail, a lost
// mount, a stopped record): an apply starts from the kernel it left behind,
// or from `state` when a test changed what the kernel holds.

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "compiler/typecheck.hpp"
#include "kernel.hpp"
#include "planner/observed.hpp"
#include "planner/plan.hpp"
#include "planner/render.hpp"
#include "planner/steps.hpp"

namespace jailplan::test {

/// The kernel's parameter for a catalog entry (`name`: its canonical name).
inline fakekernel::Param kernel_param(const ParamInfo& info, const std::string& name) {
  using fakekernel::Type;
  Type t = Type::string;
  switch (info.type) {
    case ParamType::boolean: t = Type::boolean; break;
    case ParamType::integer:
    case ParamType::uinteger:
    case ParamType::ulong: t = Type::integer; break;
    case ParamType::jailsys: t = Type::jailsys; break;
    case ParamType::ip4_list: t = Type::ip4; break;
    case ParamType::ip6_list: t = Type::ip6; break;
    default: break;
  }
  return {name, t, std::string(info.default_value), info.mutability == Mutability::create_only};
}

/// Every kernel parameter of jailplan's catalog (families are added as they
/// are used).
inline std::vector<fakekernel::Param> catalog_kernel_params() {
  std::vector<fakekernel::Param> out;
  for (const auto& info : catalog())
    if (in_kernel(info) && info.name.find('*') == std::string_view::npos)
      out.push_back(kernel_param(info, std::string(info.name)));
  return out;
}

/// A host that applies plans in memory (see the top of this file).
class ModelHost {
 public:
  /// What an observer would report; tests may read and edit it.
  ObservedState state;
  /// The kernel the steps run on: the fake host's interfaces, without addresses.
  fakekernel::Kernel kernel{empty_host(), catalog_kernel_params()};

  /// Carries out a plan's steps: stop (reverse order), update, start.
  void apply(const Plan& plan) {
    if (kernel_part(state) != kernel_part(m_exported)) load();
    m_records.clear();
    for (const auto& j : state.jails)
      if (j.applied && !j.dying) m_records[j.name] = *j.applied;
    for (auto it = plan.jails.rbegin(); it != plan.jails.rend(); ++it) run(*it, Phase::stop);
    for (const auto& j : plan.jails) run(j, Phase::update);
    for (const auto& j : plan.jails) run(j, Phase::start);
    save();
  }

  /// The jail of that name in `state`, or nullptr.
  ObservedJail* jail(const std::string& name) {
    for (auto& j : state.jails)
      if (j.name == name) return &j;
    return nullptr;
  }

 private:
  ObservedState m_exported;  // state as the last apply left it
  std::map<std::string, AppliedRecord> m_records;

  static fakekernel::json empty_host() {
    auto h = fakekernel::initial_state();
    for (auto& i : h["ifaces"]) i["addrs"] = fakekernel::json::array();
    return h;
  }

  // What the kernel holds of a state (not records, not dying jails).
  static ObservedState kernel_part(const ObservedState& s) {
    ObservedState k;
    for (const auto& j : s.jails)
      if (!j.dying) k.jails.push_back({j.name, j.jid, false, j.params, std::nullopt});
    k.mounts = s.mounts;
    k.addresses = s.addresses;
    return k;
  }

  // The kernel holds what `state` says.
  void load() {
    auto h = empty_host();
    long long next = kernel.state["next_jid"];
    for (const auto& j : state.jails) {
      if (j.dying) continue;
      fakekernel::json kj{
          {"jid", j.jid}, {"name", j.name}, {"procs", 0}, {"params", fakekernel::json::object()}};
      if (const auto* old = kernel.find_jail(j.name); old != nullptr && (*old)["jid"] == j.jid)
        kj["procs"] = (*old)["procs"];
      for (const auto& p : j.params) {
        know(p.name);
        try {
          auto [name, value] = kernel.parse_word(kernel_word(p.name, p.values));
          kj["params"][name] = value;
        } catch (const fakekernel::Failure&) {
          kj["params"][p.name] = p.values.empty() ? std::string() : p.values.back();
        }
      }
      next = std::max<long long>(next, j.jid + 1);
      h["jails"].push_back(kj);
    }
    for (const auto& m : state.mounts)
      h["mounts"].push_back({{"spec", m.source}, {"file", m.target}, {"type", m.type}, {"opts", "rw"}});
    for (const auto& a : state.addresses) {
      auto& ifaces = h["ifaces"];
      auto it =
          std::find_if(ifaces.begin(), ifaces.end(), [&](const auto& i) { return i["name"] == a.interface; });
      if (it == ifaces.end())
        it = ifaces.insert(ifaces.end(),
                           {{"name", a.interface}, {"vnet", 0}, {"addrs", fakekernel::json::array()}});
      (*it)["addrs"].push_back({{"family", a.family}, {"address", a.address}, {"mask", ""}});
    }
    h["next_jid"] = next;
    kernel.state = h;
  }

  // `state` says what the kernel holds, with jailplan's records.
  void save() {
    std::vector<ObservedJail> dying;
    for (const auto& j : state.jails)
      if (j.dying) dying.push_back(j);
    state.jails = dying;
    for (const auto& kj : kernel.state["jails"]) {
      ObservedJail j;
      j.name = kj["name"];
      j.jid = kj["jid"];
      for (const auto& it : kj["params"].items()) j.params.push_back(observed(kj, it.key()));
      for (const auto& info : catalog())
        if (compared_when_absent(info) && !kj["params"].contains(std::string(info.name)))
          j.params.push_back(observed(kj, std::string(info.name)));
      if (const auto r = m_records.find(j.name); r != m_records.end()) j.applied = r->second;
      state.jails.push_back(std::move(j));
    }
    state.mounts.clear();
    for (const auto& m : kernel.state["mounts"]) state.mounts.push_back({m["type"], m["spec"], m["file"]});
    state.addresses.clear();
    for (const auto& i : kernel.state["ifaces"])
      for (const auto& a : i["addrs"]) state.addresses.push_back({i["name"], a["family"], a["address"]});
    // the kernel's lists are whole, as the FreeBSD observer's are
    state.lists_mounts = state.lists_aliases = true;
    state.normalize();
    m_exported = state;
  }

  // One parameter of a kernel jail as the observer reports it.
  CanonParam observed(const fakekernel::json& kj, const std::string& name) {
    const auto* p = kernel.param(name);
    REQUIRE_MESSAGE(p != nullptr, "kernel lacks " << name);
    const auto v = kernel.reported(kj, *p);
    std::vector<std::string> values;
    if (v.is_boolean())
      values.push_back(v.get<bool>() ? "true" : "false");
    else if (v.is_array())
      for (const auto& x : v) values.push_back(x);
    else
      values.push_back(v.is_number() ? std::to_string(v.get<long long>()) : v.get<std::string>());
    const ParamInfo* info = find_info(name);
    REQUIRE_MESSAGE(info != nullptr, "catalog lacks " << name);
    auto canon = canon_reported(*info, values);
    REQUIRE_MESSAGE(canon.has_value(), "kernel reports " << name << " unreadably");
    return {name, kernel_view(*info, *canon)};
  }

  // The kernel knows every parameter of jailplan's catalog, families too.
  void know(const std::string& spelled) {
    const auto m = lookup_param(spelled);
    if (m.has_value() && in_kernel(*m->info) && kernel.param(m->canonical) == nullptr)
      kernel.table.push_back(kernel_param(*m->info, m->canonical));
  }

  // Words for jail -c / -m: name= first.
  std::vector<std::string> words(const JailChange& c, const Step& s) {
    std::vector<std::string> w = step_words(s);
    for (const auto& x : w) know(x.substr(0, x.find('=')));
    if (std::none_of(w.begin(), w.end(), [](const std::string& x) { return x.rfind("name=", 0) == 0; }))
      w.insert(w.begin(), "name=" + c.name);
    return w;
  }

  void run(const JailChange& c, Phase phase) {
    for (const auto& s : c.steps)
      if (s.phase == phase) {
        try {
          step(c, s);
        } catch (const fakekernel::Failure& e) {
          FAIL(c.name << ": kernel refuses " << describe_step(s) << ": " << std::string(e.what()));
        }
        // a jail that went away takes jailplan's record of it along
        std::erase_if(m_records, [&](const auto& r) { return kernel.find_jail(r.first) == nullptr; });
      }
  }

  void step(const JailChange& c, const Step& s) {
    switch (s.kind) {
      case StepKind::create: kernel.create(words(c, s)); break;
      case StepKind::set: kernel.modify(words(c, s)); break;
      case StepKind::drop_persist: kernel.modify({"name=" + c.name, "nopersist"}); break;
      // exec.start and command leave a process in the jail (a daemon)
      case StepKind::start:
      case StepKind::command: kernel.attach_process(c.name); break;
      case StepKind::term: kernel.kill_processes(c.name); break;
      case StepKind::remove:
        // as the FreeBSD backend: what is left is killed, and a jail that
        // ended with its last process counts as removed
        kernel.kill_processes(c.name);
        if (kernel.find_jail(c.name) != nullptr) kernel.remove(c.name);
        break;
      case StepKind::record: {
        REQUIRE_MESSAGE(kernel.find_jail(c.name) != nullptr, "record for missing jail " << c.name);
        REQUIRE(c.applied.has_value());
        m_records[c.name] = *c.applied;
        m_records[c.name].jid = (*kernel.find_jail(c.name))["jid"].get<std::int64_t>();
        std::erase_if(state.stopped, [&](const auto& r) { return r.first == c.name; });
        break;
      }
      case StepKind::forget:
        std::erase_if(state.stopped, [&](const auto& r) { return r.first == c.name; });
        m_records.erase(c.name);
        break;
      case StepKind::mount_devfs: kernel.mount("devfs", ".", s.args[0], "rw"); break;
      case StepKind::mount_fdescfs: kernel.mount("fdescfs", ".", s.args[0], "rw"); break;
      case StepKind::mount_procfs: kernel.mount("procfs", ".", s.args[0], "rw"); break;
      case StepKind::mount: {
        const auto f = fstab_fields(s.args[0]);
        REQUIRE_MESSAGE(f.size() >= 3, "mount line lacks fields: " << s.args[0]);
        kernel.mount(f[2], f[0], f[1], f.size() > 3 ? f[3] : "rw");
        break;
      }
      case StepKind::umount_devfs:
      case StepKind::umount_fdescfs:
      case StepKind::umount_procfs: kernel.unmount(s.args[0], ""); break;
      case StepKind::umount: {
        const auto f = fstab_fields(s.args[0]);
        REQUIRE(f.size() >= 3);
        kernel.unmount(f[1], f[2]);
        break;
      }
      case StepKind::alias_add:
        kernel.add_address(s.args[1], s.args[0], s.args[2], s.args.size() > 3 ? s.args[3] : "");
        break;
      case StepKind::alias_remove: kernel.remove_address(s.args[1], s.args[0], s.args[2]); break;
      default: break;  // other commands change nothing the observer sees
    }
  }
};

}  // namespace jailplan::test
