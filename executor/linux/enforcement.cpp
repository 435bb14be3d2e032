#include "executor/linux/enforcement.hpp"

#include <fmt/format.h>

#include "executor/linux/cgroup.hpp"
#include "executor/linux/names.hpp"
#include "executor/linux/params.hpp"

namespace jailplan {

namespace {

using linux_jail::LinuxParam;
using K = linux_jail::Weaker::Kind;

struct Checker {
  Diagnostics& out;
  bool allow;
  const JailSpec& jail;

  void weaker(const TypedParam& p, std::string_view why) {
    const std::string summary = fmt::format("jail \"{}\": {} cannot be enforced by the Linux backend: {}",
                                            jail.name, p.spelled(), why);
    auto& d = allow ? out.warning(p.location(), summary, "unenforced")
                    : out.error(p.location(), summary, "unenforced");
    if (!allow) d.detail = "pass --allow-unenforced to apply it anyway, weaker than asked";
  }
};

/// The capabilities the jail's parameters give back (the table's rows).
std::uint64_t kept_capabilities(const JailSpec& jail) {
  std::uint64_t kept = 0;
  for (const auto& row : linux_jail::linux_params()) {
    if (row.keeps == 0) continue;
    const std::string_view* word = jail.text(row.name);
    if (jail.flag(row.name) || (word != nullptr && linux_jail::grants(row.name, *word))) kept |= row.keeps;
  }
  return kept;
}

/// Whether `p`'s value asks for more than its row says Linux enforces.
bool asks_more(const LinuxParam& row, const TypedParam& p, const JailSpec& jail, std::uint64_t kept) {
  const auto* n = std::get_if<std::int64_t>(&p.value);
  const auto* s = std::get_if<std::string_view>(&p.value);
  switch (row.weaker.kind) {
    case K::never:
    case K::rctl_rules: return false;
    case K::set: return true;
    case K::above: return n != nullptr && *n > row.weaker.bound;
    case K::below: return n != nullptr && *n < row.weaker.bound;
    case K::equals: return s != nullptr && *s == row.weaker.word;
    case K::denied_yet_kept: return (kept & row.weaker.capabilities) != 0 && !jail.flag(p.name());
  }
  return false;
}

}  // namespace

Diagnostics linux_enforcement(const DesiredState& desired, bool allow_unenforced) {
  Diagnostics out;
  for (const auto& jail : desired.jails) {
    // not a weaker restriction but a name it cannot store: always an error
    if (auto why = linux_jail::unusable_name(jail.name); !why.empty())
      out.error(jail.location,
                fmt::format("jail name \"{}\" cannot be used by the Linux backend: {}", jail.name, why),
                "name")
          .detail =
          "the Linux backend names a directory, a cgroup and a record file after each jail; FreeBSD's "
          "jail(8) "
          "may take this name";
    Checker c{out, allow_unenforced, jail};
    const std::uint64_t kept = kept_capabilities(jail);
    for (const auto& p : jail.params) {
      const LinuxParam* row = linux_jail::find_linux_param(p.name());
      if (row == nullptr) continue;  // tests/test_linux_params.cpp: every parameter has a row
      if (row->weaker.kind == K::rctl_rules) {
        for (const auto& rule : p.raw())
          if (auto why = linux_cgroup::unenforceable(rule); !why.empty())
            c.weaker(p, fmt::format("resource limit '{}': {}", rule, why));
      } else if (asks_more(*row, p, jail, kept)) {
        c.weaker(p, row->how);
      }
    }
  }
  out.sort_by_location();
  return out;
}

}  // namespace jailplan
