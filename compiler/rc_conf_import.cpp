#include "compiler/rc_conf_import.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "base/text.hpp"
#include "compiler/statement_builder.hpp"

namespace jailplan {

namespace {

/// rc.conf's assignments (`name=value`, `name="value"`, `name='value'`),
/// the last one winning; no expansion.
std::map<std::string, std::string> rc_variables(std::string_view text) {
  std::map<std::string, std::string> vars;
  for (Lines l(text); l.next();) {
    std::string_view line = l.line;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    const auto eq = line.find('=');
    if (line.empty() || line.front() == '#' || eq == std::string_view::npos) continue;
    const std::string name(line.substr(0, eq));
    if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
        std::string::npos)
      continue;
    std::string_view rest = line.substr(eq + 1);
    std::string value;
    if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
      const char q = rest.front();
      const auto close = rest.find(q, 1);
      value =
          std::string(rest.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
    } else {
      value = std::string(rest.substr(0, rest.find_first_of(" \t#")));
    }
    vars[name] = value;
  }
  return vars;
}

bool yes(const std::string& v) {
  std::string l = v;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  return l == "yes" || l == "true" || l == "on" || l == "1";
}

std::vector<std::string> words(const std::string& v) {
  return split_blanks(v);
}

std::string rc_name(const std::string& jail) {
  std::string n = jail;
  for (char& c : n)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  return n;
}

}  // namespace

