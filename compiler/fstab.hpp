#pragma once
/// mount.fstab files as jail(8) reads them (jail-semantics §4.6), and the
/// derived parameter that carries their lines through the plan: jail(8)
/// reads each file when it processes the jail and appends every line to the
/// jail's `mount` entries; jailplan reads them when it plans, so that a
/// plan, a dry run and a script show every mount, and the applied record
/// keeps what was mounted.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/source.hpp"
#include "compiler/compile.hpp"

namespace jailplan {

/// The derived parameter: the lines of a jail's mount.fstab files, in
/// order. jailplan's own (set by reading the files, never written).
inline constexpr std::string_view k_fstab_lines_param = "mount.fstab.lines";

/// The largest mount.fstab file jailplan reads.
inline constexpr std::size_t k_max_fstab_bytes = std::size_t{1} << 20;

/// One mount line of an fstab file: its fields joined by single spaces
/// (fields 1-2 still strvis-encoded, as written), and where it starts.
struct FstabLine {
  std::string text;
  Location location;
};

/// The mount lines of an fstab file as jail(8) reads them: `#` starts a
/// comment anywhere on a line, a line with no field left is skipped,
/// fields are separated by any run of blanks (fstab(5)).
std::vector<FstabLine> fstab_lines(const SourceFile& file);

/// Why a mount line cannot be mounted, in jail(8)'s words (`mount: LINE:
/// missing information`, `mount: FILE: not an absolute pathname`); "" when
/// it can.
std::string fstab_line_problem(std::string_view line);

/// Gives a jail of `c` the parameter `mount.fstab.lines` with these lines
/// (an empty list when its files have none). The lines' files must live
/// as long as `c` (read them into c.loaded->sources).
void set_fstab_lines(Compilation& c, JailSpec& jail, std::span<const FstabLine> lines);

}  // namespace jailplan
