// `validate --host`: the checks that need the host itself (paths, fstab
// files, wildcard listeners that shadow shared-stack jails).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fake_host_cli.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace jailplan::test;

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