Result<ast::Document> import_rc_conf(const SourceFile& file, const std::vector<std::string>& only,
                                     const std::function<bool(const std::string&)>& readable) {
  const auto vars = rc_variables(file.text());
  const auto get = [&](const std::string& key) -> std::string {
    const auto it = vars.find(key);
    return it == vars.end() ? std::string() : it->second;
  };
  std::vector<std::string> names = words(get("jail_list"));
  if (names.empty()) {
    // every jail with a root directory
    for (const auto& [key, value] : vars)
      if (key.rfind("jail_", 0) == 0 && key.size() > 13 && key.substr(key.size() - 8) == "_rootdir")
        names.push_back(key.substr(5, key.size() - 13));
  }
  Diagnostics diags;
  ast::Document doc;
  for (const auto& name : names) {
    if (!wanted(only, name)) continue;
    const std::string n = rc_name(name);
    // jail_NAME_X, else jail_X
    const auto v = [&](const std::string& x) {
      const std::string own = get(fmt::format("jail_{}_{}", n, x));
      return own.empty() ? get("jail_" + x) : own;
    };
    const auto numbered = [&](const std::string& x) {
      std::vector<std::string> out;
      for (int i = 0;; ++i) {
        const std::string value = v(fmt::format("{}{}", x, i));
        if (value.empty()) break;
        out.push_back(value);
      }
      return out;
    };
    const std::string rootdir = v("rootdir"), hostname = v("hostname");
    if (rootdir.empty() || hostname.empty()) {
      const auto at = file.text().find(fmt::format("jail_{}_", n));
      diags.error(
          Location{&file, at == std::string_view::npos ? 0 : static_cast<std::uint32_t>(at)},
          fmt::format("jail {}: rc.d/jail needs both jail_{}_rootdir and jail_{}_hostname", name, n, n),
          "import");
      continue;
    }
    Body body(doc.text);
    body.assign("host.hostname", {hostname});
    body.assign("path", {rootdir});
    const std::string iface = v("interface");
    std::vector<std::string> ips;
    std::string item;
    for (char c : v("ip") + ",") {
      if (c == ',') {
        if (!item.empty()) ips.push_back(item);
        item.clear();
      } else if (c != ' ') {
        item += c;
      }
    }
    for (const auto& more : numbered("ip_multi")) ips.push_back(more);
    std::vector<std::string> ip4, ip6;
    for (std::string a : ips) {
      const bool v6 = a.find(':') != std::string::npos;
      const auto slash = a.find('/');
      if (slash == std::string::npos)
        a += v6 ? "/128" : "/32";
      else if (!v6 && a.find('.', slash) != std::string::npos)
        a = a.substr(0, slash) + " netmask " + a.substr(slash + 1);
      (v6 ? ip6 : ip4).push_back(a);
    }
    if (!ips.empty()) {
      if (!iface.empty()) body.assign("interface", {iface});
      if (!ip4.empty()) body.assign("ip4.addr", ip4);
      if (!ip6.empty()) body.assign("ip6.addr", ip6);
    } else {
      body.flag("vnet");
      if (const auto ifs = words(v("vnet_interface")); !ifs.empty()) body.assign("vnet.interface", ifs);
    }
    if (const auto fib = v("fib"); !fib.empty()) body.assign("exec.fib", {fib});
    const std::string unix_only = v("socket_unixiproute_only");
    body.assign("allow.raw_sockets", {unix_only.empty() || yes(unix_only) ? "false" : "true"});
    body.flag("exec.clean");
    body.assign("exec.system_user", {"root"});
    body.assign("exec.jail_user", {"root"});
    for (const char* hook : {"prestart", "poststart", "prestop", "poststop"})
      if (auto values = numbered(fmt::format("exec_{}", hook)); !values.empty())
        body.append(fmt::format("exec.{}", hook), values);
    std::vector<std::string> start;
    if (!ip6.empty()) start.emplace_back("sleep 2");  // IPv6 duplicate address detection (dad_count 1)
    const std::string exec = v("exec");
    start.push_back(!exec.empty() ? exec : !v("exec_start").empty() ? v("exec_start") : "/bin/sh /etc/rc");
    for (const auto& after : numbered("exec_afterstart")) start.push_back(after);
    body.assign("exec.start", start);
    const std::string stop = v("exec_stop");
    body.assign("exec.stop", {!exec.empty() ? "" : !stop.empty() ? stop : "/bin/sh /etc/rc.shutdown jail"});
    const std::string log = v("consolelog");
    body.assign("exec.consolelog", {log.empty() ? fmt::format("/var/log/jail_{}_console.log", n) : log});
    const std::string fstab = v("fstab").empty() ? fmt::format("/etc/fstab.{}", n) : v("fstab");
    if (readable(fstab)) body.assign("mount.fstab", {fstab});
    if (yes(v("devfs_enable"))) {
      body.flag("mount.devfs");
      const std::string rs = v("devfs_ruleset");
      if (!rs.empty() && rs.find_first_not_of("0123456789") == std::string::npos)
        body.assign("devfs_ruleset", {rs});
    }
    if (yes(v("fdescfs_enable"))) body.flag("mount.fdescfs");
    if (yes(v("procfs_enable"))) body.flag("mount.procfs");
    if (yes(v("mount_enable"))) body.flag("allow.mount");
    body.assign("allow.set_hostname", {yes(v("set_hostname_allow")) ? "true" : "false"});
    body.assign("allow.sysvipc", {yes(v("sysvipc_allow")) ? "true" : "false"});
    body.assign("enforce_statfs", {v("enforce_statfs").empty() ? "2" : v("enforce_statfs")});
    if (const auto r = v("osreldate"); !r.empty()) body.assign("osreldate", {r});
    if (const auto r = v("osrelease"); !r.empty()) body.assign("osrelease", {r});
    for (const auto& w : words(v("parameters"))) {
      const auto eq = w.find('=');
      if (eq == std::string::npos)
        body.flag(w);
      else
        body.assign(w.substr(0, eq), {w.substr(eq + 1)});
    }
    ast::Statement b = block(name, std::move(body).take(), !doc.body.empty());
    if (doc.body.empty())
      b.leading.push_back(comment(
          fmt::format("Written by 'jailplan import' from the jail_* variables of {}, as rc.d/jail maps them.",
                      file.name())));
    doc.body.push_back(std::move(b));
  }
  if (diags.has_errors()) return diags;
  return doc;
}

}  // namespace jailplan
