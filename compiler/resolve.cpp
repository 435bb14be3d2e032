#include "compiler/resolve.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "grammar/suggest.hpp"

namespace jailplan {

bool equal_options(std::string_view a, std::string_view b) {
  auto strip_no_equal = [](std::string_view x, std::string_view y) {
    return x.size() >= 2 && x[0] == 'n' && x[1] == 'o' && x.substr(2) == y;
  };
  if (a == b) return true;
  if (strip_no_equal(a, b) || strip_no_equal(b, a)) return true;
  while (true) {
    const auto dot = a.find('.');
    if (dot == std::string_view::npos) return false;
    if (b.size() < dot + 1 || a.substr(0, dot + 1) != b.substr(0, dot + 1)) return false;
    a.remove_prefix(dot + 1);
    b.remove_prefix(dot + 1);
    if (strip_no_equal(a, b) || strip_no_equal(b, a)) return true;
  }
}

namespace {

// jail(8)'s intparams names (config.c), in table order.
constexpr std::string_view k_known[] = {"allow.dying",
                                        "command",
                                        "depend",
                                        "exec.clean",
                                        "exec.consolelog",
                                        "exec.fib",
                                        "exec.jail_user",
                                        "exec.poststart",
                                        "exec.poststop",
                                        "exec.prepare",
                                        "exec.prestart",
                                        "exec.prestop",
                                        "exec.release",
                                        "exec.created",
                                        "exec.start",
                                        "exec.stop",
                                        "exec.system_jail_user",
                                        "exec.system_user",
                                        "exec.timeout",
                                        "interface",
                                        "ip_hostname",
                                        "mount",
                                        "mount.devfs",
                                        "mount.fdescfs",
                                        "mount.procfs",
                                        "mount.fstab",
                                        "stop.timeout",
                                        "vnet.interface",
                                        "zfs.dataset",
                                        "allow.chflags",
                                        "allow.mount",
                                        "allow.raw_sockets",
                                        "allow.set_hostname",
                                        "allow.socket_af",
                                        "allow.sysvipc",
                                        "devfs_ruleset",
                                        "host.hostname",
                                        "ip4.addr",
                                        "ip6.addr",
                                        "jid",
                                        "name",
                                        "path",
                                        "persist",
                                        "securelevel",
                                        "vnet"};

bool known_name(std::string_view name) {
  return std::any_of(std::begin(k_known), std::end(k_known),
                     [&](std::string_view k) { return equal_options(name, k); });
}

struct VarRef {
  std::string name;
  std::size_t pos;
  Location location;
};

struct WString {
  std::string s;
  std::vector<VarRef> vars;  // in position order
  Location location;
};

struct WParam {
  std::string name;
  std::vector<WString> val;
  Location location;
  bool is_var = false;
  bool immutable = false;
  bool bad = false;
  unsigned gen = 0;
};

WString to_wstring(const ast::Word& w) {
  WString out;
  out.location = w.location;
  for (const auto& p : w.pieces) {
    if (p.kind == ast::PieceKind::literal)
      out.s += p.text;
    else
      out.vars.push_back({p.text, out.s.size(), p.location});
  }
  return out;
}

bool numeric_name(const std::string& name) {
  // strtol(3) parses it completely and it is non-zero
  if (name.empty()) return false;
  char* end = nullptr;
  const long v = std::strtol(name.c_str(), &end, 10);
  return v != 0 && *end == '\0';
}

class JailResolver {
 public:
  JailResolver(ResolvedJail& jail, Diagnostics& diags) : m_jail(jail), m_diags(diags) {}

  void add_identity(const std::string& name, bool jid, Location loc) {
    WParam p;
    p.name = jid ? "jid" : "name";
    p.val.push_back({name, {}, loc});
    p.location = loc;
    p.immutable = true;
    m_params.push_back(std::move(p));
  }

