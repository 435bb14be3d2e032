// The Linux backend's plan-time checks: names it cannot store, addresses
// shared by accident, links and routes that are gone.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "executor/command_runner.hpp"
#include "executor/linux/enforcement.hpp"
#include "executor/linux/host_plan.hpp"
#include "executor/linux/names.hpp"
#include "executor/linux/routes.hpp"
#include "executor/linux/runtime.hpp"
#include "planner/addresses.hpp"
#include "planner/planner.hpp"
#include "planner/render.hpp"
#include "planner/snapshot.hpp"
#include "testutil.hpp"

using namespace jailplan;
namespace fs = std::filesystem;

namespace {

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

  test::TempDir tmp("plancheck");
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
  test::TempDir tmp("plancheck");
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

// ---- addresses shared by accident ----

namespace {

ObservedState running(const std::string& name, std::vector<std::string> addresses) {
  ObservedState s;
  ObservedJail j;
  j.name = name;
  j.jid = 7;
  j.params = {{"ip4.addr", std::move(addresses)}, {"name", {name}}, {"persist", {"true"}}};
  s.jails.push_back(std::move(j));
  return s;
}

const char* const k_shared =
    "path = /j/$name;\npersist;\n"
    "web { ip4.addr = 198.51.100.10; }\n"
    "api { ip4.addr = 198.51.100.10; }\n";

}  // namespace

TEST_CASE("addresses: two declared jails with one address: FreeBSD lets them share it, Linux does not") {
  const Compilation c = test::compile(k_shared);
  REQUIRE_MESSAGE(c.ok(), test::diags(c));  // the kernel's rule: both have exactly one
  CHECK(check_address_clashes(c.desired, {}, AddressSharing::single_only).empty());
  const Diagnostics d = check_address_clashes(c.desired, {}, AddressSharing::never);
  CHECK(test::summaries(d) ==
        "3:18: error: address 198.51.100.10 of jail \"web\" is also claimed by jail \"api\"\n");
  REQUIRE(d.items().size() == 1);
  REQUIRE(d.items()[0].notes.size() == 1);
  CHECK(d.items()[0].notes[0].message == "jail \"api\" claims it here");
  // the Linux row says the same at plan time, live or not
  CHECK(test::summaries(linux_plan_checks({}, c.desired, {}, false)) == test::summaries(d));
}

TEST_CASE("addresses: a jail running from another configuration owns its address") {
  const Compilation c =
      test::compile("web { path = /j/web; persist; ip4.addr = 198.51.100.10, 198.51.100.11; }\n");
  REQUIRE(c.ok());
  // FreeBSD: web has two addresses, so the kernel would refuse (IPv4 addresses clash)
  CHECK(
      test::summaries(check_address_clashes(c.desired, running("other", {"198.51.100.10"}),
                                            AddressSharing::single_only)) ==
      "1:42: error: address 198.51.100.10 of jail \"web\" is also claimed by jail \"other\", running on this "
      "host and not in this configuration\n");
  // one address each: FreeBSD shares, Linux does not
  const Compilation one = test::compile("web { path = /j/web; persist; ip4.addr = 198.51.100.10; }\n");
  CHECK(check_address_clashes(one.desired, running("other", {"198.51.100.10"}), AddressSharing::single_only)
            .empty());
  CHECK(check_address_clashes(one.desired, running("other", {"198.51.100.10"}), AddressSharing::never)
            .has_errors());
  // the declared jail of that name is the one that will run: no clash with itself
  CHECK(check_address_clashes(one.desired, running("web", {"198.51.100.10"}), AddressSharing::never).empty());
}

TEST_CASE("addresses: a vnet jail has a stack of its own; a child shares as any jail does") {
  const Compilation c = test::compile(
      "path = /j/$name;\npersist;\n"
      "a { ip4.addr = 198.51.100.10; children.max = 1; }\n"
      "a.b { ip4.addr = 198.51.100.10; }\n"
      "v { vnet; }\n");
  REQUIRE_MESSAGE(c.ok(), test::diags(c));
  ObservedState host = running("w", {"198.51.100.20"});
  host.jails[0].params.push_back({"vnet", {"new"}});
  CHECK(check_address_clashes(c.desired, host, AddressSharing::single_only).empty());
  // on Linux a.b is a jail with a link of its own: it cannot share a's address
  CHECK(test::summaries(check_address_clashes(c.desired, host, AddressSharing::never)) ==
        "3:16: error: address 198.51.100.10 of jail \"a\" is also claimed by jail \"a.b\"\n");
}

TEST_CASE("addresses: the host's own addresses and the gateways of jails' links (Linux)") {
  const Compilation c = test::compile(
      "path = /j/$name;\npersist;\n"
      "web { ip4.addr = 198.51.100.10; }\n"
      "gw { ip4.addr = 198.51.100.1; }\n"
      "lan { ip4.addr = 10.9.8.7; }\n");
  REQUIRE(c.ok());
  ObservedState host;
  host.addresses = {{"eth0", "inet", "10.9.8.7"}, {"jp4242", "inet", "198.51.100.1"}};
  const std::string got = test::summaries(linux_plan_checks({}, c.desired, host, false));
  CHECK(got.find("4:17: error: address 198.51.100.1 of jail \"gw\" is the gateway on a jail's link (jp4242) "
                 "on the host") != std::string::npos);
  CHECK(got.find("5:18: error: address 10.9.8.7 of jail \"lan\" is the host's own (on interface eth0)") !=
        std::string::npos);
  // web's link shares its gateway with the jail whose link is jp4242
  CHECK(got.find("jail \"web\"'s link would hold") == std::string::npos);
  // lan2's link would take 10.9.8.1, the host's own address
  const Compilation lan2 = test::compile("lan2 { path = /j/l; persist; ip4.addr = 10.9.8.50; }\n");
  ObservedState eth0;
  eth0.addresses = {{"eth0", "inet", "10.9.8.1"}};
  CHECK(test::summaries(linux_plan_checks({}, lan2.desired, eth0, false)) ==
        "1:41: error: jail \"lan2\"'s link would hold 10.9.8.1 as its gateway, which is the host's own (on "
        "interface eth0)\n");
  // nothing running: web's link will hold 198.51.100.1, its gateway
  const std::string fresh = test::summaries(linux_plan_checks({}, c.desired, {}, false));
  CHECK(fresh ==
        "4:17: error: address 198.51.100.1 of jail \"gw\" is the gateway jail \"web\"'s link gets on the "
        "host\n");
}

TEST_CASE("addresses: plan refuses, located, on a live Linux host and for a FreeBSD snapshot") {
  test::TempDir tmp("plancheck");
  fs::create_directories(tmp.path + "/jails/web");
  // 127.0.0.1 is on every host's lo
  const std::string conf = fmt::format(
      "path = {}/jails/web;\npersist;\nweb {{ ip4.addr = 127.0.0.1; }}\nweb2 {{ ip4.addr = 198.51.100.99; "
      "}}\n"
      "web3 {{ ip4.addr = 198.51.100.99; }}\n",
      tmp.path);
  const Run r = run({"plan", "--backend", "linux", "site.conf"}, conf, tmp.path);
  CHECK(r.rc == 1);
  CHECK(r.err.find(
            "site.conf:3:18: error: address 127.0.0.1 of jail \"web\" is the host's own (on interface lo)") !=
        std::string::npos);
  CHECK(
      r.err.find(
          "site.conf:4:19: error: address 198.51.100.99 of jail \"web2\" is also claimed by jail \"web3\"") !=
      std::string::npos);
  // the host's router: a jail taking it, or a link whose gateway it is
  std::string error;
  const auto net = linux_net::read_host_network(error);
  for (const auto& route : net.routes) {
    if (route.family != AF_INET || !route.destination.empty() || route.gateway.empty()) continue;
    const std::string router = route.gateway;
    const std::string near = router.substr(0, router.rfind('.')) + ".250";
    const Run via =
        run({"plan", "--backend", "linux", "site.conf"},
            fmt::format("path = {}/jails/web;\npersist;\nr {{ ip4.addr = {}; }}\nn {{ ip4.addr = {}; }}\n",
                        tmp.path, router, near),
            tmp.path);
    CHECK(via.rc == 1);
    CHECK(via.err.find(fmt::format("error: address {} of jail \"r\" is the host's router (its default route",
                                   router)) != std::string::npos);
    if (router.substr(router.rfind('.')) == ".1")
      CHECK(via.err.find(fmt::format(
                "jail \"n\"'s link would hold {} as its gateway, which is the host's router", router)) !=
            std::string::npos);
    break;
  }
  // a FreeBSD host's snapshot with a stranger holding two addresses
  test::MemoryLoader loader(
      {{"site.conf", "web { path = /j/web; persist; ip4.addr = 198.51.100.10; }\n"},
       {"snap.json", R"({"format": "jailplan-state", "version": 1, "jails": [{"name": "other", "jid": 3,
          "params": {"ip4.addr": ["198.51.100.10", "198.51.100.20"], "persist": true}, "applied": null}]})"}});
  std::ostringstream out, err;
  World w{loader, out, err, false};
  CHECK(run_cli({"plan", "--state", "snap.json", "site.conf"}, w) == 1);
  CHECK(err.str().find("site.conf:1:42: error: address 198.51.100.10 of jail \"web\" is also claimed by jail "
                       "\"other\", running on this host") != std::string::npos);
}

