// The planner's decisions: per-parameter effects, per-jail actions,
// ownership, ordering and cascades, and the steps they expand into.
#include <doctest/doctest.h>

#include "planner_util.hpp"

using namespace jailplan;
using namespace jailplan::test;

namespace {

const char* const k_base = R"(
www {
  path = /j/www;
  host.hostname = www.example.org;
  ip4.addr = "em0|198.51.100.10/24";
  mount.devfs;
  exec.start = "/bin/sh /etc/rc";
  exec.stop = "/bin/sh /etc/rc.shutdown jail";
}
)";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  const auto at = from == "}" ? s.rfind(from) : s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("plan: a jail that is not running is created with jail(8)'s start sequence") {
  const auto c = site(k_base);
  const Plan p = plan_of(c, ObservedState{});
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].action == Action::create);
  CHECK(steps_of(p.jails[0]) ==
        "alias-add \"inet\" \"em0\" \"198.51.100.10\" \"/24\"\n"
        "mount.devfs \"/j/www/dev\" \"4\"\n"
        "create \"name=www\" \"host.hostname=www.example.org\" \"ip4.addr=198.51.100.10\" \"path=/j/www\" "
        "\"persist\"\n"
        "exec.start \"/bin/sh /etc/rc\"\n"
        "drop-persist\n"
        "record\n");
  CHECK(summary_line(p) == "Plan: 1 to create, 0 to update in place, 0 to restart or replace, 0 to destroy.");
}

TEST_CASE("plan: applying and planning again gives No changes") {
  ModelHost host = applied(k_base);
  const auto c = site(k_base);
  const Plan p = plan_of(c, host.state);
  CHECK(actions_of(p).empty());
  CHECK(summary_line(p) == "No changes.");
}

TEST_CASE("plan: each kind of parameter change has its effect") {
  struct Row {
    std::string what;
    std::string from, to;
    Action action;
    const char* changes;
  };
  const Row rows[] = {
      {"hostname is set in place", "www.example.org;", "web.example.org;", Action::update,
       "host.hostname:update"},
      {"path is create-only", "path = /j/www;", "path = /j/web;", Action::replace, "path:replace"},
      // as jail -cmr: a running jail's exec.start matters only at its next start
      {"exec.start is recorded for the next start", "exec.start = \"/bin/sh /etc/rc\";",
       "exec.start = \"/bin/sh /etc/rc\", x;", Action::update, "exec.start:next-start"},
      {"so is how hooks run", "mount.devfs;", "mount.devfs; exec.jail_user = www; exec.clean;",
       Action::update, "exec.clean:next-start exec.jail_user:next-start"},
      {"exec.stop is used at stop", "/etc/rc.shutdown jail", "/etc/rc.shutdown", Action::update,
       "exec.stop:record"},
      {"a new flag", "mount.devfs;", "mount.devfs; allow.raw_sockets;", Action::update,
       "allow.raw_sockets:update"},
      {"securelevel is raised in place", "mount.devfs;", "mount.devfs; securelevel = 2;", Action::update,
       "securelevel:update"},
      {"a mount is used at start", "mount.devfs;", "mount.devfs; mount.procfs;", Action::restart,
       "mount.procfs:restart"},
      {"ip4=new is reported as disable", "mount.devfs;", "mount.devfs; ip4 = new;", Action::none, ""},
      {"depend only orders", "}", "depend = www2; } www2 { path = /j/w2; persist; }", Action::update,
       "depend:record"},
      {"a trailing slash is the same path", "path = /j/www;", "path = /j/www/;", Action::update,
       "path:record"},
      {"the same flag spelled another way", "mount.devfs;", "mount.devfs; allow.nomount;", Action::none, ""},
      {"allow.mount = false is the default", "mount.devfs;", "mount.devfs; allow.mount = false;",
       Action::none, ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.what);
    ModelHost host = applied(k_base);
    const auto c = site(replace_all(k_base, r.from, r.to));
    const Plan p = plan_of(c, host.state);
    const JailChange* j = p.find("www");
    INFO(render_human(p, {}));
    if (r.action == Action::none) {
      CHECK(j == nullptr);
      continue;
    }
    REQUIRE(j != nullptr);
    CHECK(j->action == r.action);
    CHECK(changes_of(*j) == r.changes);
    host.apply(p);
    CHECK(summary_line(plan_of(c, host.state)) == "No changes.");
  }
}

