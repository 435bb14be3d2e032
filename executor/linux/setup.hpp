#pragma once
/// What a Linux jail is made from (JailSetup, resolved from a plan's create
/// step), how the launcher hands it to the jail's init (JSON over a pipe),
/// and what the init does with it before the jail's first process.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "executor/linux/confine.hpp"
#include "executor/linux/mounts.hpp"
#include "executor/linux/netlink.hpp"
#include "executor/linux/runtime.hpp"

namespace jailplan::linux_jail {

/// Everything the launcher needs, resolved from a plan's create step.
struct JailSetup {
  std::string name;
  std::string path;
  std::string hostname;
  bool new_net = true;   ///< false for ip4=inherit and ip6=inherit without vnet
  bool vnet = false;     ///< the jail gets an empty stack of its own (no veth)
  bool new_ipc = true;   ///< false with allow.sysvipc or sysv*=inherit
  bool persist = false;  ///< the init holds the jail while it has no process
  std::vector<linux_net::IpAddress> addresses;
  std::vector<MountSpec> mounts;
  Confinement confinement;  ///< what every process of the jail holds (the init too)
  KernelParams parameters;  ///< the create step's parameters, reported back by observe
};

/// The set-up the init reads from its parent: the jail and the gateways
/// its link routes through.
struct InitSetup {
  JailSetup jail;
  std::optional<linux_net::IpAddress> gw4, gw6;
};

/// The set-up as the launcher writes it to the init (JSON); `gw4` and
/// `gw6` are "" when there is no gateway.
std::string setup_text(const JailSetup& s, const std::string& gw4, const std::string& gw6);

/// Reads setup_text(); throws (a std::exception) when `text` is not one.
/// The jail's name and parameters are not part of it.
InitSetup parse_setup(const std::string& text);

/// Everything between the namespaces and the jail's first process, run by
/// the init: mounts, host name, network, pivot_root, and last confine().
std::string set_up(const InitSetup& in);

}  // namespace jailplan::linux_jail
