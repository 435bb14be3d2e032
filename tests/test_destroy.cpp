// `jailplan destroy`: as jail -r, on the named jails and the running jails
// that depend on them, each torn down with the settings it was started with.
#include <doctest/doctest.h>

#include "fake_host_cli.hpp"
#include "planner_util.hpp"

using namespace jailplan;
using namespace jailplan::test;

namespace {

const char* const k_deps = R"(
db { path = /j/db; persist; children.max = 2; exec.stop = "/bin/sh /etc/rc.shutdown"; exec.jail_user = dbuser; }
db.cache { path = /j/db/cache; persist; }
web { path = /j/web; persist; depend = db; exec.prestop = "echo bye"; }
app { path = /j/app; persist; depend = web; }
other { path = /j/other; persist; }
)";

Plan destroy_plan(const Compilation& c, const ObservedState& o, std::vector<std::string> names) {
  PlanOptions options{false, "test"};
  options.destroy = std::move(names);
  return make_plan(c.desired, o, options);
}

}  // namespace

TEST_CASE("destroy plan: a running jail with no record is stopped with its declared settings, and says so") {
  const auto c = site(k_deps);
  const ObservedState o =
      jls("jid=3 name=db path=/j/db persist children.max=2\n"
          "jid=9 name=other path=/j/other persist\n");
  const Plan p = destroy_plan(c, o, {"db"});
  REQUIRE(actions_of(p) == "-db");
  const JailChange& db = p.jails[0];
  CHECK(db.reason == Reason::requested);
  CHECK(headline(db) == "jail \"db\" will be destroyed (destroy requested)");
  CHECK(db.note == "jailplan holds no record of it: it is stopped with the declared settings");
  CHECK(steps_of(db) == "exec.stop \"/bin/sh /etc/rc.shutdown\"\nterm \"10\"\nremove\nforget\n");
  REQUIRE(db.teardown);
  CHECK(find_param(*db.teardown, "exec.jail_user") != nullptr);
  CHECK_FALSE(db.applied);  // nothing is recorded for a destroyed jail
}

TEST_CASE("destroy plan: the running jails that depend on it stop first, as jail -r (state.c dep_check)") {
  ModelHost host = applied(k_deps);
  const auto c = site(k_deps);
  const Plan p = destroy_plan(c, host.state, {"db"});
  // plan order is start order; the applier stops in reverse: app, web, db.cache, db
  CHECK(actions_of(p) == "-db -db.cache -web -app");
  CHECK(p.find("web")->reason == Reason::dependency);
  CHECK(p.find("web")->subject == "db");
  CHECK(p.find("app")->subject == "web");
  CHECK(p.find("db.cache")->subject == "db");
  CHECK(p.find("other") == nullptr);
  host.apply(p);
  CHECK(host.state.jails.size() == 1);
  CHECK(host.state.find("other") != nullptr);
  // the next apply starts them all again
  const Plan again = plan_of(c, host.state);
  CHECK(actions_of(again) == "+db +db.cache +web +app");
}

TEST_CASE("destroy on the fake host: no record, a jls listing of a declared running jail") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  REQUIRE(h.apply(file).rc == 0);
  // jailplan loses its records (a new state directory): the jails still run
  std::filesystem::remove_all(h.dir() / "db" / "applied");
  Run r = h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", file, "db"});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("is not running") == std::string::npos);
  CHECK(r.out.find("jailplan holds no record of it") != std::string::npos);
  CHECK(h.jail(h.state(), "db") == nullptr);
  CHECK(h.jail(h.state(), "web") == nullptr);   // it depends on db
  CHECK(h.has_call("/sbin/umount -t nullfs"));  // db's fstab mount, from its declared settings
  r = h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", file, "db"});
  CHECK(r.rc == 0);
  CHECK(r.out.find("jail \"db\" is not running: nothing to do") != std::string::npos);
}

TEST_CASE("destroy plan: a recorded child jail no longer declared is stopped with its parent") {
  ModelHost host = applied(
      "a { path = /j/a; persist; children.max = 1; }\na.x { path = /j/a/x; persist; mount.devfs; }\n");
  const auto c = site("a { path = /j/a; persist; children.max = 1; }\n");
  const Plan p = destroy_plan(c, host.state, {"a"});
  CHECK(actions_of(p) == "-a -a.x");
  REQUIRE(p.find("a.x") != nullptr);
  CHECK(steps_of(*p.find("a.x")).find("umount.devfs") != std::string::npos);
  host.apply(p);
  CHECK(host.state.jails.empty());
  CHECK(host.state.mounts.empty());
}
