// The applier on the FreeBSD backend with a runner that records, or fails
// the k-th command: order of commands, rollback of a half-made jail, and
// dependents skipped.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>

#include "executor/applier.hpp"
#include "executor/command_runner.hpp"
#include "executor/freebsd/backend.hpp"
#include "executor/journal.hpp"
#include "planner/plan_file.hpp"
#include "planner/snapshot.hpp"
#include "planner_util.hpp"

using namespace jailplan;

namespace {

// Records every command; the `fail_at`-th one (1-based) fails.
class FailingRunner final : public CommandRunner {
 public:
  explicit FailingRunner(std::size_t fail_at) : m_fail_at(fail_at) {}
  std::vector<std::string> log;
  CommandResult run(const Command& c) override {
    log.push_back(format_argv(c.argv));
    CommandResult r;
    r.exit_code = log.size() == m_fail_at ? 1 : 0;
    if (r.exit_code != 0) r.err = "simulated failure\n";
    return r;
  }

 private:
  std::size_t m_fail_at;
};

const char* const k_site = R"(
db { path = /j/db; persist; mount.devfs; ip4.addr = "em0|198.51.100.11/24"; children.max = 1; }
web { path = /j/web; persist; depend = db; mount.procfs; }
db.sub { path = /j/db/sub; persist; }
)";

}  // namespace

TEST_CASE("apply: commands in dependency order, argv-exact") {
  const auto c = test::site(k_site);
  const Plan p = test::plan_of(c, ObservedState{});
  FailingRunner runner(0);
  FreeBsdBackend backend(runner, true);
  const ApplyResult r = apply_plan(p, backend, RecordKeeping::none());
  CHECK(r.ok());
  CHECK(runner.log ==
        std::vector<std::string>{
            "/sbin/ifconfig em0 inet 198.51.100.11/24 alias",
            "/sbin/mount -t devfs -oruleset=4 . /j/db/dev",
            "/usr/sbin/jail -c name=db children.max=1 ip4.addr=198.51.100.11 path=/j/db persist",
            "/usr/sbin/jail -c name=db.sub path=/j/db/sub persist",
            "/sbin/mount -t procfs . /j/web/proc",
            "/usr/sbin/jail -c name=web path=/j/web persist",
        });
}

TEST_CASE("apply: a failure part-way rolls the jail back and skips its dependents, for every k") {
  const auto c = test::site(k_site);
  const Plan p = test::plan_of(c, ObservedState{});
  for (std::size_t k = 1; k <= 6; ++k) {
    CAPTURE(k);
    FailingRunner runner(k);
    FreeBsdBackend backend(runner, true);
    const ApplyResult r = apply_plan(p, backend, RecordKeeping::none());
    REQUIRE_FALSE(r.ok());
    const auto failed = std::count_if(r.jails.begin(), r.jails.end(),
                                      [](const auto& j) { return j.status == JailOutcome::Status::failed; });
    CHECK(failed == 1);
    CHECK(r.jails.size() == 3);
    // every alias and mount made before the failure is undone, in reverse
    std::size_t made = 0, undone = 0;
    for (std::size_t i = 0; i + 1 < k; ++i) {
      const auto& cmd = runner.log[i];
      made += cmd.find(" alias") != std::string::npos || cmd.find("/sbin/mount ") == 0 ? 1U : 0U;
    }
    for (std::size_t i = k; i < runner.log.size(); ++i) {
      const auto& cmd = runner.log[i];
      undone += cmd.find("-alias") != std::string::npos || cmd.find("/sbin/umount ") == 0 ? 1U : 0U;
    }
    if (k <= 3) {  // db failed: both of its dependents are skipped
      CHECK(r.jails[0].status == JailOutcome::Status::failed);
      CHECK(r.jails[1].status == JailOutcome::Status::skipped);
      CHECK(r.jails[2].status == JailOutcome::Status::skipped);
      CHECK(undone == made);
    }
  }
  FailingRunner runner(3);  // db's jail -c
  FreeBsdBackend backend(runner, true);
  const ApplyResult r = apply_plan(p, backend, RecordKeeping::none());
  CHECK(r.jails[0].error ==
        "jail: db: /usr/sbin/jail -c name=db children.max=1 ip4.addr=198.51.100.11 path=/j/db persist: "
        "failed (exit "
        "1): simulated failure");
  CHECK(r.jails[0].undone ==
        std::vector<std::string>{"umount.devfs \"/j/db/dev\"",
                                 "alias-remove \"inet\" \"em0\" \"198.51.100.11\" \"/24\""});
  CHECK(r.jails[2].error == "skipped: it depends on 'db', which failed");
  // the error is a located diagnostic: the jail's block asked for its creation
  REQUIRE(r.jails[0].diagnostics.error_count() == 1);
  const Diagnostic& d = r.jails[0].diagnostics.items().at(0);
  CHECK(d.summary == r.jails[0].error);
  REQUIRE(d.location.valid());
  CHECK(d.location.to_string() == "t.conf:2:1");

  // a failing mount points at the statement that asked for it
  FailingRunner mounts(2);  // db's devfs
  FreeBsdBackend b2(mounts, true);
  const ApplyResult m = apply_plan(p, b2, RecordKeeping::none());
  REQUIRE(m.jails[0].diagnostics.error_count() == 1);
  CHECK(m.jails[0].diagnostics.items().at(0).location.to_string() == "t.conf:2:29");  // mount.devfs
}

