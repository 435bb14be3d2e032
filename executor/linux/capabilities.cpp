#include "executor/linux/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "executor/linux/params.hpp"

namespace jailplan::linux_jail {

namespace {

constexpr std::uint64_t bit(int cap) {
  return std::uint64_t{1} << cap;
}

// what no jail root may do on a shared kernel, whatever it is allowed
constexpr std::uint64_t k_never_kept =
    bit(CAP_SYS_MODULE) | bit(CAP_SYS_RAWIO) | bit(CAP_SYS_TIME) | bit(CAP_SYSLOG) | bit(CAP_MKNOD) |
    bit(CAP_SYS_BOOT) | bit(CAP_MAC_ADMIN) | bit(CAP_MAC_OVERRIDE) | bit(CAP_BPF) | bit(CAP_PERFMON) |
    bit(CAP_DAC_READ_SEARCH) | bit(CAP_SYS_PACCT) | bit(CAP_AUDIT_CONTROL) | bit(CAP_WAKE_ALARM) |
    bit(CAP_BLOCK_SUSPEND) | bit(CAP_SYS_TTY_CONFIG) | bit(CAP_CHECKPOINT_RESTORE) | bit(CAP_SYS_RESOURCE);

/// What the table's rows may give back.
std::uint64_t grantable() {
  static const std::uint64_t bits = [] {
    std::uint64_t b = 0;
    for (const auto& row : linux_params()) b |= row.keeps;
    return b;
  }();
  return bits;
}

}  // namespace

std::uint64_t capabilities_to_drop(const KernelParams& params) {
  std::uint64_t kept = 0;
  for (const auto& [name, value] : params) {
    const LinuxParam* row = find_linux_param(name);
    if (row == nullptr || row->keeps == 0) continue;
    kept = grants(name, value) ? kept | row->keeps : kept & ~row->keeps;
  }
  return k_never_kept | (grantable() & ~kept);
}

bool drop_capabilities(std::uint64_t drop) {
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
    if ((drop >> cap) & 1U)
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return false;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  for (int i = 0; i < 2; ++i) {
    const auto mask = static_cast<std::uint32_t>(~(drop >> (32 * i)));
    data[i].effective &= mask;
    data[i].permitted &= mask;
    data[i].inheritable &= mask;
  }
  return ::syscall(SYS_capset, &header, data) == 0;
}

}  // namespace jailplan::linux_jail
