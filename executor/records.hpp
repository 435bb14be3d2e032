#pragma once
/// jailplan's applied records (docs/state-format.md), one JSON file per
/// jail in a backend's state directory: written by the `record` step,
/// removed by `forget`, read back by the observers.

#include <cstdint>
#include <optional>
#include <string>

#include "base/diagnostic.hpp"
#include "base/result.hpp"
#include "grammar/source_loader.hpp"
#include "planner/observed.hpp"

namespace jailplan {

/// Writes the record (atomically) with the jid it was applied to.
Status write_record(const std::string& state_dir, const std::string& jail, AppliedRecord record,
                    std::optional<std::int64_t> jid);
Status forget_record(const std::string& state_dir, const std::string& jail);

/// Attaches every record in `state_dir` to its running jail in `s`, or to
/// `s.stopped` when the jail is not running. Diagnostics point into `sources`.
Diagnostics attach_records(ObservedState& s, const std::string& state_dir, SourceLoader& files,
                           SourceSet& sources);

}  // namespace jailplan
