#pragma once
/// The Linux parameter table: what each parameter of the catalog
/// (compiler/param_catalog.hpp) means on Linux, one row per catalog entry
/// and per dynamic family (allow.mount.*, meta.*, env.*). The plan-time
/// checks (enforcement.hpp) and the capability policy (capabilities.hpp)
/// are read from it; docs/linux-backend.md is its prose form.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jailplan::linux_jail {

/// How the Linux backend realises a parameter.
enum class Realisation : std::uint8_t {
  exact,           ///< as FreeBSD does; `how` says with what
  approximate,     ///< realised with a difference, which `how` says
  unsupported,     ///< no Linux form: a plan-time error (`weaker`) when set to restrict
  ignored,         ///< accepted, not realised and not diagnosed (yet); `how` says what the jail gets
  host_side,       ///< done by jailplan's planner and applier as for FreeBSD (hooks, order)
  not_applicable,  ///< nothing to realise: read-only, or meaningless for a Linux jail
};

std::string_view to_string(Realisation r);

/// When a parameter's value asks for more than Linux enforces: then the
/// plan-time `weaker` diagnostic, an error unless --allow-unenforced.
struct Weaker {
  enum class Kind : std::uint8_t {
    never,       ///< the difference never makes it weaker than asked
    set,         ///< whenever it is set
    above,       ///< an integer value above `bound`
    below,       ///< an integer value below `bound`
    equals,      ///< a string value equal to `word`
    on,          ///< a boolean set to true (allow.mount, not allow.nomount)
    rctl_rules,  ///< once per rule that cgroups cannot enforce (linux_cgroup::unenforceable)
  };
  Kind kind = Kind::never;
  std::int64_t bound = 0;
  std::string_view word = {};
};

/// One row: a catalog parameter's Linux realisation.
struct LinuxParam {
  std::string_view name;  ///< the catalog name; a family's is its catalog entry's ("allow.mount.*")
  Realisation realisation = Realisation::exact;
  /// exact, host_side: with what; approximate: the difference; unsupported,
  /// ignored, not_applicable: why. Also the reason a `weaker` diagnostic gives.
  std::string_view how;
  Weaker weaker = {};
  /// Capability bits (1 << CAP_*) jail root keeps when the parameter is on
  /// (grants()) and loses otherwise.
  std::uint64_t keeps = 0;
};

/// The whole table, in catalog order.
const std::vector<LinuxParam>& linux_params();

/// The row for a canonical parameter name (a family member finds its
/// family's row); nullptr for a name the catalog does not know.
const LinuxParam* find_linux_param(std::string_view canonical);

/// Whether `value` turns the capability-bearing parameter `name` on: "true"
/// for a boolean, "new" or "1" for a jailsys parameter (vnet).
bool grants(std::string_view name, std::string_view value);

/// A jail(8) command-line word (`name=value`, `name`, `noname`) as name and
/// value; a boolean's flag form gives its canonical name and "true" or
/// "false" (runtime records written before typed steps hold such words).
std::pair<std::string, std::string> split_word(const std::string& word);

}  // namespace jailplan::linux_jail
