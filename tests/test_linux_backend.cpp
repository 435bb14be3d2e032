// The Linux backend for real, as root: jails made from jail.conf with
// namespaces, checked from the inside (host name, processes, file system,
// /dev, raw sockets, addresses, /proc/sys) and from the outside (reachable
// from the host; nothing left after teardown or a failed start). Without
// root or namespaces these tests fail under CI=true and are skipped
// (loudly) elsewhere.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "compiler/compile.hpp"
#include "executor/applier.hpp"
#include "executor/command_runner.hpp"
#include "executor/linux/backend.hpp"
#include "executor/linux/cgroup.hpp"
#include "executor/linux/observer.hpp"
#include "executor/linux/running.hpp"
#include "executor/linux/runtime.hpp"
#include "grammar/printer.hpp"
#include "grammar/source_loader.hpp"
#include "linux_test_host.hpp"
#include "planner/import.hpp"
#include "planner/planner.hpp"

using namespace jailplan;
namespace fs = std::filesystem;

using test::can_make_jails;
using test::k_web;
using test::process_exists;
using test::shared_root;
using test::Site;
using test::trimmed;

TEST_CASE("linux: a jail is isolated from the host and from what it was not allowed") {
  if (!can_make_jails()) return;
  Site site(10);
  std::ofstream(site.root() + "/outside-marker") << "host only\n";
  const ApplyResult r = site.apply(k_web);
  REQUIRE_MESSAGE(r.ok(), (r.jails.empty() ? "" : r.jails.front().error));
  const auto rt = site.runtime();
  REQUIRE(rt);
  CHECK(linux_jail::alive(*rt));

  SUBCASE("its own host name; the host's is unchanged") {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    CHECK(trimmed(site.in_jail("hostname").out) == site.name() + ".jail.test");
    char after[256] = {};
    ::gethostname(after, sizeof after - 1);
    CHECK(std::string(host) == after);
  }
  SUBCASE("only its own processes, its init as PID 1") {
    const auto ps = site.in_jail("for p in /proc/[0-9]*; do echo ${p#/proc/}; done | sort -n");
    REQUIRE(ps.ok());
    CHECK(ps.out.starts_with("1\n"));
    CHECK(trimmed(site.in_jail("cat /proc/1/comm").out) == "jail-init");
    // the host's processes (this test among them) are not there
    const auto count = std::count(ps.out.begin(), ps.out.end(), '\n');
    CHECK(count <= 4);
  }
  SUBCASE("the host's file system outside path is invisible") {
    CHECK(site.in_jail("test -e /outside-marker").exit_code != 0);
    CHECK(site.in_jail(fmt::format("test -e {}", site.root())).exit_code != 0);
    CHECK(site.in_jail("test -x /bin/busybox").ok());
    const auto mounts = site.in_jail("cat /proc/self/mounts");
    CHECK(mounts.out.find(" / ") != std::string::npos);
    CHECK(mounts.out.find("/sys/fs/cgroup") == std::string::npos);
  }
  SUBCASE("/dev has the jail's nodes only, and mknod fails") {
    CHECK(trimmed(site.in_jail("ls /dev | tr '\\n' ' '").out) ==
          "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero");
    const auto mk = site.in_jail("mknod /tmp/kmsg c 1 11");
    CHECK(mk.exit_code != 0);
    CHECK(mk.err.find("Operation not permitted") != std::string::npos);
    CHECK(site.in_jail("echo x > /dev/null").ok());
  }
  SUBCASE("raw sockets fail without allow.raw_sockets") {
    const auto ping = site.in_jail("ping -c 1 -W 1 127.0.0.1");
    CHECK(ping.exit_code != 0);
    CHECK(ping.err.find("permission denied") != std::string::npos);
  }
  SUBCASE("only the jail's addresses, reachable from the host") {
    const auto addrs = site.in_jail("ip -4 -o addr show | awk '{print $4}' | sort | tr '\\n' ' '");
    CHECK(trimmed(addrs.out) == "127.0.0.1/8 " + site.address(0) + "/32");
    // the host end answers as the gateway; the host reaches the jail
    PosixCommandRunner host;
    const auto ping = host.run({{"/bin/busybox", "ping", "-c", "1", "-W", "2", site.address(0)},
                                std::nullopt,
                                "",
                                std::chrono::seconds(10)});
    CHECK_MESSAGE(ping.ok(), std::string(ping.out + ping.err));
  }
  SUBCASE("the kernel's knobs are read-only") {
    CHECK(site.in_jail("echo 1 > /proc/sys/kernel/ns_last_pid").exit_code != 0);
  }
  SUBCASE("jexec'd processes keep the jail's capability policy") {
    const auto status = site.in_jail("grep CapBnd /proc/self/status");
    REQUIRE(status.ok());
    const auto bnd = std::stoull(status.out.substr(status.out.find(':') + 1), nullptr, 16);
    CHECK((bnd & (1ULL << 13)) == 0);  // CAP_NET_RAW
    CHECK((bnd & (1ULL << 21)) == 0);  // CAP_SYS_ADMIN
    CHECK((bnd & (1ULL << 27)) == 0);  // CAP_MKNOD
  }
}

