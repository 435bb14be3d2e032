#include "executor/linux/jexec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "executor/linux/cgroup.hpp"
#include "executor/linux/confine.hpp"
#include "executor/linux/init.hpp"
#include "executor/linux/pty.hpp"
#include "executor/linux/runtime.hpp"
#include "executor/linux/sys.hpp"
#include "executor/linux/users.hpp"

extern char** environ;

namespace jailplan::linux_jail {

namespace {

/// What __jail-exec was asked to run, and how.
struct ExecRequest {
  bool clean = false;      ///< -l: a login's environment
  bool detach = false;     ///< -d: in the background once started
  bool host_user = false;  ///< -u: `user` is the host's, not the jail's (-U)
  std::string user;
  std::string dir;  ///< -R: the runtime directory
  std::string name;
  std::vector<std::string> command;
};

/// Reads the arguments into `q`: 0, or 2 with the problem on stderr.
int parse_request(const std::vector<std::string>& args, ExecRequest& q) {
  std::size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    if (args[i] == "-l") {
      q.clean = true;
    } else if (args[i] == "-d") {
      q.detach = true;
    } else if (args[i] == "-R" && i + 1 < args.size()) {
      q.dir = args[++i];
    } else if ((args[i] == "-U" || args[i] == "-u") && i + 1 < args.size()) {
      q.host_user = args[i] == "-u";
      q.user = args[++i];
    } else {
      break;
    }
  }
  if (i >= args.size() || args[i] == "--") {
    std::fprintf(stderr, "jailplan: exec: usage: [-l] [-U user | -u user] NAME -- COMMAND...\n");
    return 2;
  }
  q.name = args[i++];
  if (i < args.size() && args[i] == "--") ++i;
  if (i >= args.size()) {
    std::fprintf(stderr, "jailplan: exec: no command to run in jail \"%s\"\n", q.name.c_str());
    return 2;
  }
  q.command.assign(args.begin() + static_cast<long>(i), args.end());
  return 0;
}

/// Joins the namespaces of the jail whose init's pidfd is `fd`; false
/// (errno set) when it cannot.
bool enter(int fd, bool new_net) {
  int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWIPC;
  if (new_net) flags |= CLONE_NEWNET;
  if (::setns(fd, flags) == 0) return true;
  // the ipc namespace may be the host's (allow.sysvipc): join what differs
  flags &= ~CLONE_NEWIPC;
  return ::setns(fd, flags) == 0;
}

/// The command's environment: a login's (-l) or ours.
std::vector<std::string> environment(const ExecRequest& q, const std::optional<Account>& account,
                                     const std::optional<std::string>& term) {
  std::vector<std::string> env;
  if (q.clean) {
    env.push_back("PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin");
    env.push_back("HOME=" + (account ? account->home : std::string("/root")));
    env.push_back("SHELL=" + (account ? account->shell : std::string("/bin/sh")));
    env.push_back("USER=" + (q.user.empty() ? std::string("root") : q.user));
    if (term) env.push_back("TERM=" + *term);
  } else {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  }
  return env;
}

/// The terminal an interactive command gets: a pty of its own in place of
/// each of 0, 1 and 2 that is the operator's terminal.
struct Terminal {
  Pty pty;
  bool std_fd[3] = {false, false, false};  ///< which of 0, 1, 2 were a terminal
  bool any() const { return std_fd[0] || std_fd[1] || std_fd[2]; }
};

/// The forked child, inside the jail and already confined (the parent was
/// before it forked): a session of its own with no terminal but its pty,
/// the account, and the command. A detached one writes why its exec failed
/// to `started`.
[[noreturn]] void run_command(ExecRequest& q, Terminal& t, const std::optional<Account>& account,
                              std::vector<std::string>& env, int started) {
  if (q.detach) {
    // one more fork, inside the jail: orphaned there, the command's
    // parent becomes the jail's init (an orphan of a process outside
    // would go to the host's init)
    const pid_t inner = ::fork();
    if (inner != 0) ::_exit(inner < 0 ? 126 : 0);
    const int null = ::open("/dev/null", O_RDWR);
    for (int std_fd = 0; std_fd < 3 && null >= 0; ++std_fd) ::dup2(null, std_fd);
  }
  // never the operator's terminal: a new session has none
  ::setsid();
  if (t.any()) {
    for (int std_fd = 0; std_fd < 3; ++std_fd)
      if (t.std_fd[std_fd]) ::dup2(t.pty.slave.get(), std_fd);
    if (::ioctl(0, TIOCSCTTY, 0) != 0 && ::ioctl(1, TIOCSCTTY, 0) != 0) ::ioctl(2, TIOCSCTTY, 0);
    t.pty.slave.reset();
    t.pty.master.reset();
  }
  if (::chdir(account ? account->home.c_str() : "/") != 0 && ::chdir("/") != 0) ::_exit(126);
  if (account &&
      (::setgroups(0, nullptr) != 0 || ::setgid(account->gid) != 0 || ::setuid(account->uid) != 0)) {
    std::fprintf(stderr, "jailplan: exec: cannot become %s: %s\n", q.user.c_str(), std::strerror(errno));
    ::_exit(126);
  }
  std::vector<char*> argv, envp;
  for (auto& w : q.command) argv.push_back(w.data());
  argv.push_back(nullptr);
  for (auto& w : env) envp.push_back(w.data());
  envp.push_back(nullptr);
  ::execvpe(argv[0], argv.data(), envp.data());
  const int why = errno;
  if (q.detach) [[maybe_unused]]
    auto n = ::write(started, &why, sizeof why);
  std::fprintf(stderr, "jailplan: exec: %s: %s\n", q.command[0].c_str(), std::strerror(why));
  ::_exit(why == ENOENT ? 127 : 126);
}

/// Detached: it runs on in the background, a child of the jail's init once
/// we are gone (a command ending in '&', as jail(8) runs it). Waits until
/// its exec has closed `started`; 0, or the status of a failed exec.
int await_start(pid_t pid, const int started[2], const std::string& program) {
  ::close(started[1]);
  int why = 0;
  ssize_t n;
  while ((n = ::read(started[0], &why, sizeof why)) < 0 && errno == EINTR) {
  }
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof why)) {
    std::fprintf(stderr, "jailplan: exec: %s: %s\n", program.c_str(), std::strerror(why));
    return why == ENOENT ? 127 : 126;
  }
  return 0;
}

