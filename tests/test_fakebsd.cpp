// End to end on a fake FreeBSD host (tests/fakebsd): the real jailplan
// binary, run as a process, drives fake jail/jls/jexec/ifconfig/mount/
// umount/rctl programs that record every call and keep the host's state.
// Conformance (apply → re-plan is "No changes.", in place, replace,
// destroy leaves the host empty), failure injection at every call of a
// multi-jail apply, and lock contention between two real processes.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "executor/command_runner.hpp"
#include "fake_freebsd_host.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Run {
  int rc;
  std::string out, err;
};

/// The fake host of tests/fake_freebsd_host.hpp, driven by the jailplan
/// binary run as a process with the host in its environment.
class FakeHost : public jailplan::test::FakeFreeBsdHost {
 public:
  /// The jailplan binary with the fake host in place; `fail_at` > 0 makes
  /// the fake fail its fail_at-th state-changing call.
  Run jailplan(std::vector<std::string> args, long fail_at = 0) const {
    args.insert(args.begin(), JAILPLAN_BINARY);
    return jailplan_via(std::move(args), std::to_string(fail_at));
  }
  /// `argv` (which runs jailplan) with the fake host in place.
  Run jailplan_via(std::vector<std::string> argv, const std::string& fail_at = "0") const {
    this->fail_at(fail_at);
    jailplan::Command c;
    c.argv = std::move(argv);
    c.env = std::vector<std::string>{"PATH=" + (dir() / "path").string() + ":/usr/bin:/bin",
                                     "JAILPLAN_FREEBSD_ROOT=" + tool_root(),
                                     "JAILPLAN_STATE_DIR=" + state_dir(),
                                     "JAILPLAN_LOCK=" + lock_path(),
                                     "NO_COLOR=1",
                                     "TERM=xterm"};
    c.cwd = dir().string();
    c.timeout = std::chrono::seconds(60);
    jailplan::PosixCommandRunner runner;
    const auto r = runner.run(c);
    INFO(r.describe());
    REQUIRE(r.spawn_error.empty());
    return {r.exit_code, r.out, r.err};
  }

  Run apply(const std::string& file, long fail_at = 0, std::vector<std::string> extra = {}) const {
    return apply_failing(file, std::to_string(fail_at), std::move(extra));
  }
  /// `fail_at` as the fake reads it: "k", or "k TOOL" for the k-th call of one tool.
  Run apply_failing(const std::string& file, const std::string& fail_at,
                    std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{JAILPLAN_BINARY, "apply", "--backend", "freebsd", "--auto-approve", file};
    args.insert(args.end(), extra.begin(), extra.end());
    return jailplan_via(args, fail_at);
  }
  /// `plan --detailed-exitcode`: 0 = no changes, 2 = changes.
  Run plan(const std::string& file) const {
    return jailplan({"plan", "--backend", "freebsd", "--detailed-exitcode", file});
  }
};

const char* const k_site = R"(# a three-jail site on the fake host
path = "@/jails/$name";
persist;
interface = em0;
mount.devfs;
devfs_ruleset = 4;
exec.prestart = "touch $path/prestarted";
exec.poststop = "rm -f $path/started";

db {
  ip4.addr = 198.51.100.11;
  mount.fstab = "@/fstab.db";
  $jailplan_rctl = "memoryuse:deny=512M";
  exec.start = "/usr/sbin/daemon -f /usr/local/bin/postgres";
  exec.poststart = "/bin/sh -c 'echo \$JID:\$JNAME > \$JPATH/jid'";
}
web {
  ip4.addr = "198.51.100.10/24";
  depend = db;
  mount.procfs;
  host.hostname = web.example.org;
  allow.raw_sockets;
  exec.clean;
  exec.start = "/bin/sh -c 'echo started > started'";
}
worker {
  persist = false;
  ip4.addr = 198.51.100.12;
  exec.start = "/usr/sbin/daemon /usr/local/bin/worker";
}
)";

