#pragma once
// Helpers for planner tests: compile a site, plan it against a state, and
// print what came out in a compact form.

#include <doctest/doctest.h>

#include <string>

#include "model_host.hpp"
#include "planner/planner.hpp"
#include "planner/render.hpp"
#include "planner/snapshot.hpp"
#include "testutil.hpp"

namespace jailplan::test {

inline Compilation site(const std::string& text) {
  Compilation c = compile(text);
  REQUIRE_MESSAGE(c.ok(), render(c.diagnostics));
  return c;
}

inline Plan plan_of(const Compilation& c, const ObservedState& o, bool prune = false) {
  return make_plan(c.desired, o, PlanOptions{prune, "test"});
}

/// Jails as `jls -n` prints them, one per line.
inline ObservedState jls(const std::string& text) {
  static SourceSet sources;  // diagnostics may point into it
  auto r = parse_snapshot(sources.add("jls.txt", text));
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  return r.value();
}

/// A host on which `text` has been applied from nothing.
inline ModelHost applied(const std::string& text) {
  ModelHost host;
  const Compilation c = site(text);
  host.apply(plan_of(c, host.state));
  return host;
}

/// "kind arg arg" per step, one per line.
inline std::string steps_of(const JailChange& j) {
  std::string out;
  for (const auto& s : j.steps) out += describe_step(s) + "\n";
  return out;
}

/// "name:effect" per change, space-separated.
inline std::string changes_of(const JailChange& j) {
  std::string out;
  for (const auto& c : j.changes)
    out += (out.empty() ? "" : " ") + c.name + ":" + std::string(to_string(c.effect));
  return out;
}

/// "glyph name" per planned jail, in plan order.
inline std::string actions_of(const Plan& p) {
  std::string out;
  for (const auto& j : p.jails) out += (out.empty() ? "" : " ") + std::string(glyph(j.action)) + j.name;
  return out;
}

}  // namespace jailplan::test
