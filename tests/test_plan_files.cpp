// Snapshots in every accepted form, saved plans (round trip and
// staleness), golden renderings of one plan, and renderings that are safe
// to show and to parse (any byte in a value, large plans).
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/json_bytes.hpp"
#include "planner/plan_digest.hpp"
#include "planner/plan_file.hpp"
#include "planner/plan_groups.hpp"
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

TEST_CASE("saved plan: JSON round trip, and a digest that every edit of what runs changes") {
  Fixture f;
  f.plan.origin = PlanOrigin{"t.conf", {{"t.conf", "sha256:00"}}, "host1", "id1", true, false, false};
  f.plan.digest = plan_digest(f.plan);
  const std::string text = render_plan_json(f.plan);
  SourceSet sources;
  auto back = parse_plan_json(sources.add("plan.json", text));
  REQUIRE_MESSAGE(back.ok(), render(back.diagnostics()));
  CHECK(render_plan_json(back.value()) == text);
  CHECK(back.value().origin == f.plan.origin);
  CHECK(plan_digest(back.value()) == f.plan.digest);
  // each edit of what runs, of what is recorded, or of what it is bound to
  const auto edited = [&](auto&& edit) {
    Plan p = back.value();
    edit(p);
    return plan_digest(p) != f.plan.digest;
  };
  CHECK(edited([](Plan& p) { p.jails.at(0).steps.at(0).args.emplace_back("; rm -rf /"); }));
  CHECK(edited([](Plan& p) { p.jails.at(0).steps.push_back(p.jails.at(0).steps.at(0)); }));
  CHECK(edited([](Plan& p) { p.jails.at(0).action = Action::destroy; }));
  CHECK(edited([](Plan& p) { p.jails.at(0).applied->params.push_back({"exec.start", {"/bin/evil"}}); }));
  CHECK(edited([](Plan& p) { p.jails.at(0).changes.clear(); }));
  CHECK(edited([](Plan& p) { p.origin.host_id = "id2"; }));
  CHECK(edited([](Plan& p) { p.origin.sources.at(0).digest = "sha256:01"; }));
  CHECK(edited([](Plan& p) { p.origin.prune = false; }));
  CHECK(edited([](Plan& p) { p.owner = "other"; }));
  CHECK(edited([](Plan& p) { std::swap(p.jails.at(0), p.jails.at(1)); }));
  // where a value was written is not what runs
  CHECK_FALSE(edited([](Plan& p) { p.jails.at(0).location_text = "elsewhere:1:1"; }));

  CHECK_FALSE(
      parse_plan_json(sources.add("bad.json", R"({"format": "jailplan-plan", "format_version": 3})")).ok());
  // a plan saved by the jailplan before typed steps: planned again, never guessed at
  auto old = parse_plan_json(sources.add("old.json", R"({"format": "jailplan-plan", "format_version": 1,
    "tool_version": "x", "desired_digest": "", "observed_digest": "", "unmanaged": [], "orphans": [],
    "jails": []})"));
  REQUIRE_FALSE(old.ok());
  CHECK(old.diagnostics().items().at(0).summary ==
        "plan format version 1 is not the one this jailplan reads (3): make the plan again with 'jailplan "
        "plan -o'");
  auto broken = parse_plan_json(sources.add("broken.json", R"({"format": "jailplan-plan", "format_version": 3,
    "tool_version": "x", "plan_digest": "", "owner": "", "origin": {"config": "t.conf", "sources": []},
    "desired_digest": "", "observed_digest": "", "unmanaged": [], "orphans": [],
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

namespace {

// jail(8) takes any byte but NUL: bytes that are not UTF-8, control
// characters (an OSC title, a screen clear, BEL, DEL, the C1 CSI), valid
// multi-byte UTF-8 and one of the private characters that escape bytes
const std::string k_odd =
    "\x80\xfe\xff \x01\x1b]0;owned\x07\x1b[2J \x7f \xc2\x9b \xc3\xa9\xe2\x82\xac \xee\xbe\x80 end";

std::string odd_site() {
  return "odd { path = /j/odd; persist; host.hostname = \"" + k_odd + "\"; exec.stop = \"echo " + k_odd +
         "\"; }\n";
}

std::string value_of(const CanonSpec& spec, const std::string& name) {
  const auto* p = find_param(spec, name);
  return p != nullptr && !p->values.empty() ? p->values.back() : "<absent>";
}

// Nothing a terminal acts on: no C0 byte but the line feed, no DEL, no C1,
// nothing that is not UTF-8. (Colours are off.)
void check_terminal_safe(const std::string& out) {
  CAPTURE(out);
  CHECK(jailplan::is_valid_utf8(out));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto b = static_cast<unsigned char>(out[i]);
    CHECK((b >= 0x20 || b == '\n'));
    CHECK(b != 0x7F);
    if (b == 0xC2 && i + 1 < out.size()) CHECK(static_cast<unsigned char>(out[i + 1]) >= 0xA0);
  }
}

JailChange same_update(const std::string& name, const std::string& before, const std::string& after) {
  JailChange j;
  j.name = name;
  j.action = Action::update;
  j.reason = Reason::next_start;
  j.subject = "exec.stop";
  ParamChange c;
  c.name = "exec.stop";
  c.before = std::vector<std::string>{before};
  c.after = std::vector<std::string>{after};
  c.effect = Effect::next_start;
  j.changes.push_back(c);
  j.unchanged = 3;
  return j;
}

}  // namespace

TEST_CASE("saved plan, snapshot and record: a value with any byte but NUL round-trips exactly") {
  const Compilation c = site(odd_site());
  ModelHost host;
  Plan plan = plan_of(c, host.state);
  stamp_digests(plan, c.desired, host.state);
  std::string text;
  REQUIRE_NOTHROW(text = render_plan_json(plan));
  CHECK(is_valid_utf8(text));
  CHECK(nlohmann::json::accept(text));
  SourceSet sources;
  auto back = parse_plan_json(sources.add("plan.json", text));
  REQUIRE_MESSAGE(back.ok(), render(back.diagnostics()));
  CHECK(render_plan_json(back.value()) == text);
  const JailChange* odd = back.value().find("odd");
  REQUIRE(odd != nullptr);
  REQUIRE(odd->applied.has_value());
  CHECK(value_of(odd->applied->params, "host.hostname") == k_odd);
  CHECK(value_of(odd->applied->params, "exec.stop") == "echo " + k_odd);
  CHECK(*odd->applied == *plan.find("odd")->applied);

  host.apply(back.value());
  std::string snap;
  REQUIRE_NOTHROW(snap = render_snapshot(host.state));
  auto state = parse_snapshot(sources.add("state.json", snap));
  REQUIRE_MESSAGE(state.ok(), render(state.diagnostics()));
  state.value().source = host.state.source;
  CHECK(state.value() == host.state);
  CHECK(value_of(state.value().find("odd")->params, "host.hostname") == k_odd);

  std::string record;
  REQUIRE_NOTHROW(record = render_record(*plan.find("odd")->applied));
  auto rec = parse_record(sources.add("record.json", record));
  REQUIRE_MESSAGE(rec.ok(), render(rec.diagnostics()));
  CHECK(rec.value() == *plan.find("odd")->applied);
  CHECK(value_of(rec.value().params, "exec.stop") == "echo " + k_odd);
}

TEST_CASE("render: names and values reach the terminal with their control characters escaped") {
  const Compilation c = site(odd_site());
  ModelHost host;
  host.state.jails.push_back(jls("name=stranger jid=90 path=/j/stranger persist").jails.at(0));
  host.state.jails.back().name = "evil\x1b]2;title\x07\x9b";
  host.state.normalize();
  const Plan plan = plan_of(c, host.state);
  const std::string human = render_human(plan, {});
  check_terminal_safe(human);
  CHECK(human.find("\\x1b]0;owned\\x07\\x1b[2J") != std::string::npos);
  CHECK(human.find("\\x80\\xfe\\xff") != std::string::npos);
  CHECK(human.find("\\u009b") != std::string::npos);
  CHECK(human.find("evil\\x1b]2;title\\x07\\x9b") != std::string::npos);
  check_terminal_safe(render_human(plan, HumanOptions{false, true, "snapshot \x1b[2J.json"}));
  check_terminal_safe(render_markdown(plan));
}

TEST_CASE("render: Markdown names and values cannot break their cell, code span or block") {
  Plan plan;
  plan.jails.push_back(
      same_update("a|b`c\n| forged | row |", "```\n# injected", "<img src=x onerror=alert(1)>"));
  plan.jails.back().changes.at(0).after = std::vector<std::string>{"````` fence"};
  plan.unmanaged = {"x|y", "*bold*"};
  const std::string md = render_markdown(plan);
  CAPTURE(md);
  CHECK(md.find("<img") == std::string::npos);
  CHECK(md.find("\n| forged") == std::string::npos);
  CHECK(md.find("\n# injected") == std::string::npos);
  std::istringstream lines(md);
  std::string fence;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("|", 0) == 0) {
      // a table row: five cell separators, none escaped away or added
      std::size_t bars = 0;
      for (std::size_t i = 0; i < line.size(); ++i) bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
      CHECK(bars == 5);
    }
    if (line.rfind("```", 0) == 0) {
      if (fence.empty()) {
        fence = line.substr(0, line.find_first_not_of('`'));
        CHECK(fence.size() > 5);  // longer than the value's run of five
      } else {
        CHECK(line == fence);  // only the block's own fence closes it
        fence.clear();
      }
    }
  }
  CHECK(fence.empty());
}