std::string edited(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// What each jail of k_site owns on the host: its addresses, mounts and rules.
struct Owned {
  std::set<std::string> addresses;
  std::size_t mounts;
  bool rules;
};
const std::map<std::string, Owned> k_owned = {
    {"db", {{"em0 198.51.100.11"}, 2, true}},
    {"web", {{"em0 198.51.100.10"}, 2, false}},
    {"worker", {{"em0 198.51.100.12"}, 1, false}},
};

/// Each jail is either wholly there (running, every address, mount and
/// rule) or wholly absent: nothing half-made.
void check_whole(const FakeHost& h) {
  const json s = h.state();
  const auto addrs = h.addresses(s);
  for (const auto& [name, owned] : k_owned) {
    const auto& jail_name = name;  // CAPTURE's lambda cannot take a structured binding (clang)
    CAPTURE(jail_name);
    const bool running = h.jail(s, name) != nullptr;
    for (const auto& a : owned.addresses) CHECK(addrs.count(a) == (running ? 1U : 0U));
    CHECK(h.mounts_below(s, name).size() == (running ? owned.mounts : 0U));
    CHECK(FakeHost::has_rules(s, name) == (running && owned.rules));
  }
}

void check_empty(const FakeHost& h) {
  const json s = h.state();
  CHECK(s["jails"].empty());
  CHECK(s["mounts"].empty());
  CHECK(s["rctl"].empty());
  CHECK(h.addresses(s) == FakeHost::initial_addresses());
  CHECK((!fs::exists(h.dir() / "db" / "applied") || fs::is_empty(h.dir() / "db" / "applied")));
}

}  // namespace

TEST_CASE("fake FreeBSD host: apply, re-plan without changes, in place, replace, destroy") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  {
    const Run r = h.apply(file);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
  }
  json s = h.state();
  REQUIRE(s["jails"].size() == 3);
  check_whole(h);
  // db before web (depend), each jail's steps in jail(8)'s order
  const auto calls = h.calls();
  const auto index = [&](const std::string& needle) {
    for (std::size_t i = 0; i < calls.size(); ++i)
      if (calls[i].find(needle) != std::string::npos) return static_cast<long>(i);
    FAIL("no call " << needle);
    return -1L;
  };
  CHECK(index("ifconfig em0 inet 198.51.100.11 netmask 255.255.255.255 alias") <
        index("mount -t nullfs -o rw"));
  CHECK(index("mount -t nullfs -o rw") <
        index("mount -t devfs -oruleset=4 . " + (h.dir() / "jails/db/dev").string()));
  CHECK(index("jail -c name=db") < index("rctl -a jail:db:memoryuse:deny=512M"));
  CHECK(index("jail -c name=db") < index("jexec db /usr/sbin/daemon"));
  CHECK(index("jexec db /usr/sbin/daemon") < index("ifconfig em0 inet 198.51.100.10/24 alias"));
  CHECK(index("jail -c name=web") < index("jexec -l web /bin/sh -c"));
  // the non-persistent worker was made with persist, which was then dropped;
  // its daemon keeps it alive
  CHECK(h.has_call("/usr/sbin/jail -m name=worker nopersist"));
  REQUIRE(h.jail(s, "worker") != nullptr);
  CHECK(h.jail(s, "worker")->at("params").at("persist") == false);
  // hooks ran: on the host, and inside through jexec
  CHECK(fs::exists(h.dir() / "jails/web/prestarted"));
  CHECK(fs::exists(h.dir() / "jails/web/started"));
  CHECK(fs::exists(h.dir() / "db/journal.jsonl"));
  {
    // a hook after creation knows the new jail's jid (JID, JNAME, JPATH)
    std::ifstream in(h.dir() / "jails/db/jid");
    std::string line;
    std::getline(in, line);
    CHECK(line == fmt::format("{}:db", h.jail(s, "db")->at("jid").get<long long>()));
  }
  // the observed host is what was asked for
  CHECK(h.plan(file).rc == 0);

  SUBCASE("a modifiable parameter changes in place, the jid stays") {
    const long long jid = h.jail(h.state(), "web")->at("jid");
    const std::string file2 = h.write_site(edited(k_site, "web.example.org", "www.example.org"));
    CHECK(h.plan(file2).rc == 2);
    const Run r = h.apply(file2);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(h.has_call("/usr/sbin/jail -m name=web host.hostname=www.example.org"));
    s = h.state();
    CHECK(h.jail(s, "web")->at("jid") == jid);
    CHECK(h.jail(s, "web")->at("params").at("host.hostname") == "www.example.org");
    CHECK(h.plan(file2).rc == 0);
  }
  SUBCASE("a limit changes in place, through rctl") {
    const std::string file2 = h.write_site(edited(k_site, "memoryuse:deny=512M", "memoryuse:deny=1G"));
    const Run r = h.apply(file2);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    s = h.state();
    CHECK(s["rctl"] == json::array({"jail:db:memoryuse:deny=1G"}));
    CHECK(h.plan(file2).rc == 0);
  }
  SUBCASE("a create-only parameter replaces the jail, and its dependents follow") {
    const long long jid = h.jail(h.state(), "worker")->at("jid");
    const std::string file2 = h.write_site(edited(
        k_site, "ip4.addr = 198.51.100.12;", "ip4.addr = 198.51.100.12;\n  path = \"@/jails/worker2\";"));
    const Run r = h.apply(file2);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    s = h.state();
    REQUIRE(h.jail(s, "worker") != nullptr);
    CHECK(h.jail(s, "worker")->at("jid") != jid);
    CHECK(h.jail(s, "worker")->at("params").at("path") == (h.dir() / "jails/worker2").string());
    CHECK(h.addresses(s).count("em0 198.51.100.12") == 1);
    CHECK(h.plan(file2).rc == 0);
  }
  SUBCASE("destroy leaves the fake host empty") {
    const Run r = h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", "--all", file});
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    check_empty(h);
    CHECK(h.has_call("/usr/bin/rctl -r jail:db"));
    CHECK(h.has_call("/usr/sbin/jail -R web"));
    CHECK(!fs::exists(h.dir() / "jails/web/started"));  // exec.poststop ran
  }
}

