#include "executor/records.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

namespace {

std::string record_path(const std::string& state_dir, const std::string& jail) {
  return fmt::format("{}/{}.json", state_dir, jail);
}

std::string basename_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Status write_record(const std::string& state_dir, const std::string& jail, AppliedRecord record,
                    std::optional<std::int64_t> jid) {
  if (jid) record.jid = jid;
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return failure(fmt::format("jail: {}: cannot create {}: {}", jail, state_dir, ec.message()));
  if (auto err = write_file_atomically(record_path(state_dir, jail), render_record(record)); !err.empty())
    return failure(fmt::format("jail: {}: cannot record what was applied: {}", jail, err));
  return {};
}

Status forget_record(const std::string& state_dir, const std::string& jail) {
  const std::string path = record_path(state_dir, jail);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return failure(fmt::format("jail: {}: cannot remove {}: {}", jail, path, std::strerror(errno)));
  return {};
}

Diagnostics attach_records(ObservedState& s, const std::string& state_dir, SourceLoader& files,
                           SourceSet& sources) {
  for (const auto& path : files.glob(state_dir + "/*.json")) {
    std::string error;
    auto text = files.read(path, error);
    if (!text) {
      Diagnostics d;
      d.error({}, fmt::format("cannot read applied record {}: {}", path, error), "observe");
      return d;
    }
    auto record = parse_record(sources.add(path, std::move(*text)));
    if (!record) return record.diagnostics();
    std::string name = basename_of(path);
    name.resize(name.size() - 5);  // ".json"
    ObservedJail* running = nullptr;
    for (auto& j : s.jails)
      if (j.name == name && !j.dying) running = &j;
    if (running != nullptr)
      running->applied = std::move(record.value());
    else
      s.stopped.emplace_back(std::move(name), std::move(record.value()));
  }
  s.normalize();
  return {};
}

}  // namespace jailplan
