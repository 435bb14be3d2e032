#include "cli/config_sources.hpp"

#include "planner/sha256.hpp"

namespace jailplan {

namespace {

SourceDigest read_digest(const std::string& path, const std::optional<std::string>& text,
                         const std::string& error) {
  return {path, text ? Sha256().update(*text).hex_digest() : "unreadable: " + error};
}

}  // namespace

// A file read twice (an include of an include) is one input; a second read
// that differs is recorded too, so a plan never matches it. A set finds
// repeats: a glob can bring in thousands of files.
void RecordingLoader::note(SourceDigest d) {
  if (m_seen.emplace(d.path, d.digest).second) m_sources.push_back(std::move(d));
}

std::optional<std::string> RecordingLoader::read(const std::string& path, std::string& error) {
  auto text = m_inner.read(path, error);
  note(read_digest(path, text, error));
  return text;
}

std::optional<std::string> RecordingLoader::read_regular(const std::string& path, std::size_t max_bytes,
                                                         std::string& error) {
  auto text = m_inner.read_regular(path, max_bytes, error);
  note(read_digest(path, text, error));
  return text;
}

std::vector<std::string> RecordingLoader::glob(const std::string& pattern) {
  auto matches = m_inner.glob(pattern);
  Sha256 h;
  for (const auto& m : matches) h.field(m);
  note({"glob:" + pattern, h.hex_digest()});
  return matches;
}

}  // namespace jailplan
