#pragma once
// Helpers shared by the unit tests: an in-memory SourceLoader and one-call
// compile / show / diagnostics helpers that return plain text.

#include <doctest/doctest.h>
#include <fnmatch.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "compiler/compile.hpp"
#include "compiler/jail_print.hpp"
#include "grammar/source_loader.hpp"

namespace jailplan::test {

/// A scratch directory, /tmp/jailplan-PREFIX-XXXXXX (mkdtemp: mode 0700),
/// removed with everything in it at scope exit.
struct TempDir {
  std::string path;
  explicit TempDir(std::string_view prefix) {
    std::string t = "/tmp/jailplan-" + std::string(prefix) + "-XXXXXX";
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

/// Files held in memory; glob() matches with fnmatch(3), sorted.
class MemoryLoader final : public SourceLoader {
 public:
  MemoryLoader() = default;
  MemoryLoader(std::initializer_list<std::pair<const std::string, std::string>> files) : m_files(files) {}
  void add(const std::string& path, std::string text) { m_files[path] = std::move(text); }

  std::optional<std::string> read(const std::string& path, std::string& error) override {
    const auto it = m_files.find(path);
    if (it == m_files.end()) {
      error = "No such file or directory";
      return std::nullopt;
    }
    return it->second;
  }
  std::vector<std::string> glob(const std::string& pattern) override {
    std::vector<std::string> out;
    for (const auto& [path, text] : m_files)
      if (fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) out.push_back(path);
    return out;
  }

 private:
  std::map<std::string, std::string> m_files;
};

/// Compiles `text` as the file "t.conf" (includes come from `loader`).
inline Compilation compile(const std::string& text, MemoryLoader loader = {}) {
  return compile_text("t.conf", text, loader);
}

/// What `jail -f t.conf -e SEP` prints, or "<syntax error>".
inline std::string show_e(const std::string& text, const std::string& sep = "|", MemoryLoader loader = {}) {
  const Compilation c = compile(text, std::move(loader));
  if (!c.syntax_ok) return "<syntax error>";
  std::string out;
  for (const auto& j : c.resolution.jails) out += print_jail_e(j, sep);
  return out;
}

/// Rendered diagnostics without colour.
inline std::string diags(const Compilation& c) {
  return render(c.diagnostics);
}

/// Just the summaries, one per line: "line:col: severity: summary";
/// with `code`, only diagnostics of that category.
inline std::string summaries(const Diagnostics& diagnostics, const std::string& code = {}) {
  std::string out;
  for (const auto& d : diagnostics.items()) {
    if (!code.empty() && d.code != code) continue;
    std::string where = "-";
    if (d.location.valid()) {
      const auto lc = d.location.file->line_col(d.location.offset);
      where = std::to_string(lc.line) + ":" + std::to_string(lc.column);
    }
    out += where + ": " + (d.severity == Severity::error ? "error" : "warning") + ": " + d.summary + "\n";
  }
  return out;
}

/// The summaries of a compilation's diagnostics (see above).
inline std::string summaries(const Compilation& c, const std::string& code = {}) {
  return summaries(c.diagnostics, code);
}

}  // namespace jailplan::test
