#include "executor/linux/init.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include <fmt/format.h>

#include "executor/linux/runtime.hpp"
#include "executor/linux/setup.hpp"
#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

namespace {

/// Reports the first failure to the parent and ends the child.
[[noreturn]] void child_fail(int report, const std::string& message) {
  const std::string m = message.empty() ? "setup failed" : message;
  [[maybe_unused]] auto n = ::write(report, m.data(), m.size());
  ::_exit(127);
}

/// Reads the set-up from the launcher; ends the init when there is none.
InitSetup receive_setup(const std::string& name, int setup, int report) {
  std::string text;
  if (!read_all(setup, text)) child_fail(report, errno_text("cannot read", "the set-up of jail " + name));
  ::close(setup);
  if (text.empty()) ::_exit(126);  // the launcher gave up
  try {
    return parse_setup(text);
  } catch (const std::exception& e) {
    child_fail(report, fmt::format("jail {}: a set-up the init cannot read: {}", name, e.what()));
  }
}

/// PID 1's life once the jail is up: reaps, forwards SIGTERM, follows
/// persist, and ends when nothing holds the jail any more.
[[noreturn]] void hold(bool persist) {
  sigset_t set;
  ::sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) ::sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
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

}  // namespace

bool init_ready(const Runtime& r) {
  std::ifstream in(fmt::format("/proc/{}/comm", r.init_pid));
  std::string comm;
  return std::getline(in, comm) && comm == k_ready_init_name;
}

void init_main(const std::string& name, int setup, int report) {
  // first: jail root may never trace or read the init, which starts with
  // the launcher's privileges (confine() repeats it once they are gone)
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const InitSetup in = receive_setup(name, setup, report);
  if (auto e = set_up(in); !e.empty()) child_fail(report, e);
  // ready: jexec may enter from now on (before the parent hears of it)
  ::prctl(PR_SET_NAME, k_ready_init_name, 0, 0, 0);
  ::close(report);  // end of file: the parent knows the jail is up
  hold(in.jail.persist);
}

}  // namespace jailplan::linux_jail
