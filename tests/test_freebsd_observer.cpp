// Observing a FreeBSD host: a constant number of commands, records
// attached, failures reported clearly.
#include <doctest/doctest.h>

#include <map>
#include <string_view>

#include <fmt/format.h>

#include "executor/command_runner.hpp"
#include "executor/freebsd/observer.hpp"
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

}  // namespace

TEST_CASE("freebsd observer: three commands for any number of jails, records attached") {
  ScriptedRunner runner;
  std::string jls;
  for (int i = 1; i <= 50; ++i)
    jls += fmt::format("jid={} name=j{} path=/j/j{} persist dying=false\n", i, i, i);
  runner.answers["/usr/sbin/jls"] = output(jls);
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
        std::vector<std::string>{"/usr/sbin/jls -dnq", "/sbin/mount -p", "/sbin/ifconfig -a"});
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
        "cannot observe the host: /usr/sbin/jls -dnq: failed (exit 1): jls: sysctl(security.jail.param): "
        "Operation "
        "not permitted");
}
