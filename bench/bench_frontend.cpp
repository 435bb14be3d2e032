// Front-end benchmark: generates an N-jail site, then times
// `jailplan validate -q` as a separate process (wall time and peak RSS, the
// numbers a user sees) and compile in-process, without and with the syntax
// trees. Reports medians.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "compiler/compile.hpp"
#include "gen_site.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct ProcRun {
  double ms;
  long maxrss_kib;
  int status;
};

ProcRun run_process(const std::string& exe, const std::string& file) {
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    execl(exe.c_str(), exe.c_str(), "validate", "-q", file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  const auto t1 = std::chrono::steady_clock::now();
  return {std::chrono::duration<double, std::milli>(t1 - t0).count(), ru.ru_maxrss, status};
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t jails = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 11;
  const std::string exe = argc > 3 ? argv[3] : "build/cli/jailplan";

  const auto dir = std::filesystem::temp_directory_path() / fmt::format("jailplan-bench-{}", getpid());
  std::filesystem::create_directories(dir);
  const auto site = jailplan::bench::generate_site(jails);
  const std::string main_path = (dir / "site.conf").string();
  std::ofstream(main_path) << site.main;
  std::ofstream(dir / "common.conf") << site.included;
  const double mb = static_cast<double>(site.main.size() + site.included.size()) / 1e6;

  std::vector<double> wall, lean, tree, rss;
  for (int i = 0; i < reps; ++i) {
    const auto r = run_process(exe, main_path);
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
      fmt::print(stderr, "validate failed (status {}) on the generated site\n", r.status);
      std::filesystem::remove_all(dir);
      return 1;
    }
    wall.push_back(r.ms);
    rss.push_back(static_cast<double>(r.maxrss_kib) / 1024.0);
  }
  jailplan::FileSystemLoader loader;
  for (int i = 0; i < reps; ++i) {
    for (const auto keep : {jailplan::KeepSyntax::no, jailplan::KeepSyntax::yes}) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto c = jailplan::compile_file(main_path, loader, keep);
      const auto t1 = std::chrono::steady_clock::now();
      if (!c.ok() || c.desired.jails.size() != jails) return 1;
      (keep == jailplan::KeepSyntax::no ? lean : tree)
          .push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }
  std::filesystem::remove_all(dir);

  const double wm = median(wall), lm = median(lean), tm = median(tree);
  fmt::print("jails={} size={:.2f}MB reps={}\n", jails, mb, reps);
  fmt::print(
      "validate (process): median {:.1f} ms  min {:.1f}  max {:.1f}  = {:.0f} MB/s  peak RSS median {:.1f} "
      "MiB "
      "(max {:.1f})\n",
      wm, *std::min_element(wall.begin(), wall.end()), *std::max_element(wall.begin(), wall.end()),
      mb / (wm / 1000), median(rss), *std::max_element(rss.begin(), rss.end()));
  fmt::print(
      "compile in-process, no syntax tree (validate, show, plan, apply): median {:.1f} ms = {:.0f} MB/s\n",
      lm, mb / (lm / 1000));
  fmt::print("compile in-process, keeping the syntax tree: median {:.1f} ms = {:.0f} MB/s\n", tm,
             mb / (tm / 1000));
  return 0;
}
