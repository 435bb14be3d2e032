#include "executor/host_checks.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <fmt/format.h>

#include "base/text.hpp"
#include "planner/steps.hpp"

namespace jailplan {

namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// A jail whose addresses sit on the host's own stack: it has addresses
/// and no vnet of its own.
bool shared_stack(const JailSpec& j) {
  if (const auto* vnet = j.text("vnet"); vnet != nullptr && *vnet == "new") return false;
  const auto* v4 = j.addresses("ip4.addr");
  const auto* v6 = j.addresses("ip6.addr");
  return (v4 != nullptr && !v4->empty()) || (v6 != nullptr && !v6->empty());
}

}  // namespace

std::vector<Listener> parse_sockstat(const std::string& text) {
  std::vector<Listener> out;
  for (Lines l(text); l.next();) {
    const auto f = split_blanks(l.line);
    if (f.size() < 6 || f[0] == "USER") continue;
    const std::string& local = f[5];
    const auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    out.push_back({f[0], f[1], f[2], f[4], local.substr(0, colon), local.substr(colon + 1)});
  }
  return out;
}

std::string root_way_in_open(const std::string& path) {
  if (path.empty() || path.front() != '/') return {};  // jail(8) refuses it already
  // "/", "/a", "/a/b", ... up to path's parent
  std::vector<std::string> above{"/"};
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
    if (slash > 1 && path[slash - 1] != '/') above.push_back(path.substr(0, slash));
  const uid_t me = ::geteuid();
  std::string open;
  for (const auto& dir : above) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) break;  // made later: by root, under these
    const bool owner_ok = st.st_uid == 0 || st.st_uid == me;
    const bool others_out = (st.st_mode & S_IXOTH) == 0;
    const bool group_out = (st.st_mode & S_IXGRP) == 0 || st.st_gid == 0;
    if (owner_ok && others_out && group_out) return {};
    open += fmt::format("{}{} ({:o}, uid {}, gid {})", open.empty() ? "" : ", ", dir, st.st_mode & 07777,
                        st.st_uid, st.st_gid);
  }
  return fmt::format("no directory above it is closed to other users: {}", open);
}

Diagnostics check_root_ancestry(const DesiredState& desired) {
  Diagnostics d;
  for (const auto& j : desired.jails) {
    if (j.failed) continue;
    const std::string_view* path = j.text("path");
    if (path == nullptr) continue;
    if (auto why = root_way_in_open(std::string(*path)); !why.empty())
      d.error(j.find("path")->location(),
              fmt::format("jail {}: path {}: other users can reach it: {}", j.name, *path, why), "host")
          .detail =
          "a setuid program made by jail root would make any host user root: put jail roots under a "
          "directory owned by root with mode 0700 (e.g. /var/lib/jailplan/jails)";
  }
  return d;
}

Diagnostics check_host_paths(const DesiredState& desired) {
  Diagnostics d = check_root_ancestry(desired);
  for (const auto& j : desired.jails) {
    if (j.failed) continue;
    if (const std::string_view* path = j.text("path")) {
      const std::string root(*path);
      if (!is_dir(root)) {
        d.error(j.find("path")->location(),
                fmt::format("jail {}: path {}: no such directory on this host", j.name, root), "host");
      } else {
        for (const auto& [param, sub] :
             {std::pair{"mount.devfs", "/dev"}, std::pair{"mount.procfs", "/proc"}})
          if (j.flag(param) && !is_dir(root + sub))
            d.error(j.find(param)->location(),
                    fmt::format("jail {}: {}: mount point {}{} does not exist", j.name, param, root, sub),
                    "host");
      }
    }
    if (const auto* fstabs = j.list("mount.fstab"))
      for (std::size_t i = 0; i < fstabs->size(); ++i)
        if (::access(std::string((*fstabs)[i]).c_str(), R_OK) != 0)
          d.error(j.find("mount.fstab")->value_location(i),
                  fmt::format("jail {}: mount.fstab: {}: cannot be read on this host", j.name, (*fstabs)[i]),
                  "host");
  }
  return d;
}

Diagnostics check_listeners(const DesiredState& desired, const std::vector<Listener>& listeners) {
  Diagnostics d;
  for (const auto& l : listeners) {
    if (l.address != "*") continue;
    const bool v6 = l.proto.find('6') != std::string::npos;
    const bool v4 = l.proto.find('4') != std::string::npos;
    std::vector<const JailSpec*> shadowed;
    for (const auto& j : desired.jails) {
      if (j.failed || !shared_stack(j)) continue;
      const auto* a4 = j.addresses("ip4.addr");
      const auto* a6 = j.addresses("ip6.addr");
      if ((v4 && a4 != nullptr && !a4->empty()) || (v6 && a6 != nullptr && !a6->empty()))
        shadowed.push_back(&j);
    }
    if (shadowed.empty()) continue;
    std::string names;
    for (const auto* j : shadowed) names += (names.empty() ? "" : ", ") + j->name;
    const JailSpec& first = *shadowed.front();
    const TypedParam* where = first.find(v4 && first.find("ip4.addr") != nullptr ? "ip4.addr" : "ip6.addr");
    auto& w = d.warning(where != nullptr ? where->location() : first.location,
                        fmt::format("{} ({}, pid {}, user {}) listens on *:{} ({}): it also answers on the "
                                    "addresses of {}",
                                    l.command, l.proto, l.pid, l.user, l.port, l.proto.substr(0, 3), names),
                        "host");
    w.detail =
        "bind it to the host's own address (for sshd: ListenAddress), or give the jails a vnet of their own";
  }
  return d;
}

}  // namespace jailplan