  void add(const ast::Param& src) {
    const bool append = src.op == ast::Op::append;
    std::vector<WString> nss;
    nss.reserve(src.values.size());
    for (const auto& w : src.values) nss.push_back(to_wstring(w));

    WParam* dp = nullptr;
    for (auto& q : m_params) {
      if (equal_options(q.name, src.name)) {
        dp = &q;
        break;
      }
    }
    if (dp != nullptr) {
      if (dp->is_var != src.is_variable) {
        clash(src);
        return;
      }
      if (dp->immutable) {
        fail(src.location, fmt::format("cannot redefine parameter '{}' of jail '{}'", dp->name, m_jail.name))
            .detail = dp->name == "name"
                          ? "a jail's name comes from its block; only a numeric block may set 'name'"
                          : "'jid' and 'name' can be set only once";
        return;
      }
      if (dp->name != src.name) dp->name = src.name;
      if (!append || nss.empty()) dp->val.clear();
      for (auto& s : nss) dp->val.push_back(std::move(s));
      dp->location = src.location;
      return;
    }
    WParam np;
    np.name = src.name;
    np.val = std::move(nss);
    np.location = src.location;
    np.is_var = src.is_variable;
    const bool known = known_name(src.name);
    if (equal_options(src.name, "name") || equal_options(src.name, "jid")) np.immutable = true;
    m_params.push_back(std::move(np));
    if (known && src.is_variable) clash(src);
  }

  void backfill_name(const std::string& record_name, Location loc) {
    for (const auto& p : m_params)
      if (!p.is_var && equal_options(p.name, "name")) return;
    WParam p;
    p.name = "name";
    p.val.push_back({record_name, {}, loc});
    p.location = loc;
    p.immutable = true;
    m_params.push_back(std::move(p));
  }

  void substitute();

  void finish() {
    for (auto& p : m_params) {
      const bool reserved = p.is_var && p.name == "jailplan_rctl";
      if (p.is_var && !reserved) continue;
      ResolvedParam r;
      r.name = std::move(p.name);
      r.location = p.location;
      r.immutable = p.immutable;
      r.values.reserve(p.val.size());
      for (auto& s : p.val) {
        r.values.push_back(std::move(s.s));
        r.value_locations.push_back(s.location);
      }
      if (reserved) {
        r.name = "jailplan.rctl";
        m_jail.reserved.push_back(std::move(r));
        continue;
      }
      m_jail.params.push_back(std::move(r));
    }
  }

 private:
  Diagnostic& fail(Location loc, std::string msg) {
    m_jail.failed = true;
    return m_diags.error(loc, std::move(msg), "resolve");
  }

  void clash(const ast::Param& src) {
    fail(src.location, fmt::format("variable '${}' cannot have the same name as a parameter", src.name))
        .detail = fmt::format(
        "jail(8) treats '${}' and a parameter '{}' (or its 'no' form) as one "
        "name; rename the variable",
        src.name, src.name);
  }

  std::size_t find_exact(std::string_view name) const {
    for (std::size_t i = 0; i < m_params.size(); ++i)
      if (m_params[i].name == name) return i;
    return m_params.size();
  }

  void not_found(const WParam& p, const VarRef& v, bool empty) {
    std::vector<std::string_view> names;
    for (const auto& q : m_params) names.push_back(q.name);
    auto& d =
        fail(v.location, empty ? fmt::format("'{}' has no value to substitute (in '{}' of jail '{}')", v.name,
                                             p.name, m_jail.name)
                               : fmt::format("variable '{}' is not defined for jail '{}' (used in '{}')",
                                             v.name, m_jail.name, p.name));
    if (!empty)
      if (auto s = closest_match(v.name, names)) d.detail = fmt::format("did you mean '{}'?", *s);
  }

