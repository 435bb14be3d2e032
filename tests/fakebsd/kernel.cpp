// The FreeBSD kernel model shared by the fake FreeBSD host and the planner
// tests' ModelHost (kernel.hpp).
#include "kernel.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

namespace jailplan::fakekernel {

std::vector<Param> freebsd_params() {
  return {
      {"devfs_ruleset", Type::integer, "0", false},
      {"dying", Type::boolean, "false", false},
      {"enforce_statfs", Type::integer, "2", false},
      {"host", Type::jailsys, "new", false},
      {"ip4", Type::jailsys, "disable", true},
      {"ip6", Type::jailsys, "disable", true},
      {"jid", Type::integer, "", true},
      {"name", Type::string, "", false},
      {"osreldate", Type::integer, "1403000", true},
      {"osrelease", Type::string, "14.3-RELEASE", true},
      {"parent", Type::integer, "0", true},
      {"path", Type::string, "/", true},
      {"persist", Type::boolean, "false", false},
      {"securelevel", Type::integer, "-1", false},
      {"sysvmsg", Type::jailsys, "disable", false},
      {"sysvsem", Type::jailsys, "disable", false},
      {"sysvshm", Type::jailsys, "disable", false},
      {"vnet", Type::jailsys, "inherit", true},
      {"allow.adjtime", Type::boolean, "false", false},
      {"allow.chflags", Type::boolean, "false", false},
      {"allow.extattr", Type::boolean, "false", false},
      {"allow.mlock", Type::boolean, "false", false},
      {"allow.mount", Type::boolean, "false", false},
      {"allow.mount.devfs", Type::boolean, "false", false},
      {"allow.mount.fdescfs", Type::boolean, "false", false},
      {"allow.mount.nullfs", Type::boolean, "false", false},
      {"allow.mount.procfs", Type::boolean, "false", false},
      {"allow.mount.tmpfs", Type::boolean, "false", false},
      {"allow.mount.zfs", Type::boolean, "false", false},
      {"allow.nfsd", Type::boolean, "false", false},
      {"allow.quotas", Type::boolean, "false", false},
      {"allow.raw_sockets", Type::boolean, "false", false},
      {"allow.read_msgbuf", Type::boolean, "false", false},
      {"allow.reserved_ports", Type::boolean, "true", false},
      {"allow.set_hostname", Type::boolean, "true", false},
      {"allow.settime", Type::boolean, "false", false},
      {"allow.socket_af", Type::boolean, "false", false},
      {"allow.suser", Type::boolean, "true", false},
      {"allow.sysvipc", Type::boolean, "false", false},
      {"allow.unprivileged_proc_debug", Type::boolean, "true", false},
      {"children.cur", Type::integer, "0", true},
      {"children.max", Type::integer, "0", false},
      {"cpuset.id", Type::integer, "", true},
      {"host.domainname", Type::string, "", false},
      {"host.hostid", Type::integer, "0", false},
      {"host.hostname", Type::string, "", false},
      {"host.hostuuid", Type::string, "00000000-0000-0000-0000-000000000000", false},
      {"ip4.addr", Type::ip4, "", false},
      {"ip4.saddrsel", Type::boolean, "true", false},
      {"ip6.addr", Type::ip6, "", false},
      {"ip6.saddrsel", Type::boolean, "true", false},
  };
}

json initial_state() {
  json h;
  h["next_jid"] = 1;
  h["jails"] = json::array();
  h["mounts"] = json::array();
  h["rctl"] = json::array();
  // interfaces in kernel order; addresses as {family, address, mask}
  h["ifaces"] = json::array({
      {{"name", "em0"},
       {"vnet", 0},
       {"addrs", json::array({{{"family", "inet"}, {"address", "203.0.113.2"}, {"mask", "24"}}})}},
      {{"name", "lo0"},
       {"vnet", 0},
       {"addrs", json::array({{{"family", "inet"}, {"address", "127.0.0.1"}, {"mask", "8"}},
                              {{"family", "inet6"}, {"address", "::1"}, {"mask", "128"}}})}},
      {{"name", "epair0b"}, {"vnet", 0}, {"addrs", json::array()}},
      {{"name", "epair1b"}, {"vnet", 0}, {"addrs", json::array()}},
  });
  return h;
}

namespace {

// The address's bytes, for the kernel's sort.
std::string address_key(int family, const std::string& a) {
  unsigned char buf[16] = {};
  if (::inet_pton(family, a.c_str(), buf) != 1) throw Failure("not an address: " + a);
  return std::string(reinterpret_cast<char*>(buf), family == AF_INET ? 4 : 16);
}

std::string lower(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string parent_name(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(0, dot);
}

}  // namespace

Kernel::Kernel(json st, std::vector<Param> params) : state(std::move(st)), table(std::move(params)) {}

const Param* Kernel::param(const std::string& name) const {
  for (const auto& p : table)
    if (name == p.name) return &p;
  return nullptr;
}

std::pair<std::string, json> Kernel::parse_word(const std::string& word) const {
  const auto eq = word.find('=');
  std::string name = word.substr(0, eq);
  const bool has_value = eq != std::string::npos;
  const std::string value = has_value ? word.substr(eq + 1) : "";
  const Param* p = param(name);
  bool negated = false;
  if (p == nullptr && !has_value) {
    // `nopersist`, `allow.noraw_sockets`
    const auto dot = name.rfind('.');
    const std::string last = dot == std::string::npos ? name : name.substr(dot + 1);
    if (starts_with(last, "no")) {
      const std::string plain =
          (dot == std::string::npos ? std::string() : name.substr(0, dot + 1)) + last.substr(2);
      p = param(plain);
      if (p != nullptr && p->type == Type::boolean) {
        negated = true;
        name = plain;
      } else {
        p = nullptr;
      }
    }
  }
  if (p == nullptr) throw Failure("unknown parameter: " + word.substr(0, eq));
  switch (p->type) {
    case Type::boolean: {
      bool b = true;
      if (has_value) {
        const std::string v = lower(value);
        if (v == "true")
          b = true;
        else if (v == "false")
          b = false;
        else if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos)
          b = std::atoll(v.c_str()) != 0;
        else
          throw Failure(name + ": unknown boolean value \"" + value + "\"");
      }
      return {name, negated ? !b : b};
    }
    case Type::integer:
      if (value.empty() || value.find_first_not_of("-0123456789") != std::string::npos)
        throw Failure(name + ": non-integer value \"" + value + "\"");
      return {name, std::to_string(std::atoll(value.c_str()))};
    case Type::jailsys: {
      const std::string v = lower(value);
      if (v.empty() || v == "new" || v == "1") return {name, "new"};
      if (v == "disable" || v == "0") return {name, "disable"};
      if (v == "inherit" || v == "2") return {name, "inherit"};
      throw Failure(name + ": unknown jailsys value \"" + value + "\"");
    }
    case Type::ip4:
    case Type::ip6: {
      const int family = p->type == Type::ip4 ? AF_INET : AF_INET6;
      json list = json::array();
      std::stringstream in(value == "-" ? "" : value);
      for (std::string a; std::getline(in, a, ',');) {
        unsigned char buf[16];
        if (::inet_pton(family, a.c_str(), buf) != 1)
          throw Failure(name + ": not an " + (family == AF_INET ? "IPv4" : "IPv6") + " address: " + a);
        char text[INET6_ADDRSTRLEN];
        const std::string canon = ::inet_ntop(family, buf, text, sizeof text);
        list.push_back(canon);
      }
      // the first stays first, the rest sorted
      if (list.size() > 2)
        std::sort(list.begin() + 1, list.end(), [family](const json& x, const json& y) {
          return address_key(family, x.get<std::string>()) < address_key(family, y.get<std::string>());
        });
      return {name, list};
    }
    case Type::string: return {name, value};
  }
  return {name, value};
}

namespace {

// What libjail prints when the kernel refuses without a message
// (lib/libjail/jail.c jailparam_set: "jail_set: %s", strerror(errno)).
const char* const k_eperm = "jail_set: Operation not permitted";
const char* const k_einval = "jail_set: Invalid argument";
constexpr long long k_jail_max = 999999;   // JAIL_MAX, prison0.pr_childmax
constexpr std::size_t k_max_af_ips = 255;  // security.jail.jail_max_af_ips

// JAIL_DEFAULT_ALLOW: what a new jail may do unless told (and its parent may).
bool default_allow(const std::string& n) {
  return n == "allow.set_hostname" || n == "allow.reserved_ports" || n == "allow.unprivileged_proc_debug" ||
         n == "allow.suser";
}

long long as_int(const json& v) {
  return v.is_number() ? v.get<long long>() : std::atoll(v.get<std::string>().c_str());
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string last_component(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

bool flag(const json& j, const std::string& name) {
  const json& p = j["params"];
  return p.contains(name) && p[name].is_boolean() && p[name].get<bool>();
}

// Any host.* value makes the jail's host new (kern_jail_set: pr_flags |= PR_HOST).
void host_mode(json& j) {
  json& p = j["params"];
  if (p.value("host", std::string()) != "inherit") return;
  for (const char* h : {"host.hostname", "host.domainname", "host.hostuuid", "host.hostid"})
    if (p.contains(h)) p["host"] = "new";
}

bool is_vnet(const json& j) {
  return j["params"].value("vnet", std::string("inherit")) == "new";
}

// kern_jail_set: a numeric name must be the jid, in normal form.
void check_numeric_name(const std::string& name, long long jid) {
  const std::string last = last_component(name);
  if (all_digits(last) && (std::atoll(last.c_str()) != jid || last[0] == '0'))
    throw Failure("name cannot be numeric (unless it is the jid)");
}

// kern_jail_set's checks of an address list before anything else: count,
// the unspecified and broadcast addresses, duplicates.
void check_ip_syntax(const std::string& fam, const json& list) {
  if (list.size() > k_max_af_ips)
    throw Failure(std::string("too many ") + (fam == "ip4" ? "IPv4" : "IPv6") + " addresses");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string a = list[i];
    if (a == "0.0.0.0" || a == "255.255.255.255" || a == "::") throw Failure(k_einval);
    for (std::size_t k = 0; k < i; ++k)
      if (list[k] == list[i]) throw Failure(k_einval);
  }
}

}  // namespace

bool Kernel::rdtun(const std::string& name) {
  static const std::vector<std::string> names = {"jid",  "path", "osrelease", "osreldate",
                                                 "vnet", "ip4",  "ip6"};
  return std::find(names.begin(), names.end(), name) != names.end();
}

json* Kernel::find_jail(const std::string& key) {
  const bool numeric = all_digits(key);
  for (auto& j : state["jails"])
    if (numeric ? j["jid"].get<long long>() == std::atoll(key.c_str()) : j["name"] == key) return &j;
  return nullptr;
}

json* Kernel::find_dying(const std::string& key) {
  if (!state.contains("dying")) return nullptr;
  const bool numeric = all_digits(key);
  for (auto& j : state["dying"])
    if (numeric ? j["jid"].get<long long>() == std::atoll(key.c_str()) : j["name"] == key) return &j;
  return nullptr;
}

json* Kernel::parent_of(const json& j) {
  const std::string up = parent_name(j["name"]);
  if (up.empty()) return nullptr;
  for (auto& p : state["jails"])
    if (p["name"] == up) return &p;
  return nullptr;
}

std::vector<json*> Kernel::children_of(const std::string& name) {
  std::vector<json*> out;
  for (auto& j : state["jails"])
    if (parent_name(j["name"]) == name) out.push_back(&j);
  return out;
}

// PR_IP4_USER: the jail has its own address list (maybe empty).
bool Kernel::ip_restricted(const json& j, const std::string& fam) {
  if (is_vnet(j)) return false;
  if (j["params"].contains(fam + ".addr")) return true;
  return j["params"].value(fam, std::string()) != "inherit";
}

// PR_IP4: the jail's addresses are limited, by itself or an ancestor.
bool Kernel::ip_limited(const json& j, const std::string& fam) {
  if (is_vnet(j)) return false;
  if (ip_restricted(j, fam)) return true;
  const json* up = parent_of(j);
  return up != nullptr && ip_limited(*up, fam);
}

json Kernel::reported(const json& j, const Param& p) {
  const std::string& name = p.name;
  const json& set = j["params"];
  if (name == "jid") return j["jid"];
  if (name == "name") return j["name"];
  if (name == "cpuset.id") return std::to_string(j["jid"].get<long long>() + 2);
  if (name == "dying") return j.value("dying", false);
  if (name == "parent") {
    const json* parent = parent_of(j);
    return parent == nullptr ? "0" : std::to_string((*parent)["jid"].get<long long>());
  }
  if (name == "children.cur") {
    const std::string prefix = j["name"].get<std::string>() + ".";
    int n = 0;
    for (const auto& other : state["jails"])
      if (starts_with(other["name"], prefix)) ++n;
    return std::to_string(n);
  }
  // kern_jail_get: PR_IP4_USER set reads as disable (disable and new are one flag)
  if (name == "ip4" || name == "ip6") return ip_restricted(j, name) ? "disable" : "inherit";
  if (name == "ip4.addr" || name == "ip6.addr") {
    const std::string fam = name.substr(0, 3);
    if (is_vnet(j)) return json::array();
    if (ip_restricted(j, fam)) return set.contains(name) ? set[name] : json::array();
    // inherit: a copy of the parent's list (prison_restrict_ip4 keeps it so)
    json* up = parent_of(j);
    return up == nullptr ? json::array() : reported(*up, p);
  }
  if (set.contains(name)) return set[name];
  if (j.contains("inherited") && j["inherited"].contains(name)) return j["inherited"][name];
  return kernel_default(j, p);
}

// What a jail reports for a parameter nobody set: kern_jail_set's defaults
// for a new jail (some copied from the parent), else the table's.
json Kernel::kernel_default(const json& j, const Param& p) {
  const std::string& name = p.name;
  json* up = parent_of(j);
  const auto parents = [&](const std::string& top) { return up == nullptr ? json(top) : reported(*up, p); };
  if (name == "securelevel") return parents("-1");
  if (name == "devfs_ruleset") return parents("0");
  if (name == "enforce_statfs") return "2";
  if (name == "children.max") return "0";
  if (name == "osrelease") return parents(p.dflt.empty() ? "14.3-RELEASE" : p.dflt);
  if (name == "osreldate") return parents(p.dflt.empty() ? "1403000" : p.dflt);
  if (name == "persist") return false;
  if (name == "ip4.saddrsel" || name == "ip6.saddrsel") return true;
  if (name == "host") return "new";
  if (name == "vnet") return "inherit";
  if (starts_with(name, "allow.") && p.type == Type::boolean)
    return default_allow(name) && (up == nullptr || reported(*up, p).get<bool>());
  // host=inherit (and no host.* of its own): the parent's host.* values
  if (starts_with(name, "host.") && j["params"].value("host", std::string()) == "inherit" && up != nullptr)
    return reported(*up, p);
  if (p.type == Type::ip4 || p.type == Type::ip6) return json::array();
  if (p.type == Type::boolean) return p.dflt == "true";
  return p.dflt;
}

// kern_jail_set's final checks against the parent (and the other jails),
// for the parameters `set` gives the jail `j` (as it will be).
void Kernel::check_values(const json& j, const std::map<std::string, json>& set) {
  json* up = parent_of(j);
  const auto parents = [&](const std::string& n, long long top) {
    const Param* p = param(n);
    return up == nullptr || p == nullptr ? top : as_int(reported(*up, *p));
  };
  if (set.count("securelevel") && as_int(set.at("securelevel")) < parents("securelevel", -1))
    throw Failure(k_eperm);
  if (set.count("children.max") && as_int(set.at("children.max")) >= parents("children.max", k_jail_max))
    throw Failure(k_eperm);
  if (set.count("enforce_statfs") && as_int(set.at("enforce_statfs")) < parents("enforce_statfs", 0))
    throw Failure(k_eperm);
  if (set.count("devfs_ruleset")) {
    const long long rs = as_int(set.at("devfs_ruleset"));
    if (rs < 0 || rs > 65535) throw Failure(k_einval);
  }
  for (const char* fam : {"ip4", "ip6"})
    if (const auto it = set.find(std::string(fam) + ".addr"); it != set.end() && !it->second.empty())
      check_ip(j, fam, it->second);
  // a child may have no permission its parent lacks (PR_ALLOW_DIFFERENCES aside)
  for (const auto& [n, v] : set)
    if (starts_with(n, "allow.") && v.is_boolean() && v.get<bool>() && n != "allow.unprivileged_proc_debug" &&
        up != nullptr && !reported(*up, *param(n)).get<bool>())
      throw Failure(k_eperm);
  // sysv*_prison_check: new or inherit needs the facility in the parent
  for (const char* n : {"sysvmsg", "sysvsem", "sysvshm"})
    if (set.count(n) && set.at(n) != "disable" && up != nullptr && param(n) != nullptr &&
        reported(*up, *param(n)) == "disable")
      throw Failure(k_eperm);
}

// kern_jail_set: the addresses must be the parent's when it is limited, and
// may not clash with another jail's at the same network level.
void Kernel::check_ip(const json& j, const std::string& fam, const json& list) {
  json* up = parent_of(j);
  if (up != nullptr && ip_limited(*up, fam)) {
    const json theirs = reported(*up, *param(fam + ".addr"));
    for (const auto& a : list)
      if (std::find(theirs.begin(), theirs.end(), a) == theirs.end()) throw Failure(k_eperm);
  }
  // the nearest vnet ancestor (or the host) is where addresses must not clash
  const json* top = up;
  while (top != nullptr && !is_vnet(*top)) top = parent_of(*top);
  check_clash(j, fam, list, top);
}

// FOREACH_PRISON_DESCENDANT(tppr) in kern_jail_set: a jail with its own list
// ends the descent; two jails may share an address only when both have
// exactly one.
void Kernel::check_clash(const json& j, const std::string& fam, const json& list, const json* top) {
  for (json* t : children_of(top == nullptr ? std::string() : (*top)["name"].get<std::string>())) {
    if ((*t)["name"] == j["name"] || is_vnet(*t)) continue;
    if (!ip_restricted(*t, fam)) {
      check_clash(j, fam, list, t);
      continue;
    }
    const json theirs = (*t)["params"].value(fam + ".addr", json::array());
    if (theirs.empty() || (list.size() == 1 && theirs.size() == 1)) continue;
    for (const auto& a : list)
      if (std::find(theirs.begin(), theirs.end(), a) != theirs.end())
        throw Failure(std::string(fam == "ip4" ? "IPv4" : "IPv6") + " addresses clash");
  }
}

void Kernel::set_effective(json& j, const std::string& name, const json& value) {
  if (j["params"].contains(name))
    j["params"][name] = value;
  else
    j["inherited"][name] = value;
}

// What kern_jail_set passes on to the descendants of a jail it changed.
void Kernel::propagate(json& j, const std::map<std::string, json>& set) {
  const std::string prefix = j["name"].get<std::string>() + ".";
  const auto depth = [](const std::string& n) { return std::count(n.begin(), n.end(), '.'); };
  for (auto& d : state["jails"]) {
    const std::string dn = d["name"];
    if (!starts_with(dn, prefix)) continue;
    const long long level = depth(dn) - depth(prefix) + 1;
    for (const auto& [n, v] : set) {
      const Param* p = param(n);
      if (p == nullptr) continue;
      const json now = reported(d, *p);
      if ((n == "securelevel" || n == "enforce_statfs") && as_int(now) < as_int(v)) set_effective(d, n, v);
      if (n == "children.max" && as_int(now) > as_int(v) - level)
        set_effective(d, n, std::to_string(std::max(as_int(v) - level, 0LL)));
      if (n == "devfs_ruleset") set_effective(d, n, v);
      if (starts_with(n, "allow.") && v.is_boolean() && !v.get<bool>() && now == true)
        set_effective(d, n, false);
    }
  }
  // prison_restrict_ip4/6: a child's own list keeps only its parent's addresses
  for (const char* fam : {"ip4", "ip6"}) {
    if (!set.count(std::string(fam) + ".addr")) continue;
    std::vector<json*> todo = children_of(j["name"]);
    while (!todo.empty()) {
      json* c = todo.back();
      todo.pop_back();
      if (is_vnet(*c)) continue;
      if (ip_restricted(*c, fam) && (*c)["params"].contains(std::string(fam) + ".addr")) {
        const json allowed = reported(*parent_of(*c), *param(std::string(fam) + ".addr"));
        json kept = json::array();
        for (const auto& a : (*c)["params"][std::string(fam) + ".addr"])
          if (std::find(allowed.begin(), allowed.end(), a) != allowed.end()) kept.push_back(a);
        (*c)["params"][std::string(fam) + ".addr"] = kept;
      }
      for (json* g : children_of((*c)["name"])) todo.push_back(g);
    }
  }
}

// get_next_prid: the first free jid after the last one handed out, wrapping
// at JAIL_MAX; a wanted jid held by a dying jail is given up by it.
long long Kernel::allocate_jid(long long wanted) {
  const auto used = [&](long long id) {
    for (const char* list : {"jails", "dying"})
      if (state.contains(list))
        for (const auto& j : state[list])
          if (j["jid"].get<long long>() == id) return true;
    return false;
  };
  if (wanted > 0) {
    if (json* d = find_dying(std::to_string(wanted))) (*d)["jid"] = allocate_jid(0);
    return wanted;
  }
  long long jid = (state.value("next_jid", 1LL) - 1) % k_jail_max + 1;
  for (long long n = 0; n < k_jail_max; ++n, jid = jid % k_jail_max + 1)
    if (!used(jid)) {
      state["next_jid"] = jid + 1;
      return jid;
    }
  throw Failure("no available jail IDs");
}

// The jail and its descendants die: gone, or dying while something holds them.
void Kernel::die(const std::string& name) {
  json kept = json::array();
  std::vector<long long> gone;
  for (auto& j : state["jails"]) {
    const std::string n = j["name"];
    if (n != name && !starts_with(n, name + ".")) {
      kept.push_back(j);
      continue;
    }
    gone.push_back(j["jid"].get<long long>());
    if (state.value("linger", false)) {
      j["dying"] = true;
      j["procs"] = 0;
      state["dying"].push_back(j);
    }
  }
  state["jails"] = kept;
  // a vnet jail's interfaces come home
  for (auto& i : state["ifaces"])
    if (std::find(gone.begin(), gone.end(), i["vnet"].get<long long>()) != gone.end()) i["vnet"] = 0;
}

void Kernel::reap() {
  state["dying"] = json::array();
}

// prison_deref: a jail lives while it persists, has processes or has live
// children (each holds a user reference on its parent); when one dies, its
// parent may follow.
void Kernel::settle(std::string name) {
  for (; !name.empty(); name = parent_name(name)) {
    const json* j = find_jail(name);
    if (j == nullptr || flag(*j, "persist") || (*j)["procs"].get<int>() > 0 || !children_of(name).empty())
      return;
    die(name);
  }
}

Kernel::Words Kernel::parse_words(const std::vector<std::string>& words) const {
  Words out;
  for (const auto& w : words) {
    auto [name, value] = parse_word(w);
    if (!out.set.count(name)) out.order.push_back(name);
    out.set[name] = value;
  }
  // jail(8)'s running_jid: by jid when given, else by name
  out.key = out.set.count("jid")    ? out.set["jid"].get<std::string>()
            : out.set.count("name") ? out.set["name"].get<std::string>()
                                    : std::string();
  return out;
}

// kern_jail_set's checks of a create or update call before it looks the
// jail up.
void Kernel::check_early(const std::map<std::string, json>& set) {
  if (set.count("enforce_statfs")) {
    const long long e = as_int(set.at("enforce_statfs"));
    if (e < 0 || e > 2) throw Failure(k_einval);
  }
  for (const char* fam : {"ip4", "ip6"})
    if (const auto it = set.find(std::string(fam) + ".addr"); it != set.end())
      check_ip_syntax(fam, it->second);
  if (set.count("osrelease")) {
    const std::string r = set.at("osrelease");
    if (r.empty()) throw Failure(k_einval);
    if (r.size() >= 32) throw Failure("osrelease string must be 1-31 bytes long");
  }
  if (set.count("osreldate") && as_int(set.at("osreldate")) == 0) throw Failure("osreldate cannot be 0");
}

std::string Kernel::create(const std::vector<std::string>& words) {
  auto [set, order, key] = parse_words(words);
  // jail(8): a running jail is not created again (main, JF_START)
  if (!key.empty() && find_jail(key) != nullptr) throw Failure("\"" + key + "\" already exists");
  // jail(8) create_jail: the path, with a better message than jail_set's
  if (set.count("path") && !directory_exists(set["path"].get<std::string>()))
    throw Failure("path " + set["path"].get<std::string>() + ": No such file or directory");
  if (!set.count("persist") || !set["persist"].get<bool>()) throw Failure("new jail must persist or attach");
  // any vnet word with any ip4/ip6 word: ch_flags & PR_VNET && ch_flags & PR_IP4_USER
  if (set.count("vnet") &&
      (set.count("ip4") || set.count("ip6") || set.count("ip4.addr") || set.count("ip6.addr")))
    throw Failure("vnet jails cannot have IP address restrictions");
  check_early(set);
  std::string name = set.count("name") ? set["name"].get<std::string>() : std::string();
  long long jid = set.count("jid") ? as_int(set["jid"]) : 0;
  if (jid == 0 && all_digits(last_component(name))) jid = std::atoll(last_component(name).c_str());
  if (jid < 0) throw Failure("negative jid");
  if (jid > 0 && find_jail(std::to_string(jid)) != nullptr)
    throw Failure("jail " + std::to_string(jid) + " already exists");
  if (const std::string up = parent_name(name); !up.empty() && find_jail(up) == nullptr)
    throw Failure("jail \"" + up + "\" " + (find_dying(up) != nullptr ? "is dying" : "not found"));
  for (const auto& j : state["jails"])
    if (!name.empty() && j["name"] == name) throw Failure("jail \"" + name + "\" already exists");
  json j;
  j["jid"] = jid;
  j["name"] = name;
  j["procs"] = 0;
  j["params"] = json::object();
  j["inherited"] = json::object();
  for (const auto& n : order)
    if (n != "name" && n != "jid") j["params"][n] = set[n];
  host_mode(j);
  check_values(j, set);
  if (!name.empty()) check_numeric_name(name, jid);
  // what the new jail takes from its parent now, not later
  for (const auto& p : table)
    if ((p.name == "securelevel" || p.name == "devfs_ruleset" || p.name == "osrelease" ||
         p.name == "osreldate" || (starts_with(p.name, "allow.") && p.type == Type::boolean)) &&
        !j["params"].contains(p.name))
      j["inherited"][p.name] = kernel_default(j, p);
  j["jid"] = allocate_jid(jid);
  if (name.empty()) j["name"] = std::to_string(j["jid"].get<long long>());
  state["jails"].push_back(j);
  return j["name"];
}

// kern_jail_set updating a jail keyed by jid with another name: a rename in
// place, descendants along.
void Kernel::rename(json& j, const std::string& to) {
  const std::string from = j["name"];
  if (parent_name(to) != parent_name(from)) throw Failure("cannot change jail's parent");
  if (find_jail(to) != nullptr) throw Failure("jail \"" + to + "\" already exists");
  check_numeric_name(to, j["jid"].get<long long>());
  for (auto& d : state["jails"])
    if (starts_with(d["name"], from + ".")) d["name"] = to + d["name"].get<std::string>().substr(from.size());
  j["name"] = to;
}

void Kernel::modify(const std::vector<std::string>& words) {
  auto [set, order, key] = parse_words(words);
  // jail(8) finds the running jail first (running_jid, without dying ones)
  if (key.empty()) throw Failure("no jail specified");
  json* live = find_jail(key);
  if (live == nullptr) throw Failure("\"" + key + "\" not found");
  // jail(8) rdtun_params: create-only parameters are compared, not sent
  for (const auto& n : order)
    if (rdtun(n) && n != "jid" && reported(*live, *param(n)) != set[n])
      throw Failure(n + " cannot be changed after creation");
  std::erase_if(order, [](const std::string& n) { return rdtun(n); });
  for (auto it = set.begin(); it != set.end();) it = rdtun(it->first) ? set.erase(it) : std::next(it);
  check_early(set);
  if (is_vnet(*live) && (set.count("ip4.addr") || set.count("ip6.addr")))
    throw Failure("vnet jails cannot have IP address restrictions");
  for (const char* fam : {"ip4", "ip6"})
    if (set.count(std::string(fam) + ".addr") && !ip_restricted(*live, fam))
      throw Failure(std::string(fam) + " cannot be changed after creation");
  json updated = *live;
  for (const auto& n : order) {
    if (n == "name") continue;
    updated["params"][n] = set[n];
    if (updated.contains("inherited")) updated["inherited"].erase(n);
  }
  // host=inherit alone takes the parent's host.* values back
  if (set.count("host") && set["host"] == "inherit")
    for (const char* h : {"host.hostname", "host.domainname", "host.hostuuid", "host.hostid"})
      if (!set.count(h)) updated["params"].erase(h);
  host_mode(updated);
  check_values(updated, set);
  const json saved = state;
  *live = updated;
  try {
    if (set.count("name") && set["name"] != (*live)["name"]) rename(*live, set["name"]);
  } catch (const Failure&) {
    state = saved;
    throw;
  }
  propagate(*live, set);
  settle((*live)["name"]);
}

void Kernel::remove(const std::string& key) {
  const json* j = find_jail(key);
  if (j == nullptr) throw Failure("\"" + key + "\" not found");
  const std::string name = (*j)["name"];
  die(name);
  settle(parent_name(name));
}

void Kernel::attach_process(const std::string& key) {
  json* j = find_jail(key);
  if (j == nullptr) throw Failure("jail \"" + key + "\" not found");
  (*j)["procs"] = (*j)["procs"].get<int>() + 1;
}

bool Kernel::kill_processes(const std::string& key) {
  json* j = find_jail(key);
  if (j == nullptr || (*j)["procs"].get<int>() == 0) return false;
  (*j)["procs"] = 0;
  // a jail without persist ends with its last process (prison_proc_free)
  settle((*j)["name"].get<std::string>());
  return true;
}

json* Kernel::interface(const std::string& name) {
  for (auto& i : state["ifaces"])
    if (i["name"] == name) return &i;
  throw Failure("interface " + name + " does not exist");
}

void Kernel::add_address(const std::string& iface, const std::string& family, const std::string& address,
                         const std::string& mask) {
  json* i = interface(iface);
  for (const auto& other : state["ifaces"])
    for (const auto& x : other["addrs"])
      if (x["address"] == address) throw Failure("ioctl (SIOCAIFADDR): File exists");
  (*i)["addrs"].push_back({{"family", family}, {"address", address}, {"mask", mask}});
}

void Kernel::remove_address(const std::string& iface, const std::string& family, const std::string& address) {
  json& addrs = (*interface(iface))["addrs"];
  const auto it = std::find_if(addrs.begin(), addrs.end(), [&](const json& x) {
    return x["address"] == address && x["family"] == family;
  });
  if (it == addrs.end()) throw Failure("ioctl (SIOCDIFADDR): Can't assign requested address");
  addrs.erase(it);
}

void Kernel::move_interface(const std::string& iface, const std::string& jail, bool into) {
  json* i = interface(iface);
  const json* j = find_jail(jail);
  if (j == nullptr) throw Failure("jail \"" + jail + "\" not found");
  const long long jid = (*j)["jid"];
  if (into) {
    if ((*j)["params"].value("vnet", "inherit") != "new" || (*i)["vnet"].get<long long>() != 0)
      throw Failure("SIOCSIFVNET: Invalid argument");
    (*i)["vnet"] = jid;
  } else {
    if ((*i)["vnet"].get<long long>() != jid) throw Failure("SIOCSIFRVNET: Invalid argument");
    (*i)["vnet"] = 0;
  }
}

void Kernel::mount(const std::string& type, const std::string& spec, const std::string& file,
                   const std::string& opts) {
  static const std::vector<std::string> known = {"devfs", "fdescfs", "procfs", "nullfs",
                                                 "tmpfs", "ufs",     "zfs"};
  if (std::find(known.begin(), known.end(), type) == known.end())
    throw Failure(spec + ": Operation not supported by device");
  if (!directory_exists(file)) throw Failure(file + ": No such file or directory");
  if (type == "nullfs" && !directory_exists(spec))
    throw Failure(spec + ": No such file or directory", "mount_nullfs");
  state["mounts"].push_back({{"spec", type == "nullfs" || type == "ufs" ? spec : type},
                             {"file", file},
                             {"type", type},
                             {"opts", opts}});
}

void Kernel::unmount(const std::string& file, const std::string& type) {
  json& mounts = state["mounts"];
  for (std::size_t i = mounts.size(); i-- > 0;) {
    if (mounts[i]["file"] != file || (!type.empty() && mounts[i]["type"] != type)) continue;
    for (std::size_t k = i + 1; k < mounts.size(); ++k)
      if (starts_with(mounts[k]["file"], file + "/"))
        throw Failure("unmount of " + file + " failed: Device busy");
    mounts.erase(mounts.begin() + static_cast<long>(i));
    return;
  }
  throw Failure(file + ": not a file system root directory");
}

void Kernel::add_rule(const std::string& r) {
  // subject:id:resource:action=amount
  const auto eq = r.find('=');
  if (std::count(r.begin(), r.end(), ':') != 3 || eq == std::string::npos)
    throw Failure("failed to add rule '" + r + "': Invalid argument");
  const std::string head = r.substr(0, eq);
  json kept = json::array();
  for (const auto& x : state["rctl"])
    if (x.get<std::string>().substr(0, x.get<std::string>().find('=')) != head) kept.push_back(x);
  kept.push_back(r);
  state["rctl"] = kept;
}

void Kernel::remove_rules(const std::string& f) {
  json kept = json::array();
  bool found = false;
  for (const auto& x : state["rctl"]) {
    const std::string s = x;
    if (starts_with(s, f) && (s.size() == f.size() || s[f.size()] == ':' || s[f.size()] == '='))
      found = true;
    else
      kept.push_back(x);
  }
  if (!found) throw Failure("failed to remove rule '" + f + "': No such process");
  state["rctl"] = kept;
}

}  // namespace jailplan::fakekernel