TEST_CASE(
    "fake FreeBSD host: a failure at any call leaves every jail whole or absent, and the next apply "
    "converges") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  REQUIRE(h.apply(file).rc == 0);
  const long calls = h.counted_calls();
  REQUIRE(calls > 10);
  for (long k = 1; k <= calls; ++k) {
    CAPTURE(k);
    h.reset();
    const Run failed = h.apply(file, k, {"-j", k % 2 == 0 ? "2" : "1"});
    INFO(failed.out << failed.err);
    CHECK(failed.rc == 1);
    CHECK(failed.err.find("injected failure") != std::string::npos);
    check_whole(h);
    const Run again = h.apply(file);
    INFO(again.out << again.err);
    REQUIRE(again.rc == 0);
    check_whole(h);
    CHECK(h.state()["jails"].size() == 3);
    CHECK(h.plan(file).rc == 0);
  }
  const Run r = h.jailplan({"destroy", "--backend", "freebsd", "--auto-approve", "--all", file});
  CHECK(r.rc == 0);
  check_empty(h);
}

TEST_CASE("fake FreeBSD host: a second apply waits for the lock, then refuses naming the holder") {
  FakeHost h;
  const std::string file = h.write_site(
      edited(k_site, "exec.prestart = \"touch $path/prestarted\";", "exec.prestart = \"sleep 1\";"));
  const std::string other = (h.dir() / "other.conf").string();
  std::ofstream(other) << fmt::format("path = \"{}/jails/$name\";\nworker2 {{ persist; }}\n",
                                      h.dir().string());
  const pid_t first = ::fork();
  if (first == 0) {
    const Run r = h.apply(file);
    ::_exit(r.rc);
  }
  REQUIRE(first > 0);
  // wait until the first one holds the lock (its first jail is being made)
  for (int i = 0; i < 200 && !h.has_call("ifconfig em0 inet"); ++i) ::usleep(20'000);
  const Run second = h.apply(other, 0, {"--lock-timeout", "0.2"});
  CHECK(second.rc == 1);
  CHECK(second.err.find("apply since") != std::string::npos);
  CHECK(second.err.find("pid ") != std::string::npos);
  int status = 0;
  REQUIRE(::waitpid(first, &status, 0) == first);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // with the lock free, it goes through
  const Run third = h.apply(other, 0, {"--lock-timeout", "5"});
  INFO(third.out << third.err);
  CHECK(third.rc == 0);
  CHECK(h.jail(h.state(), "worker2") != nullptr);
}

TEST_CASE("fake FreeBSD host: on a terminal, apply keeps a live status line under the step lines") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  // script(1) gives the apply a terminal
  const std::string inner =
      jailplan::format_argv({JAILPLAN_BINARY, "apply", "--backend", "freebsd", "--auto-approve", file});
  const Run r = h.jailplan_via({"/usr/bin/script", "-qec", inner, "/dev/null"});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("\r\033[K[0/") != std::string::npos);    // drawn before the first step ends
  CHECK(r.out.find("web: create (") != std::string::npos);  // the step lines are still there
  CHECK(r.out.find("db: create") != std::string::npos);
  CHECK(h.state()["jails"].size() == 3);
}

