// GitOps: a reviewed plan applied once on the host.
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
  // the digest the reviewer approved, as the workflow writes it
  const auto digest_at = r.out.find("Plan digest: ");
  REQUIRE(digest_at != std::string::npos);
  const std::string digest = r.out.substr(digest_at + 13, 71);
  std::ofstream(repo / "plans/web01.digest") << "sha256:0000\n";
  // what the host does
  const std::vector<std::string> host_apply{
      "/usr/bin/env",
      std::string("JAILPLAN=") + JAILPLAN_BINARY,
      "JAILPLAN_BACKEND=freebsd",
      "/bin/sh",
      std::string(JAILPLAN_SOURCE_DIR) + "/examples/gitops/host-apply.sh",
      repo.string(),
      "web01"};
  // a plan other than the approved one is not applied
  r = h.jailplan_via(host_apply);
  CHECK(r.rc == 1);
  CHECK(r.err.find("not the approved sha256:0000") != std::string::npos);
  CHECK(h.state()["jails"].empty());
  std::ofstream(repo / "plans/web01.digest") << digest << "\n";
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
  fs::remove(repo / "plans/web01.digest");
  r = h.jailplan_via(host_apply);
  CHECK(r.rc == 1);
  CHECK(r.err.find("is not applied; make the plan again") != std::string::npos);
  CHECK(h.state()["jails"].size() == 2);
}
