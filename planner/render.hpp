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
  bool full = false;          ///< each jail, never grouped (planner/plan_groups.hpp)
};

/// For a terminal: every name and value from input passes through
/// visible() (base/visible.hpp) or double_quoted(), so none can move the
/// cursor or forge a line.
std::string render_human(const Plan& plan, const HumanOptions& options);

struct MarkdownOptions {
  bool full = false;  ///< each jail, never grouped (the size limit still holds)
  /// The longest document, in bytes (so in characters too): a GitHub
  /// pull-request comment holds 65,536 characters.
  std::size_t limit = k_markdown_limit;
  std::string saved_to;  ///< the plan file written with -o, named where the full plan is
  static constexpr std::size_t k_markdown_limit = 65536;
};

/// Only what changed outside jailplan (`plan --refresh-only`, `jailplan
/// drift`): per drifted jail a line per drift and what the plan does about
/// it, then a count; `No drift: ...` when nothing drifted.
std::string render_drift(const Plan& plan, const HumanOptions& options);

/// For a pull-request comment: names and values cannot break out of their
/// table cell, code span or code block, and the document is never longer
/// than `limit`: what does not fit is left out with a sentence saying where
/// the full plan is.
std::string render_markdown(const Plan& plan, const MarkdownOptions& options = {});

/// The dependency graph in Graphviz DOT: one node per jail, an edge from
/// each jail to what it needs (dashed for hierarchical parents).
std::string render_dot(const DesiredState& desired);

/// The summary line: `Plan: N to create, ...` or `No changes.`
std::string summary_line(const Plan& plan);

/// One side of a change for display: the value quoted (double_quoted),
/// `(absent)` or `(unknown)`.
std::string show_values(const std::optional<std::vector<std::string>>& v, std::string_view name,
                        bool unknown);

/// Why a parameter change has its effect, in words.
std::string explain_effect(const ParamChange& c);

/// One step in one line: `exec.start "/bin/sh /etc/rc"`.
std::string describe_step(const Step& s);

}  // namespace jailplan
