// Observing a FreeBSD host: a constant number of commands, records
// attached, failures reported clearly.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "executor/command_runner.hpp"
#include "executor/freebsd/observer.hpp"
#include "executor/records.hpp"
#include "planner_util.hpp"

using namespace jailplan;

namespace {

// Answers each program with canned output and counts the calls.
class ScriptedRunner final : public CommandRunner {
 public:
  std::map<std::string, CommandResult> answers;
  std::vector<std::string> calls;
  CommandResult run(const Command& c) override {
    calls.push_back(format_argv(c.argv));
    const auto it = answers.find(c.argv.at(0));
    if (it != answers.end()) return it->second;
    CommandResult r;
    r.exit_code = 127;
    return r;
  }
};

CommandResult output(std::string out) {
  CommandResult r;
  r.exit_code = 0;
  r.out = std::move(out);
  return r;
}

// `jls --libxo json -d -n` of these jail objects (their members without
// braces), as libxo prints it.
std::string jls_json(const std::vector<std::string>& jails) {
  std::string out = "{\"__version\": \"2\", \"jail-information\": {\"jail\": [";
  for (std::size_t i = 0; i < jails.size(); ++i) out += (i == 0 ? "{" : ", {") + jails[i] + "}";
  return out + "]}}\n";
}

// One jail as jls -n prints it into JSON: every value a string but the
// booleans, the addresses lists.
std::string jls_jail(int jid, const std::string& name, const std::string& more = {}) {
  return fmt::format(
      R"("devfs_ruleset":"0","dying":false,"jid":"{}","name":"{}","path":"/j/{}","persist":true{})", jid,
      name, name, more.empty() ? "" : "," + more);
}

// The first line of the diagnostics: `FILE:LINE:COL: error: SUMMARY`.
std::string located_error(const Diagnostics& d) {
  if (d.items().empty()) return "<no error>";
  const std::string all = render(d);
  return all.substr(0, all.find('\n'));
}

std::string param_of(const ObservedJail& j, const std::string& name) {
  const CanonParam* p = find_param(j.params, name);
  if (p == nullptr) return "<absent>";
  std::string out;
  for (const auto& v : p->values) out += (out.empty() ? "" : ",") + v;
  return out;
}

}  // namespace

TEST_CASE("freebsd observer: three commands for any number of jails, records attached") {
  ScriptedRunner runner;
  std::vector<std::string> jails;
  for (int i = 1; i <= 50; ++i) jails.push_back(jls_jail(i, fmt::format("j{}", i)));
  runner.answers["/usr/sbin/jls"] = output(jls_json(jails));
  runner.answers["/sbin/mount"] = output(
      "/dev/ada0p2\t\t/\t\tufs\trw\t1 1\ndevfs\t\t\t/dev\t\tdevfs\trw\t0 0\ndevfs /j/j1/dev devfs rw 0 0\n");
  runner.answers["/sbin/ifconfig"] = output(
      "em0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n"
      "\tether 58:9c:fc:00:00:01\n"
      "\tinet 198.51.100.2 netmask 0xffffff00 broadcast 198.51.100.255\n"
      "\tinet 198.51.100.10 netmask 0xffffffff broadcast 198.51.100.10\n"
      "lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> metric 0 mtu 16384\n"
      "\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x2\n"
      "\tinet 127.0.0.1 netmask 0xff000000\n");
  test::MemoryLoader files(
      {{"/state/j1.json", render_record(AppliedRecord{"sha256:1", 1, true, {{"path", {"/j/j1"}}}})},
       {"/state/gone.json", render_record(AppliedRecord{"sha256:2", 77, true, {}})}});
  FreeBsdObserver observer(runner, files, "/state");
  auto r = observer.observe();
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  const ObservedState& s = r.value();
  CHECK(runner.calls ==
        std::vector<std::string>{"/usr/sbin/jls --libxo json -d -n", "/sbin/mount -p", "/sbin/ifconfig -a"});
  CHECK(s.jails.size() == 50);
  REQUIRE(s.find("j1")->applied.has_value());
  CHECK(s.find("j1")->applied->digest == "sha256:1");
  CHECK_FALSE(s.find("j2")->applied.has_value());
  REQUIRE(s.stopped.size() == 1);
  CHECK(s.stopped[0].first == "gone");
  CHECK(s.mounts.size() == 3);
  CHECK(s.mounts[2] == ObservedMount{"devfs", "devfs", "/j/j1/dev"});
  REQUIRE(s.addresses.size() == 4);
  CHECK(s.addresses[1] == ObservedAddress{"em0", "inet", "198.51.100.10"});
  CHECK(s.addresses[2] == ObservedAddress{"lo0", "inet6", "fe80::1"});
}