  ResolvedJail& m_jail;
  Diagnostics& m_diags;
  std::vector<WParam> m_params;
};

// Late-binding substitution over the merged list (config.c load_config):
// a referenced parameter that still has references is moved just before
// the referencing one and resolved first; a cycle poisons the chain.
void JailResolver::substitute() {
  unsigned pgen = 0;
  for (std::size_t i = 0; i < m_params.size(); ++i) {
    std::size_t p = i;
    m_params[p].gen = ++pgen;
  find_vars:
    for (std::size_t si = 0; si < m_params[p].val.size(); ++si) {
      while (!m_params[p].val[si].vars.empty()) {
        WString& s = m_params[p].val[si];
        const VarRef v = s.vars.front();
        const std::size_t vi = find_exact(v.name);
        bool bad = false;
        if (vi == m_params.size() || m_params[vi].val.empty()) {
          not_found(m_params[p], v, vi != m_params.size());
          bad = true;
        } else if (m_params[vi].bad) {
          m_jail.failed = true;
          bad = true;
        } else if (m_params[vi].gen == pgen) {
          fail(v.location, fmt::format("variable loop through '{}' in jail '{}'", v.name, m_jail.name));
          bad = true;
        } else {
          const bool unresolved = std::any_of(m_params[vi].val.begin(), m_params[vi].val.end(),
                                              [](const WString& x) { return !x.vars.empty(); });
          if (unresolved) {
            m_params[vi].gen = pgen;
            // move the referenced parameter just before the referencing one
            // (everything before p is fully resolved, so vi > p here)
            if (vi < p) throw std::logic_error("variable reorder went backwards [this is a bug]");
            std::rotate(m_params.begin() + static_cast<long>(p), m_params.begin() + static_cast<long>(vi),
                        m_params.begin() + static_cast<long>(vi) + 1);
            goto find_vars;  // resolve the moved parameter first, as jail(8) does
          }
          const WParam& vp = m_params[vi];
          if (vp.val.size() > 1 && (!s.s.empty() || s.vars.size() > 1)) {
            fail(v.location, fmt::format("'{}' has {} values and cannot be substituted inside a longer "
                                         "string (in '{}' of jail '{}')",
                                         v.name, vp.val.size(), m_params[p].name, m_jail.name));
            bad = true;
          } else if (vp.val.size() > 1) {
            fail(v.location, fmt::format("'{}' has {} values and cannot be substituted as a whole "
                                         "value (in '{}' of jail '{}')",
                                         v.name, vp.val.size(), m_params[p].name, m_jail.name))
                .detail = "jail(8) crashes (SIGSEGV) on this; write the values out or use '+='";
            bad = true;
          } else {
            const std::string& text = vp.val.front().s;
            s.s.insert(v.pos, text);
            for (std::size_t k = 1; k < s.vars.size(); ++k) s.vars[k].pos += text.size();
          }
        }
        if (bad) {
          for (auto& q : m_params)
            if (q.gen == pgen) q.bad = true;
        }
        m_params[p].val[si].vars.erase(m_params[p].val[si].vars.begin());
      }
    }
  }
}

}  // namespace

bool is_jail8_known_name(std::string_view name) {
  return known_name(name);
}

const ResolvedParam* ResolvedJail::find(std::string_view exact) const {
  for (const auto& p : params)
    if (p.name == exact) return &p;
  return nullptr;
}

Resolution resolve(const std::vector<Record>& records) {
  Resolution out;
  std::vector<std::size_t> wild;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records[i].wildcard) wild.push_back(i);

  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (r.wildcard) continue;
    ResolvedJail jail;
    jail.name = r.name;
    jail.location = r.location;
    JailResolver jr(jail, out.diagnostics);
    jr.add_identity(r.name, numeric_name(r.name), r.location);
    bool did_self = false;
    for (std::size_t w : wild) {
      if (i < w && !did_self) {
        for (const auto* p : r.params) jr.add(*p);
        did_self = true;
      }
      if (wildcard_matches(r.name, records[w].name))
        for (const auto* p : records[w].params) jr.add(*p);
    }
    if (!did_self)
      for (const auto* p : r.params) jr.add(*p);
    jr.backfill_name(r.name, r.location);
    jr.substitute();
    jr.finish();
    out.jails.push_back(std::move(jail));
  }
  return out;
}

}  // namespace jailplan
