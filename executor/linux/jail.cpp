#include "executor/linux/jail.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "executor/linux/cgroup.hpp"

extern char** environ;

namespace jailplan::linux_jail {

using linux_net::IpAddress;
using linux_net::Netlink;
using nlohmann::json;

namespace {

// glibc 2.36's <sys/pidfd.h> lacks C linkage under C++: the system calls
int pidfd_open(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
int pidfd_send_signal(int fd, int sig, siginfo_t* info, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, fd, sig, info, flags));
}

std::string errno_text(const char* what, const std::string& subject) {
  return fmt::format("{} {}: {}", what, subject, std::strerror(errno));
}

/// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  void reset(int fd = -1) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = fd;
  }

 private:
  int m_fd;
};

}  // namespace

// ---------------------------------------------------------------- state

std::string runtime_file(const std::string& dir, const std::string& name) {
  return fmt::format("{}/{}/state.json", dir, name);
}

std::uint64_t process_start_time(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string f;
  // fields after "(comm)": state is field 3; starttime is field 22. A
  // zombie has ended: it is only waiting for its parent
  fields >> f;
  if (f == "Z" || f == "X") return 0;
  for (int i = 4; i < 22 && (fields >> f); ++i) {
  }
  std::uint64_t start = 0;
  fields >> start;
  return start;
}

bool alive(const Runtime& r) {
  return r.init_pid > 0 && process_start_time(r.init_pid) == r.init_start;
}

std::optional<Runtime> read_runtime(const std::string& dir, const std::string& name, std::string& error) {
  const std::string file = runtime_file(dir, name);
  std::ifstream in(file);
  if (!in) {
    error = fmt::format("no jail \"{}\" is running (no {})", name, file);
    return std::nullopt;
  }
  try {
    const json j = json::parse(in);
    Runtime r;
    r.name = j.at("name").get<std::string>();
    r.index = j.at("index").get<int>();
    r.init_pid = j.at("init_pid").get<int>();
    r.init_start = j.at("init_start").get<std::uint64_t>();
    r.veth = j.value("veth", "");
    r.addresses = j.value("addresses", std::vector<std::string>{});
    r.gateway4 = j.value("gateway4", "");
    r.gateway6 = j.value("gateway6", "");
    r.drop_caps = j.value("drop_caps", std::uint64_t{0});
    r.new_net = j.value("new_net", true);
    r.parameters = j.value("parameters", std::vector<std::string>{});
    return r;
  } catch (const std::exception& e) {
    error = fmt::format("{}: not a jailplan runtime record: {}", file, e.what());
    return std::nullopt;
  }
}

std::string write_runtime(const std::string& dir, const Runtime& r) {
  const std::string jail_dir = fmt::format("{}/{}", dir, r.name);
  for (const std::string& d : {dir, jail_dir})
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return errno_text("cannot create", d);
  const json j = {{"name", r.name},
                  {"index", r.index},
                  {"init_pid", r.init_pid},
                  {"init_start", r.init_start},
                  {"veth", r.veth},
                  {"addresses", r.addresses},
                  {"gateway4", r.gateway4},
                  {"gateway6", r.gateway6},
                  {"drop_caps", r.drop_caps},
                  {"new_net", r.new_net},
                  {"parameters", r.parameters}};
  // what it describes ends with the machine: no need to reach the disk
  return write_file_atomically(runtime_file(dir, r.name), j.dump(2) + "\n", Durability::crash);
}

std::vector<Runtime> list_runtimes(const std::string& dir) {
  std::vector<Runtime> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string error;
    if (auto r = read_runtime(dir, e->d_name, error)) out.push_back(std::move(*r));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const Runtime& a, const Runtime& b) { return a.name < b.name; });
  return out;
}

namespace {

std::string remove_runtime(const std::string& dir, const std::string& name) {
  const std::string file = runtime_file(dir, name);
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) return errno_text("cannot remove", file);
  const std::string jail_dir = fmt::format("{}/{}", dir, name);
  if (::rmdir(jail_dir.c_str()) != 0 && errno != ENOENT) return errno_text("cannot remove", jail_dir);
  return {};
}

