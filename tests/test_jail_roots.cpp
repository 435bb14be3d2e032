// Jail roots other host users can reach: validate --host, a live plan and
// doctor FILE refuse them, for both backends; a snapshot's paths are not
// this host's.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "executor/host_checks.hpp"
#include "fake_host_cli.hpp"
#include "testutil.hpp"

namespace fs = std::filesystem;
using namespace jailplan;

namespace {

/// A directory under /tmp that other users may enter (0755), removed after.
struct OpenDir : test::TempDir {
  OpenDir() : test::TempDir("roots") { REQUIRE(::chmod(path.c_str(), 0755) == 0); }
  std::string dir(const std::string& sub, mode_t mode) const {
    const std::string p = path + "/" + sub;
    fs::create_directories(p);
    REQUIRE(::chmod(p.c_str(), mode) == 0);
    return p;
  }
};

}  // namespace

TEST_CASE("jail roots: some directory above the root must be closed to other users") {
  OpenDir d;
  // nothing above it is closed: /, /tmp (1777), d (0755)
  const std::string open = d.dir("open", 0755) + "/web";
  fs::create_directories(open);
  const std::string why = root_way_in_open(open);
  CHECK(why.find("no directory above it is closed to other users: / (755") != std::string::npos);
  CHECK(why.find("/tmp (1777") != std::string::npos);
  CHECK(why.find(d.path + "/open (755") != std::string::npos);
  // a 0700 directory on the way closes it; the root itself stays 0755
  d.dir("closed", 0700);
  CHECK(root_way_in_open(d.dir("closed/web", 0755)).empty());
  CHECK(root_way_in_open(d.path + "/closed/not-made-yet/web").empty());
  // group search: only for root's group
  d.dir("grp", 0750);
  REQUIRE(::chown((d.path + "/grp").c_str(), 0, 0) == 0);
  CHECK(root_way_in_open(d.path + "/grp/web").empty());
  REQUIRE(::chown((d.path + "/grp").c_str(), 0, 4321) == 0);
  CHECK(!root_way_in_open(d.path + "/grp/web").empty());
  // owned by another user: that user gets in
  d.dir("theirs", 0700);
  REQUIRE(::chown((d.path + "/theirs").c_str(), 4321, 0) == 0);
  CHECK(!root_way_in_open(d.path + "/theirs/web").empty());
  // made later below an open directory: anyone could make it first
  CHECK(!root_way_in_open(d.path + "/open/later/web").empty());
}

TEST_CASE("jail roots: validate --host and a live plan refuse, located at path; a snapshot is not checked") {
  test::FakeHost h;
  OpenDir d;
  const std::string open = d.dir("jails", 0755) + "/web";
  fs::create_directories(open);
  const std::string file = h.write_site(fmt::format(R"(persist;
web {{ path = "{}"; }}
db {{ path = "@/jails/db"; }}
)",
                                                    open));
  fs::create_directories(h.dir() / "jails" / "db");  // the fake host's directory is mkdtemp's 0700
  const std::string want =
      fmt::format("site.conf:2:7: error: jail web: path {}: other users can reach it", open);
  test::Run r = h.jailplan({"validate", "--host", "--backend", "freebsd", file});
  CHECK(r.rc == 1);
  CHECK_MESSAGE(r.err.find(want) != std::string::npos, r.err);
  CHECK(r.err.find("jail db:") == std::string::npos);
  r = h.jailplan({"plan", "--backend", "freebsd", file});
  CHECK(r.rc == 1);
  CHECK_MESSAGE(r.err.find(want) != std::string::npos, r.err);
  r = h.jailplan({"apply", "--backend", "freebsd", "--auto-approve", file});
  CHECK(r.rc == 1);
  CHECK(r.err.find(want) != std::string::npos);
  CHECK(h.jail(h.state(), "db") == nullptr);  // nothing was started
  // a snapshot's paths are another host's
  std::ofstream(h.dir() / "empty.json") << R"({"format": "jailplan-state", "version": 1, "jails": []})";
  r = h.jailplan({"plan", "--state", (h.dir() / "empty.json").string(), file});
  CHECK_MESSAGE(r.rc == 0, r.err);
  // closed above: fine
  REQUIRE(::chmod((d.path + "/jails").c_str(), 0700) == 0);
  CHECK(h.jailplan({"validate", "--host", "--backend", "freebsd", file}).rc == 0);
  CHECK(h.plan(file).rc == 2);
}

TEST_CASE("jail roots: doctor FILE says which jails' roots others can reach") {
  OpenDir d;
  const std::string open = d.dir("open", 0755) + "/web";
  const std::string closed = d.dir("closed", 0700) + "/db";
  fs::create_directories(open);
  fs::create_directories(closed);
  test::MemoryLoader loader(
      {{"site.conf",
        fmt::format("persist;\nweb {{ path = \"{}\"; }}\ndb {{ path = \"{}\"; }}\n", open, closed)}});
  std::ostringstream out, err;
  World w{loader, out, err, false};
  CHECK(run_cli({"doctor", "site.conf"}, w) == 1);
  CHECK(out.str().find(fmt::format("FAIL  root of web        {}: other users can reach it", open)) !=
        std::string::npos);
  CHECK(out.str().find(fmt::format("ok    root of db         {}: closed to other users", closed)) !=
        std::string::npos);
}
