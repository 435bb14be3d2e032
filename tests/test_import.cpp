// `jailplan import`: jails started by hand, and rc.conf's legacy jail_* variables.
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

TEST_CASE("import: jails started by hand come under jailplan with --adopt, and re-plan clean") {
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
  CHECK(r.rc == 1);  // nobody owns them: adopting is asked for, never a side effect
  CHECK(r.err.find("no configuration owns it") != std::string::npos);
  r = h.jailplan({"plan", "--backend", "freebsd", "--detailed-exitcode", "--adopt", file});
  CHECK(r.rc == 2);
  CHECK(r.out.find("will be adopted") != std::string::npos);
  CHECK(r.out.find("0 to create") != std::string::npos);
  r = h.apply(file, 0, {"--adopt"});
  REQUIRE(r.rc == 0);
  CHECK(h.counted_calls() == 0);
  CHECK(h.plan(file).rc == 0);
  // the YAML twin says the same (once it has the jails' owner's name)
  r = h.jailplan({"import", "--backend", "freebsd", "--to", "yaml", "-o", (h.dir() / "site.yaml").string()});
  REQUIRE(r.rc == 0);
  CHECK(h.plan((h.dir() / "site.yaml").string()).rc == 1);  // another file: another owner
  {
    std::ifstream yin(h.dir() / "site.yaml");
    std::string yaml((std::istreambuf_iterator<char>(yin)), std::istreambuf_iterator<char>());
    const auto list = yaml.find("\n  - ");  // the first statement of the list
    REQUIRE(list != std::string::npos);
    yaml.insert(list + 1, "  - $jailplan_owner: \"" + fs::canonical(file).string() + "\"\n");
    std::ofstream(h.dir() / "site.yaml") << yaml;
  }
  r = h.plan((h.dir() / "site.yaml").string());
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
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
