// Snapshots in every accepted form, saved plans (round trip and
// staleness), and golden renderings of one plan.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "planner/plan_file.hpp"
#include "planner_util.hpp"

using namespace jailplan;
using namespace jailplan::test;

namespace {

Result<ObservedState> snapshot(const std::string& text) {
  static SourceSet sources;
  return parse_snapshot(sources.add("state", text));
}

std::string first_error(const Result<ObservedState>& r) {
  REQUIRE_FALSE(r.ok());
  const auto& d = r.diagnostics().items().at(0);
  const auto lc = d.location.file->line_col(d.location.offset);
  return std::to_string(lc.line) + ":" + std::to_string(lc.column) + ": " + d.summary;
}

std::string param(const ObservedJail& j, const std::string& name) {
  const auto* p = find_param(j.params, name);
  if (p == nullptr) return "<absent>";
  std::string out;
  for (const auto& v : p->values) out += (out.empty() ? "" : ",") + v;
  return out;
}

// A host with a few jails applied, and a new site that touches each of
// them differently: the fixture behind the golden renderings.
const char* const k_before = R"(
exec.start = "/bin/sh /etc/rc";
exec.stop = "/bin/sh /etc/rc.shutdown jail";
mount.devfs;
db { path = /j/db; ip4.addr = "em0|198.51.100.11/24"; allow.sysvipc; }
web { path = /j/web; depend = db; ip4.addr = "em0|198.51.100.10/24"; host.hostname = web.example.net; }
cache { path = /j/cache; persist; }
old { path = /j/old; persist; }
)";

const char* const k_after = R"(
exec.start = "/bin/sh /etc/rc";
exec.stop = "/bin/sh /etc/rc.shutdown jail";
mount.devfs;
db { path = /j/db2; ip4.addr = "em0|198.51.100.11/24"; allow.sysvipc; }
web { path = /j/web; depend = db; ip4.addr = "em0|198.51.100.10/24"; host.hostname = www.example.net; }
cache { path = /j/cache; persist; allow.raw_sockets; }
queue { path = /j/queue; persist; depend = db; }
)";

struct Fixture {
  ModelHost host = applied(k_before);
  Compilation after = site(k_after);
  Plan plan;
  Fixture() {
    host.state.jails.push_back(jls("name=stranger jid=90 path=/j/stranger persist").jails.at(0));
    host.state.normalize();
    plan = plan_of(after, host.state, true);
    stamp_digests(plan, after.desired, host.state);
  }
};

void golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(JAILPLAN_SOURCE_DIR) + "/tests/golden/plan/" + name;
  if (std::getenv("UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK_MESSAGE(!expected.str().empty(), "missing golden " << path << "; run with UPDATE_GOLDEN=1");
  CHECK(actual == expected.str());
}

}  // namespace

TEST_CASE("snapshot: jls --libxo json, parameter and verbose views") {
  auto r = snapshot(R"({"__version": "2", "jail-information": {"jail": [
    {"jid": 3, "name": "www", "path": "/j/www", "host.hostname": "www.example.org", "persist": true,
     "allow.raw_sockets": false, "ip4.addr": [{"ipv4_addr": "198.51.100.10"}, {"ipv4_addr": "198.51.100.2"}],
     "securelevel": "2", "meta.missing": {}},
    {"jid": 4, "hostname": "db.example.org", "path": "/j/db", "name": "db", "state": "DYING", "cpusetid": 5,
     "ipv4_addrs": ["198.51.100.11"], "ipv6_addrs": []}
  ]}})");
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  const auto& s = r.value();
  REQUIRE(s.jails.size() == 2);
  const auto& www = *s.find("www");
  CHECK(www.jid == 3);
  CHECK(param(www, "host.hostname") == "www.example.org");
  CHECK(param(www, "persist") == "true");
  CHECK(param(www, "allow.raw_sockets") == "false");
  CHECK(param(www, "ip4.addr") == "198.51.100.10,198.51.100.2");
  CHECK(param(www, "securelevel") == "2");
  CHECK(param(www, "meta.missing") == "<absent>");
  const auto& db = s.jails[0];
  CHECK(db.name == "db");
  CHECK(db.dying);
  CHECK(param(db, "host.hostname") == "db.example.org");
  CHECK(param(db, "ip4.addr") == "198.51.100.11");
  CHECK(param(db, "ip6.addr") == "");
  CHECK_FALSE(db.applied.has_value());
}

TEST_CASE("snapshot: jls -n and -nq, booleans by name and no-name") {
  auto r = snapshot(
      "devfs_ruleset=4 jid=3 name=www path=/j/www persist allow.noraw_sockets allow.mount.nodevfs "
      "host.hostname=\"a b\" ip4.addr=198.51.100.1,198.51.100.2 ip6.addr= vnet=inherit\n"
      "\n"
      "jid=5 name=db path=/j/db nopersist\n");
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  const auto& www = *r.value().find("www");
  CHECK(param(www, "persist") == "true");
  CHECK(param(www, "allow.raw_sockets") == "false");
  CHECK(param(www, "allow.mount.devfs") == "false");
  CHECK(param(www, "host.hostname") == "a b");
  CHECK(param(www, "ip4.addr") == "198.51.100.1,198.51.100.2");
  CHECK(param(www, "ip6.addr") == "");
  CHECK(param(*r.value().find("db"), "persist") == "false");
}

