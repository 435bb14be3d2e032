#pragma once
// A fresh fake FreeBSD host (tests/fakebsd) in a temporary directory, shared
// by the tests that spawn the jailplan binary against it (tests/fake_host_cli.hpp)
// and those that run the FreeBSD backend in-process
// (test_backend_conformance.cpp).
//
// Layout: the fake's tools under root/ (as /sbin/ifconfig, /usr/sbin/jail,
// ...: the tool root) and under path/ (for PATH), jail directories under
// jails/, jailplan's records under db/applied (the journal beside them) and
// the host lock in jailplan.lock. A `.fakebsd` file marks the directory, so
// the fake finds its host from the path it was run by, without FAKEBSD_DIR
// (read tests/fakebsd/fakebsd.cpp). Its state is state.json.

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "executor/host_env.hpp"

namespace jailplan::test {

class FakeFreeBsdHost {
 public:
  /// `jails`: the jail directories to make (each with dev/, proc/, data/).
  explicit FakeFreeBsdHost(std::vector<std::string> jails = {"db", "web", "worker", "worker2"})
      : m_jails(std::move(jails)) {
    namespace fs = std::filesystem;
    char dir[] = "/tmp/jailplan-fakebsd-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    m_dir = dir;
    std::ofstream(m_dir / ".fakebsd") << "a fake FreeBSD host (tests/fakebsd)\n";
    for (const char* tool : {"/sbin/ifconfig", "/sbin/mount", "/sbin/umount", "/sbin/devfs", "/usr/sbin/jail",
                             "/usr/sbin/jls", "/usr/sbin/jexec", "/usr/sbin/daemon", "/usr/sbin/setfib",
                             "/bin/pkill", "/bin/pgrep", "/usr/bin/rctl", "/usr/bin/sockstat"}) {
      const fs::path at = m_dir / "root" / (tool + 1);
      fs::create_directories(at.parent_path());
      fs::create_symlink(FAKEBSD_BINARY, at);
      if (!fs::exists(m_dir / "path" / at.filename())) {
        fs::create_directories(m_dir / "path");
        fs::create_symlink(FAKEBSD_BINARY, m_dir / "path" / at.filename());
      }
    }
    for (const auto& j : m_jails)
      for (const char* sub : {"", "/dev", "/proc", "/data"})
        fs::create_directories(m_dir / "jails" / (j + sub));
    fs::create_directories(m_dir / "srv" / "data");
    std::ofstream(m_dir / "fstab.db") << "# the database's data\n"
                                      << (m_dir / "srv" / "data").string() << "\t"
                                      << (m_dir / "jails" / "db" / "data").string() << "\tnullfs\trw\t0\t0\n";
  }
  ~FakeFreeBsdHost() {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  FakeFreeBsdHost(const FakeFreeBsdHost&) = delete;
  FakeFreeBsdHost& operator=(const FakeFreeBsdHost&) = delete;

  const std::filesystem::path& dir() const { return m_dir; }
  std::string tool_root() const { return (m_dir / "root").string(); }
  std::string state_dir() const { return (m_dir / "db" / "applied").string(); }
  std::string lock_path() const { return (m_dir / "jailplan.lock").string(); }

  /// What jailplan takes from its environment to act on this host, for
  /// an in-process run (the spawned binary gets the same as variables).
  HostEnv env() const {
    HostEnv e;
    e.tool_root = tool_root();
    e.state_dir = state_dir();
    e.lock_path = lock_path();
    e.term = "xterm";
    return e;
  }

  /// Writes site.conf, with @ standing for this host's directory.
  std::string write_site(std::string text) const {
    for (std::size_t at; (at = text.find('@')) != std::string::npos;) text.replace(at, 1, m_dir.string());
    const std::filesystem::path file = m_dir / "site.conf";
    std::ofstream(file) << text;
    return file.string();
  }

  /// The fake's failure injection: the fail_at-th state-changing call
  /// fails ("0": none; "k TOOL": the k-th call of one tool). Also forgets
  /// the calls counted so far.
  void fail_at(const std::string& k) const {
    std::ofstream(m_dir / "fail_at") << k << '\n';
    std::filesystem::remove(m_dir / "calls");
  }

  /// The host as the fake keeps it: jails, mounts, rctl rules, interfaces.
  nlohmann::json state() const {
    std::ifstream in(m_dir / "state.json");
    if (!in)
      return nlohmann::json{{"jails", nlohmann::json::array()},
                            {"mounts", nlohmann::json::array()},
                            {"rctl", nlohmann::json::array()},
                            {"ifaces", nlohmann::json::array()}};
    return nlohmann::json::parse(in);
  }
  static const nlohmann::json* jail(const nlohmann::json& s, const std::string& name) {
    for (const auto& j : s["jails"])
      if (j["name"] == name) return &j;
    return nullptr;
  }
  /// "IFACE ADDRESS" for every address of every interface.
  static std::set<std::string> addresses(const nlohmann::json& s) {
    std::set<std::string> out;
    for (const auto& i : s["ifaces"])
      for (const auto& a : i["addrs"])
        out.insert(i["name"].get<std::string>() + " " + a["address"].get<std::string>());
    return out;
  }
  /// The addresses a fresh fake host has.
  static std::set<std::string> initial_addresses() { return {"em0 203.0.113.2", "lo0 127.0.0.1", "lo0 ::1"}; }
  /// The types of the mounts below jails/JAIL/.
  std::vector<std::string> mounts_below(const nlohmann::json& s, const std::string& jail) const {
    std::vector<std::string> out;
    const std::string prefix = (m_dir / "jails" / jail).string() + "/";
    for (const auto& m : s["mounts"])
      if (m["file"].get<std::string>().rfind(prefix, 0) == 0) out.push_back(m["type"].get<std::string>());
    return out;
  }
  /// Whether a resource-limit rule names `jail`.
  static bool has_rules(const nlohmann::json& s, const std::string& jail) {
    for (const auto& r : s["rctl"])
      if (r.get<std::string>().rfind("jail:" + jail + ":", 0) == 0) return true;
    return false;
  }

  /// The state-changing calls since the last fail_at().
  long counted_calls() const {
    std::ifstream in(m_dir / "calls");
    long n = 0;
    in >> n;
    return n;
  }
  /// Every call the fake's tools got, one shell-quoted argv a line.
  std::vector<std::string> calls() const {
    std::ifstream in(m_dir / "calls.log");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  bool has_call(const std::string& prefix) const {
    for (const auto& c : calls())
      if (c.find(prefix) != std::string::npos) return true;
    return false;
  }
  /// Back to a fresh host: no jails, addresses, mounts, rules or records.
  void reset() const {
    for (const char* f : {"state.json", "calls.log", "db", "fail_at"}) std::filesystem::remove_all(m_dir / f);
    for (const auto& j : m_jails)
      for (const char* f : {"prestarted", "started", "stopped"})
        std::filesystem::remove(m_dir / "jails" / j / f);
  }

 private:
  std::vector<std::string> m_jails;
  std::filesystem::path m_dir;
};

}  // namespace jailplan::test
