#pragma once
/// The journal: an append-only log of every step an apply carries out, one
/// JSON line each, written with a single write(2) on an O_APPEND file, so
/// lines from a killed run are whole and two runs never interleave within
/// a line. It says after the fact what was done, when, and what failed;
/// convergence after a crash rests on the provisional applied records.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/result.hpp"
#include "executor/applier.hpp"

namespace jailplan {

class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Opens (creates) the journal and writes the run's first line, or says
  /// why not.
  Status open(const std::string& path, const std::string& operation);
  void step(const StepReport& r);
  void finish(const ApplyResult& result);

 private:
  void line(const std::string& text);
  int m_fd = -1;
  std::string m_run;  ///< this run's id: pid and start time
};

/// The journal of a backend whose applied records are in `state_dir`: it
/// sits beside them (`.../applied` → `.../journal.jsonl`).
std::string journal_path(const std::string& state_dir);

/// One step as the journal recorded it; fields it lacked read "?".
struct JournalStep {
  std::string run;  ///< the run's id ("" when missing)
  std::string step = "?", time = "?", error = "?";
  bool ok = true;
};

/// One run: its first line (what it was) and whether it ended.
struct JournalRun {
  std::string what = "a run", time = "?";
  bool began = false, ended = false, ended_ok = false;
};

/// What the journal says about one jail (`jailplan explain`).
struct JailHistory {
  std::optional<JournalStep> last_step, last_error;
  std::map<std::string, JournalRun> runs;
  std::vector<std::string> undone;  ///< rollback steps in the last error's run
  std::size_t malformed = 0;        ///< lines cut by a crash, skipped

  /// `'apply site.conf' at TIME, which ended ok`
  std::string run_text(const std::string& run) const;
};

/// Reads the journal at `path` for `jail` (nothing when it cannot be read).
JailHistory read_history(const std::string& path, const std::string& jail);

}  // namespace jailplan
