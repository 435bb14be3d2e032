// Drift: what changed outside jailplan, found by comparing each running
// jail's record with the observation (tests/model_host.hpp edits what the
// kernel holds behind the plan's back), labelled, and set back by the
// plan; the configuration plays no part.
#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "planner/plan_file.hpp"
#include "planner_util.hpp"

using namespace jailplan;
using namespace jailplan::test;

namespace {

const char* const k_site = R"(
www {
  path = /j/www;
  persist;
  host.hostname = www.example.org;
  ip4.addr = "em0|198.51.100.10/24";
  mount.devfs;
  $jailplan_rctl = "memoryuse:deny=512M";
}
)";

CanonParam* param_of(ObservedJail& j, const std::string& name) {
  for (auto& p : j.params)
    if (p.name == name) return &p;
  return nullptr;
}

std::string replace_all_of(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string drift_of(const JailChange& j) {
  std::string out;
  for (const auto& d : j.drift) out += drift_text(d) + "\n";
  return out;
}

}  // namespace

TEST_CASE("drift: none after an apply, and a changed configuration is a change, not drift") {
  ModelHost host = applied(k_site);
  const auto c = site(k_site);
  CHECK(plan_of(c, host.state).jails.empty());
  const Plan p = plan_of(c, host.state);
  CHECK(!has_drift(p));
  const auto changed = site(replace_all_of(k_site, "www.example.org", "web.example.org"));
  const Plan edited = plan_of(changed, host.state);
  REQUIRE(edited.jails.size() == 1);
  CHECK(edited.jails[0].drift.empty());
  CHECK(edited.jails[0].reason == Reason::kernel_changed);
}

TEST_CASE("drift: a parameter changed with jail -m is labelled and set back in place") {
  ModelHost host = applied(k_site);
  param_of(*host.jail("www"), "host.hostname")->values = {"evil.example.org"};
  const auto c = site(k_site);
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  const JailChange& j = p.jails[0];
  CHECK(j.action == Action::update);
  CHECK(j.reason == Reason::drift);
  CHECK(drift_of(j) == "parameter host.hostname: \"www.example.org\" → \"evil.example.org\"\n");
  CHECK(headline(j) ==
        "jail \"www\" will be updated in place (host.hostname changed outside jailplan: setting it back)");
  CHECK(steps_of(j) == "set \"host.hostname=www.example.org\"\nrecord\n");
  const std::string text = render_human(p, HumanOptions{});
  CHECK(text.find("! changed outside jailplan: parameter host.hostname: \"www.example.org\" → "
                  "\"evil.example.org\"") != std::string::npos);
  host.apply(p);
  CHECK(plan_of(c, host.state).jails.empty());
}

TEST_CASE("drift: a removed alias is added again, in place") {
  ModelHost host = applied(k_site);
  std::erase_if(host.state.addresses, [](const ObservedAddress& a) { return a.address == "198.51.100.10"; });
  const auto c = site(k_site);
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  const JailChange& j = p.jails[0];
  CHECK(j.action == Action::update);
  CHECK(j.reason == Reason::drift);
  CHECK(drift_of(j) == "alias em0 inet 198.51.100.10: present → absent\n");
  CHECK(steps_of(j) == "alias-add \"inet\" \"em0\" \"198.51.100.10\" \"/24\"\nrecord\n");
  host.apply(p);
  CHECK(plan_of(c, host.state).jails.empty());
}

TEST_CASE("drift: an unmounted devfs restarts the jail, whose stop leaves the missing mount alone") {
  ModelHost host = applied(k_site);
  std::erase_if(host.state.mounts, [](const ObservedMount& m) { return m.target == "/j/www/dev"; });
  const auto c = site(k_site);
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  const JailChange& j = p.jails[0];
  CHECK(j.action == Action::restart);
  CHECK(j.reason == Reason::drift);
  CHECK(drift_of(j) == "mount devfs on /j/www/dev: mounted → not mounted\n");
  CHECK(headline(j) ==
        "jail \"www\" will be restarted (devfs on /j/www/dev changed outside jailplan: restarting it)");
  const std::string steps = steps_of(j);
  CHECK(steps.find("umount.devfs") == std::string::npos);
  CHECK(steps.find("mount.devfs \"/j/www/dev\" \"4\"") != std::string::npos);
  host.apply(p);  // an unmount of what is not mounted would fail here
  CHECK(plan_of(c, host.state).jails.empty());
}