TEST_CASE("render: above the threshold identical changes are grouped; --full shows each jail") {
  Plan plan;
  for (int i = 0; i < 1000; ++i)
    plan.jails.push_back(same_update(fmt::format("w{:04}", i), "/bin/old", "/bin/new"));
  plan.jails.push_back(same_update("other", "/bin/old", "/bin/other"));
  const std::string grouped = render_human(plan, {});
  CAPTURE(grouped);
  CHECK(grouped.size() < 2000);
  CHECK(grouped.find(
            "# 1,000 jails will be updated in place (exec.stop changed: recorded, in effect at its next "
            "start; --restart-changed restarts it now)\n") != std::string::npos);
  CHECK(grouped.find("\"w0000\", \"w0001\"") != std::string::npos);
  CHECK(grouped.find("and 990 more (--full shows each)") != std::string::npos);
  CHECK(grouped.find("~ 1,000 jails {\n    ~ exec.stop = [ \"/bin/old\" ] → [ \"/bin/new\" ]  # at the next "
                     "start\n      (3 unchanged parameters hidden in each)\n") != std::string::npos);
  CHECK(grouped.find("# jail \"other\" will be updated in place") != std::string::npos);
  CHECK(grouped.find("Plan: 0 to create, 1001 to update in place") != std::string::npos);
  const std::string full = render_human(plan, HumanOptions{false, false, {}, true});
  CHECK(full.find("# jail \"w0999\" will be updated in place") != std::string::npos);
  CHECK(full.find("1,000 jails") == std::string::npos);
  // at the threshold nothing is grouped
  plan.jails.resize(k_group_threshold);
  CHECK(render_human(plan, {}).find("jails will be") == std::string::npos);

  Plan wide;
  for (int i = 0; i < 1000; ++i)
    wide.jails.push_back(same_update(fmt::format("w{:04}", i), "/bin/old", "/bin/new"));
  const std::string md = render_markdown(wide);
  CHECK(md.size() < 3000);
  CHECK(md.find("| `~` | `w0000`, `w0001`") != std::string::npos);
  CHECK(md.find("<details><summary>1,000 jails will be updated in place") != std::string::npos);
}

