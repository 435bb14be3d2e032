#include "executor/linux/confine.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

namespace {

/// What a rule looks at before it denies.
enum class Test : std::uint8_t {
  always,     ///< every call fails with EPERM
  no_such,    ///< every call fails with ENOSYS (callers fall back to an older call)
  ns_flags,   ///< argument 0 has a CLONE_NEW* bit (clone, unshare)
  ioctl_cmd,  ///< argument 1 is the request in `value`
};

struct Rule {
  const char* call;
  Test test;
  bool nesting;  ///< lifted when the jail may make namespaces (children.max > 0)
  unsigned long value;
  const char* why;
};

// clang-format off
constexpr Rule k_rules[] = {
  // the kernel's own state: shared by every jail and the host
  {"init_module",       Test::always, false, 0, "kernel modules are the host's"},
  {"finit_module",      Test::always, false, 0, "kernel modules are the host's"},
  {"delete_module",     Test::always, false, 0, "kernel modules are the host's"},
  {"kexec_load",        Test::always, false, 0, "replacing the running kernel"},
  {"kexec_file_load",   Test::always, false, 0, "replacing the running kernel"},
  {"reboot",            Test::always, false, 0, "the host's reboot and Ctrl-Alt-Del"},
  {"swapon",            Test::always, false, 0, "the host's swap"},
  {"swapoff",           Test::always, false, 0, "the host's swap"},
  {"acct",              Test::always, false, 0, "process accounting is host-wide"},
  {"settimeofday",      Test::always, false, 0, "the clock is the host's (allow.settime is never granted)"},
  {"clock_settime",     Test::always, false, 0, "the clock is the host's (allow.settime is never granted)"},
  {"quotactl",          Test::always, false, 0, "quotas are the host's file systems'"},
  {"iopl",              Test::always, false, 0, "raw I/O ports"},
  {"ioperm",            Test::always, false, 0, "raw I/O ports"},
  // keyrings are not namespaced: uid 0's keys are host root's
  {"add_key",           Test::always, false, 0, "the kernel keyring of uid 0 is host root's"},
  {"keyctl",            Test::always, false, 0, "the kernel keyring of uid 0 is host root's"},
  {"request_key",       Test::always, false, 0, "the kernel keyring of uid 0 is host root's"},
  // large kernel surfaces a FreeBSD jail does not have either
  {"bpf",               Test::always, false, 0, "eBPF programs run in the host's kernel"},
  {"perf_event_open",   Test::always, false, 0, "performance counters see the whole machine"},
  {"userfaultfd",       Test::always, false, 0, "a tool for widening kernel races"},
  {"io_uring_setup",    Test::always, false, 0, "io_uring's operations are not seen by this filter"},
  {"io_uring_enter",    Test::always, false, 0, "io_uring's operations are not seen by this filter"},
  {"io_uring_register", Test::always, false, 0, "io_uring's operations are not seen by this filter"},
  // file handles name inodes outside the jail's root
  {"open_by_handle_at", Test::always, false, 0, "a file handle opens files outside the jail's root"},
  // the terminal: keystrokes pushed into a terminal are read by whoever
  // owns it (an operator's shell)
  {"ioctl",             Test::ioctl_cmd, false, TIOCSTI,   "TIOCSTI: typing into a terminal's input"},
  {"ioctl",             Test::ioctl_cmd, false, TIOCLINUX, "TIOCLINUX: the console's selection and keyboard"},
  // mounts (allow.mount is refused at plan time: see docs/linux-backend.md)
  {"mount",             Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"umount2",           Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"pivot_root",        Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"open_tree",         Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"move_mount",        Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"mount_setattr",     Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"fsopen",            Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"fsconfig",          Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"fsmount",           Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  {"fspick",            Test::always, false, 0, "mounting is the host's (allow.mount is refused)"},
  // namespaces are child jails: children.max = 0 allows none
  {"unshare",           Test::ns_flags, true, 0, "a new namespace is a child jail (children.max)"},
  {"clone",             Test::ns_flags, true, 0, "a new namespace is a child jail (children.max)"},
  {"clone3",            Test::no_such,  true, 0, "its flags cannot be inspected: ENOSYS, callers fall back to clone"},
  {"setns",             Test::always,   true, 0, "joining namespaces is for child jails (children.max)"},
};
// clang-format on

constexpr unsigned long k_namespace_flags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
                                               CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME};

/// libseccomp's context, released on scope exit.
struct Filter {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  ~Filter() {
    if (ctx != nullptr) seccomp_release(ctx);
  }
  Filter() = default;
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;
};

std::string seccomp_text(const char* what, int rc) {
  return fmt::format("cannot {} the jail's system-call filter: {}", what, std::strerror(-rc));
}

/// Adds one rule (for every architecture the filter covers); "" or why not.
std::string add_rule(scmp_filter_ctx ctx, const Rule& r) {
  const int nr = seccomp_syscall_resolve_name(r.call);
  if (nr == __NR_SCMP_ERROR) return {};  // not a call of this machine's
  auto check = [&](int rc) { return rc == 0 ? std::string() : seccomp_text("build", rc); };
  switch (r.test) {
    case Test::always: return check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0));
    case Test::no_such: return check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0));
    case Test::ioctl_cmd:
      return check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
                                    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, r.value)));
    case Test::ns_flags:
      for (unsigned long flag : k_namespace_flags)
        if (auto e = check(
                seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)));
            !e.empty())
          return e;
      return {};
  }
  return {};
}

