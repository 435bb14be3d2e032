#pragma once
/// State snapshots: ObservedState as a file. `parse_snapshot` accepts, by
/// content, jailplan's own snapshot (docs/state-format.md), the output of
/// `jls --libxo json [-v] [params|all]` and the output of `jls -n`
/// (jail-semantics §6), so a pipeline can plan against
/// `ssh host jls --libxo json > state.json`.

#include <string>

#include "base/result.hpp"
#include "base/source.hpp"
#include "planner/observed.hpp"

namespace jailplan {

inline constexpr int k_state_format_version = 1;

Result<ObservedState> parse_snapshot(const SourceFile& file);

/// jailplan's own snapshot format (pretty JSON, deterministic).
std::string render_snapshot(const ObservedState& state);

/// An applied record on its own (the backends' state directories).
std::string render_record(const AppliedRecord& record);
Result<AppliedRecord> parse_record(const SourceFile& file);

/// Parses `jls --libxo json -n [-d]` (or any jls JSON view that has the
/// jails' names) into jails: what the FreeBSD observer reads.
Result<ObservedState> parse_jls_json(const SourceFile& file);

/// Parses `jls -n` / `jls -nq` text into jails.
Result<ObservedState> parse_jls_n(const SourceFile& file);

/// A jail's kernel parameters as a kernel reports them, by name (flags as
/// "true" / "false", lists as the kernel writes them): the canonical spec,
/// read as `jls -n` output is read. Returns "" or what is wrong.
std::string spec_from_kernel(const std::vector<std::pair<std::string, std::string>>& params,
                             const std::string& jail, CanonSpec& out);

}  // namespace jailplan
