#include "executor/records.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/text.hpp"
#include "planner/sha256.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

namespace {

// The longest file name Linux and FreeBSD take (NAME_MAX).
constexpr std::size_t k_name_max = 255;
constexpr std::string_view k_suffix = ".json";
// A name too long for its file name is stored under its digest; the record
// holds the name (params.name). "%%" starts no encoded name.
constexpr std::string_view k_hashed = "%%";

/// The record's file name: the jail name made safe as one path component
/// (base/text.hpp), so no name reaches outside state_dir.
std::string record_file(const std::string& jail) {
  std::string file = encode_path_component(jail);
  if (file.size() + k_suffix.size() > k_name_max) {
    std::string digest = Sha256().update(jail).hex_digest();
    file = std::string(k_hashed) + digest.substr(digest.find(':') + 1);
  }
  return file + std::string(k_suffix);
}

std::string record_path(const std::string& state_dir, const std::string& jail) {
  return state_dir + "/" + record_file(jail);
}

/// The jail a record file is for: from its file name, or for a long name
/// from the record; nullopt for a file jailplan did not name.
std::optional<std::string> record_name(const std::string& file, const AppliedRecord& record) {
  const std::string_view stem = std::string_view(file).substr(0, file.size() - k_suffix.size());
  if (stem.substr(0, k_hashed.size()) == k_hashed) {
    const CanonParam* name = find_param(record.params, "name");
    if (name == nullptr || name->values.size() != 1 || record_file(name->values[0]) != file)
      return std::nullopt;
    return name->values[0];
  }
  return decode_path_component(stem);
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

Status mark_stopping(const std::string& state_dir, const std::string& jail, std::optional<std::int64_t> jid,
                     const CanonSpec& teardown, const std::string& owner) {
  std::optional<AppliedRecord> record;
  const std::string path = record_path(state_dir, jail);
  if (std::ifstream in(path); in) {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SourceSet sources;
    if (auto r = parse_record(sources.add(path, std::move(text)));
        r.ok() && (!r->jid || !jid || r->jid == jid))
      record = std::move(r.value());
  }
  if (!record) {
    // jailplan holds none (or one of an earlier jail): what it is stopped with
    record.emplace();
    record->params = teardown;
    record->digest = spec_digest(teardown);
    record->created = false;
    record->owner = owner;
  }
  record->stopping = true;
  return write_record(state_dir, jail, std::move(*record), jid);
}

std::string remove_stale_temporaries(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(state_dir, ec), end;
  if (ec) return {};  // no directory: nothing was ever written
  for (; it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (!is_temporary_of(file, k_suffix)) continue;
    if (::unlink(it->path().c_str()) != 0 && errno != ENOENT)
      return fmt::format("cannot remove {}: {}", it->path().string(), std::strerror(errno));
  }
  if (ec) return fmt::format("cannot list {}: {}", state_dir, ec.message());
  return {};
}

Diagnostics attach_records(ObservedState& s, const std::string& state_dir, SourceLoader& files,
                           SourceSet& sources) {
  // sorted by name, a live jail before a dying one of the same name: one
  // binary search per record (a scan of every jail per record took a
  // minute at 100,000 jails)
  s.normalize();
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
    auto jail = record_name(basename_of(path), record.value());
    if (!jail) continue;  // not a name jailplan writes: not one of its records
    std::string name = std::move(*jail);
    const auto it = std::lower_bound(s.jails.begin(), s.jails.end(), name,
                                     [](const ObservedJail& j, const std::string& n) { return j.name < n; });
    if (it != s.jails.end() && it->name == name && !it->dying)
      it->applied = std::move(record.value());
    else
      s.stopped.emplace_back(std::move(name), std::move(record.value()));
  }
  s.normalize();
  return {};
}

}  // namespace jailplan
