#include "executor/linux/params.hpp"

#include <linux/capability.h>

#include <unordered_map>

#include "compiler/param_catalog.hpp"

namespace jailplan::linux_jail {

namespace {

using R = Realisation;
using K = Weaker::Kind;

constexpr std::uint64_t cap(int c) {
  return std::uint64_t{1} << c;
}

constexpr Weaker when_set{K::set};
constexpr Weaker per_rctl_rule{K::rctl_rules};
constexpr Weaker above(std::int64_t n) {
  return {K::above, n, {}};
}
constexpr Weaker below(std::int64_t n) {
  return {K::below, n, {}};
}
constexpr Weaker equals(std::string_view word) {
  return {K::equals, 0, word};
}
constexpr Weaker when_on{K::on};

constexpr std::string_view k_hook_on_host = "run on the host by jailplan, as jail(8) runs it";
constexpr std::string_view k_hook_in_jail =
    "run in the jail through jailplan's jexec path (its namespaces, cgroups and capabilities)";
constexpr std::string_view k_fstab =
    "each fstab line is mounted in the jail's mount namespace: nullfs and bind lines are bind mounts "
    "(remounted read-only for ro), procfs and linprocfs are proc, other types go to mount(2) with their "
    "options";
constexpr std::string_view k_uname = "the jail sees the host kernel's release (uname cannot be set per jail)";
constexpr std::string_view k_sysv = "SysV IPC cannot be disabled; the jail gets an IPC namespace of its own";
constexpr std::string_view k_metadata =
    "kept with the jail's runtime record and reported back by observe; the jail itself cannot read it";
constexpr std::string_view k_mount =
    "mounting needs CAP_SYS_ADMIN over the host's mount tree (devtmpfs, cgroup release agents, /proc/sys "
    "underneath): safe only in a user namespace of the jail's own, which the Linux backend does not make yet";
constexpr std::string_view k_not_mapped =
    "not mapped: the jail gets what Linux gives a root without this knob";

// clang-format off
const std::vector<LinuxParam> k_table = {
  // jail(8)'s pseudo-parameters
  {"exec.prepare",          R::host_side, k_hook_on_host},
  {"exec.prestart",         R::host_side, k_hook_on_host},
  {"exec.created",          R::host_side, k_hook_on_host},
  {"exec.start",            R::host_side, k_hook_in_jail},
  {"command",               R::host_side, k_hook_in_jail},
  {"exec.poststart",        R::host_side, k_hook_on_host},
  {"exec.prestop",          R::host_side, k_hook_on_host},
  {"exec.stop",             R::host_side, k_hook_in_jail},
  {"exec.poststop",         R::host_side, k_hook_on_host},
  {"exec.release",          R::host_side, k_hook_on_host},
  {"exec.clean",            R::host_side, "jexec -l: a login's environment; host commands get a bare PATH"},
  {"exec.jail_user",        R::host_side, "jexec -U: the user of the jail's /etc/passwd"},
  {"exec.system_jail_user", R::host_side, "jexec -u: the user of the host's /etc/passwd"},
  {"exec.system_user",      R::ignored,   "host commands run as the invoking user"},
  {"exec.timeout",          R::host_side, "the applier's time limit on each command"},
  {"exec.consolelog",       R::host_side, "in-jail commands' output appended to it, as jail(8) does"},
  {"exec.fib",              R::ignored,   "Linux has no FIBs: commands use the routes of the jail's network"},
  {"stop.timeout",          R::host_side, "how long the stop waits for the jail's processes after SIGTERM"},
  {"interface",             R::approximate,
   "the addresses live on the jail's own link (eth0), not on a host interface"},
  {"ip_hostname",           R::host_side, "the planner's, as for FreeBSD: it does not resolve host names"},
  {"mount",                 R::approximate, k_fstab},
  {"mount.fstab",           R::approximate, k_fstab},
  {"mount.fstab.lines",     R::approximate, k_fstab},
  {"mount.devfs",           R::approximate,
   "a tmpfs /dev (nosuid, noexec) with null, zero, full, random, urandom, tty, a devpts of its own (ptmx), "
   "the fd links and shm, whatever devfs_ruleset says; CAP_MKNOD is dropped, so no node can be added"},
  {"mount.fdescfs",         R::approximate, "/dev/fd is a link to /proc/self/fd"},
  {"mount.procfs",          R::exact,       "proc of the jail's pid namespace, /proc/sys read-only"},
  {"vnet.interface",        R::exact,       "the interface moves into the jail's network namespace"},
  {"zfs.dataset",           R::unsupported, "the Linux backend has no ZFS datasets to attach", when_set},
  {"depend",                R::host_side,   "start and stop order (the planner)"},
  {"jailplan.rctl",         R::approximate,
   "cgroup limits: memoryuse, maxproc (pids.max, threads counted too) and pcpu (a CPU quota), deny only",
   per_rctl_rule},
  {"allow.dying",           R::not_applicable, "a Linux jail ends at once: none is ever dying"},
  // core kernel parameters
  {"jid",                   R::approximate, "the lowest free index in the runtime directory"},
  {"name",                  R::exact,       "the runtime record, the init's argv and the cgroups are named after it"},
  {"parent",                R::not_applicable, "read-only: Linux jails are not nested"},
  {"path",                  R::exact,       "a mount namespace: path bound onto itself, then pivot_root into it"},
  {"securelevel",           R::unsupported, "Linux has no per-jail securelevel (lockdown is host-wide)", above(0)},
  {"osrelease",             R::unsupported, k_uname, when_set},
  {"osreldate",             R::unsupported, k_uname, when_set},
  {"enforce_statfs",        R::approximate,
   "a mount namespace cannot show the jail the host's mounts below its root", below(2)},
  {"devfs_ruleset",         R::approximate,
   "every ruleset gives devfsrules_jail's basic set (mount.devfs), so a change leaves /dev as it is"},
  {"persist",               R::exact,       "the init holds the jail while it has no process"},
  {"vnet",                  R::exact,       "a network namespace with no link: jail root keeps CAP_NET_ADMIN",
   {}, cap(CAP_NET_ADMIN)},
  {"dying",                 R::not_applicable, "read-only"},
  {"children.max",          R::approximate,
   "0 (the default): no namespace can be made or joined (the system-call filter); above 0: the jail may "
   "make namespaces (child jails through a user namespace), not counted against the limit"},
  {"children.cur",          R::not_applicable, "read-only"},
  {"host",                  R::approximate, "the jail always gets a UTS namespace of its own, inherit included"},
  {"host.hostname",         R::exact,       "the host name of the jail's UTS namespace, changed in place"},
  {"host.domainname",       R::ignored,     "not set: the UTS namespace keeps the host's NIS domain name"},
  {"host.hostuuid",         R::ignored,     "not set: Linux has no per-jail host UUID"},
  {"host.hostid",           R::ignored,     "not set: Linux has no per-jail host id"},
  {"cpuset.id",             R::unsupported, "cpusets are not mapped yet", when_set},
  {"ip4",                   R::approximate,
   "new and disable: a network namespace of its own; inherit: the host's stack with every host address"},
  {"ip4.addr",              R::approximate,
   "a network namespace with a veth link: /32 addresses on eth0, routed through the host end (a private "
   "stack, not FreeBSD's shared one); changed in place"},
  {"ip4.saddrsel",          R::ignored,     "not set: the jail's own stack picks source addresses"},
  {"ip6",                   R::approximate,
   "new and disable: a network namespace of its own; inherit: the host's stack with every host address"},
  {"ip6.addr",              R::approximate,
   "a network namespace with a veth link: /128 addresses on eth0, routed through fe80::1 on the host end "
   "(a private stack, not FreeBSD's shared one); changed in place"},
  {"ip6.saddrsel",          R::ignored,     "not set: the jail's own stack picks source addresses"},
  {"mac.label",             R::ignored,     "not set: Linux has no MAC framework labels"},
  {"meta",                  R::approximate, k_metadata},
  {"env",                   R::approximate, k_metadata},
  {"meta.*",                R::approximate, k_metadata},
  {"env.*",                 R::approximate, k_metadata},
  // allow.*: CAP_SYS_ADMIN is allow.mount's, all or nothing
  {"allow.set_hostname",    R::unsupported,
   "sethostname needs CAP_SYS_ADMIN, which no jail root holds without a user namespace of its own: the jail "
   "cannot change its host name (FreeBSD's default allows it; see docs/jailconf-dialect.md)",
   when_on},
  {"allow.sysvipc",         R::approximate, "the host's IPC namespace; without it the jail gets one of its own"},
  {"allow.raw_sockets",     R::exact,       "jail root keeps CAP_NET_RAW", {}, cap(CAP_NET_RAW)},
  {"allow.chflags",         R::approximate, "jail root keeps CAP_LINUX_IMMUTABLE (the immutable and append-only "
                                            "attributes)", {}, cap(CAP_LINUX_IMMUTABLE)},
  {"allow.mount",           R::unsupported, k_mount, when_on},
  {"allow.mount.*",         R::unsupported, k_mount, when_on},
  {"allow.quotas",          R::approximate, "quotas need CAP_SYS_ADMIN, which no jail root holds: never allowed"},
  {"allow.socket_af",       R::ignored,     "every socket family the kernel has is open to the jail"},
  {"allow.mlock",           R::approximate, "jail root keeps CAP_IPC_LOCK", {}, cap(CAP_IPC_LOCK)},
  {"allow.reserved_ports",  R::exact,       "jail root keeps CAP_NET_BIND_SERVICE (ports below 1024)", {},
   cap(CAP_NET_BIND_SERVICE)},
  {"allow.read_msgbuf",     R::approximate,
   "CAP_SYSLOG is always dropped: the jail reads the kernel log only where kernel.dmesg_restrict is 0"},
  {"allow.unprivileged_proc_debug", R::ignored,
   "debugging follows Linux's ptrace rules: a process debugs its own uid's (CAP_SYS_PTRACE is never kept)"},
  {"allow.suser",           R::ignored,     "jail root is uid 0 with the jail's capabilities"},
  {"allow.nfsd",            R::ignored,     k_not_mapped},
  {"allow.extattr",         R::ignored,     "extended attributes follow Linux's rules"},
  {"allow.adjtime",         R::approximate, "CAP_SYS_TIME is always dropped: never allowed"},
  {"allow.settime",         R::approximate, "CAP_SYS_TIME is always dropped: never allowed"},
  {"allow.routing",         R::approximate, "routes change with CAP_NET_ADMIN, which only vnet jails keep"},
  {"allow.unprivileged_parent_tampering", R::ignored, k_not_mapped},
  {"allow.setaudit",        R::approximate, "CAP_AUDIT_CONTROL is always dropped: never allowed"},
  {"allow.vmm",             R::approximate, "the jail's /dev has no kvm device: never allowed"},
  {"allow.vmm_ppt",         R::approximate, "the jail's /dev has no kvm device: never allowed"},
  // module parameters
  {"sysvmsg",               R::approximate, k_sysv, equals("disable")},
  {"sysvsem",               R::approximate, k_sysv, equals("disable")},
  {"sysvshm",               R::approximate, k_sysv, equals("disable")},
  {"linux",                 R::not_applicable, "FreeBSD's Linux ABI: a Linux jail runs Linux binaries natively"},
  {"linux.osname",          R::ignored,     k_uname},
  {"linux.osrelease",       R::ignored,     k_uname},
  {"linux.oss_version",     R::ignored,     "not set: OSS is FreeBSD's Linux ABI's"},
  {"zfs",                   R::ignored,     "not set: the Linux backend has no ZFS"},
  {"zfs.mount_snapshot",    R::ignored,     "not set: the Linux backend has no ZFS"},
  {"mac.do",                R::ignored,     "not set: Linux has no mac_do"},
  {"mac.do.rules",          R::ignored,     "not set: Linux has no mac_do"},
};
// clang-format on

const std::unordered_map<std::string_view, const LinuxParam*>& index() {
  static const auto map = [] {
    std::unordered_map<std::string_view, const LinuxParam*> m;
    for (const auto& row : k_table) m.emplace(row.name, &row);
    return m;
  }();
  return map;
}

}  // namespace

std::string_view to_string(Realisation r) {
  switch (r) {
    case R::exact: return "exact";
    case R::approximate: return "approximate";
    case R::unsupported: return "unsupported";
    case R::ignored: return "ignored";
    case R::host_side: return "host-side";
    case R::not_applicable: return "not applicable";
  }
  return "?";
}

const std::vector<LinuxParam>& linux_params() {
  return k_table;
}

const LinuxParam* find_linux_param(std::string_view canonical) {
  // a family member's catalog entry is its family's
  const ParamInfo* info = find_info(canonical);
  if (info == nullptr) return nullptr;
  const auto& m = index();
  const auto it = m.find(info->name);
  return it == m.end() ? nullptr : it->second;
}

bool grants(std::string_view name, std::string_view value) {
  const ParamInfo* info = find_info(name);
  if (info != nullptr && info->type == ParamType::jailsys) return value == "new" || value == "1";
  return value == "true";
}

std::pair<std::string, std::string> split_word(const std::string& word) {
  const auto eq = word.find('=');
  if (eq != std::string::npos) return {word.substr(0, eq), word.substr(eq + 1)};
  const auto m = lookup_param(word);
  if (m && m->info->type == ParamType::boolean)
    return {std::string(m->canonical), m->negated ? "false" : "true"};
  return {word, "true"};
}

}  // namespace jailplan::linux_jail
