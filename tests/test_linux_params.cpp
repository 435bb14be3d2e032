// The Linux parameter table (executor/linux/params.hpp): a row for every
// catalog parameter, so that the next one cannot be forgotten; and the
// capability policy and the plan-time checks read from it say what the
// hand-written rules before it said.
#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/param_catalog.hpp"
#include "executor/linux/capabilities.hpp"
#include "executor/linux/enforcement.hpp"
#include "executor/linux/params.hpp"
#include "testutil.hpp"

using namespace jailplan;

// the policy of a create step written as jail(8)'s words
static std::uint64_t capabilities_to_drop(const std::vector<std::string>& words) {
  linux_jail::KernelParams params;
  for (const auto& w : words) params.push_back(linux_jail::split_word(w));
  return linux_jail::capabilities_to_drop(params);
}
using linux_jail::find_linux_param;
using linux_jail::LinuxParam;
using linux_jail::Realisation;
using linux_jail::Weaker;

namespace {

// linux/capability.h's numbers, spelled out: no Linux header outside
// executor/linux/
constexpr int k_cap_dac_read_search = 2;
constexpr int k_cap_linux_immutable = 9;
constexpr int k_cap_net_admin = 12;
constexpr int k_cap_net_raw = 13;
constexpr int k_cap_ipc_lock = 14;
constexpr int k_cap_sys_module = 16;
constexpr int k_cap_sys_rawio = 17;
constexpr int k_cap_sys_pacct = 20;
constexpr int k_cap_sys_admin = 21;
constexpr int k_cap_sys_boot = 22;
constexpr int k_cap_sys_resource = 24;
constexpr int k_cap_sys_time = 25;
constexpr int k_cap_sys_tty_config = 26;
constexpr int k_cap_mknod = 27;
constexpr int k_cap_audit_control = 30;
constexpr int k_cap_mac_override = 32;
constexpr int k_cap_mac_admin = 33;
constexpr int k_cap_syslog = 34;
constexpr int k_cap_wake_alarm = 35;
constexpr int k_cap_block_suspend = 36;
constexpr int k_cap_perfmon = 38;
constexpr int k_cap_bpf = 39;
constexpr int k_cap_checkpoint_restore = 40;

constexpr std::uint64_t bit(int cap) {
  return std::uint64_t{1} << cap;
}

/// The five-flag policy the table replaced, as it was written.
std::uint64_t five_flag_policy(bool allow_raw_sockets, bool allow_mount, bool allow_chflags, bool allow_mlock,
                               bool vnet) {
  std::uint64_t drop = bit(k_cap_sys_module) | bit(k_cap_sys_rawio) | bit(k_cap_sys_time) |
                       bit(k_cap_syslog) | bit(k_cap_mknod) | bit(k_cap_sys_boot) | bit(k_cap_mac_admin) |
                       bit(k_cap_mac_override) | bit(k_cap_bpf) | bit(k_cap_perfmon) |
                       bit(k_cap_dac_read_search) | bit(k_cap_sys_pacct) | bit(k_cap_audit_control) |
                       bit(k_cap_wake_alarm) | bit(k_cap_block_suspend) | bit(k_cap_sys_tty_config) |
                       bit(k_cap_checkpoint_restore) | bit(k_cap_sys_resource);
  if (!allow_mount) drop |= bit(k_cap_sys_admin);
  if (!allow_raw_sockets) drop |= bit(k_cap_net_raw);
  if (!allow_chflags) drop |= bit(k_cap_linux_immutable);
  if (!allow_mlock) drop |= bit(k_cap_ipc_lock);
  if (!vnet) drop |= bit(k_cap_net_admin);
  return drop;
}

}  // namespace

TEST_CASE("linux params: every catalog parameter and dynamic family has a row") {
  for (const auto& info : catalog()) {
    CAPTURE(info.name);
    const LinuxParam* row = find_linux_param(info.name);
    REQUIRE(row != nullptr);
    CHECK(row->name == info.name);
  }
  // a family member finds its family's row
  for (std::string_view member : {"allow.mount.nullfs", "allow.mount.zfs", "meta.owner", "env.PATH"}) {
    CAPTURE(member);
    const LinuxParam* row = find_linux_param(member);
    REQUIRE(row != nullptr);
    CHECK(row->name == find_info(member)->name);
  }
  CHECK(find_linux_param("allow.mount.nullfs")->name == "allow.mount.*");
  CHECK(find_linux_param("ip4.adr") == nullptr);
}

TEST_CASE("linux params: each row names a catalog entry once and says how") {
  std::set<std::string_view> seen;
  std::uint64_t capabilities = 0;
  for (const auto& row : linux_jail::linux_params()) {
    CAPTURE(row.name);
    CHECK(seen.insert(row.name).second);
    const ParamInfo* info = find_info(row.name);
    REQUIRE(info != nullptr);
    CHECK(info->name == row.name);
    CHECK_FALSE(row.how.empty());
    // only what Linux does differently, or not at all, is weaker than asked
    if (row.weaker.kind != Weaker::Kind::never)
      CHECK((row.realisation == Realisation::approximate || row.realisation == Realisation::unsupported));
    if (row.realisation == Realisation::unsupported) CHECK(row.weaker.kind != Weaker::Kind::never);
    // no capability is given back by two parameters
    CHECK((capabilities & row.keeps) == 0);
    capabilities |= row.keeps;
  }
  CHECK(capabilities == (bit(k_cap_net_raw) | bit(k_cap_sys_admin) | bit(k_cap_linux_immutable) |
                         bit(k_cap_ipc_lock) | bit(k_cap_net_admin)));
}

