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

namespace {

Plan forced_plan(const Compilation& c, const ObservedState& o, std::vector<std::string> names) {
  PlanOptions options{false, "test"};
  options.destroy = std::move(names);
  options.force = true;
  return make_plan(c.desired, o, options);
}

const char* const k_hooked = R"(
x { path = /j/x; persist; children.max = 1; mount.devfs; ip4.addr = "em0|198.51.100.20/24";
    exec.prestop = "echo pre"; exec.stop = "/etc/rc.shutdown"; exec.poststop = "echo post";
    exec.release = "echo release"; stop.timeout = 30; }
x.kid { path = /j/x/kid; persist; exec.stop = "/etc/rc.shutdown"; }
y { path = /j/y; persist; depend = x; exec.stop = "/etc/rc.shutdown"; }
)";

}  // namespace

TEST_CASE(
    "destroy --force plan: as jail -R, no stop hooks and no grace; unmounts, aliases and record undone") {
  ModelHost host = applied(k_hooked);
  const auto c = site(k_hooked);
  const Plan p = forced_plan(c, host.state, {"x"});
  REQUIRE(actions_of(p) == "-x -x.kid -y");
  const JailChange& x = *p.find("x");
  CHECK(x.reason == Reason::forced);
  CHECK(headline(x) == "jail \"x\" will be destroyed (forced: no stop hooks, its processes killed)");
  CHECK(
      steps_of(x) ==
      "remove\numount.devfs \"/j/x/dev\"\nalias-remove \"inet\" \"em0\" \"198.51.100.20\" \"/24\"\nforget\n");
  // its child goes with it, as the kernel takes it along: forced too
  CHECK(steps_of(*p.find("x.kid")) == "remove\nforget\n");
  // a jail that only depends on it stops as it would
  CHECK(p.find("y")->reason == Reason::dependency);
  CHECK(steps_of(*p.find("y")) == "exec.stop \"/etc/rc.shutdown\"\nterm \"10\"\nremove\nforget\n");
  host.apply(p);
  CHECK(host.state.jails.empty());
  CHECK(host.state.mounts.empty());
  CHECK(host.state.addresses.empty());
  // and without --force, the hooks run
  ModelHost again = applied(k_hooked);
  const Plan q = destroy_plan(c, again.state, {"x"});
  CHECK(steps_of(*q.find("x")).find("exec.stop") != std::string::npos);
}

TEST_CASE("half-stopped: a jail whose stop was cut short is never in sync; the next apply finishes it") {
  ModelHost host = applied(k_deps);
  const auto c = site(k_deps);
  ObservedState o = host.state;
  o.jails[0].applied->stopping = true;  // app (name order): killed after its stop began
  REQUIRE(o.jails[0].name == "app");
  Plan p = plan_of(c, o);
  REQUIRE(actions_of(p) == "↻app");
  CHECK(p.jails[0].reason == Reason::half_stopped);
  CHECK(headline(p.jails[0]) ==
        "jail \"app\" will be restarted (an earlier run was interrupted while stopping it: restarting it)");
  // its teardown is the recorded one, and the new record is not stopping
  REQUIRE(p.jails[0].applied);
  CHECK_FALSE(p.jails[0].applied->stopping);
  // the record's form keeps the mark
  const AppliedRecord& marked = *o.jails[0].applied;
  SourceSet sources;
  const auto back = parse_record(sources.add("app.json", render_record(marked)));
  REQUIRE(back.ok());
  CHECK(back->stopping);
  CHECK(render_record(*host.state.jails[0].applied).find("stopping") == std::string::npos);

  // no longer declared: its destroy is finished, --prune or not
  const auto without_app = site(R"(
db { path = /j/db; persist; children.max = 2; exec.stop = "/bin/sh /etc/rc.shutdown"; exec.jail_user = dbuser; }
db.cache { path = /j/db/cache; persist; }
web { path = /j/web; persist; depend = db; exec.prestop = "echo bye"; }
other { path = /j/other; persist; }
)");
  p = plan_of(without_app, o);
  REQUIRE(actions_of(p) == "-app");
  CHECK(p.jails[0].reason == Reason::half_stopped);
  CHECK(p.orphans.empty());
  host.apply(p);
  CHECK(host.state.find("app") == nullptr);

  // gone, its record marked: what the stop left is cleaned up, --prune or not
  ObservedState stopped = host.state;
  AppliedRecord record = *host.state.find("web")->applied;
  record.stopping = true;
  stopped.stopped.emplace_back("gone", record);
  stopped.normalize();
  p = plan_of(without_app, stopped);
  REQUIRE(actions_of(p) == "-gone");
  CHECK(p.jails[0].reason == Reason::half_stopped);
  CHECK(steps_of(p.jails[0]).find("forget") != std::string::npos);
  // declared: it is started again, its leftovers first
  stopped.stopped.back().first = "web";
  std::erase_if(stopped.jails, [](const ObservedJail& j) { return j.name == "web"; });
  p = plan_of(without_app, stopped);
  REQUIRE(p.find("web") != nullptr);
  CHECK(p.find("web")->action == Action::create);
  CHECK(p.find("web")->reason == Reason::half_stopped);
}

