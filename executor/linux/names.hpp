#pragma once
/// Which jail names the Linux backend can use. It names a directory of its
/// runtime directory (/run/jailplan/NAME), a cgroup (jailplan/NAME under
/// each hierarchy) and an applied record (NAME.json) after each jail, so a
/// name must be one safe path component: the rules are a table here, the
/// plan-time error comes from linux_enforcement, and the backend refuses
/// such a name again before it makes anything (docs/linux-backend.md).

#include <cstddef>
#include <string>
#include <string_view>

namespace jailplan::linux_jail {

/// The longest name: its record file NAME.json must fit in NAME_MAX (255).
inline constexpr std::size_t k_max_name_length = 250;

/// "" when the Linux backend can name files, directories and cgroups
/// after `name`; else the first rule it breaks, in words.
std::string unusable_name(std::string_view name);

}  // namespace jailplan::linux_jail