TEST_CASE("freebsd observer: a failing command is a clear error") {
  ScriptedRunner runner;
  CommandResult bad;
  bad.exit_code = 1;
  bad.err = "jls: sysctl(security.jail.param): Operation not permitted\n";
  runner.answers["/usr/sbin/jls"] = bad;
  test::MemoryLoader files;
  FreeBsdObserver observer(runner, files, "/state");
  auto r = observer.observe();
  REQUIRE_FALSE(r.ok());
  CHECK(r.diagnostics().items().at(0).summary ==
        "cannot observe the host: /usr/sbin/jls --libxo json -d -n: failed (exit 1): jls: "
        "sysctl(security.jail.param): "
        "Operation "
        "not permitted");
}

// Item 14: jls prints a dying jail's `dying` (as the JSON boolean with -n);
// a dying jail and its live replacement may share a name (jail(8) §4.5).
TEST_CASE("freebsd observer: a dying jail never stands for the live jail of its name") {
  ScriptedRunner runner;
  // the dying jail has the lower jid: jls lists it first
  runner.answers["/usr/sbin/jls"] = output(
      jls_json({R"("devfs_ruleset":"0","dying":true,"jid":"3","name":"web","path":"/j/web","persist":false)",
                jls_jail(7, "web"), jls_jail(8, "db")}));
  runner.answers["/sbin/mount"] = output("");
  runner.answers["/sbin/ifconfig"] = output("");
  test::MemoryLoader files({{"/state/web.json", render_record(AppliedRecord{"sha256:1", 7, true, {}})}});
  FreeBsdObserver observer(runner, files, "/state");
  auto r = observer.observe();
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  const ObservedState& s = r.value();
  REQUIRE(s.jails.size() == 3);
  const ObservedJail* web = s.find("web");
  REQUIRE(web != nullptr);
  CHECK_FALSE(web->dying);
  CHECK(web->jid == 7);
  REQUIRE(web->applied.has_value());  // the record went to the live jail
  CHECK(std::count_if(s.jails.begin(), s.jails.end(), [](const auto& j) { return j.dying; }) == 1);
  CHECK(s.stopped.empty());

  // the plan matches the live jail: nothing to create, nothing unmanaged
  const auto c = test::site("web { path = /j/web; persist; } db { path = /j/db; persist; }");
  const Plan p = test::plan_of(c, s);
  for (const auto& j : p.jails) CHECK_MESSAGE(j.action != Action::create, j.name);
  CHECK(p.unmanaged.empty());
}

TEST_CASE("freebsd observer: jls -n text reads `dying` and `nodying` as jls prints them") {
  // print_jail with PRINT_NAMEVAL: a boolean is `name` or `noname`
  const ObservedState s = test::jls(
      "jid=3 name=web path=/j/web dying\n"
      "jid=7 name=web path=/j/web nodying persist\n");
  REQUIRE(s.jails.size() == 2);
  CHECK(s.jails[0].jid == 7);
  CHECK_FALSE(s.jails[0].dying);
  CHECK(s.jails[1].jid == 3);
  CHECK(s.jails[1].dying);
  CHECK(find_param(s.jails[0].params, "dying") == nullptr);
  const auto c = test::site("web { path = /j/web; persist; }");
  CHECK(test::actions_of(test::plan_of(c, s)).find('+') == std::string::npos);
}