TEST_CASE(
    "apply: resource limits from $jailplan_rctl become rctl rules, set at start, changed in place, removed") {
  const auto c = test::site(R"(
web { path = /j/web; persist; $jailplan_rctl = "memoryuse:deny=512M", "maxproc:deny=100"; }
)");
  const Plan p = test::plan_of(c, ObservedState{});
  FailingRunner runner(0);
  FreeBsdBackend backend(runner, true);
  REQUIRE(apply_plan(p, backend, RecordKeeping::none()).ok());
  CHECK(runner.log == std::vector<std::string>{
                          "/usr/sbin/jail -c name=web path=/j/web persist",
                          "/usr/bin/rctl -r jail:web",
                          "/usr/bin/rctl -a jail:web:memoryuse:deny=512M",
                          "/usr/bin/rctl -a jail:web:maxproc:deny=100",
                      });
  // a changed rule set is replaced in the running jail: an update, no restart
  ObservedState running;
  ObservedJail web;
  web.name = "web";
  web.jid = 3;
  web.params = {{"name", {"web"}}, {"path", {"/j/web"}}, {"persist", {"true"}}};
  web.applied = p.jails.at(0).applied;
  running.jails.push_back(web);
  const auto changed = test::site(R"(
web { path = /j/web; persist; $jailplan_rctl = "memoryuse:deny=1G"; }
)");
  const Plan q = test::plan_of(changed, running);
  REQUIRE(q.jails.size() == 1);
  CHECK(q.jails[0].action == Action::update);
  FailingRunner again(0);
  FreeBsdBackend b2(again, true);
  REQUIRE(apply_plan(q, b2, RecordKeeping::none()).ok());
  CHECK(again.log ==
        std::vector<std::string>{"/usr/bin/rctl -r jail:web", "/usr/bin/rctl -a jail:web:memoryuse:deny=1G"});
  // gone from the configuration (pruned): removed after the jail
  const Plan gone = test::plan_of(test::site(""), running, true);
  FailingRunner last(0);
  FreeBsdBackend b3(last, true);
  REQUIRE(apply_plan(gone, b3, RecordKeeping::none()).ok());
  CHECK(last.log == std::vector<std::string>{"/bin/pkill -TERM -j 3", "/bin/pgrep -j 3",
                                             "/bin/pkill -KILL -j 3", "/usr/sbin/jail -R web",
                                             "/usr/bin/rctl -r jail:web"});
}

