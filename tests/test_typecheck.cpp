// Typing as libjail and jail(8) do, and the cross-jail checks.
#include <doctest/doctest.h>

#include "compiler/typecheck.hpp"
#include "testutil.hpp"

using jailplan::test::compile;
using jailplan::test::summaries;

TEST_CASE("typecheck: booleans, no-prefixes and integers") {
  auto c =
      compile("a { persist; mount.nodevfs; allow.mount = false; exec.clean = 1; ip4.saddrsel = FALSE; }");
  REQUIRE(c.ok());
  const auto& j = c.desired.jails.at(0);
  CHECK(j.flag("persist"));
  CHECK_FALSE(j.flag("mount.devfs", true));
  CHECK(j.find("mount.devfs")->spelled() == "mount.nodevfs");
  CHECK_FALSE(j.flag("allow.mount", true));
  CHECK(j.flag("exec.clean"));
  CHECK_FALSE(j.flag("ip4.saddrsel", true));

  c = compile("a { persist = yes; }");
  CHECK(summaries(c) == "1:15: error: 'yes' is not a boolean value for 'persist'\n");
  c = compile("a { securelevel = high; }");
  CHECK(summaries(c) == "1:19: error: 'high' is not an integer value for 'securelevel'\n");
  c = compile("a { enforce_statfs = 3; }");
  CHECK(summaries(c) == "1:22: error: 3 is out of range for 'enforce_statfs' (0 to 2)\n");
  c = compile("a { exec.timeout = 5, 10; }");
  CHECK(summaries(c) ==
        "1:20: warning: 'exec.timeout' takes one integer; jail(8) uses only the last value '10'\n");
  CHECK(c.desired.jails.at(0).find("exec.timeout")->value == jailplan::TypedValue(std::int64_t{10}));
}

TEST_CASE("typecheck: nomount.devfs is mount.devfs, and true") {
  auto c = compile("a { nomount.devfs; }");
  CHECK(c.desired.jails.at(0).flag("mount.devfs"));
  CHECK(summaries(c) ==
        "1:5: warning: 'nomount.devfs' is read by jail(8) as 'mount.devfs', and it is not negated\n");
}

TEST_CASE("typecheck: unknown parameters get a suggestion") {
  auto c = compile("a { ip4.adr = 10.0.0.1; allow.mount.zfs; allow.mount.nullfs = 0; meta.owner = me; }");
  REQUIRE(c.diagnostics.items().size() == 1);
  CHECK(c.diagnostics.items()[0].summary == "unknown parameter 'ip4.adr'");
  CHECK(c.diagnostics.items()[0].detail == "did you mean 'ip4.addr'?");
  CHECK(c.desired.jails.at(0).flag("allow.mount.zfs"));
}

TEST_CASE("typecheck: addresses with interface, mask, prefix and extras") {
  jailplan::IpEntry e;
  CHECK(jailplan::parse_ip_entry("em0|192.0.2.10/24 vhid 3 pass x", false, e).empty());
  CHECK(e.interface == "em0");
  CHECK(e.address == "192.0.2.10");
  CHECK(e.prefix == 24);
  CHECK(e.extra == std::vector<std::string>{"vhid", "3", "pass", "x"});
  CHECK(jailplan::parse_ip_entry("10.1.1.1/255.255.255.0", false, e).empty());
  CHECK(e.netmask == "255.255.255.0");
  CHECK(jailplan::parse_ip_entry("fe80::1%epair0b/64", true, e).empty());
  CHECK(jailplan::parse_ip_entry("10.0.0.300", false, e) == "'10.0.0.300' is not an IPv4 address");
  CHECK(jailplan::parse_ip_entry("10.0.0.1/33", false, e) == "'/33' is not a prefix length (0 to 32)");
  auto c = compile("a { ip4.addr = \"10.0.0.1,10.0.0.2\", -; ip6.addr = \"\"; }");
  REQUIRE(c.ok());
  CHECK(c.desired.jails.at(0).addresses("ip4.addr")->size() == 2);
  c = compile("a { ip4.addr = [busybox-ip]; }");
  CHECK(summaries(c) == "1:16: error: '[busybox-ip]' is not an IPv4 address (in 'ip4.addr' of jail 'a')\n");
}

