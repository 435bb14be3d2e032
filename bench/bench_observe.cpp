// FreeBSD observer benchmark: a host of N jails, each with jailplan's
// applied record in a state directory on disk, a devfs mount and an address.
// The three listings come from memory (what jls --libxo json -d -n,
// mount -p and ifconfig -a print for them); the records are read from
// disk. Times the whole observe() and attach_records() alone, reports
// medians and the time ratio between sizes.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "executor/freebsd/observer.hpp"
#include "executor/records.hpp"
#include "planner/snapshot.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string jail_name(std::size_t i) {
  return fmt::format("j{:06}", i);
}

struct Listings final : jailplan::CommandRunner {
  std::string jls, mounts, ifaces;
  jailplan::CommandResult run(const jailplan::Command& c) override {
    jailplan::CommandResult r;
    r.exit_code = 0;
    const std::string& tool = c.argv.at(0);
    r.out = tool == "/usr/sbin/jls" ? jls : tool == "/sbin/mount" ? mounts : ifaces;
    return r;
  }
};

// What the host prints for N jails (the parameters of jls -n's JSON that
// matter to a plan; booleans as booleans, the rest as strings).
Listings host_of(std::size_t n) {
  Listings h;
  h.jls = R"({"__version": "2", "jail-information": {"jail": [)";
  h.mounts = "/dev/ada0p2\t\t/\t\tufs\trw\t1 1\n";
  h.ifaces =
      "em0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n"
      "\tinet 10.0.0.1 netmask 0xff000000 broadcast 10.255.255.255\n";
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = jail_name(i);
    const std::string ip = fmt::format("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    h.jls += fmt::format(
        R"({}{{"devfs_ruleset":"4","dying":false,"enforce_statfs":"2","host":"new","ip4":"disable",)"
        R"("jid":"{}","name":"{}","path":"/jails/{}","persist":true,"securelevel":"-1",)"
        R"("allow.raw_sockets":false,"allow.set_hostname":false,"host.hostname":"{}.example.org",)"
        R"("ip4.addr":["{}"],"ip6.addr":[]}})",
        i == 0 ? "" : ",", i + 1, name, name, name, ip);
    h.mounts += fmt::format("devfs\t\t\t/jails/{}/dev\tdevfs\trw\t0 0\n", name);
    h.ifaces += fmt::format("\tinet {} netmask 0xffffffff broadcast {}\n", ip, ip);
  }
  h.jls += "]}}\n";
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<std::size_t> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(std::strtoul(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {10000, 100000};

  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("jailplan-bench-observe-{}", getpid());
  std::vector<double> observe_medians, attach_medians;
  for (const std::size_t jails : sizes) {
    std::filesystem::remove_all(dir);
    const std::string state_dir = (dir / "applied").string();
    jailplan::AppliedRecord record{"sha256:0", std::nullopt, true, {{"path", {"/jails/x"}}}};
    for (std::size_t i = 0; i < jails; ++i) {
      if (auto st = jailplan::write_record(state_dir, jail_name(i), record, static_cast<std::int64_t>(i + 1));
          !st.ok()) {
        fmt::print(stderr, "cannot write the records: {}\n", st.message());
        return 1;
      }
    }
    Listings host = host_of(jails);
    std::vector<double> observe_times, attach_times;
    for (int r = 0; r < reps; ++r) {
      jailplan::FileSystemLoader files;
      jailplan::FreeBsdObserver observer(host, files, state_dir);
      const auto t0 = std::chrono::steady_clock::now();
      auto observed = observer.observe();
      const auto t1 = std::chrono::steady_clock::now();
      if (!observed.ok() || observed.value().jails.size() != jails || !observed.value().stopped.empty()) {
        fmt::print(stderr, "the observation is not the host's\n");
        return 1;
      }
      observe_times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());

      jailplan::ObservedState s = std::move(observed.value());
      for (auto& j : s.jails) j.applied.reset();
      jailplan::SourceSet sources;
      const auto t2 = std::chrono::steady_clock::now();
      const auto d = jailplan::attach_records(s, state_dir, files, sources);
      const auto t3 = std::chrono::steady_clock::now();
      if (d.has_errors() || !s.stopped.empty()) {
        fmt::print(stderr, "the records do not attach\n");
        return 1;
      }
      attach_times.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
    }
    observe_medians.push_back(median(observe_times));
    attach_medians.push_back(median(attach_times));
    fmt::print(
        "observe {} jails (jls JSON {:.1f} MB, {} records on disk): median {:.1f} ms, attach_records "
        "alone {:.1f} ms\n",
        jails, static_cast<double>(host.jls.size()) / 1e6, jails, observe_medians.back(),
        attach_medians.back());
  }
  std::filesystem::remove_all(dir);
  for (std::size_t i = 1; i < sizes.size(); ++i)
    fmt::print("scaling {}x jails: observe {:.2f}x time, attach_records {:.2f}x time\n",
               sizes[i] / sizes[i - 1], observe_medians[i] / observe_medians[i - 1],
               attach_medians[i] / attach_medians[i - 1]);
  return 0;
}
