// `jailplan explain`: the host, the record and the journal.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "fake_host_cli.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace jailplan::test;

TEST_CASE("explain: the host, the record and the journal say why a jail is as it is") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  // the first jail(8) creation fails: that jail is rolled back
  Run r = h.apply_failing(file, "1 jail", {"-j", "1"});
  REQUIRE(r.rc == 1);
  const auto at = r.err.find(": failed: ");
  REQUIRE(at != std::string::npos);
  const std::string jail = r.err.substr(r.err.rfind('\n', at) + 1, at - r.err.rfind('\n', at) - 1);
  CAPTURE(jail);
  r = h.jailplan({"explain", "--backend", "freebsd", jail});
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(r.out.find(fmt::format("jail \"{}\": not running", jail)) != std::string::npos);
  CHECK(r.out.find("record: none") != std::string::npos);
  CHECK(r.out.find("last error: create at ") != std::string::npos);
  CHECK(r.out.find("injected failure") != std::string::npos);
  CHECK(r.out.find("rolled back: alias-remove") != std::string::npos);
  CHECK(r.out.find("ended with failures") != std::string::npos);
  // once applied, it runs, is recorded, and the error is history
  REQUIRE(h.apply(file).rc == 0);
  r = h.jailplan({"explain", "--backend", "freebsd", "--file", file, jail});
  INFO(r.out << r.err);
  CHECK(r.out.find("running (jid ") != std::string::npos);
  CHECK(r.out.find("record: created by jailplan, configuration sha256:") != std::string::npos);
  CHECK(r.out.find("an earlier run's error: create") != std::string::npos);
  CHECK(r.out.find("in sync, nothing to do") != std::string::npos);
}