TEST_CASE("apply: exec.system_user, exec.clean, exec.fib and the JNAME/JPATH environment (§4.7)") {
  const auto nobody = host_account("nobody");
  REQUIRE_MESSAGE(nobody.ok(), nobody.message());
  const auto me = host_account("");
  REQUIRE_MESSAGE(me.ok(), me.message());
  const auto c = test::site(R"(
web {
  path = /j/web; persist; interface = em0; ip4.addr = 198.51.100.10;
  exec.system_user = nobody; exec.jail_user = www; exec.fib = 2;
  exec.prestart = "echo pre"; exec.start = "/bin/sh /etc/rc";
}
db { path = /j/db; persist; exec.clean; mount.procfs; exec.prestart = "echo pre"; exec.start = "/bin/sh /etc/rc"; }
)");
  RecordingRunner runner;
  FreeBsdBackend backend(runner, true);
  REQUIRE(apply_plan(test::plan_of(c, ObservedState{}), backend, RecordKeeping::none()).ok());
  std::map<std::string, Command> by_argv;
  for (const auto& cmd : runner.commands()) by_argv[format_argv(cmd.argv)] = cmd;
  const auto has = [](const std::vector<std::string>& env, const std::string& var) {
    return std::find(env.begin(), env.end(), var) != env.end();
  };
  // host commands, helpers included, run as exec.system_user with its
  // USER/HOME/SHELL; creating the jail is jail(8)'s own system call
  const Command& alias = by_argv.at("/sbin/ifconfig em0 inet 198.51.100.10 netmask 255.255.255.255 alias");
  CHECK(alias.user == "nobody");
  CHECK(has(alias.extra_env, "HOME=" + nobody->home));
  const Command& pre = by_argv.at("echo pre");
  CHECK(pre.user == "nobody");
  CHECK(has(pre.extra_env, "USER=nobody"));
  CHECK(has(pre.extra_env, "JNAME=web"));
  CHECK(has(pre.extra_env, "JPATH=/j/web"));
  CHECK(by_argv.at("/usr/sbin/jail -c name=web ip4.addr=198.51.100.10 path=/j/web persist").user.empty());
  // in-jail commands: the jail's user through jexec, the FIB through setfib
  const Command& start = by_argv.at("/usr/sbin/setfib 2 /usr/sbin/jexec -U www web /bin/sh /etc/rc");
  CHECK(start.user.empty());
  CHECK(has(start.extra_env, "JNAME=web"));
  // exec.clean: the host command's environment is scrubbed to PATH (and
  // TERM) plus the invoking user's USER/HOME/SHELL, and it starts at home
  bool found_clean = false;
  for (const auto& cmd : runner.commands()) {
    if (format_argv(cmd.argv) != "echo pre" || cmd.user == "nobody") continue;
    found_clean = true;
    REQUIRE(cmd.env.has_value());
    CHECK(cmd.env->at(0) == "PATH=/bin:/usr/bin");
    CHECK(has(cmd.extra_env, "HOME=" + me->home));
    CHECK(cmd.cwd == me->home);
    CHECK_FALSE(has(cmd.extra_env, "JNAME=db"));
  }
  CHECK(found_clean);
  CHECK(by_argv.count("/usr/sbin/jexec -l db /bin/sh /etc/rc") == 1);
  CHECK(by_argv.at("/sbin/mount -t procfs . /j/db/proc").env.has_value());
}

