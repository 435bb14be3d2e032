// Drift on real Linux jails, as root: an address removed from the jail's
// end of its veth, a cgroup limit rewritten, the veth deleted. Each is
// reported by `jailplan drift` (exit 2), labelled in the plan as changed
// outside jailplan, and set back by apply, after which there is none.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "executor/linux/cgroup.hpp"
#include "executor/linux/netlink.hpp"
#include "linux_test_host.hpp"

using namespace jailplan;
using test::Site;
using test::trimmed;

namespace {

void require_jails() {
  const std::string missing = test::missing_linux_jail_requirement();
  REQUIRE_MESSAGE(missing.empty(), "the Linux drift tests need root and namespaces: ", missing);
}

const char* const k_conf = R"(
@JAIL@ { path = "@ROOT@"; persist; ip4.addr = @A@; $jailplan_rctl = "maxproc:deny=50"; }
)";

/// The drift the jailplan command reports, and its exit code.
CommandResult drift(Site& site, const std::string& file) {
  return site.cli({"drift", "--backend", "linux", file});
}

bool has_drift(const Plan& p, DriftKind kind) {
  for (const auto& j : p.jails)
    for (const auto& d : j.drift)
      if (d.kind == kind) return true;
  return false;
}

/// Reported, labelled, set back: the plan that apply ran had the drift,
/// and the next has no changes and no drift.
void check_set_back(Site& site, const std::string& file, const std::string& line, DriftKind kind) {
  const CommandResult d = drift(site, file);
  INFO(d.out << d.err);
  CHECK(d.exit_code == 2);
  CHECK(d.out.find("! changed outside jailplan: " + line) != std::string::npos);
  REQUIRE(site.apply(k_conf).ok());
  CHECK(has_drift(site.last_plan(), kind));
  REQUIRE(site.apply(k_conf).ok());
  CHECK_FALSE(site.last_plan().has_changes());
  const CommandResult after = drift(site, file);
  INFO(after.out << after.err);
  CHECK(after.exit_code == 0);
}

std::string pids_max(const std::string& jail) {
  const auto mode = linux_cgroup::detect();
  const auto dirs = linux_cgroup::directories(jail, mode);
  REQUIRE(!dirs.empty());
  return (mode == linux_cgroup::Mode::v2 ? dirs[0] : dirs[1]) + "/jail/pids.max";
}

}  // namespace

TEST_CASE("linux drift: an address removed from the jail's link is added again, in place") {
  require_jails();
  Site site(150);
  REQUIRE(site.apply(k_conf).ok());
  const std::string file = site.write_conf(k_conf);
  const auto rt = site.runtime();
  REQUIRE(rt);
  {
    linux_jail::Fd ns(::open(fmt::format("/proc/{}/ns/net", rt->init_pid).c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(ns.get() >= 0);
    std::string error = "not run";
    std::thread t([&] {
      if (::setns(ns.get(), CLONE_NEWNET) != 0) return;
      linux_net::IpAddress a;
      error = linux_net::parse_ip(site.address(0) + "/32", a) ? linux_net::Netlink().delete_address("eth0", a)
                                                              : "not an address";
    });
    t.join();
    REQUIRE_MESSAGE(error.empty(), error);
  }
  CHECK_FALSE(site.in_jail("ip -4 -o addr show eth0 | grep -q " + site.address(0)).ok());
  check_set_back(site, file, fmt::format("alias {} on the jail's link: present → absent", site.address(0)),
                 DriftKind::alias);
  CHECK(site.last_plan().jails.empty());
  CHECK(site.in_jail("ip -4 -o addr show eth0 | grep -q " + site.address(0)).ok());
  CHECK(site.runtime()->init_pid == rt->init_pid);  // in place: the same jail
  REQUIRE(site.apply("").ok());
  CHECK(site.leaked_links().empty());
}

TEST_CASE("linux drift: a cgroup limit rewritten by hand is set again") {
  require_jails();
  Site site(152);
  REQUIRE(site.apply(k_conf).ok());
  const std::string file = site.write_conf(k_conf);
  const std::string pids = pids_max(site.name());
  {
    std::ifstream in(pids);
    std::string v;
    in >> v;
    REQUIRE(v == "50");
  }
  std::ofstream(pids) << "100";
  check_set_back(site, file, "limit maxproc:deny: 50 → 100", DriftKind::limit);
  std::ifstream in(pids);
  std::string v;
  in >> v;
  CHECK(v == "50");
  REQUIRE(site.apply("").ok());
  CHECK(site.leaked_links().empty());
}

TEST_CASE("linux drift: a deleted veth restarts the jail with a new link") {
  require_jails();
  Site site(154);
  REQUIRE(site.apply(k_conf).ok());
  const std::string file = site.write_conf(k_conf);
  const auto rt = site.runtime();
  REQUIRE(rt);
  REQUIRE(!rt->veth.empty());
  REQUIRE(linux_net::Netlink().delete_link(rt->veth).empty());
  check_set_back(site, file, fmt::format("link: its link {} is gone from the host", rt->veth),
                 DriftKind::link);
  CHECK(site.runtime()->init_pid != rt->init_pid);
  CHECK(site.in_jail("ip -4 -o addr show eth0 | grep -q " + site.address(0)).ok());
  REQUIRE(site.apply("").ok());
  CHECK(site.leaked_links().empty());
}