// Item 15: what jls really prints, read exactly.
TEST_CASE("freebsd observer: jls --libxo json values are read byte for byte") {
  SourceSet sources;
  // libxo escapes only '"', '\\', newline and carriage return: the tab in
  // the domain name comes out raw; FreeBSD 15's meta and env hold lines
  const std::string text = jls_json({
      jls_jail(1, "a", R"("host.hostname":"it's \"quoted\"","host.domainname":"tab	here")"),
      jls_jail(2, "a.b",
               R"("ip4":"disable","ip4.addr":["192.0.2.1","192.0.2.10","192.0.2.2","192.0.2.3"],)"
               R"("ip6":"disable","ip6.addr":["2001:db8::1","2001:db8::2"])"),
      jls_jail(3, "a.b.c", R"("meta":"owner=ops\nticket=\"J-1\"\n","env":"","vnet":"new")"),
      jls_jail(4, "v", R"("vnet":"new","ip4":"inherit","ip4.addr":[])"),
  });
  auto r = parse_jls_json(sources.add("jls", text));
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  const ObservedState& s = r.value();
  REQUIRE(s.jails.size() == 4);
  CHECK(param_of(*s.find("a"), "host.hostname") == "it's \"quoted\"");
  CHECK(param_of(*s.find("a"), "host.domainname") == "tab\there");
  CHECK(param_of(*s.find("a.b"), "ip4.addr") == "192.0.2.1,192.0.2.10,192.0.2.2,192.0.2.3");
  CHECK(param_of(*s.find("a.b"), "ip6.addr") == "2001:db8::1,2001:db8::2");
  CHECK(param_of(*s.find("a.b.c"), "meta") == "owner=ops\nticket=\"J-1\"\n");
  CHECK(param_of(*s.find("a.b.c"), "env") == "");
  CHECK(param_of(*s.find("v"), "vnet") == "new");
  CHECK(s.find("a.b.c")->jid == 3);
}

TEST_CASE("freebsd observer: jls's default JSON view is refused, not read as jails named by jid") {
  SourceSet sources;
  // print_jail with PRINT_DEFAULT: jid, first IPv4 address, hostname, path
  const std::string text =
      "{\"__version\": \"2\", \"jail-information\": {\"jail\": [\n"
      "{\"jid\":3,\"ipv4\":\"192.0.2.1\",\"hostname\":\"www\",\"path\":\"/j/www\"}]}}\n";
  auto r = parse_jls_json(sources.add("jls.json", text));
  REQUIRE_FALSE(r.ok());
  CHECK(located_error(r.diagnostics()) ==
        "jls.json:2:1: error: jail-information.jail[0]: this is jls's default view (jid or name, first IPv4 "
        "address, hostname, path), which leaves out most parameters: save 'jls --libxo json -n' instead");
  // the same through --state
  auto st = parse_snapshot(sources.add("state.json", text));
  REQUIRE_FALSE(st.ok());
  CHECK(located_error(st.diagnostics())
            .find("state.json:2:1: error: jail-information.jail[0]: this is jls's") == 0);
  // parameters asked for without the name: no names to match
  auto noname = parse_jls_json(sources.add("p.json", jls_json({R"("jid":"3","path":"/j/x")"})));
  REQUIRE_FALSE(noname.ok());
  CHECK(located_error(noname.diagnostics()).find("no 'name'") != std::string::npos);
}

TEST_CASE("freebsd observer: hostile jls output is a located error, in bounded time") {
  SourceSet sources;
  const auto error_of = [&](std::string text) {
    auto r = parse_jls_json(sources.add("jls", std::move(text)));
    return r.ok() ? std::string("<ok>") : located_error(r.diagnostics());
  };
  CHECK(error_of(std::string(200000, '[')) ==
        "jls:1:34: error: invalid JSON: JSON nested deeper than 32 levels");
  CHECK(error_of("{\"jail-information\": {\"jail\": [{\"name\": \"a") ==
        "jls:1:41: error: invalid JSON: unterminated string");
  CHECK(error_of("{\"a\": \"\\q\"}") == "jls:1:9: error: invalid JSON: unknown escape '\\q' in a string");
  CHECK(error_of("{\"a\": \"\\udc00\"}").find("a low surrogate without its high half") != std::string::npos);
  CHECK(error_of("{} x") == "jls:1:4: error: invalid JSON: unexpected text after the JSON document");
  CHECK(error_of("[1]") == "jls:1:1: error: expected a JSON object with 'jail-information'");
  CHECK(error_of(jls_json({R"("name":"a","persist":"maybe")"})).find("is not a valid bool") !=
        std::string::npos);
  CHECK(error_of("{\"jail-information\": {\"jail\": [{\"name\": 7}]}}") == "<ok>");  // a number is a name
  CHECK(error_of("{\"jail-information\": {\"jail\": 5}}") ==
        "jls:1:1: error: jail-information.jail: expected an array");
}

TEST_CASE("freebsd observer: jls -n text refuses what it cannot read for sure") {
  SourceSet sources;
  const auto error_of = [&](std::string text) {
    auto r = parse_jls_n(sources.add("jls.txt", std::move(text)));
    return r.ok() ? std::string("<ok>") : located_error(r.diagnostics());
  };
  // quoted_print: '"' around a value with a '\'' and nothing escaped, so a
  // value with both quote characters is ambiguous
  CHECK(error_of("jid=1 name=a host.hostname=\"it's \"x\"\"\n") ==
        "jls.txt:1:28: error: the quoted value of 'host.hostname' in jls output has both quote characters, "
        "which jls -n prints ambiguously; save 'jls --libxo json -n' instead, which keeps every value exact");
  CHECK(error_of("jid=1 name=a host.hostname=\"it's \" x\"\n")
            .find("jls.txt:1:37: error: expected a parameter "
                  "name in jls output, got '\"'") == 0);
  // a quoted value may hold line breaks (meta, env); an unquoted one cannot
  // be told from the next jail
  auto multi = parse_jls_n(sources.add("m.txt", "jid=1 meta=\"a=1\nb=2 c\" name=a\njid=2 name=b\n"));
  REQUIRE_MESSAGE(multi.ok(), render(multi.diagnostics()));
  CHECK(param_of(*multi.value().find("a"), "meta") == "a=1\nb=2 c");
  CHECK(multi.value().jails.size() == 2);
  CHECK(error_of("jid=1 meta=a=1\nb=2 name=a\n").find("jls.txt:1:1: error: jls line without 'name='") == 0);
  // '\'' around a value with a '"': exact
  auto single = parse_jls_n(sources.add("s.txt", "jid=1 name=a host.hostname='say \"hi\"'\n"));
  REQUIRE_MESSAGE(single.ok(), render(single.diagnostics()));
  CHECK(param_of(*single.value().find("a"), "host.hostname") == "say \"hi\"");
}

TEST_CASE("freebsd observer: ifconfig -a in every format ifconfig prints") {
  SourceSet sources;
  // af_inet.c in_status_nl, af_inet6.c in6_status: the default format, and
  // what IFCONFIG_FORMAT=inet:cidr,inet6:cidr makes of it
  const std::string text =
      "em0: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500\n"
      "\toptions=4e524bb<RXCSUM,TXCSUM,VLAN_MTU>\n"
      "\tether 58:9c:fc:00:00:01\n"
      "\tinet 192.0.2.1 netmask 0xffffff00 broadcast 192.0.2.255\n"
      "\tinet 192.0.2.10/32 broadcast 192.0.2.10\n"
      "\tinet6 fe80::5a9c:fcff:fe00:1%em0 prefixlen 64 scopeid 0x1\n"
      "\tinet6 2001:db8::10/64\n"
      "\tmedia: Ethernet autoselect (1000baseT <full-duplex>)\n"
      "\tstatus: active\n"
      "\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>\n"
      "lo0: flags=1008049<UP,LOOPBACK,RUNNING,MULTICAST,LOWER_UP> metric 0 mtu 16384\n"
      "\tinet 127.0.0.1 netmask 0xff000000\n"
      "\tinet6 ::1 prefixlen 128\n"
      "\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x2\n"
      "tun0: flags=1008051<UP,POINTOPOINT,RUNNING,MULTICAST,LOWER_UP> metric 0 mtu 1500\n"
      "\ttunnel inet 198.51.100.1 --> 198.51.100.2\n"
      "\tinet 10.0.0.1 --> 10.0.0.2 netmask 0xffffffff\n"
      "epair0a: flags=8863<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n"
      "\tgroups: epair\n";
  auto r = parse_ifconfig(sources.add("ifconfig", text));
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  CHECK(r.value() == std::vector<ObservedAddress>{
                         {"em0", "inet", "192.0.2.1"},
                         {"em0", "inet", "192.0.2.10"},
                         {"em0", "inet6", "fe80::5a9c:fcff:fe00:1"},
                         {"em0", "inet6", "2001:db8::10"},
                         {"lo0", "inet", "127.0.0.1"},
                         {"lo0", "inet6", "::1"},
                         {"lo0", "inet6", "fe80::1"},
                         {"tun0", "inet", "10.0.0.1"},
                     });
  // addr:fqdn prints names: not an address, said where
  auto named = parse_ifconfig(sources.add("ifc2",
                                          "em0: flags=8843<UP> metric 0 mtu 1500\n"
                                          "\tinet www.example.org netmask 0xffffff00\n"));
  REQUIRE_FALSE(named.ok());
  CHECK(located_error(named.diagnostics()) ==
        "ifc2:2:2: error: expected a numeric address after 'inet', got 'www.example.org' (ifconfig -a of "
        "interface 'em0')");
}

TEST_CASE("freebsd observer: the listings run in a known format, whatever the admin's environment") {
  class EnvRunner final : public CommandRunner {
   public:
    std::map<std::string, std::vector<std::string>> env;
    CommandResult run(const Command& c) override {
      env[c.argv.at(0)] = c.extra_env;
      if (c.argv.at(0) == "/usr/sbin/jls") return output(jls_json({}));
      return output("");
    }
  } runner;
  test::MemoryLoader files;
  FreeBsdObserver observer(runner, files, "/state");
  auto r = observer.observe();
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  CHECK(runner.env["/sbin/ifconfig"] ==
        std::vector<std::string>{"IFCONFIG_FORMAT=addr:default,ether:default,inet:default,inet6:default"});
  CHECK(runner.env["/usr/sbin/jls"] == std::vector<std::string>{"LIBXO_OPTIONS="});
}

TEST_CASE("freebsd observer: mount -p fields are strvis-decoded exactly") {
  SourceSet sources;
  // putfsent: DEVICE MOUNTPOINT FSTYPE OPTIONS DUMP PASS, tab-padded
  const std::string text =
      "/dev/ada0p2\t\t/\t\tufs\trw\t1 1\n"
      "/data/My\\040Files\t/j/a/mnt/My\\040Files nullfs\trw\t0 0\n"
      "/data/back\\\\slash\t/j/a/tab\\011and\\012nl nullfs\trw\t0 0\n"
      "/data/c\\sstyle\t/j/a/meta\\M-b\\M^@ nullfs\tro\t0 0\n"
      "\n"
      "/old/raw\\\t/j/a/raw nullfs\trw\t0 0\n";
  auto r = parse_mount_p(sources.add("mount -p", text));
  REQUIRE_MESSAGE(r.ok(), render(r.diagnostics()));
  REQUIRE(r.value().size() == 5);
  CHECK(r.value()[1] == ObservedMount{"nullfs", "/data/My Files", "/j/a/mnt/My Files"});
  CHECK(r.value()[2] == ObservedMount{"nullfs", "/data/back\\slash", "/j/a/tab\tand\nnl"});
  CHECK(r.value()[3] == ObservedMount{"nullfs", "/data/c style", std::string("/j/a/meta\xe2\x80", 11)});
  CHECK(r.value()[4] == ObservedMount{"nullfs", "/old/raw\\", "/j/a/raw"});  // not strvis: as it is
  auto bad = parse_mount_p(sources.add("m2", "/dev/x\t/y\n"));
  REQUIRE_FALSE(bad.ok());
  CHECK(located_error(bad.diagnostics()) ==
        "m2:1:1: error: expected 'DEVICE MOUNTPOINT FSTYPE OPTIONS DUMP PASS' from mount -p");
}

// Item 16: one lookup per record, not a scan of every jail.
TEST_CASE("freebsd observer: attaching records grows linearly with the jails") {
  const auto seconds_for = [](int n) {
    ObservedState s;
    test::MemoryLoader files;
    const std::string record = render_record(AppliedRecord{"sha256:1", 1, true, {}});
    for (int i = 0; i < n; ++i) {
      ObservedJail j;
      j.name = fmt::format("jail-{:06}", i);
      j.jid = i + 1;
      s.jails.push_back(std::move(j));
      files.add(fmt::format("/state/jail-{:06}.json", i), record);
    }
    SourceSet sources;
    const auto t0 = std::chrono::steady_clock::now();
    const auto d = attach_records(s, "/state", files, sources);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(d.has_errors());
    CHECK(s.stopped.empty());
    return took.count();
  };
  // a scan per record costs 16x at 4x the jails, a lookup 4-5x; the
  // smaller run is repeated so that a slow moment does not decide
  const double small = std::min(seconds_for(5000), seconds_for(5000));
  const double large = seconds_for(40000);
  MESSAGE(fmt::format("5,000 jails {:.3f} s, 40,000 jails {:.3f} s", small, large));
  CHECK_MESSAGE(large < 16 * small, fmt::format("5,000 jails {:.3f} s, 40,000 jails {:.3f} s", small, large));
}