std::string install_filter(bool nested) {
  Filter f;
  if (f.ctx == nullptr) return "cannot create the jail's system-call filter";
  // installed while the process holds CAP_SYS_ADMIN: no no_new_privs, so
  // the jail's setuid programs (su, ping) work as they do on FreeBSD
  if (const int rc = seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_NNP, 0); rc != 0)
    return seccomp_text("set up", rc);
  // the same rules for the machine's other system-call tables (32-bit
  // programs), not a way around them
  struct Compat {
    std::uint32_t native, other;
  };
  static constexpr Compat k_compat[] = {
      {static_cast<std::uint32_t>(SCMP_ARCH_X86_64), static_cast<std::uint32_t>(SCMP_ARCH_X86)},
      {static_cast<std::uint32_t>(SCMP_ARCH_X86_64), static_cast<std::uint32_t>(SCMP_ARCH_X32)},
      {static_cast<std::uint32_t>(SCMP_ARCH_AARCH64), static_cast<std::uint32_t>(SCMP_ARCH_ARM)}};
  for (const Compat& c : k_compat)
    if (c.native == seccomp_arch_native())
      if (const int rc = seccomp_arch_add(f.ctx, c.other); rc != 0 && rc != -EEXIST)
        return seccomp_text("set up", rc);
  for (const Rule& r : k_rules) {
    if (r.nesting && nested) continue;
    if (auto e = add_rule(f.ctx, r); !e.empty()) return e;
  }
  if (const int rc = seccomp_load(f.ctx); rc != 0) return seccomp_text("install", rc);
  return {};
}

/// Removes `drop` from every capability set of this process and from the
/// bounding set its programs inherit. Direct system calls, not libcap-ng:
/// every one of the 64 bits is dropped, capabilities newer than the
/// library (and than this program) included.
std::string drop_capabilities(std::uint64_t drop) {
  for (int cap = 0; cap < 64; ++cap)
    if ((drop >> cap) & 1U)
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
        return errno_text("cannot drop", "a capability from the bounding set");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return errno_text("cannot clear", "the ambient capabilities");
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return errno_text("cannot read", "the capabilities");
  for (int i = 0; i < 2; ++i) {
    const auto mask = static_cast<std::uint32_t>(~(drop >> (32 * i)));
    data[i].effective &= mask;
    data[i].permitted &= mask;
    data[i].inheritable &= mask;
  }
  if (::syscall(SYS_capset, &header, data) != 0) return errno_text("cannot drop", "capabilities");
  return {};
}

}  // namespace

std::string confine(const Confinement& c) {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return errno_text("cannot make", "the process non-dumpable");
  // jail root's credentials, none of the caller's groups (a host "disk"
  // group would open the host's disks' nodes)
  if (::setgroups(0, nullptr) != 0 || ::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0)
    return errno_text("cannot take", "jail root's credentials");
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_RTPRIO, &none) != 0 || ::setrlimit(RLIMIT_NICE, &none) != 0)
    return errno_text("cannot limit", "real-time and raised priorities");
  if (auto e = install_filter(c.nested); !e.empty()) return e;
  return drop_capabilities(c.drop_caps);
}

}  // namespace jailplan::linux_jail