namespace {

/// The built rc.d script, reading tests/fakerc/rc.subr instead of
/// /etc/rc.subr, under the fake host's rc.d/, with rc.conf next to it.
std::string install_rc_script(const FakeHost& h, const std::string& rc_conf) {
  std::ifstream in(std::string(JAILPLAN_CONTRIB_DIR) + "/rc.d/jailplan");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string subr = ". /etc/rc.subr";
  const auto at = text.find(subr);
  REQUIRE(at != std::string::npos);
  text.replace(at, subr.size(), fmt::format(". {}/tests/fakerc/rc.subr", JAILPLAN_SOURCE_DIR));
  fs::create_directories(h.dir() / "rc.d");
  std::ofstream(h.dir() / "rc.d" / "jailplan") << text;
  std::ofstream(h.dir() / "rc.conf") << rc_conf;
  return (h.dir() / "rc.d" / "jailplan").string();
}

}  // namespace

TEST_CASE("rc.d/jailplan: start reconciles, status shows, stop destroys, as rc.subr runs it") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  const std::string conf = fmt::format(
      "jailplan_enable=\"NO\"\njailplan_config=\"{}\"\njailplan_program=\"{}\"\n"
      "jailplan_flags=\"-j 2\"\n",
      file, JAILPLAN_BINARY);
  const std::string script = install_rc_script(h, conf);
  // not enabled: start says how, and does nothing
  Run r = h.jailplan_via({"/bin/sh", script, "start"});
  CHECK(r.rc == 0);
  CHECK(r.err.find("Set jailplan_enable to YES") != std::string::npos);
  CHECK(h.state()["jails"].empty());
  CHECK(h.jailplan_via({"/bin/sh", script, "rcvar"}).out == "jailplan_enable=NO\n");
  // onestart works anyway
  r = h.jailplan_via({"/bin/sh", script, "onestart"});
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(r.out.find("Converging jails (jailplan):") != std::string::npos);
  CHECK(r.out.find("reconcile complete: 3 done, 0 failed, 0 skipped.") != std::string::npos);
  check_whole(h);
  CHECK(h.state()["jails"].size() == 3);
  // enabled: start again is idempotent; status lists the jails
  install_rc_script(h, conf + "jailplan_enable=\"YES\"\n");
  r = h.jailplan_via({"/bin/sh", script, "start"});
  CHECK(r.rc == 0);
  CHECK(r.out.find("No changes.") != std::string::npos);
  r = h.jailplan_via({"/bin/sh", script, "status"});
  CHECK(r.rc == 0);
  CHECK(r.out.find("worker") != std::string::npos);
  // stop removes everything
  r = h.jailplan_via({"/bin/sh", script, "stop"});
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  check_empty(h);
  // a jail that cannot start: the others start, and rc sees a failure
  r = h.jailplan_via({"/bin/sh", script, "start"}, "1");
  CHECK(r.rc == 1);
  CHECK(r.err.find("reconcile incomplete:") != std::string::npos);
  // a missing configuration is refused before anything runs
  install_rc_script(h, conf + "jailplan_enable=\"YES\"\njailplan_config=\"/nonexistent/jail.conf\"\n");
  r = h.jailplan_via({"/bin/sh", script, "start"});
  CHECK(r.rc == 1);
  CHECK(r.err.find("/nonexistent/jail.conf is not readable") != std::string::npos);
}

