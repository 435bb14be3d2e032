#pragma once
// What the tests that make real Linux jails share (test_linux_backend.cpp,
// test_linux_attacks.cpp, test_backend_conformance.cpp): whether this
// process may make jails at all, one busybox jail root for the whole run
// (scripts/mkroot.sh), and Site, a scratch host that plans and applies a
// jail.conf for real and runs commands in its jails. Only built with the
// Linux backend.

#include <doctest/doctest.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "compiler/compile.hpp"
#include "executor/applier.hpp"
#include "executor/command_runner.hpp"
#include "executor/linux/backend.hpp"
#include "executor/linux/cgroup.hpp"
#include "executor/linux/observer.hpp"
#include "executor/linux/running.hpp"
#include "executor/linux/runtime.hpp"
#include "grammar/source_loader.hpp"
#include "planner/planner.hpp"

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
/// /tmp), removed when the tests end. It lives in a directory of mode 0700
/// of its own: under a path host users can traverse, they could run the
/// set-user-ID programs jail root plants in it.
class SharedRoot {
 public:
  SharedRoot() {
    char tmpl[] = "/tmp/jailplan-linux-test-root-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    m_parent = tmpl;
    m_path = m_parent + "/root";
    const std::string cmd = fmt::format("{}/scripts/mkroot.sh {} >/dev/null", JAILPLAN_SOURCE_DIR, m_path);
    m_ok = std::system(cmd.c_str()) == 0;
  }
  ~SharedRoot() {
    if (m_parent.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(m_parent, ec);
  }
  SharedRoot(const SharedRoot&) = delete;
  SharedRoot& operator=(const SharedRoot&) = delete;
  const std::string& path() const { return m_path; }
  bool ok() const { return m_ok; }

 private:
  std::string m_parent, m_path;
  bool m_ok = false;
};

inline const SharedRoot& shared_root() {
  static const SharedRoot root;
  return root;
}

/// A scratch host: a runtime and a state directory of its own, jails on
/// the shared root; everything it made is destroyed with it.
class Site {
 public:
  /// `octet`: this test's addresses are 203.0.113.octet and .octet+1 (@A@,
  /// @B@), apart from every other test's, as ctest runs them side by side.
  explicit Site(int octet = 0) : m_octet(octet) {
    char tmpl[] = "/tmp/jailplan-linux-test-XXXXXX";
    m_dir = ::mkdtemp(tmpl);
    m_paths.runtime_dir = m_dir + "/run";
    m_paths.state_dir = m_dir + "/applied";
    REQUIRE(shared_root().ok());
    m_name = fmt::format("t{}", ::getpid());
  }
  ~Site() {
    for (const auto& r : linux_jail::list_runtimes(m_paths.runtime_dir)) {
      linux_jail::destroy(r, m_paths.runtime_dir);
      linux_cgroup::remove(r.name);
    }
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  Site(const Site&) = delete;
  Site& operator=(const Site&) = delete;

  const std::string& root() const { return m_dir; }
  std::string path() const { return shared_root().path(); }
  const std::string& name() const { return m_name; }
  const LinuxPaths& paths() const { return m_paths; }

  /// Plans `conf` (with ${root} and ${jail} filled in) against this site
  /// and applies it; returns the apply's result.
  ApplyResult apply(const std::string& conf) {
    const std::string file = write_conf(conf);
    FileSystemLoader loader;
    Compilation c = compile_file(file, loader);
    REQUIRE_MESSAGE(c.ok(), "the test's jail.conf does not compile");
    LinuxObserver observer(loader, m_paths);
    auto observed = observer.observe();
    REQUIRE(observed);
    m_last_plan = make_plan(c.desired, observed.value(), PlanOptions{true, "test"});
    LinuxBackend real(m_runner, m_paths);
    Watcher watcher(real, *this);
    return apply_plan(m_last_plan, watcher, RecordKeeping::in(m_paths.state_dir));
  }
  /// Writes the configuration (placeholders filled in) where apply reads it.
  std::string write_conf(const std::string& conf) const {
    const std::string file = m_dir + "/jail.conf";
    std::ofstream(file) << expand(conf);
    return file;
  }

  std::string expand(std::string text) const {
    auto fill = [&](std::string_view token, const std::string& value) {
      for (std::size_t at; (at = text.find(token)) != std::string::npos;)
        text.replace(at, token.size(), value);
    };
    fill("@ROOT@", path());
    fill("@JAIL@", m_name);
    fill("@A@", address(0));
    fill("@B@", address(1));
    return text;
  }
  std::string address(int i) const { return fmt::format("203.0.113.{}", m_octet + i); }

  /// Host links of this site's jails that still exist (call once they are
  /// destroyed): every link a jail of this site ever had is tracked.
  std::vector<std::string> leaked_links() const {
    std::vector<std::string> out;
    for (const auto& l : m_links)
      if (::if_nametoindex(l.c_str()) != 0) out.push_back(l);
    return out;
  }
  const Plan& last_plan() const { return m_last_plan; }

  /// Runs a shell script inside the jail, through the backend's jexec path.
  CommandResult in_jail(const std::string& script) { return in_jail_argv({"/bin/sh", "-c", script}); }
  /// Runs `argv` inside jail `jail` (this site's first jail by default).
  CommandResult in_jail_argv(const std::vector<std::string>& argv, const std::string& jail = {},
                             std::chrono::seconds timeout = std::chrono::seconds(20)) {
    return m_runner.run({jexec_argv(argv, jail), std::nullopt, "", timeout});
  }
  /// `jailplan __jail-exec` of `argv` in `jail` (this site's first jail by
  /// default), for a test that starts it itself.
  std::vector<std::string> jexec_argv(const std::vector<std::string>& argv,
                                      const std::string& jail = {}) const {
    std::vector<std::string> out{
        m_paths.self, "__jail-exec", "-R", m_paths.runtime_dir, jail.empty() ? m_name : jail, "--"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }
  /// The environment that points the jailplan command at this site.
  std::vector<std::string> cli_env() const {
    return {"JAILPLAN_RUNTIME_DIR=" + m_paths.runtime_dir, "JAILPLAN_STATE_DIR=" + m_paths.state_dir,
            "JAILPLAN_LOCK=" + m_dir + "/jailplan.lock"};
  }
  /// Runs the jailplan command (`args` after the program) against this site.
  CommandResult cli(const std::vector<std::string>& args) {
    Command c;
    c.argv = {JAILPLAN_BINARY};
    c.argv.insert(c.argv.end(), args.begin(), args.end());
    c.extra_env = cli_env();
    c.timeout = std::chrono::seconds(60);
    return m_runner.run(c);
  }
  std::optional<linux_jail::Runtime> runtime() const {
    auto r = linux_jail::read_runtime(m_paths.runtime_dir, m_name);
    return r ? std::optional<linux_jail::Runtime>(std::move(*r)) : std::nullopt;
  }

 private:
  /// Notes the link of every jail that has a runtime after a step.
  class Watcher final : public Backend {
   public:
    Watcher(Backend& real, Site& site) : m_real(real), m_site(site) {}
    Status run(const JailChange& j, const Step& s) override {
      Status e = m_real.run(j, s);
      if (auto r = linux_jail::read_runtime(m_site.m_paths.runtime_dir, j.name); r && !r->veth.empty())
        m_site.m_links.insert(r->veth);
      return e;
    }
    std::optional<std::int64_t> jid(const JailChange& j) override { return m_real.jid(j); }
    Status finish() override { return m_real.finish(); }
    Status forget(const JailChange& j) override { return m_real.forget(j); }

   private:
    Backend& m_real;
    Site& m_site;
  };

  int m_octet;
  std::set<std::string> m_links;
  std::string m_dir, m_name;
  LinuxPaths m_paths;
  PosixCommandRunner m_runner;
  Plan m_last_plan;
};

inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

inline bool process_exists(int pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

/// A persistent jail with an address, devfs and procfs.
inline const char* const k_web = R"(
@JAIL@ {
  path = "@ROOT@";
  host.hostname = "@JAIL@.jail.test";
  ip4.addr = @A@;
  mount.devfs;
  mount.procfs;
  persist;
}
)";

}  // namespace jailplan::test
