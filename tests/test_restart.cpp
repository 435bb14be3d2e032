// `jailplan restart`: as jail -rc.
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

TEST_CASE("restart: the named jails are stopped and started again, with their dependents, as jail -rc") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  REQUIRE(h.apply(file).rc == 0);
  const auto jid = [&](const std::string& name) {
    return h.jail(h.state(), name)->at("jid").get<long long>();
  };
  const long long db = jid("db"), web = jid("web"), worker = jid("worker");
  Run r = h.jailplan({"restart", "--backend", "freebsd", "--auto-approve", file, "db"});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("jail \"db\" will be restarted (restart requested)") != std::string::npos);
  CHECK(r.out.find("jail \"web\" will be restarted (it depends on 'db', which stops)") != std::string::npos);
  CHECK(jid("db") != db);
  CHECK(jid("web") != web);
  CHECK(jid("worker") == worker);  // unrelated
  check_whole(h);
  CHECK(h.plan(file).rc == 0);
  r = h.jailplan({"restart", "--backend", "freebsd", "--auto-approve", file, "nosuch"});
  CHECK(r.rc == 1);
  CHECK(r.err.find("jail \"nosuch\" is not declared") != std::string::npos);
}
