#pragma once
/// The inputs a plan is bound to: every file the configuration made
/// jailplan read (includes, globs, mount.fstab files), with the digest of
/// what it read. A saved plan records them; `apply PLAN` reads them again
/// and refuses the plan when any differs.

#include <set>
#include <utility>
#include <vector>

#include "grammar/source_loader.hpp"
#include "planner/plan.hpp"

namespace jailplan {

/// Passes every call through to `inner`, noting each file read (its
/// digest, or why it could not be read) and each glob (its matches).
class RecordingLoader final : public SourceLoader {
 public:
  explicit RecordingLoader(SourceLoader& inner) : m_inner(inner) {}

  std::optional<std::string> read(const std::string& path, std::string& error) override;
  std::vector<std::string> glob(const std::string& pattern) override;
  std::optional<std::string> read_regular(const std::string& path, std::size_t max_bytes,
                                          std::string& error) override;
  std::string canonical(const std::string& path) override { return m_inner.canonical(path); }

  /// What was read, in the order it was first read.
  const std::vector<SourceDigest>& sources() const { return m_sources; }

 private:
  void note(SourceDigest d);

  SourceLoader& m_inner;
  std::vector<SourceDigest> m_sources;
  std::set<std::pair<std::string, std::string>> m_seen;  // (path, digest) of m_sources
};

}  // namespace jailplan