TEST_CASE("linux params: the capabilities dropped for allow.* words are the five-flag policy's") {
  // what every jail root loses, written out: the five-flag policy's floor
  CHECK(five_flag_policy(true, true, true, true, true) == 0x1df4f530004);
  CHECK(capabilities_to_drop({}) == five_flag_policy(false, false, false, false, false));
  CHECK(capabilities_to_drop({"name=web", "path=/j/web", "persist", "host.hostname=web"}) ==
        five_flag_policy(false, false, false, false, false));
  CHECK(capabilities_to_drop({"allow.raw_sockets"}) == five_flag_policy(true, false, false, false, false));
  CHECK(capabilities_to_drop({"allow.mount", "allow.mount.nullfs", "allow.noraw_sockets"}) ==
        five_flag_policy(false, true, false, false, false));
  CHECK(capabilities_to_drop({"allow.chflags", "allow.mlock", "vnet=new"}) ==
        five_flag_policy(false, false, true, true, true));
  CHECK(capabilities_to_drop({"allow.raw_sockets=true", "allow.mount=true", "allow.chflags=true",
                              "allow.mlock=true", "vnet=1"}) ==
        five_flag_policy(true, true, true, true, true));
  CHECK(capabilities_to_drop({"allow.set_hostname", "allow.sysvipc", "allow.mount.zfs", "allow.quotas"}) ==
        five_flag_policy(false, false, false, false, false));
  // the last word for a parameter wins; only vnet=new (or 1) is a stack of its own
  CHECK(capabilities_to_drop({"allow.mount", "allow.nomount", "allow.nomlock", "allow.mlock"}) ==
        five_flag_policy(false, false, false, true, false));
  CHECK(capabilities_to_drop({"vnet="}) == five_flag_policy(false, false, false, false, false));
  CHECK(capabilities_to_drop({"vnet=inherit"}) == five_flag_policy(false, false, false, false, false));
  CHECK(capabilities_to_drop({"allow.raw_sockets=1"}) == five_flag_policy(false, false, false, false, false));
}

TEST_CASE("linux params: the plan-time checks read from the table are unchanged") {
  const Compilation c = test::compile(R"(web {
  path = /j/web;
  securelevel = 3;
  enforce_statfs = 1;
  osrelease = "14.1-RELEASE";
  sysvshm = disable;
  sysvsem = new;
  allow.mount;
  allow.noset_hostname;
  allow.mount.nonullfs;
  allow.mount.tmpfs;
  allow.raw_sockets;
  cpuset.id = 2;
  zfs.dataset = tank/web;
  $jailplan_rctl = "memoryuse:deny=1G", "vmemoryuse:deny=1G";
  host.domainname = example.org;
}
db {
  path = /j/db;
  securelevel = 0;
  enforce_statfs = 2;
  sysvmsg = inherit;
  allow.noset_hostname;
  allow.mount.nonullfs;
  $jailplan_rctl = "maxproc:deny=100";
}
)");
  REQUIRE(c.ok());
  const std::string why[] = {
      "securelevel cannot be enforced by the Linux backend: Linux has no per-jail securelevel (lockdown is "
      "host-wide)",
      "enforce_statfs cannot be enforced by the Linux backend: a mount namespace cannot show the jail the "
      "host's mounts below its root",
      "osrelease cannot be enforced by the Linux backend: the jail sees the host kernel's release (uname "
      "cannot be set per jail)",
      "sysvshm cannot be enforced by the Linux backend: SysV IPC cannot be disabled; the jail gets an IPC "
      "namespace of its own",
      "allow.noset_hostname cannot be enforced by the Linux backend: with allow.mount the jail keeps "
      "CAP_SYS_ADMIN, which also sets the host name",
      "allow.mount.nonullfs cannot be enforced by the Linux backend: allow.mount lets the jail mount every "
      "file system type (CAP_SYS_ADMIN is all or nothing)",
      "cpuset.id cannot be enforced by the Linux backend: cpusets are not mapped yet",
      "zfs.dataset cannot be enforced by the Linux backend: the Linux backend has no ZFS datasets to attach",
      "jailplan.rctl cannot be enforced by the Linux backend: resource limit 'vmemoryuse:deny=1G': cgroups "
      "have no per-jail limit for 'vmemoryuse' (memoryuse, maxproc and pcpu are mapped)",
  };
  const char* where[] = {"3:3", "4:3", "5:3", "6:3", "9:3", "10:3", "13:3", "14:3", "15:3"};
  std::string errors, warnings;
  for (std::size_t i = 0; i < std::size(why); ++i) {
    errors += std::string(where[i]) + ": error: jail \"web\": " + why[i] + "\n";
    warnings += std::string(where[i]) + ": warning: jail \"web\": " + why[i] + "\n";
  }
  const Diagnostics strict = linux_enforcement(c.desired, false);
  CHECK(test::summaries(strict) == errors);
  for (const auto& d : strict.items()) {
    CHECK(d.code == "unenforced");
    CHECK(d.detail == "pass --allow-unenforced to apply it anyway, weaker than asked");
  }
  const Diagnostics allowed = linux_enforcement(c.desired, true);
  CHECK(test::summaries(allowed) == warnings);
  for (const auto& d : allowed.items()) CHECK(d.detail.empty());
}
