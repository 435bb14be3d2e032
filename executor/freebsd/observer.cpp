#include "executor/freebsd/observer.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "executor/freebsd/commands.hpp"
#include "executor/records.hpp"
#include "planner/snapshot.hpp"

namespace jailplan {

namespace {

Diagnostics failure(const std::vector<std::string>& argv, const CommandResult& r) {
  Diagnostics d;
  std::string msg = fmt::format("cannot observe the host: {}: {}", format_argv(argv), r.describe());
  if (const auto nl = r.err.find('\n'); !r.err.empty()) msg += ": " + r.err.substr(0, nl);
  d.error({}, std::move(msg), "observe");
  return d;
}

Command listing(const std::vector<std::string>& argv) {
  Command c;
  c.argv = argv;
  c.timeout = std::chrono::seconds(60);
  return c;
}

}  // namespace

FreeBsdPaths FreeBsdPaths::from(const HostEnv& env) {
  FreeBsdPaths p;
  p.tool_root = env.tool_root;
  if (!env.state_dir.empty()) p.state_dir = env.state_dir;
  return p;
}

std::vector<ObservedMount> parse_mount_p(const std::string& text) {
  std::vector<ObservedMount> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const auto f = fstab_fields(text.substr(pos, eol - pos));
    if (f.size() >= 3) out.push_back({f[2], f[0], f[1]});
    pos = eol + 1;
  }
  return out;
}

std::vector<ObservedAddress> parse_ifconfig(const std::string& text) {
  std::vector<ObservedAddress> out;
  std::string iface;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) continue;
    if (line[0] != ' ' && line[0] != '\t') {
      iface = line.substr(0, line.find(':'));
      continue;
    }
    const auto f = split_blanks(line);
    if (f.size() < 2 || (f[0] != "inet" && f[0] != "inet6")) continue;
    out.push_back({iface, f[0], f[1].substr(0, f[1].find('%'))});
  }
  return out;
}

Result<ObservedState> FreeBsdObserver::observe() {
  const std::vector<std::string> jls{k_jls, "-dnq"};
  const std::vector<std::string> mounts{k_mount, "-p"};
  const std::vector<std::string> ifaces{k_ifconfig, "-a"};
  const auto jr = m_runner.run(listing(jls));
  if (!jr.ok()) return failure(jls, jr);
  auto state = parse_jls_n(m_sources.add("jls -dnq", jr.out));
  if (!state) return state.diagnostics();
  ObservedState s = std::move(state.value());
  s.source = "this host (jls, mount -p, ifconfig -a)";
  const auto mr = m_runner.run(listing(mounts));
  if (!mr.ok()) return failure(mounts, mr);
  s.mounts = parse_mount_p(mr.out);
  const auto ir = m_runner.run(listing(ifaces));
  if (!ir.ok()) return failure(ifaces, ir);
  s.addresses = parse_ifconfig(ir.out);
  if (auto d = attach_records(s, m_state_dir, m_files, m_sources); d.has_errors()) return d;
  return s;
}

}  // namespace jailplan
