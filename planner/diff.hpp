#pragma once
/// Comparing one declared jail with the running one, parameter by
/// parameter and by meaning: kernel parameters against what the host
/// reports, everything else against jailplan's applied record.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/model.hpp"
#include "planner/canon.hpp"
#include "planner/observed.hpp"
#include "planner/plan.hpp"

namespace jailplan {

struct JailDiff {
  std::vector<ParamChange> changes;  ///< in parameter-name order
  std::size_t unchanged = 0;
  Effect worst = Effect::none;
  std::string worst_param;  ///< the first parameter with the worst effect
  bool recorded = false;    ///< the running jail has a usable applied record
  std::string note;         ///< e.g. a record left by an earlier jail of that name
};

/// Buffers reused from one jail to the next, so that diffing ten thousand
/// unchanged jails allocates next to nothing.
/// A parameter name with its first eight bytes as a big-endian number:
/// ordering and equality mostly settle on the number.
struct NameKey {
  std::uint64_t prefix = 0;
  std::string_view name;
  NameKey() = default;
  explicit NameKey(std::string_view n) : name(n) {
    for (std::size_t i = 0; i < 8 && i < n.size(); ++i)
      prefix |= std::uint64_t{static_cast<unsigned char>(n[i])} << (56 - 8 * i);
  }
  bool operator<(const NameKey& o) const { return prefix != o.prefix ? prefix < o.prefix : name < o.name; }
  bool operator==(const NameKey& o) const { return prefix == o.prefix && name == o.name; }
};

struct DiffScratch {
  std::vector<std::pair<NameKey, const TypedParam*>> spec;
  std::vector<NameKey> rec_keys, obs_keys;
  std::vector<std::string> want, raw, have;
};

/// Compares one declared jail with the running one. `ancestors` are its
/// declared parent, grandparent, ... (nearest first): a child's allow.*
/// flags default to what its parent has.
JailDiff diff_jail(const JailSpec& desired, const ObservedJail& observed,
                   const std::vector<const JailSpec*>& ancestors, DiffScratch& scratch);

/// The value a parameter absent from the spec stands for, or nullopt when
/// absent means "not compared" (see compared_when_absent).
std::optional<std::string> absent_default(const ParamInfo& info, std::string_view name,
                                          const std::vector<const JailSpec*>& ancestors);

/// What changing a parameter on a running jail takes, from the catalog.
Effect kernel_effect(const ParamInfo& info);
Effect pseudo_effect(const ParamInfo& info);

}  // namespace jailplan
