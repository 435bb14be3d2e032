// The host lock: one jailplan at a time, the holder named.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "executor/host_lock.hpp"

using namespace jailplan;
using namespace std::chrono_literals;

TEST_CASE("host lock: a second process waits, then refuses naming the holder") {
  char dir[] = "/tmp/jailplan-lock-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/jailplan.lock";
  {
    HostLock held;
    REQUIRE(held.acquire(path, "apply", 0ms).ok());
    const pid_t child = fork();
    if (child == 0) {
      HostLock other;
      const std::string err = other.acquire(path, "apply", 200ms).message();
      const bool named = err.find(fmt::format("pid {}", getppid())) != std::string::npos &&
                         err.find("apply since ") != std::string::npos;
      _exit(named && !other.held() ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  // released: a process that holds it briefly makes the next one wait, not fail
  const pid_t holder = fork();
  if (holder == 0) {
    HostLock l;
    if (!l.acquire(path, "destroy", 0ms).ok()) _exit(1);
    usleep(300000);
    _exit(0);
  }
  usleep(100000);
  HostLock waited;
  CHECK(waited.acquire(path, "apply", 5000ms).ok());
  CHECK(waited.held());
  int status = 0;
  waitpid(holder, &status, 0);
  CHECK(WEXITSTATUS(status) == 0);
  std::remove(path.c_str());
  rmdir(dir);
}
