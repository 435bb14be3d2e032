// fakebsd: a stateful fake FreeBSD host for end-to-end tests on Linux.
//
// One program, called by the names of the FreeBSD tools the backend runs
// (jail, jls, jexec, ifconfig, mount, umount, rctl, pkill, pgrep, setfib,
// daemon, sockstat): it dispatches on the base name of argv[0]. Every call is
// appended to $FAKEBSD_DIR/calls.log (one shell-quoted argv per line), and
// the host (jails with their parameters, interface addresses, mounts, rctl
// rules) is kept in $FAKEBSD_DIR/state.json under an flock, so parallel
// applies see one consistent host.
//
// It plays the kernel the way jail-semantics.md describes it: jls -n prints
// every parameter with its default, booleans by name or "no" name, the
// first address first and the rest sorted, restricted jails as ip4=disable;
// create-only parameters refuse to change; a jail dropping persist with no
// process goes away; rctl -r that matches nothing fails with ESRCH.
//
// The host's directory is FAKEBSD_DIR, or the nearest one above the tool's
// path with a `.fakebsd` file in it (so helpers run with exec.clean's empty
// environment still find it); the tool root is its root/ directory.
//
// Failure injection: a file `fail_at` holding "k" fails the k-th
// state-changing call counted in the file `calls` (jail, ifconfig with arguments, mount with
// arguments, umount, rctl -a/-r, jexec) with exit 1 and no change; "k TOOL"
// counts only that tool's calls. Listings (jls, mount -p, ifconfig -a,
// pgrep) never fail.
//
// jexec does not chroot: it runs the command on this host, from the jail's
// path, with JNAME/JID/JPATH set. `daemon` started through jexec leaves one
// "process" in the jail (so a jail without persist stays up); pkill -j
// ends them all.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

