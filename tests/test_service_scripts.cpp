// The rc.d script as rc.subr runs it, and the systemd unit.
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

#include "fake_host_cli.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace jailplan::test;

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
