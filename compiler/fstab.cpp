#include "compiler/fstab.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/text.hpp"

namespace jailplan {

std::vector<FstabLine> fstab_lines(const SourceFile& file) {
  std::vector<FstabLine> out;
  const std::string_view text = file.text();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    // config.c: the line is cut at its first '#'
    std::string_view line = text.substr(start, end - start);
    line = line.substr(0, line.find('#'));
    const auto fields = split_blanks(line);
    if (!fields.empty()) {
      std::string joined;
      for (const auto& f : fields) joined.append(joined.empty() ? "" : " ").append(f);
      const auto first = static_cast<std::uint32_t>(start + line.find_first_not_of(" \t"));
      out.push_back({std::move(joined), Location{&file, first}});
    }
    start = end + 1;
  }
  return out;
}

std::string fstab_line_problem(std::string_view line) {
  const auto fields = split_blanks(line);
  // command.c run_command: three fields at least, FILE (decoded) absolute
  if (fields.size() < 3) return fmt::format("mount: {}: missing information", line);
  const std::string target = unvis(fields[1]);
  if (target.empty() || target[0] != '/') return fmt::format("mount: {}: not an absolute pathname", target);
  return {};
}

void set_fstab_lines(Compilation& c, JailSpec& jail, std::span<const FstabLine> lines) {
  const ParamInfo* info = find_info(k_fstab_lines_param);
  const TypedParam* files = jail.find("mount.fstab");
  if (info == nullptr || files == nullptr) return;
  Arena& arena = c.resolution.arena;
  const std::size_t n = lines.size();
  const std::span<std::string_view> values = arena.array<std::string_view>(n);
  // every value has its own file: the layout ResolvedParam::files_after reads
  const std::size_t bytes = n * sizeof(std::uint32_t);
  const std::size_t files_at = (bytes + alignof(void*) - 1) & ~(alignof(void*) - 1);
  auto* offsets = static_cast<std::uint32_t*>(
      arena.allocate(std::max<std::size_t>(files_at + n * sizeof(void*), 1), alignof(void*)));
  auto* where = reinterpret_cast<const SourceFile**>(reinterpret_cast<char*>(offsets) + files_at);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = arena.save(lines[i].text);
    offsets[i] = lines[i].location.offset;
    where[i] = lines[i].location.file;
  }
  const std::span<const std::string_view> view(values.data(), n);
  const ResolvedParam* source =
      arena.make<ResolvedParam>(k_fstab_lines_param, view, offsets, true, files->location(), true);
  std::erase_if(jail.params, [](const TypedParam& p) { return p.name() == k_fstab_lines_param; });
  jail.params.push_back(TypedParam{info, source, StringList{view}});
}

}  // namespace jailplan
