#include "compiler/typecheck.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <unordered_map>

#include <fmt/format.h>

#include "base/suggest.hpp"
#include "compiler/fstab.hpp"

namespace jailplan {

std::string check_rctl_rule(std::string_view rule) {
  static constexpr std::string_view k_resources[] = {
      "cputime",   "datasize",   "stacksize",       "coredumpsize", "memoryuse", "memorylocked", "maxproc",
      "openfiles", "vmemoryuse", "pseudoterminals", "swapuse",      "nthr",      "msgqqueued",   "msgqsize",
      "nmsgq",     "nsem",       "nsemop",          "nshm",         "shmsize",   "wallclock",    "pcpu",
      "readbps",   "writebps",   "readiops",        "writeiops"};
  const auto colon = rule.find(':');
  const auto eq = rule.find('=');
  if (colon == std::string_view::npos || eq == std::string_view::npos || eq < colon)
    return "expected resource:action=amount";
  const auto resource = rule.substr(0, colon);
  if (std::find(std::begin(k_resources), std::end(k_resources), resource) == std::end(k_resources))
    return fmt::format("unknown resource '{}'", resource);
  const auto action = rule.substr(colon + 1, eq - colon - 1);
  if (action != "deny" && action != "log" && action != "devctl" && action != "throttle" &&
      !action.starts_with("sig"))
    return fmt::format("unknown action '{}' (deny, log, devctl, throttle or sigNAME)", action);
  auto amount = rule.substr(eq + 1);
  if (const auto slash = amount.find('/'); slash != std::string_view::npos) {
    const auto per = amount.substr(slash + 1);
    if (per != "process" && per != "user" && per != "loginclass" && per != "jail")
      return fmt::format("unknown 'per' subject '{}'", per);
    amount = amount.substr(0, slash);
  }
  if (rctl_amount(amount) < 0)
    return fmt::format("'{}' is not an amount (a number, optionally k, m, g, t or p)", amount);
  return {};
}

std::int64_t rctl_amount(std::string_view amount) {
  if (amount.empty()) return -1;
  std::int64_t scale = 1;
  switch (amount.back()) {
    case 'k':
    case 'K': scale = std::int64_t{1} << 10; break;
    case 'm':
    case 'M': scale = std::int64_t{1} << 20; break;
    case 'g':
    case 'G': scale = std::int64_t{1} << 30; break;
    case 't':
    case 'T': scale = std::int64_t{1} << 40; break;
    case 'p':
    case 'P': scale = std::int64_t{1} << 50; break;
    default: break;
  }
  if (scale != 1) amount.remove_suffix(1);
  if (amount.empty() || amount.size() > 15) return -1;
  std::int64_t n = 0;
  for (char c : amount) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n * scale;
}

std::optional<bool> parse_bool(std::string_view v) {
  auto ieq = [&](std::string_view w) {
    return v.size() == w.size() && std::equal(v.begin(), v.end(), w.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  if (ieq("true")) return true;
  if (ieq("false")) return false;
  if (v.empty()) return false;  // strtol("") is 0 and jail(8) accepts it
  if (auto n = parse_int(v)) return *n != 0;
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view v) {
  const std::string s(v);
  const char* b = s.c_str();
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(b, &end, 10);
  if (end == b || *end != '\0' || errno == ERANGE) return std::nullopt;
  return static_cast<std::int64_t>(n);
}

std::optional<std::string_view> parse_jailsys(std::string_view v) {
  std::string l;
  for (char c : v) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l.empty() || l == "new" || l == "1") return "new";
  if (l == "disable" || l == "0") return "disable";
  if (l == "inherit" || l == "2") return "inherit";
  return std::nullopt;
}

std::string parse_ip_entry(std::string_view raw, bool v6, IpEntry& out) {
  out = {};
  out.raw = raw;
  std::string_view rest = raw;
  if (const auto bar = rest.find('|'); bar != std::string_view::npos) {
    out.interface = rest.substr(0, bar);
    rest.remove_prefix(bar + 1);
    if (out.interface.empty()) return "empty interface name before '|'";
  }
  if (const auto sp = rest.find(' '); sp != std::string_view::npos) {
    std::string_view extra = rest.substr(sp + 1);
    rest = rest.substr(0, sp);
    while (!extra.empty()) {
      const auto e = extra.find(' ');
      if (e != 0) out.extra.emplace_back(extra.substr(0, e));
      if (e == std::string_view::npos) break;
      extra.remove_prefix(e + 1);
    }
  }
  std::string_view mask;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    mask = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  out.address = rest;
  unsigned char buf[16];
  const std::string addr(v6 ? out.address.substr(0, out.address.find('%')) : out.address);
  if (inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), buf) != 1)
    return fmt::format("'{}' is not an {} address", out.address, v6 ? "IPv6" : "IPv4");
  if (!v6 && (out.address == "0.0.0.0" || out.address == "255.255.255.255"))
    return fmt::format("'{}' cannot be a jail address", out.address);
  if (mask.empty()) return {};
  if (!v6 && mask.find('.') != std::string_view::npos) {
    out.netmask = mask;
    if (inet_pton(AF_INET, std::string(mask).c_str(), buf) != 1)
      return fmt::format("'{}' is not a dotted netmask", mask);
    return {};
  }
  const auto n = parse_int(mask);
  const int max = v6 ? 128 : 32;
  if (!n || *n < 0 || *n > max || mask.find_first_not_of("0123456789") != std::string_view::npos)
    return fmt::format("'/{}' is not a prefix length (0 to {})", mask, max);
  out.prefix = static_cast<int>(*n);
  return {};
}

