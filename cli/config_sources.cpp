#include "cli/config_sources.hpp"

#include <algorithm>

#include "planner/sha256.hpp"

namespace jailplan {

void RecordingLoader::note(const std::string& path, const std::optional<std::string>& text,
                           const std::string& error) {
  SourceDigest d{path, text ? Sha256().update(*text).hex_digest() : "unreadable: " + error};
  // a file read twice (an include of an include) is one input; a second
  // read that differs is recorded too, so a plan never matches it
  if (std::find(m_sources.begin(), m_sources.end(), d) == m_sources.end()) m_sources.push_back(std::move(d));
}

std::optional<std::string> RecordingLoader::read(const std::string& path, std::string& error) {
  auto text = m_inner.read(path, error);
  note(path, text, error);
  return text;
}

std::optional<std::string> RecordingLoader::read_regular(const std::string& path, std::size_t max_bytes,
                                                         std::string& error) {
  auto text = m_inner.read_regular(path, max_bytes, error);
  note(path, text, error);
  return text;
}

std::vector<std::string> RecordingLoader::glob(const std::string& pattern) {
  auto matches = m_inner.glob(pattern);
  Sha256 h;
  for (const auto& m : matches) h.field(m);
  SourceDigest d{"glob:" + pattern, h.hex_digest()};
  if (std::find(m_sources.begin(), m_sources.end(), d) == m_sources.end()) m_sources.push_back(std::move(d));
  return matches;
}

}  // namespace jailplan
