#pragma once
// The fake FreeBSD host (fake_freebsd_host.hpp) driven by the jailplan
// binary run as a process, with the host in its environment; a three-jail
// site and the checks that it is whole or gone.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "executor/command_runner.hpp"
#include "fake_freebsd_host.hpp"

namespace jailplan::test {

namespace fs = std::filesystem;
using nlohmann::json;

struct Run {
  int rc;
  std::string out, err;
};

/// The fake host of tests/fake_freebsd_host.hpp, driven by the jailplan
/// binary run as a process with the host in its environment.
class FakeHost : public jailplan::test::FakeFreeBsdHost {
 public:
  /// The jailplan binary with the fake host in place; `fail_at` > 0 makes
  /// the fake fail its fail_at-th state-changing call.
  Run jailplan(std::vector<std::string> args, long fail_at = 0) const {
    args.insert(args.begin(), JAILPLAN_BINARY);
    return jailplan_via(std::move(args), std::to_string(fail_at));
  }
  /// `argv` (which runs jailplan) with the fake host in place.
  Run jailplan_via(std::vector<std::string> argv, const std::string& fail_at = "0") const {
    this->fail_at(fail_at);
    jailplan::Command c;
    c.argv = std::move(argv);
    c.env = std::vector<std::string>{"PATH=" + (dir() / "path").string() + ":/usr/bin:/bin",
                                     "JAILPLAN_FREEBSD_ROOT=" + tool_root(),
                                     "JAILPLAN_STATE_DIR=" + state_dir(),
                                     "JAILPLAN_LOCK=" + lock_path(),
                                     "NO_COLOR=1",
                                     "TERM=xterm"};
    c.cwd = dir().string();
    c.timeout = std::chrono::seconds(60);
    jailplan::PosixCommandRunner runner;
    const auto r = runner.run(c);
    INFO(r.describe());
    REQUIRE(r.spawn_error.empty());
    return {r.exit_code, r.out, r.err};
  }

  Run apply(const std::string& file, long fail_at = 0, std::vector<std::string> extra = {}) const {
    return apply_failing(file, std::to_string(fail_at), std::move(extra));
  }
  /// `fail_at` as the fake reads it: "k", or "k TOOL" for the k-th call of one tool.
  Run apply_failing(const std::string& file, const std::string& fail_at,
                    std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{JAILPLAN_BINARY, "apply", "--backend", "freebsd", "--auto-approve", file};
    args.insert(args.end(), extra.begin(), extra.end());
    return jailplan_via(args, fail_at);
  }
  /// `plan --detailed-exitcode`: 0 = no changes, 2 = changes.
  Run plan(const std::string& file) const {
    return jailplan({"plan", "--backend", "freebsd", "--detailed-exitcode", file});
  }
};

inline const char* const k_site = R"(# a three-jail site on the fake host
path = "@/jails/$name";
persist;
interface = em0;
mount.devfs;
devfs_ruleset = 4;
exec.prestart = "touch $path/prestarted";
exec.poststop = "rm -f $path/started";

db {
  ip4.addr = 198.51.100.11;
  mount.fstab = "@/fstab.db";
  $jailplan_rctl = "memoryuse:deny=512M";
  exec.start = "/usr/sbin/daemon -f /usr/local/bin/postgres";
  exec.poststart = "/bin/sh -c 'echo \$JID:\$JNAME > \$JPATH/jid'";
}
web {
  ip4.addr = "198.51.100.10/24";
  depend = db;
  mount.procfs;
  host.hostname = web.example.org;
  allow.raw_sockets;
  exec.clean;
  exec.start = "/bin/sh -c 'echo started > started'";
}
worker {
  persist = false;
  ip4.addr = 198.51.100.12;
  exec.start = "/usr/sbin/daemon /usr/local/bin/worker";
}
)";

inline std::string edited(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// What each jail of k_site owns on the host: its addresses, mounts and rules.
struct Owned {
  std::set<std::string> addresses;
  std::size_t mounts;
  bool rules;
};
inline const std::map<std::string, Owned> k_owned = {
    {"db", {{"em0 198.51.100.11"}, 2, true}},
    {"web", {{"em0 198.51.100.10"}, 2, false}},
    {"worker", {{"em0 198.51.100.12"}, 1, false}},
};

/// Each jail is either wholly there (running, every address, mount and
/// rule) or wholly absent: nothing half-made.
inline void check_whole(const FakeHost& h) {
  const json s = h.state();
  const auto addrs = h.addresses(s);
  for (const auto& [name, owned] : k_owned) {
    const auto& jail_name = name;  // CAPTURE's lambda cannot take a structured binding (clang)
    CAPTURE(jail_name);
    const bool running = h.jail(s, name) != nullptr;
    for (const auto& a : owned.addresses) CHECK(addrs.count(a) == (running ? 1U : 0U));
    CHECK(h.mounts_below(s, name).size() == (running ? owned.mounts : 0U));
    CHECK(FakeHost::has_rules(s, name) == (running && owned.rules));
  }
}

inline void check_empty(const FakeHost& h) {
  const json s = h.state();
  CHECK(s["jails"].empty());
  CHECK(s["mounts"].empty());
  CHECK(s["rctl"].empty());
  CHECK(h.addresses(s) == FakeHost::initial_addresses());
  CHECK((!fs::exists(h.dir() / "db" / "applied") || fs::is_empty(h.dir() / "db" / "applied")));
}

}  // namespace jailplan::test