static_assert(sizeof(TypedParam) <= 40, "a typed parameter is the bulk of the model: keep it small");

namespace {

struct Range {
  std::string_view name;
  std::int64_t lo, hi;
};
constexpr Range k_ranges[] = {
    {"jid", 1, 999999},
    {"securelevel", -1, 3},
    {"enforce_statfs", 0, 2},
    {"devfs_ruleset", 0, 65535},
    {"children.max", 0, 999999},
    {"stop.timeout", 0, INT32_MAX},
    {"exec.timeout", 0, INT32_MAX},
    {"osreldate", 1, INT32_MAX},
    {"exec.fib", 0, 65535},
};

}  // namespace

// Checks one jail after another. A site's jails share few distinct names,
// so each spelling is looked up in the catalog once.
class TypeChecker::Impl {
 public:
  Impl(Diagnostics& d, Arena& names, std::deque<std::vector<IpEntry>>& addresses)
      : m_diags(d), m_names(names), m_addresses(addresses) {}

  JailSpec run(const ResolvedJail& jail) {
    m_jail = &jail;
    JailSpec spec;
    spec.params.reserve(jail.params.size() + jail.reserved.size());
    spec.record_name = m_jail->name;
    spec.name = m_jail->name;
    spec.location = m_jail->location;
    spec.failed = m_jail->failed;
    for (const auto* rp : m_jail->params) {
      auto tp = check(*rp);
      if (!tp) {
        spec.failed = true;
        continue;
      }
      if (tp->name() == "name" && std::holds_alternative<std::string_view>(tp->value))
        spec.name = std::get<std::string_view>(tp->value);
      if (tp->name() == "jid" && std::holds_alternative<std::int64_t>(tp->value))
        spec.jid = std::get<std::int64_t>(tp->value);
      if (std::holds_alternative<std::monostate>(tp->value)) spec.failed = true;
      spec.params.push_back(std::move(*tp));
    }
    for (const auto* rp : m_jail->reserved) {
      const ResolvedParam& p = *rp;
      if (p.name() == "jailplan.owner") {
        take_owner(p, spec);
        continue;
      }
      auto tp = check(p);
      if (!tp) continue;
      for (std::size_t i = 0; i < p.values().size(); ++i)
        if (auto why = check_rctl_rule(p.values()[i]); !why.empty()) {
          error(p.value_location(i), fmt::format("'{}' is not a resource limit: {}", p.values()[i], why))
              .detail =
              "write rctl(8) rules without the subject, one per value: "
              "$jailplan_rctl = \"memoryuse:deny=512M\", \"maxproc:deny=100\";";
          spec.failed = true;
        }
      spec.params.push_back(std::move(*tp));
    }
    return spec;
  }

 private:
  Diagnostic& error(Location l, std::string msg) { return m_diags.error(l, std::move(msg), "type"); }

  // `$jailplan_owner`: the configuration's name in jailplan's records, one
  // non-empty value (docs/jailconf-dialect.md, "Ownership")
  void take_owner(const ResolvedParam& p, JailSpec& spec) {
    if (p.values().size() != 1 || p.values()[0].empty()) {
      error(p.location(), "$jailplan_owner takes one non-empty value").detail =
          "it names the configuration in jailplan's records: $jailplan_owner = \"site-web01\";";
      spec.failed = true;
      return;
    }
    spec.owner = std::string(p.values()[0]);
    spec.owner_location = p.location();
  }