/// An open pidfd for the recorded init, or -1 when it is gone.
int open_init(const Runtime& r) {
  if (!alive(r)) return -1;
  const int fd = pidfd_open(r.init_pid, 0);
  // the pid could have been reused between the check and the open
  if (fd >= 0 && !alive(r)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Waits up to ten seconds for a process to end, through its pidfd; reaps
/// it when it is ours. An init stays in its exit while a process of its
/// jail is a zombie whose parent (outside the jail) does not reap it.
bool wait_exit(int pidfd, int pid) {
  pollfd p{pidfd, POLLIN, 0};
  int n;
  while ((n = ::poll(&p, 1, 10'000)) < 0 && errno == EINTR) {
  }
  ::waitpid(pid, nullptr, WNOHANG);
  return n > 0;
}

}  // namespace

// ---------------------------------------------------------------- policy

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

namespace {

/// Removes the capabilities from the bounding set (inherited by every exec)
/// and from this process's own sets.
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

// ---------------------------------------------------------------- the child

/// Reports the first failure to the parent and ends the child.
[[noreturn]] void child_fail(int report, const std::string& message) {
  const std::string m = message.empty() ? "setup failed" : message;
  [[maybe_unused]] auto n = ::write(report, m.data(), m.size());
  ::_exit(127);
}

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

std::string bind_mount(const std::string& source, const std::string& target, unsigned long flags) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return errno_text("cannot bind-mount", source + " on " + target);
  if ((flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) != 0 &&
      ::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | flags, nullptr) != 0)
    return errno_text("cannot make read-only", target);
  return {};
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

std::string mount_procfs(const std::string& proc) {
  if (::mount("proc", proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return errno_text("cannot mount proc on", proc);
  // the kernel's knobs stay the host's: read-only for jail root
  return bind_mount(proc + "/sys", proc + "/sys", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

std::string do_mount(const MountSpec& m) {
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

std::string configure_network(const JailSetup& s, const IpAddress* gw4, const IpAddress* gw6) {
  Netlink nl;
  if (!nl.error().empty()) return nl.error();
  if (auto e = nl.link_up("lo"); !e.empty()) return e;
  if (s.vnet || s.addresses.empty()) return {};
  if (auto e = nl.link_up("eth0"); !e.empty()) return e;
  bool v4 = false, v6 = false;
  for (IpAddress a : s.addresses) {
    a.prefix = a.family == AF_INET ? 32 : 128;  // a jail's address is a host address (§3)
    if (auto e = nl.add_address("eth0", a); !e.empty()) return e;
    (a.family == AF_INET ? v4 : v6) = true;
  }
  IpAddress any4{AF_INET, {}, 0}, any6{AF_INET6, {}, 0};
  if (v4 && gw4 != nullptr)
    if (auto e = nl.add_route("eth0", any4, gw4, nullptr); !e.empty()) return e;
  if (v6 && gw6 != nullptr)
    if (auto e = nl.add_route("eth0", any6, gw6, nullptr); !e.empty()) return e;
  return {};
}

/// The clone child's only work: exec the init. It runs in our memory,
/// beside threads that may hold locks, so nothing here allocates or takes
/// a lock; the init, a fresh process, does the set-up.
struct ChildExec {
  char* const* argv;
  char* const* envp;
  int setup, report;
};

[[noreturn]] void child_main(const ChildExec& c) {
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::fcntl(c.setup, F_SETFD, 0);
  ::fcntl(c.report, F_SETFD, 0);
  ::execve("/proc/self/exe", c.argv, c.envp);
  static constexpr char k_failed[] = "cannot start the jail's init (execve /proc/self/exe)";
  [[maybe_unused]] auto n = ::write(c.report, k_failed, sizeof k_failed - 1);
  ::_exit(127);
}

json setup_to_json(const JailSetup& s, const std::string& gw4, const std::string& gw6) {
  json mounts = json::array();
  for (const auto& m : s.mounts)
    mounts.push_back({static_cast<int>(m.kind), m.source, m.target, m.type, m.options});
  std::vector<std::string> addresses;
  for (const auto& a : s.addresses) addresses.push_back(a.text());
  return {{"path", s.path},   {"hostname", s.hostname},   {"new_net", s.new_net},
          {"vnet", s.vnet},   {"persist", s.persist},     {"addresses", addresses},
          {"mounts", mounts}, {"drop_caps", s.drop_caps}, {"gateway4", gw4},
          {"gateway6", gw6}};
}

/// The set-up the init reads from its parent.
struct InitSetup {
  JailSetup jail;
  std::optional<IpAddress> gw4, gw6;
};

InitSetup setup_from_json(const json& j) {
  InitSetup out;
  JailSetup& s = out.jail;
  s.path = j.at("path").get<std::string>();
  s.hostname = j.at("hostname").get<std::string>();
  s.new_net = j.at("new_net").get<bool>();
  s.vnet = j.at("vnet").get<bool>();
  s.persist = j.at("persist").get<bool>();
  s.drop_caps = j.at("drop_caps").get<std::uint64_t>();
  for (const auto& t : j.at("addresses")) {
    IpAddress a;
    if (linux_net::parse_ip(t.get<std::string>(), a)) s.addresses.push_back(a);
  }
  for (const auto& m : j.at("mounts"))
    s.mounts.push_back({static_cast<MountSpec::Kind>(m.at(0).get<int>()), m.at(1).get<std::string>(),
                        m.at(2).get<std::string>(), m.at(3).get<std::string>(), m.at(4).get<std::string>()});
  IpAddress g;
  if (linux_net::parse_ip(j.at("gateway4").get<std::string>(), g)) out.gw4 = g;
  if (linux_net::parse_ip(j.at("gateway6").get<std::string>(), g)) out.gw6 = g;
  return out;
}

/// Everything between the namespaces and the jail's first process, run by
/// the init: mounts, host name, network, pivot_root, capabilities.
std::string set_up(const InitSetup& in) {
  const JailSetup& s = in.jail;
  ::setsid();
  if (const int null = ::open("/dev/null", O_RDWR); null >= 0) {
    for (int std_fd = 0; std_fd < 3; ++std_fd) ::dup2(null, std_fd);
    if (null > 2) ::close(null);
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return errno_text("cannot make", "/ private");
  if (auto e = bind_mount(s.path, s.path, 0); !e.empty()) return e;
  for (const auto& m : s.mounts)
    if (auto e = do_mount(m); !e.empty()) return e;
  if (!s.hostname.empty() && ::sethostname(s.hostname.data(), s.hostname.size()) != 0)
    return errno_text("cannot set host name", s.hostname);
  if (s.new_net)
    if (auto e = configure_network(s, in.gw4 ? &*in.gw4 : nullptr, in.gw6 ? &*in.gw6 : nullptr); !e.empty())
      return e;
  if (::chdir(s.path.c_str()) != 0) return errno_text("cannot enter", s.path);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return errno_text("cannot pivot_root into", s.path);
  if (::umount2(".", MNT_DETACH) != 0) return errno_text("cannot detach", "the host's root");
  if (::chdir("/") != 0) return errno_text("cannot enter", "/");
  if (!drop_capabilities(s.drop_caps)) return errno_text("cannot drop", "capabilities");
  return {};
}

/// The host end's address: the first address of the jail address's /24
/// (IPv4) or fe80::1 (IPv6), unless the jail itself holds it.
std::optional<IpAddress> gateway_for(const JailSetup& s, int family) {
  std::optional<IpAddress> gw;
  for (const auto& a : s.addresses) {
    if (a.family != family) continue;
    IpAddress g{family, {}, family == AF_INET ? 32 : 128};
    if (family == AF_INET) {
      std::copy(a.bytes.begin(), a.bytes.begin() + 3, g.bytes.begin());
      g.bytes[3] = 1;
    } else {
      g.bytes[0] = 0xfe;
      g.bytes[1] = 0x80;
      g.bytes[15] = 1;
    }
    const bool taken = std::any_of(s.addresses.begin(), s.addresses.end(), [&](const IpAddress& x) {
      return x.family == family &&
             std::equal(x.bytes.begin(), x.bytes.begin() + static_cast<long>(x.size()), g.bytes.begin());
    });
    if (taken && family == AF_INET) g.bytes[3] = 254;
    if (taken && family == AF_INET6) g.bytes[15] = 2;
    return g;
  }
  return gw;
}

int lowest_free_index(const std::string& dir) {
  std::vector<int> used;
  for (const auto& r : list_runtimes(dir)) used.push_back(r.index);
  std::sort(used.begin(), used.end());
  int i = 1;
  for (int u : used)
    if (u == i) ++i;
  return i;
}

std::string host_side(Netlink& nl, const Runtime& r, const std::optional<IpAddress>& gw4,
                      const std::optional<IpAddress>& gw6) {
  if (auto e = nl.link_up(r.veth); !e.empty()) return e;
  for (const auto& text : r.addresses) {
    IpAddress a;
    linux_net::parse_ip(text, a);
    a.prefix = a.family == AF_INET ? 32 : 128;
    const auto& gw = a.family == AF_INET ? gw4 : gw6;
    if (!gw) continue;
    if (auto e = nl.add_address(r.veth, *gw); !e.empty()) return e;
    if (auto e = nl.add_route(r.veth, a, nullptr, gw->family == AF_INET ? &*gw : nullptr); !e.empty())
      return e;
  }
  return {};
}

}  // namespace

// ---------------------------------------------------------------- launch

std::optional<Runtime> launch(const JailSetup& s, const std::string& dir, std::string& error) {
  // a record left by a jail that is gone (or a launcher that died) goes first
  std::string ignored;
  if (auto old = read_runtime(dir, s.name, ignored)) {
    if (alive(*old)) {
      error = fmt::format("jail \"{}\" is already running (init pid {})", s.name, old->init_pid);
      return std::nullopt;
    }
    destroy(*old, dir);
  }
  struct stat st {};
  if (::stat(s.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = fmt::format("path {}: {}", s.path,
                        ::stat(s.path.c_str(), &st) != 0 ? std::strerror(errno) : "not a directory");
    return std::nullopt;
  }
  // one launcher at a time picks an index and writes its record
  static std::mutex index_mutex;
  std::unique_lock claim(index_mutex);
  Runtime r;
  r.name = s.name;
  r.index = lowest_free_index(dir);
  r.drop_caps = s.drop_caps;
  r.new_net = s.new_net;
  r.parameters = s.parameters;
  for (const auto& a : s.addresses) r.addresses.push_back(a.text());
  const auto gw4 = gateway_for(s, AF_INET);
  const auto gw6 = gateway_for(s, AF_INET6);
  if (gw4) r.gateway4 = gw4->text();
  if (gw6) r.gateway6 = gw6->text();
  const bool link = s.new_net && !s.vnet && !s.addresses.empty();

  int setup[2], report[2];
  if (::pipe2(setup, O_CLOEXEC) != 0) {
    error = errno_text("cannot create", "a pipe");
    return std::nullopt;
  }
  if (::pipe2(report, O_CLOEXEC) != 0) {
    error = errno_text("cannot create", "a pipe");
    ::close(setup[0]);
    ::close(setup[1]);
    return std::nullopt;
  }
  Fd setup_w(setup[1]), report_r(report[0]);
  // the child's argv and environment, built before it exists
  std::vector<std::string> words{"jailplan", "__jail-init", s.name, std::to_string(setup[0]),
                                 std::to_string(report[1])};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  char path_env[] = "PATH=/sbin:/bin:/usr/sbin:/usr/bin";
  char* envp[] = {path_env, nullptr};
  const ChildExec child{argv.data(), envp, setup[0], report[1]};
  int pidfd = -1;
  int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | SIGCHLD;
  if (s.new_ipc) flags |= CLONE_NEWIPC;
  if (s.new_net) flags |= CLONE_NEWNET;
  // as posix_spawn does: the child shares our memory on a stack of its
  // own until its execve (we wait that long), so no page is copied
  std::vector<char> stack(64 * 1024);
  const int pid = ::clone([](void* arg) -> int { child_main(*static_cast<const ChildExec*>(arg)); },
                          stack.data() + stack.size(), flags, const_cast<ChildExec*>(&child), &pidfd);
  ::close(setup[0]);
  ::close(report[1]);
  if (pid < 0) {
    error = errno_text("cannot create the jail's namespaces", "(clone)");
    return std::nullopt;
  }
  Fd init(pidfd);
  r.init_pid = static_cast<int>(pid);
  r.init_start = process_start_time(r.init_pid);
  auto fail = [&](std::string why) -> std::optional<Runtime> {
    pidfd_send_signal(init.get(), SIGKILL, nullptr, 0);
    wait_exit(init.get(), r.init_pid);
    if (!r.veth.empty()) Netlink().delete_link(r.veth);
    remove_runtime(dir, r.name);
    error = std::move(why);
    return std::nullopt;
  };
  if (link) {
    // named after the init: unique on the host whatever the runtime
    // directory, and it says which process holds the jail
    r.veth = fmt::format("jp{}", pid);
    Netlink nl;
    Fd netns(::open(fmt::format("/proc/{}/ns/net", pid).c_str(), O_RDONLY | O_CLOEXEC));
    if (netns.get() < 0) return fail(errno_text("cannot open", "the jail's network namespace"));
    if (auto e = nl.create_veth(r.veth, "eth0", netns.get()); !e.empty()) return fail(e);
    if (auto e = host_side(nl, r, gw4, gw6); !e.empty()) return fail(e);
  }
  if (auto e = write_runtime(dir, r); !e.empty()) return fail(e);
  claim.unlock();  // the index is taken: other jails may start alongside
  // the set-up goes to the init, which carries it out and reports
  const std::string text = setup_to_json(s, r.gateway4, r.gateway6).dump();
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(setup_w.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno_text("cannot hand the set-up to", "the jail's init"));
    done += static_cast<std::size_t>(n);
  }
  setup_w.reset();
  std::string message;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(report_r.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<std::size_t>(n));
  }
  if (!message.empty()) return fail(message);
  return r;
}

// ---------------------------------------------------------------- running jails

std::string destroy(const Runtime& r, const std::string& dir, LinkRemoval link) {
  if (const int fd = open_init(r); fd >= 0) {
    Fd init(fd);
    if (pidfd_send_signal(fd, SIGKILL, nullptr, 0) != 0 && errno != ESRCH)
      return errno_text("cannot kill the init of jail", r.name);
    if (!wait_exit(fd, r.init_pid))
      return fmt::format(
          "the init of jail \"{}\" (pid {}) has not ended after 10 s: one of the jail's processes is a "
          "zombie "
          "that its parent outside the jail has not reaped",
          r.name, r.init_pid);
  }
  if (!r.veth.empty() && link == LinkRemoval::now)
    if (auto e = Netlink().delete_link(r.veth); !e.empty()) return e;
  if (auto e = linux_cgroup::remove(r.name); !e.empty()) return e;
  return remove_runtime(dir, r.name);
}

std::string await_links_gone(const std::vector<std::string>& links, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  auto present = [&] {
    return std::any_of(links.begin(), links.end(),
                       [](const std::string& l) { return ::if_nametoindex(l.c_str()) != 0; });
  };
  while (present() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Netlink nl;
  for (const auto& l : links)
    if (auto e = nl.delete_link(l); !e.empty()) return e;
  return {};
}

namespace {

/// The jail's other processes (in its pid namespace, its init left out).
std::vector<int> other_processes_of(const Runtime& r) {
  std::vector<int> out;
  char self[64];
  const std::string link = fmt::format("/proc/{}/ns/pid", r.init_pid);
  const ssize_t n = ::readlink(link.c_str(), self, sizeof self);
  if (n <= 0) return out;
  const std::string ns(self, static_cast<std::size_t>(n));
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || std::atoi(e->d_name) == r.init_pid) continue;
    char other[64];
    const ssize_t m = ::readlink(fmt::format("/proc/{}/ns/pid", e->d_name).c_str(), other, sizeof other);
    if (m > 0 && std::string_view(other, static_cast<std::size_t>(m)) == ns)
      out.push_back(std::atoi(e->d_name));
  }
  ::closedir(d);
  return out;
}

}  // namespace

std::vector<int> processes(const Runtime& r) {
  if (!alive(r)) return {};
  std::vector<int> out{r.init_pid};
  for (int pid : other_processes_of(r)) out.push_back(pid);
  return out;
}

std::string terminate(const Runtime& r, int seconds) {
  const int fd = open_init(r);
  if (fd < 0) return {};
  Fd init(fd);
  if (pidfd_send_signal(fd, SIGTERM, nullptr, 0) != 0 && errno != ESRCH)
    return errno_text("cannot signal the init of jail", r.name);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!other_processes_of(r).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return {};  // running out of time is not an error: removal kills the rest (§4.4)
}

std::string set_persist(const Runtime& r, bool persist) {
  const int fd = open_init(r);
  if (fd < 0) return fmt::format("jail \"{}\" is not running", r.name);
  Fd init(fd);
  if (pidfd_send_signal(fd, persist ? SIGUSR2 : SIGUSR1, nullptr, 0) != 0)
    return errno_text("cannot signal the init of jail", r.name);
  return {};
}

namespace {

/// Runs `fn` in a child process that has joined the jail's namespaces
/// `nstypes`; returns its error sentence.
template <class Fn>
std::string in_namespaces(const Runtime& r, int nstypes, Fn fn) {
  const int fd = open_init(r);
  if (fd < 0) return fmt::format("jail \"{}\" is not running", r.name);
  Fd init(fd);
  int pipe[2];
  if (::pipe2(pipe, O_CLOEXEC) != 0) return errno_text("cannot create", "a pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe[0]);
    std::string e = ::setns(fd, nstypes) != 0 ? errno_text("cannot enter", "jail " + r.name) : fn();
    [[maybe_unused]] auto n = ::write(pipe[1], e.data(), e.size());
    ::_exit(e.empty() ? 0 : 1);
  }
  ::close(pipe[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    message.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (message.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    message = fmt::format("jail \"{}\": the helper process failed", r.name);
  return message;
}

}  // namespace

std::string set_hostname(const Runtime& r, const std::string& hostname) {
  return in_namespaces(r, CLONE_NEWUTS, [&]() -> std::string {
    if (::sethostname(hostname.data(), hostname.size()) != 0)
      return errno_text("cannot set host name", hostname);
    return {};
  });
}

std::string set_addresses(Runtime& r, const std::vector<IpAddress>& addresses) {
  if (r.veth.empty())
    return fmt::format("jail \"{}\" has no link of its own; restart it to change its addresses", r.name);
  std::vector<IpAddress> old;
  for (const auto& t : r.addresses) {
    IpAddress a;
    if (linux_net::parse_ip(t, a)) old.push_back(a);
  }
  auto has = [](const std::vector<IpAddress>& v, const IpAddress& a) {
    return std::any_of(v.begin(), v.end(), [&](const IpAddress& x) { return x.text() == a.text(); });
  };
  std::optional<IpAddress> gw4, gw6;
  IpAddress g;
  if (!r.gateway4.empty() && linux_net::parse_ip(r.gateway4, g)) gw4 = g;
  if (!r.gateway6.empty() && linux_net::parse_ip(r.gateway6, g)) gw6 = g;
  for (const auto& a : addresses) {
    auto& gw = a.family == AF_INET ? gw4 : gw6;
    if (!gw) {
      JailSetup probe;
      probe.addresses = addresses;
      gw = gateway_for(probe, a.family);
    }
  }
  std::string err = in_namespaces(r, CLONE_NEWNET, [&]() -> std::string {
    Netlink nl;
    if (!nl.error().empty()) return nl.error();
    for (IpAddress a : addresses) {
      a.prefix = a.family == AF_INET ? 32 : 128;
      if (auto e = nl.add_address("eth0", a); !e.empty()) return e;
    }
    for (IpAddress a : old)
      if (!has(addresses, a)) {
        a.prefix = a.family == AF_INET ? 32 : 128;
        if (auto e = nl.delete_address("eth0", a); !e.empty()) return e;
      }
    IpAddress any4{AF_INET, {}, 0}, any6{AF_INET6, {}, 0};
    if (gw4)
      if (auto e = nl.add_route("eth0", any4, &*gw4, nullptr); !e.empty()) return e;
    if (gw6)
      if (auto e = nl.add_route("eth0", any6, &*gw6, nullptr); !e.empty()) return e;
    return {};
  });
  if (!err.empty()) return err;
  r.addresses.clear();
  for (const auto& a : addresses) r.addresses.push_back(a.text());
  if (gw4) r.gateway4 = gw4->text();
  if (gw6) r.gateway6 = gw6->text();
  Netlink nl;
  // routes to dropped addresses went with them only inside; the host's go here
  return host_side(nl, r, gw4, gw6);
}

std::string move_interface(const Runtime& r, const std::string& interface) {
  Fd netns(::open(fmt::format("/proc/{}/ns/net", r.init_pid).c_str(), O_RDONLY | O_CLOEXEC));
  if (netns.get() < 0 || !alive(r)) return fmt::format("jail \"{}\" is not running", r.name);
  return Netlink().move_link(interface, netns.get());
}

// ---------------------------------------------------------------- init

void init_main(const std::string& name, int setup, int report) {
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(setup, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) child_fail(report, errno_text("cannot read", "the set-up of jail " + name));
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(setup);
  if (text.empty()) ::_exit(126);  // the launcher gave up
  InitSetup in;
  try {
    in = setup_from_json(json::parse(text));
  } catch (const std::exception& e) {
    child_fail(report, fmt::format("jail {}: a set-up the init cannot read: {}", name, e.what()));
  }
  if (auto e = set_up(in); !e.empty()) child_fail(report, e);
  bool persist = in.jail.persist;
  ::close(report);  // end of file: the parent knows the jail is up
  sigset_t set;
  ::sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) ::sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  ::prctl(PR_SET_NAME, "jail-init", 0, 0, 0);
  (void)name;
  for (;;) {
    bool children = true;
    for (;;) {
      const pid_t p = ::waitpid(-1, nullptr, WNOHANG);
      if (p > 0) continue;
      if (p < 0 && errno == ECHILD) children = false;
      break;
    }
    // FreeBSD removes a jail that is not persistent once its last process
    // is gone; kill(-1, 0) also sees processes jexec put here, not ours
    const bool others = children || ::kill(-1, 0) == 0;
    if (!persist && !others) ::_exit(0);
    siginfo_t info{};
    int sig;
    if (!persist && !children) {
      // nothing will signal us when a process we did not start ends
      const timespec poll{0, 200'000'000};
      sig = ::sigtimedwait(&set, &info, &poll);
    } else {
      sig = ::sigwaitinfo(&set, &info);
    }
    switch (sig) {
      case SIGTERM: ::kill(-1, SIGTERM); break;
      case SIGUSR1: persist = false; break;
      case SIGUSR2: persist = true; break;
      default: break;
    }
  }
}

// ---------------------------------------------------------------- jexec

namespace {

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home = "/", shell = "/bin/sh";
};

/// Looks `user` up in the passwd file `file` (the jail's or the host's):
/// static jail roots have no NSS, so this reads the file itself.
std::optional<Account> find_account(const std::string& file, const std::string& user) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, ':');) f.push_back(x);
    if (f.size() < 7 || f[0] != user) continue;
    return Account{static_cast<uid_t>(std::stoul(f[2])), static_cast<gid_t>(std::stoul(f[3])), f[5], f[6]};
  }
  return std::nullopt;
}

}  // namespace

int exec_main(const std::vector<std::string>& args, std::string dir) {
  bool clean = false, detach = false;
  std::string user;
  bool host_user = false;
  std::size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    if (args[i] == "-l") {
      clean = true;
    } else if (args[i] == "-d") {
      detach = true;
    } else if (args[i] == "-R" && i + 1 < args.size()) {
      dir = args[++i];
    } else if ((args[i] == "-U" || args[i] == "-u") && i + 1 < args.size()) {
      host_user = args[i] == "-u";
      user = args[++i];
    } else {
      break;
    }
  }
  if (i >= args.size() || args[i] == "--") {
    std::fprintf(stderr, "jailplan: exec: usage: [-l] [-U user | -u user] NAME -- COMMAND...\n");
    return 2;
  }
  const std::string name = args[i++];
  if (i < args.size() && args[i] == "--") ++i;
  if (i >= args.size()) {
    std::fprintf(stderr, "jailplan: exec: no command to run in jail \"%s\"\n", name.c_str());
    return 2;
  }
  std::vector<std::string> command(args.begin() + static_cast<long>(i), args.end());
  std::string error;
  const auto r = read_runtime(dir, name, error);
  if (!r) {
    std::fprintf(stderr, "jailplan: exec: %s\n", error.c_str());
    return 1;
  }
  const int fd = open_init(*r);
  if (fd < 0) {
    std::fprintf(stderr, "jailplan: exec: jail \"%s\" is not running (its init %d is gone)\n", name.c_str(),
                 r->init_pid);
    return 1;
  }
  std::optional<Account> account;
  if (!user.empty() && host_user) account = find_account("/etc/passwd", user);
  // its limits hold for what runs here too: a bare setns would escape
  // them. The groups are opened while the host's /sys is in view; the
  // command joins them itself, so only it is charged
  const std::vector<int> groups = linux_cgroup::open_join_handles(name);
  int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWIPC;
  if (r->new_net) flags |= CLONE_NEWNET;
  if (::setns(fd, flags) != 0) {
    // the ipc namespace may be the host's (allow.sysvipc): join what differs
    flags &= ~CLONE_NEWIPC;
    if (::setns(fd, flags) != 0) {
      std::fprintf(stderr, "jailplan: exec: cannot enter jail \"%s\": %s\n", name.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }
  ::close(fd);
  if (!user.empty() && !host_user) account = find_account("/etc/passwd", user);
  if (!user.empty() && !account) {
    std::fprintf(stderr, "jailplan: exec: jail \"%s\": no user \"%s\" in %s/etc/passwd\n", name.c_str(),
                 user.c_str(), host_user ? "the host's " : "the jail's ");
    return 1;
  }
  std::vector<std::string> env;
  if (clean) {
    env.push_back("PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin");
    env.push_back("HOME=" + (account ? account->home : std::string("/root")));
    env.push_back("SHELL=" + (account ? account->shell : std::string("/bin/sh")));
    env.push_back("USER=" + (user.empty() ? std::string("root") : user));
    if (const char* term = std::getenv("TERM")) env.push_back(std::string("TERM=") + term);
  } else {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  }
  int started[2] = {-1, -1};  // closed by a successful exec (detach mode)
  if (detach && ::pipe2(started, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "jailplan: exec: pipe: %s\n", std::strerror(errno));
    return 1;
  }
  const pid_t pid = ::fork();  // the pid namespace applies to children only
  if (pid < 0) {
    std::fprintf(stderr, "jailplan: exec: fork: %s\n", std::strerror(errno));
    return 1;
  }
  if (pid > 0)
    for (int g : groups) ::close(g);
  if (pid == 0) {
    if (detach) {
      // one more fork, inside the jail: orphaned there, the command's
      // parent becomes the jail's init (an orphan of a process outside
      // would go to the host's init)
      const pid_t inner = ::fork();
      if (inner != 0) ::_exit(inner < 0 ? 126 : 0);
      ::setsid();
      const int null = ::open("/dev/null", O_RDWR);
      for (int std_fd = 0; std_fd < 3 && null >= 0; ++std_fd) ::dup2(null, std_fd);
    }
    if (!linux_cgroup::join(groups)) {
      std::fprintf(stderr, "jailplan: exec: cannot join the cgroups of jail %s: %s\n", name.c_str(),
                   std::strerror(errno));
      ::_exit(126);
    }
    if (::chdir(account ? account->home.c_str() : "/") != 0 && ::chdir("/") != 0) ::_exit(126);
    if (!drop_capabilities(r->drop_caps)) {
      std::fprintf(stderr, "jailplan: exec: cannot drop capabilities: %s\n", std::strerror(errno));
      ::_exit(126);
    }
    if (account &&
        (::setgroups(0, nullptr) != 0 || ::setgid(account->gid) != 0 || ::setuid(account->uid) != 0)) {
      std::fprintf(stderr, "jailplan: exec: cannot become %s: %s\n", user.c_str(), std::strerror(errno));
      ::_exit(126);
    }
    std::vector<char*> argv, envp;
    for (auto& w : command) argv.push_back(w.data());
    argv.push_back(nullptr);
    for (auto& w : env) envp.push_back(w.data());
    envp.push_back(nullptr);
    ::execvpe(argv[0], argv.data(), envp.data());
    const int why = errno;
    if (detach) [[maybe_unused]]
      auto n = ::write(started[1], &why, sizeof why);
    std::fprintf(stderr, "jailplan: exec: %s: %s\n", command[0].c_str(), std::strerror(why));
    ::_exit(why == ENOENT ? 127 : 126);
  }
  if (detach) {
    // it runs on in the background, a child of the jail's init once we
    // are gone (a command ending in '&', as jail(8) runs it)
    ::close(started[1]);
    int why = 0;
    ssize_t n;
    while ((n = ::read(started[0], &why, sizeof why)) < 0 && errno == EINTR) {
    }
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof why)) {
      std::fprintf(stderr, "jailplan: exec: %s: %s\n", command[0].c_str(), std::strerror(why));
      return why == ENOENT ? 127 : 126;
    }
    return 0;
  }
  // pass on what we are asked to end with, like a shell would
  sigset_t set;
  ::sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) ::sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  for (;;) {
    int status = 0;
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    siginfo_t info{};
    const int sig = ::sigwaitinfo(&set, &info);
    if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) ::kill(pid, sig);
  }
}

std::optional<int> hidden_entry(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  const std::string_view what = argv[1];
  if (what == "__jail-init" && argc == 5) init_main(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  if (what == "__jail-exec") {
    const char* dir = std::getenv("JAILPLAN_RUNTIME_DIR");
    return exec_main(std::vector<std::string>(argv + 2, argv + argc),
                     dir != nullptr && *dir != '\0' ? dir : k_runtime_dir);
  }
  return std::nullopt;
}

}  // namespace jailplan::linux_jail