namespace {

using Args = std::vector<std::string>;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// The host's directory: FAKEBSD_DIR, else the nearest directory above the
// path this program was run by that holds a `.fakebsd` file. (jail(8) runs
// helpers in exec.clean's scrubbed environment, which has no FAKEBSD_DIR.)
const std::string& dir() {
  static const std::string d = [] {
    std::string found = env_or("FAKEBSD_DIR", "");
    const char* exe = reinterpret_cast<const char*>(::getauxval(AT_EXECFN));
    for (std::string p = exe != nullptr ? exe : ""; found.empty() && p.find('/') != std::string::npos;) {
      p.erase(p.rfind('/'));
      if (!p.empty() && ::access((p + "/.fakebsd").c_str(), F_OK) == 0) found = p;
    }
    if (found.empty()) {
      std::cerr
          << "fakebsd: no host: set FAKEBSD_DIR, or run it from below a directory with a .fakebsd file\n";
      std::exit(70);
    }
    return found;
  }();
  return d;
}

// The first line of a file of the host's directory ("" if none).
std::string setting(const std::string& name) {
  std::ifstream in(dir() + "/" + name);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string quoted(const Args& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    if (!a.empty() && a.find_first_of(" \t\n'\"\\$`|&;<>()*?[]{}~!#") == std::string::npos) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// ---------------------------------------------------------------------------
// The host, loaded and saved under one exclusive lock.

json initial_host() {
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

class Host {
 public:
  Host() {
    m_lock = ::open((dir() + "/lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (m_lock < 0 || ::flock(m_lock, LOCK_EX) != 0) {
      std::cerr << "fakebsd: cannot lock " << dir() << "/lock: " << std::strerror(errno) << '\n';
      std::exit(70);
    }
    std::ifstream in(dir() + "/state.json");
    if (in) {
      in >> h;
    } else {
      h = initial_host();
    }
  }
  ~Host() {
    if (m_dirty) {
      const std::string tmp = dir() + "/state.json.tmp";
      std::ofstream(tmp) << h.dump(1) << '\n';
      std::rename(tmp.c_str(), (dir() + "/state.json").c_str());
    }
    ::close(m_lock);
  }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  void changed() { m_dirty = true; }

  json h;

 private:
  int m_lock = -1;
  bool m_dirty = false;
};

void log_call(const Args& argv) {
  std::ofstream(dir() + "/calls.log", std::ios::app) << quoted(argv) << '\n';
}

// Counts a state-changing call; true when this one is to fail.
bool injected_failure(Host& host, const std::string& tool) {
  std::istringstream fail(setting("fail_at"));
  long long at = 0;
  std::string only;
  fail >> at >> only;
  if (!only.empty() && only != tool) return false;
  // counted in their own file, which the tests reset between runs
  long long n = std::atoll(setting("calls").c_str()) + 1;
  std::ofstream(dir() + "/calls") << n << '\n';
  (void)host;  // held: the count is part of the host's state
  if (at == n) {
    std::cerr << tool << ": injected failure (call " << n << ")\n";
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// The kernel's jail parameters.

enum class Type { boolean, integer, string, jailsys, ip4, ip6 };
struct Param {
  const char* name;
  Type type;
  const char* dflt;
  bool create_only;
};

// In jls order: top-level names, then dotted names, each alphabetical.
const std::vector<Param>& params() {
  static const std::vector<Param> p = {
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
  return p;
}

const Param* find_param(const std::string& name) {
  for (const auto& p : params())
    if (name == p.name) return &p;
  return nullptr;
}

struct Failure {
  std::string message;
};

// The address's bytes, for the kernel's sort.
std::string address_key(int family, const std::string& a) {
  unsigned char buf[16] = {};
  if (::inet_pton(family, a.c_str(), buf) != 1) throw Failure{"not an address: " + a};
  return std::string(reinterpret_cast<char*>(buf), family == AF_INET ? 4 : 16);
}

// One `name[=value]` word as the kernel stores it: {name, value}.
std::pair<std::string, json> parse_word(const std::string& word) {
  const auto eq = word.find('=');
  std::string name = word.substr(0, eq);
  const bool has_value = eq != std::string::npos;
  const std::string value = has_value ? word.substr(eq + 1) : "";
  const Param* p = find_param(name);
  bool negated = false;
  if (p == nullptr && !has_value) {
    // `nopersist`, `allow.noraw_sockets`
    const auto dot = name.rfind('.');
    const std::string last = dot == std::string::npos ? name : name.substr(dot + 1);
    if (last.rfind("no", 0) == 0) {
      const std::string plain =
          (dot == std::string::npos ? std::string() : name.substr(0, dot + 1)) + last.substr(2);
      p = find_param(plain);
      if (p != nullptr && p->type == Type::boolean) {
        negated = true;
        name = plain;
      } else {
        p = nullptr;
      }
    }
  }
  if (p == nullptr) throw Failure{"unknown parameter: " + word.substr(0, eq)};
  switch (p->type) {
    case Type::boolean: {
      bool b = true;
      if (has_value) {
        std::string v = value;
        std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
        if (v == "true")
          b = true;
        else if (v == "false")
          b = false;
        else if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos)
          b = std::atoll(v.c_str()) != 0;
        else
          throw Failure{name + ": unknown boolean value \"" + value + "\""};
      }
      return {name, negated ? !b : b};
    }
    case Type::integer:
      if (value.empty() || value.find_first_not_of("-0123456789") != std::string::npos)
        throw Failure{name + ": non-integer value \"" + value + "\""};
      return {name, std::to_string(std::atoll(value.c_str()))};
    case Type::jailsys: {
      std::string v = value;
      std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
      if (v.empty() || v == "new" || v == "1") return {name, "new"};
      if (v == "disable" || v == "0") return {name, "disable"};
      if (v == "inherit" || v == "2") return {name, "inherit"};
      throw Failure{name + ": unknown jailsys value \"" + value + "\""};
    }
    case Type::ip4:
    case Type::ip6: {
      const int family = p->type == Type::ip4 ? AF_INET : AF_INET6;
      json list = json::array();
      std::stringstream in(value == "-" ? "" : value);
      for (std::string a; std::getline(in, a, ',');) {
        std::string canon = a;
        unsigned char buf[16];
        if (::inet_pton(family, a.c_str(), buf) != 1)
          throw Failure{name + ": not an " + (family == AF_INET ? "IPv4" : "IPv6") + " address: " + a};
        char text[INET6_ADDRSTRLEN];
        canon = ::inet_ntop(family, buf, text, sizeof text);
        for (const auto& have : list)
          if (have == canon) throw Failure{name + ": duplicate address " + canon};
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

json* find_jail(Host& host, const std::string& key) {
  const bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
  for (auto& j : host.h["jails"])
    if (numeric ? j["jid"].get<long long>() == std::atoll(key.c_str()) : j["name"] == key) return &j;
  return nullptr;
}

// What jls reports for one parameter of `j`.
json reported(Host& host, const json& j, const Param& p) {
  const std::string name = p.name;
  const json& set = j["params"];
  if (name == "jid") return j["jid"];
  if (name == "name") return j["name"];
  if (name == "cpuset.id") return std::to_string(j["jid"].get<long long>() + 2);
  if (name == "dying") return false;
  if (name == "parent") {
    const std::string n = j["name"];
    const auto dot = n.rfind('.');
    if (dot == std::string::npos) return "0";
    const json* parent = find_jail(host, n.substr(0, dot));
    return parent == nullptr ? "0" : std::to_string((*parent)["jid"].get<long long>());
  }
  if (name == "children.cur") {
    const std::string prefix = j["name"].get<std::string>() + ".";
    int n = 0;
    for (const auto& other : host.h["jails"])
      if (other["name"].get<std::string>().rfind(prefix, 0) == 0) ++n;
    return std::to_string(n);
  }
  if (name == "ip4" || name == "ip6") {
    const std::string fam = name;
    if (j["params"].value("vnet", "inherit") == "new") return "inherit";
    const std::string v = set.value(fam, std::string());
    if (v == "inherit") return "inherit";
    return "disable";  // restricted, with or without addresses
  }
  if (set.contains(name)) return set[name];
  if (p.type == Type::ip4 || p.type == Type::ip6) return json::array();
  if (p.type == Type::boolean) {
    bool b = std::string(p.dflt) == "true";
    // a child may only have what its parent has
    const std::string n = j["name"];
    if (const auto dot = n.rfind('.'); b && dot != std::string::npos && name.rfind("allow.", 0) == 0)
      if (const json* parent = find_jail(host, n.substr(0, dot))) b = reported(host, *parent, p).get<bool>();
    return b;
  }
  return p.dflt;
}

std::string jls_quote(const std::string& v, bool quote) {
  if (!quote) return v;
  if (!v.empty() && v.find_first_of(" \t\"'\\#$") == std::string::npos) return v;
  return "\"" + v + "\"";
}

std::string jls_word(Host& host, const json& j, const Param& p, bool with_name, bool quote) {
  const json v = reported(host, j, p);
  const std::string name = p.name;
  if (v.is_boolean()) {
    if (!with_name) return v.get<bool>() ? "true" : "false";
    if (v.get<bool>()) return name;
    const auto dot = name.rfind('.');
    return dot == std::string::npos ? "no" + name : name.substr(0, dot + 1) + "no" + name.substr(dot + 1);
  }
  std::string text;
  if (v.is_array()) {
    for (const auto& a : v) text += (text.empty() ? "" : ",") + a.get<std::string>();
    if (text.empty()) return with_name ? name + "=" : (quote ? "\"\"" : "-");
  } else if (v.is_number()) {
    text = std::to_string(v.get<long long>());
  } else {
    text = v.get<std::string>();
  }
  if (!with_name) return text.empty() ? (quote ? "\"\"" : "-") : jls_quote(text, quote);
  return name + "=" + (text.empty() ? "\"\"" : jls_quote(text, quote));
}

// ---------------------------------------------------------------------------
// The tools.

int tool_jls(const Args& a) {
  Host host;
  bool names = false, quote = false;
  std::string only;
  Args wanted;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const std::string& w = a[i];
    if (w == "-j" && i + 1 < a.size()) {
      only = a[++i];
    } else if (w.size() > 1 && w[0] == '-') {
      for (char c : w.substr(1)) {
        if (c == 'n') names = true;
        if (c == 'q') quote = true;
        if (c == 's') names = quote = true;
      }
    } else {
      wanted.push_back(w);
    }
  }
  std::vector<const json*> jails;
  for (const auto& j : host.h["jails"]) jails.push_back(&j);
  std::sort(jails.begin(), jails.end(), [](const json* x, const json* y) {
    return (*x)["jid"].get<long long>() < (*y)["jid"].get<long long>();
  });
  if (!only.empty()) {
    const json* j = find_jail(host, only);
    if (j == nullptr) {
      std::cerr << "jls: jail \"" << only << "\" not found\n";
      return 1;
    }
    jails = {j};
  }
  if (wanted.empty() && !names) {
    // the default table
    std::printf("   JID  IP Address      Hostname                      Path\n");
    for (const json* j : jails) {
      const json ips = reported(host, *j, *find_param("ip4.addr"));
      const std::string ip = ips.empty() ? "" : ips[0].get<std::string>();
      std::printf("%6lld  %-15.15s %-29.29s %s\n", (*j)["jid"].get<long long>(), ip.c_str(),
                  reported(host, *j, *find_param("host.hostname")).get<std::string>().c_str(),
                  reported(host, *j, *find_param("path")).get<std::string>().c_str());
    }
    return 0;
  }
  for (const json* j : jails) {
    std::string line;
    if (wanted.empty() || (wanted.size() == 1 && wanted[0] == "all")) {
      for (const auto& p : params()) line += (line.empty() ? "" : " ") + jls_word(host, *j, p, names, quote);
    } else {
      for (const auto& w : wanted) {
        const Param* p = find_param(w);
        if (p == nullptr) {
          std::cerr << "jls: unknown parameter: " << w << '\n';
          return 1;
        }
        line += (line.empty() ? "" : " ") + jls_word(host, *j, *p, names, quote);
      }
    }
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

void check_address_clash(Host& host, const json& self) {
  for (const char* fam : {"ip4.addr", "ip6.addr"}) {
    if (!self["params"].contains(fam)) continue;
    const json& mine = self["params"][fam];
    for (const auto& other : host.h["jails"]) {
      if (other["name"] == self["name"] || !other["params"].contains(fam)) continue;
      const json& theirs = other["params"][fam];
      const bool shared = std::any_of(mine.begin(), mine.end(), [&](const json& a) {
        return std::find(theirs.begin(), theirs.end(), a) != theirs.end();
      });
      if (shared && !(mine.size() == 1 && theirs.size() == 1))
        throw Failure{std::string(fam[2] == '4' ? "IPv4" : "IPv6") + " addresses clash"};
    }
  }
}

void remove_jail(Host& host, const std::string& name) {
  json kept = json::array();
  std::vector<long long> gone;
  for (auto& j : host.h["jails"]) {
    const std::string n = j["name"];
    if (n == name || n.rfind(name + ".", 0) == 0)
      gone.push_back(j["jid"].get<long long>());
    else
      kept.push_back(j);
  }
  host.h["jails"] = kept;
  // a vnet jail's interfaces come home
  for (auto& i : host.h["ifaces"])
    if (std::find(gone.begin(), gone.end(), i["vnet"].get<long long>()) != gone.end()) i["vnet"] = 0;
}

int tool_jail(const Args& a) {
  Host host;
  if (injected_failure(host, "jail")) return 1;
  if (a.size() < 3) {
    std::cerr << "usage: jail -c|-m param=value ... | jail -R jail\n";
    return 1;
  }
  const std::string mode = a[1];
  try {
    if (mode == "-R" || mode == "-r") {
      if (find_jail(host, a[2]) == nullptr) throw Failure{"\"" + a[2] + "\" not found"};
      remove_jail(host, (*find_jail(host, a[2]))["name"]);
      host.changed();
      return 0;
    }
    std::map<std::string, json> set;
    std::vector<std::string> order;
    for (std::size_t i = 2; i < a.size(); ++i) {
      auto [name, value] = parse_word(a[i]);
      if (!set.count(name)) order.push_back(name);
      set[name] = value;
    }
    if (!set.count("name") && !set.count("jid")) throw Failure{"no jail name or jid"};
    const std::string key =
        set.count("name") ? set["name"].get<std::string>() : set["jid"].get<std::string>();
    if (mode == "-c") {
      if (find_jail(host, key) != nullptr) throw Failure{"jail \"" + key + "\" already exists"};
      if (const auto dot = key.rfind('.'); dot != std::string::npos && !find_jail(host, key.substr(0, dot)))
        throw Failure{"jail \"" + key.substr(0, dot) + "\" not found"};
      if (!set.count("persist") || !set["persist"].get<bool>())
        throw Failure{"new jail must persist or attach"};
      if (set.count("path") && !is_dir(set["path"].get<std::string>()))
        throw Failure{"path " + set["path"].get<std::string>() + ": No such file or directory"};
      if (set.count("vnet") && set["vnet"] == "new" && (set.count("ip4.addr") || set.count("ip6.addr")))
        throw Failure{"vnet jails cannot have IP address restrictions"};
      json j;
      long long jid = set.count("jid") ? std::atoll(set["jid"].get<std::string>().c_str())
                                       : host.h["next_jid"].get<long long>();
      host.h["next_jid"] = std::max(host.h["next_jid"].get<long long>(), jid + 1);
      j["jid"] = jid;
      j["name"] = set.count("name") ? set["name"].get<std::string>() : std::to_string(jid);
      j["procs"] = 0;
      j["params"] = json::object();
      for (const auto& n : order)
        if (n != "name" && n != "jid") j["params"][n] = set[n];
      check_address_clash(host, j);
      host.h["jails"].push_back(j);
      host.changed();
      std::printf("%s: created\n", j["name"].get<std::string>().c_str());
      return 0;
    }
    if (mode == "-m") {
      json* j = find_jail(host, key);
      if (j == nullptr) throw Failure{"jail \"" + key + "\" not found"};
      json updated = *j;
      for (const auto& n : order) {
        if (n == "name" || n == "jid") continue;
        const Param* p = find_param(n);
        if (p->create_only && reported(host, *j, *p) != set[n])
          throw Failure{n + " cannot be changed after creation"};
        updated["params"][n] = set[n];
      }
      check_address_clash(host, updated);
      *j = updated;
      host.changed();
      // dropping persist from a jail with no process removes it
      if (!reported(host, *j, *find_param("persist")).get<bool>() && (*j)["procs"].get<int>() == 0)
        remove_jail(host, (*j)["name"]);
      return 0;
    }
    std::cerr << "jail: fakebsd does not implement " << mode << '\n';
    return 1;
  } catch (const Failure& f) {
    std::cerr << "jail: " << f.message << '\n';
    return 1;
  }
}

std::string dotted_mask(int bits) {
  const std::uint32_t m = bits == 0 ? 0 : 0xffffffffU << (32 - bits);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", m);
  return buf;
}

int mask_bits(const std::string& m) {
  if (m.find('.') == std::string::npos) return std::atoi(m.c_str());
  in_addr a{};
  if (::inet_pton(AF_INET, m.c_str(), &a) != 1) return -1;
  return __builtin_popcount(ntohl(a.s_addr));
}

int tool_ifconfig(const Args& a) {
  Host host;
  if (a.size() == 2 && a[1] == "-a") {
    for (const auto& i : host.h["ifaces"]) {
      if (i["vnet"].get<long long>() != 0) continue;
      const std::string name = i["name"];
      std::printf("%s: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n", name.c_str());
      for (const auto& ad : i["addrs"]) {
        const std::string addr = ad["address"];
        if (ad["family"] == "inet")
          std::printf("\tinet %s netmask %s\n", addr.c_str(),
                      dotted_mask(std::atoi(ad["mask"].get<std::string>().c_str())).c_str());
        else
          std::printf("\tinet6 %s prefixlen %s\n", addr.c_str(), ad["mask"].get<std::string>().c_str());
      }
      std::printf("\tstatus: active\n");
    }
    return 0;
  }
  if (injected_failure(host, "ifconfig")) return 1;
  if (a.size() < 3) {
    std::cerr << "ifconfig: fakebsd needs an interface and an action\n";
    return 1;
  }
  json* iface = nullptr;
  for (auto& i : host.h["ifaces"])
    if (i["name"] == a[1]) iface = &i;
  if (iface == nullptr) {
    std::cerr << "ifconfig: interface " << a[1] << " does not exist\n";
    return 1;
  }
  if (a[2] == "vnet" || a[2] == "-vnet") {
    const json* j = a.size() > 3 ? find_jail(host, a[3]) : nullptr;
    if (j == nullptr) {
      std::cerr << "ifconfig: jail \"" << (a.size() > 3 ? a[3] : "") << "\" not found\n";
      return 1;
    }
    const long long jid = (*j)["jid"];
    if (a[2] == "vnet") {
      if ((*j)["params"].value("vnet", "inherit") != "new" || (*iface)["vnet"].get<long long>() != 0) {
        std::cerr << "ifconfig: SIOCSIFVNET: Invalid argument\n";
        return 1;
      }
      (*iface)["vnet"] = jid;
    } else {
      if ((*iface)["vnet"].get<long long>() != jid) {
        std::cerr << "ifconfig: SIOCSIFRVNET: Invalid argument\n";
        return 1;
      }
      (*iface)["vnet"] = 0;
    }
    host.changed();
    return 0;
  }
  if ((a[2] != "inet" && a[2] != "inet6") || a.size() < 5) {
    std::cerr << "ifconfig: fakebsd does not implement " << quoted(a) << '\n';
    return 1;
  }
  const bool v6 = a[2] == "inet6";
  std::string addr = a[3], mask = v6 ? "128" : "32";
  if (const auto slash = addr.find('/'); slash != std::string::npos) {
    mask = addr.substr(slash + 1);
    addr = addr.substr(0, slash);
  }
  for (std::size_t i = 4; i + 1 < a.size(); ++i)
    if (a[i] == "netmask" || a[i] == "prefixlen") mask = std::to_string(mask_bits(a[i + 1]));
  unsigned char buf[16];
  if (::inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), buf) != 1) {
    std::cerr << "ifconfig: " << addr << ": bad value\n";
    return 1;
  }
  char text[INET6_ADDRSTRLEN];
  addr = ::inet_ntop(v6 ? AF_INET6 : AF_INET, buf, text, sizeof text);
  const std::string action = a.back();
  json& addrs = (*iface)["addrs"];
  auto it = std::find_if(addrs.begin(), addrs.end(), [&](const json& x) { return x["address"] == addr; });
  if (action == "alias") {
    for (const auto& i : host.h["ifaces"])
      for (const auto& x : i["addrs"])
        if (x["address"] == addr) {
          std::cerr << "ifconfig: ioctl (SIOCAIFADDR): File exists\n";
          return 1;
        }
    addrs.push_back({{"family", a[2]}, {"address", addr}, {"mask", mask}});
  } else if (action == "-alias") {
    if (it == addrs.end()) {
      std::cerr << "ifconfig: ioctl (SIOCDIFADDR): Can't assign requested address\n";
      return 1;
    }
    addrs.erase(it);
  } else {
    std::cerr << "ifconfig: fakebsd does not implement " << quoted(a) << '\n';
    return 1;
  }
  host.changed();
  return 0;
}

int tool_mount(const Args& a) {
  Host host;
  if (a.size() == 2 && a[1] == "-p") {
    for (const auto& m : host.h["mounts"])
      std::printf("%s\t%s\t%s\t%s\t0 0\n", m["spec"].get<std::string>().c_str(),
                  m["file"].get<std::string>().c_str(), m["type"].get<std::string>().c_str(),
                  m["opts"].get<std::string>().c_str());
    return 0;
  }
  if (injected_failure(host, "mount")) return 1;
  std::string type = "ufs", opts = "rw";
  Args rest;
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "-t" && i + 1 < a.size())
      type = a[++i];
    else if (a[i] == "-o" && i + 1 < a.size())
      opts = "rw," + a[++i];
    else if (a[i].rfind("-o", 0) == 0)
      opts = "rw," + a[i].substr(2);
    else
      rest.push_back(a[i]);
  }
  if (rest.size() != 2) {
    std::cerr << "usage: mount [-t fstype] [-o options] special node\n";
    return 1;
  }
  static const std::vector<std::string> known = {"devfs", "fdescfs", "procfs", "nullfs",
                                                 "tmpfs", "ufs",     "zfs"};
  if (std::find(known.begin(), known.end(), type) == known.end()) {
    std::cerr << "mount: " << rest[0] << ": Operation not supported by device\n";
    return 1;
  }
  if (!is_dir(rest[1])) {
    std::cerr << "mount: " << rest[1] << ": No such file or directory\n";
    return 1;
  }
  if (type == "nullfs" && !is_dir(rest[0])) {
    std::cerr << "mount_nullfs: " << rest[0] << ": No such file or directory\n";
    return 1;
  }
  host.h["mounts"].push_back({{"spec", type == "nullfs" || type == "ufs" ? rest[0] : type},
                              {"file", rest[1]},
                              {"type", type},
                              {"opts", opts}});
  host.changed();
  return 0;
}

int tool_umount(const Args& a) {
  Host host;
  if (injected_failure(host, "umount")) return 1;
  std::string type, file;
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "-t" && i + 1 < a.size())
      type = a[++i];
    else if (a[i] != "-f")
      file = a[i];
  }
  json& mounts = host.h["mounts"];
  for (std::size_t i = mounts.size(); i-- > 0;) {
    if (mounts[i]["file"] != file || (!type.empty() && mounts[i]["type"] != type)) continue;
    for (std::size_t k = i + 1; k < mounts.size(); ++k)
      if (mounts[k]["file"].get<std::string>().rfind(file + "/", 0) == 0) {
        std::cerr << "umount: unmount of " << file << " failed: Device busy\n";
        return 1;
      }
    mounts.erase(mounts.begin() + static_cast<long>(i));
    host.changed();
    return 0;
  }
  std::cerr << "umount: " << file << ": not a file system root directory\n";
  return 1;
}

int tool_rctl(const Args& a) {
  Host host;
  if (a.size() == 1) {
    for (const auto& r : host.h["rctl"]) std::printf("%s\n", r.get<std::string>().c_str());
    return 0;
  }
  if (injected_failure(host, "rctl")) return 1;
  if (a.size() != 3 || (a[1] != "-a" && a[1] != "-r")) {
    std::cerr << "usage: rctl [-a rule | -r filter]\n";
    return 1;
  }
  json& rules = host.h["rctl"];
  if (a[1] == "-a") {
    // subject:id:resource:action=amount
    const std::string& r = a[2];
    const auto eq = r.find('=');
    if (std::count(r.begin(), r.end(), ':') != 3 || eq == std::string::npos) {
      std::cerr << "rctl: failed to add rule '" << r << "': Invalid argument\n";
      return 1;
    }
    const std::string head = r.substr(0, eq);
    json kept = json::array();
    for (const auto& x : rules)
      if (x.get<std::string>().substr(0, x.get<std::string>().find('=')) != head) kept.push_back(x);
    kept.push_back(r);
    rules = kept;
    host.changed();
    return 0;
  }
  json kept = json::array();
  const std::string& f = a[2];
  bool found = false;
  for (const auto& x : rules) {
    const std::string s = x;
    if (s.rfind(f, 0) == 0 && (s.size() == f.size() || s[f.size()] == ':' || s[f.size()] == '='))
      found = true;
    else
      kept.push_back(x);
  }
  if (!found) {
    std::cerr << "rctl: failed to remove rule '" << f << "': No such process\n";
    return 1;
  }
  rules = kept;
  host.changed();
  return 0;
}

// A program the backend names by absolute path, run from the tool root.
std::string tool_path(const std::string& program) {
  const std::string root = dir() + "/root";
  if (!root.empty() && !program.empty() && program[0] == '/' && ::access((root + program).c_str(), X_OK) == 0)
    return root + program;
  return program;
}

int exec_wait(const Args& cmd, const std::string& cwd, const std::vector<std::string>& extra_env) {
  const pid_t pid = ::fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      std::cerr << "jexec: chdir " << cwd << ": " << std::strerror(errno) << '\n';
      ::_exit(1);
    }
    for (const auto& e : extra_env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (const auto& s : cmd) argv.push_back(const_cast<char*>(s.c_str()));
    argv.push_back(nullptr);
    const std::string program = tool_path(cmd[0]);
    ::execvp(program.c_str(), argv.data());
    std::cerr << "jexec: execvp: " << cmd[0] << ": " << std::strerror(errno) << '\n';
    ::_exit(1);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int tool_jexec(const Args& a) {
  std::size_t i = 1;
  for (; i < a.size() && a[i][0] == '-'; ++i)
    if (a[i] == "-u" || a[i] == "-U") ++i;
  if (i + 1 >= a.size()) {
    std::cerr << "usage: jexec [-l] [-u username | -U username] jail command ...\n";
    return 1;
  }
  std::string path, name, jid;
  {
    Host host;
    if (injected_failure(host, "jexec")) return 1;
    json* j = find_jail(host, a[i]);
    if (j == nullptr) {
      std::cerr << "jexec: jail \"" << a[i] << "\" not found\n";
      return 1;
    }
    name = (*j)["name"];
    jid = std::to_string((*j)["jid"].get<long long>());
    path = reported(host, *j, *find_param("path")).get<std::string>();
    const std::string program = a[i + 1];
    if (program.substr(program.rfind('/') + 1) == "daemon") {
      (*j)["procs"] = (*j)["procs"].get<int>() + 1;
      host.changed();
      return 0;
    }
  }
  const Args cmd(a.begin() + static_cast<long>(i) + 1, a.end());
  return exec_wait(cmd, path, {"JNAME=" + name, "JID=" + jid, "JPATH=" + path});
}

int tool_pkill_pgrep(const Args& a, bool kill) {
  std::string jid;
  for (std::size_t i = 1; i + 1 < a.size(); ++i)
    if (a[i] == "-j") jid = a[i + 1];
  Host host;
  json* j = jid.empty() ? nullptr : find_jail(host, jid);
  const int procs = j == nullptr ? 0 : (*j)["procs"].get<int>();
  if (procs == 0) return 1;
  if (kill) {
    (*j)["procs"] = 0;
    host.changed();
    return 0;
  }
  for (int p = 0; p < procs; ++p) std::printf("%d\n", 10000 + p);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a(argv, argv + argc);
  const std::string tool = a[0].substr(a[0].rfind('/') + 1);
  log_call(a);
  if (tool == "jls") return tool_jls(a);
  if (tool == "jail") return tool_jail(a);
  if (tool == "ifconfig") return tool_ifconfig(a);
  if (tool == "mount") return tool_mount(a);
  if (tool == "umount") return tool_umount(a);
  if (tool == "rctl") return tool_rctl(a);
  if (tool == "jexec") return tool_jexec(a);
  if (tool == "pkill") return tool_pkill_pgrep(a, true);
  if (tool == "pgrep") return tool_pkill_pgrep(a, false);
  if (tool == "setfib") {
    if (a.size() < 3) return 1;
    return exec_wait(Args(a.begin() + 2, a.end()), "", {});
  }
  if (tool == "daemon") return 0;  // outside a jail: nothing to track
  if (tool == "sockstat") {
    // the listening sockets the test put in sockstat.txt
    std::printf("USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS\n");
    std::ifstream in(dir() + "/sockstat.txt");
    for (std::string line; std::getline(in, line);) std::printf("%s\n", line.c_str());
    return 0;
  }
  std::cerr << "fakebsd: unknown tool " << tool << '\n';
  return 70;
}
