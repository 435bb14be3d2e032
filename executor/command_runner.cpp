#include "executor/command_runner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#if defined(__linux__)
#include <sys/syscall.h>  // pidfd_open: an exit that wakes poll(2)
#endif

extern char** environ;

namespace jailplan {

namespace {

using Clock = std::chrono::steady_clock;

// A pipe whose ends close themselves.
struct Pipe {
  int fd[2] = {-1, -1};
  bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
};

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

int wait_for(pid_t pid, int flags, int& status) {
  int r = 0;
  do {
    r = ::waitpid(pid, &status, flags);
  } while (r < 0 && errno == EINTR);
  return r;
}

void read_available(Pipe& p, std::string& sink, bool just_once) {
  std::array<char, 65536> buf{};
  while (p.fd[0] >= 0) {
    if (!just_once) {
      pollfd fd{p.fd[0], POLLIN, 0};
      if (::poll(&fd, 1, 0) <= 0) return;
    }
    const ssize_t got = ::read(p.fd[0], buf.data(), buf.size());
    if (got > 0) {
      sink.append(buf.data(), static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      p.close_end(0);
    }
    if (just_once) return;
  }
}

// A descriptor that becomes readable when `pid` exits, or -1 where the
// system has none (POSIX has no such thing: the caller then looks at the
// child every few milliseconds).
int process_fd(pid_t pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  static_cast<void>(pid);
  return -1;
#endif
}

// Reads both pipes until the child exits (a daemon it left behind may keep
// them open: jail(8) does not wait for those either) or the deadline passes.
// The child's pidfd wakes the poll the moment it exits. Returns false on
// timeout; `status` is the child's wait status.
bool drain(pid_t pid, Pipe& out, Pipe& err, CommandResult& r, std::optional<Clock::time_point> deadline,
           int& status) {
  const int pidfd = process_fd(pid);
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) ::close(fd);
    }
  } closer{pidfd};
  while (true) {
    std::array<pollfd, 3> fds{{{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}, {pidfd, POLLIN, 0}}};
    // without a pidfd (old kernels), look at the child every few ms
    int wait_ms = pidfd >= 0 ? 1000 : 5;
    if (deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) return false;
      wait_ms = static_cast<int>(std::min<long long>(left, wait_ms));
    }
    const int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n > 0) {
      if (fds[0].revents != 0) read_available(out, r.out, true);
      if (fds[1].revents != 0) read_available(err, r.err, true);
    }
    if (wait_for(pid, WNOHANG, status) == pid) {
      read_available(out, r.out, false);
      read_available(err, r.err, false);
      return true;
    }
  }
}

}  // namespace

std::string CommandResult::describe() const {
  if (!spawn_error.empty()) return fmt::format("cannot run: {}", spawn_error);
  if (timed_out) return "timed out";
  if (signal != 0) return fmt::format("exited on signal {}", signal);
  if (exit_code != 0) return fmt::format("failed (exit {})", exit_code);
  return "ok";
}

Result<HostAccount> host_account(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int rc = name.empty() ? ::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found)
                              : ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (found == nullptr)
    return one_error(rc != 0        ? fmt::format("getpwnam {}: {}", name, std::strerror(rc))
                     : name.empty() ? fmt::format("unknown uid {}", ::getuid())
                                    : fmt::format("{}: no such user", name));
  HostAccount a;
  a.name = pw.pw_name;
  a.home = pw.pw_dir;
  a.shell = *pw.pw_shell != '\0' ? pw.pw_shell : "/bin/sh";
  a.uid = pw.pw_uid;
  a.gid = pw.pw_gid;
  int n = 32;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  while (::getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0)
    groups.resize(static_cast<std::size_t>(n));
  groups.resize(static_cast<std::size_t>(n));
  a.groups.assign(groups.begin(), groups.end());
  return a;
}