  // A catalog match. `info->name` is the canonical name: for a member of
  // a dynamic family, the entry is a copy under that name, held by the
  // compilation.
  struct Match {
    const ParamInfo* info = nullptr;
    bool negated = false;
    bool odd_no_prefix = false;
    std::string_view canonical() const { return info->name; }
  };

  // info is nullptr for an unknown name
  Match lookup(std::string_view spelled) {
    if (const auto it = m_lookups.find(spelled); it != m_lookups.end()) return it->second;
    Match m;
    if (const auto found = lookup_param(spelled)) {
      m.info = found->info;
      if (found->canonical != m.info->name) {
        ParamInfo* own = m_names.make<ParamInfo>(*found->info);
        own->name = found->canonical == spelled ? spelled : m_names.save(found->canonical);
        m.info = own;
      }
      m.negated = found->negated;
      m.odd_no_prefix = found->odd_no_prefix;
    }
    m_lookups.emplace(spelled, m);
    return m;
  }

  std::optional<TypedParam> check(const ResolvedParam& p) {
    const Match match = lookup(p.name());
    if (match.info == nullptr) {
      auto& d =
          m_diags.error(p.location(), fmt::format("unknown parameter '{}'", p.name()), "unknown-parameter");
      if (auto s = closest_match(p.name(), catalog_names())) d.detail = fmt::format("did you mean '{}'?", *s);
      return std::nullopt;
    }
    if (match.info->name == k_fstab_lines_param) {
      // set from the files when jailplan plans; jail(8) would refuse the name
      m_diags.error(p.location(), fmt::format("unknown parameter '{}'", p.name()), "unknown-parameter")
          .detail =
          "jailplan keeps the lines of the mount.fstab files under this name; name the files with "
          "mount.fstab";
      return std::nullopt;
    }
    if (match.odd_no_prefix)
      m_diags
          .warning(p.location(),
                   fmt::format("'{}' is read by jail(8) as '{}', and it is not negated", p.name(),
                               match.canonical()),
                   "no-prefix")
          .detail = "only a 'no' on the last component negates a boolean (e.g. 'mount.nodevfs')";
    TypedParam tp;
    tp.info = match.info;
    tp.source = &p;
    tp.value = convert(p, match);
    return tp;
  }

  // Scalars use the last value; earlier ones are dropped as jail(8) does.
  const std::string_view* last(const ResolvedParam& p, std::string_view what) {
    if (p.values().empty()) return nullptr;
    if (p.values().size() > 1)
      m_diags.warning(p.value_location(0),
                      fmt::format("'{}' takes one {}; jail(8) uses only the last value '{}'", p.name(), what,
                                  p.values().back()),
                      "scalar-list");
    return &p.values().back();
  }

  TypedValue convert(const ResolvedParam& p, const Match& m) {
    const std::size_t li = p.values().empty() ? 0 : p.values().size() - 1;
    switch (m.info->type) {
      case ParamType::boolean: {
        const std::string_view* v = last(p, "boolean");
        if (v == nullptr) return !m.negated;
        const auto b = parse_bool(*v);
        if (!b) {
          error(p.value_location(li), fmt::format("'{}' is not a boolean value for '{}'", *v, p.name()))
              .detail = "jail(8) accepts true, false (any case) or an integer";
          return std::monostate{};
        }
        return *b != m.negated;
      }
      case ParamType::integer:
      case ParamType::uinteger:
      case ParamType::ulong: {
        const std::string_view* v = last(p, "integer");
        if (v == nullptr) {
          error(p.location(), fmt::format("'{}' needs an integer value", p.name()));
          return std::monostate{};
        }
        const auto n = parse_int(*v);
        if (!n || (m.info->type != ParamType::integer && *n < 0)) {
          error(p.value_location(li),
                fmt::format("'{}' is not {} value for '{}'", *v,
                            m.info->type == ParamType::integer ? "an integer" : "a non-negative integer",
                            p.name()));
          return std::monostate{};
        }
        for (const auto& r : k_ranges)
          if (r.name == m.canonical() && (*n < r.lo || *n > r.hi)) {
            error(p.value_location(li),
                  fmt::format("{} is out of range for '{}' ({} to {})", *n, p.name(), r.lo, r.hi));
            return std::monostate{};
          }
        return *n;
      }
      case ParamType::string:
      case ParamType::path: {
        const std::string_view* v = last(p, "string");
        if (v == nullptr) {
          error(p.location(), fmt::format("'{}' needs a value", p.name()));
          return std::monostate{};
        }
        if (m.info->max_len > 0 && v->size() >= m.info->max_len) {
          error(p.value_location(li),
                fmt::format("the value of '{}' is {} bytes; the kernel allows at most {}", p.name(),
                            v->size(), m.info->max_len - 1));
          return std::monostate{};
        }
        if (m.info->type == ParamType::path && (v->empty() || (*v)[0] != '/')) {
          error(p.value_location(li), fmt::format("{} '{}' is not an absolute path", p.name(), *v));
          return std::monostate{};
        }
        return *v;
      }
      case ParamType::jailsys: {
        if (p.values().empty()) return std::string_view("new");
        const std::string_view v = p.values().back();
        if (auto word = parse_jailsys(v)) return std::move(*word);
        error(p.value_location(li), fmt::format("'{}' is not a valid value for '{}'", v, p.name())).detail =
            "use disable, new or inherit (or 0, 1, 2)";
        return std::monostate{};
      }
      case ParamType::list: return StringList{p.values()};
      case ParamType::ip4_list:
      case ParamType::ip6_list: return addresses(p, m.info->type == ParamType::ip6_list);
    }
    return std::monostate{};
  }

