// The command runner for real (posix_spawn, output, exit status, timeouts)
// and the FreeBSD backend's argv for every helper step (jail-semantics §4.6).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <chrono>
#include <map>

#include <fmt/format.h>

#include "executor/command_runner.hpp"
#include "executor/freebsd/commands.hpp"
#include "executor/freebsd/observer.hpp"
#include "executor/host_lock.hpp"
#include "planner_util.hpp"

using namespace jailplan;
using namespace std::chrono_literals;

namespace {

std::string argv_of(const Step& s, const std::string& jail = "www", const std::string& j = "www") {
  std::string error;
  const auto argv = freebsd_helper_argv(jail, j, s, error);
  return error.empty() ? format_argv(argv) : "error: " + error;
}

Step step(StepKind k, std::vector<std::string> args) {
  return Step{k, Phase::start, std::move(args), {}, {}, {}};
}

}  // namespace

TEST_CASE("runner: output, exit status, environment and directory") {
  PosixCommandRunner r;
  auto res = r.run({{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, std::nullopt, "", 0ms});
  CHECK(res.exit_code == 3);
  CHECK(res.out == "out\n");
  CHECK(res.err == "err\n");
  CHECK(res.describe() == "failed (exit 3)");
  res = r.run({{"sh", "-c", "echo \"$FOO\"; pwd"},
               std::vector<std::string>{"FOO=bar", "PATH=/bin:/usr/bin"},
               "/tmp",
               0ms});
  CHECK(res.ok());
  CHECK(res.out == "bar\n/tmp\n");
  res = r.run({{"/nonexistent/program"}, std::nullopt, "", 0ms});
  CHECK_FALSE(res.ok());
  CHECK(res.describe() == "cannot run: /nonexistent/program: No such file or directory");
  res = r.run({{"/bin/sh", "-c", "kill -9 $$"}, std::nullopt, "", 0ms});
  CHECK(res.describe() == "exited on signal 9");
}

TEST_CASE("runner: a command runs as another user of the host, or fails clearly for an unknown one") {
  PosixCommandRunner r;
  Command unknown({"/usr/bin/id", "-u"});
  unknown.user = "no-such-user-jailplan";
  const auto bad = r.run(unknown);
  CHECK(bad.spawn_error == "no-such-user-jailplan: no such user");
  if (::geteuid() != 0) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string_view(ci) == "true") FAIL("changing to another user needs root");
    MESSAGE("SKIPPED: changing to another user needs root");
    return;
  }
  std::string error;
  const auto nobody = host_account("nobody", error);
  REQUIRE(nobody.has_value());
  Command id({"id", "-u"});
  id.user = "nobody";
  id.extra_env = {"JNAME=web"};
  auto res = r.run(id);
  CHECK(res.ok());
  CHECK(res.out == fmt::format("{}\n", nobody->uid));
  Command env({"/bin/sh", "-c", "echo $JNAME"});
  env.extra_env = {"JNAME=web"};
  res = r.run(env);
  CHECK(res.out == "web\n");
}

TEST_CASE("runner: a timeout ends the whole process group; a left-behind daemon does not block") {
  PosixCommandRunner r;
  const auto t0 = std::chrono::steady_clock::now();
  auto res = r.run({{"/bin/sh", "-c", "sleep 30 & sleep 30"}, std::nullopt, "", 200ms, 500ms});
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(res.timed_out);
  CHECK(res.describe() == "timed out");
  CHECK(took < 5s);
  // a command that starts a background process holding stdout returns when
  // the command itself exits, as jail(8) does with `cmd &`
  const auto t1 = std::chrono::steady_clock::now();
  res = r.run({{"/bin/sh", "-c", "(sleep 2; echo late) & echo early"}, std::nullopt, "", 0ms});
  CHECK(res.ok());
  CHECK(res.out == "early\n");
  CHECK(std::chrono::steady_clock::now() - t1 < 1900ms);
}

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

TEST_CASE("host lock: a second process waits, then refuses naming the holder") {
  char dir[] = "/tmp/jailplan-lock-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/jailplan.lock";
  {
    HostLock held;
    REQUIRE(held.acquire(path, "apply", 0ms).empty());
    const pid_t child = fork();
    if (child == 0) {
      HostLock other;
      const std::string err = other.acquire(path, "apply", 200ms);
      const bool named = err.find(fmt::format("pid {}", getppid())) != std::string::npos &&
                         err.find("apply since ") != std::string::npos;
      _exit(named && !other.held() ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  // released: a process that holds it briefly makes the next one wait, not fail
  const pid_t holder = fork();
  if (holder == 0) {
    HostLock l;
    if (!l.acquire(path, "destroy", 0ms).empty()) _exit(1);
    usleep(300000);
    _exit(0);
  }
  usleep(100000);
  HostLock waited;
  CHECK(waited.acquire(path, "apply", 5000ms).empty());
  CHECK(waited.held());
  int status = 0;
  waitpid(holder, &status, 0);
  CHECK(WEXITSTATUS(status) == 0);
  std::remove(path.c_str());
  rmdir(dir);
}
