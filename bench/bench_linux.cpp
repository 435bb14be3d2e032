// The Linux backend's start-up cost, side by side with a minimal
// direct-syscall loop that makes the same namespaces and links, and the
// cost of a no-op re-plan of a converged host (as root):
//
//   jailplan_bench_linux JAILS ROUNDS JAILPLAN_BINARY
//
// Each round: the baseline starts JAILS jails (clone3 with mount, pid, uts,
// ipc and net namespaces; pivot_root; a veth with an address), waits until
// all are ready and tears them down; then jailplan compiles a jail.conf of
// JAILS jails, observes, plans and applies it (all started), re-plans it
// in process and as `jailplan plan` (no changes), and destroys them.
// Medians over the rounds.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "compiler/compile.hpp"
#include "executor/applier.hpp"
#include "executor/command_runner.hpp"
#include "executor/linux/backend.hpp"
#include "executor/linux/entry.hpp"
#include "executor/linux/netlink.hpp"
#include "executor/linux/observer.hpp"
#include "planner/planner.hpp"

using namespace jailplan;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct CloneArgs {
  std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};

/// The baseline: what a hand-written launcher does, nothing more.
struct Baseline {
  double start_ms = 0, stop_ms = 0;
};

Baseline baseline(int jails, const std::string& root) {
  std::vector<pid_t> pids;
  std::vector<int> ready;
  const auto t0 = Clock::now();
  for (int i = 0; i < jails; ++i) {
    int go[2], done[2];
    if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(done, O_CLOEXEC) != 0) std::abort();
    CloneArgs ca{};
    ca.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
    ca.exit_signal = SIGCHLD;
    const long pid = ::syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0) {
      char c;
      if (::read(go[0], &c, 1) != 1) ::_exit(1);
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
      ::mount(root.c_str(), root.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
      ::sethostname("j", 1);
      {
        linux_net::Netlink nl;
        nl.link_up("lo");
        nl.link_up("eth0");
        linux_net::IpAddress a;
        linux_net::parse_ip(fmt::format("203.0.113.{}", 10 + i), a);
        nl.add_address("eth0", a);
      }
      if (::chdir(root.c_str()) != 0 || ::syscall(SYS_pivot_root, ".", ".") != 0 ||
          ::umount2(".", MNT_DETACH) != 0)
        ::_exit(1);
      ::close(done[1]);  // ready
      ::pause();
      ::_exit(0);
    }
    ::close(go[0]);
    ::close(done[1]);
    const int ns = ::open(fmt::format("/proc/{}/ns/net", pid).c_str(), O_RDONLY | O_CLOEXEC);
    linux_net::Netlink nl;
    const std::string host = fmt::format("jb{}", pid);
    nl.create_veth(host, "eth0", ns);
    nl.link_up(host);
    ::close(ns);
    if (::write(go[1], "g", 1) != 1) std::abort();
    ::close(go[1]);
    pids.push_back(static_cast<pid_t>(pid));
    ready.push_back(done[0]);
  }
  for (int fd : ready) {
    char c;
    while (::read(fd, &c, 1) > 0) {
    }
    ::close(fd);
  }
  Baseline b;
  b.start_ms = ms_since(t0);
  const auto t1 = Clock::now();
  for (pid_t p : pids) ::kill(p, SIGKILL);
  for (pid_t p : pids) ::waitpid(p, nullptr, 0);
  linux_net::Netlink nl;
  for (pid_t p : pids) nl.delete_link(fmt::format("jb{}", p));
  b.stop_ms = ms_since(t1);
  return b;
}

std::string site(int jails, const std::string& root) {
  std::string conf = fmt::format("path = \"{}\";\nmount.devfs;\npersist;\n", root);
  for (int i = 0; i < jails; ++i)
    conf += fmt::format("bench{} {{ host.hostname = \"bench{}.test\"; ip4.addr = 203.0.113.{}; }}\n", i, i,
                        10 + i);
  return conf;
}

}  // namespace

