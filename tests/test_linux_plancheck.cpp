// The Linux backend's plan-time checks: names it cannot store, addresses
// shared by accident, links and routes that are gone.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "executor/linux/enforcement.hpp"
#include "executor/linux/names.hpp"
#include "executor/linux/runtime.hpp"
#include "testutil.hpp"

using namespace jailplan;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/jailplan-plancheck-XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const char* const k_empty_state = R"({"format": "jailplan-state", "version": 1, "jails": []})";

struct Run {
  int rc;
  std::string out, err;
};

/// The CLI in-process against an empty Linux host of its own (runtime and
/// state directories under `dir`).
Run run(std::vector<std::string> args, const std::string& conf, const std::string& dir) {
  test::MemoryLoader loader({{"site.conf", conf}, {"empty.json", k_empty_state}});
  std::ostringstream out, err;
  World w{loader, out, err, false};
  w.env.runtime_dir = dir + "/run";
  w.env.state_dir = dir + "/state";
  w.env.lock_path = dir + "/lock";
  const int rc = run_cli(args, w);
  return {rc, out.str(), err.str()};
}

// FreeBSD takes up to 255 bytes; the Linux backend's record file needs 5
const std::string k_long(252, 'n');

std::string odd_names_conf() {
  return "path = /nonexistent/j;\npersist;\n"
         "\"..\" { }\n"
         "\"../x\" { }\n"
         "\"a/b\" { }\n"
         "\"a b\" { }\n" +
         fmt::format("\"{}\" {{ }}\n", k_long) + "fine.name { }\n";
}

}  // namespace

TEST_CASE("linux names: the table's rules") {
  using linux_jail::unusable_name;
  for (const char* ok : {"web", "db-1", "a.b", "a.b.c", "WEB_2", "x"}) {
    CAPTURE(ok);
    CHECK(unusable_name(ok).empty());
  }
  CHECK(unusable_name("..").find("no part may be empty") != std::string::npos);
  CHECK(unusable_name(".").find("no part may be empty") != std::string::npos);
  CHECK(unusable_name("a.").find("no part may be empty") != std::string::npos);
  CHECK(unusable_name("../x").find("'/'") != std::string::npos);
  CHECK(unusable_name("a/b").find("'/'") != std::string::npos);
  CHECK(unusable_name("a b").find("' '") != std::string::npos);
  CHECK(unusable_name(std::string("a\0b", 3)).find("byte 0x00") != std::string::npos);
  CHECK(unusable_name("a\nb").find("byte 0x0a") != std::string::npos);
  CHECK(unusable_name(std::string(250, 'a')).empty());
  CHECK(unusable_name(std::string(251, 'a')).find("251 bytes") != std::string::npos);
  CHECK(unusable_name("-x").find("option") != std::string::npos);
  CHECK(unusable_name("memory.max").find("cgroup") != std::string::npos);
  CHECK(unusable_name("cgroup.procs").find("cgroup") != std::string::npos);
  CHECK(unusable_name("memory").empty());  // a directory beside memory.max is fine
}

TEST_CASE("linux names: plan gives a located error per name the backend cannot store") {
  const Compilation c = test::compile(odd_names_conf());
  REQUIRE_MESSAGE(c.ok(), test::diags(c));
  const std::string got = test::summaries(linux_enforcement(c.desired, false), "name");
  CHECK(got.find("3:1: error: jail name \"..\" cannot be used by the Linux backend") != std::string::npos);
  CHECK(got.find("4:1: error: jail name \"../x\" cannot") != std::string::npos);
  CHECK(got.find("5:1: error: jail name \"a/b\" cannot") != std::string::npos);
  CHECK(got.find("6:1: error: jail name \"a b\" cannot") != std::string::npos);
  CHECK(got.find(fmt::format("7:1: error: jail name \"{}\" cannot", k_long)) != std::string::npos);
  CHECK(got.find("fine.name") == std::string::npos);
  // --allow-unenforced does not make a name storable
  CHECK(linux_enforcement(c.desired, true).has_errors());
  // longer than any kernel takes: the compiler says so, for every backend
  const Compilation too_long =
      test::compile(fmt::format("\"{}\" {{ path = /j; persist; }}\n", std::string(300, 'n')));
  CHECK(test::summaries(too_long).find("1:1: error: the value of 'name' is 300 bytes") != std::string::npos);

  TempDir tmp;
  const Run linux_plan = run({"plan", "--backend", "linux", "site.conf"}, odd_names_conf(), tmp.path);
  CHECK(linux_plan.rc == 1);
  CHECK(linux_plan.err.find("site.conf:3:1: error: jail name \"..\" cannot be used by the Linux backend") !=
        std::string::npos);
  CHECK(linux_plan.err.find("site.conf:6:1: error: jail name \"a b\"") != std::string::npos);
  CHECK(linux_plan.err.find("site.conf:7:1: error: jail name \"nnn") != std::string::npos);
  CHECK(!fs::exists(tmp.path + "/run"));
  // FreeBSD's jail(8) and kernel take these names: the FreeBSD backend
  // plans them
  const Run freebsd_plan =
      run({"plan", "--backend", "freebsd", "--state", "empty.json", "site.conf"}, odd_names_conf(), tmp.path);
  CHECK(freebsd_plan.err.find("error") == std::string::npos);
  CHECK(freebsd_plan.rc == 0);
  CHECK(freebsd_plan.out.find("+ jail \"../x\"") != std::string::npos);
}

TEST_CASE("linux names: runtime records stay in their directory and refuse odd names") {
  TempDir tmp;
  linux_jail::Runtime r;
  r.name = "../escape";
  r.index = 1;
  CHECK(linux_jail::write_runtime(tmp.path + "/run", r).find("cannot record jail") != std::string::npos);
  CHECK(!fs::exists(tmp.path + "/escape"));
  // the paths themselves never leave the directory
  for (const std::string& name : std::vector<std::string>{"..", ".", "../escape", "a/b", ""}) {
    CAPTURE(name);
    const fs::path dir = linux_jail::runtime_jail_dir(tmp.path + "/run", name);
    CHECK(dir.parent_path() == fs::path(tmp.path + "/run"));
    CHECK(dir.filename() != "..");
    CHECK(dir.filename() != ".");
  }
  r.name = "web";
  REQUIRE(linux_jail::write_runtime(tmp.path + "/run", r).empty());
  CHECK(linux_jail::list_runtimes(tmp.path + "/run").size() == 1);
  // a record whose name does not match its directory is not that jail's
  fs::create_directories(tmp.path + "/run/other");
  fs::copy_file(tmp.path + "/run/web/state.json", tmp.path + "/run/other/state.json");
  CHECK(linux_jail::list_runtimes(tmp.path + "/run").size() == 1);
  CHECK(!linux_jail::read_runtime(tmp.path + "/run", "other"));
}