TEST_CASE("snapshot: what is not a snapshot fails clearly") {
  CHECK(first_error(snapshot("   JID  IP Address      Hostname                      Path\n")) ==
        "1:4: this is jls's table view, which leaves out most parameters");
  CHECK(
      first_error(snapshot("path=/j/x persist\n")) ==
      "1:1: jls line without 'name=': expected the output of 'jls -n' (or 'jls -nq'); if a value has a line "
      "break (meta, env), save 'jls --libxo json -n' instead, which keeps every value exact");
  CHECK(first_error(snapshot("{\"format\": \"jailplan-state\",\n \"version\": 1,\n \"jails\": [}"))
            .rfind("3:12: invalid JSON", 0) == 0);
  CHECK(first_error(snapshot("{\"format\": \"jailplan-state\", \"version\": 9, \"jails\": []}")) ==
        "1:1: state snapshot format version 9 is newer than this jailplan reads (1)");
  CHECK(
      first_error(snapshot(
          R"({"format": "jailplan-state", "version": 1, "jails": [{"name": "a", "params": {"persist": "maybe"}}]})")) ==
      "1:1: jails[0].params.persist: value \"maybe\" is not a valid bool");
  CHECK(first_error(snapshot("{\"hello\": 1}")).find("not a state snapshot") != std::string::npos);
}

TEST_CASE("snapshot: jailplan's own format round-trips, records included") {
  Fixture f;
  f.host.apply(f.plan);
  f.host.state.stopped.emplace_back("gone", AppliedRecord{"sha256:00", 7, true, {{"path", {"/j/gone"}}}});
  f.host.state.addresses.push_back({"em0", "inet", "198.51.100.10"});
  f.host.state.normalize();
  const std::string text = render_snapshot(f.host.state);
  auto back = snapshot(text);
  REQUIRE_MESSAGE(back.ok(), render(back.diagnostics()));
  back.value().source = f.host.state.source;  // where it came from differs, nothing else
  CHECK(back.value() == f.host.state);
  CHECK(render_snapshot(back.value()) == text);
  CHECK(back.value().digest() == f.host.state.digest());
}

TEST_CASE("saved plan: JSON round trip and staleness") {
  Fixture f;
  const std::string text = render_plan_json(f.plan);
  SourceSet sources;
  auto back = parse_plan_json(sources.add("plan.json", text));
  REQUIRE_MESSAGE(back.ok(), render(back.diagnostics()));
  CHECK(render_plan_json(back.value()) == text);
  const std::string want = desired_digest(f.after.desired);
  CHECK(stale_reasons(back.value(), f.host.state, want).empty());

  ObservedState moved = f.host.state;
  for (auto& j : moved.jails)
    if (j.name == "web") j.jid = 77;
  const auto reasons = stale_reasons(back.value(), moved, want);
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0] == "the host changed since the plan was made: 'web' changed");

  ObservedState more = f.host.state;
  more.jails.push_back(jls("name=queue jid=50 path=/j/queue persist").jails.at(0));
  more.normalize();
  CHECK(stale_reasons(back.value(), more, want).at(0) ==
        "the host changed since the plan was made: 'queue' is now running (jid 50)");
  CHECK(stale_reasons(back.value(), f.host.state, "sha256:other").at(0) ==
        "the configuration changed since the plan was made");

  CHECK_FALSE(
      parse_plan_json(sources.add("bad.json", R"({"format": "jailplan-plan", "format_version": 2})")).ok());
  // a plan saved by the jailplan before typed steps: planned again, never guessed at
  auto old = parse_plan_json(sources.add("old.json", R"({"format": "jailplan-plan", "format_version": 1,
    "tool_version": "x", "desired_digest": "", "observed_digest": "", "unmanaged": [], "orphans": [],
    "jails": []})"));
  REQUIRE_FALSE(old.ok());
  CHECK(old.diagnostics().items().at(0).summary ==
        "plan format version 1 is not the one this jailplan reads (2): make the plan again with 'jailplan "
        "plan -o'");
  auto broken = parse_plan_json(sources.add("broken.json", R"({"format": "jailplan-plan", "format_version": 2,
    "tool_version": "x", "desired_digest": "", "observed_digest": "", "unmanaged": [], "orphans": [],
    "jails": [{"name": "a", "action": "explode"}]})"));
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.diagnostics().items().at(0).summary == "jails[0].action: unknown value 'explode'");
}

TEST_CASE("render: golden human, explained, Markdown and JSON plans") {
  Fixture f;
  golden("mixed.txt", render_human(f.plan, {}));
  golden("mixed-explain.txt", render_human(f.plan, HumanOptions{false, true, "snapshot"}));
  golden("mixed.md", render_markdown(f.plan));
  golden("mixed.json", render_plan_json(f.plan));
  golden("mixed.dot", render_dot(f.after.desired));
  CHECK(render_human(f.plan, HumanOptions{true, false, {}}).find("\x1b[") != std::string::npos);
  CHECK(render_human(f.plan, {}).find("\x1b[") == std::string::npos);
  f.host.apply(f.plan);
  const Plan done = plan_of(f.after, f.host.state, true);
  CHECK(render_human(done, HumanOptions{false, false, "snapshot s.json"}) ==
        "The running jails (snapshot s.json) match the configuration.\n\n"
        "Not managed by jailplan (left alone): stranger\n\n"
        "No changes.\n");
}