TEST_CASE("systemd: the unit verifies") {
  if (::access("/usr/bin/systemd-analyze", X_OK) != 0) {
    MESSAGE("SKIPPED: no systemd-analyze on this machine");
    return;
  }
  // the unit as installed, with this build's binary and a configuration
  // that exists
  char dir[] = "/tmp/jailplan-unit-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  std::ifstream in(std::string(JAILPLAN_CONTRIB_DIR) + "/systemd/jailplan.service");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"/usr/local/sbin/jailplan", JAILPLAN_BINARY},
           {"/etc/jailplan/jail.conf", std::string(JAILPLAN_SOURCE_DIR) + "/examples/site.conf"},
           // the man page is installed with the program, not in the build
           {"Documentation=man:jailplan(8)\n", ""}})
    for (std::size_t at; (at = text.find(from)) != std::string::npos;) text.replace(at, from.size(), to);
  const std::string unit = std::string(dir) + "/jailplan.service";
  std::ofstream(unit) << text;
  jailplan::PosixCommandRunner runner;
  const auto r =
      runner.run({{"/usr/bin/systemd-analyze", "verify", unit}, std::nullopt, "", std::chrono::seconds(60)});
  INFO(r.out << r.err);
  // only the unit's own complaints count (the host's other units may have some)
  CHECK(r.err.find("jailplan.service") == std::string::npos);
  CHECK(r.ok());
  fs::remove_all(dir);
}

TEST_CASE("import: jails started by hand come under jailplan without a command, and re-plan clean") {
  FakeHost h;
  const auto tool = [&](std::vector<std::string> argv) {
    argv[0] = (h.dir() / "root" / argv[0]).string();
    const Run r = h.jailplan_via(argv);
    INFO(r.err);
    REQUIRE(r.rc == 0);
  };
  const std::string web = (h.dir() / "jails/web").string(), db = (h.dir() / "jails/db").string();
  // what an administrator did by hand, with jail(8)
  tool({"sbin/ifconfig", "em0", "inet", "198.51.100.20", "netmask", "255.255.255.255", "alias"});
  tool({"sbin/mount", "-t", "devfs", "-oruleset=4", ".", web + "/dev"});
  tool({"sbin/mount", "-t", "procfs", ".", web + "/proc"});
  tool({"usr/sbin/jail", "-c", "name=web", "path=" + web, "host.hostname=www.example.org",
        "ip4.addr=198.51.100.20", "allow.raw_sockets", "persist"});
  tool({"sbin/mount", "-t", "nullfs", (h.dir() / "srv/data").string(), db + "/data"});
  tool({"usr/sbin/jail", "-c", "name=db", "path=" + db, "securelevel=2", "children.max=3", "persist"});
  tool({"usr/sbin/jail", "-c", "name=db.cache", "path=" + db + "/data", "persist"});

  Run r = h.jailplan({"import", "--backend", "freebsd", "-o", (h.dir() / "site.conf").string()});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  std::ifstream in(h.dir() / "site.conf");
  const std::string conf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(conf);
  CHECK(conf.find("ip4.addr = em0|198.51.100.20;") != std::string::npos);  // the host's alias, owned
  CHECK(conf.find("mount.devfs;") != std::string::npos);
  CHECK(conf.find("mount.procfs;") != std::string::npos);
  CHECK(conf.find("mount += \"" + (h.dir() / "srv/data").string()) != std::string::npos);
  CHECK(conf.find("securelevel = 2;") != std::string::npos);
  CHECK(conf.find("db.cache {") != std::string::npos);
  CHECK(conf.find("osrelease") == std::string::npos);
  // adopting runs nothing on the host, then there is nothing to do
  const std::string file = (h.dir() / "site.conf").string();
  r = h.plan(file);
  CHECK(r.rc == 2);
  CHECK(r.out.find("adopting it") != std::string::npos);
  CHECK(r.out.find("0 to create") != std::string::npos);
  r = h.apply(file);
  REQUIRE(r.rc == 0);
  CHECK(h.counted_calls() == 0);
  CHECK(h.plan(file).rc == 0);
  // the YAML twin says the same
  r = h.jailplan({"import", "--backend", "freebsd", "--to", "yaml", "-o", (h.dir() / "site.yaml").string()});
  REQUIRE(r.rc == 0);
  CHECK(h.plan((h.dir() / "site.yaml").string()).rc == 0);
  // an unknown jail is refused
  r = h.jailplan({"import", "--backend", "freebsd", "nosuchjail"});
  CHECK(r.rc == 1);
  CHECK(r.err.find("no jail \"nosuchjail\" to import") != std::string::npos);
}