TEST_CASE("apply: a jail is torn down with the settings it was started with, never the next ones") {
  // its record says how it was started: exec.system_user, exec.jail_user,
  // exec.fib and exec.clean, and its old path
  auto host = test::applied(R"(
web {
  path = /j/web; persist; mount.procfs; interface = em0; ip4.addr = 198.51.100.10;
  exec.system_user = nobody; exec.jail_user = www; exec.fib = 2; exec.clean;
  exec.prestop = "echo prestop"; exec.stop = "/bin/sh /etc/rc.shutdown"; exec.poststop = "echo poststop";
}
)");
  const auto commands = [](const Plan& plan) {
    RecordingRunner runner;
    FreeBsdBackend backend(runner, true);
    REQUIRE(apply_plan(plan, backend, RecordKeeping::none()).ok());
    std::map<std::string, Command> by_argv;
    for (const auto& cmd : runner.commands()) by_argv[format_argv(cmd.argv)] = cmd;
    return by_argv;
  };
  SUBCASE("replaced by a jail with other settings") {
    const auto next = test::site(R"(
web { path = /j/web2; persist; mount.procfs; exec.stop = "/bin/sh /etc/rc.shutdown"; }
)");
    const Plan plan = test::plan_of(next, host.state);
    REQUIRE(plan.jails.size() == 1);
    REQUIRE(plan.jails[0].action == Action::replace);
    const auto by_argv = commands(plan);
    CHECK(by_argv.at("echo prestop").user == "nobody");
    CHECK(by_argv.count("/usr/sbin/setfib 2 /usr/sbin/jexec -l -U www web /bin/sh /etc/rc.shutdown") == 1);
    CHECK(by_argv.at("/sbin/umount /j/web/proc").user == "nobody");
    CHECK(by_argv.at("/sbin/ifconfig em0 inet 198.51.100.10 netmask 255.255.255.255 -alias").user ==
          "nobody");
    CHECK(by_argv.at("echo poststop").env.has_value());  // exec.clean
    // the new jail starts with its own settings: no user, no clean environment
    CHECK(by_argv.at("/sbin/mount -t procfs . /j/web2/proc").user.empty());
    CHECK_FALSE(by_argv.at("/sbin/mount -t procfs . /j/web2/proc").env.has_value());
  }
  SUBCASE("destroyed: gone from the configuration, with --prune") {
    const auto next = test::site("other { path = /j/other; persist; }\n");
    const Plan plan = test::plan_of(next, host.state, true);
    REQUIRE(plan.find("web") != nullptr);
    REQUIRE(plan.find("web")->action == Action::destroy);
    const auto by_argv = commands(plan);
    CHECK(by_argv.at("echo prestop").user == "nobody");
    CHECK(by_argv.count("/usr/sbin/setfib 2 /usr/sbin/jexec -l -U www web /bin/sh /etc/rc.shutdown") == 1);
    CHECK(by_argv.at("/sbin/umount /j/web/proc").user == "nobody");
  }
  SUBCASE("the settings survive a saved plan") {
    const auto next = test::site("web { path = /j/web2; persist; }\n");
    const Plan plan = test::plan_of(next, host.state);
    SourceSet sources;
    const auto loaded = parse_plan_json(sources.add("plan.json", render_plan_json(plan)));
    REQUIRE_MESSAGE(loaded.ok(), render(loaded.diagnostics()));
    REQUIRE(loaded.value().jails.at(0).teardown == plan.jails.at(0).teardown);
    const auto by_argv = commands(loaded.value());
    CHECK(by_argv.count("/usr/sbin/setfib 2 /usr/sbin/jexec -l -U www web /bin/sh /etc/rc.shutdown") == 1);
  }
}

namespace {

/// Succeeds at every step; the jail's id is 7. Notes the applied record as
/// it is when each step runs.
class RecordingBackend final : public Backend {
 public:
  explicit RecordingBackend(std::string record) : m_record(std::move(record)) {}
  std::vector<std::string> seen;  ///< per step: "kind: record text or -"
  Status run(const JailChange& /*j*/, const Step& s) override {
    std::ifstream in(m_record);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    seen.push_back(fmt::format("{}: {}", to_string(s.kind),
                               !in                                                     ? "-"
                               : text.find("\"complete\": false") != std::string::npos ? "provisional"
                               : text.find("\"stopping\": true") != std::string::npos  ? "stopping"
                                                                                       : "whole"));
    return {};
  }
  std::optional<std::int64_t> jid(const JailChange& /*j*/) override { return 7; }

 private:
  std::string m_record;
};

}  // namespace

