#pragma once
// What the tests that make real Linux jails share (test_linux_backend.cpp,
// test_backend_conformance.cpp): whether this process may make jails at
// all, and one busybox jail root for the whole run (scripts/mkroot.sh).
// Only built with the Linux backend.

#include <doctest/doctest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace jailplan::test {

/// Whether this process may make jails; the reason when it may not.
inline std::string missing_linux_jail_requirement() {
  if (::geteuid() != 0) return "not root";
  const pid_t pid = ::fork();
  if (pid == 0)
    ::_exit(::unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) == 0 ? 0 : 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "cannot create namespaces";
  if (::access("/bin/busybox", X_OK) != 0) return "no /bin/busybox (busybox-static)";
  return {};
}

/// True when the test may go on; fails the test under CI=true, and skips
/// it (loudly) elsewhere.
inline bool can_make_jails() {
  static const std::string missing = missing_linux_jail_requirement();
  if (missing.empty()) return true;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string_view(ci) == "true") {
    FAIL("the Linux backend tests need root and namespaces: ", missing);
  } else {
    MESSAGE("SKIPPED: the Linux backend tests need root and namespaces: ", missing);
  }
  return false;
}

/// One busybox jail root for the whole run (the jails only write to its
/// /tmp), removed when the tests end.
class SharedRoot {
 public:
  SharedRoot() {
    m_path = fmt::format("/tmp/jailplan-linux-test-root-{}", ::getpid());
    const std::string cmd = fmt::format("{}/scripts/mkroot.sh {} >/dev/null", JAILPLAN_SOURCE_DIR, m_path);
    m_ok = std::system(cmd.c_str()) == 0;
  }
  ~SharedRoot() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  SharedRoot(const SharedRoot&) = delete;
  SharedRoot& operator=(const SharedRoot&) = delete;
  const std::string& path() const { return m_path; }
  bool ok() const { return m_ok; }

 private:
  std::string m_path;
  bool m_ok = false;
};

inline const SharedRoot& shared_root() {
  static const SharedRoot root;
  return root;
}

}  // namespace jailplan::test