TEST_CASE("import: rc.conf's legacy jail_* variables become the jail.conf rc.d/jail would generate") {
  FakeHost h;
  const std::string rc = h.write_site(R"(# an old host
jail_enable="YES"
jail_list="www mail"
jail_devfs_enable="YES"
jail_www_rootdir="@/jails/web"
jail_www_hostname="www.example.org"
jail_www_ip="198.51.100.30"
jail_www_interface="em0"
jail_www_devfs_ruleset="4"
jail_www_exec_start="/usr/sbin/daemon /usr/local/sbin/httpd"
jail_www_exec_stop="/bin/echo stopping"
jail_www_exec_prestart0="/bin/echo starting www"
jail_www_consolelog="@/www.log"
jail_mail_rootdir='@/jails/db'
jail_mail_hostname=mail.example.org
jail_mail_ip="em0|198.51.100.31/24"
jail_mail_procfs_enable="YES"
jail_mail_exec_start="/usr/sbin/daemon /usr/local/sbin/smtpd"
jail_mail_exec_stop="/bin/echo stopping"
jail_mail_consolelog="@/mail.log"
jail_mail_parameters="children.max=2 allow.mlock"
jail_old_rootdir="/not/listed"
)");
  Run r = h.jailplan({"import", "--rc-conf", rc});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  const std::string& conf = r.out;
  CHECK(conf.find("www {") < conf.find("mail {"));
  CHECK(conf.find("old {") == std::string::npos);  // not in jail_list
  CHECK(conf.find("ip4.addr = \"198.51.100.30/32\";") != std::string::npos);
  CHECK(conf.find("interface = em0;") != std::string::npos);
  CHECK(conf.find("ip4.addr = \"em0|198.51.100.31/24\";") != std::string::npos);
  CHECK(conf.find("devfs_ruleset = 4;") != std::string::npos);
  CHECK(conf.find("exec.prestart += \"/bin/echo starting www\";") != std::string::npos);
  CHECK(conf.find("exec.system_user = root;") != std::string::npos);
  CHECK(conf.find("allow.raw_sockets = false;") != std::string::npos);
  CHECK(conf.find("children.max = 2;") != std::string::npos);
  CHECK(conf.find("mount.procfs;") != std::string::npos);
  // and it runs: apply on the fake host, then nothing to do
  const std::string file = (h.dir() / "from-rc.conf").string();
  std::ofstream(file) << conf;
  r = h.apply(file);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(h.state()["jails"].size() == 2);
  CHECK(h.plan(file).rc == 0);
  // a listed jail without its root directory is a located error
  const std::string bad = h.write_site("jail_list=\"x\"\njail_x_hostname=\"x.example.org\"\n");
  r = h.jailplan({"import", "--rc-conf", bad});
  CHECK(r.rc == 1);
  CHECK(r.err.find("site.conf:2:1: error: jail x: rc.d/jail needs both jail_x_rootdir and jail_x_hostname") !=
        std::string::npos);
}

