#pragma once
/// Renderings of one Plan value: for people (human), for pull requests
/// (Markdown) and for programs (JSON, docs/plan-format.md). All are
/// deterministic: the same Plan gives the same bytes.

#include <string>

#include "compiler/model.hpp"
#include "planner/plan.hpp"

namespace jailplan {

struct HumanOptions {
  bool color = false;
  bool explain = false;       ///< why each change has the effect it has, and the steps
  std::string observed_from;  ///< e.g. "snapshot state.json"
};

std::string render_human(const Plan& plan, const HumanOptions& options);
std::string render_markdown(const Plan& plan);

/// The dependency graph in Graphviz DOT: one node per jail, an edge from
/// each jail to what it needs (dashed for hierarchical parents).
std::string render_dot(const DesiredState& desired);

/// The summary line: `Plan: N to create, ...` or `No changes.`
std::string summary_line(const Plan& plan);

/// Why a parameter change has its effect, in words.
std::string explain_effect(const ParamChange& c);

/// One step in one line: `exec.start "/bin/sh /etc/rc"`.
std::string describe_step(const Step& s);

}  // namespace jailplan
