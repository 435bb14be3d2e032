#pragma once
/// Source text and positions in it.
///
/// A Location is a byte offset into a SourceFile; line and column are
/// computed only when a diagnostic is rendered, so the front end pays for
/// positions only where it reports one.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace jailplan {

/// One loaded file (or standard input), owning its text.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return m_name; }
  std::string_view text() const { return m_text; }

  /// 1-based line and column (in bytes) of a byte offset.
  struct LineCol {
    std::uint32_t line;
    std::uint32_t column;
  };
  LineCol line_col(std::uint32_t offset) const;

  /// Byte offset of a 1-based line and column (clamped to the text).
  std::uint32_t offset_of(std::uint32_t line, std::uint32_t column) const;

  /// The text of a 1-based line, without its line terminator.
  std::string_view line_text(std::uint32_t line) const;

 private:
  void index_lines() const;

  std::string m_name;
  std::string m_text;
  mutable std::vector<std::uint32_t> m_line_starts;  // built on first use
};

/// A position in a source file. A default Location means "no position".
struct Location {
  const SourceFile* file = nullptr;
  std::uint32_t offset = 0;

  bool valid() const { return file != nullptr; }
  bool operator==(const Location&) const = default;
  /// `file:line:col`, or "" without a file.
  std::string to_string() const;
};

/// Owns every SourceFile of one run; pointers to them stay valid for the
/// lifetime of the set.
class SourceSet {
 public:
  const SourceFile& add(std::string name, std::string text);

 private:
  std::deque<std::unique_ptr<SourceFile>> m_files;
};

}  // namespace jailplan