TEST_CASE("linux: allow.raw_sockets gives the jail raw sockets") {
  if (!can_make_jails()) return;
  Site site(20);
  const std::string conf =
      std::string(k_web).replace(std::string(k_web).find("persist;"), 8, "persist; allow.raw_sockets;");
  REQUIRE(site.apply(conf).ok());
  const auto ping = site.in_jail("ping -c 1 -W 1 127.0.0.1");
  CHECK_MESSAGE(ping.ok(), ping.err);
}

TEST_CASE("linux: apply is idempotent, changes in place, and destroy leaves nothing") {
  if (!can_make_jails()) return;
  Site site(30);
  REQUIRE(site.apply(k_web).ok());
  const auto rt = site.runtime();
  REQUIRE(rt);
  CHECK(site.apply(k_web).ok());
  CHECK_FALSE(site.last_plan().has_changes());
  {
    // `import` writes the running jail back from its record: no changes
    FileSystemLoader loader;
    LinuxObserver observer(loader, site.paths());
    auto observed = observer.observe();
    REQUIRE(observed);
    const std::string imported = print_conf(import_observed(observed.value(), {site.name()}));
    CHECK(imported.find("mount.procfs;") != std::string::npos);  // from the record
    REQUIRE(site.apply(imported).ok());
    CHECK_FALSE(site.last_plan().has_changes());
  }

  // a new host name and a second address are changed in the running jail
  std::string changed = k_web;
  changed.replace(changed.find(".jail.test"), 10, ".jail.example");
  changed.replace(changed.find("@A@;"), 4, "@A@, @B@;");
  REQUIRE(site.apply(changed).ok());
  REQUIRE(site.last_plan().jails.size() == 1);
  CHECK(site.last_plan().jails[0].action == Action::update);
  CHECK(trimmed(site.in_jail("hostname").out) == site.name() + ".jail.example");
  CHECK(site.in_jail("ip -4 -o addr show eth0 | grep -q " + site.address(1)).ok());
  CHECK(site.runtime()->init_pid == rt->init_pid);  // the same jail
  CHECK(site.apply(changed).ok());
  CHECK_FALSE(site.last_plan().has_changes());

  // an empty configuration with prune destroys it: no process, link or state
  REQUIRE(site.apply("").ok());
  CHECK_FALSE(process_exists(rt->init_pid));
  CHECK(site.leaked_links().empty());
  CHECK_FALSE(site.runtime());
  CHECK_FALSE(fs::exists(site.paths().state_dir + "/" + site.name() + ".json"));
}

TEST_CASE("linux: a start that fails part-way is rolled back completely") {
  if (!can_make_jails()) return;
  Site site(40);
  std::string conf = k_web;
  conf.replace(conf.find("persist;"), 8, "persist; exec.start = \"/bin/false\";");
  const ApplyResult r = site.apply(conf);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.jails.size() == 1);
  CHECK(r.jails[0].status == JailOutcome::Status::failed);
  CHECK(r.jails[0].error.find("/bin/false") != std::string::npos);
  CHECK_FALSE(site.runtime());
  CHECK_FALSE(fs::exists(site.paths().state_dir + "/" + site.name() + ".json"));
  CHECK(site.leaked_links().empty());  // its link is gone too
}

TEST_CASE("linux: a jail that is not persistent ends with its last process") {
  if (!can_make_jails()) return;
  Site site;
  const std::string conf = R"(
@JAIL@ { path = "@ROOT@"; exec.start = "/bin/sleep 1 &"; }
)";
  REQUIRE(site.apply(conf).ok());
  const auto rt = site.runtime();
  REQUIRE(rt);
  CHECK(linux_jail::alive(*rt));
  for (int i = 0; i < 100 && linux_jail::alive(*rt); ++i) ::usleep(50'000);
  CHECK_FALSE(linux_jail::alive(*rt));
  int status = 0;
  ::waitpid(rt->init_pid, &status, WNOHANG);  // ours to reap
  // the next plan sees it gone and starts it again
  CHECK(site.apply(conf).ok());
  CHECK(site.last_plan().jails.size() == 1);
}

