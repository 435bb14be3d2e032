#include "executor/linux/pty.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace jailplan::linux_jail {

namespace {

/// The operator's terminal in raw mode for as long as this lives: every
/// key goes to the jail's pty, whose line discipline does the rest.
class RawMode {
 public:
  explicit RawMode(int fd) : m_fd(fd) {
    if (m_fd < 0 || ::tcgetattr(m_fd, &m_saved) != 0) {
      m_fd = -1;
      return;
    }
    termios raw = m_saved;
    ::cfmakeraw(&raw);
    ::tcsetattr(m_fd, TCSADRAIN, &raw);
  }
  ~RawMode() {
    if (m_fd >= 0) ::tcsetattr(m_fd, TCSADRAIN, &m_saved);
  }
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int m_fd;
  termios m_saved{};
};

/// Copies what is readable now from `from` to `to` (-1: dropped); false
/// at end of file or on an error other than "try again".
bool pass_on(int from, int to) {
  std::array<char, 16384> buf;
  const ssize_t n = ::read(from, buf.data(), buf.size());
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) return false;
  for (ssize_t done = 0; to >= 0 && done < n;) {
    const ssize_t w = ::write(to, buf.data() + done, static_cast<std::size_t>(n - done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;  // the operator's side is gone: the output is dropped
    done += w;
  }
  return true;
}

int exit_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string open_pty(int like, Pty& out) {
  out.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (out.master.get() < 0) return errno_text("cannot open", "a pseudo-terminal");
  if (::grantpt(out.master.get()) != 0 || ::unlockpt(out.master.get()) != 0)
    return errno_text("cannot unlock", "a pseudo-terminal");
  char name[64];
  if (::ptsname_r(out.master.get(), name, sizeof name) != 0)
    return errno_text("cannot name", "a pseudo-terminal");
  out.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (out.slave.get() < 0) return errno_text("cannot open", name);
  termios modes{};
  if (::tcgetattr(like, &modes) == 0) ::tcsetattr(out.slave.get(), TCSANOW, &modes);
  winsize size{};
  if (::ioctl(like, TIOCGWINSZ, &size) == 0) ::ioctl(out.slave.get(), TIOCSWINSZ, &size);
  return {};
}

int relay(Pty& pty, pid_t child, int in, int out) {
  sigset_t set;
  ::sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGWINCH, SIGTERM, SIGINT, SIGHUP}) ::sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  Fd signals(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  ::fcntl(pty.master.get(), F_SETFL, O_NONBLOCK);
  const RawMode raw(in);
  int status = 0;
  bool reading_in = in >= 0;
  for (;;) {
    if (::waitpid(child, &status, WNOHANG) == child) break;
    std::array<pollfd, 3> fds{
        {{signals.get(), POLLIN, 0}, {pty.master.get(), POLLIN, 0}, {reading_in ? in : -1, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      signalfd_siginfo info{};
      while (::read(signals.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        const int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGWINCH && in >= 0) {
          winsize size{};
          if (::ioctl(in, TIOCGWINSZ, &size) == 0) ::ioctl(pty.master.get(), TIOCSWINSZ, &size);
        } else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
          ::kill(child, sig);
        }
      }
    }
    // the slave's last holder gone (EIO): nothing more will come
    if (fds[1].revents != 0 && !pass_on(pty.master.get(), out) && (fds[1].revents & POLLIN) == 0) {
      while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
      }
      return exit_status(status);
    }
    if (fds[2].revents != 0 && !pass_on(in, pty.master.get())) reading_in = false;
  }
  // what the command wrote before it ended
  while (pass_on(pty.master.get(), out)) {
    pollfd p{pty.master.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
  }
  return exit_status(status);
}

}  // namespace jailplan::linux_jail
