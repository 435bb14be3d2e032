#pragma once
/// The host-wide lock every mutating command holds: an fcntl(2) write lock
/// on one file, which also says who holds it (pid, user, operation, start
/// time) so that a second jailplan can name the holder when it gives up.

#include <chrono>
#include <string>

#include "base/result.hpp"

namespace jailplan {

class HostLock {
 public:
  HostLock() = default;
  HostLock(const HostLock&) = delete;
  HostLock& operator=(const HostLock&) = delete;
  HostLock(HostLock&& o) noexcept : m_fd(o.m_fd) { o.m_fd = -1; }
  ~HostLock();

  /// Takes the lock, waiting up to `timeout`; else the refusal, a sentence
  /// naming the holder.
  Status acquire(const std::string& path, const std::string& operation, std::chrono::milliseconds timeout);
  bool held() const { return m_fd >= 0; }

 private:
  int m_fd = -1;
};

}  // namespace jailplan
