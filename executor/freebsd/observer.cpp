#include "executor/freebsd/observer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "base/text.hpp"
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

Diagnostics located(const SourceFile& file, std::size_t offset, std::string msg) {
  Diagnostics d;
  d.error(Location{&file, static_cast<std::uint32_t>(offset)}, std::move(msg), "observe");
  return d;
}

// One field of a `mount -p` line: strvis(3)-encoded by FreeBSD's mount
// (a space is `\040`); an older mount printed it raw, which is taken as it is.
std::string mount_field(const std::string& word) {
  auto decoded = strunvis(word);
  return decoded ? std::move(*decoded) : word;
}

// The address of an `inet` / `inet6` line as ifconfig prints it: the
// default format (`inet 192.0.2.1 netmask 0x...`), or the `inet:cidr` form
// (`inet 192.0.2.1/24`) should an IFCONFIG_FORMAT still reach ifconfig; the
// scope of a link-local IPv6 address (`fe80::1%lo0`) is the interface,
// already known.
std::optional<std::string> address_of(const std::string& family, std::string word) {
  word = word.substr(0, word.find('/'));
  word = word.substr(0, word.find('%'));
  unsigned char buf[sizeof(in6_addr)];
  if (::inet_pton(family == "inet" ? AF_INET : AF_INET6, word.c_str(), buf) != 1) return std::nullopt;
  return word;
}

}  // namespace

FreeBsdPaths FreeBsdPaths::from(const HostEnv& env) {
  FreeBsdPaths p;
  p.tool_root = env.tool_root;
  if (!env.state_dir.empty()) p.state_dir = env.state_dir;
  return p;
}

Result<std::vector<ObservedMount>> parse_mount_p(const SourceFile& file) {
  std::vector<ObservedMount> out;
  for (Lines l(file.text()); l.next();) {
    const auto f = split_blanks(l.line);
    if (!f.empty() && f.size() < 3)
      return located(file, l.offset, "expected 'DEVICE MOUNTPOINT FSTYPE OPTIONS DUMP PASS' from mount -p");
    if (!f.empty()) out.push_back({f[2], mount_field(f[0]), mount_field(f[1])});
  }
  return out;
}

Result<std::vector<ObservedAddress>> parse_ifconfig(const SourceFile& file) {
  std::vector<ObservedAddress> out;
  std::string iface;
  for (Lines l(file.text()); l.next();) {
    const std::string_view line = l.line;
    if (line.empty()) continue;
    if (line[0] != ' ' && line[0] != '\t') {
      // `NAME: flags=...`; a renamed interface may hold a ':' itself
      const std::size_t flags = line.find(": flags=");
      iface = std::string(line.substr(0, flags != std::string_view::npos ? flags : line.find(':')));
      continue;
    }
    const auto f = split_blanks(line);
    if (f.empty() || (f[0] != "inet" && f[0] != "inet6")) continue;
    auto address = f.size() >= 2 ? address_of(f[0], f[1]) : std::nullopt;
    if (!address)
      return located(
          file, l.offset + line.find(f[0]),
          fmt::format("expected a numeric address after '{}', got '{}' (ifconfig -a of interface '{}')", f[0],
                      f.size() >= 2 ? f[1] : std::string(), iface));
    out.push_back({iface, f[0], std::move(*address)});
  }
  return out;
}

Result<ObservedState> FreeBsdObserver::observe() {
  // every parameter of every jail, dying ones too, as libxo's JSON: jls -n
  // text cannot carry a value with both quote characters or a line break
  Command jls = listing({k_jls, "--libxo", "json", "-d", "-n"});
  jls.extra_env = {"LIBXO_OPTIONS="};  // the admin's libxo options (no-top, xml, ...) do not apply
  Command mounts = listing({k_mount, "-p"});
  // the default address format, whatever the admin's environment asks for
  // (inet:cidr, addr:fqdn); ifconfig reads it before its options
  Command ifaces = listing({k_ifconfig, "-a"});
  ifaces.extra_env = {"IFCONFIG_FORMAT=addr:default,ether:default,inet:default,inet6:default"};

  const auto jr = m_runner.run(jls);
  if (!jr.ok()) return failure(jls.argv, jr);
  auto state = parse_jls_json(m_sources.add("jls --libxo json -d -n", jr.out));
  if (!state) return state.diagnostics();
  ObservedState s = std::move(state.value());
  s.source = "this host (jls, mount -p, ifconfig -a)";
  const auto mr = m_runner.run(mounts);
  if (!mr.ok()) return failure(mounts.argv, mr);
  auto m = parse_mount_p(m_sources.add("mount -p", mr.out));
  if (!m) return m.diagnostics();
  s.mounts = std::move(m.value());
  const auto ir = m_runner.run(ifaces);
  if (!ir.ok()) return failure(ifaces.argv, ir);
  auto a = parse_ifconfig(m_sources.add("ifconfig -a", ir.out));
  if (!a) return a.diagnostics();
  s.addresses = std::move(a.value());
  s.lists_mounts = s.lists_aliases = true;
  if (auto d = attach_records(s, m_state_dir, m_files, m_sources); d.has_errors()) return d;
  if (auto d = observe_limits(s); d.has_errors()) return d;
  return s;
}

Diagnostics FreeBsdObserver::observe_limits(ObservedState& s) {
  // the rules in force, for the jails jailplan gave some: one `rctl` for
  // them all, and none on a host where jailplan set no limits (a kernel
  // without RACCT refuses the listing)
  std::vector<ObservedJail*> limited;
  for (auto& j : s.jails)
    if (const AppliedRecord* r = j.own_record();
        r != nullptr && !j.dying && find_param(r->params, "jailplan.rctl"))
      limited.push_back(&j);
  if (limited.empty()) return {};
  const Command rctl = listing({k_rctl});
  const auto rr = m_runner.run(rctl);
  if (!rr.ok()) return failure(rctl.argv, rr);
  auto rules = parse_rctl(m_sources.add("rctl", rr.out));
  if (!rules) return rules.diagnostics();
  for (ObservedJail* j : limited) {
    j->limits.emplace();
    const auto it = rules.value().find(j->name);
    if (it != rules.value().end()) j->limits = it->second;
  }
  return {};
}

Result<std::map<std::string, std::vector<std::string>>> parse_rctl(const SourceFile& file) {
  std::map<std::string, std::vector<std::string>> out;
  for (Lines l(file.text()); l.next();) {
    const std::string_view line = l.line;
    if (line.rfind("jail:", 0) != 0) continue;  // other subjects, blank lines
    // jail:NAME:RESOURCE:ACTION=AMOUNT[/PER], the name may hold a ':'
    const std::size_t eq = line.find('=');
    const std::size_t action = eq == std::string_view::npos ? eq : line.rfind(':', eq);
    const std::size_t resource = action == std::string_view::npos || action == 0
                                     ? std::string_view::npos
                                     : line.rfind(':', action - 1);
    if (resource == std::string_view::npos || resource < 5)
      return located(
          file, l.offset,
          fmt::format("expected 'jail:NAME:RESOURCE:ACTION=AMOUNT' from rctl, got '{}'", std::string(line)));
    out[std::string(line.substr(5, resource - 5))].emplace_back(line.substr(resource + 1));
  }
  return out;
}

}  // namespace jailplan
