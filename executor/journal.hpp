#pragma once
/// The journal: an append-only log of every step an apply carries out, one
/// JSON line each, written with a single write(2) on an O_APPEND file, so
/// lines from a killed run are whole and two runs never interleave within
/// a line. It says after the fact what was done, when, and what failed;
/// convergence after a crash rests on the provisional applied records.

#include <string>

#include "executor/applier.hpp"

namespace jailplan {

class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Opens (creates) the journal and writes the run's first line. Returns
  /// "" or why not.
  std::string open(const std::string& path, const std::string& operation);
  void step(const StepReport& r);
  void finish(const ApplyResult& result);

 private:
  void line(const std::string& text);
  int m_fd = -1;
  std::string m_run;  ///< this run's id: pid and start time
};

}  // namespace jailplan
