#pragma once
// An in-memory host for planner tests: it carries out a Plan's steps on an
// ObservedState the way a kernel and jail(8) would change it, so that
// "apply, re-observe, re-plan" can be checked without any backend.

#include <algorithm>

#include <doctest/doctest.h>

#include "compiler/typecheck.hpp"
#include "planner/observed.hpp"
#include "planner/plan.hpp"
#include "planner/steps.hpp"

namespace jailplan::test {

class ModelHost {
 public:
  ObservedState state;
  std::int64_t next_jid = 1;

  void apply(const Plan& plan) {
    for (auto it = plan.jails.rbegin(); it != plan.jails.rend(); ++it) run(*it, Phase::stop);
    for (const auto& j : plan.jails) run(j, Phase::update);
    for (const auto& j : plan.jails) run(j, Phase::start);
    state.normalize();
  }

  ObservedJail* jail(const std::string& name) {
    for (auto& j : state.jails)
      if (j.name == name) return &j;
    return nullptr;
  }

 private:
  void run(const JailChange& c, Phase phase) {
    for (const auto& s : c.steps)
      if (s.phase == phase) step(c, s);
  }

  static void set_word(CanonSpec& params, const std::string& word) {
    const auto eq = word.find('=');
    const std::string name = word.substr(0, eq);
    const auto m = lookup_param(name);
    REQUIRE_MESSAGE(m.has_value(), "kernel got unknown parameter " << name);
    std::vector<std::string> values;
    if (eq != std::string::npos) values.push_back(word.substr(eq + 1));
    auto canon = canon_reported(*m->info, values);
    REQUIRE_MESSAGE(canon.has_value(), "kernel rejects " << word);
    if (m->negated) canon->back() = canon->back() == "true" ? "false" : "true";
    *canon = kernel_view(*m->info, *canon);
    for (auto& p : params)
      if (p.name == m->canonical) {
        p.values = *canon;
        return;
      }
    params.push_back({m->canonical, *canon});
    std::sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  }

  // What a new jail reports for everything it was not given.
  void fill_defaults(ObservedJail& j) {
    const auto dot = j.name.rfind('.');
    const ObservedJail* parent = dot == std::string::npos ? nullptr : jail(j.name.substr(0, dot));
    CanonSpec added;
    for (const auto& info : catalog()) {
      if (!compared_when_absent(info) || find_param(j.params, info.name) != nullptr) continue;
      std::string v(info.default_value);
      if (parent != nullptr && info.name.substr(0, 6) == "allow.")
        if (const auto* pv = find_param(parent->params, info.name);
            pv != nullptr && pv->values.back() == "false")
          v = "false";
      added.push_back({std::string(info.name), {v}});
    }
    j.params.insert(j.params.end(), added.begin(), added.end());
    std::sort(j.params.begin(), j.params.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  }

  void step(const JailChange& c, const Step& s) {
    switch (s.kind) {
      case StepKind::create: {
        REQUIRE_MESSAGE(jail(c.name) == nullptr, "jail " << c.name << " already exists");
        ObservedJail j;
        j.name = c.name;
        j.jid = next_jid++;
        for (const auto& w : step_words(s))
          if (w.rfind("name=", 0) != 0) set_word(j.params, w);
        fill_defaults(j);
        state.jails.push_back(std::move(j));
        break;
      }
      case StepKind::set: {
        auto* j = jail(c.name);
        REQUIRE_MESSAGE(j != nullptr, "jail -m on missing jail " << c.name);
        for (const auto& w : step_words(s)) set_word(j->params, w);
        break;
      }
      case StepKind::drop_persist: set_word(jail(c.name)->params, "nopersist"); break;
      case StepKind::remove: {
        REQUIRE_MESSAGE(jail(c.name) != nullptr, "jail -r on missing jail " << c.name);
        // the kernel removes the jail and every descendant
        std::erase_if(state.jails, [&](const ObservedJail& j) {
          return j.name == c.name || j.name.rfind(c.name + ".", 0) == 0;
        });
        break;
      }
      case StepKind::record: {
        auto* j = jail(c.name);
        REQUIRE_MESSAGE(j != nullptr, "record for missing jail " << c.name);
        REQUIRE(c.applied.has_value());
        j->applied = *c.applied;
        j->applied->jid = j->jid;
        std::erase_if(state.stopped, [&](const auto& r) { return r.first == c.name; });
        break;
      }
      case StepKind::forget:
        std::erase_if(state.stopped, [&](const auto& r) { return r.first == c.name; });
        if (auto* j = jail(c.name)) j->applied.reset();
        break;
      case StepKind::mount_devfs: mount("devfs", s.args[0]); break;
      case StepKind::mount_fdescfs: mount("fdescfs", s.args[0]); break;
      case StepKind::mount_procfs: mount("procfs", s.args[0]); break;
      case StepKind::mount: {
        const auto f = fstab_fields(s.args[0]);
        REQUIRE_MESSAGE(f.size() >= 3, "mount line lacks fields: " << s.args[0]);
        mount(f[2], f[1], f[0]);
        break;
      }
      case StepKind::umount_devfs:
      case StepKind::umount_fdescfs:
      case StepKind::umount_procfs: umount(s.args[0]); break;
      case StepKind::umount: {
        const auto f = fstab_fields(s.args[0]);
        REQUIRE(f.size() >= 2);
        umount(f[1]);
        break;
      }
      case StepKind::alias_add: {
        ObservedAddress a{s.args[1], s.args[0], s.args[2]};
        REQUIRE_MESSAGE(std::find(state.addresses.begin(), state.addresses.end(), a) == state.addresses.end(),
                        "alias " << a.address << " already configured");
        state.addresses.push_back(a);
        break;
      }
      case StepKind::alias_remove: {
        ObservedAddress a{s.args[1], s.args[0], s.args[2]};
        const auto it = std::find(state.addresses.begin(), state.addresses.end(), a);
        REQUIRE_MESSAGE(it != state.addresses.end(), "alias " << a.address << " is not configured");
        state.addresses.erase(it);
        break;
      }
      default: break;  // commands change nothing the observer sees
    }
  }

  void mount(const std::string& type, const std::string& target, const std::string& source = ".") {
    for (const auto& m : state.mounts) REQUIRE_MESSAGE(m.target != target, "already mounted: " << target);
    state.mounts.push_back({type, source, target});
  }
  void umount(const std::string& target) {
    const auto it = std::find_if(state.mounts.begin(), state.mounts.end(),
                                 [&](const ObservedMount& m) { return m.target == target; });
    REQUIRE_MESSAGE(it != state.mounts.end(), "not a mount point: " << target);
    state.mounts.erase(it);
  }
};

}  // namespace jailplan::test
