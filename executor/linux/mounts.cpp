#include "executor/linux/mounts.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

namespace {

struct MountFlag {
  const char* name;
  unsigned long set;
};
constexpr MountFlag k_mount_flags[] = {
    {"ro", MS_RDONLY},   {"rdonly", MS_RDONLY}, {"nosuid", MS_NOSUID},
    {"nodev", MS_NODEV}, {"noexec", MS_NOEXEC}, {"noatime", MS_NOATIME},
    {"rw", 0},           {"defaults", 0},       {"late", 0},
    {"bind", 0},
};

/// fstab options into mount(2) flags plus the data string.
unsigned long split_options(const std::string& options, std::string& data) {
  unsigned long flags = 0;
  std::istringstream in(options);
  for (std::string o; std::getline(in, o, ',');) {
    const auto* f = std::find_if(std::begin(k_mount_flags), std::end(k_mount_flags),
                                 [&](const MountFlag& m) { return o == m.name; });
    if (f != std::end(k_mount_flags)) {
      flags |= f->set;
    } else if (!o.empty()) {
      data += (data.empty() ? "" : ",") + o;
    }
  }
  return flags;
}

std::string mount_devfs(const std::string& dev) {
  if (::mount("devfs", dev.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k") != 0)
    return errno_text("cannot mount a tmpfs /dev on", dev);
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  // devfsrules_jail's basic set (jail-semantics §4.5): what every jail sees
  static constexpr Node k_nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                     {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (const auto& n : k_nodes) {
    const std::string p = dev + "/" + n.name;
    if (::mknod(p.c_str(), S_IFCHR | 0666, makedev(n.major, n.minor)) != 0)
      return errno_text("cannot create", p);
    ::chmod(p.c_str(), 0666);
  }
  const std::string pts = dev + "/pts";
  if (::mkdir(pts.c_str(), 0755) != 0) return errno_text("cannot create", pts);
  if (::mount("devpts", pts.c_str(), "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=0620") != 0)
    return errno_text("cannot mount devpts on", pts);
  struct Link {
    const char* target;
    const char* name;
  };
  static constexpr Link k_links[] = {{"pts/ptmx", "ptmx"},
                                     {"/proc/self/fd", "fd"},
                                     {"/proc/self/fd/0", "stdin"},
                                     {"/proc/self/fd/1", "stdout"},
                                     {"/proc/self/fd/2", "stderr"}};
  for (const auto& l : k_links) {
    const std::string p = dev + "/" + l.name;
    if (::symlink(l.target, p.c_str()) != 0) return errno_text("cannot create", p);
  }
  const std::string shm = dev + "/shm";
  if (::mkdir(shm.c_str(), 01777) != 0) return errno_text("cannot create", shm);
  return {};
}

// What a jail's proc shows of the machine, as the trusted container
// runtimes hide it: the kernel's knobs stay the host's (read-only), and
// the files that read or drive the whole machine are covered.
constexpr const char* k_proc_read_only[] = {"sys", "irq", "bus", "fs", "sysrq-trigger"};
constexpr const char* k_proc_covered_files[] = {"kcore",       "keys",          "timer_list",
                                                "sched_debug", "latency_stats", "timer_stats",
                                                "kpagecount",  "kpageflags",    "kpagecgroup"};
constexpr const char* k_proc_covered_dirs[] = {"acpi", "scsi", "driver"};

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string mount_procfs(const std::string& proc) {
  constexpr unsigned long k_locked = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (::mount("proc", proc.c_str(), "proc", k_locked, nullptr) != 0)
    return errno_text("cannot mount proc on", proc);
  for (const char* name : k_proc_read_only)
    if (const std::string p = proc + "/" + name; exists(p))
      if (auto e = bind_mount(p, p, MS_RDONLY | k_locked); !e.empty()) return e;
  // the host's /dev/null: the jail's /dev may not be there yet
  for (const char* name : k_proc_covered_files)
    if (const std::string p = proc + "/" + name; exists(p))
      if (auto e = bind_mount("/dev/null", p, 0); !e.empty()) return e;
  for (const char* name : k_proc_covered_dirs)
    if (const std::string p = proc + "/" + name; exists(p))
      if (::mount("none", p.c_str(), "tmpfs", MS_RDONLY | k_locked, "size=0,mode=555") != 0)
        return errno_text("cannot cover", p);
  return {};
}

}  // namespace

std::string bind_mount(const std::string& source, const std::string& target, unsigned long flags) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return errno_text("cannot bind-mount", source + " on " + target);
  if ((flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) != 0 &&
      ::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | flags, nullptr) != 0)
    return errno_text("cannot make read-only", target);
  return {};
}

std::string make_mount(const MountSpec& m) {
  switch (m.kind) {
    case MountSpec::Kind::devfs: return mount_devfs(m.target);
    case MountSpec::Kind::procfs: return mount_procfs(m.target);
    case MountSpec::Kind::fdescfs: {
      // /dev/fd is already a link to /proc/self/fd when /dev was built
      struct stat st {};
      if (::lstat(m.target.c_str(), &st) == 0) return {};
      if (::symlink("/proc/self/fd", m.target.c_str()) != 0) return errno_text("cannot create", m.target);
      return {};
    }
    case MountSpec::Kind::fstab: break;
  }
  std::string data;
  const unsigned long flags = split_options(m.options, data);
  if (m.type == "nullfs" || m.type == "none" || m.options.find("bind") != std::string::npos)
    return bind_mount(m.source, m.target, flags);
  const std::string type = m.type == "procfs" || m.type == "linprocfs" ? "proc" : m.type;
  if (::mount(m.source.c_str(), m.target.c_str(), type.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) != 0)
    return errno_text(fmt::format("cannot mount {} ({})", m.source, type).c_str(), "on " + m.target);
  return {};
}

}  // namespace jailplan::linux_jail
