#include "base/line_diff.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace jailplan {

namespace {

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto nl = s.find('\n');
    out.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

struct Edit {
  char op;  // ' ', '-', '+'
  std::string_view text;
};

// LCS table diff; configuration files are small enough for O(n*m).
std::vector<Edit> edits(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::uint32_t>> t(n + 1, std::vector<std::uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      t[i][j] = a[i] == b[j] ? t[i + 1][j + 1] + 1 : std::max(t[i + 1][j], t[i][j + 1]);
  std::vector<Edit> out;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out.push_back({' ', a[i++]});
      ++j;
    } else if (i < n && (j == m || t[i + 1][j] >= t[i][j + 1])) {
      out.push_back({'-', a[i++]});
    } else {
      out.push_back({'+', b[j++]});
    }
  }
  return out;
}

}  // namespace

std::string unified_diff(std::string_view a, std::string_view b, const std::string& a_name,
                         const std::string& b_name) {
  if (a == b) return {};
  const auto la = lines(a), lb = lines(b);
  if (la.size() * lb.size() > 50'000'000)
    return fmt::format("--- {}\n+++ {}\n(files differ; too large to diff)\n", a_name, b_name);
  const auto e = edits(la, lb);
  std::string out = fmt::format("--- {}\n+++ {}\n", a_name, b_name);
  constexpr std::size_t k_context = 3;
  std::size_t k = 0;
  while (k < e.size()) {
    if (e[k].op == ' ') {
      ++k;
      continue;
    }
    std::size_t start = k >= k_context ? k - k_context : 0;
    std::size_t end = k;
    // extend the hunk while changes are within 2*context of each other
    while (end < e.size()) {
      std::size_t next = end;
      while (next < e.size() && e[next].op != ' ') ++next;
      std::size_t run = next;
      while (run < e.size() && e[run].op == ' ') ++run;
      if (run >= e.size() || run - next > 2 * k_context) {
        end = std::min(e.size(), next + k_context);
        break;
      }
      end = run;
    }
    std::size_t a_line = 1, b_line = 1;
    for (std::size_t x = 0; x < start; ++x) {
      if (e[x].op != '+') ++a_line;
      if (e[x].op != '-') ++b_line;
    }
    std::size_t a_count = 0, b_count = 0;
    for (std::size_t x = start; x < end; ++x) {
      if (e[x].op != '+') ++a_count;
      if (e[x].op != '-') ++b_count;
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", a_line, a_count, b_line, b_count);
    for (std::size_t x = start; x < end; ++x) out += fmt::format("{}{}\n", e[x].op, e[x].text);
    k = end;
  }
  return out;
}

}  // namespace jailplan