TEST_CASE("explain: the host, the record and the journal say why a jail is as it is") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  // the first jail(8) creation fails: that jail is rolled back
  Run r = h.apply_failing(file, "1 jail", {"-j", "1"});
  REQUIRE(r.rc == 1);
  const auto at = r.err.find(": failed: ");
  REQUIRE(at != std::string::npos);
  const std::string jail = r.err.substr(r.err.rfind('\n', at) + 1, at - r.err.rfind('\n', at) - 1);
  CAPTURE(jail);
  r = h.jailplan({"explain", "--backend", "freebsd", jail});
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(r.out.find(fmt::format("jail \"{}\": not running", jail)) != std::string::npos);
  CHECK(r.out.find("record: none") != std::string::npos);
  CHECK(r.out.find("last error: create at ") != std::string::npos);
  CHECK(r.out.find("injected failure") != std::string::npos);
  CHECK(r.out.find("rolled back: alias-remove") != std::string::npos);
  CHECK(r.out.find("ended with failures") != std::string::npos);
  // once applied, it runs, is recorded, and the error is history
  REQUIRE(h.apply(file).rc == 0);
  r = h.jailplan({"explain", "--backend", "freebsd", "--file", file, jail});
  INFO(r.out << r.err);
  CHECK(r.out.find("running (jid ") != std::string::npos);
  CHECK(r.out.find("record: created by jailplan, configuration sha256:") != std::string::npos);
  CHECK(r.out.find("an earlier run's error: create") != std::string::npos);
  CHECK(r.out.find("in sync, nothing to do") != std::string::npos);
}

TEST_CASE("gitops: the host applies its reviewed plan once, publishes a snapshot, refuses a stale plan") {
  FakeHost h;
  const fs::path repo = h.dir() / "repo";
  fs::create_directories(repo / "hosts" / "web01");
  fs::create_directories(repo / "plans");
  const std::string site = (repo / "hosts/web01/site.conf").string();
  std::ofstream(site) << std::ifstream(h.write_site(k_site)).rdbuf();
  const std::string snapshot = (repo / "hosts/web01/snapshot.json").string();
  // what CI does: plan against the host's last snapshot, save it
  Run r = h.jailplan({"observe", "--backend", "freebsd", "--json"});
  REQUIRE(r.rc == 0);
  std::ofstream(snapshot) << r.out;
  r = h.jailplan({"plan", "--backend", "freebsd", "--state", snapshot, "-o",
                  (repo / "plans/web01.json").string(), site});
  REQUIRE(r.rc == 0);
  const std::string stale_plan = (h.dir() / "stale.json").string();
  fs::copy_file(repo / "plans/web01.json", stale_plan);
  // what the host does
  const std::vector<std::string> host_apply{
      "/usr/bin/env",
      std::string("JAILPLAN=") + JAILPLAN_BINARY,
      "JAILPLAN_BACKEND=freebsd",
      "/bin/sh",
      std::string(JAILPLAN_SOURCE_DIR) + "/examples/gitops/host-apply.sh",
      repo.string(),
      "web01"};
  r = h.jailplan_via(host_apply);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("host-apply: applied") != std::string::npos);
  CHECK(h.state()["jails"].size() == 3);
  std::ifstream published(snapshot);
  const json snap = json::parse(published);
  CHECK(snap["jails"].size() == 3);
  // once only
  r = h.jailplan_via(host_apply);
  CHECK(r.rc == 0);
  CHECK(r.out.find("was applied already") != std::string::npos);
  // a plan made against a host that has changed since is refused, untouched
  const std::string destroy_worker = (h.dir() / "root/usr/sbin/jail").string();
  REQUIRE(h.jailplan_via({destroy_worker, "-R", "worker"}).rc == 0);
  fs::copy_file(stale_plan, repo / "plans/web01.json", fs::copy_options::overwrite_existing);
  fs::remove(repo / "plans/.web01.applied");
  r = h.jailplan_via(host_apply);
  CHECK(r.rc == 1);
  CHECK(r.err.find("no longer fits this host") != std::string::npos);
  CHECK(h.state()["jails"].size() == 2);
}

