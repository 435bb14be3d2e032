// Ownership: a configuration owns the jails it applied, and nothing else
// (issue 17). Two configurations on one host; adoption only when asked.
#include <doctest/doctest.h>

#include "fake_host_cli.hpp"
#include "planner_util.hpp"

using namespace jailplan;
using namespace jailplan::test;

namespace {

const char* const k_a = R"(
a1 { path = /j/a1; persist; ip4.addr = 198.51.100.1; }
a2 { path = /j/a2; persist; }
)";
const char* const k_b = R"(
b1 { path = /j/b1; persist; }
)";

Compilation owned(const std::string& text, const std::string& owner) {
  Compilation c = site(text);
  c.desired.owner = owner;
  return c;
}

Plan plan_for(const Compilation& c, const ObservedState& o, PlanOptions options = {}) {
  options.tool_version = "test";
  return make_plan(c.desired, o, options);
}

std::string errors_of(const Diagnostics& d) {
  return render(d);
}

}  // namespace

TEST_CASE("ownership: --prune of one configuration leaves another configuration's jails alone") {
  ModelHost host;
  const auto a = owned(k_a, "/etc/a.conf");
  host.apply(plan_for(a, host.state));
  REQUIRE(host.state.jails.size() == 2);
  CHECK(host.state.find("a1")->applied->owner == "/etc/a.conf");

  const auto b = owned(k_b, "/etc/b.conf");
  PlanOptions prune;
  prune.prune = true;
  CHECK_FALSE(check_ownership(b.desired, host.state, prune).has_errors());
  const Plan p = plan_for(b, host.state, prune);
  CHECK(actions_of(p) == "+b1");
  REQUIRE(p.foreign.size() == 2);
  CHECK(p.foreign[0] == std::pair<std::string, std::string>{"a1", "/etc/a.conf"});
  CHECK(p.orphans.empty());
  host.apply(p);
  CHECK(host.state.jails.size() == 3);
  // and a's own --prune destroys only what a created and no longer declares
  const auto a_smaller = owned("a1 { path = /j/a1; persist; ip4.addr = 198.51.100.1; }\n", "/etc/a.conf");
  CHECK(actions_of(plan_for(a_smaller, host.state, prune)) == "-a2");
}

TEST_CASE("ownership: a name or an address another configuration owns is a plan-time error naming it") {
  ModelHost host;
  host.apply(plan_for(owned(k_a, "/etc/a.conf"), host.state));
  const auto b =
      owned("a2 { path = /j/a2; persist; }\nb1 { path = /j/b1; ip4.addr = 198.51.100.1; persist; }\n",
            "/etc/b.conf");
  const Diagnostics d = check_ownership(b.desired, host.state, {});
  const std::string text = errors_of(d);
  CHECK(text.find("jail \"a2\" belongs to another configuration: /etc/a.conf") != std::string::npos);
  CHECK(text.find("address 198.51.100.1 of jail \"b1\" belongs to jail \"a1\" of another configuration: "
                  "/etc/a.conf") != std::string::npos);
  // the planner itself never touches the other's jail (no flip-flop)
  const Plan p = plan_for(b, host.state);
  CHECK(p.find("a2") == nullptr);
  // a stopped record of the other configuration counts too
  host.state.stopped.emplace_back("a2", *host.state.find("a2")->applied);
  host.state.jails.erase(host.state.jails.begin() + 1);
  host.state.normalize();
  CHECK(errors_of(check_ownership(b.desired, host.state, {})).find("belongs to another configuration") !=
        std::string::npos);
}

TEST_CASE("ownership: a running jail nobody owns is adopted only when asked, as its own action") {
  const auto c = owned("web { path = /j/web; persist; host.hostname = web; }\n", "/etc/a.conf");
  const ObservedState o = jls("jid=4 name=web path=/j/web persist host.hostname=old\n");
  const Diagnostics d = check_ownership(c.desired, o, {});
  CHECK(errors_of(d).find("jail \"web\" is running and no configuration owns it") != std::string::npos);
  CHECK(errors_of(d).find("--adopt") != std::string::npos);
  PlanOptions adopt;
  adopt.adopt = {"web"};
  CHECK_FALSE(check_ownership(c.desired, o, adopt).has_errors());
  adopt = {};
  adopt.adopt_all = true;
  CHECK_FALSE(check_ownership(c.desired, o, adopt).has_errors());
  const Plan p = plan_for(c, o, adopt);
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].adopt);
  CHECK(p.jails[0].action == Action::update);
  REQUIRE(p.jails[0].applied);
  CHECK(p.jails[0].applied->owner == "/etc/a.conf");
  CHECK(headline(p.jails[0]).find("adopted") != std::string::npos);
}

