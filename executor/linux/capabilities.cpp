#include "executor/linux/capabilities.hpp"

#include <linux/capability.h>

#include "compiler/param_catalog.hpp"
#include "executor/linux/params.hpp"

namespace jailplan::linux_jail {

namespace {

constexpr std::uint64_t bit(int cap) {
  return std::uint64_t{1} << cap;
}

// What every jail root holds: the powers of FreeBSD's jail root over its
// own files, users and processes (kern_jail.c's prison_priv_check), and
// nothing of the machine's. Everything else is dropped, capabilities
// newer than this list included, unless a parameter's row gives it back.
// Never kept, whatever is allowed: CAP_SYS_PTRACE (the jail's init and
// every process entering it must be beyond jail root's reach; root still
// debugs its jail's processes as their owner), CAP_SYS_NICE (FreeBSD's
// jail root may not raise priorities or use real-time ones),
// CAP_DAC_READ_SEARCH (file handles open files outside the root),
// CAP_SYS_RESOURCE, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME,
// CAP_SYSLOG, CAP_MKNOD, CAP_SYS_BOOT, CAP_MAC_*, CAP_BPF, CAP_PERFMON,
// CAP_SYS_PACCT, CAP_AUDIT_CONTROL, CAP_AUDIT_READ, CAP_WAKE_ALARM,
// CAP_BLOCK_SUSPEND, CAP_SYS_TTY_CONFIG, CAP_CHECKPOINT_RESTORE.
constexpr std::uint64_t k_jail_root =
    bit(CAP_CHOWN) | bit(CAP_DAC_OVERRIDE) | bit(CAP_FOWNER) | bit(CAP_FSETID) | bit(CAP_KILL) |
    bit(CAP_SETGID) | bit(CAP_SETUID) | bit(CAP_SETPCAP) | bit(CAP_NET_BROADCAST) | bit(CAP_IPC_OWNER) |
    bit(CAP_SYS_CHROOT) | bit(CAP_LEASE) | bit(CAP_AUDIT_WRITE) | bit(CAP_SETFCAP);

}  // namespace

std::uint64_t capabilities_to_drop(const KernelParams& params) {
  // the rows' defaults (FreeBSD's: allow.reserved_ports is on), then the
  // parameters in order: the last value for a parameter wins
  std::uint64_t kept = 0;
  for (const auto& row : linux_params())
    if (const ParamInfo* info = find_info(row.name); info != nullptr && grants(row.name, info->default_value))
      kept |= row.keeps;
  for (const auto& [name, value] : params) {
    const LinuxParam* row = find_linux_param(name);
    if (row == nullptr || row->keeps == 0) continue;
    kept = grants(name, value) ? kept | row->keeps : kept & ~row->keeps;
  }
  return ~(k_jail_root | kept);
}

}  // namespace jailplan::linux_jail