TEST_CASE("linux: stop runs exec.stop inside, then SIGTERM reaches every process") {
  if (!can_make_jails()) return;
  Site site;
  const std::string conf = R"(
@JAIL@ {
  path = "@ROOT@";
  persist;
  mount.procfs;
  exec.start = "/bin/sleep 300 &";
  exec.stop = "/bin/sh -c 'echo stopped > /tmp/stop-ran-@JAIL@'";
  stop.timeout = 5;
}
)";
  REQUIRE(site.apply(conf).ok());
  CHECK(site.in_jail("pidof sleep").ok());
  const auto rt = site.runtime();
  REQUIRE(rt);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(site.apply("").ok());
  // sleep ends on SIGTERM: well before stop.timeout
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
  CHECK(fs::exists(site.path() + "/tmp/stop-ran-" + site.name()));
  CHECK_FALSE(process_exists(rt->init_pid));
}

TEST_CASE("linux: the host's SysV IPC objects are invisible unless allow.sysvipc") {
  if (!can_make_jails()) return;
  Site site(50);
  PosixCommandRunner host;
  const auto made = host.run({{"ipcmk", "-M", "4096"}, std::nullopt, "", std::chrono::seconds(10)});
  REQUIRE_MESSAGE(made.ok(), made.err);
  const std::string id = trimmed(made.out.substr(made.out.find_last_of(' ') + 1));
  REQUIRE(site.apply(k_web).ok());
  const auto jailed = site.in_jail("cat /proc/sysvipc/shm | wc -l");
  CHECK(trimmed(jailed.out) == "1");  // the header line only
  std::string shared = k_web;
  shared.replace(shared.find("persist;"), 8, "persist; allow.sysvipc;");
  REQUIRE(site.apply("").ok());
  REQUIRE(site.apply(shared).ok());
  CHECK(site.in_jail("grep -q ' " + id + " ' /proc/sysvipc/shm").ok());
  host.run({{"ipcrm", "-m", id}, std::nullopt, "", std::chrono::seconds(10)});
}

TEST_CASE("linux: a changed path replaces the jail") {
  if (!can_make_jails()) return;
  Site site(60);
  REQUIRE(site.apply(k_web).ok());
  const auto before = site.runtime();
  REQUIRE(before);
  // another real directory: a path through a symbolic link is refused
  fs::create_directory_symlink(site.path(), site.root() + "/linked");
  std::string linked = k_web;
  linked.replace(linked.find("\"@ROOT@\""), 8, "\"" + site.root() + "/linked\"");
  const ApplyResult refused = site.apply(linked);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.jails.front().error.find("a component is a symbolic link") != std::string::npos);
  REQUIRE(site.apply(k_web).ok());
  fs::copy(site.path(), site.root() + "/root2",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::string moved = k_web;
  moved.replace(moved.find("\"@ROOT@\""), 8, "\"" + site.root() + "/root2\"");
  REQUIRE(site.apply(moved).ok());
  REQUIRE(site.last_plan().jails.size() == 1);
  CHECK(site.last_plan().jails[0].action == Action::replace);
  const auto after = site.runtime();
  REQUIRE(after);
  CHECK(after->init_pid != before->init_pid);
  CHECK_FALSE(process_exists(before->init_pid));
  CHECK(site.apply(moved).ok());
  CHECK_FALSE(site.last_plan().has_changes());
}

TEST_CASE(
    "linux: resource limits hold for processes started by exec, change in place, and go with the jail") {
  if (!can_make_jails()) return;
  Site site;
  const std::string conf = R"(
@JAIL@ { path = "@ROOT@"; persist; mount.devfs; $jailplan_rctl = "maxproc:deny=4", "memoryuse:deny=16M"; }
)";
  REQUIRE(site.apply(conf).ok());
  const auto mode = linux_cgroup::detect();
  REQUIRE(mode != linux_cgroup::Mode::none);
  // four processes at most (the init is not counted): the shell, three more
  const auto forks = site.in_jail("for i in 1 2 3 4 5 6; do sleep 2 & done; wait");
  CHECK(forks.err.find("can't fork") != std::string::npos);
  // 16 MiB of memory at most
  const auto hog = site.in_jail("tail /dev/zero");
  CHECK_FALSE(hog.ok());
  // a new limit is set in the running jail
  std::string looser = conf;
  looser.replace(looser.find("maxproc:deny=4"), 14, "maxproc:deny=40");
  REQUIRE(site.apply(looser).ok());
  REQUIRE(site.last_plan().jails.size() == 1);
  CHECK(site.last_plan().jails[0].action == Action::update);
  CHECK(site.in_jail("for i in 1 2 3 4 5 6; do sleep 1 & done; wait").ok());
  const auto dirs = linux_cgroup::directories(site.name(), mode);
  REQUIRE_FALSE(dirs.empty());
  CHECK(fs::exists(dirs.front()));
  REQUIRE(site.apply("").ok());
  for (const auto& d : dirs) CHECK_FALSE(fs::exists(d));
}