TEST_CASE("drift: a changed or removed limit is set again with the declared rules") {
  ModelHost host = applied(k_site);
  const auto c = site(k_site);
  SUBCASE("the same limit in units is no drift") {
    host.jail("www")->limits = std::vector<std::string>{"memoryuse:deny=536870912"};
    CHECK(plan_of(c, host.state).jails.empty());
  }
  SUBCASE("changed") {
    host.jail("www")->limits = std::vector<std::string>{"memoryuse:deny=1073741824"};
    const Plan p = plan_of(c, host.state);
    REQUIRE(p.jails.size() == 1);
    CHECK(p.jails[0].action == Action::update);
    CHECK(p.jails[0].reason == Reason::drift);
    CHECK(drift_of(p.jails[0]) == "limit memoryuse:deny: 512M → 1073741824\n");
    CHECK(steps_of(p.jails[0]) == "limits \"memoryuse:deny=512M\"\nrecord\n");
  }
  SUBCASE("removed, another added") {
    host.jail("www")->limits = std::vector<std::string>{"maxproc:deny=10"};
    const Plan p = plan_of(c, host.state);
    REQUIRE(p.jails.size() == 1);
    CHECK(drift_of(p.jails[0]) == "limit maxproc:deny: (none) → 10\nlimit memoryuse:deny: 512M → (none)\n");
    CHECK(steps_of(p.jails[0]) == "limits \"memoryuse:deny=512M\"\nrecord\n");
  }
}

TEST_CASE("drift: a jail stopped outside jailplan is started again, and says so") {
  ModelHost host = applied(k_site);
  host.state.stopped.emplace_back("www", *host.jail("www")->applied);
  host.state.jails.clear();
  host.state.mounts.clear();
  host.state.addresses.clear();
  const auto c = site(k_site);
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  const JailChange& j = p.jails[0];
  CHECK(j.action == Action::create);
  CHECK(j.reason == Reason::stopped_out);
  CHECK(drift_of(j) == "stopped jail: running (jid 1) → not running\n");
  CHECK(headline(j) == "jail \"www\" will be created (it stopped outside jailplan: starting it again)");
  host.apply(p);
  CHECK(plan_of(c, host.state).jails.empty());
}

TEST_CASE("drift: the jail's own link (Linux) gets its addresses again") {
  ModelHost host = applied(k_site);
  host.jail("www")->link_addresses = std::vector<std::string>{};
  const auto c = site(k_site);
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].action == Action::update);
  CHECK(drift_of(p.jails[0]) == "alias 198.51.100.10 on the jail's link: present → absent\n");
  CHECK(steps_of(p.jails[0]) == "set \"ip4.addr=198.51.100.10\"\nrecord\n");
  host.jail("www")->link_addresses = std::vector<std::string>{"198.51.100.10"};
  CHECK(plan_of(c, host.state).jails.empty());
}

TEST_CASE("drift: a host whose lists are not whole (a jls snapshot) shows no mount or alias drift") {
  ModelHost host = applied(k_site);
  host.state.mounts.clear();
  host.state.addresses.clear();
  host.state.lists_mounts = host.state.lists_aliases = false;
  CHECK(plan_of(site(k_site), host.state).jails.empty());
}

TEST_CASE("drift: JSON carries it per jail and in a section of its own, and reads back") {
  ModelHost host = applied(k_site);
  param_of(*host.jail("www"), "host.hostname")->values = {"evil.example.org"};
  const auto c = site(k_site);  // the plan's locations point into it
  const Plan p = plan_of(c, host.state);
  const std::string text = render_plan_json(p);
  const auto doc = nlohmann::json::parse(text);
  REQUIRE(doc["drift"].size() == 1);
  CHECK(doc["drift"][0]["jail"] == "www");
  CHECK(doc["drift"][0]["kind"] == "parameter");
  CHECK(doc["drift"][0]["what"] == "host.hostname");
  CHECK(doc["drift"][0]["recorded"] == "\"www.example.org\"");
  CHECK(doc["drift"][0]["observed"] == "\"evil.example.org\"");
  CHECK(doc["jails"][0]["drift"].size() == 1);
  SourceSet sources;
  const auto back = parse_plan_json(sources.add("plan.json", text));
  REQUIRE(back.ok());
  CHECK(back.value().jails.at(0).drift == p.jails[0].drift);
  const auto only = nlohmann::json::parse(render_drift_json(p));
  CHECK(only["format"] == "jailplan-drift");
  CHECK(only["drift"] == doc["drift"]);
  CHECK(render_drift(p, HumanOptions{}).find("Drift: 1 change outside jailplan in 1 jail") !=
        std::string::npos);
  CHECK(render_drift(plan_of(c, applied(k_site).state), HumanOptions{}) ==
        "No drift: nothing changed outside jailplan.\n");
}

TEST_CASE("drift: an alias written otherwise than the host reports it is no drift") {
  const std::string text =
      replace_all_of(k_site, "ip4.addr = \"em0|198.51.100.10/24\";", "ip6.addr = \"em0|2001:DB8:0::10/64\";");
  ModelHost host = applied(text);
  for (auto& a : host.state.addresses)
    if (a.family == "inet6") a.address = "2001:db8::10";  // as ifconfig prints it
  const auto c = site(text);
  CHECK(plan_of(c, host.state).jails.empty());
  std::erase_if(host.state.addresses, [](const ObservedAddress& a) { return a.family == "inet6"; });
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(drift_of(p.jails[0]) == "alias em0 inet6 2001:DB8:0::10: present → absent\n");
}
