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
/// Marks the jail's record `stopping` (AppliedRecord::stopping), before
/// its first stop step: the record as it is when it is for that jail (its
/// jid `jid`, or none kept), else one of `teardown` (the settings it is
/// stopped with), as adopted by `owner` (the plan's configuration).
Status mark_stopping(const std::string& state_dir, const std::string& jail, std::optional<std::int64_t> jid,
                     const CanonSpec& teardown, const std::string& owner);
/// Removes the temporary files a killed record write left in `state_dir`
/// (`*.json.jailplan-*`, base/atomic_file.hpp). Only while no one else
/// writes records: under the host lock. Returns an error sentence or "".
std::string remove_stale_temporaries(const std::string& state_dir);

/// Attaches every record in `state_dir` to its running jail in `s`, or to
/// `s.stopped` when the jail is not running. Diagnostics point into `sources`.
Diagnostics attach_records(ObservedState& s, const std::string& state_dir, SourceLoader& files,
                           SourceSet& sources);

}  // namespace jailplan
