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
  CHECK(refusal([&] { k.create({"name=a", "persist"}); }) == "jail \"a\" already exists");
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
  CHECK(refusal([&] { k.modify({"name=z", "securelevel=1"}); }) == "jail \"z\" not found");
  CHECK(refusal([&] { k.modify({"securelevel=1"}); }) == "no jail name or jid");
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
  CHECK(k.kill_processes("d"));
  CHECK_FALSE(k.kill_processes("d"));
  k.modify({"name=ab", "persist=0"});
  CHECK(k.find_jail("ab") == nullptr);
  k.remove("a");
  CHECK(k.find_jail("a") == nullptr);
  CHECK(k.find_jail("a.b.c") == nullptr);
  CHECK(k.find_jail("d") != nullptr);
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