TEST_CASE("plan: an in-place address change adds and removes aliases around jail -m") {
  ModelHost host = applied(k_base);
  const auto c = site(replace_all(k_base, "\"em0|198.51.100.10/24\"", "\"em0|198.51.100.20/24\""));
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].action == Action::update);
  CHECK(steps_of(p.jails[0]) ==
        "alias-add \"inet\" \"em0\" \"198.51.100.20\" \"/24\"\n"
        "set \"ip4.addr=198.51.100.20\"\n"
        "alias-remove \"inet\" \"em0\" \"198.51.100.10\" \"/24\"\n"
        "record\n");
  host.apply(p);
  CHECK(plan_of(c, host.state).jails.empty());
}

TEST_CASE("plan: a changed devfs_ruleset is set in the kernel and applied to the mounted /dev") {
  // jail -m changes only the kernel's value; the /dev mount.devfs made
  // gets the new rules as rc.subr's devfs_domount gives them
  const std::string before = replace_all(k_base, "mount.devfs;", "mount.devfs; devfs_ruleset = 4;");
  ModelHost host = applied(before);
  const auto c = site(replace_all(k_base, "mount.devfs;", "mount.devfs; devfs_ruleset = 5;"));
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].action == Action::update);
  CHECK(changes_of(p.jails[0]) == "devfs_ruleset:update");
  CHECK(steps_of(p.jails[0]) ==
        "set \"devfs_ruleset=5\"\n"
        "devfs_ruleset \"/j/www/dev\" \"5\"\n"
        "record\n");
  CHECK(p.jails[0].steps[1].phase == Phase::update);
  HumanOptions o;
  o.explain = true;
  const std::string text = render_human(p, o);
  CHECK(text.find("# changed in place (jail -m); a /dev mounted by mount.devfs gets its rules in the "
                  "devfs_ruleset step") != std::string::npos);
  CHECK(text.find("[update] devfs_ruleset \"/j/www/dev\" \"5\"") != std::string::npos);
  host.apply(p);
  CHECK(plan_of(c, host.state).jails.empty());

  // without a devfs mount there is only the kernel's value to change
  const std::string no_dev = replace_all(before, "mount.devfs;", "");
  ModelHost bare = applied(no_dev);
  const Plan q = plan_of(site(replace_all(no_dev, "devfs_ruleset = 4;", "devfs_ruleset = 5;")), bare.state);
  REQUIRE(q.jails.size() == 1);
  CHECK(steps_of(q.jails[0]) == "set \"devfs_ruleset=5\"\nrecord\n");
}

TEST_CASE("plan: only the mask of an address changed: aliases move, the kernel is untouched") {
  ModelHost host = applied(k_base);
  const auto c = site(replace_all(k_base, "198.51.100.10/24", "198.51.100.10/25"));
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(steps_of(p.jails[0]) ==
        "alias-remove \"inet\" \"em0\" \"198.51.100.10\" \"/24\"\n"
        "alias-add \"inet\" \"em0\" \"198.51.100.10\" \"/25\"\n"
        "record\n");
  host.apply(p);
  CHECK(plan_of(c, host.state).jails.empty());
}

TEST_CASE("plan: a replaced jail is torn down as it was applied and built as declared") {
  ModelHost host = applied(k_base);
  std::string changed = replace_all(k_base, "path = /j/www;", "path = /j/web;");
  changed = replace_all(changed, "mount.devfs;", "mount.procfs;");
  const auto c = site(changed);
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(headline(p.jails[0]) == "jail \"www\" will be replaced (path changed)");
  CHECK(steps_of(p.jails[0]) ==
        "exec.stop \"/bin/sh /etc/rc.shutdown jail\"\n"
        "term \"10\"\n"
        "remove\n"
        "umount.devfs \"/j/www/dev\"\n"
        "alias-remove \"inet\" \"em0\" \"198.51.100.10\" \"/24\"\n"
        "alias-add \"inet\" \"em0\" \"198.51.100.10\" \"/24\"\n"
        "mount.procfs \"/j/web/proc\"\n"
        "create \"name=www\" \"host.hostname=www.example.org\" \"ip4.addr=198.51.100.10\" \"path=/j/web\" "
        "\"persist\"\n"
        "exec.start \"/bin/sh /etc/rc\"\n"
        "drop-persist\n"
        "record\n");
}

