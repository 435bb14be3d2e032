#pragma once
/// The parameter catalog: what jailplan knows about every jail parameter
/// (jail-semantics §3). Domain rules live in this table, not in code paths.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jailplan {

enum class ParamType : std::uint8_t {
  boolean,
  integer,   ///< int, base 10
  uinteger,  ///< unsigned int
  ulong,     ///< unsigned long
  string,    ///< str(N): max_len is the kernel buffer including the NUL
  path,      ///< an absolute path
  list,      ///< ordered strings (jail(8) lists: commands, mounts, names)
  ip4_list,  ///< `[iface|]addr[/mask][ extra…]` entries
  ip6_list,
  jailsys,  ///< disable | new | inherit (or 0 | 1 | 2)
};

/// Who consumes the parameter.
enum class ParamWhere : std::uint8_t {
  pseudo,  ///< jail(8) only; never sent to the kernel
  kernel,  ///< jail_set(2); reported by jls(8)
  both,    ///< jail(8) reads it and the kernel gets it (ip4.addr, ...)
};

/// What changing it on a running jail takes.
enum class Mutability : std::uint8_t {
  modifiable,   ///< `jail -m` updates it in place
  raise_only,   ///< in place, but never below the parent's / current value
  create_only,  ///< needs the jail to be re-created (replace)
  read_only,    ///< reported by the kernel, never set
  at_start,     ///< pseudo-parameter that takes effect at the next start (restart)
  at_stop,      ///< pseudo-parameter used only when the jail is stopped
  bookkeeping,  ///< pseudo-parameter with no effect on a running jail (ordering, no-ops)
  identity,     ///< jid / name: which jail it is
};

struct ParamInfo {
  std::string_view name;
  ParamType type;
  ParamWhere where;
  Mutability mutability;
  std::string_view default_value;  ///< for a new top-level jail, "" when none
  std::string_view since;          ///< earliest FreeBSD line that has it
  std::uint32_t max_len = 0;       ///< kernel buffer size for strings, 0 = unlimited
};

/// How a spelled name maps onto the catalog.
struct CatalogMatch {
  const ParamInfo* info = nullptr;
  std::string canonical;       ///< the catalog name (dynamic families: the spelled name)
  bool negated = false;        ///< spelled `…noX` on the last component (booleans only)
  bool odd_no_prefix = false;  ///< a `no` on a non-final component, which jail(8) ignores
};

/// Looks a spelled parameter name up, honouring `no` prefixes and the
/// dynamic families (allow.mount.<fs>, meta.<key>, env.<key>).
std::optional<CatalogMatch> lookup_param(std::string_view spelled);

/// The entry for a canonical name (no `no` prefixes), without allocating;
/// nullptr when unknown. For names that are already canonical.
const ParamInfo* find_info(std::string_view canonical);

/// Every catalog name, for "did you mean".
const std::vector<std::string_view>& catalog_names();

/// The whole table, in catalog order (docs and tests).
const std::vector<ParamInfo>& catalog();

std::string_view to_string(ParamType t);
std::string_view to_string(ParamWhere w);
std::string_view to_string(Mutability m);

}  // namespace jailplan
