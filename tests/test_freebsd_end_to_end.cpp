// End to end on a fake FreeBSD host (tests/fakebsd): the real jailplan binary, run
// as a process, drives fake jail/jls/jexec/ifconfig/mount/umount/rctl programs
// that record every call and keep the host's state: apply, re-plan, in place,
// replace, destroy; failure injection at every call; lock contention; the
// live status line.
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

#include "base/json_bytes.hpp"
#include "fake_host_cli.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace jailplan::test;

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
  SUBCASE("a changed devfs ruleset reaches the kernel and every mounted /dev") {
    const std::string file2 = h.write_site(edited(k_site, "devfs_ruleset = 4;", "devfs_ruleset = 5;"));
    const Run dry = h.jailplan({"apply", "--backend", "freebsd", "--dry-run", file2});
    INFO(dry.out << dry.err);
    CHECK(dry.out.find("/sbin/devfs -m " + (h.dir() / "jails/web/dev").string() + " rule applyset") !=
          std::string::npos);
    const long long jid = h.jail(h.state(), "web")->at("jid");
    const Run r = h.apply(file2);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    s = h.state();
    CHECK(h.jail(s, "web")->at("jid") == jid);
    for (const std::string name : {"db", "web", "worker"}) {
      CAPTURE(name);
      const std::string dev = (h.dir() / "jails" / name / "dev").string();
      CHECK(h.jail(s, name)->at("params").at("devfs_ruleset") == "5");
      CHECK(h.has_call("/sbin/devfs -m " + dev + " ruleset 5"));
      CHECK(h.has_call("/sbin/devfs -m " + dev + " rule applyset"));
      for (const auto& m : s["mounts"])
        if (m["file"] == dev) {
          CHECK(m.value("ruleset", "") == "5");
          CHECK(m.value("applied", "") == "5");
        }
    }
    check_whole(h);
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

TEST_CASE("fake FreeBSD host: observed through jls --libxo json, a dying jail and odd values included") {
  FakeHost h;
  // a host name with both quote characters and a tab: jls -n text cannot
  // carry it, libxo's JSON can
  const std::string site =
      edited(k_site, "host.hostname = web.example.org;", "host.hostname = \"it's \\\"web\\\"\\tsite\";");
  const std::string file = h.write_site(site);
  {
    const Run r = h.apply(file);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
  }
  CHECK(h.has_call("/usr/sbin/jls --libxo json -d -n"));
  CHECK(h.jail(h.state(), "web")->at("params").at("host.hostname") == "it's \"web\"\tsite");
  {
    const Run r = h.plan(file);
    INFO(r.out << r.err);
    CHECK(r.rc == 0);
  }
  // the kernel still holds an earlier 'web' that is dying (jail -r while a
  // process lingers): listed by jls -d, it must not stand for the live one
  json s = h.state();
  json old = *h.jail(s, "web");
  old["jid"] = 99;
  old["dying"] = true;
  old["params"]["persist"] = false;
  old["params"]["host.hostname"] = "old.example.org";
  s["jails"].push_back(old);
  std::ofstream(h.dir() / "state.json") << s.dump();
  {
    const Run r = h.plan(file);
    INFO(r.out << r.err);
    CHECK(r.rc == 0);
  }
  {
    const Run r = h.jailplan({"observe", "--backend", "freebsd", "--json"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    const json o = json::parse(r.out);
    int dying = 0;
    for (const auto& j : o["jails"]) dying += j["dying"].get<bool>() ? 1 : 0;
    CHECK(dying == 1);
  }
}

TEST_CASE("fake FreeBSD host: apply -j 2 of jails with a value that is not UTF-8 ends, its journal closed") {
  FakeHost h;
  // jail.conf is bytes: \xe9 is Latin-1, not UTF-8
  const std::string file = h.write_site(
      "path = \"@/jails/$name\";\npersist;\n"
      "db { exec.start = \"/bin/echo caf\xe9\"; }\nweb { exec.start = \"/bin/echo caf\xe9\"; }\n");
  const Run r = h.apply(file, 0, {"-j", "2"});
  INFO(r.out << r.err);
  // never an abort (134): each jail is done, or failed with a sentence
  CHECK(r.rc == 0);  // JSON is byte-safe: the records are written
  const bool summed = r.out.find("apply complete") != std::string::npos ||
                      r.err.find("apply incomplete") != std::string::npos;
  CHECK(summed);
  std::ifstream in(h.dir() / "db" / "journal.jsonl");
  std::string line, last;
  while (std::getline(in, line)) last = line;
  CHECK(last.find("\"end\":") != std::string::npos);
}

TEST_CASE("fake FreeBSD host: values with any byte go through plan -o, apply -j 2, records and snapshots") {
  FakeHost h;
  // bytes 0x80-0xFF that are not UTF-8, control characters but NUL, valid
  // multi-byte UTF-8 and a character of the escape range itself
  const std::string odd =
      "\x80\xbf\xc0\xfe\xff \x01\x1b]0;t\x07\x1b[2J\x7f \xc2\x9b \xc3\xa9\xe2\x82\xac \xee\xbe\x80";
  const std::string file = h.write_site(
      "path = \"@/jails/$name\";\npersist;\n"
      "worker { host.hostname = \"" +
      odd + "\"; exec.stop = \"/bin/echo " + odd +
      "\"; }\n"
      "worker2 { host.hostname = \"2" +
      odd + "\"; exec.stop = \"/bin/echo 2" + odd + "\"; }\n");
  {
    // two such jails at once: a worker thread that threw here aborted the run
    const Run r = h.apply(file, 0, {"-j", "2"});
    INFO(r.out << r.err);
    CHECK(r.rc == 0);
    CHECK(r.out.find('\x1b') == std::string::npos);
  }
  h.reset();
  const std::string saved = (h.dir() / "plan.json").string();
  {
    const Run r = h.jailplan({"plan", "--backend", "freebsd", "-o", saved, file});
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.find('\x1b') == std::string::npos);
  }
  {
    std::ifstream in(saved);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(jailplan::is_valid_utf8(text));
    CHECK(json::accept(text));
  }
  {
    const Run r = h.jailplan({"apply", "--backend", "freebsd", "--auto-approve", "-j", "2", saved});
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.find('\x1b') == std::string::npos);
  }
  CHECK(h.jail(h.state(), "worker")->at("params").at("host.hostname") == jailplan::bytes_to_json_text(odd));
  {
    const Run r = h.plan(file);  // the kernel's values and the records match the configuration
    INFO(r.out << r.err);
    CHECK(r.rc == 0);
  }
  // every journal line is JSON
  std::ifstream journal(h.dir() / "db" / "journal.jsonl");
  std::size_t lines = 0;
  for (std::string line; std::getline(journal, line); ++lines) CHECK(json::accept(line));
  CHECK(lines > 2);
  // the snapshot of the host keeps the values and the records exactly
  const Run observed = h.jailplan({"observe", "--backend", "freebsd", "--json"});
  REQUIRE(observed.rc == 0);
  json snap = json::parse(observed.out);
  jailplan::restore_json_bytes(snap);
  std::size_t seen = 0;
  for (const auto& j : snap["jails"]) {
    const std::string prefix = j["name"] == "worker2" ? "2" : "";
    CHECK(j["params"]["host.hostname"] == prefix + odd);
    CHECK(j["applied"]["params"]["exec.stop"] == json::array({"/bin/echo " + prefix + odd}));
    ++seen;
  }
  CHECK(seen == 2);
  const std::string snapshot = (h.dir() / "snapshot.json").string();
  std::ofstream(snapshot) << observed.out;
  const Run again = h.jailplan({"plan", "--state", snapshot, "--detailed-exitcode", file});
  INFO(again.out << again.err);
  CHECK(again.rc == 0);
}
