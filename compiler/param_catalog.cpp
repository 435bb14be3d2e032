#include "compiler/param_catalog.hpp"

#include <algorithm>
#include <unordered_map>

namespace jailplan {

namespace {

using T = ParamType;
using W = ParamWhere;
using M = Mutability;

// clang-format off
const std::vector<ParamInfo> k_catalog = {
  // jail(8) pseudo-parameters (config.c intparams, §3.1)
  {"exec.prepare",          T::list,     W::pseudo, M::at_start,  "",   "14.0"},
  {"exec.prestart",         T::list,     W::pseudo, M::at_start,  "",   "9.1"},
  {"exec.created",          T::list,     W::pseudo, M::at_start,  "",   "12.2"},
  {"exec.start",            T::list,     W::pseudo, M::at_start,  "",   "9.1"},
  {"command",               T::list,     W::pseudo, M::at_start,  "",   "9.1"},
  {"exec.poststart",        T::list,     W::pseudo, M::at_start,  "",   "9.1"},
  {"exec.prestop",          T::list,     W::pseudo, M::at_stop,   "",   "9.1"},
  {"exec.stop",             T::list,     W::pseudo, M::at_stop,   "",   "9.1"},
  {"exec.poststop",         T::list,     W::pseudo, M::at_stop,   "",   "9.1"},
  {"exec.release",          T::list,     W::pseudo, M::at_stop,   "",   "14.0"},
  {"exec.clean",            T::boolean,  W::pseudo, M::at_start,  "false", "9.1"},
  {"exec.jail_user",        T::string,   W::pseudo, M::at_start,  "",   "9.1"},
  {"exec.system_jail_user", T::boolean,  W::pseudo, M::at_start,  "false", "9.1"},
  {"exec.system_user",      T::string,   W::pseudo, M::at_start,  "",   "9.1"},
  {"exec.timeout",          T::integer,  W::pseudo, M::at_start,  "0",  "9.1"},
  {"exec.consolelog",       T::path,     W::pseudo, M::at_start,  "",   "9.1"},
  {"exec.fib",              T::integer,  W::pseudo, M::at_start,  "",   "9.1"},
  {"stop.timeout",          T::integer,  W::pseudo, M::at_stop,   "10", "9.1"},
  {"interface",             T::string,   W::pseudo, M::at_start,  "",   "9.1"},
  {"ip_hostname",           T::boolean,  W::pseudo, M::at_start,  "false", "9.1"},
  {"mount",                 T::list,     W::pseudo, M::at_start,  "",   "9.1"},
  {"mount.fstab",           T::list,     W::pseudo, M::at_start,  "",   "9.1"},
  // jailplan's own, derived: the lines of the mount.fstab files, read at plan time
  {"mount.fstab.lines",     T::list,     W::pseudo, M::at_start,  "",   "9.1"},
  {"mount.devfs",           T::boolean,  W::pseudo, M::at_start,  "false", "9.1"},
  {"mount.fdescfs",         T::boolean,  W::pseudo, M::at_start,  "false", "10.0"},
  {"mount.procfs",          T::boolean,  W::pseudo, M::at_start,  "false", "10.3"},
  {"vnet.interface",        T::list,     W::pseudo, M::at_start,  "",   "9.1"},
  {"zfs.dataset",           T::list,     W::pseudo, M::at_start,  "",   "15.0"},
  {"depend",                T::list,     W::pseudo, M::bookkeeping,  "",   "9.1"},
  // jailplan's own, from the reserved variable $jailplan_rctl: rctl(8) rules
  {"jailplan.rctl",         T::list,     W::pseudo, M::modifiable,   "",   "9.1"},
  {"allow.dying",           T::boolean,  W::pseudo, M::bookkeeping,  "false", "9.1"},
  // core kernel parameters (kern_jail.c, §3.2)
  {"jid",                   T::integer,  W::kernel, M::identity,  "",   "8.0"},
  {"name",                  T::string,   W::kernel, M::identity,  "",   "8.0", 256},
  {"parent",                T::integer,  W::kernel, M::read_only, "",   "8.0"},
  {"path",                  T::path,     W::both,   M::create_only, "/", "8.0", 1024},
  {"securelevel",           T::integer,  W::kernel, M::raise_only, "",  "8.0"},
  {"osrelease",             T::string,   W::kernel, M::create_only, "", "10.0", 32},
  {"osreldate",             T::integer,  W::kernel, M::create_only, "", "10.0"},
  {"enforce_statfs",        T::integer,  W::kernel, M::raise_only, "2", "8.0"},
  {"devfs_ruleset",         T::integer,  W::both,   M::modifiable, "0", "8.0"},
  {"persist",               T::boolean,  W::kernel, M::modifiable, "false", "8.0"},
  {"vnet",                  T::jailsys,  W::kernel, M::create_only, "inherit", "8.0"},
  {"dying",                 T::boolean,  W::kernel, M::read_only, "",   "8.0"},
  {"children.max",          T::integer,  W::kernel, M::raise_only, "0", "8.0"},
  {"children.cur",          T::integer,  W::kernel, M::read_only, "",   "8.0"},
  {"host",                  T::jailsys,  W::kernel, M::modifiable, "new", "8.0"},
  {"host.hostname",         T::string,   W::both,   M::modifiable, "",  "8.0", 256},
  {"host.domainname",       T::string,   W::kernel, M::modifiable, "",  "8.0", 256},
  {"host.hostuuid",         T::string,   W::kernel, M::modifiable, "",  "8.0", 64},
  {"host.hostid",           T::ulong,    W::kernel, M::modifiable, "0", "8.0"},
  {"cpuset.id",             T::integer,  W::kernel, M::read_only, "",   "8.0"},
  {"ip4",                   T::jailsys,  W::kernel, M::create_only, "disable", "8.0"},
  {"ip4.addr",              T::ip4_list, W::both,   M::modifiable, "",  "8.0"},
  {"ip4.saddrsel",          T::boolean,  W::kernel, M::modifiable, "true", "9.0"},
  {"ip6",                   T::jailsys,  W::kernel, M::create_only, "disable", "8.0"},
  {"ip6.addr",              T::ip6_list, W::both,   M::modifiable, "",  "8.0"},
  {"ip6.saddrsel",          T::boolean,  W::kernel, M::modifiable, "true", "9.0"},
  {"mac.label",             T::string,   W::kernel, M::modifiable, "",  "15.0"},
  {"meta",                  T::string,   W::kernel, M::modifiable, "",  "15.0", 4096},
  {"env",                   T::string,   W::kernel, M::modifiable, "",  "15.0", 4096},
  // allow.* (§3.3)
  {"allow.set_hostname",    T::boolean,  W::both,   M::modifiable, "true",  "8.0"},
  {"allow.sysvipc",         T::boolean,  W::both,   M::modifiable, "false", "8.0"},
  {"allow.raw_sockets",     T::boolean,  W::both,   M::modifiable, "false", "8.0"},
  {"allow.chflags",         T::boolean,  W::both,   M::modifiable, "false", "8.0"},
  {"allow.mount",           T::boolean,  W::both,   M::modifiable, "false", "8.0"},
  {"allow.quotas",          T::boolean,  W::kernel, M::modifiable, "false", "8.0"},
  {"allow.socket_af",       T::boolean,  W::both,   M::modifiable, "false", "8.0"},
  {"allow.mlock",           T::boolean,  W::kernel, M::modifiable, "false", "12.1"},
  {"allow.reserved_ports",  T::boolean,  W::kernel, M::modifiable, "true",  "12.1"},
  {"allow.read_msgbuf",     T::boolean,  W::kernel, M::modifiable, "false", "13.0"},
  {"allow.unprivileged_proc_debug", T::boolean, W::kernel, M::modifiable, "true", "13.0"},
  {"allow.suser",           T::boolean,  W::kernel, M::modifiable, "true",  "13.0"},
  {"allow.nfsd",            T::boolean,  W::kernel, M::modifiable, "false", "14.0"},
  {"allow.extattr",         T::boolean,  W::kernel, M::modifiable, "false", "14.0"},
  {"allow.adjtime",         T::boolean,  W::kernel, M::modifiable, "false", "14.1"},
  {"allow.settime",         T::boolean,  W::kernel, M::modifiable, "false", "14.1"},
  {"allow.routing",         T::boolean,  W::kernel, M::modifiable, "false", "15.0"},
  {"allow.unprivileged_parent_tampering", T::boolean, W::kernel, M::modifiable, "false", "15.0"},
  {"allow.setaudit",        T::boolean,  W::kernel, M::modifiable, "false", "15.0"},
  {"allow.vmm",             T::boolean,  W::kernel, M::modifiable, "false", "14.0"},
  {"allow.vmm_ppt",         T::boolean,  W::kernel, M::modifiable, "false", "15.0"},
  // module parameters (§3.4)
  {"sysvmsg",               T::jailsys,  W::kernel, M::modifiable, "disable", "11.0"},
  {"sysvsem",               T::jailsys,  W::kernel, M::modifiable, "disable", "11.0"},
  {"sysvshm",               T::jailsys,  W::kernel, M::modifiable, "disable", "11.0"},
  {"linux",                 T::jailsys,  W::kernel, M::modifiable, "inherit", "8.0"},
  {"linux.osname",          T::string,   W::kernel, M::modifiable, "",  "8.0", 65},
  {"linux.osrelease",       T::string,   W::kernel, M::modifiable, "",  "8.0", 65},
  {"linux.oss_version",     T::integer,  W::kernel, M::modifiable, "",  "8.0"},
  {"zfs",                   T::jailsys,  W::kernel, M::modifiable, "inherit", "12.0"},
  {"zfs.mount_snapshot",    T::integer,  W::kernel, M::modifiable, "0", "13.0"},
  {"mac.do",                T::jailsys,  W::kernel, M::modifiable, "",  "15.0"},
  {"mac.do.rules",          T::string,   W::kernel, M::modifiable, "",  "15.0"},
};
// clang-format on

// allow.mount.<fs> exists for every loaded jail-friendly file system.
const ParamInfo k_allow_mount_fs{"allow.mount.*", T::boolean, W::kernel, M::modifiable, "false", "8.0"};
const ParamInfo k_meta_key{"meta.*", T::string, W::kernel, M::modifiable, "", "15.0"};
const ParamInfo k_env_key{"env.*", T::string, W::kernel, M::modifiable, "", "15.0"};

const std::unordered_map<std::string_view, const ParamInfo*>& index() {
  static const auto map = [] {
    std::unordered_map<std::string_view, const ParamInfo*> m;
    for (const auto& p : k_catalog) m.emplace(p.name, &p);
    return m;
  }();
  return map;
}

const ParamInfo* exact(std::string_view name) {
  const auto& m = index();
  const auto it = m.find(name);
  if (it != m.end()) return it->second;
  if (name.rfind("allow.mount.", 0) == 0 && name.size() > 12 && name.find('.', 12) == std::string_view::npos)
    return &k_allow_mount_fs;
  if (name.rfind("meta.", 0) == 0 && name.size() > 5) return &k_meta_key;
  if (name.rfind("env.", 0) == 0 && name.size() > 4) return &k_env_key;
  return nullptr;
}

}  // namespace

const ParamInfo* find_info(std::string_view canonical) {
  return exact(canonical);
}

const std::vector<ParamInfo>& catalog() {
  return k_catalog;
}

const std::vector<std::string_view>& catalog_names() {
  static const auto names = [] {
    std::vector<std::string_view> v;
    for (const auto& p : k_catalog) v.push_back(p.name);
    return v;
  }();
  return names;
}

std::optional<CatalogMatch> lookup_param(std::string_view spelled) {
  if (const auto* p = exact(spelled)) {
    // allow.mount.<fs> is an open family, so `allow.mount.nodevfs` would
    // match it as a file system called "nodevfs": it is devfs negated
    if (p != &k_allow_mount_fs || spelled.substr(12, 2) != "no" || spelled.size() <= 14)
      return CatalogMatch{p, std::string(spelled), false, false};
    return CatalogMatch{p, "allow.mount." + std::string(spelled.substr(14)), true, false};
  }
  // a "no" on one component: on the last one it negates a boolean (libjail
  // and jail(8) agree); on an earlier one only jail(8)'s own parameters
  // accept it, and the value is not negated.
  std::size_t start = 0;
  while (start < spelled.size()) {
    const std::size_t dot = spelled.find('.', start);
    const bool last = dot == std::string_view::npos;
    if (spelled.substr(start, 2) == "no") {
      std::string candidate(spelled.substr(0, start));
      candidate += spelled.substr(start + 2);
      if (const auto* p = exact(candidate)) {
        if (last && p->type == ParamType::boolean) return CatalogMatch{p, candidate, true, false};
        if (!last && p->where != ParamWhere::kernel) return CatalogMatch{p, candidate, false, true};
      }
    }
    if (last) break;
    start = dot + 1;
  }
  return std::nullopt;
}

std::string_view to_string(ParamType t) {
  switch (t) {
    case T::boolean: return "bool";
    case T::integer: return "int";
    case T::uinteger: return "uint";
    case T::ulong: return "ulong";
    case T::string: return "string";
    case T::path: return "path";
    case T::list: return "list";
    case T::ip4_list: return "ip4[]";
    case T::ip6_list: return "ip6[]";
    case T::jailsys: return "jailsys";
  }
  return "?";
}

std::string_view to_string(ParamWhere w) {
  switch (w) {
    case W::pseudo: return "pseudo";
    case W::kernel: return "kernel";
    case W::both: return "pseudo+kernel";
  }
  return "?";
}

std::string_view to_string(Mutability m) {
  switch (m) {
    case M::modifiable: return "modifiable";
    case M::raise_only: return "raise-only";
    case M::create_only: return "create-only";
    case M::read_only: return "read-only";
    case M::at_start: return "at-start";
    case M::at_stop: return "at-stop";
    case M::bookkeeping: return "bookkeeping";
    case M::identity: return "identity";
  }
  return "?";
}

}  // namespace jailplan
