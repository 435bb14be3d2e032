#include "cli/progress.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace jailplan {

std::string status_text(std::size_t done, std::size_t total, std::chrono::milliseconds elapsed,
                        const std::vector<std::string>& running, std::size_t width) {
  std::string text =
      fmt::format("[{}/{}] {:.1f}s", done, total, static_cast<double>(elapsed.count()) / 1000.0);
  for (std::size_t i = 0; i < running.size(); ++i) text += (i == 0 ? "  " : ", ") + running[i];
  if (width > 1 && text.size() > width - 1) {
    // keep the counter and the clock; mark the cut
    text.resize(width - 1);
    if (width > 4) text.replace(text.size() - 3, 3, "...");
  }
  return text;
}

StatusLine::StatusLine(std::ostream& out, std::size_t total, std::size_t width)
    : m_out(out), m_total(total), m_width(std::max<std::size_t>(width, 20)) {
  m_ticker = std::thread([this] {
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, std::chrono::milliseconds(250), [this] { return m_stop; })) draw();
  });
}

StatusLine::~StatusLine() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  m_ticker.join();
  m_out << "\r\033[K" << std::flush;
}

void StatusLine::started(const std::string& what) {
  std::lock_guard lock(m_mutex);
  m_running.push_back(what);
  draw();
}

void StatusLine::finished(const std::string& what, const std::string& line) {
  std::lock_guard lock(m_mutex);
  if (const auto it = std::find(m_running.begin(), m_running.end(), what); it != m_running.end())
    m_running.erase(it);
  ++m_done;
  if (!line.empty()) m_out << "\r\033[K" << line;
  draw();
}

void StatusLine::draw() {
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m_start);
  m_out << "\r\033[K" << status_text(m_done, m_total, elapsed, m_running, m_width) << std::flush;
}

}  // namespace jailplan