int main(int argc, char** argv) {
  if (auto rc = linux_jail::hidden_entry(argc, argv)) std::_Exit(*rc);  // no exit-time work in a jail
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s JAILS ROUNDS JAILPLAN_BINARY\n", argv[0]);
    return 2;
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "jailplan_bench_linux: needs root\n");
    return 1;
  }
  const int jails = std::atoi(argv[1]), rounds = std::atoi(argv[2]);
  if (jails < 1 || jails > 200) {
    std::fprintf(stderr, "jailplan_bench_linux: 1 to 200 jails (their addresses are 203.0.113.10 onwards)\n");
    return 2;
  }
  const std::string binary = argv[3];
  char tmpl[] = "/tmp/jailplan-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string root = dir + "/root";
  if (std::system(fmt::format("{}/scripts/mkroot.sh {} >/dev/null", JAILPLAN_SOURCE_DIR, root).c_str()) != 0)
    return 1;
  LinuxPaths paths;
  paths.runtime_dir = dir + "/run";
  paths.state_dir = dir + "/applied";
  const std::string file = dir + "/bench.conf";
  std::ofstream(file) << site(jails, root);
  const std::string empty = dir + "/empty.conf";
  std::ofstream(empty) << "";

  std::vector<double> base_start, base_stop, jp_start, jp_replan, jp_cli_replan, jp_stop;
  PosixCommandRunner runner;
  auto apply = [&](const std::string& conf, bool expect_changes) {
    FileSystemLoader loader;
    Compilation c = compile_file(conf, loader);
    LinuxObserver observer(loader, paths);
    auto observed = observer.observe();
    if (!c.ok() || !observed) std::abort();
    const Plan plan = make_plan(c.desired, observed.value(), PlanOptions{true, "bench"});
    if (plan.has_changes() != expect_changes) {
      std::fprintf(stderr, "unexpected plan\n");
      std::abort();
    }
    LinuxBackend backend(runner, paths);
    // as `jailplan apply` runs it: as many jails at once as there are CPUs
    if (!apply_plan(plan, backend, RecordKeeping::in(paths.state_dir), {},
                    std::max(1U, std::thread::hardware_concurrency()))
             .ok()) {
      std::fprintf(stderr, "apply failed\n");
      std::abort();
    }
  };
  for (int r = 0; r < rounds; ++r) {
    const Baseline b = baseline(jails, root);
    base_start.push_back(b.start_ms);
    base_stop.push_back(b.stop_ms);

    auto t = Clock::now();
    apply(file, true);
    jp_start.push_back(ms_since(t));

    t = Clock::now();
    {
      FileSystemLoader loader;
      Compilation c = compile_file(file, loader);
      LinuxObserver observer(loader, paths);
      auto observed = observer.observe();
      if (!observed || make_plan(c.desired, observed.value(), PlanOptions{true, "bench"}).has_changes())
        std::abort();
    }
    jp_replan.push_back(ms_since(t));

    // the same as a process, with the real state directories passed on
    t = Clock::now();
    const CommandResult cli =
        runner.run({{binary, "plan", file, "--detailed-exitcode"},
                    std::vector<std::string>{"JAILPLAN_RUNTIME_DIR=" + paths.runtime_dir,
                                             "JAILPLAN_STATE_DIR=" + paths.state_dir},
                    "",
                    std::chrono::seconds(60)});
    jp_cli_replan.push_back(ms_since(t));
    if (cli.exit_code != 0) {
      std::fprintf(stderr, "jailplan plan: %s %s\n", cli.describe().c_str(), cli.err.c_str());
      return 1;
    }

    t = Clock::now();
    apply(empty, true);
    jp_stop.push_back(ms_since(t));
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  fmt::print("{} jails with a veth each, {} rounds (medians):\n", jails, rounds);
  fmt::print("  baseline loop (clone3, pivot_root, veth):  start {:7.1f} ms   stop {:7.1f} ms\n",
             median(base_start), median(base_stop));
  fmt::print(
      "  jailplan apply (compile, observe, plan):   start {:7.1f} ms   stop {:7.1f} ms   ({:.2f}x / "
      "{:.2f}x)\n",
      median(jp_start), median(jp_stop), median(jp_start) / median(base_start),
      median(jp_stop) / median(base_stop));
  fmt::print(
      "  no-op re-plan of the converged host:       in process {:6.1f} ms   'jailplan plan' {:6.1f} ms\n",
      median(jp_replan), median(jp_cli_replan));
  return 0;
}