TEST_CASE("destroy on the fake host: a failing exec.stop says --force exists; --force removes the jail") {
  FakeHost h;
  const std::string file =
      h.write_site(edited(k_site, "exec.clean;", "exec.clean;\n  exec.stop = \"/bin/sh -c 'exit 3'\";"));
  REQUIRE(h.apply(file).rc == 0);
  REQUIRE(fs::exists(h.dir() / "jails" / "web" / "started"));
  Run r = h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", file, "web"});
  INFO(r.out << r.err);
  CHECK(r.rc == 1);
  CHECK(r.err.find("'jailplan destroy --force' removes it without its stop hooks") != std::string::npos);
  CHECK(h.jail(h.state(), "web") != nullptr);
  // the stop began: the jail is not called in sync
  CHECK(h.plan(file).rc == 2);
  r = h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", "--force", file, "web"});
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(r.out.find("forced: no stop hooks") != std::string::npos);
  const auto s = h.state();
  CHECK(h.jail(s, "web") == nullptr);
  CHECK(h.mounts_below(s, "web").empty());
  CHECK(h.addresses(s).count("em0 198.51.100.10") == 0);
  CHECK_FALSE(fs::exists(h.dir() / "db" / "applied" / "web.json"));
  CHECK(fs::exists(h.dir() / "jails" / "web" / "started"));  // exec.poststop did not run
  CHECK(h.jail(s, "db") != nullptr);                         // web depends on db, not the other way
  REQUIRE(h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", "--all", file}).rc == 0);
  check_empty(h);
}

TEST_CASE(
    "destroy on the fake host: jailplan killed (SIGKILL) by a stop hook; plan, status, apply finish it") {
  FakeHost h;
  // web's exec.stop kills the jailplan that runs it (the fake's jexec execs
  // the command: its parent is jailplan), once
  const std::string file = h.write_site(edited(
      k_site, "exec.clean;",
      "exec.clean;\n  exec.stop = \"/bin/sh -c 'test -e killed || { touch killed; kill -9 \\$PPID; }'\";"));
  REQUIRE(h.apply(file).rc == 0);
  Run r = h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", "--all", file});
  INFO(r.out << r.err);
  REQUIRE(fs::exists(h.dir() / "jails" / "web" / "killed"));
  CHECK(r.rc != 0);
  CHECK(r.out.find("destroy complete") == std::string::npos);
  CHECK(h.jail(h.state(), "web") != nullptr);  // its service stopped, the jail not removed
  // not in sync: plan, status and explain say what happened
  CHECK(h.plan(file).rc == 2);
  r = h.jailplan({"status", "--backend", "freebsd", file});
  std::string web_line;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (line.find(" web ") != std::string::npos) web_line = line;
  CHECK(web_line.find("restart (half-stopped)") != std::string::npos);
  r = h.jailplan({"explain", "--backend", "freebsd", "web"});
  CHECK(r.out.find("its last stop was cut short") != std::string::npos);
  // the next apply finishes the stop and starts it again, whole
  r = h.apply(file);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(r.out.find("an earlier run was interrupted while stopping it") != std::string::npos);
  CHECK(h.plan(file).rc == 0);
  check_whole(h);
  CHECK(fs::exists(h.dir() / "jails" / "web" / "started"));
  REQUIRE(h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", "--all", file}).rc == 0);
  check_empty(h);
}
