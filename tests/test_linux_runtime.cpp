// The Linux backend's runtime records: typed parameters written and read
// back, and records written before typed steps (jail(8)'s words) still read.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "executor/linux/runtime.hpp"
#include "testutil.hpp"

using namespace jailplan;
namespace fs = std::filesystem;

TEST_CASE("linux runtime: typed parameters round-trip, in order") {
  test::TempDir dir("runtime");
  linux_jail::Runtime r;
  r.name = "web";
  r.index = 3;
  r.init_pid = 42;
  r.parameters = {{"path", "/j/web"}, {"persist", "true"}, {"allow.raw_sockets", "false"}};
  REQUIRE(linux_jail::write_runtime(dir.path, r).empty());
  const auto back = linux_jail::read_runtime(dir.path, "web");
  REQUIRE_MESSAGE(back, back.message());
  CHECK(back->parameters == r.parameters);
  CHECK(back->index == 3);
  // the words the previous version reads stay beside the typed pairs
  std::ifstream in(linux_jail::runtime_file(dir.path, "web"));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find(R"("parameters": [
    "name=web",
    "path=/j/web",
    "persist",
    "allow.noraw_sockets"
  ])") != std::string::npos);
}

TEST_CASE("linux runtime: a record with jail(8)'s words (before typed steps) is read") {
  test::TempDir dir("runtime");
  fs::create_directories(dir.path + "/old");
  std::ofstream(dir.path + "/old/state.json")
      << R"({"name": "old", "index": 1, "init_pid": 7, "init_start": 9,
    "parameters": ["name=old", "path=/j/old", "persist", "allow.noraw_sockets", "host.hostname=old.example"]})";
  const auto r = linux_jail::read_runtime(dir.path, "old");
  REQUIRE_MESSAGE(r, r.message());
  CHECK(r->parameters == linux_jail::KernelParams{{"path", "/j/old"},
                                                  {"persist", "true"},
                                                  {"allow.raw_sockets", "false"},
                                                  {"host.hostname", "old.example"}});
}