TEST_CASE("plan: kernel values compare by meaning, absent ones by their default") {
  const auto c = site("a { path = /j/a; persist; ip4.addr = 198.51.100.3, 198.51.100.9, 198.51.100.1; }");
  SUBCASE("the kernel sorts all addresses but the first") {
    const Plan p =
        plan_of(c, jls("name=a jid=1 path=/j/a persist ip4.addr=198.51.100.3,198.51.100.1,198.51.100.9 "
                       "allow.noraw_sockets"));
    CHECK(actions_of(p) == "~a");  // adopted: no record yet
    CHECK(p.jails[0].reason == Reason::adopt);
    CHECK(p.jails[0].changes.empty());
  }
  SUBCASE("a flag absent from the spec is its default") {
    const Plan p =
        plan_of(c, jls("name=a jid=1 path=/j/a persist ip4.addr=198.51.100.3,198.51.100.1,198.51.100.9 "
                       "allow.raw_sockets"));
    REQUIRE(p.jails.size() == 1);
    CHECK(changes_of(p.jails[0]) == "allow.raw_sockets:update");
    CHECK(steps_of(p.jails[0]) == "set \"allow.noraw_sockets\"\nrecord\n");
  }
  SUBCASE("a value the observer does not report is unknown, not different") {
    const Plan p = plan_of(c, jls("name=a jid=1 path=/j/a"));
    REQUIRE(p.jails.size() == 1);
    CHECK(changes_of(p.jails[0]) == "ip4.addr:update persist:update");
    CHECK(p.jails[0].changes[0].before_unknown);
  }
  SUBCASE("a different jid forces replacement") {
    const auto cj = site("a { jid = 5; path = /j/a; persist; }");
    const Plan p = plan_of(cj, jls("name=a jid=1 path=/j/a persist"));
    REQUIRE(p.jails.size() == 1);
    CHECK(p.jails[0].action == Action::replace);
    CHECK(p.jails[0].subject == "jid");
  }
  SUBCASE("a dying jail does not count as running") {
    const Plan p = plan_of(c, jls("name=a jid=1 path=/j/a dying=true"));
    CHECK(actions_of(p) == "+a");
  }
}

TEST_CASE("plan: a child's allow.* defaults to what its parent has") {
  const auto c = site(
      "p { path = /j/p; persist; allow.noset_hostname; children.max = 2; }\n"
      "p.c { path = /j/p/c; persist; }");
  ModelHost host = applied(
      "p { path = /j/p; persist; allow.noset_hostname; children.max = 2; }\n"
      "p.c { path = /j/p/c; persist; }");
  CHECK(find_param(host.jail("p.c")->params, "allow.set_hostname")->values.back() == "false");
  const Plan p = plan_of(c, host.state);
  INFO(render_human(p, {}));
  CHECK(p.jails.empty());
}

TEST_CASE("plan: ownership: unmanaged jails are left alone, created ones pruned only when asked") {
  ModelHost host = applied("old { path = /j/old; persist; mount.devfs; }\nkeep { path = /j/keep; persist; }");
  host.state.jails.push_back(jls("name=stranger jid=99 path=/j/x persist").jails[0]);
  host.state.normalize();
  const auto c = site("keep { path = /j/keep; persist; }");
  const Plan kept = plan_of(c, host.state);
  CHECK(kept.jails.empty());
  CHECK(kept.orphans == std::vector<std::string>{"old"});
  CHECK(kept.unmanaged == std::vector<std::string>{"stranger"});
  const Plan pruned = plan_of(c, host.state, true);
  REQUIRE(pruned.jails.size() == 1);
  CHECK(headline(pruned.jails[0]) == "jail \"old\" will be destroyed (no longer declared, --prune)");
  CHECK(steps_of(pruned.jails[0]) == "term \"10\"\nremove\numount.devfs \"/j/old/dev\"\nforget\n");
  host.apply(pruned);
  CHECK(host.jail("old") == nullptr);
  CHECK(host.jail("stranger") != nullptr);
  CHECK(host.state.mounts.empty());
  const Plan again = plan_of(c, host.state, true);
  CHECK(again.jails.empty());
  CHECK(again.unmanaged == std::vector<std::string>{"stranger"});
}

TEST_CASE("plan: dependency order with name tie-breaks, and restarts that cascade") {
  const std::string text =
      "web { path = /j/web; persist; depend = db; }\n"
      "db { path = /j/db; persist; children.max = 1; }\n"
      "api { path = /j/api; persist; depend = db; }\n"
      "cache { path = /j/cache; persist; }\n"
      "db.child { path = /j/db/child; persist; }\n";
  const auto c = site(text);
  CHECK(actions_of(plan_of(c, ObservedState{})) == "+cache +db +api +db.child +web");
  ModelHost host = applied(text);
  const auto changed = site(replace_all(text, "db { path = /j/db;", "db { path = /j/db2;"));
  const Plan p = plan_of(changed, host.state);
  CHECK(actions_of(p) == "-/+db ↻api ↻db.child ↻web");
  CHECK(headline(*p.find("api")) == "jail \"api\" will be restarted (it depends on 'db', which stops)");
  CHECK(headline(*p.find("db.child")) ==
        "jail \"db.child\" will be restarted (its parent 'db' is re-created)");
  CHECK(p.find("web")->depends_on.size() == 1);
  CHECK(p.find("web")->depends_on.at(0) == "db");
  host.apply(p);
  CHECK(plan_of(changed, host.state).jails.empty());
}

