#include "executor/linux/mounts.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace jailplan::linux_jail {

namespace {

/// openat2(2), which glibc 2.36 does not wrap.
int open_beneath(int dir, const std::string& rel, std::uint64_t resolve, std::uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dir, rel.c_str(), &how, sizeof how));
}

/// A directory of the jail, resolved as the jail sees its tree: its
/// symbolic links are followed inside `root`, never out of it.
int open_in_root(int root, const std::string& rel) {
  return open_beneath(root, rel.empty() ? "." : rel, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
                      O_PATH | O_DIRECTORY);
}

/// Moves the mount `from` onto the directory (or file) `onto`.
bool attach(int from, int onto) {
  return ::move_mount(from, "", onto, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0;
}

/// A new, detached file system of `type` with fsconfig(2) options
/// ("key=value" or a flag "key") and mount attributes; -1 on failure.
int new_fs(const char* type, const std::string& source, const std::vector<std::string>& options,
           unsigned attributes) {
  Fd context(::fsopen(type, FSOPEN_CLOEXEC));
  if (context.get() < 0) return -1;
  if (!source.empty() && ::fsconfig(context.get(), FSCONFIG_SET_STRING, "source", source.c_str(), 0) != 0)
    return -1;
  for (const auto& o : options) {
    const auto eq = o.find('=');
    const int rc = eq == std::string::npos
                       ? ::fsconfig(context.get(), FSCONFIG_SET_FLAG, o.c_str(), nullptr, 0)
                       : ::fsconfig(context.get(), FSCONFIG_SET_STRING, o.substr(0, eq).c_str(),
                                    o.substr(eq + 1).c_str(), 0);
    if (rc != 0) return -1;
  }
  if (::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) return -1;
  return ::fsmount(context.get(), FSMOUNT_CLOEXEC, attributes);
}

/// Sets mount attributes on a detached tree (recursively).
bool set_attributes(int tree, unsigned attributes) {
  mount_attr attr{};
  attr.attr_set = attributes;
  return attributes == 0 || ::mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0;
}

struct MountFlag {
  const char* name;
  unsigned set;
};
constexpr MountFlag k_mount_flags[] = {
    {"ro", MOUNT_ATTR_RDONLY},
    {"rdonly", MOUNT_ATTR_RDONLY},
    {"nosuid", MOUNT_ATTR_NOSUID},
    {"nodev", MOUNT_ATTR_NODEV},
    {"noexec", MOUNT_ATTR_NOEXEC},
    {"noatime", MOUNT_ATTR_NOATIME},
    {"rw", 0},
    {"defaults", 0},
    {"late", 0},
    {"bind", 0},
};

/// fstab options into mount attributes plus the file system's own options.
unsigned split_options(const std::string& options, std::vector<std::string>& data) {
  unsigned attributes = 0;
  std::istringstream in(options);
  for (std::string o; std::getline(in, o, ',');) {
    const auto* f = std::find_if(std::begin(k_mount_flags), std::end(k_mount_flags),
                                 [&](const MountFlag& m) { return o == m.name; });
    if (f != std::end(k_mount_flags)) {
      attributes |= f->set;
    } else if (!o.empty()) {
      data.push_back(o);
    }
  }
  return attributes;
}

std::string mount_devfs(int target, const std::string& where) {
  Fd dev(new_fs("tmpfs", "devfs", {"mode=755", "size=64k"}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC));
  if (dev.get() < 0 || !attach(dev.get(), target)) return errno_text("cannot mount a tmpfs /dev on", where);
  // the new file system is filled through its own descriptor
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  // devfsrules_jail's basic set (jail-semantics §4.5): what every jail sees
  static constexpr Node k_nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                     {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (const auto& n : k_nodes) {
    if (::mknodat(dev.get(), n.name, S_IFCHR | 0666, makedev(n.major, n.minor)) != 0)
      return errno_text("cannot create", where + "/" + n.name);
    ::fchmodat(dev.get(), n.name, 0666, 0);
  }
  if (::mkdirat(dev.get(), "pts", 0755) != 0) return errno_text("cannot create", where + "/pts");
  Fd pts_dir(::openat(dev.get(), "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  Fd pts(new_fs("devpts", "devpts", {"newinstance", "ptmxmode=0666", "mode=0620"},
                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC));
  if (pts_dir.get() < 0 || pts.get() < 0 || !attach(pts.get(), pts_dir.get()))
    return errno_text("cannot mount devpts on", where + "/pts");
  struct Link {
    const char* target;
    const char* name;
  };
  static constexpr Link k_links[] = {{"pts/ptmx", "ptmx"},
                                     {"/proc/self/fd", "fd"},
                                     {"/proc/self/fd/0", "stdin"},
                                     {"/proc/self/fd/1", "stdout"},
                                     {"/proc/self/fd/2", "stderr"}};
  for (const auto& l : k_links)
    if (::symlinkat(l.target, dev.get(), l.name) != 0)
      return errno_text("cannot create", where + "/" + l.name);
  if (::mkdirat(dev.get(), "shm", 01777) != 0 || ::fchmodat(dev.get(), "shm", 01777, 0) != 0)
    return errno_text("cannot create", where + "/shm");
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

std::string mount_procfs(int target, const std::string& where) {
  constexpr unsigned k_locked = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  Fd proc(new_fs("proc", "proc", {}, k_locked));
  if (proc.get() < 0 || !attach(proc.get(), target)) return errno_text("cannot mount proc on", where);
  for (const char* name : k_proc_read_only) {
    Fd at(::openat(proc.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (at.get() < 0) continue;  // not in this kernel
    Fd copy(::open_tree(at.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (copy.get() < 0 || !set_attributes(copy.get(), MOUNT_ATTR_RDONLY | k_locked) ||
        !attach(copy.get(), at.get()))
      return errno_text("cannot make read-only", where + "/" + name);
  }
  // the host's /dev/null: the jail's /dev may not be there yet
  for (const char* name : k_proc_covered_files) {
    Fd at(::openat(proc.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (at.get() < 0) continue;
    Fd null(::open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (null.get() < 0 ||
        !set_attributes(null.get(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) ||
        !attach(null.get(), at.get()))
      return errno_text("cannot cover", where + "/" + name);
  }
  for (const char* name : k_proc_covered_dirs) {
    Fd at(::openat(proc.get(), name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (at.get() < 0) continue;
    Fd empty(new_fs("tmpfs", "none", {"size=4k", "mode=555"}, MOUNT_ATTR_RDONLY | k_locked));
    if (empty.get() < 0 || !attach(empty.get(), at.get()))
      return errno_text("cannot cover", where + "/" + name);
  }
  return {};
}

/// /dev/fd as a link to /proc/self/fd, made in the directory `parent` of
/// the jail (nothing when something is already there).
std::string link_fdescfs(int parent, const std::string& name, const std::string& where) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return {};
  if (::symlinkat("/proc/self/fd", parent, name.c_str()) != 0) return errno_text("cannot create", where);
  return {};
}

std::string mount_fstab(const MountSpec& m, int target) {
  std::vector<std::string> data;
  const unsigned attributes = split_options(m.options, data);
  if (m.type == "nullfs" || m.type == "none" || m.options.find("bind") != std::string::npos) {
    // the source is the host's, named by the configuration
    Fd tree(::open_tree(AT_FDCWD, m.source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (tree.get() < 0 || !set_attributes(tree.get(), attributes) || !attach(tree.get(), target))
      return errno_text("cannot bind-mount", m.source + " on " + m.target);
    return {};
  }
  const std::string type = m.type == "procfs" || m.type == "linprocfs" ? "proc" : m.type;
  Fd fs(new_fs(type.c_str(), m.source, data, attributes));
  if (fs.get() < 0 || !attach(fs.get(), target))
    return errno_text(fmt::format("cannot mount {} ({})", m.source, type).c_str(), "on " + m.target);
  return {};
}

/// `target` (a host path) relative to the jail's `path`; false when it is
/// not beneath it.
bool relative_to(const std::string& target, const std::string& path, std::string& rel) {
  std::string base = path;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (target == base) {
    rel.clear();
    return true;
  }
  const std::string prefix = base == "/" ? "/" : base + "/";
  if (target.compare(0, prefix.size(), prefix) != 0) return false;
  rel = target.substr(prefix.size());
  return true;
}

}  // namespace

std::string mount_root(const std::string& path, Fd& root) {
  Fd dir(open_beneath(AT_FDCWD, path, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, O_PATH | O_DIRECTORY));
  if (dir.get() < 0)
    return errno == ELOOP ? fmt::format(
                                "path {}: a component is a symbolic link (a jail is rooted at a real "
                                "directory: name it in the configuration)",
                                path)
                          : errno_text("cannot open", "path " + path);
  root.reset(::open_tree(dir.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
  if (root.get() < 0 || !attach(root.get(), dir.get()))
    return errno_text("cannot bind-mount", path + " on itself");
  return {};
}

std::string make_mount(const MountSpec& m, int root, const std::string& path) {
  std::string rel;
  if (!relative_to(m.target, path, rel))
    return fmt::format(
        "mount on {}: not beneath the jail's path {} (a Linux jail's mounts live in its own "
        "namespace)",
        m.target, path);
  if (m.kind == MountSpec::Kind::fdescfs) {
    const auto slash = rel.rfind('/');
    Fd parent(open_in_root(root, slash == std::string::npos ? "" : rel.substr(0, slash)));
    if (parent.get() < 0) return errno_text("cannot open", m.target.substr(0, m.target.rfind('/')));
    return link_fdescfs(parent.get(), slash == std::string::npos ? rel : rel.substr(slash + 1), m.target);
  }
  Fd target(open_in_root(root, rel));
  if (target.get() < 0) return errno_text("cannot open the mount point", m.target);
  switch (m.kind) {
    case MountSpec::Kind::devfs: return mount_devfs(target.get(), m.target);
    case MountSpec::Kind::procfs: return mount_procfs(target.get(), m.target);
    case MountSpec::Kind::fdescfs:
    case MountSpec::Kind::fstab: break;
  }
  return mount_fstab(m, target.get());
}

}  // namespace jailplan::linux_jail