  TypedValue addresses(const ResolvedParam& p, bool v6) {
    std::vector<IpEntry> out;
    bool ok = true;
    for (std::size_t i = 0; i < p.values().size(); ++i) {
      // libjail splits the joined list at commas; "" and "-" mean no address
      std::string_view rest = p.values()[i];
      if (rest.empty() || rest == "-") continue;
      while (true) {
        const auto comma = rest.find(',');
        IpEntry e;
        const std::string err = parse_ip_entry(rest.substr(0, comma), v6, e);
        if (!err.empty()) {
          error(p.value_location(i), fmt::format("{} (in '{}' of jail '{}')", err, p.name(), m_jail->name));
          ok = false;
        } else {
          e.location = p.value_location(i);
          out.push_back(std::move(e));
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    if (!ok) return std::monostate{};
    return IpList{&m_addresses.emplace_back(std::move(out))};
  }

  Diagnostics& m_diags;
  Arena& m_names;
  std::deque<std::vector<IpEntry>>& m_addresses;
  const ResolvedJail* m_jail = nullptr;
  // Resolved names are interned (one spelling, one address), so the cache
  // is keyed by the view itself rather than by hashing its text.
  struct SameView {
    bool operator()(std::string_view a, std::string_view b) const {
      return a.data() == b.data() && a.size() == b.size();
    }
  };
  struct ViewAddress {
    std::size_t operator()(std::string_view v) const { return std::hash<const char*>()(v.data()) ^ v.size(); }
  };
  std::unordered_map<std::string_view, Match, ViewAddress, SameView> m_lookups;
};

TypeChecker::TypeChecker(Diagnostics& diags, Arena& names, std::deque<std::vector<IpEntry>>& addresses)
    : m_impl(std::make_unique<Impl>(diags, names, addresses)) {}
TypeChecker::~TypeChecker() = default;

JailSpec TypeChecker::check(const ResolvedJail& jail) {
  return m_impl->run(jail);
}

const TypedParam* JailSpec::find(std::string_view canonical) const {
  for (const auto& p : params)
    if (p.name() == canonical) return &p;
  return nullptr;
}

bool JailSpec::flag(std::string_view canonical, bool fallback) const {
  const auto* p = find(canonical);
  if (p == nullptr || !std::holds_alternative<bool>(p->value)) return fallback;
  return std::get<bool>(p->value);
}

const std::string_view* JailSpec::text(std::string_view canonical) const {
  const auto* p = find(canonical);
  if (p == nullptr || !std::holds_alternative<std::string_view>(p->value)) return nullptr;
  return &std::get<std::string_view>(p->value);
}

const std::vector<IpEntry>* JailSpec::addresses(std::string_view canonical) const {
  const auto* p = find(canonical);
  if (p == nullptr || !std::holds_alternative<IpList>(p->value)) return nullptr;
  return std::get<IpList>(p->value).entries;
}

const std::span<const std::string_view>* JailSpec::list(std::string_view canonical) const {
  const auto* p = find(canonical);
  if (p == nullptr || !std::holds_alternative<StringList>(p->value)) return nullptr;
  return &std::get<StringList>(p->value).values;
}

std::string_view TypedParam::spelled() const {
  return source->name();
}
std::span<const std::string_view> TypedParam::raw() const {
  return source->values();
}
Location TypedParam::location() const {
  return source->location();
}
Location TypedParam::value_location(std::size_t i) const {
  return source->value_location(i);
}

const JailSpec* DesiredState::find(std::string_view name) const {
  for (const auto& j : jails)
    if (j.name == name) return &j;
  return nullptr;
}

}  // namespace jailplan
