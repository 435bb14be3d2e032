#pragma once
/// The live status line `apply` keeps at the bottom of a terminal while it
/// works: steps done of all, time so far, and the steps running now. Step
/// lines scroll above it; it is redrawn as steps begin and end, and by a
/// ticker so that the clock moves during a long exec.start.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace jailplan {

/// `[3/12] 1.4s  db: create, web: mount.devfs`, cut to `width` columns.
std::string status_text(std::size_t done, std::size_t total, std::chrono::milliseconds elapsed,
                        const std::vector<std::string>& running, std::size_t width);

class StatusLine {
 public:
  /// `total` = the steps the plan has; `width` = the terminal's columns.
  StatusLine(std::ostream& out, std::size_t total, std::size_t width);
  ~StatusLine();  ///< stops the ticker and clears the line
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  void started(const std::string& what);
  /// Prints `line` (with its newline) above the status line.
  void finished(const std::string& what, const std::string& line);

 private:
  void draw();  // with m_mutex held

  std::ostream& m_out;
  std::size_t m_total, m_width, m_done = 0;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  std::vector<std::string> m_running;  // in start order
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_ticker;
};

}  // namespace jailplan
