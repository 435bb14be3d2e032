#include "executor/linux/launch.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "executor/linux/link.hpp"
#include "executor/linux/running.hpp"
#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

using linux_net::IpAddress;
using linux_net::Netlink;

namespace {

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

/// A record left by a jail that is gone (or a launcher that died) goes;
/// "" when the jail may start, else why it may not.
std::string clear_the_way(const JailSetup& s, const std::string& dir) {
  if (auto old = read_runtime(dir, s.name)) {
    if (alive(*old))
      return fmt::format("jail \"{}\" is already running (init pid {})", s.name, old->init_pid);
    destroy(*old, dir);
  }
  struct stat st {};
  if (::stat(s.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fmt::format("path {}: {}", s.path,
                       ::stat(s.path.c_str(), &st) != 0 ? std::strerror(errno) : "not a directory");
  return {};
}

/// The record of a jail about to start, its init not yet known.
Runtime new_runtime(const JailSetup& s, int index, const std::optional<IpAddress>& gw4,
                    const std::optional<IpAddress>& gw6) {
  Runtime r;
  r.name = s.name;
  r.index = index;
  r.drop_caps = s.confinement.drop_caps;
  r.nested = s.confinement.nested;
  r.new_net = s.new_net;
  r.parameters = s.parameters;
  for (const auto& a : s.addresses) r.addresses.push_back(a.text());
  if (gw4) r.gateway4 = gw4->text();
  if (gw6) r.gateway6 = gw6->text();
  return r;
}

/// Starts `jailplan __jail-init NAME SETUP_FD REPORT_FD` in the jail's new
/// namespaces; returns its pid (-1 on failure) and sets its pidfd.
int start_init(const JailSetup& s, int setup, int report, int& pidfd) {
  // the child's argv and environment, built before it exists
  std::vector<std::string> words{"jailplan", "__jail-init", s.name, std::to_string(setup),
                                 std::to_string(report)};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  char path_env[] = "PATH=/sbin:/bin:/usr/sbin:/usr/bin";
  char* envp[] = {path_env, nullptr};
  const ChildExec child{argv.data(), envp, setup, report};
  int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | SIGCHLD;
  if (s.new_ipc) flags |= CLONE_NEWIPC;
  if (s.new_net) flags |= CLONE_NEWNET;
  // as posix_spawn does: the child shares our memory on a stack of its
  // own until its execve (we wait that long), so no page is copied
  std::vector<char> stack(64 * 1024);
  return ::clone([](void* arg) -> int { child_main(*static_cast<const ChildExec*>(arg)); },
                 stack.data() + stack.size(), flags, const_cast<ChildExec*>(&child), &pidfd);
}

/// The link of the jail whose init is `pid`: named after the init, unique
/// on the host whatever the runtime directory, and it says which process
/// holds the jail. Sets `r.veth` first, so a failure can clean it up.
std::string make_link(Runtime& r, int pid, const std::optional<IpAddress>& gw4,
                      const std::optional<IpAddress>& gw6) {
  r.veth = fmt::format("jp{}", pid);
  Netlink nl;
  Fd netns(::open(fmt::format("/proc/{}/ns/net", pid).c_str(), O_RDONLY | O_CLOEXEC));
  if (netns.get() < 0) return errno_text("cannot open", "the jail's network namespace");
  if (auto e = nl.create_veth(r.veth, "eth0", netns.get()); !e.empty()) return e;
  return host_side(nl, r, gw4, gw6);
}

/// The set-up goes to the init, which carries it out and reports: "" once
/// the jail is up, else why not.
std::string hand_over(const std::string& text, Fd& setup, Fd& report) {
  if (!write_all(setup.get(), text)) return errno_text("cannot hand the set-up to", "the jail's init");
  setup.reset();
  std::string message;
  read_all(report.get(), message);
  return message;
}

}  // namespace

Result<Runtime> launch(const JailSetup& s, const std::string& dir) {
  if (auto e = clear_the_way(s, dir); !e.empty()) return one_error(std::move(e));
  // one launcher at a time picks an index and writes its record
  static std::mutex index_mutex;
  std::unique_lock claim(index_mutex);
  const auto gw4 = gateway_for(s.addresses, AF_INET);
  const auto gw6 = gateway_for(s.addresses, AF_INET6);
  Runtime r = new_runtime(s, lowest_free_index(dir), gw4, gw6);
  const bool link = s.new_net && !s.vnet && !s.addresses.empty();
  int setup[2], report[2];
  if (::pipe2(setup, O_CLOEXEC) != 0) return one_error(errno_text("cannot create", "a pipe"));
  if (::pipe2(report, O_CLOEXEC) != 0) {
    Diagnostics why = one_error(errno_text("cannot create", "a pipe"));
    ::close(setup[0]);
    ::close(setup[1]);
    return why;
  }
  Fd setup_w(setup[1]), report_r(report[0]);
  int pidfd = -1;
  const int pid = start_init(s, setup[0], report[1], pidfd);
  ::close(setup[0]);
  ::close(report[1]);
  if (pid < 0) return one_error(errno_text("cannot create the jail's namespaces", "(clone)"));
  Fd init(pidfd);
  r.init_pid = pid;
  r.init_start = process_start_time(r.init_pid);
  auto fail = [&](std::string why) -> Result<Runtime> {
    pidfd_send_signal(init.get(), SIGKILL, nullptr, 0);
    wait_exit(init.get(), r.init_pid);
    if (!r.veth.empty()) Netlink().delete_link(r.veth);
    remove_runtime(dir, r.name);
    return one_error(std::move(why));
  };
  if (link)
    if (auto e = make_link(r, pid, gw4, gw6); !e.empty()) return fail(e);
  if (auto e = write_runtime(dir, r); !e.empty()) return fail(e);
  claim.unlock();  // the index is taken: other jails may start alongside
  if (auto e = hand_over(setup_text(s, r.gateway4, r.gateway6), setup_w, report_r); !e.empty())
    return fail(e);
  return r;
}

}  // namespace jailplan::linux_jail
