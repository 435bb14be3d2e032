#include "executor/linux/cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "compiler/typecheck.hpp"

namespace jailplan::linux_cgroup {

namespace {

constexpr const char* k_root = "/sys/fs/cgroup";
constexpr long k_cgroup2_magic = 0x63677270;
constexpr std::int64_t k_cpu_period = 100000;  // µs

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::string write_file(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) return fmt::format("cannot write '{}' to {}: {}", value, path, std::strerror(errno));
  return {};
}

std::string make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    return fmt::format("cannot create {}: {}", path, std::strerror(errno));
  return {};
}

}  // namespace

Mode detect() {
  struct statfs fs {};
  if (::statfs(k_root, &fs) != 0) return Mode::none;
  if (fs.f_type == k_cgroup2_magic) return Mode::v2;
  return exists(std::string(k_root) + "/memory") || exists(std::string(k_root) + "/pids") ? Mode::v1
                                                                                          : Mode::none;
}

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::v1: return "v1";
    case Mode::v2: return "v2";
    case Mode::none: break;
  }
  return "none";
}

std::string unenforceable(std::string_view rule) {
  const auto colon = rule.find(':');
  const auto eq = rule.find('=');
  if (colon == std::string_view::npos || eq == std::string_view::npos) return "not an rctl rule";
  const auto resource = rule.substr(0, colon), action = rule.substr(colon + 1, eq - colon - 1);
  if (resource != "memoryuse" && resource != "maxproc" && resource != "pcpu")
    return fmt::format("cgroups have no per-jail limit for '{}' (memoryuse, maxproc and pcpu are mapped)",
                       resource);
  if (action != "deny") return fmt::format("only 'deny' is enforced by cgroups, not '{}'", action);
  if (rule.find('/', eq) != std::string_view::npos)
    return "a per-process or per-user limit is not a jail's cgroup limit";
  return {};
}

std::string parse_limits(const std::vector<std::string>& rules, Limits& out) {
  out = Limits{};
  for (const auto& rule : rules) {
    if (auto why = unenforceable(rule); !why.empty()) return fmt::format("{}: {}", rule, why);
    const std::string resource = rule.substr(0, rule.find(':'));
    const std::int64_t amount = rctl_amount(std::string_view(rule).substr(rule.find('=') + 1));
    if (amount < 0) return fmt::format("{}: not an amount", rule);
    if (resource == "memoryuse") out.memory = amount;
    if (resource == "maxproc") out.processes = amount;
    if (resource == "pcpu") out.cpu_percent = amount;
  }
  return {};
}

std::vector<std::string> directories(const std::string& jail, Mode mode) {
  if (mode == Mode::v2) return {fmt::format("{}/jailplan/{}", k_root, jail)};
  if (mode == Mode::v1)
    return {fmt::format("{}/memory/jailplan/{}", k_root, jail),
            fmt::format("{}/pids/jailplan/{}", k_root, jail),
            fmt::format("{}/cpu/jailplan/{}", k_root, jail)};
  return {};
}

namespace {

constexpr const char* k_init_leaf = "/init";
constexpr const char* k_jail_leaf = "/jail";
// the init's own budget: it neither forks nor grows (measured: under 4 MiB)
constexpr std::int64_t k_init_memory = 32 * 1024 * 1024;
constexpr std::int64_t k_init_processes = 1;

/// The jail's groups and both leaves, made where missing.
std::string make_groups(const std::vector<std::string>& dirs, Mode mode) {
  for (const auto& d : dirs) {
    const std::string parent = d.substr(0, d.rfind('/'));
    if (mode == Mode::v2)
      if (auto e = write_file(std::string(k_root) + "/cgroup.subtree_control", "+memory +pids +cpu");
          !e.empty())
        return e;
    if (auto e = make_dir(parent); !e.empty()) return e;
    if (mode == Mode::v2)
      if (auto e = write_file(parent + "/cgroup.subtree_control", "+memory +pids +cpu"); !e.empty()) return e;
    if (auto e = make_dir(d); !e.empty()) return e;
    // v2 keeps processes in leaves only: the jail's group holds none
    if (mode == Mode::v2)
      if (auto e = write_file(d + "/cgroup.subtree_control", "+memory +pids +cpu"); !e.empty()) return e;
    for (const char* leaf : {k_init_leaf, k_jail_leaf})
      if (auto e = make_dir(d + leaf); !e.empty()) return e;
  }
  return {};
}

/// The files and values that set `l` on the leaves under `dirs`.
std::vector<std::pair<std::string, std::string>> limit_writes(const std::vector<std::string>& dirs, Mode mode,
                                                              const char* leaf, const Limits& l) {
  const auto text = [](const std::optional<std::int64_t>& v, const char* none) {
    return v ? std::to_string(*v) : std::string(none);
  };
  const std::string quota = l.cpu_percent ? std::to_string(*l.cpu_percent * k_cpu_period / 100) : "";
  if (mode == Mode::v2)
    return {{dirs[0] + leaf + "/memory.max", text(l.memory, "max")},
            {dirs[0] + leaf + "/pids.max", text(l.processes, "max")},
            {dirs[0] + leaf + "/cpu.max", fmt::format("{} {}", l.cpu_percent ? quota : "max", k_cpu_period)}};
  return {{dirs[0] + leaf + "/memory.limit_in_bytes", text(l.memory, "-1")},
          {dirs[1] + leaf + "/pids.max", text(l.processes, "max")},
          {dirs[2] + leaf + "/cpu.cfs_period_us", std::to_string(k_cpu_period)},
          {dirs[2] + leaf + "/cpu.cfs_quota_us", l.cpu_percent ? quota : "-1"}};
}

}  // namespace