TEST_CASE("render: Markdown stays under a pull-request comment's limit and says where the full plan is") {
  Plan plan;
  for (int i = 0; i < 1000; ++i)
    plan.jails.push_back(
        same_update(fmt::format("w{:04}", i), "/bin/old", fmt::format("/bin/new/{:0>200}", i)));
  for (int i = 0; i < 3000; ++i) plan.unmanaged.push_back(fmt::format("stranger{}", i));
  for (const bool full : {false, true}) {
    MarkdownOptions o;
    o.full = full;
    const std::string md = render_markdown(plan, o);
    CHECK(md.size() <= 65536);
    CHECK(md.find("**This plan is too long for one comment:") != std::string::npos);
    CHECK(md.find("The full plan: run `jailplan plan --full` on the same configuration and host, or save the "
                  "plan as JSON with `jailplan plan -o PLAN`.") != std::string::npos);
    CHECK(md.find("| `~` | `w0000` |") != std::string::npos);
  }
  MarkdownOptions o;
  o.saved_to = "plan.json";
  const std::string md = render_markdown(plan, o);
  CHECK(md.find("The full plan: the JSON plan saved as `plan.json`") != std::string::npos);
  CHECK(render_markdown(plan, MarkdownOptions{false, 1u << 30, {}}).find("too long") == std::string::npos);
}
