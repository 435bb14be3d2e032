#pragma once
/// `validate --host`: the checks that need the target host itself, which
/// plain `validate` leaves out so that it can run anywhere (CI).
///
/// * Each jail's path exists and is a directory; `mount.devfs` and
///   `mount.procfs` have their mount points; every `mount.fstab` file can
///   be read.
/// * Shared-stack jails (FreeBSD, no vnet): a host daemon listening on a
///   wildcard address also answers on the jails' addresses (sshd, syslogd,
///   inetd in the classic examples). Each such listener is reported with
///   its port and the jails it would shadow.

#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "compiler/model.hpp"

namespace jailplan {

struct Listener {
  std::string user, command, pid, proto;  ///< proto: tcp4, tcp6, udp4, udp6, tcp46, ...
  std::string address;                    ///< "*" for a wildcard
  std::string port;
};

/// `sockstat -46l` output → the listening sockets.
std::vector<Listener> parse_sockstat(const std::string& text);

/// Paths and files the jails need on this host: errors, located. Also
/// check_root_ancestry's.
Diagnostics check_host_paths(const DesiredState& desired);

/// A jail root other users can reach is a way to host root: jail root
/// plants a setuid binary, any host user runs it. So some directory on
/// the way to `path` (from / down to path's parent, those that exist) must
/// be closed to others: owned by root (or by the user running jailplan),
/// no search (x) permission for others, and none for its group unless the
/// group is root's (gid 0). One located error (at `path`) per jail whose
/// way in is open (docs/operations.md).
Diagnostics check_root_ancestry(const DesiredState& desired);
/// "" when some directory above `path` closes it to other users, else why
/// not, in words (for doctor and the diagnostics above).
std::string root_way_in_open(const std::string& path);

/// One warning per wildcard listener that shadows shared-stack jails
/// (located at the first such jail's address).
Diagnostics check_listeners(const DesiredState& desired, const std::vector<Listener>& listeners);

}  // namespace jailplan
