// `jailplan restart`: as jail -rc, on the named jails and what jail -rc
// reaches from them, nothing else.
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
#include "planner_util.hpp"

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

TEST_CASE("restart with nothing running: only the named jail and what it needs to start, on the fake host") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  Run r = h.jailplan({"restart", "--backend", "freebsd", "--auto-approve", file, "web"});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  // web depends on db: jail -c web creates db first (state.c dep_check);
  // worker, which nobody named and web does not need, stays down
  CHECK(h.jail(h.state(), "web") != nullptr);
  CHECK(h.jail(h.state(), "db") != nullptr);
  CHECK(h.jail(h.state(), "worker") == nullptr);
  CHECK(r.out.find("worker") == std::string::npos);
}

// The planner's part: which jails `restart` touches (planner_util.hpp's
// model host, no backend).
namespace {

const char* const k_chain =
    "base { path = /j/base; persist; }\n"
    "db { path = /j/db; persist; depend = base; }\n"
    "web { path = /j/web; persist; depend = db; }\n"
    "front { path = /j/front; persist; depend = web; }\n"
    "side { path = /j/side; persist; depend = db; }\n"
    "other { path = /j/other; persist; host.hostname = other; }\n";

jailplan::Plan restart_plan(const jailplan::Compilation& c, const jailplan::ObservedState& o,
                            std::vector<std::string> names, bool prune = false) {
  return jailplan::make_plan(c.desired, o, jailplan::PlanOptions{prune, "test", std::move(names)});
}

}  // namespace

TEST_CASE("restart plan: nothing running: the named jail and its dependencies start, nothing else") {
  const auto c = site(k_chain);
  // web needs db, which needs base: jail -c web would create both
  CHECK(actions_of(restart_plan(c, jailplan::ObservedState{}, {"web"})) == "+base +db +web");
  CHECK(actions_of(restart_plan(c, jailplan::ObservedState{}, {"other"})) == "+other");
  const auto p = restart_plan(c, jailplan::ObservedState{}, {"base"});
  CHECK(actions_of(p) == "+base");  // dependents that are not running stay down
}

TEST_CASE("restart plan: all running: the named jail and its dependents restart, nothing else") {
  ModelHost host = applied(k_chain);
  const auto c = site(k_chain);
  CHECK(actions_of(restart_plan(c, host.state, {"web"})) == "↻web ↻front");
  CHECK(actions_of(restart_plan(c, host.state, {"db"})) == "↻db ↻side ↻web ↻front");
  // drift elsewhere is not restart's business, and neither is --prune
  ModelHost more = applied(std::string(k_chain) + "gone { path = /j/gone; persist; }\n");
  std::string text = k_chain;
  const auto edited = site(text.replace(text.find("hostname = other"), 16, "hostname = changed"));
  CHECK(actions_of(restart_plan(edited, more.state, {"web"}, true)) == "↻web ↻front");
  CHECK(actions_of(jailplan::make_plan(edited.desired, more.state, jailplan::PlanOptions{true, "test"})) ==
        "-gone ~other");
}

TEST_CASE("restart plan: a stopped named jail starts; stopped dependents stay down, running needs stay up") {
  ModelHost host = applied(k_chain);
  auto& jails = host.state.jails;
  jails.erase(std::remove_if(jails.begin(), jails.end(),
                             [](const auto& j) { return j.name == "web" || j.name == "side"; }),
              jails.end());
  const auto c = site(k_chain);
  // web is not running: it starts; its running dependency db is left
  // alone, and so is front (web does not stop)
  CHECK(actions_of(restart_plan(c, host.state, {"web"})) == "+web");
  // db restarts; its dependents web and side are not running: not started
  CHECK(actions_of(restart_plan(c, host.state, {"db"})) == "↻db");
}