TEST_CASE("typecheck: paths, strings and jailsys") {
  auto c = compile("a { path = jails/a; }");
  CHECK(summaries(c) == "1:12: error: path 'jails/a' is not an absolute path\n");
  c = compile("a { vnet; ip4 = INHERIT; sysvshm = 1; }");
  REQUIRE(c.ok());
  CHECK(*c.desired.jails.at(0).text("vnet") == "new");
  CHECK(*c.desired.jails.at(0).text("ip4") == "inherit");
  CHECK(*c.desired.jails.at(0).text("sysvshm") == "new");
  c = compile("a { vnet = maybe; }");
  CHECK(summaries(c) == "1:12: error: 'maybe' is not a valid value for 'vnet'\n");
  c = compile("a { host.hostname = \"" + std::string(300, 'h') + "\"; }");
  CHECK(summaries(c) ==
        "1:21: error: the value of 'host.hostname' is 300 bytes; the kernel allows at most 255\n");
}

TEST_CASE("validate: cross-jail checks are all reported at once") {
  const std::string conf =
      "a { ip4.addr = 10.0.0.1, 10.0.0.2; path = /j/a; depend = b; }\n"
      "b { ip4.addr = 10.0.0.2; path = /j/a/b; depend = a; }\n"
      "c { vnet; ip4.addr = 10.0.0.9; depend = nobody; }\n"
      "d.e { }\n"
      "a { }\n"
      "007 { }\n";
  auto c = compile(conf);
  CHECK(summaries(c) ==
        "2:16: error: address 10.0.0.2 of jail 'b' is also used by jail 'a'\n"
        "2:26: warning: path of jail 'b' is inside the path of jail 'a'\n"
        "2:50: error: dependency loop: a -> b -> a\n"
        "3:11: error: vnet jail 'c' cannot have 'ip4.addr'\n"
        "3:41: error: jail 'c' depends on undefined jail 'nobody'\n"
        "4:1: warning: parent jail 'd' of 'd.e' is not in this configuration\n"
        "5:1: warning: jail 'a' is defined again\n"
        "6:1: error: jail name '007' is numeric but is not its jid\n");
}

TEST_CASE("validate: a shared address is fine when both jails have exactly one") {
  auto c = compile("a { ip4.addr = 10.0.0.1; } b { ip4.addr = 10.0.0.1; }");
  CHECK(c.ok());
  c = compile("p { children.max = 2; } p.c { path = /x; children.max = 1; } p.c.d { depend = p; }");
  CHECK(c.ok());
}

TEST_CASE("validate: a child jail within its parent's limits (kernel rules)") {
  auto c = compile(
      "p { securelevel = 2; enforce_statfs = 1; }\n"
      "p.c { securelevel = 1; enforce_statfs = 0; children.max = 3; }\n"
      "q { children.max = 2; }\n"
      "q.c { children.max = 2; }\n");
  CHECK(summaries(c, "parent-limit") ==
        "2:1: error: jail 'p' cannot have child jails: its children.max is 0\n"
        "2:7: error: securelevel 1 of jail 'p.c' is below its parent's (2)\n"
        "2:24: error: enforce_statfs 0 of jail 'p.c' is below its parent's (1)\n"
        "4:7: error: children.max 2 of jail 'q.c' must be below its parent's (2)\n");
}

TEST_CASE("validate: a child has no address, permission or IPC its parent lacks (kern_jail_set)") {
  auto c = compile(
      "p { children.max = 4; ip4.addr = 203.0.113.1; }\n"
      "p.a { ip4.addr = 203.0.113.1, 203.0.113.2; allow.raw_sockets; allow.unprivileged_proc_debug; }\n"
      "q { children.max = 4; }\n"
      "q.b { ip4.addr = 203.0.113.3; sysvshm; allow.set_hostname; }\n"
      "r { children.max = 4; ip4 = inherit; allow.raw_sockets; sysvshm = new; }\n"
      "r.c { ip4.addr = 203.0.113.4; allow.raw_sockets; sysvshm = inherit; }\n");
  CHECK(summaries(c, "parent-limit") ==
        "2:31: error: ip4.addr 203.0.113.2 of jail 'p.a' is not one of its parent's addresses\n"
        "2:44: error: jail 'p.a' cannot have allow.raw_sockets: its parent 'p' does not\n"
        "4:18: error: ip4.addr 203.0.113.3 of jail 'q.b' is not one of its parent's addresses\n"
        "4:31: error: jail 'q.b' cannot have sysvshm = new: its parent 'q' has sysvshm disabled\n");
}
