// Planner benchmark: N declared jails against N running ones, all recorded
// by jailplan, one in a hundred with a changed hostname, one in a thousand
// with a changed path (replaced, restarting what depends on it). Times
// make_plan alone (diff, order, cascade, steps) and reports medians.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "compiler/compile.hpp"
#include "gen_site.hpp"
#include "planner/planner.hpp"
#include "planner/steps.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// What a host running exactly this site reports: the kernel parameters
// (with the kernel's defaults for the rest) and jailplan's records.
jailplan::ObservedState running(const jailplan::DesiredState& d) {
  using namespace jailplan;
  ObservedState o;
  std::int64_t jid = 1;
  for (const auto& j : d.jails) {
    ObservedJail oj;
    oj.name = j.name;
    oj.jid = jid++;
    const CanonSpec canon = canon_spec(j);
    for (const auto& p : canon) {
      const auto m = lookup_param(p.name);
      if (m && in_kernel(*m->info)) oj.params.push_back({p.name, kernel_view(*m->info, p.values)});
    }
    for (const auto& info : catalog())
      if (compared_when_absent(info) && find_param(canon, info.name) == nullptr)
        oj.params.push_back({std::string(info.name), {std::string(info.default_value)}});
    oj.applied = AppliedRecord{spec_digest(canon), oj.jid, true, canon};
    o.jails.push_back(std::move(oj));
  }
  o.normalize();
  return o;
}

void drift(jailplan::ObservedState& o) {
  for (std::size_t i = 0; i < o.jails.size(); ++i) {
    auto& p = o.jails[i].params;
    for (auto& x : p) {
      if (i % 100 == 7 && x.name == "host.hostname") x.values = {"drifted.example.net"};
      if (i % 1000 == 500 && x.name == "path") x.values = {"/old/path"};
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 11;
  std::vector<std::size_t> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(std::strtoul(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {10000, 100000};

  const auto dir = std::filesystem::temp_directory_path() / fmt::format("jailplan-bench-plan-{}", getpid());
  std::filesystem::create_directories(dir);
  std::vector<double> medians;
  for (const std::size_t jails : sizes) {
    const auto site = jailplan::bench::generate_site(jails);
    std::ofstream(dir / "site.conf") << site.main;
    std::ofstream(dir / "common.conf") << site.included;
    jailplan::FileSystemLoader loader;
    const auto c = jailplan::compile_file((dir / "site.conf").string(), loader);
    if (!c.ok()) {
      fmt::print(stderr, "the generated site does not compile\n");
      return 1;
    }
    auto observed = running(c.desired);
    const auto same = jailplan::make_plan(c.desired, observed, {});
    if (same.has_changes()) {
      fmt::print(stderr, "a host running the site should need no changes\n");
      return 1;
    }
    drift(observed);
    std::vector<double> times;
    std::size_t planned = 0, steps = 0;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto plan = jailplan::make_plan(c.desired, observed, {});
      const auto t1 = std::chrono::steady_clock::now();
      times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      planned = plan.jails.size();
      steps = 0;
      for (const auto& j : plan.jails) steps += j.steps.size();
    }
    const double m = median(times);
    medians.push_back(m);
    fmt::print(
        "plan {} desired vs {} observed: median {:.1f} ms (min {:.1f}, max {:.1f}), {} jails changed, {} "
        "steps\n",
        jails, observed.jails.size(), m, *std::min_element(times.begin(), times.end()),
        *std::max_element(times.begin(), times.end()), planned, steps);
  }
  std::filesystem::remove_all(dir);
  for (std::size_t i = 1; i < sizes.size(); ++i)
    fmt::print("scaling {}x jails: {:.2f}x time\n", sizes[i] / sizes[i - 1], medians[i] / medians[i - 1]);
  return 0;
}
