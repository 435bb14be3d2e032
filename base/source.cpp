#include "base/source.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace jailplan {

SourceFile::SourceFile(std::string name, std::string text)
    : m_name(std::move(name)), m_text(std::move(text)) {}

void SourceFile::index_lines() const {
  if (!m_line_starts.empty()) return;
  m_line_starts.push_back(0);
  const char* begin = m_text.data();
  const char* end = begin + m_text.size();
  for (const char* p = begin; p < end;) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (nl == nullptr) break;
    p = static_cast<const char*>(nl) + 1;
    m_line_starts.push_back(static_cast<std::uint32_t>(p - begin));
  }
}

SourceFile::LineCol SourceFile::line_col(std::uint32_t offset) const {
  index_lines();
  auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
  const auto line = static_cast<std::uint32_t>(it - m_line_starts.begin());
  return {line, offset - m_line_starts[line - 1] + 1};
}

std::uint32_t SourceFile::offset_of(std::uint32_t line, std::uint32_t column) const {
  index_lines();
  if (line == 0) line = 1;
  if (line > m_line_starts.size()) return static_cast<std::uint32_t>(m_text.size());
  const std::uint32_t start = m_line_starts[line - 1];
  return std::min<std::uint32_t>(start + (column == 0 ? 0 : column - 1),
                                 static_cast<std::uint32_t>(m_text.size()));
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
  index_lines();
  if (line == 0 || line > m_line_starts.size()) return {};
  const std::uint32_t start = m_line_starts[line - 1];
  std::uint32_t end =
      line < m_line_starts.size() ? m_line_starts[line] - 1 : static_cast<std::uint32_t>(m_text.size());
  if (end > start && m_text[end - 1] == '\r') --end;
  return std::string_view(m_text).substr(start, end - start);
}

std::string Location::to_string() const {
  if (file == nullptr) return {};
  const auto lc = file->line_col(offset);
  return fmt::format("{}:{}:{}", file->name(), lc.line, lc.column);
}

const SourceFile& SourceSet::add(std::string name, std::string text) {
  m_files.push_back(std::make_unique<SourceFile>(std::move(name), std::move(text)));
  return *m_files.back();
}

}  // namespace jailplan
