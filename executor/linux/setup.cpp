#include "executor/linux/setup.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/json_bytes.hpp"
#include "executor/linux/link.hpp"
#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

using linux_net::IpAddress;
using nlohmann::json;

std::string setup_text(const JailSetup& s, const std::string& gw4, const std::string& gw6) {
  json mounts = json::array();
  for (const auto& m : s.mounts)
    mounts.push_back({static_cast<int>(m.kind), m.source, m.target, m.type, m.options});
  std::vector<std::string> addresses;
  for (const auto& a : s.addresses) addresses.push_back(a.text());
  const json j = {{"path", s.path},
                  {"hostname", s.hostname},
                  {"new_net", s.new_net},
                  {"vnet", s.vnet},
                  {"persist", s.persist},
                  {"addresses", addresses},
                  {"mounts", mounts},
                  {"drop_caps", s.confinement.drop_caps},
                  {"gateway4", gw4},
                  {"gateway6", gw6},
                  {"nested", s.confinement.nested}};
  return dump_json(j);
}

InitSetup parse_setup(const std::string& text) {
  json j = json::parse(text);
  restore_json_bytes(j);
  InitSetup out;
  JailSetup& s = out.jail;
  s.path = j.at("path").get<std::string>();
  s.hostname = j.at("hostname").get<std::string>();
  s.new_net = j.at("new_net").get<bool>();
  s.vnet = j.at("vnet").get<bool>();
  s.persist = j.at("persist").get<bool>();
  s.confinement.drop_caps = j.at("drop_caps").get<std::uint64_t>();
  s.confinement.nested = j.at("nested").get<bool>();
  for (const auto& t : j.at("addresses")) {
    IpAddress a;
    if (linux_net::parse_ip(t.get<std::string>(), a)) s.addresses.push_back(a);
  }
  for (const auto& m : j.at("mounts"))
    s.mounts.push_back({static_cast<MountSpec::Kind>(m.at(0).get<int>()), m.at(1).get<std::string>(),
                        m.at(2).get<std::string>(), m.at(3).get<std::string>(), m.at(4).get<std::string>()});
  IpAddress g;
  if (linux_net::parse_ip(j.at("gateway4").get<std::string>(), g)) out.gw4 = g;
  if (linux_net::parse_ip(j.at("gateway6").get<std::string>(), g)) out.gw6 = g;
  return out;
}

std::string set_up(const InitSetup& in) {
  const JailSetup& s = in.jail;
  ::setsid();
  if (const int null = ::open("/dev/null", O_RDWR); null >= 0) {
    for (int std_fd = 0; std_fd < 3; ++std_fd) ::dup2(null, std_fd);
    if (null > 2) ::close(null);
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return errno_text("cannot make", "/ private");
  Fd root;
  if (auto e = mount_root(s.path, root); !e.empty()) return e;
  for (const auto& m : s.mounts)
    if (auto e = make_mount(m, root.get(), s.path); !e.empty()) return e;
  if (!s.hostname.empty() && ::sethostname(s.hostname.data(), s.hostname.size()) != 0)
    return errno_text("cannot set host name", s.hostname);
  if (s.new_net)
    if (auto e = configure_jail_end(s.vnet, s.addresses, in.gw4, in.gw6); !e.empty()) return e;
  if (::fchdir(root.get()) != 0) return errno_text("cannot enter", s.path);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return errno_text("cannot pivot_root into", s.path);
  if (::umount2(".", MNT_DETACH) != 0) return errno_text("cannot detach", "the host's root");
  if (::chdir("/") != 0) return errno_text("cannot enter", "/");
  return confine(s.confinement);
}

}  // namespace jailplan::linux_jail
