#include "executor/linux/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace jailplan::linux_jail {

std::uint64_t capabilities_to_drop(bool allow_raw_sockets, bool allow_mount, bool allow_chflags,
                                   bool allow_mlock, bool vnet) {
  auto bit = [](int cap) { return std::uint64_t{1} << cap; };
  // what no jail root may do on a shared kernel, whatever it is allowed
  std::uint64_t drop = bit(CAP_SYS_MODULE) | bit(CAP_SYS_RAWIO) | bit(CAP_SYS_TIME) | bit(CAP_SYSLOG) |
                       bit(CAP_MKNOD) | bit(CAP_SYS_BOOT) | bit(CAP_MAC_ADMIN) | bit(CAP_MAC_OVERRIDE) |
                       bit(CAP_BPF) | bit(CAP_PERFMON) | bit(CAP_DAC_READ_SEARCH) | bit(CAP_SYS_PACCT) |
                       bit(CAP_AUDIT_CONTROL) | bit(CAP_WAKE_ALARM) | bit(CAP_BLOCK_SUSPEND) |
                       bit(CAP_SYS_TTY_CONFIG) | bit(CAP_CHECKPOINT_RESTORE) | bit(CAP_SYS_RESOURCE);
  if (!allow_mount) drop |= bit(CAP_SYS_ADMIN);
  if (!allow_raw_sockets) drop |= bit(CAP_NET_RAW);
  if (!allow_chflags) drop |= bit(CAP_LINUX_IMMUTABLE);
  if (!allow_mlock) drop |= bit(CAP_IPC_LOCK);
  if (!vnet) drop |= bit(CAP_NET_ADMIN);
  return drop;
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
