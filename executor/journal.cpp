#include "executor/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace jailplan {

namespace {

std::string now_utc() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Journal::~Journal() {
  if (m_fd >= 0) ::close(m_fd);
}

std::string Journal::open(const std::string& path, const std::string& operation) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  m_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0) return fmt::format("cannot open the journal {}: {}", path, std::strerror(errno));
  m_run = fmt::format("{}-{}", ::getpid(), now_utc());
  line(nlohmann::json{{"run", m_run}, {"time", now_utc()}, {"begin", operation}}.dump());
  return {};
}

void Journal::step(const StepReport& r) {
  if (m_fd < 0) return;
  nlohmann::json j = {{"run", m_run},
                      {"time", now_utc()},
                      {"jail", r.jail.name},
                      {"step", to_string(r.step.kind)},
                      {"args", r.step.args},
                      {"ok", r.error.empty()},
                      {"ms", static_cast<double>(r.elapsed.count()) / 1000.0}};
  if (!r.error.empty()) j["error"] = r.error;
  if (r.undo) j["undo"] = true;
  line(j.dump());
}

void Journal::finish(const ApplyResult& result) {
  if (m_fd < 0) return;
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& j : result.jails)
    if (j.status != JailOutcome::Status::done) failed.push_back(j.name);
  line(nlohmann::json{
      {"run", m_run}, {"time", now_utc()}, {"end", result.ok() ? "ok" : "failed"}, {"failed", failed}}
           .dump());
}

void Journal::line(const std::string& text) {
  const std::string out = text + "\n";
  // one write: whole lines even if we are killed right after
  [[maybe_unused]] const auto n = ::write(m_fd, out.data(), out.size());
}

}  // namespace jailplan