TEST_CASE(
    "validate --host: missing paths and fstab files, and wildcard listeners that shadow shared-stack jails") {
  FakeHost h;
  std::ofstream(h.dir() / "sockstat.txt")
      << "root     sshd       812   4   tcp4   *:22                  *:*\n"
         "root     syslogd    600   7   udp4   *:514                 *:*\n"
         "root     ntpd       610   8   udp6   *:123                 *:*\n"
         "www      httpd      900   3   tcp4   198.51.100.10:80      *:*\n";
  const std::string file = h.write_site(R"(path = "@/jails/$name";
persist;
web { ip4.addr = 198.51.100.10; mount.procfs; }
db { ip4.addr = 198.51.100.11; mount.fstab = "@/missing.fstab"; }
worker { vnet; }
ghost { path = "@/jails/ghost"; }
)");
  Run r = h.jailplan({"validate", "--host", "--backend", "freebsd", file});
  INFO(r.out << r.err);
  CHECK(r.rc == 1);
  CHECK(r.err.find("error: jail ghost: path " + (h.dir() / "jails/ghost").string() +
                   ": no such directory on this host") != std::string::npos);
  CHECK(r.err.find("error: jail db: mount.fstab: " + (h.dir() / "missing.fstab").string() +
                   ": cannot be read on this host") != std::string::npos);
  CHECK(r.err.find("site.conf:3:7: warning: sshd (tcp4, pid 812, user root) listens on *:22 (tcp): it also "
                   "answers on the addresses of web, db") != std::string::npos);
  CHECK(r.err.find("syslogd (udp4, pid 600, user root) listens on *:514 (udp)") != std::string::npos);
  CHECK(r.err.find("ntpd") == std::string::npos);  // IPv6 only, and no jail has IPv6 addresses
  {
    // the whole report, against its golden text (the host's directory as @)
    std::string report = r.err;
    for (std::size_t at; (at = report.find(h.dir().string())) != std::string::npos;)
      report.replace(at, h.dir().string().size(), "@");
    const std::string golden = std::string(JAILPLAN_SOURCE_DIR) + "/tests/golden/host/validate-host.txt";
    if (std::getenv("UPDATE_GOLDEN") != nullptr) std::ofstream(golden) << report;
    std::ifstream in(golden);
    CHECK(report == std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  }
  CHECK(r.err.find("httpd") == std::string::npos);  // bound to one address
  // plain validate judges the file alone
  CHECK(h.jailplan({"validate", file}).rc == 0);
}

TEST_CASE("restart: the named jails are stopped and started again, with their dependents, as jail -rc") {
  FakeHost h;
  const std::string file = h.write_site(k_site);
  REQUIRE(h.apply(file).rc == 0);
  const auto jid = [&](const std::string& name) {
    return h.jail(h.state(), name)->at("jid").get<long long>();
  };
  const long long db = jid("db"), web = jid("web"), worker = jid("worker");
  Run r = h.jailplan({"restart", "--backend", "freebsd", "--auto-approve", file, "db"});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("jail \"db\" will be restarted (restart requested)") != std::string::npos);
  CHECK(r.out.find("jail \"web\" will be restarted (it depends on 'db', which stops)") != std::string::npos);
  CHECK(jid("db") != db);
  CHECK(jid("web") != web);
  CHECK(jid("worker") == worker);  // unrelated
  check_whole(h);
  CHECK(h.plan(file).rc == 0);
  r = h.jailplan({"restart", "--backend", "freebsd", "--auto-approve", file, "nosuch"});
  CHECK(r.rc == 1);
  CHECK(r.err.find("jail \"nosuch\" is not declared") != std::string::npos);
}