TEST_CASE("linux: an apply killed with SIGKILL part-way converges on the next apply") {
  if (!can_make_jails()) return;
  Site site(80);
  const std::string conf = R"(
@JAIL@a { path = "@ROOT@"; persist; ip4.addr = @A@; exec.start = "/bin/true"; }
@JAIL@b { path = "@ROOT@"; persist; depend = @JAIL@a; ip4.addr = @B@; exec.start = "/bin/sleep 2"; }
)";
  const std::string file = site.write_conf(conf);
  const pid_t apply = ::fork();
  if (apply == 0) {
    ::setenv("JAILPLAN_RUNTIME_DIR", site.paths().runtime_dir.c_str(), 1);
    ::setenv("JAILPLAN_STATE_DIR", site.paths().state_dir.c_str(), 1);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::execl(JAILPLAN_BINARY, "jailplan", "apply", file.c_str(), "--auto-approve", "-j", "1", nullptr);
    ::_exit(127);
  }
  REQUIRE(apply > 0);
  // wait until the second jail exists and its exec.start runs, then kill
  for (int i = 0; i < 200 && !linux_jail::read_runtime(site.paths().runtime_dir, site.name() + "b"); ++i)
    ::usleep(25'000);
  ::usleep(200'000);
  ::kill(apply, SIGKILL);
  int status = 0;
  ::waitpid(apply, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(linux_jail::read_runtime(site.paths().runtime_dir, site.name() + "b"));
  // the next apply sees a jail whose start was cut short, and starts it afresh
  REQUIRE(site.apply(conf).ok());
  const JailChange* b = site.last_plan().find(site.name() + "b");
  REQUIRE(b != nullptr);
  CHECK(b->action == Action::replace);
  CHECK(b->reason == Reason::interrupted);
  CHECK(site.last_plan().find(site.name() + "a") == nullptr);
  CHECK(site.apply(conf).ok());
  CHECK_FALSE(site.last_plan().has_changes());
  // the journal has the killed run's steps, whole lines
  std::ifstream journal(fs::path(site.paths().state_dir).parent_path() / "journal.jsonl");
  std::string text((std::istreambuf_iterator<char>(journal)), std::istreambuf_iterator<char>());
  CHECK(text.find("\"step\":\"create\"") != std::string::npos);
  CHECK(text.find("\"begin\":\"apply") != std::string::npos);
  REQUIRE(site.apply("").ok());
  CHECK(site.leaked_links().empty());
}

TEST_CASE(
    "linux: after a reboot (jails gone, runtime state gone, records kept) the next apply starts them again") {
  if (!can_make_jails()) return;
  Site site(70);
  REQUIRE(site.apply(k_web).ok());
  const auto rt = site.runtime();
  REQUIRE(rt);
  // what a reboot does: every process ends, /run is empty; /var/lib stays
  REQUIRE(::kill(rt->init_pid, SIGKILL) == 0);
  // this process made the init, so it reaps it (as init does after a reboot)
  int status = 0;
  REQUIRE(::waitpid(rt->init_pid, &status, 0) == rt->init_pid);
  REQUIRE_FALSE(process_exists(rt->init_pid));
  fs::remove_all(site.paths().runtime_dir);
  REQUIRE(fs::exists(site.paths().state_dir + "/" + site.name() + ".json"));
  // reconcile at boot: the recorded jail is made again from the declaration
  REQUIRE(site.apply(k_web).ok());
  const JailChange* c = site.last_plan().find(site.name());
  REQUIRE(c != nullptr);
  CHECK(c->action == Action::create);
  const auto again = site.runtime();
  REQUIRE(again);
  CHECK(again->init_pid != rt->init_pid);
  CHECK(trimmed(site.in_jail("hostname").out) == site.name() + ".jail.test");
  CHECK(site.apply(k_web).ok());
  CHECK_FALSE(site.last_plan().has_changes());
  REQUIRE(site.apply("").ok());
  CHECK(site.leaked_links().empty());
}

namespace {

/// These tests need root and namespaces: without them they fail, loudly.
void require_jails() {
  const std::string missing = test::missing_linux_jail_requirement();
  REQUIRE_MESSAGE(missing.empty(), "the Linux backend tests need root and namespaces: ", missing);
}

bool any_exists(const std::vector<std::string>& paths) {
  return std::any_of(paths.begin(), paths.end(), [](const std::string& p) { return fs::exists(p); });
}

}  // namespace

TEST_CASE(
    "linux: a jail whose init died is listed until destroy removes its runtime directory, cgroups and "
    "record") {
  require_jails();
  Site site(140);
  const std::string conf = R"(
@JAIL@ { path = "@ROOT@"; persist; ip4.addr = @A@; $jailplan_rctl = "maxproc:deny=50"; }
)";
  REQUIRE(site.apply(conf).ok());
  const std::string file = site.write_conf(conf);
  const std::string record = site.paths().state_dir + "/" + site.name() + ".json";
  const auto groups = linux_cgroup::directories(site.name(), linux_cgroup::detect());
  const auto died = [&] {
    const auto rt = site.runtime();
    REQUIRE(rt);
    REQUIRE(::kill(rt->init_pid, SIGKILL) == 0);
    int status = 0;
    ::waitpid(rt->init_pid, &status, 0);  // ours to reap, if this process made it
    for (int i = 0; i < 200 && process_exists(rt->init_pid); ++i) ::usleep(10'000);
    REQUIRE_FALSE(process_exists(rt->init_pid));
  };
  const auto listed_stopped = [&] {
    const CommandResult st = site.cli({"status", "--backend", "linux"});
    std::istringstream lines(st.out);
    for (std::string line; std::getline(lines, line);)
      if (line.find(" " + site.name() + " ") != std::string::npos)
        return line.find("stopped") != std::string::npos;
    return false;
  };
  died();
  CHECK(any_exists(groups));
  CHECK(listed_stopped());
  const CommandResult gone = site.cli({"destroy", "--backend", "linux", "--auto-approve", file, site.name()});
  INFO(gone.out << gone.err);
  CHECK(gone.exit_code == 0);
  CHECK_FALSE(site.runtime());
  CHECK_FALSE(fs::exists(linux_jail::runtime_jail_dir(site.paths().runtime_dir, site.name())));
  CHECK_FALSE(any_exists(groups));
  CHECK_FALSE(fs::exists(record));
  CHECK_FALSE(listed_stopped());

  // what an older jailplan left: the record forgotten, the runtime directory
  // and cgroups kept. Still listed, and --prune cleans it
  REQUIRE(site.apply(conf).ok());
  died();
  REQUIRE(fs::remove(record));
  CHECK(listed_stopped());
  REQUIRE(site.apply("").ok());
  REQUIRE(site.last_plan().jails.size() == 1);
  CHECK(site.last_plan().jails[0].action == Action::destroy);
  CHECK_FALSE(site.runtime());
  CHECK_FALSE(any_exists(groups));
  CHECK_FALSE(listed_stopped());
  CHECK(site.leaked_links().empty());
}

TEST_CASE("linux: destroy --force removes a jail whose exec.stop fails, without its stop hooks") {
  require_jails();
  Site site(142);
  const std::string marker = site.root() + "/poststop-ran";
  const std::string conf = fmt::format(R"(
@JAIL@ {{ path = "@ROOT@"; persist; ip4.addr = @A@; mount.devfs;
  exec.start = "/bin/sh -c 'sleep 600 &'";
  exec.stop = "/bin/sh -c 'exit 3'";
  exec.poststop = "/bin/touch {}"; }}
)",
                                       marker);
  REQUIRE(site.apply(conf).ok());
  const std::string file = site.write_conf(conf);
  const auto rt = site.runtime();
  REQUIRE(rt);
  const auto processes = linux_jail::processes(*rt);
  REQUIRE(processes.size() >= 2);  // the init and the sleep
  CommandResult r = site.cli({"destroy", "--backend", "linux", "--auto-approve", file, site.name()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("'jailplan destroy --force' removes it without its stop hooks") != std::string::npos);
  REQUIRE(site.runtime());
  CHECK(linux_jail::alive(*site.runtime()));
  r = site.cli({"destroy", "--backend", "linux", "--auto-approve", "--force", file, site.name()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_FALSE(site.runtime());
  int status = 0;
  ::waitpid(rt->init_pid, &status, 0);  // ours to reap, if this process made it
  for (const int pid : processes) CHECK_FALSE(process_exists(pid));
  CHECK_FALSE(fs::exists(marker));
  CHECK_FALSE(fs::exists(site.paths().state_dir + "/" + site.name() + ".json"));
  CHECK(site.leaked_links().empty());
}
