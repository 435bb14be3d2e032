#pragma once
// The real-world jail.conf corpus in ../shared/corpus/jailconf, with the
// classification SOURCES.md gives each file.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "grammar/source_loader.hpp"

namespace jailplan::test {

struct CorpusFile {
  std::string name;   // e.g. "05-handbook-thin-nullfs.conf"
  std::string klass;  // VALID, INVALID or TEMPLATE
};

/// "" when the build has no corpus (a source tarball).
inline std::string corpus_dir() {
#ifdef JAILPLAN_CORPUS_DIR
  return JAILPLAN_CORPUS_DIR;
#else
  return {};
#endif
}

inline std::vector<CorpusFile> corpus_files() {
  if (corpus_dir().empty()) return {};
  std::ifstream f(corpus_dir() + "/SOURCES.md");
  std::vector<CorpusFile> out;
  const std::regex row(R"(^\| \d+ \| `([^`]+)` \|.*\| (VALID|INVALID|TEMPLATE) \|)");
  std::string line;
  while (std::getline(f, line)) {
    std::smatch m;
    if (std::regex_search(line, m, row)) out.push_back({m[1], m[2]});
  }
  return out;
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// Reads relative names from a base directory, so diagnostics name files
/// relative to it (stable across checkouts).
class RootedLoader final : public SourceLoader {
 public:
  explicit RootedLoader(std::string root) : m_root(std::move(root)) {}
  std::optional<std::string> read(const std::string& path, std::string& error) override {
    return m_fs.read(map(path), error);
  }
  std::vector<std::string> glob(const std::string& pattern) override {
    auto found = m_fs.glob(map(pattern));
    if (!pattern.empty() && pattern[0] != '/')
      for (auto& f : found) f = f.substr(m_root.size() + 1);
    return found;
  }

 private:
  std::string map(const std::string& p) const { return !p.empty() && p[0] == '/' ? p : m_root + "/" + p; }
  std::string m_root;
  FileSystemLoader m_fs;
};

}  // namespace jailplan::test
