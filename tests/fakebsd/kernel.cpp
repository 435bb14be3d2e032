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
        for (const auto& have : list)
          if (have == canon) throw Failure(name + ": duplicate address " + canon);
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

json* Kernel::find_jail(const std::string& key) {
  const bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
  for (auto& j : state["jails"])
    if (numeric ? j["jid"].get<long long>() == std::atoll(key.c_str()) : j["name"] == key) return &j;
  return nullptr;
}

json Kernel::reported(const json& j, const Param& p) {
  const std::string& name = p.name;
  const json& set = j["params"];
  if (name == "jid") return j["jid"];
  if (name == "name") return j["name"];
  if (name == "cpuset.id") return std::to_string(j["jid"].get<long long>() + 2);
  if (name == "dying") return false;
  if (name == "parent") {
    const json* parent = find_jail(parent_name(j["name"]));
    return parent == nullptr ? "0" : std::to_string((*parent)["jid"].get<long long>());
  }
  if (name == "children.cur") {
    const std::string prefix = j["name"].get<std::string>() + ".";
    int n = 0;
    for (const auto& other : state["jails"])
      if (starts_with(other["name"], prefix)) ++n;
    return std::to_string(n);
  }
  if (name == "ip4" || name == "ip6") {
    if (set.value("vnet", "inherit") == "new") return "inherit";
    if (set.value(name, std::string()) == "inherit") return "inherit";
    return "disable";  // restricted, with or without addresses
  }
  if (set.contains(name)) return set[name];
  if (p.type == Type::ip4 || p.type == Type::ip6) return json::array();
  if (p.type == Type::boolean) {
    bool b = p.dflt == "true";
    // a child may only have what its parent has
    if (const std::string up = parent_name(j["name"]); b && !up.empty() && starts_with(name, "allow."))
      if (const json* parent = find_jail(up)) b = reported(*parent, p).get<bool>();
    return b;
  }
  return p.dflt;
}

void Kernel::check_address_clash(const json& self) {
  for (const char* fam : {"ip4.addr", "ip6.addr"}) {
    if (!self["params"].contains(fam)) continue;
    const json& mine = self["params"][fam];
    for (const auto& other : state["jails"]) {
      if (other["name"] == self["name"] || !other["params"].contains(fam)) continue;
      const json& theirs = other["params"][fam];
      const bool shared = std::any_of(mine.begin(), mine.end(), [&](const json& a) {
        return std::find(theirs.begin(), theirs.end(), a) != theirs.end();
      });
      if (shared && !(mine.size() == 1 && theirs.size() == 1))
        throw Failure(std::string(fam[2] == '4' ? "IPv4" : "IPv6") + " addresses clash");
    }
  }
}

void Kernel::remove_tree(const std::string& name) {
  json kept = json::array();
  std::vector<long long> gone;
  for (auto& j : state["jails"]) {
    const std::string n = j["name"];
    if (n == name || starts_with(n, name + "."))
      gone.push_back(j["jid"].get<long long>());
    else
      kept.push_back(j);
  }
  state["jails"] = kept;
  // a vnet jail's interfaces come home
  for (auto& i : state["ifaces"])
    if (std::find(gone.begin(), gone.end(), i["vnet"].get<long long>()) != gone.end()) i["vnet"] = 0;
}

Kernel::Words Kernel::parse_words(const std::vector<std::string>& words) const {
  Words out;
  for (const auto& w : words) {
    auto [name, value] = parse_word(w);
    if (!out.set.count(name)) out.order.push_back(name);
    out.set[name] = value;
  }
  if (!out.set.count("name") && !out.set.count("jid")) throw Failure("no jail name or jid");
  out.key = out.set.count("name") ? out.set["name"].get<std::string>() : out.set["jid"].get<std::string>();
  return out;
}

std::string Kernel::create(const std::vector<std::string>& words) {
  auto [set, order, key] = parse_words(words);
  if (find_jail(key) != nullptr) throw Failure("jail \"" + key + "\" already exists");
  if (const std::string up = parent_name(key); !up.empty() && find_jail(up) == nullptr)
    throw Failure("jail \"" + up + "\" not found");
  if (!set.count("persist") || !set["persist"].get<bool>()) throw Failure("new jail must persist or attach");
  if (set.count("path") && !directory_exists(set["path"].get<std::string>()))
    throw Failure("path " + set["path"].get<std::string>() + ": No such file or directory");
  if (set.count("vnet") && set["vnet"] == "new" && (set.count("ip4.addr") || set.count("ip6.addr")))
    throw Failure("vnet jails cannot have IP address restrictions");
  json j;
  const long long jid = set.count("jid") ? std::atoll(set["jid"].get<std::string>().c_str())
                                         : state["next_jid"].get<long long>();
  j["jid"] = jid;
  j["name"] = set.count("name") ? set["name"].get<std::string>() : std::to_string(jid);
  j["procs"] = 0;
  j["params"] = json::object();
  for (const auto& n : order)
    if (n != "name" && n != "jid") j["params"][n] = set[n];
  check_address_clash(j);
  state["next_jid"] = std::max(state["next_jid"].get<long long>(), jid + 1);
  state["jails"].push_back(j);
  return j["name"];
}

void Kernel::modify(const std::vector<std::string>& words) {
  auto [set, order, key] = parse_words(words);
  json* j = find_jail(key);
  if (j == nullptr) throw Failure("jail \"" + key + "\" not found");
  json updated = *j;
  for (const auto& n : order) {
    if (n == "name" || n == "jid") continue;
    const Param* p = param(n);
    if (p->create_only && reported(*j, *p) != set[n]) throw Failure(n + " cannot be changed after creation");
    updated["params"][n] = set[n];
  }
  check_address_clash(updated);
  *j = updated;
  // dropping persist from a jail with no process removes it
  if (!reported(*j, *param("persist")).get<bool>() && (*j)["procs"].get<int>() == 0)
    remove_tree((*j)["name"]);
}

void Kernel::remove(const std::string& key) {
  const json* j = find_jail(key);
  if (j == nullptr) throw Failure("\"" + key + "\" not found");
  remove_tree((*j)["name"]);
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
