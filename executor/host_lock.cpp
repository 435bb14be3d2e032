#include "executor/host_lock.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

#include <fmt/format.h>

namespace jailplan {

namespace {

bool try_lock(int fd) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  return ::fcntl(fd, F_SETLK, &fl) == 0;
}

std::string read_all(int fd) {
  std::string text;
  char buf[512];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

std::string field(const std::string& text, const std::string& key) {
  const auto at = text.find(key + "=");
  if (at == std::string::npos) return "?";
  const auto start = at + key.size() + 1;
  return text.substr(start, text.find('\n', start) - start);
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string user_name() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return std::to_string(::geteuid());
}

}  // namespace

HostLock::~HostLock() {
  if (m_fd >= 0) {
    if (::ftruncate(m_fd, 0) != 0) {
      // nothing to do: closing releases the lock all the same
    }
    ::close(m_fd);
  }
}

Status HostLock::acquire(const std::string& path, const std::string& operation,
                         std::chrono::milliseconds timeout) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return failure(fmt::format("cannot open lock file {}: {}", path, std::strerror(errno)));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!try_lock(fd)) {
    if (errno != EAGAIN && errno != EACCES) {
      const std::string e = std::strerror(errno);
      ::close(fd);
      return failure(fmt::format("cannot lock {}: {}", path, e));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string holder = read_all(fd);
      ::close(fd);
      return failure(fmt::format("another jailplan holds the host lock {}: pid {}, user {}, {} since {}",
                                 path, field(holder, "pid"), field(holder, "user"),
                                 field(holder, "operation"), field(holder, "started")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string info = fmt::format("pid={}\nuser={}\noperation={}\nstarted={}\n", ::getpid(), user_name(),
                                       operation, now_utc());
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, info.data(), info.size(), 0) != static_cast<ssize_t>(info.size())) {
    const std::string e = std::strerror(errno);
    ::close(fd);
    return failure(fmt::format("cannot write lock file {}: {}", path, e));
  }
  m_fd = fd;
  return {};
}

}  // namespace jailplan