TEST_CASE("faults: a running jail whose link is broken is restarted, and the plan says why") {
  const Compilation c = test::compile("web { path = /j/web; persist; }\n");
  ObservedState s;
  ObservedJail j;
  j.name = "web";
  j.jid = 1;
  j.params = {{"name", {"web"}}, {"path", {"/j/web"}}, {"persist", {"true"}}};
  j.faults = {"its link jp1 is down"};
  s.jails.push_back(j);
  const Plan p = make_plan(c.desired, s, PlanOptions{false, "test"});
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].action == Action::restart);
  CHECK(p.jails[0].reason == Reason::damaged);
  CHECK(p.jails[0].note == "its link jp1 is down");
  CHECK(render_human(p, HumanOptions{}).find("# note: its link jp1 is down") != std::string::npos);
  // the snapshot keeps what the observer found
  const std::string snap = render_snapshot(s);
  CHECK(snap.find("\"faults\"") != std::string::npos);
  SourceSet sources;
  const auto back = parse_snapshot(sources.add("s.json", snap));
  REQUIRE(back.ok());
  CHECK(back.value().jails.at(0).faults == j.faults);
}

TEST_CASE("routes: the host's links, addresses and routes are read") {
  std::string error;
  const auto net = linux_net::read_host_network(error);
  REQUIRE_MESSAGE(error.empty(), error);
  const auto* lo = net.link("lo");
  REQUIRE(lo != nullptr);
  CHECK(lo->up);
  CHECK(std::any_of(net.addresses.begin(), net.addresses.end(),
                    [&](const auto& a) { return a.index == lo->index && a.text == "127.0.0.1"; }));
}

