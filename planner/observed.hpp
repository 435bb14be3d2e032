#pragma once
/// ObservedState: what runs on a host, as a backend's observer or a state
/// snapshot reports it, plus jailplan's own record of what it applied.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "planner/canon.hpp"

namespace jailplan {

/// jailplan's record of what it applied to a jail: the digest and the full
/// canonical spec, pseudo-parameters included (the kernel cannot report
/// exec.*, mount.* and friends). Where it lives is the backend's business
/// (docs/state-format.md).
struct AppliedRecord {
  std::string digest;
  std::optional<std::int64_t> jid;  ///< the jail it was applied to
  bool created = true;              ///< jailplan created the jail (false: adopted)
  CanonSpec params;
  /// false while its start is under way: written before the first start
  /// step, completed by the last; an apply killed in between leaves it
  /// false, and the next plan starts the jail afresh
  bool complete = true;
  /// true once a stop of the jail has begun: written before the first stop
  /// step of a destroy, restart or replace; an apply killed before the jail
  /// is gone leaves it set, and the next plan finishes the stop (a running
  /// jail is half-stopped) or cleans up what the stop left
  bool stopping = false;
  /// The configuration that applied it (DesiredState::owner); "" for a
  /// record written before jailplan kept owners: nobody's, until a file
  /// declaring the jail adopts it.
  std::string owner = {};
  bool operator==(const AppliedRecord&) const = default;
};

struct ObservedMount {
  std::string type;
  std::string source;
  std::string target;
  bool operator==(const ObservedMount&) const = default;
};

struct ObservedAddress {
  std::string interface;
  std::string family;  ///< "inet" or "inet6"
  std::string address;
  bool operator==(const ObservedAddress&) const = default;
};

struct ObservedJail {
  std::string name;
  std::int64_t jid = 0;
  bool dying = false;
  CanonSpec params;  ///< kernel parameters as reported, canonical, sorted
  std::optional<AppliedRecord> applied;
  /// What the backend found broken in a running jail, in words (the Linux
  /// backend: its link down, a host route gone). Such a jail is restarted.
  std::vector<std::string> faults = {};
  /// The resource limits in force, as rctl rules without their subject
  /// (`memoryuse:deny=536870912`); nullopt when not observed. A backend
  /// that cannot read a rule back reports it as recorded.
  std::optional<std::vector<std::string>> limits = {};
  /// The addresses on the jail's own link (Linux: its veth's jail end),
  /// bare; nullopt when the jail has none or it was not observed.
  std::optional<std::vector<std::string>> link_addresses = {};
  /// Its applied record when it is for this jail (its jid, or none kept),
  /// else nullptr: a record for another jid is of a jail re-created
  /// outside jailplan.
  const AppliedRecord* own_record() const {
    return applied && (!applied->jid || *applied->jid == jid) ? &*applied : nullptr;
  }
  bool operator==(const ObservedJail&) const = default;
};

struct ObservedState {
  std::string source;               ///< "snapshot state.json", "jls", ... (messages only)
  std::vector<ObservedJail> jails;  ///< running (or dying) jails, sorted by name
  /// Records of jails jailplan applied that are no longer running (a jail
  /// that died, or a crash mid-teardown): name and record.
  std::vector<std::pair<std::string, AppliedRecord>> stopped;
  std::vector<ObservedMount> mounts;       ///< host-wide mount table
  std::vector<ObservedAddress> addresses;  ///< host-wide interface addresses
  /// The host observed: its name and host id (a snapshot's host, when it
  /// says; "" unknown). A saved plan is bound to them.
  std::string hostname = {};
  std::string host_id = {};
  /// Whether `mounts` is the host's whole mount table and `addresses` all
  /// of its interfaces' aliases, so that a recorded mount or alias missing
  /// from them is gone (FreeBSD); not for a `jls` snapshot, nor on Linux,
  /// whose jails keep their mounts and addresses in their own namespaces.
  bool lists_mounts = false;
  bool lists_aliases = false;

  /// The live jail of that name when there is one (else a dying one), by
  /// binary search: the jails must be normalized.
  const ObservedJail* find(std::string_view name) const;
  /// The stopped record of that name, by binary search (normalized).
  const AppliedRecord* stopped_record(std::string_view name) const;
  /// Sorts jails and records by name (loaders call it once).
  void normalize();
  /// Digest of the whole state, and of one jail's part of it.
  std::string digest() const;
  static std::string digest(const ObservedJail& j);
  bool operator==(const ObservedState&) const = default;
};

/// The seam to a live host; the backends implement it.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual Result<ObservedState> observe() = 0;
};

}  // namespace jailplan