TEST_CASE("plan: a record for another jid means the jail was re-created behind jailplan's back") {
  ModelHost host = applied("a { path = /j/a; persist; }");
  host.jail("a")->jid = 42;
  const auto c = site("a { path = /j/a; persist; }");
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].reason == Reason::adopt);
  CHECK(p.jails[0].note.find("jid 1") != std::string::npos);
}

TEST_CASE("plan: a recorded jail that died has its leftovers cleaned up before it starts again") {
  ModelHost host = applied("a { path = /j/a; persist; mount.devfs; mount.procfs; }");
  // the jail died on its own: the kernel forgot it, the mounts stayed
  host.state.stopped.emplace_back("a", *host.jail("a")->applied);
  host.state.jails.clear();
  host.state.mounts.pop_back();  // procfs happened to be unmounted already
  const auto c = site("a { path = /j/a; persist; mount.devfs; mount.procfs; }");
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].reason == Reason::stopped_out);
  CHECK(steps_of(p.jails[0]) ==
        "umount.devfs \"/j/a/dev\"\n"
        "mount.devfs \"/j/a/dev\" \"4\"\n"
        "mount.procfs \"/j/a/proc\"\n"
        "create \"name=a\" \"path=/j/a\" \"persist\"\n"
        "record\n");
  host.apply(p);
  CHECK(plan_of(c, host.state).jails.empty());
}

TEST_CASE("plan: --restart-changed restarts a jail whose start-time settings changed, now") {
  ModelHost host = applied(k_base);
  const auto c = site(replace_all(k_base, "mount.devfs;", "mount.devfs; exec.poststart = \"echo hi\";"));
  PlanOptions options{false, "test"};
  options.restart_changed = true;
  const Plan p = make_plan(c.desired, host.state, options);
  const JailChange* j = p.find("www");
  REQUIRE(j != nullptr);
  CHECK(j->action == Action::restart);
  CHECK(headline(*j) == "jail \"www\" will be restarted (exec.poststart changed, used at start)");
  // without it: recorded, and the plan says when it takes effect
  const Plan later = plan_of(c, host.state);
  REQUIRE(later.find("www") != nullptr);
  CHECK(
      headline(*later.find("www")) ==
      "jail \"www\" will be updated in place (exec.poststart changed: recorded, in effect at its next start; "
      "--restart-changed restarts it now)");
  CHECK(steps_of(*later.find("www")) == "record\n");
}

TEST_CASE("plan: adopting a running jail adds no alias the host already holds") {
  // ifconfig ... alias of an address already configured deletes it and adds
  // it again: a gap in the jail's service
  const auto c =
      site(R"(web { path = /j/web; persist; ip4.addr = "em0|203.0.113.7/24", "em0|203.0.113.8/24"; })");
  ObservedState o = jls("jid=7 name=web path=/j/web persist ip4.addr=203.0.113.7\n");
  o.addresses.push_back({"em0", "inet", "203.0.113.7"});
  const Plan p = plan_of(c, o);
  REQUIRE(p.find("web") != nullptr);
  CHECK(p.find("web")->reason == Reason::adopt);
  CHECK(steps_of(*p.find("web")) ==
        "alias-add \"inet\" \"em0\" \"203.0.113.8\" \"/24\"\nset "
        "\"ip4.addr=203.0.113.7,203.0.113.8\"\nrecord\n");
}

TEST_CASE("plan: --restart-changed restarts also when a kernel change alone would be made in place") {
  ModelHost host = applied(k_base);
  const auto c = site(
      replace_all(k_base, "mount.devfs;", "mount.devfs; exec.poststart = \"echo hi\"; allow.raw_sockets;"));
  PlanOptions options{false, "test"};
  options.restart_changed = true;
  const Plan p = make_plan(c.desired, host.state, options);
  REQUIRE(p.find("www") != nullptr);
  CHECK(p.find("www")->action == Action::restart);
  CHECK(p.find("www")->subject == "exec.poststart");
}
