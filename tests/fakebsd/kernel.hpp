#pragma once
/// The one model of the FreeBSD kernel the tests use: jails (jid, name,
/// parameters, processes), mounts, interface addresses and rctl rules, with
/// the rules of kern_jail.c and friends and their error messages
/// (jail-semantics.md §3, §4). It stores nothing: the fake FreeBSD host
/// (fakebsd.cpp) loads and saves its state as JSON, the planner tests'
/// ModelHost keeps it in memory.

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace jailplan::fakekernel {

using json = nlohmann::json;

/// How the kernel types a parameter's value.
enum class Type { boolean, integer, string, jailsys, ip4, ip6 };

/// One jail parameter the kernel knows.
struct Param {
  std::string name;          ///< canonical name (`allow.raw_sockets`)
  Type type = Type::string;  ///< how its value is read
  std::string dflt;          ///< what a new top-level jail reports when not given it (the
                             ///< kernel's own defaults, kernel-rules.md, win for the
                             ///< parameters kern_jail.c sets itself)
  bool create_only = false;  ///< informational: the kernel model decides create-only
                             ///< (CTLFLAG_RDTUN) by its own list, `Kernel::rdtun`
};

/// A refused operation; `message` is the text after the tool's `name: `
/// prefix (`jail "x" already exists`).
struct Failure : std::runtime_error {
  /// The refusal's message, and the program that says it when not the tool
  /// itself (mount_nullfs).
  explicit Failure(const std::string& message, std::string by = {})
      : std::runtime_error(message), program(std::move(by)) {}
  std::string program;  ///< "" for the tool called
};

/// FreeBSD 14.3's parameters, in jls order (top-level names, then dotted
/// names, each alphabetical).
std::vector<Param> freebsd_params();

/// A fresh host's state: no jails, mounts or rules; em0 (203.0.113.2/24),
/// lo0 (127.0.0.1/8, ::1/128), epair0b and epair1b.
json initial_state();

/// The kernel. Its state is JSON (the fake host's file format):
/// `{next_jid, jails: [{jid, name, procs, params: {name: value},
///   inherited: {name: value}}], dying: [jail], linger,
///   mounts: [{spec, file, type, opts}], rctl: [rule],
///   ifaces: [{name, vnet, addrs: [{family, address, mask}]}]}`.
/// `params` holds what was set (and what a parent's change forced on it),
/// `inherited` what the kernel copied from the parent at creation
/// (securelevel, devfs_ruleset, osrelease, osreldate, allow.*); the rest is
/// the kernel's defaults. `next_jid` is kern_jail.c's `lastprid` + 1.
/// Jails that die go to `dying` while `linger` is true (something still
/// holds them, as TCP sockets in TIME_WAIT do), else they are gone at once.
/// Every operation either changes the state as a whole or throws Failure
/// and leaves it as it was. The rules and their sources: docs/kernel-rules.md.
class Kernel {
 public:
  /// A kernel over `state` knowing the parameters `table`.
  explicit Kernel(json state = initial_state(), std::vector<Param> table = freebsd_params());

  json state;                ///< the host, in the format above
  std::vector<Param> table;  ///< the parameters it knows, in jls order
  /// Whether a directory exists (jail path=, mount points); all do by default.
  std::function<bool(const std::string&)> directory_exists = [](const std::string&) { return true; };

  /// The parameter called `name` exactly; nullptr when unknown.
  const Param* param(const std::string& name) const;
  /// One `name[=value]` word (jail(8)'s command-line form, `noflag` for a
  /// false boolean) as the kernel stores it: {canonical name, value}.
  std::pair<std::string, json> parse_word(const std::string& word) const;
  /// A create or modify call's words: each parameter's last value, the
  /// order they came in, and the jail they name (`jid`, else `name`).
  struct Words {
    std::map<std::string, json> set;
    std::vector<std::string> order;
    std::string key;  ///< the jid when given, else the name ("" for neither)
  };
  Words parse_words(const std::vector<std::string>& words) const;

  /// The live jail with this name, or this jid when `key` is all digits.
  json* find_jail(const std::string& key);
  /// The dying jail with this name or jid, or nullptr.
  json* find_dying(const std::string& key);
  /// Whether jail(8) compares this parameter with the running jail's
  /// instead of sending it on jail -m (CTLFLAG_RDTUN: jid, path, osrelease,
  /// osreldate, vnet, ip4, ip6).
  static bool rdtun(const std::string& name);
  /// What jls reports for a parameter of `jail`: booleans as JSON booleans,
  /// address lists as arrays, everything else as a string.
  json reported(const json& jail, const Param& p);

  /// jail -c: creates a jail from its words; returns its name.
  std::string create(const std::vector<std::string>& words);
  /// jail -m: updates a jail from its words (create-only parameters may
  /// only be repeated unchanged); a jail left without persist, processes
  /// and live children dies, and so may its parent.
  void modify(const std::vector<std::string>& words);
  /// jail -r / -R: removes the jail (by name or jid) and its descendants;
  /// a vnet jail's interfaces come home.
  void remove(const std::string& key);
  /// The dying jails finish dying (their last references go).
  void reap();
  /// A process starts in the jail (a daemon through jexec).
  void attach_process(const std::string& key);
  /// Every process of the jail ends; false when it had none.
  bool kill_processes(const std::string& key);

  /// ifconfig IF inet|inet6 ADDR ... alias: the address must be on no
  /// interface yet.
  void add_address(const std::string& iface, const std::string& family, const std::string& address,
                   const std::string& mask);
  /// ifconfig IF inet|inet6 ADDR -alias.
  void remove_address(const std::string& iface, const std::string& family, const std::string& address);
  /// ifconfig IF vnet J / -vnet J.
  void move_interface(const std::string& iface, const std::string& jail, bool into);

  /// mount -t TYPE SPEC FILE: FILE must be a directory, nullfs's SPEC too.
  void mount(const std::string& type, const std::string& spec, const std::string& file,
             const std::string& opts);
  /// umount [-t TYPE] FILE: the last mount on FILE, when nothing is mounted below it.
  void unmount(const std::string& file, const std::string& type);

  /// rctl -a subject:id:resource:action=amount (replaces a rule with the same head).
  void add_rule(const std::string& rule);
  /// rctl -r FILTER: removes the matching rules; ESRCH when none match.
  void remove_rules(const std::string& filter);

 private:
  json* interface(const std::string& name);
  json* parent_of(const json& j);
  std::vector<json*> children_of(const std::string& name);
  json kernel_default(const json& j, const Param& p);
  bool ip_restricted(const json& j, const std::string& fam);
  bool ip_limited(const json& j, const std::string& fam);
  void check_early(const std::map<std::string, json>& set);
  void check_values(const json& j, const std::map<std::string, json>& set);
  void check_ip(const json& j, const std::string& fam, const json& list);
  void check_clash(const json& j, const std::string& fam, const json& list, const json* top);
  void propagate(json& j, const std::map<std::string, json>& set);
  void set_effective(json& j, const std::string& name, const json& value);
  long long allocate_jid(long long wanted);
  void rename(json& j, const std::string& to);
  void die(const std::string& name);
  void settle(std::string name);
};

}  // namespace jailplan::fakekernel
