// fakebsd: a stateful fake FreeBSD host for end-to-end tests on Linux.
//
// One program, called by the names of the FreeBSD tools the backend runs
// (jail, jls, jexec, ifconfig, mount, umount, devfs, rctl, pkill, pgrep,
// setfib, daemon, sockstat): it dispatches on the base name of argv[0]. Every call is
// appended to $FAKEBSD_DIR/calls.log (one shell-quoted argv per line), and
// the host (jails with their parameters, interface addresses, mounts, rctl
// rules) is kept in $FAKEBSD_DIR/state.json under an flock, so parallel
// applies see one consistent host.
//
// The kernel's rules (create-only parameters refuse to change, a jail
// dropping persist with no process goes away, rctl -r that matches nothing
// fails with ESRCH, ...) are the kernel model's (kernel.hpp), which the
// planner tests' ModelHost shares; this file parses each tool's argv, keeps
// the state file, injects failures and prints as the tools do: jls -n
// prints every parameter with its default, booleans by name or "no" name,
// the first address first and the rest sorted, restricted jails as
// ip4=disable; jls --libxo json -n prints the same as libxo's JSON (and -d
// the jails a test marks "dying"); mount -p strvis-encodes paths; ifconfig
// -a honours IFCONFIG_FORMAT.
//
// The host's directory is FAKEBSD_DIR, or the nearest one above the tool's
// path with a `.fakebsd` file in it (so helpers run with exec.clean's empty
// environment still find it); the tool root is its root/ directory.
//
// Failure injection: a file `fail_at` holding "k" fails the k-th
// state-changing call counted in the file `calls` (jail, ifconfig with arguments, mount with
// arguments, umount, devfs, rctl -a/-r, jexec) with exit 1 and no change; "k TOOL"
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

#include "base/json_bytes.hpp"

#include "kernel.hpp"

using json = nlohmann::json;
using jailplan::fakekernel::Failure;
using jailplan::fakekernel::Kernel;
using jailplan::fakekernel::Param;

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
// The host, loaded and saved under one exclusive lock; the kernel model
// (kernel.hpp) keeps its rules.

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
      in >> k.state;
      jailplan::restore_json_bytes(k.state);  // values hold any byte, as jail(8)'s do
    }
    k.directory_exists = is_dir;
  }
  ~Host() {
    if (m_dirty) {
      const std::string tmp = dir() + "/state.json.tmp";
      std::ofstream(tmp) << jailplan::dump_json(k.state, 1) << '\n';
      std::rename(tmp.c_str(), (dir() + "/state.json").c_str());
    }
    ::close(m_lock);
  }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  void changed() { m_dirty = true; }

  Kernel k;

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

std::string jls_quote(const std::string& v, bool quote) {
  if (!quote) return v;
  if (!v.empty() && v.find_first_of(" \t\"'\\#$") == std::string::npos) return v;
  return "\"" + v + "\"";
}