/// In the foreground: passes on what we are asked to end with, like a shell
/// would, until the command ends; its exit status.
int await_exit(pid_t pid) {
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

/// Becomes a process of the jail in every respect but the pid namespace
/// (which only our children enter): its namespaces, its root, its cgroups
/// and its confinement. Whatever forks after this appears in the jail as
/// no more than jail root. `home` is left with the way back out of the
/// jail's cgroups, when it has any. "" or why not.
std::string become_jail_process(const Runtime& r, int init, std::vector<int>& home) {
  // the record is written before the init has made the jail: its root
  // may still be the host's then
  if (!init_ready(r)) return fmt::format("jail \"{}\" is not ready: it is still being made", r.name);
#if defined(__SANITIZE_ADDRESS__)
  // LeakSanitizer's check at exit traces this process from a task of its
  // own, which could neither see it (the jail's pid namespace) nor trace
  // it (confined): check now, before entering, and not again
  __lsan_do_leak_check();
#endif
  // its limits hold for what runs here too: a bare setns would escape
  // them. The groups are opened while the host's /sys is in view
  const std::vector<int> groups = linux_cgroup::open_join_handles(r.name);
  if (!groups.empty()) home = linux_cgroup::open_home_handles();
  if (!enter(init, r.new_net)) return errno_text("cannot enter jail", "\"" + r.name + "\"");
  if (::chdir("/") != 0) return errno_text("cannot enter", "the jail's root");
  if (!linux_cgroup::join(groups)) return errno_text("cannot join the cgroups of jail", r.name);
  return confine({r.drop_caps, r.nested});
}

}  // namespace

int exec_main(const std::vector<std::string>& args, std::string dir, const std::optional<std::string>& term) {
  // nothing the caller has open crosses into the jail: only 0, 1 and 2
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  ExecRequest q;
  q.dir = std::move(dir);
  if (const int rc = parse_request(args, q); rc != 0) return rc;
  const auto r = read_runtime(q.dir, q.name);
  if (!r) {
    std::fprintf(stderr, "jailplan: exec: %s\n", r.message().c_str());
    return 1;
  }
  Fd init(open_init(*r));
  if (init.get() < 0) {
    std::fprintf(stderr, "jailplan: exec: jail \"%s\" is not running (its init %d is gone)\n", q.name.c_str(),
                 r->init_pid);
    return 1;
  }
  std::optional<Account> account;
  if (!q.user.empty() && q.host_user) account = find_account("/etc/passwd", q.user);
  // an interactive command gets a pty of its own, never the operator's
  // terminal (docs/linux-backend.md, "Terminals")
  Terminal t;
  for (int std_fd = 0; std_fd < 3; ++std_fd) t.std_fd[std_fd] = !q.detach && ::isatty(std_fd) == 1;
  if (t.any())
    if (auto e = open_pty(t.std_fd[0] ? 0 : t.std_fd[1] ? 1 : 2, t.pty); !e.empty()) {
      std::fprintf(stderr, "jailplan: exec: %s\n", e.c_str());
      return 1;
    }
  std::vector<int> home;  // the way back out of the jail's cgroups, once the command is forked
  if (auto e = become_jail_process(*r, init.get(), home); !e.empty()) {
    std::fprintf(stderr, "jailplan: exec: %s\n", e.c_str());
    return 1;
  }
  init.reset();
  if (!q.user.empty() && !q.host_user) account = find_account("/etc/passwd", q.user);
  if (!q.user.empty() && !account) {
    std::fprintf(stderr, "jailplan: exec: jail \"%s\": no user \"%s\" in %s/etc/passwd\n", q.name.c_str(),
                 q.user.c_str(), q.host_user ? "the host's " : "the jail's ");
    return 1;
  }
  std::vector<std::string> env = environment(q, account, term);
  int started[2] = {-1, -1};  // closed by a successful exec (detach mode)
  if (q.detach && ::pipe2(started, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "jailplan: exec: pipe: %s\n", std::strerror(errno));
    return 1;
  }
  const pid_t pid = ::fork();  // the pid namespace applies to children only
  if (pid < 0) {
    std::fprintf(stderr, "jailplan: exec: fork: %s\n", std::strerror(errno));
    return 1;
  }
  if (pid == 0) {
    for (int h : home) ::close(h);
    run_command(q, t, account, env, started[1]);
  }
  // only the command counts against the jail's limits, as on FreeBSD
  linux_cgroup::join(home);
  if (q.detach) return await_start(pid, started, q.command[0]);
  if (!t.any()) return await_exit(pid);
  t.pty.slave.reset();
  return relay(t.pty, pid, t.std_fd[0] ? 0 : -1, t.std_fd[1] ? 1 : t.std_fd[2] ? 2 : -1);
}

}  // namespace jailplan::linux_jail