namespace {

// The program's path: through PATH (the command's own, else ours) when it
// has no '/'.
std::string resolve_program(const std::string& program, const std::optional<std::vector<std::string>>& env) {
  if (program.find('/') != std::string::npos) return program;
  std::string path = "/bin:/usr/bin";
  if (env) {
    for (const auto& e : *env)
      if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  } else if (const char* p = std::getenv("PATH")) {
    path = p;
  }
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const std::size_t colon = std::min(path.find(':', pos), path.size());
    const std::string candidate =
        (colon == pos ? std::string(".") : path.substr(pos, colon - pos)) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    pos = colon + 1;
  }
  return program;
}

// fork + exec as another user (posix_spawn cannot change credentials).
// Everything is prepared here; the child only makes system calls.
pid_t spawn_as(const HostAccount& a, const std::string& program, char* const* argv, char* const* envp,
               const std::string& cwd, int out_fd, int err_fd, int& error) {
  std::vector<gid_t> groups(a.groups.begin(), a.groups.end());
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid != 0) {
    error = pid < 0 ? errno : 0;
    if (null >= 0) ::close(null);
    return pid;
  }
  ::setpgid(0, 0);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
  if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(a.gid) != 0 || ::setuid(a.uid) != 0) {
    static const char msg[] = "cannot change to the command's user\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(126);
  }
  ::execve(program.c_str(), argv, envp);
  static const char msg[] = "cannot execute the command\n";
  (void)!::write(2, msg, sizeof msg - 1);
  ::_exit(127);
}

}  // namespace

CommandResult PosixCommandRunner::run(const Command& c) {
  CommandResult r;
  if (c.argv.empty()) {
    r.spawn_error = "empty command";
    return r;
  }
  std::optional<HostAccount> account;
  if (!c.user.empty()) {
    auto found = host_account(c.user);
    if (!found) {
      r.spawn_error = found.message();
      return r;
    }
    account = std::move(*found);
  }
  Pipe out, err;
  if (!out.open() || !err.open()) {
    r.spawn_error = fmt::format("cannot create a pipe: {}", std::strerror(errno));
    return r;
  }
  auto argv = c_strings(c.argv);
  std::optional<std::vector<std::string>> env = c.env;
  if (!c.extra_env.empty()) {
    if (!env) {
      env.emplace();
      for (char** e = environ; *e != nullptr; ++e) env->emplace_back(*e);
    }
    for (const auto& add : c.extra_env) {
      const std::string key = add.substr(0, add.find('=') + 1);
      std::erase_if(*env, [&](const std::string& e) { return e.rfind(key, 0) == 0; });
      env->push_back(add);
    }
  }
  std::vector<char*> envp;
  if (env) envp = c_strings(*env);
  std::string program = c.argv[0];
  if (!m_tool_root.empty() && program[0] == '/' && ::access((m_tool_root + program).c_str(), X_OK) == 0)
    program = m_tool_root + program;
  pid_t pid = -1;
  int rc = 0;
  if (account) {
    pid = spawn_as(*account, resolve_program(program, env), argv.data(), env ? envp.data() : environ, c.cwd,
                   out.fd[1], err.fd[1], rc);
  } else {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
    if (!c.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, c.cwd.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // its own process group, so a timeout ends everything it started;
    // default signal dispositions and an empty mask, whatever ours are
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    rc = ::posix_spawnp(&pid, program.c_str(), &actions, &attr, argv.data(), env ? envp.data() : environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  out.close_end(1);
  err.close_end(1);
  if (rc != 0) {
    r.spawn_error = fmt::format("{}: {}", c.argv[0], std::strerror(rc));
    return r;
  }
  std::optional<Clock::time_point> deadline;
  if (c.timeout.count() > 0) deadline = Clock::now() + c.timeout;
  int status = 0;
  if (!drain(pid, out, err, r, deadline, status)) {
    r.timed_out = true;
    ::kill(-pid, SIGTERM);
    const auto grace = Clock::now() + c.kill_grace;
    while (wait_for(pid, WNOHANG, status) == 0) {
      if (Clock::now() >= grace) {
        ::kill(-pid, SIGKILL);
        wait_for(pid, 0, status);
        break;
      }
      ::usleep(10000);
    }
    return r;
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

CommandResult RecordingRunner::run(const Command& c) {
  m_commands.push_back(c);
  CommandResult r;
  r.exit_code = 0;
  return r;
}

}  // namespace jailplan
