#include "executor/linux/sys.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "executor/linux/runtime.hpp"

namespace jailplan::linux_jail {

int pidfd_open(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

int pidfd_send_signal(int fd, int sig, siginfo_t* info, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, fd, sig, info, flags));
}

std::string errno_text(const char* what, const std::string& subject) {
  return fmt::format("{} {}: {}", what, subject, std::strerror(errno));
}

void Fd::reset(int fd) {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = fd;
}

bool read_all(int fd, std::string& out) {
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

bool write_all(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

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

bool wait_exit(int pidfd, int pid) {
  pollfd p{pidfd, POLLIN, 0};
  int n;
  while ((n = ::poll(&p, 1, 10'000)) < 0 && errno == EINTR) {
  }
  ::waitpid(pid, nullptr, WNOHANG);
  return n > 0;
}

std::string in_namespaces(const Runtime& r, int nstypes, const std::function<std::string()>& fn) {
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
  read_all(pipe[0], message);
  ::close(pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (message.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    message = fmt::format("jail \"{}\": the helper process failed", r.name);
  return message;
}

}  // namespace jailplan::linux_jail
