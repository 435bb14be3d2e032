// Drift on the fake FreeBSD host (tests/fakebsd): the site is applied, then
// changed behind jailplan's back with the host's own tools (jail -m,
// ifconfig -alias, umount, rctl -a, jail -r); `jailplan drift` and `plan
// --refresh-only` report it (exit 2), the plan labels it and apply sets it
// back, after which there is no drift (exit 0).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fake_host_cli.hpp"

using nlohmann::json;
using namespace jailplan::test;

namespace {

/// Runs one of the fake host's tools, as an admin would by hand.
void by_hand(const FakeHost& h, std::vector<std::string> argv) {
  argv[0] = (h.dir() / "path" / argv[0]).string();
  const Run r = h.jailplan_via(argv);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
}

Run drift(const FakeHost& h, const std::string& file, bool as_json = false) {
  std::vector<std::string> args{"drift", "--backend", "freebsd", file};
  if (as_json) args.emplace_back("--json");
  return h.jailplan(args);
}

/// The drift is reported, labelled in the plan, and set back by apply.
void check_drift_fixed(const FakeHost& h, const std::string& file, const std::string& line) {
  {
    const Run d = drift(h, file);
    INFO(d.out << d.err);
    CHECK(d.rc == 2);
    CHECK(d.out.find("! changed outside jailplan: " + line) != std::string::npos);
    const Run refresh = h.jailplan({"plan", "--backend", "freebsd", "--refresh-only", file});
    CHECK(refresh.rc == 2);
    CHECK(refresh.out == d.out);
    const Run p = h.plan(file);
    INFO(p.out);
    CHECK(p.rc == 2);
    CHECK(p.out.find("! changed outside jailplan: " + line) != std::string::npos);
  }
  const Run r = h.apply(file);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  check_whole(h);
  const Run after = drift(h, file);
  INFO(after.out << after.err);
  CHECK(after.rc == 0);
  CHECK(after.out.find("No drift") != std::string::npos);
  CHECK(h.plan(file).rc == 0);
}

}  // namespace

TEST_CASE("fake FreeBSD host: drift of each kind is reported, labelled and set back") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  {
    const Run r = h.apply(file);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
  }
  {
    const Run d = drift(h, file);
    INFO(d.out << d.err);
    CHECK(d.rc == 0);
  }
  SUBCASE("a hostname changed with jail -m") {
    by_hand(h, {"jail", "-m", "name=web", "host.hostname=evil.example.org"});
    check_drift_fixed(h, file, "parameter host.hostname: \"web.example.org\" → \"evil.example.org\"");
    CHECK(h.jail(h.state(), "web")->at("params").at("host.hostname") == "web.example.org");
  }
  SUBCASE("an alias removed with ifconfig -alias") {
    by_hand(h, {"ifconfig", "em0", "inet", "198.51.100.11", "-alias"});
    check_drift_fixed(h, file, "alias em0 inet 198.51.100.11: present → absent");
  }
  SUBCASE("a devfs unmounted") {
    by_hand(h, {"umount", (h.dir() / "jails/web/dev").string()});
    check_drift_fixed(h, file,
                      "mount devfs on " + (h.dir() / "jails/web/dev").string() + ": mounted → not mounted");
  }
  SUBCASE("an rctl rule changed") {
    by_hand(h, {"rctl", "-a", "jail:db:memoryuse:deny=1G"});
    check_drift_fixed(h, file, "limit memoryuse:deny: 512M → 1073741824");
    CHECK(h.state()["rctl"] == json::array({"jail:db:memoryuse:deny=512M"}));
  }
  SUBCASE("an rctl rule removed") {
    by_hand(h, {"rctl", "-r", "jail:db"});
    check_drift_fixed(h, file, "limit memoryuse:deny: 512M → (none)");
  }
  SUBCASE("a jail removed with jail -r") {
    by_hand(h, {"jail", "-r", "worker"});
    check_drift_fixed(h, file, "stopped jail: running (jid ");
  }
  SUBCASE("as JSON: drift --json, and a drift section in plan --json") {
    by_hand(h, {"jail", "-m", "name=web", "host.hostname=evil.example.org"});
    const Run d = drift(h, file, true);
    INFO(d.out << d.err);
    CHECK(d.rc == 2);
    const json doc = json::parse(d.out);
    CHECK(doc["format"] == "jailplan-drift");
    REQUIRE(doc["drift"].size() == 1);
    CHECK(doc["drift"][0] == json{{"jail", "web"},
                                  {"kind", "parameter"},
                                  {"what", "host.hostname"},
                                  {"recorded", "\"web.example.org\""},
                                  {"observed", "\"evil.example.org\""}});
    const Run p = h.jailplan({"plan", "--backend", "freebsd", "--json", file});
    const json plan = json::parse(p.out);
    CHECK(plan["drift"] == doc["drift"]);
  }
}
