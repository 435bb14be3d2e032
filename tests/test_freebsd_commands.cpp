// The FreeBSD backend's argv for every helper step (jail-semantics §4.6)
// and jail(8)'s way of running exec.* values (§4.7).
#include <doctest/doctest.h>

#include <map>
#include <string_view>

#include <fmt/format.h>

#include "executor/command_runner.hpp"
#include "executor/freebsd/commands.hpp"
#include "planner_util.hpp"

using namespace jailplan;

namespace {

std::string argv_of(const Step& s, const std::string& jail = "www", const std::string& j = "www") {
  const auto argv = freebsd_helper_argv(jail, j, s);
  return argv ? format_argv(*argv) : "error: " + argv.message();
}

Step step(StepKind k, std::vector<std::string> args) {
  return Step{k, Phase::start, std::move(args), {}, {}, {}};
}

}  // namespace

TEST_CASE("freebsd argv: aliases in every mask form (§4.6)") {
  CHECK(argv_of(step(StepKind::alias_add, {"inet", "em0", "198.51.100.10", ""})) ==
        "/sbin/ifconfig em0 inet 198.51.100.10 netmask 255.255.255.255 alias");
  CHECK(
      argv_of(step(StepKind::alias_add, {"inet", "em0", "198.51.100.10", "/24", "vhid", "3", "pass", "x"})) ==
      "/sbin/ifconfig em0 inet 198.51.100.10/24 vhid 3 pass x alias");
  CHECK(argv_of(step(StepKind::alias_remove, {"inet", "em0", "198.51.100.10", "/24", "vhid", "3"})) ==
        "/sbin/ifconfig em0 inet 198.51.100.10/24 -alias");
  CHECK(argv_of(step(StepKind::alias_add, {"inet", "lo1", "198.51.100.10", "255.255.255.0"})) ==
        "/sbin/ifconfig lo1 inet 198.51.100.10 netmask 255.255.255.0 alias");
  CHECK(argv_of(step(StepKind::alias_add, {"inet6", "em0", "2001:db8::1", ""})) ==
        "/sbin/ifconfig em0 inet6 2001:db8::1 prefixlen 128 alias");
  CHECK(argv_of(step(StepKind::alias_remove, {"inet6", "em0", "2001:db8::1", "/64"})) ==
        "/sbin/ifconfig em0 inet6 2001:db8::1/64 -alias");
}

TEST_CASE("freebsd argv: mounts, devfs with its ruleset, fdescfs, procfs") {
  CHECK(argv_of(step(StepKind::mount, {"/data /j/www/data nullfs ro 0 0"})) ==
        "/sbin/mount -t nullfs -o ro /data /j/www/data");
  CHECK(argv_of(step(StepKind::mount, {"tmpfs\t/j/www/tmp  tmpfs"})) ==
        "/sbin/mount -t tmpfs tmpfs /j/www/tmp");
  CHECK(argv_of(step(StepKind::mount, {"/my\\040data /j/www/my\\040data nullfs rw"})) ==
        "/sbin/mount -t nullfs -o rw '/my data' '/j/www/my data'");
  CHECK(argv_of(step(StepKind::umount, {"/data /j/www/data nullfs ro 0 0"})) ==
        "/sbin/umount -t nullfs /j/www/data");
  CHECK(argv_of(step(StepKind::mount, {"/data /j/www/data"})) ==
        "error: mount: /data /j/www/data: missing information");
  CHECK(argv_of(step(StepKind::mount, {"/data data nullfs"})) ==
        "error: mount: data: not an absolute pathname");
  CHECK(argv_of(step(StepKind::mount_devfs, {"/j/www/dev", "4"})) ==
        "/sbin/mount -t devfs -oruleset=4 . /j/www/dev");
  CHECK(argv_of(step(StepKind::mount_fdescfs, {"/j/www/dev/fd"})) ==
        "/sbin/mount -t fdescfs . /j/www/dev/fd");
  CHECK(argv_of(step(StepKind::mount_procfs, {"/j/www/proc"})) == "/sbin/mount -t procfs . /j/www/proc");
  CHECK(argv_of(step(StepKind::umount_devfs, {"/j/www/dev"})) == "/sbin/umount /j/www/dev");
}

