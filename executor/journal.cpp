#include "executor/journal.hpp"

#include "planner/steps.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json_bytes.hpp"

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

Status Journal::open(const std::string& path, const std::string& operation) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  m_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0) return failure(fmt::format("cannot open the journal {}: {}", path, std::strerror(errno)));
  m_run = fmt::format("{}-{}", ::getpid(), now_utc());
  line(dump_json(nlohmann::json{{"run", m_run}, {"time", now_utc()}, {"begin", operation}}));
  return {};
}

void Journal::step(const StepReport& r) {
  if (m_fd < 0) return;
  nlohmann::json j = {{"run", m_run},
                      {"time", now_utc()},
                      {"jail", r.jail.name},
                      {"step", to_string(r.step.kind)},
                      {"args", step_words(r.step)},
                      {"ok", r.error.empty()},
                      {"ms", static_cast<double>(r.elapsed.count()) / 1000.0}};
  if (!r.error.empty()) j["error"] = r.error;
  // which statement asked for the step (a saved plan carries it as text)
  if (r.step.origin.valid())
    j["origin"] = r.step.origin.to_string();
  else if (!r.step.origin_text.empty())
    j["origin"] = r.step.origin_text;
  if (r.undo) j["undo"] = true;
  line(dump_json(std::move(j)));
}

void Journal::finish(const ApplyResult& result) {
  if (m_fd < 0) return;
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& j : result.jails)
    if (j.status != JailOutcome::Status::done) failed.push_back(j.name);
  line(dump_json(nlohmann::json{
      {"run", m_run}, {"time", now_utc()}, {"end", result.ok() ? "ok" : "failed"}, {"failed", failed}}));
}

void Journal::line(const std::string& text) {
  const std::string out = text + "\n";
  // one write: whole lines even if we are killed right after
  [[maybe_unused]] const auto n = ::write(m_fd, out.data(), out.size());
}

std::string journal_path(const std::string& state_dir) {
  return std::filesystem::path(state_dir).parent_path() / "journal.jsonl";
}

namespace {

JournalStep step_of(const nlohmann::json& j) {
  JournalStep s;
  s.run = j.value("run", "");
  s.step = j.value("step", "?");
  s.time = j.value("time", "?");
  s.error = j.value("error", "?");
  s.ok = j.value("ok", true);
  return s;
}

}  // namespace

std::string JailHistory::run_text(const std::string& run) const {
  const auto it = runs.find(run);
  const JournalRun r = it != runs.end() ? it->second : JournalRun{};
  const std::string end =
      !r.ended ? "did not finish (killed or crashed?)" : (r.ended_ok ? "ended ok" : "ended with failures");
  return fmt::format("'{}' at {}, which {}", r.began ? r.what : "a run", r.began ? r.time : "?", end);
}

JailHistory read_history(const std::string& path, const std::string& jail) {
  using nlohmann::json;
  JailHistory h;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++h.malformed;  // a line cut by a crash
      continue;
    }
    restore_json_bytes(j);
    const std::string run = j.value("run", "");
    if (j.contains("begin")) {
      JournalRun& r = h.runs[run];
      r.began = true;
      r.what = j.value("begin", "a run");
      r.time = j.value("time", "?");
    }
    if (j.contains("end")) {
      JournalRun& r = h.runs[run];
      r.ended = true;
      r.ended_ok = j.value("end", "") == "ok";
    }
    if (j.value("jail", "") != jail) continue;
    if (j.value("undo", false)) {
      if (h.last_error && h.last_error->run == run)
        h.undone.push_back(
            fmt::format("{} {}", j.value("step", "?"), dump_json(j.value("args", json::array()))));
      continue;
    }
    h.last_step = step_of(j);
    if (!j.value("ok", true)) {
      h.last_error = step_of(j);
      h.undone.clear();
    }
  }
  return h;
}

}  // namespace jailplan