std::string jls_word(Kernel& k, const json& j, const Param& p, bool with_name, bool quote) {
  // the kernel model keeps no dying jails: a test marks one in the state file
  const json v = p.name == "dying" ? json(j.value("dying", false)) : k.reported(j, p);
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

// A string as libxo writes it into JSON (xo_escape_json): only '"', '\\',
// newline and carriage return are escaped; a tab or another control byte
// goes out raw.
std::string libxo_string(const std::string& v) {
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out + "\"";
}

// One parameter of `jls --libxo json -n` (print_jail with PRINT_NAMEVAL):
// booleans as JSON booleans ({en:NAME/true}), ip4.addr and ip6.addr as
// lists (emit_ip_addr_list), everything else as the string
// jailparam_export makes ({:NAME/%s}), numbers included.
std::string jls_json_member(const Param& p, const json& v) {
  std::string out = libxo_string(p.name) + ":";
  if (v.is_boolean()) return out + (v.get<bool>() ? "true" : "false");
  if (v.is_array()) {
    std::string list;
    for (const auto& a : v) list += (list.empty() ? "" : ",") + libxo_string(a.get<std::string>());
    return out + "[" + list + "]";
  }
  return out + libxo_string(v.is_number() ? std::to_string(v.get<long long>()) : v.get<std::string>());
}

// ---------------------------------------------------------------------------
// The tools.

int tool_jls(const Args& a) {
  Host host;
  bool names = false, quote = false, json_out = false, dying = false;
  std::string only;
  Args wanted;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const std::string& w = a[i];
    if (w == "--libxo" && i + 1 < a.size()) {
      json_out = a[++i] == "json";
    } else if (w == "--libxo=json") {
      json_out = true;
    } else if (w == "-j" && i + 1 < a.size()) {
      only = a[++i];
    } else if (w.size() > 1 && w[0] == '-') {
      for (char c : w.substr(1)) {
        if (c == 'n') names = true;
        if (c == 'q') quote = true;
        if (c == 'd' || c == 'a') dying = true;
        if (c == 's') names = quote = true;
      }
    } else {
      wanted.push_back(w);
    }
  }
  std::vector<const json*> jails;
  // a jail the tests mark "dying" is listed with -d only, as the kernel does
  for (const auto& j : host.k.state["jails"])
    if (dying || !j.value("dying", false)) jails.push_back(&j);
  std::sort(jails.begin(), jails.end(), [](const json* x, const json* y) {
    return (*x)["jid"].get<long long>() < (*y)["jid"].get<long long>();
  });
  if (!only.empty()) {
    const json* j = host.k.find_jail(only);
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
      const json ips = host.k.reported(*j, *host.k.param("ip4.addr"));
      const std::string ip = ips.empty() ? "" : ips[0].get<std::string>();
      std::printf("%6lld  %-15.15s %-29.29s %s\n", (*j)["jid"].get<long long>(), ip.c_str(),
                  host.k.reported(*j, *host.k.param("host.hostname")).get<std::string>().c_str(),
                  host.k.reported(*j, *host.k.param("path")).get<std::string>().c_str());
    }
    return 0;
  }
  if (json_out) {
    // the parameter view only: what the observer runs
    if (!names || !(wanted.empty() || (wanted.size() == 1 && wanted[0] == "all"))) {
      std::cerr << "jls: fakebsd prints --libxo json for -n (all parameters) only\n";
      return 1;
    }
    std::string out = "{\"__version\": \"2\", \"jail-information\": {\"jail\": [";
    for (std::size_t n = 0; n < jails.size(); ++n) {
      std::string members;
      for (const auto& p : host.k.table) {
        const json v =
            p.name == "dying" ? json(jails[n]->value("dying", false)) : host.k.reported(*jails[n], p);
        members += (members.empty() ? "" : ",") + jls_json_member(p, v);
      }
      out += (n == 0 ? "{" : ", {") + members + "}";
    }
    std::printf("%s]}}\n", out.c_str());
    return 0;
  }
  for (const json* j : jails) {
    std::string line;
    if (wanted.empty() || (wanted.size() == 1 && wanted[0] == "all")) {
      for (const auto& p : host.k.table)
        line += (line.empty() ? "" : " ") + jls_word(host.k, *j, p, names, quote);
    } else {
      for (const auto& w : wanted) {
        const Param* p = host.k.param(w);
        if (p == nullptr) {
          std::cerr << "jls: unknown parameter: " << w << '\n';
          return 1;
        }
        line += (line.empty() ? "" : " ") + jls_word(host.k, *j, *p, names, quote);
      }
    }
    std::printf("%s\n", line.c_str());
  }
  return 0;
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
    const Args words(a.begin() + 2, a.end());
    if (mode == "-R" || mode == "-r") {
      host.k.remove(a[2]);
    } else if (mode == "-c") {
      const std::string name = host.k.create(words);
      std::printf("%s: created\n", name.c_str());
    } else if (mode == "-m") {
      host.k.modify(words);
    } else {
      std::cerr << "jail: fakebsd does not implement " << mode << '\n';
      return 1;
    }
    host.changed();
    return 0;
  } catch (const Failure& f) {
    std::cerr << "jail: " << f.what() << '\n';
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

// IFCONFIG_FORMAT's word for a category ("inet:cidr,inet6:cidr"), as
// ifconfig.c's setformat reads it; "" for the default.
std::string ifconfig_format(const std::string& category) {
  const char* env = std::getenv("IFCONFIG_FORMAT");
  std::istringstream in(env != nullptr ? env : "");
  std::string item;
  std::string found;
  while (std::getline(in, item, ','))
    if (const auto colon = item.find(':'); colon != std::string::npos && item.substr(0, colon) == category)
      found = item.substr(colon + 1);
  return found;
}

int tool_ifconfig(const Args& a) {
  Host host;
  if (a.size() == 2 && a[1] == "-a") {
    // af_inet.c in_status_nl and af_inet6.c in6_status: `inet A netmask
    // 0x...` or with inet:cidr `inet A/LEN`; `inet6 A prefixlen N` or with
    // inet6:cidr `inet6 A/N`
    const bool cidr4 = ifconfig_format("inet") == "cidr";
    const bool cidr6 = ifconfig_format("inet6") == "cidr";
    for (const auto& i : host.k.state["ifaces"]) {
      if (i["vnet"].get<long long>() != 0) continue;
      const std::string name = i["name"];
      std::printf("%s: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n", name.c_str());
      for (const auto& ad : i["addrs"]) {
        const std::string addr = ad["address"];
        const std::string mask = ad["mask"];
        if (ad["family"] == "inet" && cidr4)
          std::printf("\tinet %s/%s\n", addr.c_str(), mask.c_str());
        else if (ad["family"] == "inet")
          std::printf("\tinet %s netmask %s\n", addr.c_str(), dotted_mask(std::atoi(mask.c_str())).c_str());
        else if (cidr6)
          std::printf("\tinet6 %s/%s\n", addr.c_str(), mask.c_str());
        else
          std::printf("\tinet6 %s prefixlen %s\n", addr.c_str(), mask.c_str());
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
  const bool known = std::any_of(host.k.state["ifaces"].begin(), host.k.state["ifaces"].end(),
                                 [&](const json& i) { return i["name"] == a[1]; });
  try {
    if (!known) throw Failure("interface " + a[1] + " does not exist");
    if (a[2] == "vnet" || a[2] == "-vnet") {
      host.k.move_interface(a[1], a.size() > 3 ? a[3] : "", a[2] == "vnet");
      host.changed();
      return 0;
    }
    if ((a[2] != "inet" && a[2] != "inet6") || a.size() < 5)
      throw Failure("fakebsd does not implement " + quoted(a));
    const bool v6 = a[2] == "inet6";
    std::string addr = a[3], mask = v6 ? "128" : "32";
    if (const auto slash = addr.find('/'); slash != std::string::npos) {
      mask = addr.substr(slash + 1);
      addr = addr.substr(0, slash);
    }
    for (std::size_t i = 4; i + 1 < a.size(); ++i)
      if (a[i] == "netmask" || a[i] == "prefixlen") mask = std::to_string(mask_bits(a[i + 1]));
    unsigned char buf[16];
    if (::inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), buf) != 1) throw Failure(addr + ": bad value");
    char text[INET6_ADDRSTRLEN];
    addr = ::inet_ntop(v6 ? AF_INET6 : AF_INET, buf, text, sizeof text);
    const std::string action = a.back();
    if (action == "alias")
      host.k.add_address(a[1], a[2], addr, mask);
    else if (action == "-alias")
      host.k.remove_address(a[1], a[2], addr);
    else
      throw Failure("fakebsd does not implement " + quoted(a));
  } catch (const Failure& f) {
    std::cerr << "ifconfig: " << f.what() << '\n';
    return 1;
  }
  host.changed();
  return 0;
}

// A device or mount point as mount -p prints it: strvis(3) with VIS_WHITE
// and VIS_OCTAL, so that the line stays an fstab(5) line (`\040` a space,
// `\\` a backslash).
std::string vis_field(const std::string& v) {
  std::string out;
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (u <= ' ' || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

int tool_mount(const Args& a) {
  Host host;
  if (a.size() == 2 && a[1] == "-p") {
    for (const auto& m : host.k.state["mounts"])
      std::printf("%s\t%s\t%s\t%s\t0 0\n", vis_field(m["spec"].get<std::string>()).c_str(),
                  vis_field(m["file"].get<std::string>()).c_str(), m["type"].get<std::string>().c_str(),
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
  try {
    host.k.mount(type, rest[0], rest[1], opts);
  } catch (const Failure& f) {
    std::cerr << (f.program.empty() ? "mount" : f.program) << ": " << f.what() << '\n';
    return 1;
  }
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
  try {
    host.k.unmount(file, type);
  } catch (const Failure& f) {
    std::cerr << "umount: " << f.what() << '\n';
    return 1;
  }
  host.changed();
  return 0;
}

// devfs -m DIR ruleset N | devfs -m DIR rule [-s N] applyset (sbin/devfs
// rule.c): the devfs mount at DIR keeps the ruleset it uses ("ruleset";
// at first its mount's -oruleset=) and the one last applied to its nodes
// ("applied"). applyset without -s applies the mount's own; ruleset 0 is
// no ruleset, which the kernel's DEVFSIO_SAPPLY refuses (ESRCH).
int tool_devfs(const Args& a) {
  Host host;
  if (injected_failure(host, "devfs")) return 1;
  std::string dir = "/dev";
  std::size_t i = 1;
  if (i + 1 < a.size() && a[i] == "-m") {
    dir = a[i + 1];
    i += 2;
  }
  const Args rest(a.begin() + static_cast<long>(i), a.end());
  const bool use = rest.size() == 2 && rest[0] == "ruleset";
  const bool apply = (rest.size() == 2 || (rest.size() == 4 && rest[1] == "-s")) && rest[0] == "rule" &&
                     rest.back() == "applyset";
  if (!use && !apply) {
    std::cerr << "usage: devfs [-m mount-point] {ruleset N | rule [-s N] applyset}\n";
    return 1;
  }
  json* mount = nullptr;
  for (auto& m : host.k.state["mounts"])
    if (m["type"] == "devfs" && m["file"] == dir) mount = &m;
  const std::string ioctl = use ? "ruleset: ioctl DEVFSIO_SUSE" : "rule: ioctl DEVFSIO_SAPPLY";
  if (mount == nullptr) {
    std::cerr << "devfs " << ioctl << ": Inappropriate ioctl for device\n";
    return 1;
  }
  if (use) {
    (*mount)["ruleset"] = rest[1];
  } else {
    std::string rs = rest.size() == 4 ? rest[2] : mount->value("ruleset", std::string());
    if (rs.empty()) {
      const std::string opts = (*mount)["opts"].get<std::string>();
      const auto at = opts.find("ruleset=");
      rs = at == std::string::npos ? "0" : opts.substr(at + 8, opts.find(',', at) - at - 8);
    }
    if (rs == "0") {
      std::cerr << "devfs " << ioctl << ": No such process\n";
      return 1;
    }
    (*mount)["applied"] = rs;
  }
  host.changed();
  return 0;
}

// A rule as rctl lists it: the kernel keeps amounts in units (rctl -h
// would print them humanized), and a `/per` only when it is not the subject.
std::string listed_rule(std::string rule) {
  const auto eq = rule.find('=');
  if (eq == std::string::npos) return rule;
  std::string amount = rule.substr(eq + 1), per;
  if (const auto slash = amount.find('/'); slash != std::string::npos) {
    per = amount.substr(slash);
    amount.resize(slash);
  }
  if (per == "/jail") per.clear();
  long long scale = 1;
  if (!amount.empty()) {
    const std::string units = "kmgtpe";
    const auto at = units.find(static_cast<char>(std::tolower(static_cast<unsigned char>(amount.back()))));
    if (at != std::string::npos) {
      scale = 1LL << (10 * (at + 1));
      amount.pop_back();
    }
  }
  return rule.substr(0, eq + 1) + std::to_string(std::stoll(amount) * scale) + per;
}

int tool_rctl(const Args& a) {
  Host host;
  if (a.size() == 1) {
    for (const auto& r : host.k.state["rctl"]) std::printf("%s\n", listed_rule(r.get<std::string>()).c_str());
    return 0;
  }
  if (injected_failure(host, "rctl")) return 1;
  if (a.size() != 3 || (a[1] != "-a" && a[1] != "-r")) {
    std::cerr << "usage: rctl [-a rule | -r filter]\n";
    return 1;
  }
  try {
    if (a[1] == "-a")
      host.k.add_rule(a[2]);
    else
      host.k.remove_rules(a[2]);
  } catch (const Failure& f) {
    std::cerr << "rctl: " << f.what() << '\n';
    return 1;
  }
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
    json* j = host.k.find_jail(a[i]);
    if (j == nullptr) {
      std::cerr << "jexec: jail \"" << a[i] << "\" not found\n";
      return 1;
    }
    name = (*j)["name"];
    jid = std::to_string((*j)["jid"].get<long long>());
    path = host.k.reported(*j, *host.k.param("path")).get<std::string>();
    const std::string program = a[i + 1];
    if (program.substr(program.rfind('/') + 1) == "daemon") {
      host.k.attach_process(name);
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
  if (kill) {
    if (jid.empty() || !host.k.kill_processes(jid)) return 1;
    host.changed();
    return 0;
  }
  const json* j = jid.empty() ? nullptr : host.k.find_jail(jid);
  const int procs = j == nullptr ? 0 : (*j)["procs"].get<int>();
  if (procs == 0) return 1;
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
  if (tool == "devfs") return tool_devfs(a);
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