TEST_CASE("freebsd argv: a changed devfs ruleset, as rc.subr's devfs_domount gives it") {
  const auto argvs_of = [](const Step& s) {
    const auto argvs = freebsd_devfs_ruleset_argvs(s);
    if (!argvs) return "error: " + argvs.message();
    std::string out;
    for (const auto& argv : *argvs) out += format_argv(argv) + "\n";
    return out;
  };
  CHECK(argvs_of(step(StepKind::devfs_ruleset, {"/j/www/dev", "5"})) ==
        "/sbin/devfs -m /j/www/dev ruleset 5\n"
        "/sbin/devfs -m /j/www/dev rule applyset\n");
  CHECK(argvs_of(step(StepKind::devfs_ruleset, {"/j/my www/dev", "5"})) ==
        "/sbin/devfs -m '/j/my www/dev' ruleset 5\n"
        "/sbin/devfs -m '/j/my www/dev' rule applyset\n");
  // ruleset 0 is none: nothing to apply (DEVFSIO_SAPPLY refuses it)
  CHECK(argvs_of(step(StepKind::devfs_ruleset, {"/j/www/dev", "0"})) ==
        "/sbin/devfs -m /j/www/dev ruleset 0\n");
  CHECK(argvs_of(step(StepKind::devfs_ruleset, {"/j/www/dev"})) ==
        "error: step devfs_ruleset is not a devfs ruleset change [this is a bug]");
  CHECK(argv_of(step(StepKind::devfs_ruleset, {"/j/www/dev", "5"})) ==
        "error: step devfs_ruleset is not a helper command");
}

TEST_CASE("freebsd argv: jail -c with kernel parameters only, -m, -R, vnet interfaces") {
  const auto c = test::site(
      "www { path = /j/www; host.hostname = www.example.org; exec.start = \"/bin/sh /etc/rc\";"
      " mount.devfs; ip4.addr = \"em0|198.51.100.10/24\"; allow.noraw_sockets; }");
  const Plan p = test::plan_of(c, ObservedState{});
  const Step* create = nullptr;
  for (const auto& s : p.jails.at(0).steps)
    if (s.kind == StepKind::create) create = &s;
  REQUIRE(create != nullptr);
  CHECK(argv_of(*create) ==
        "/usr/sbin/jail -c name=www allow.noraw_sockets host.hostname=www.example.org ip4.addr=198.51.100.10 "
        "path=/j/www persist");
  Step set = step(StepKind::set, {});
  set.params = {{"host.hostname", {"web"}, {}, {}}, {"allow.mount", {"true"}, {}, {}}};
  CHECK(argv_of(set) == "/usr/sbin/jail -m name=www host.hostname=web allow.mount");
  CHECK(argv_of(step(StepKind::drop_persist, {})) == "/usr/sbin/jail -m name=www nopersist");
  CHECK(argv_of(step(StepKind::remove, {})) == "/usr/sbin/jail -R www");
  CHECK(argv_of(step(StepKind::vnet_interface, {"epair0b"}), "www", "7") == "/sbin/ifconfig epair0b vnet 7");
  CHECK(argv_of(step(StepKind::start, {"x"})) == "error: step exec.start is not a helper command");
}

TEST_CASE("freebsd: exec values run as jail(8) runs them (§4.7)") {
  auto h = hook_command("/bin/sh /etc/rc");
  CHECK(format_argv(h.argv) == "/bin/sh /etc/rc");
  CHECK_FALSE(h.background);
  h = hook_command("echo $HOME > /tmp/x");
  CHECK(h.argv == std::vector<std::string>{"/bin/sh", "-c", "echo $HOME > /tmp/x"});
  h = hook_command("/usr/local/bin/worker --id 3 &");
  CHECK(format_argv(h.argv) == "/usr/local/bin/worker --id 3");
  CHECK(h.background);
  h = hook_command("a & b");
  CHECK(h.argv.size() == 3);
  CHECK_FALSE(h.background);
}
