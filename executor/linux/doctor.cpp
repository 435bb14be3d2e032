#include "executor/linux/doctor.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "executor/linux/cgroup.hpp"
#include "executor/linux/netlink.hpp"

namespace jailplan {

namespace {

/// Runs `probe` in a child process; true when it exits 0.
template <class Probe>
bool in_child(Probe probe) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(probe() ? 0 : 1);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string bounding_set() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("CapBnd:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 7));
  return {};
}

}  // namespace

std::vector<HostCheck> linux_host_checks() {
  std::vector<HostCheck> out;
  out.push_back({"root", ::geteuid() == 0, true, ::geteuid() == 0 ? "uid 0" : "run jailplan as root"});
  struct Ns {
    const char* name;
    int flag;
  };
  static constexpr Ns k_namespaces[] = {{"mount", CLONE_NEWNS}, {"pid", CLONE_NEWPID},
                                        {"uts", CLONE_NEWUTS},  {"ipc", CLONE_NEWIPC},
                                        {"net", CLONE_NEWNET},  {"cgroup", CLONE_NEWCGROUP}};
  for (const auto& ns : k_namespaces) {
    const bool ok = in_child([&] { return ::unshare(ns.flag) == 0; });
    out.push_back({fmt::format("{} namespace", ns.name), ok, ns.flag != CLONE_NEWCGROUP,
                   ok ? "unshare works" : "unshare failed"});
  }
  const int self = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  out.push_back(
      {"pidfd", self >= 0, true, self >= 0 ? "pidfd_open works" : "pidfd_open failed (kernel < 5.3)"});
  if (self >= 0) ::close(self);
  const bool veth = in_child([] {
    if (::unshare(CLONE_NEWNET) != 0) return false;
    linux_net::Netlink nl;
    const int ns = ::open("/proc/self/ns/net", O_RDONLY);
    return nl.error().empty() && nl.create_veth("jpdoctor0", "jpdoctor1", ns).empty();
  });
  out.push_back(
      {"veth", veth, false, veth ? "a veth pair can be made" : "no veth: jails with addresses cannot start"});
  const auto mode = linux_cgroup::detect();
  std::string cg = fmt::format("cgroup {}", linux_cgroup::to_string(mode));
  if (mode == linux_cgroup::Mode::v1) cg += ::access("/sys/fs/cgroup/unified", F_OK) == 0 ? " (hybrid)" : "";
  out.push_back({"cgroups", mode != linux_cgroup::Mode::none, false,
                 mode == linux_cgroup::Mode::none ? "no cgroups: $jailplan_rctl limits cannot be set" : cg});
  const std::string bnd = bounding_set();
  out.push_back({"capabilities", !bnd.empty(), false, bnd.empty() ? "unknown" : "bounding set " + bnd});
  out.push_back({"busybox-static", ::access("/bin/busybox", X_OK) == 0, false,
                 ::access("/bin/busybox", X_OK) == 0
                     ? "/bin/busybox (scripts/mkroot.sh builds jail roots from it)"
                     : "apt-get install busybox-static (for the example's jail roots)"});
  return out;
}

}  // namespace jailplan