TEST_CASE("apply: the applier keeps the applied records, provisional first, then whole with the jid") {
  char tmp[] = "/tmp/jailplan-records-XXXXXX";
  REQUIRE(::mkdtemp(tmp) != nullptr);
  const std::string dir = std::string(tmp) + "/applied";
  const std::string record = dir + "/a.json";
  const auto c = test::site("a { path = /j/a; persist; mount.devfs; }");
  RecordingBackend backend(record);
  const ApplyResult r = apply_plan(test::plan_of(c, ObservedState{}), backend, RecordKeeping::in(dir));
  REQUIRE(r.ok());
  // every step ran with the provisional record in place; record and forget
  // never reach the backend
  CHECK(backend.seen == std::vector<std::string>{"mount.devfs: provisional", "create: provisional"});
  SourceSet sources;
  std::ifstream in(record);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto whole = parse_record(sources.add(record, text));
  REQUIRE(whole.ok());
  CHECK(whole->complete);
  CHECK(whole->jid == 7);

  // destroying it marks the record `stopping` before its first stop step,
  // then forgets it; a temporary file a killed write left goes too
  std::ofstream(record + ".jailplan-Ab12Cd") << "{\"digest\": ";
  std::ofstream(dir + "/notes.txt") << "not jailplan's\n";
  ObservedState running = test::jls("jid=7 name=a path=/j/a persist");
  running.jails[0].applied = whole.value();
  backend.seen.clear();
  const ApplyResult gone =
      apply_plan(test::plan_of(test::site(""), running, true), backend, RecordKeeping::in(dir));
  REQUIRE(gone.ok());
  CHECK(backend.seen ==
        std::vector<std::string>{"term: stopping", "remove: stopping", "umount.devfs: stopping"});
  CHECK_FALSE(std::filesystem::exists(record));
  CHECK_FALSE(std::filesystem::exists(record + ".jailplan-Ab12Cd"));
  CHECK(std::filesystem::exists(dir + "/notes.txt"));

  // a records directory that cannot be made fails the jail before it starts
  const std::string blocker = std::string(tmp) + "/a-file";
  std::ofstream(blocker) << "not a directory\n";
  RecordingBackend other(record);
  const ApplyResult refused =
      apply_plan(test::plan_of(c, ObservedState{}), other, RecordKeeping::in(blocker + "/applied"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.jails.at(0).error.find("jail: a: cannot") == 0);
  CHECK(other.seen.empty());
  std::filesystem::remove_all(tmp);
}

TEST_CASE("journal: a step line names the statement that asked for the step") {
  char tmp[] = "/tmp/jailplan-journal-XXXXXX";
  REQUIRE(::mkdtemp(tmp) != nullptr);
  const std::string path = std::string(tmp) + "/journal.jsonl";
  const auto c = test::site("a { path = /j/a; persist; mount.devfs; }");
  const Plan p = test::plan_of(c, ObservedState{});
  FailingRunner runner(1);  // the devfs mount fails
  FreeBsdBackend backend(runner, true);
  Journal journal;
  REQUIRE(journal.open(path, "apply t.conf").ok());
  const ApplyResult r =
      apply_plan(p, backend, RecordKeeping::none(), [&](const StepReport& s) { journal.step(s); });
  journal.finish(r);
  std::ifstream in(path);
  std::string line, failed;
  while (std::getline(in, line))
    if (line.find("\"ok\":false") != std::string::npos) failed = line;
  CHECK(failed.find("\"origin\":\"t.conf:1:27\"") != std::string::npos);
  std::filesystem::remove_all(tmp);
}

namespace {

/// Throws from one jail's create step; every other step succeeds.
class ThrowingBackend final : public Backend {
 public:
  explicit ThrowingBackend(std::string victim) : m_victim(std::move(victim)) {}
  Status run(const JailChange& j, const Step& s) override {
    if (j.name == m_victim && s.kind == StepKind::create) throw std::runtime_error("boom");
    return {};
  }

 private:
  std::string m_victim;
};

}  // namespace

TEST_CASE("apply: an exception in one jail's step fails that jail only, with -j 4; the journal ends") {
  char tmp[] = "/tmp/jailplan-throw-XXXXXX";
  REQUIRE(::mkdtemp(tmp) != nullptr);
  const std::string path = std::string(tmp) + "/journal.jsonl";
  const auto c = test::site(
      "a { path = /j/a; persist; exec.start = \"echo a\"; }\n"
      "b { path = /j/b; persist; mount.devfs; }\nc { path = /j/c; persist; }\n"
      "d { path = /j/d; persist; }\ne { path = /j/e; persist; depend = b; }\nf { path = /j/f; persist; }\n");
  const Plan p = test::plan_of(c, ObservedState{});
  ThrowingBackend backend("b");
  Journal journal;
  REQUIRE(journal.open(path, "apply t.conf").ok());
  const ApplyResult r = apply_plan(
      p, backend, RecordKeeping::in(std::string(tmp) + "/applied"),
      [&](const StepReport& s) { journal.step(s); }, 4);
  journal.finish(r);
  REQUIRE(r.jails.size() == 6);
  for (const auto& j : r.jails) {
    CAPTURE(j.name);
    const auto expected = j.name == "b"   ? JailOutcome::Status::failed
                          : j.name == "e" ? JailOutcome::Status::skipped
                                          : JailOutcome::Status::done;
    CHECK(j.status == expected);
  }
  const auto& b = *std::find_if(r.jails.begin(), r.jails.end(), [](const auto& j) { return j.name == "b"; });
  CHECK(b.error == "jail: b: create step: internal error: boom [this is a bug]");
  // rolled back like any failed start: its devfs mount undone, no record
  CHECK(b.undone == std::vector<std::string>{"umount.devfs \"/j/b/dev\""});
  CHECK_FALSE(std::filesystem::exists(std::string(tmp) + "/applied/b.json"));
  CHECK(std::filesystem::exists(std::string(tmp) + "/applied/a.json"));
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) last = line;
  CHECK(last.find("\"end\":\"failed\"") != std::string::npos);
  CHECK(last.find("\"failed\":[\"b\",\"e\"]") != std::string::npos);
  std::filesystem::remove_all(tmp);
}