TEST_CASE("ownership: records written before owners are nobody's; a stopped one is taken over") {
  ModelHost host;
  host.apply(plan_for(owned(k_a, ""), host.state));  // the old jailplan wrote no owner
  REQUIRE(host.state.find("a1")->applied->owner.empty());
  const auto a = owned(k_a, "/etc/a.conf");
  // running: the next apply asks for --adopt
  CHECK(errors_of(check_ownership(a.desired, host.state, {})).find("no configuration owns it") !=
        std::string::npos);
  PlanOptions adopt;
  adopt.adopt_all = true;
  const Plan p = plan_for(a, host.state, adopt);
  CHECK(actions_of(p) == "~a1 ~a2");
  CHECK(p.jails[0].reason == Reason::adopt);
  host.apply(p);
  CHECK(host.state.find("a1")->applied->owner == "/etc/a.conf");
  CHECK(plan_for(a, host.state).jails.empty());
  // a running jail nobody owns is never pruned by a configuration that does not declare it
  ModelHost old;
  old.apply(plan_for(owned(k_b, ""), old.state));
  PlanOptions prune;
  prune.prune = true;
  const Plan pruned = plan_for(a, old.state, prune);
  CHECK(actions_of(pruned) == "+a1 +a2");
}

TEST_CASE("ownership: $jailplan_owner names the configuration, once") {
  auto c = compile("$jailplan_owner = \"site-web01\";\nweb { path = /j/web; }\ndb { path = /j/db; }\n");
  REQUIRE(c.ok());
  CHECK(c.desired.owner == "site-web01");
  CHECK(c.desired.owner_location.valid());
  // it is no parameter: not in jail(8)'s view, not in the canonical spec
  CHECK(c.desired.jails[0].find("jailplan.owner") == nullptr);
  c = compile("web { path = /j/web; $jailplan_owner = a; }\ndb { path = /j/db; }\n");
  CHECK_FALSE(c.ok());
  CHECK(render(c.diagnostics).find("has no $jailplan_owner") != std::string::npos);
  c = compile("$jailplan_owner = \"\";\nweb { path = /j/web; }\n");
  CHECK(render(c.diagnostics).find("$jailplan_owner takes one non-empty value") != std::string::npos);
}

TEST_CASE("ownership on the fake host: two configurations, --prune, status and adopt") {
  FakeHost h;
  const std::string a = h.write_site(k_site);
  const auto b = (h.dir() / "b.conf").string();
  fs::create_directories(h.dir() / "jails" / "other");
  std::ofstream(b) << "other { path = \"" << h.dir().string() << "/jails/other\"; persist; }\n";
  REQUIRE(h.apply(a).rc == 0);
  const std::size_t running = h.state()["jails"].size();
  REQUIRE(running == 3);
  Run r = h.apply(b, 0, {"--prune"});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(h.state()["jails"].size() == 4);  // a's three are still there
  CHECK(r.out.find("another configuration") != std::string::npos);
  r = h.jailplan({"status", "--backend", "freebsd"});
  CHECK(r.out.find(fs::canonical(a).string()) != std::string::npos);
  // b declares a's jail: refused, naming a
  std::ofstream(b, std::ios::app) << "db { path = \"" << h.dir().string() << "/jails/db\"; persist; }\n";
  r = h.jailplan({"plan", "--backend", "freebsd", b});
  CHECK(r.rc == 1);
  CHECK(r.err.find("jail \"db\" belongs to another configuration: " + fs::canonical(a).string()) !=
        std::string::npos);

  // records lost (or written before owners): the jails run, nobody owns them
  fs::remove_all(h.state_dir());
  r = h.plan(a);
  CHECK(r.rc == 1);
  CHECK(r.err.find("jail \"db\" is running and no configuration owns it") != std::string::npos);
  r = h.jailplan({"adopt", "--backend", "freebsd", "--auto-approve", a, "db"});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("jail \"db\" will be adopted") != std::string::npos);
  CHECK(r.out.find("\"web\"") == std::string::npos);  // nothing else changes
  r = h.jailplan({"adopt", "--backend", "freebsd", "--auto-approve", a, "db"});
  CHECK(r.rc == 1);
  CHECK(r.err.find("already owned by") != std::string::npos);
  r = h.apply(a, 0, {"--adopt"});
  REQUIRE(r.rc == 0);
  CHECK(h.plan(a).rc == 0);
  CHECK(h.state()["jails"].size() == 4);
}