// ---- a real jail whose link breaks (root and namespaces) ----

namespace {

/// The jailplan binary and `ip` run against a Linux host of the test's own
/// (runtime and state directories, lock).
struct LiveHost {
  test::TempDir tmp{"plancheck"};
  std::string conf;

  CommandResult run(std::vector<std::string> argv) const {
    Command c;
    c.argv = std::move(argv);
    c.env = std::vector<std::string>{
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "JAILPLAN_RUNTIME_DIR=" + tmp.path + "/run",
        "JAILPLAN_STATE_DIR=" + tmp.path + "/state", "JAILPLAN_LOCK=" + tmp.path + "/lock", "NO_COLOR=1"};
    c.timeout = std::chrono::seconds(60);
    PosixCommandRunner runner;
    return runner.run(c);
  }
  CommandResult jailplan(const std::string& command, std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv{JAILPLAN_BINARY, command, "--backend", "linux", conf};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(std::move(argv));
  }
  ~LiveHost() { jailplan("destroy", {"--all", "--auto-approve"}); }
};

}  // namespace

TEST_CASE(
    "faults: a live jail whose link is down or whose route is gone is planned for restart, and mended") {
  if (::geteuid() != 0) {
    MESSAGE("SKIPPED: needs root to make a jail");
    return;
  }
  LiveHost h;
  const std::string root = h.tmp.path + "/jails/f";  // inside mkdtemp's 0700 directory
  REQUIRE(std::system(fmt::format("{}/scripts/mkroot.sh {} >/dev/null", JAILPLAN_SOURCE_DIR, root).c_str()) ==
          0);
  const std::string name = fmt::format("fault{}", ::getpid());
  h.conf = h.tmp.path + "/site.conf";
  std::ofstream(h.conf) << fmt::format(
      "{} {{ path = \"{}\"; persist; ip4.addr = 198.18.77.77; exec.start = \"/bin/true\"; }}\n", name, root);
  auto r = h.jailplan("apply", {"--auto-approve"});
  REQUIRE_MESSAGE(r.ok(), r.out << r.err);
  r = h.jailplan("plan", {"--detailed-exitcode"});
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  const auto veth = [&] {
    const auto rt = linux_jail::read_runtime(h.tmp.path + "/run", name);
    REQUIRE_MESSAGE(rt, rt.message());
    return rt->veth;
  };

  REQUIRE(h.run({"ip", "link", "set", veth(), "down"}).ok());
  r = h.jailplan("plan", {"--detailed-exitcode"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("part of it is broken") != std::string::npos);
  CHECK(r.out.find(fmt::format("its link {} is down", veth())) != std::string::npos);
  r = h.jailplan("apply", {"--auto-approve"});
  REQUIRE_MESSAGE(r.ok(), r.out << r.err);
  r = h.jailplan("plan", {"--detailed-exitcode"});
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);

  REQUIRE(h.run({"ip", "route", "del", "198.18.77.77/32"}).ok());
  r = h.jailplan("plan", {"--detailed-exitcode"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(fmt::format("the host has no route to 198.18.77.77 through {}", veth())) !=
        std::string::npos);
  r = h.jailplan("apply", {"--auto-approve"});
  REQUIRE_MESSAGE(r.ok(), r.out << r.err);
  r = h.jailplan("plan", {"--detailed-exitcode"});
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
}

TEST_CASE("paths: a live Linux plan refuses, located, a jail path through a symbolic link") {
  const test::TempDir tmp("linked");
  const std::string& dir = tmp.path;
  fs::create_directory(dir + "/real");
  fs::create_directory_symlink(dir + "/real", dir + "/link");
  const Compilation c = test::compile(fmt::format(R"(linked {{ path = "{0}/link/jail"; persist; }}
direct {{ path = "{0}/real/jail"; persist; }}
)",
                                                  dir));
  REQUIRE(c.ok());
  // live: the host's paths are read; a snapshot's are not this host's
  const std::string live = test::summaries(linux_plan_checks({}, c.desired, {}, true));
  CHECK(live.find(fmt::format("1:10: error: jail linked: path {0}/link/jail: {0}/link is a symbolic link",
                              dir)) != std::string::npos);
  CHECK(live.find("jail direct") == std::string::npos);
  CHECK(test::summaries(linux_plan_checks({}, c.desired, {}, false)).find("symbolic link") ==
        std::string::npos);
  fs::remove_all(dir);
}