std::string place_init(const std::string& jail, int init_pid) {
  const Mode mode = detect();
  if (mode == Mode::none) return {};
  auto dirs = directories(jail, mode);
  // v1: memory and pids hold its budget; the cpu tree has nothing to hold
  // for it (its groups are made with the jail's first limits)
  if (mode == Mode::v1) dirs.pop_back();
  if (auto e = make_groups(dirs, mode); !e.empty()) return e;
  const std::string memory = dirs.front() + k_init_leaf, pids = dirs.back() + k_init_leaf;
  if (auto e = write_file(memory + (mode == Mode::v2 ? "/memory.max" : "/memory.limit_in_bytes"),
                          std::to_string(k_init_memory));
      !e.empty())
    return e;
  if (auto e = write_file(pids + "/pids.max", std::to_string(k_init_processes)); !e.empty()) return e;
  for (const auto& d : dirs)
    if (auto e = write_file(d + k_init_leaf + "/cgroup.procs", std::to_string(init_pid)); !e.empty())
      return e;
  return {};
}

std::string apply(const std::string& jail, const Limits& l, const std::vector<int>& pids) {
  const Mode mode = detect();
  if (mode == Mode::none) return "this host has no cgroups to hold resource limits";
  const auto dirs = directories(jail, mode);
  if (auto e = make_groups(dirs, mode); !e.empty()) return e;
  for (const auto& [file, value] : limit_writes(dirs, mode, k_jail_leaf, l))
    if (auto e = write_file(file, value); !e.empty()) return e;
  for (const auto& d : dirs)
    for (int pid : pids)
      if (auto e = write_file(d + k_jail_leaf + "/cgroup.procs", std::to_string(pid));
          !e.empty() && ::kill(pid, 0) == 0)
        return e;
  return {};
}

namespace {

// A limit file's value: nullopt for none ("max", -1, or v1's page-rounded
// maximum), or when it cannot be read (no group: no limit either).
std::optional<std::int64_t> read_value(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return std::nullopt;
  try {
    const long long v = std::stoll(word);
    if (v < 0 || v >= (1LL << 62)) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

bool read_limits(const std::string& jail, Limits& out) {
  out = Limits{};
  const Mode mode = detect();
  if (mode == Mode::none) return false;
  const auto dirs = directories(jail, mode);
  if (mode == Mode::v2) {
    const std::string leaf = dirs[0] + k_jail_leaf;
    out.memory = read_value(leaf + "/memory.max");
    out.processes = read_value(leaf + "/pids.max");
    std::ifstream cpu(leaf + "/cpu.max");
    std::string quota;
    std::int64_t period = 0;
    if (cpu >> quota >> period && quota != "max" && period > 0)
      if (const auto q = read_value(leaf + "/cpu.max")) out.cpu_percent = *q * 100 / period;
    return true;
  }
  out.memory = read_value(dirs[0] + k_jail_leaf + "/memory.limit_in_bytes");
  out.processes = read_value(dirs[1] + k_jail_leaf + "/pids.max");
  const auto quota = read_value(dirs[2] + k_jail_leaf + "/cpu.cfs_quota_us");
  const auto period = read_value(dirs[2] + k_jail_leaf + "/cpu.cfs_period_us");
  if (quota && period && *period > 0) out.cpu_percent = *quota * 100 / *period;
  return true;
}

std::vector<int> open_join_handles(const std::string& jail) {
  std::vector<int> out;
  for (const auto& d : directories(jail, detect()))
    if (const int fd = ::open((d + k_jail_leaf + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC); fd >= 0)
      out.push_back(fd);
  return out;
}

std::vector<int> open_home_handles() {
  std::vector<int> out;
  const Mode mode = detect();
  std::ifstream in("/proc/self/cgroup");
  // "ID:CONTROLLERS:PATH": v1 lines name their controllers, v2's is "0::PATH"
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    std::string dir;
    if (mode == Mode::v2 && controllers.empty()) dir = std::string(k_root) + path;
    if (mode == Mode::v1)
      for (const char* c : {"memory", "pids", "cpu"}) {
        std::istringstream names(controllers);
        for (std::string n; std::getline(names, n, ',');)
          if (n == c) dir = fmt::format("{}/{}{}", k_root, c, path);
      }
    if (dir.empty()) continue;
    if (const int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC); fd >= 0)
      out.push_back(fd);
  }
  return out;
}

bool join(const std::vector<int>& handles) {
  bool ok = true;
  for (int fd : handles) {
    ok = ok && ::write(fd, "0", 1) == 1;
    ::close(fd);
  }
  return ok;
}

std::string remove(const std::string& jail) {
  for (const auto& d : directories(jail, detect())) {
    // tasks that have exited may still be charged for a moment (EBUSY)
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (const std::string& group : {d + k_init_leaf, d + k_jail_leaf, d})
      while (::rmdir(group.c_str()) != 0) {
        if (errno == ENOENT) break;
        if (errno != EBUSY || std::chrono::steady_clock::now() > deadline)
          return fmt::format("cannot remove {}: {}", group, std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    // the jailplan/ group goes with its last jail (busy or not empty: kept)
    ::rmdir(d.substr(0, d.rfind('/')).c_str());
  }
  return {};
}

}  // namespace jailplan::linux_cgroup
