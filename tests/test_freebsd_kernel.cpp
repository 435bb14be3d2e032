// The FreeBSD kernel model (tests/fakebsd/kernel.hpp) on its own: the rules
// the fake FreeBSD host and the planner tests' ModelHost share.
#include <doctest/doctest.h>

#include "kernel.hpp"

using namespace jailplan::fakekernel;

namespace {

// The message of the Failure `f` throws ("" when it succeeds).
template <class F>
std::string refusal(F f) {
  try {
    f();
  } catch (const Failure& e) {
    return e.what();
  }
  return "";
}

std::string word_of(Kernel& k, const std::string& jail, const std::string& param) {
  const json v = k.reported(*k.find_jail(jail), *k.param(param));
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

TEST_CASE("kernel: create gives jids in order, and refuses an existing name as jail(8) says") {
  Kernel k;
  CHECK(k.create({"name=a", "path=/j/a", "persist"}) == "a");
  CHECK(k.create({"name=b", "persist"}) == "b");
  CHECK((*k.find_jail("b"))["jid"] == 2);
  CHECK(k.find_jail("1") == k.find_jail("a"));
  CHECK(refusal([&] { k.create({"name=a", "persist"}); }) == "\"a\" already exists");
  CHECK(refusal([&] { k.create({"name=c"}); }) == "new jail must persist or attach");
  CHECK(refusal([&] { k.create({"name=x.y", "persist"}); }) == "jail \"x\" not found");
  CHECK(refusal([&] { k.create({"name=c", "persist", "bogus=1"}); }) == "unknown parameter: bogus");
  CHECK(refusal([&] {
          k.create({"name=c", "persist", "securelevel=high"});
        }) == "securelevel: non-integer value \"high\"");
  k.directory_exists = [](const std::string& p) { return p != "/nowhere"; };
  CHECK(refusal([&] {
          k.create({"name=c", "persist", "path=/nowhere"});
        }) == "path /nowhere: No such file or directory");
  CHECK(refusal([&] {
          k.create({"name=c", "persist", "vnet", "ip4.addr=192.0.2.1"});
        }) == "vnet jails cannot have IP address restrictions");
  CHECK(k.find_jail("c") == nullptr);
}

TEST_CASE("kernel: modify of a missing jail fails, and create-only parameters may only be repeated") {
  Kernel k;
  k.create({"name=a", "path=/j/a", "persist"});
  CHECK(refusal([&] { k.modify({"name=z", "securelevel=1"}); }) == "\"z\" not found");
  CHECK(refusal([&] { k.modify({"securelevel=1"}); }) == "no jail specified");
  CHECK(refusal([&] { k.modify({"name=a", "path=/j/b"}); }) == "path cannot be changed after creation");
  CHECK(refusal([&] { k.modify({"name=a", "path=/j/a", "securelevel=3"}); }).empty());
  CHECK(word_of(k, "a", "securelevel") == "3");
  CHECK(refusal([&] { k.modify({"jid=1", "host.hostname=h"}); }).empty());
  CHECK(word_of(k, "a", "host.hostname") == "h");
}

TEST_CASE("kernel: booleans, their no forms and values, and a child has no more than its parent") {
  Kernel k;
  k.create({"name=a", "persist", "allow.noset_hostname", "allow.raw_sockets=1", "allow.mlock=false"});
  CHECK(word_of(k, "a", "allow.set_hostname") == "false");
  CHECK(word_of(k, "a", "allow.raw_sockets") == "true");
  CHECK(word_of(k, "a", "allow.mlock") == "false");
  CHECK(word_of(k, "a", "allow.suser") == "true");  // the default
  CHECK(refusal([&] {
          k.modify({"name=a", "allow.chflags=maybe"});
        }) == "allow.chflags: unknown boolean value \"maybe\"");
  CHECK(refusal([&] { k.modify({"name=a", "nosecurelevel"}); }) == "unknown parameter: nosecurelevel");
  k.create({"name=a.b", "persist"});
  CHECK(word_of(k, "a.b", "allow.set_hostname") == "false");
  CHECK(word_of(k, "a.b", "allow.suser") == "true");
  CHECK(word_of(k, "a.b", "parent") == "1");
  CHECK(word_of(k, "a", "children.cur") == "1");
}

TEST_CASE("kernel: persist, and remove takes the children along") {
  Kernel k;
  k.create({"name=a", "persist"});
  k.create({"name=a.b", "persist"});
  k.create({"name=a.b.c", "persist"});
  k.create({"name=ab", "persist"});
  k.create({"name=d", "persist"});
  k.attach_process("d");
  // dropping persist: a jail with a process stays, one without goes
  k.modify({"name=d", "nopersist"});
  CHECK(k.find_jail("d") != nullptr);
  // ... until its last process ends (prison_proc_free)
  CHECK(k.kill_processes("d"));
  CHECK(k.find_jail("d") == nullptr);
  CHECK_FALSE(k.kill_processes("d"));
  k.modify({"name=ab", "persist=0"});
  CHECK(k.find_jail("ab") == nullptr);
  k.remove("a");
  CHECK(k.find_jail("a") == nullptr);
  CHECK(k.find_jail("a.b.c") == nullptr);
  CHECK(refusal([&] { k.remove("a"); }) == "\"a\" not found");
}

TEST_CASE("kernel: addresses are canonical with the first first, and interfaces, mounts and rules") {
  Kernel k;
  k.create({"name=a", "persist", "ip4.addr=192.0.2.9,192.0.2.3,192.0.2.1", "ip6.addr=2001:db8:0::1"});
  CHECK(word_of(k, "a", "ip4.addr") == R"(["192.0.2.9","192.0.2.1","192.0.2.3"])");
  CHECK(word_of(k, "a", "ip6.addr") == R"(["2001:db8::1"])");
  CHECK(word_of(k, "a", "ip4") == "disable");
  CHECK(refusal([&] {
          k.create({"name=b", "persist", "ip4.addr=192.0.2.1,192.0.2.2"});
        }) == "IPv4 addresses clash");
  CHECK(refusal([&] { k.add_address("em0", "inet", "203.0.113.2", "24"); }) ==
        "ioctl (SIOCAIFADDR): File exists");
  CHECK(refusal([&] { k.add_address("em9", "inet", "192.0.2.7", "32"); }) == "interface em9 does not exist");
  CHECK(refusal([&] { k.remove_address("em0", "inet", "192.0.2.7"); }) ==
        "ioctl (SIOCDIFADDR): Can't assign requested address");
  CHECK(refusal([&] { k.move_interface("epair0b", "a", true); }) == "SIOCSIFVNET: Invalid argument");
  k.mount("nullfs", "/src", "/j/a", "rw");
  k.mount("devfs", "devfs", "/j/a/dev", "rw");
  CHECK(refusal([&] { k.unmount("/j/a", "nullfs"); }) == "unmount of /j/a failed: Device busy");
  CHECK(refusal([&] { k.mount("nfs", "h:/x", "/j/a/x", "rw"); }) ==
        "h:/x: Operation not supported by device");
  k.unmount("/j/a/dev", "");
  k.unmount("/j/a", "nullfs");
  CHECK(refusal([&] { k.unmount("/j/a", ""); }) == "/j/a: not a file system root directory");
  k.add_rule("jail:a:memoryuse:deny=1g");
  k.add_rule("jail:a:memoryuse:deny=2g");
  CHECK(k.state["rctl"] == json::array({"jail:a:memoryuse:deny=2g"}));
  CHECK(refusal([&] { k.remove_rules("jail:b"); }) == "failed to remove rule 'jail:b': No such process");
  k.remove_rules("jail:a");
  CHECK(k.state["rctl"].empty());
}

// The rules of kern_jail.c (and jail(8) around it) the model enforces; each
// case names its source in docs/kernel-rules.md.

namespace {

const std::string k_eperm = "jail_set: Operation not permitted";
const std::string k_einval = "jail_set: Invalid argument";

}  // namespace

TEST_CASE("kernel: jail -m compares create-only parameters (RDTUN) and refuses any change of them") {
  Kernel k;
  k.create({"name=a", "path=/j/a", "persist", "osrelease=13.2-RELEASE"});
  // repeated unchanged: jail(8) drops them (rdtun_params, update_jail)
  CHECK(refusal([&] {
          k.modify({"name=a", "path=/j/a", "vnet=inherit", "ip4=disable", "ip6=disable"});
        }).empty());
  CHECK(refusal([&] { k.modify({"name=a", "osrelease=13.2-RELEASE", "osreldate=1403000"}); }).empty());
  CHECK(refusal([&] { k.modify({"name=a", "vnet"}); }) == "vnet cannot be changed after creation");
  CHECK(refusal([&] {
          k.modify({"name=a", "osrelease=12.4-RELEASE"});
        }) == "osrelease cannot be changed after creation");
  CHECK(refusal([&] {
          k.modify({"name=a", "osreldate=1302000"});
        }) == "osreldate cannot be changed after creation");
  // a restricted jail reads as ip4=disable, so ip4=new is a change
  CHECK(refusal([&] { k.modify({"name=a", "ip4=new"}); }) == "ip4 cannot be changed after creation");
  CHECK(refusal([&] { k.modify({"name=a", "ip6=inherit"}); }) == "ip6 cannot be changed after creation");
  CHECK(refusal([&] { k.create({"name=b", "persist", "osreldate=0"}); }) == "osreldate cannot be 0");
  CHECK(refusal([&] {
          k.create({"name=b", "persist", "osrelease=" + std::string(32, 'x')});
        }) == "osrelease string must be 1-31 bytes long");
}

TEST_CASE("kernel: ip4 modes: restricted by default, inherit only when asked, and never switched") {
  Kernel k;
  k.create({"name=plain", "persist"});
  k.create({"name=shared", "persist", "ip4=inherit"});
  k.create({"name=new", "persist", "ip4=new"});
  CHECK(word_of(k, "plain", "ip4") == "disable");
  CHECK(word_of(k, "plain", "ip4.addr") == "[]");
  CHECK(word_of(k, "shared", "ip4") == "inherit");
  CHECK(word_of(k, "new", "ip4") == "disable");
  // an inherit jail cannot be given addresses (kern_jail_set, update path)
  CHECK(refusal([&] {
          k.modify({"name=shared", "ip4.addr=203.0.113.5"});
        }) == "ip4 cannot be changed after creation");
  CHECK(word_of(k, "shared", "ip4.addr") == "[]");
  // a restricted one can, and can lose them again
  CHECK(refusal([&] { k.modify({"name=plain", "ip4.addr=203.0.113.5"}); }).empty());
  CHECK(word_of(k, "plain", "ip4.addr") == R"(["203.0.113.5"])");
  CHECK(refusal([&] { k.modify({"name=plain", "ip4.addr="}); }).empty());
  CHECK(word_of(k, "plain", "ip4") == "disable");
  // ip4.addr with ip4=inherit still restricts
  k.create({"name=both", "persist", "ip4=inherit", "ip4.addr=192.0.2.40"});
  CHECK(word_of(k, "both", "ip4") == "disable");
  CHECK(refusal([&] { k.create({"name=z", "persist", "ip4.addr=0.0.0.0"}); }) == k_einval);
  CHECK(refusal([&] { k.create({"name=z", "persist", "ip4.addr=192.0.2.7,192.0.2.7"}); }) == k_einval);
  CHECK(refusal([&] { k.create({"name=z", "persist", "ip6.addr=::"}); }) == k_einval);
}

TEST_CASE("kernel: a child's addresses are its restricted parent's, and follow them") {
  Kernel k;
  k.create({"name=p", "persist", "ip4.addr=192.0.2.1,192.0.2.2"});
  CHECK(refusal([&] { k.create({"name=p.c", "persist", "ip4.addr=192.0.2.9"}); }) == k_eperm);
  k.create({"name=p.i", "persist", "ip4=inherit"});
  CHECK(word_of(k, "p.i", "ip4") == "inherit");
  CHECK(word_of(k, "p.i", "ip4.addr") == R"(["192.0.2.1","192.0.2.2"])");
  k.create({"name=q", "persist", "ip4.addr=192.0.2.5"});
  k.create({"name=q.c", "persist", "ip4.addr=192.0.2.5"});  // both single: no clash
  k.modify({"name=p", "ip4.addr=192.0.2.2"});
  CHECK(word_of(k, "p.i", "ip4.addr") == R"(["192.0.2.2"])");
  // the inherit child reports no restriction of its own; a restricted child
  // of an inherit child is still bound by the nearest list
  CHECK(refusal([&] { k.create({"name=p.i.x", "persist", "ip4.addr=192.0.2.1"}); }) == k_eperm);
  k.modify({"name=q", "ip4.addr=192.0.2.5,192.0.2.6"});
  CHECK(word_of(k, "q.c", "ip4.addr") == R"(["192.0.2.5"])");
  k.modify({"name=q", "ip4.addr=192.0.2.6"});
  CHECK(word_of(k, "q.c", "ip4.addr") == "[]");  // prison_restrict_ip4
}

TEST_CASE("kernel: addresses clash between jails at one level unless both have exactly one") {
  Kernel k;
  k.create({"name=a", "persist", "ip4.addr=192.0.2.1"});
  CHECK(refusal([&] { k.create({"name=b", "persist", "ip4.addr=192.0.2.1"}); }).empty());
  CHECK(refusal([&] {
          k.create({"name=c", "persist", "ip4.addr=192.0.2.3,192.0.2.1"});
        }) == "IPv4 addresses clash");
  CHECK(refusal([&] { k.modify({"name=b", "ip4.addr=192.0.2.1,192.0.2.4"}); }) == "IPv4 addresses clash");
  k.create({"name=d", "persist", "ip6.addr=2001:db8::1,2001:db8::2"});
  CHECK(refusal([&] { k.create({"name=e", "persist", "ip6.addr=2001:db8::2"}); }) == "IPv6 addresses clash");
  // a vnet jail is a level of its own
  k.create({"name=v", "persist", "vnet", "children.max=3"});
  CHECK(refusal([&] { k.create({"name=v.x", "persist", "ip6.addr=2001:db8::2,2001:db8::9"}); }).empty());
  // the restricted parent itself counts: a child may share its one address only
  k.create({"name=m", "persist", "ip4.addr=198.51.100.1,198.51.100.2"});
  CHECK(refusal([&] {
          k.create({"name=m.c", "persist", "ip4.addr=198.51.100.2"});
        }) == "IPv4 addresses clash");
}

TEST_CASE("kernel: vnet is create-only, and a vnet jail has no address restrictions") {
  Kernel k;
  k.create({"name=v", "persist", "vnet"});
  CHECK(word_of(k, "v", "ip4") == "inherit");
  CHECK(word_of(k, "v", "vnet") == "new");
  CHECK(refusal([&] {
          k.modify({"name=v", "ip4.addr=192.0.2.1"});
        }) == "vnet jails cannot have IP address restrictions");
  CHECK(refusal([&] { k.modify({"name=v", "vnet=inherit"}); }) == "vnet cannot be changed after creation");
  // any vnet word with any ip word, even inherit (ch_flags in kern_jail_set)
  CHECK(refusal([&] {
          k.create({"name=w", "persist", "vnet", "ip4=inherit"});
        }) == "vnet jails cannot have IP address restrictions");
  CHECK(refusal([&] {
          k.create({"name=w", "persist", "vnet=inherit", "ip6.addr=2001:db8::1"});
        }) == "vnet jails cannot have IP address restrictions");
}

TEST_CASE("kernel: securelevel, children.max and enforce_statfs are bounded by the parent, and pass down") {
  Kernel k;
  k.create({"name=a", "persist", "securelevel=2", "children.max=5", "enforce_statfs=1"});
  // the top level is bounded by the host only: securelevel may go down again
  CHECK(refusal([&] { k.modify({"name=a", "securelevel=0"}); }).empty());
  k.modify({"name=a", "securelevel=2"});
  CHECK(refusal([&] { k.modify({"name=a", "children.max=999999"}); }) == k_eperm);
  CHECK(refusal([&] { k.modify({"name=a", "enforce_statfs=3"}); }) == k_einval);
  CHECK(refusal([&] { k.modify({"name=a", "enforce_statfs=-1"}); }) == k_einval);
  k.create({"name=a.b", "persist", "children.max=4"});
  CHECK(word_of(k, "a.b", "securelevel") == "2");  // the parent's
  CHECK(word_of(k, "a.b", "enforce_statfs") == "2");
  CHECK(refusal([&] { k.modify({"name=a.b", "securelevel=1"}); }) == k_eperm);
  CHECK(refusal([&] { k.modify({"name=a.b", "children.max=5"}); }) == k_eperm);
  CHECK(refusal([&] { k.modify({"name=a.b", "enforce_statfs=0"}); }) == k_eperm);
  CHECK(refusal([&] { k.create({"name=a.c", "persist", "securelevel=1"}); }) == k_eperm);
  k.modify({"name=a", "securelevel=3", "children.max=2", "enforce_statfs=2"});
  CHECK(word_of(k, "a.b", "securelevel") == "3");
  CHECK(word_of(k, "a.b", "children.max") == "1");
  CHECK(word_of(k, "a.b", "enforce_statfs") == "2");
  // lowering the parent leaves the child where it was
  k.modify({"name=a", "securelevel=-1"});
  CHECK(word_of(k, "a.b", "securelevel") == "3");
}

TEST_CASE(
    "kernel: devfs_ruleset is the parent's by default and passed down; allow.* only what the parent has") {
  Kernel k;
  k.create({"name=a", "persist", "devfs_ruleset=5", "allow.noset_hostname"});
  k.create({"name=a.b", "persist"});
  CHECK(word_of(k, "a.b", "devfs_ruleset") == "5");
  k.modify({"name=a", "devfs_ruleset=7"});
  CHECK(word_of(k, "a.b", "devfs_ruleset") == "7");
  CHECK(refusal([&] { k.modify({"name=a", "devfs_ruleset=65536"}); }) == k_einval);
  CHECK(refusal([&] { k.modify({"name=a.b", "allow.raw_sockets"}); }) == k_eperm);
  CHECK(refusal([&] { k.create({"name=a.c", "persist", "allow.set_hostname"}); }) == k_eperm);
  // PR_ALLOW_DIFFERENCES
  CHECK(refusal([&] { k.modify({"name=a", "allow.nounprivileged_proc_debug"}); }).empty());
  CHECK(refusal([&] { k.modify({"name=a.b", "allow.unprivileged_proc_debug"}); }).empty());
  // revoking passes down
  k.modify({"name=a", "allow.raw_sockets"});
  k.modify({"name=a.b", "allow.raw_sockets"});
  k.modify({"name=a", "allow.noraw_sockets"});
  CHECK(word_of(k, "a.b", "allow.raw_sockets") == "false");
  // what a child had at creation stays when the parent gains it later
  k.modify({"name=a", "allow.set_hostname"});
  CHECK(word_of(k, "a.b", "allow.set_hostname") == "false");
}

TEST_CASE("kernel: the defaults a new jail reports") {
  Kernel k;
  k.create({"name=a", "persist"});
  CHECK(word_of(k, "a", "securelevel") == "-1");
  CHECK(word_of(k, "a", "children.max") == "0");
  CHECK(word_of(k, "a", "enforce_statfs") == "2");
  CHECK(word_of(k, "a", "devfs_ruleset") == "0");
  CHECK(word_of(k, "a", "host") == "new");
  CHECK(word_of(k, "a", "vnet") == "inherit");
  CHECK(word_of(k, "a", "ip4") == "disable");
  CHECK(word_of(k, "a", "ip6.saddrsel") == "true");
  CHECK(word_of(k, "a", "osrelease") == "14.3-RELEASE");
  CHECK(word_of(k, "a", "allow.suser") == "true");
  CHECK(word_of(k, "a", "allow.mount") == "false");
  k.create({"name=h", "persist", "host.hostname=top"});
  k.create({"name=h.c", "persist", "host=inherit"});
  CHECK(word_of(k, "h.c", "host.hostname") == "top");
  k.modify({"name=h.c", "host.hostname=own"});
  CHECK(word_of(k, "h.c", "host") == "new");
}

TEST_CASE("kernel: jids follow the last one handed out, and a numeric name is the jid") {
  Kernel k;
  k.create({"name=x", "jid=5", "persist"});
  CHECK(k.create({"name=a", "persist"}) == "a");
  CHECK((*k.find_jail("a"))["jid"] == 1);  // an explicit jid moves nothing
  k.create({"name=b", "persist"});
  k.remove("b");
  k.create({"name=c", "persist"});
  CHECK((*k.find_jail("c"))["jid"] == 3);  // not 2 again
  k.create({"name=d", "persist"});
  k.create({"name=e", "persist"});
  CHECK((*k.find_jail("e"))["jid"] == 6);  // 5 is taken
  CHECK(k.create({"name=7", "persist"}) == "7");
  CHECK((*k.find_jail("7"))["jid"] == 7);
  CHECK(refusal([&] {
          k.create({"name=9", "jid=8", "persist"});
        }) == "name cannot be numeric (unless it is the jid)");
  CHECK(refusal([&] {
          k.create({"name=09", "persist"});
        }) == "name cannot be numeric (unless it is the jid)");
  CHECK(refusal([&] { k.create({"name=y", "jid=5", "persist"}); }) == "\"5\" already exists");
  CHECK(refusal([&] { k.create({"name=y", "jid=-2", "persist"}); }) == "negative jid");
  CHECK(k.create({"persist"}) == "8");  // no name: the jid
  // rename by jid, children along
  k.create({"name=a.k", "persist"});
  CHECK(refusal([&] { k.modify({"jid=1", "name=z.q"}); }) == "cannot change jail's parent");
  CHECK(refusal([&] { k.modify({"jid=1", "name=c"}); }) == "jail \"c\" already exists");
  k.modify({"jid=1", "name=r"});
  CHECK(k.find_jail("r.k") != nullptr);
}

TEST_CASE("kernel: a jail dies without persist, processes and children; dying jails keep their name") {
  Kernel k;
  k.create({"name=p", "persist", "children.max=2"});
  k.create({"name=p.c", "persist"});
  // a live child holds its parent
  k.modify({"name=p", "nopersist"});
  CHECK(k.find_jail("p") != nullptr);
  k.remove("p.c");
  CHECK(k.find_jail("p") == nullptr);
  // a jail still held goes on dying, out of sight, with its name and jid
  k.state["linger"] = true;
  k.create({"name=w", "persist"});
  const auto jid = (*k.find_jail("w"))["jid"].get<long long>();
  k.remove("w");
  CHECK(k.find_jail("w") == nullptr);
  REQUIRE(k.find_dying("w") != nullptr);
  CHECK(refusal([&] { k.modify({"name=w", "persist"}); }) == "\"w\" not found");
  CHECK(refusal([&] { k.remove("w"); }) == "\"w\" not found");
  CHECK(refusal([&] { k.create({"name=w.x", "persist"}); }) == "jail \"w\" is dying");
  // a new jail may take the dying one's name (a new jid) or its jid (the dying one moves)
  k.create({"name=w", "persist"});
  CHECK((*k.find_jail("w"))["jid"].get<long long>() != jid);
  k.remove("w");
  k.create({"name=n", "jid=" + std::to_string(jid), "persist"});
  CHECK((*k.find_jail("n"))["jid"].get<long long>() == jid);
  for (const auto& d : k.state["dying"]) CHECK(d["jid"].get<long long>() != jid);
  k.reap();
  CHECK(k.find_dying("w") == nullptr);
}