TEST_CASE("apply: a failing stop hook leaves the jail running, and the error says how to remove it anyway") {
  const auto c = test::site("web { path = /j/web; persist; exec.stop = \"/etc/rc.shutdown\"; }");
  ObservedState recorded = test::jls("jid=3 name=web path=/j/web persist");
  recorded.jails[0].applied = test::plan_of(c, ObservedState{}).jails.at(0).applied;
  recorded.jails[0].applied->jid = 3;
  const Plan q = test::plan_of(test::site(""), recorded, true);
  REQUIRE(q.jails.size() == 1);
  FailingRunner runner(1);  // exec.stop
  FreeBsdBackend backend(runner, true);
  const ApplyResult r = apply_plan(q, backend, RecordKeeping::none());
  REQUIRE_FALSE(r.ok());
  CHECK(runner.log.size() == 1);  // jail(8) aborts there: no removal
  CHECK(r.jails[0].error.find("simulated failure; the jail still runs: 'jailplan destroy --force' removes it "
                              "without its stop hooks") != std::string::npos);
}

TEST_CASE("journal: a step whose words are not UTF-8 is written whole, never thrown") {
  char tmp[] = "/tmp/jailplan-journal-XXXXXX";
  REQUIRE(::mkdtemp(tmp) != nullptr);
  const std::string path = std::string(tmp) + "/journal.jsonl";
  const auto c = test::site("a { path = /j/a; persist; exec.start = \"echo caf\xe9\"; }");
  const Plan p = test::plan_of(c, ObservedState{});
  FailingRunner runner(0);
  FreeBsdBackend backend(runner, true);
  Journal journal;
  REQUIRE(journal.open(path, "apply t.conf").ok());
  const ApplyResult r =
      apply_plan(p, backend, RecordKeeping::none(), [&](const StepReport& s) { journal.step(s); });
  journal.finish(r);
  CHECK(r.ok());
  std::ifstream in(path);
  std::string line, text;
  while (std::getline(in, line)) text += line + "\n";
  // the reversible escape of docs/plan-format.md: byte 0xE9 as U+EFE9
  CHECK(text.find("\"args\":[\"echo caf\xee\xbf\xa9\"]") != std::string::npos);
  CHECK(text.find("\"end\":\"ok\"") != std::string::npos);
  std::filesystem::remove_all(tmp);
}
