#include "executor/linux/running.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "executor/linux/cgroup.hpp"
#include "executor/linux/link.hpp"
#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

using linux_net::IpAddress;
using linux_net::Netlink;

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
  std::optional<IpAddress> gw4, gw6;
  IpAddress g;
  if (!r.gateway4.empty() && linux_net::parse_ip(r.gateway4, g)) gw4 = g;
  if (!r.gateway6.empty() && linux_net::parse_ip(r.gateway6, g)) gw6 = g;
  for (const auto& a : addresses) {
    auto& gw = a.family == AF_INET ? gw4 : gw6;
    if (!gw) gw = gateway_for(addresses, a.family);
  }
  std::string err = in_namespaces(r, CLONE_NEWNET, [&] { return change_jail_end(addresses, old, gw4, gw6); });
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

}  // namespace jailplan::linux_jail
