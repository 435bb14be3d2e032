#include "cli/fstab_input.hpp"

#include <map>
#include <ostream>

#include <fmt/format.h>

#include "compiler/fstab.hpp"

namespace jailplan {

namespace {

// A file read once per run, however many jails name it.
struct FstabReader {
  World& w;
  SourceSet& sources;
  std::map<std::string, std::pair<const SourceFile*, std::string>> files;  // file or why not

  const SourceFile* read(const std::string& path, std::string& error) {
    auto it = files.find(path);
    if (it == files.end()) {
      std::string why;
      auto text = w.loader.read_regular(path, k_max_fstab_bytes, why);
      const SourceFile* file = text ? &sources.add(path, std::move(*text)) : nullptr;
      it = files.emplace(path, std::pair{file, std::move(why)}).first;
    }
    error = it->second.second;
    return it->second.first;
  }
};

}  // namespace

bool read_fstab_files(Compilation& c, World& w) {
  if (!c.loaded) c.loaded = std::make_unique<LoadedConfig>();
  FstabReader reader{w, c.loaded->sources, {}};
  Diagnostics d;
  for (auto& jail : c.desired.jails) {
    const TypedParam* names = jail.find("mount.fstab");
    if (names == nullptr) continue;
    std::vector<FstabLine> lines;
    const auto raw = names->raw();
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i].empty()) continue;  // jail(8) skips an empty name
      const std::string path(raw[i]);
      std::string error;
      const SourceFile* file = reader.read(path, error);
      if (file == nullptr) {
        d.error(names->value_location(i),
                fmt::format("jail: {}: mount.fstab: {}: {}", jail.name, path, error), "fstab");
        continue;
      }
      for (auto& line : fstab_lines(*file)) {
        if (auto why = fstab_line_problem(line.text); !why.empty())
          d.error(line.location, fmt::format("jail: {}: {}", jail.name, why), "fstab").detail =
              fmt::format("a line of mount.fstab file {}, which jail(8) mounts like a 'mount' entry", path);
        lines.push_back(std::move(line));
      }
    }
    set_fstab_lines(c, jail, lines);
  }
  w.err << render(d, w.style());
  return !d.has_errors();
}

}  // namespace jailplan
