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

/// Whether `p`'s value asks for more than its row says Linux enforces.
bool asks_more(const LinuxParam& row, const TypedParam& p) {
  const auto* n = std::get_if<std::int64_t>(&p.value);
  const auto* s = std::get_if<std::string_view>(&p.value);
  switch (row.weaker.kind) {
    case K::never:
    case K::rctl_rules: return false;
    case K::set: return true;
    case K::above: return n != nullptr && *n > row.weaker.bound;
    case K::below: return n != nullptr && *n < row.weaker.bound;
    case K::equals: return s != nullptr && *s == row.weaker.word;
    case K::on: {
      const auto* b = std::get_if<bool>(&p.value);
      return b != nullptr && *b;
    }
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
    for (const auto& p : jail.params) {
      const LinuxParam* row = linux_jail::find_linux_param(p.name());
      if (row == nullptr) continue;  // tests/test_linux_params.cpp: every parameter has a row
      if (row->weaker.kind == K::rctl_rules) {
        for (const auto& rule : p.raw())
          if (auto why = linux_cgroup::unenforceable(rule); !why.empty())
            c.weaker(p, fmt::format("resource limit '{}': {}", rule, why));
      } else if (asks_more(*row, p)) {
        c.weaker(p, row->how);
      }
    }
    // FreeBSD puts the jail's own address on every packet; for IPv4 the
    // host's strict reverse-path filter on the jail's link does too, for
    // IPv6 nothing does yet
    const auto* v6 = jail.addresses("ip6.addr");
    if (jail.flag("allow.raw_sockets") && v6 != nullptr && !v6->empty())
      for (const auto& p : jail.params)
        if (p.name() == "allow.raw_sockets")
          c.weaker(
              p,
              "a raw socket could send IPv6 packets with another jail's source address: the Linux backend "
              "validates IPv4 sources only (strict reverse-path filtering), not IPv6 ones yet");
  }
  out.sort_by_location();
  return out;
}

}  // namespace jailplan
