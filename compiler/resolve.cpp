#include "compiler/resolve.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "base/suggest.hpp"

namespace jailplan {

static_assert(sizeof(ResolvedParam) <= 48,
              "a resolved parameter is the bulk of a resolution: keep it packed");

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

// Every distinct spelling of a parameter or variable name gets a small
// number. jail(8) compares names with equalopts on every add; here the
// answer is computed once per pair of spellings that meet.
class NameTable {
 public:
  explicit NameTable(Arena& arena) : m_arena(arena) {}

  std::uint32_t intern(std::string_view name) {
    if (auto it = m_ids.find(name); it != m_ids.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(m_names.size());
    const std::string_view stored = m_arena.save(name);
    m_names.push_back(
        {stored, known_name(stored), equal_options(stored, "name") || equal_options(stored, "jid")});
    m_ids.emplace(stored, id);
    return id;
  }

  std::string_view name(std::uint32_t id) const { return m_names[id].name; }
  bool known(std::uint32_t id) const { return m_names[id].known; }
  bool identity(std::uint32_t id) const { return m_names[id].identity; }

  /// equal_options on the two spellings.
  bool equivalent(std::uint32_t a, std::uint32_t b) {
    if (a == b) return true;
    if (a >= k_cached || b >= k_cached) return equal_options(m_names[a].name, m_names[b].name);
    auto& slot = m_equal[a * k_cached + b];
    if (slot == 0) slot = equal_options(m_names[a].name, m_names[b].name) ? 2 : 1;
    return slot == 2;
  }

 private:
  static constexpr std::uint32_t k_cached = 128;
  struct Entry {
    std::string_view name;
    bool known;
    bool identity;  // a spelling of `name` or `jid`
  };
  Arena& m_arena;
  std::unordered_map<std::string_view, std::uint32_t> m_ids;
  std::vector<Entry> m_names;
  std::vector<std::uint8_t> m_equal = std::vector<std::uint8_t>(k_cached * k_cached);
};

struct VarRef {
  std::uint32_t id;   // the variable's name
  std::uint32_t pos;  // where its value goes in the literal text
  Location location;
};

// One value as written: the literal text with variables at positions.
struct TemplateWord {
  std::string_view text;
  std::span<const VarRef> vars;
  Location location;
};

// One parameter statement, compiled once: a wildcard's statements are
// added to every jail it matches.
struct Template {
  std::uint32_t id = 0;
  bool is_var = false;
  bool append = false;
  bool has_vars = false;
  Location location;
  std::span<const TemplateWord> words;
  // what this statement resolves to when nothing modifies it, by the
  // immutable flag; built on first use
  const ResolvedParam* shared[2] = {nullptr, nullptr};
};

class TemplateCompiler {
 public:
  explicit TemplateCompiler(NameTable& names) : m_names(names) {}

  std::span<Template> compile(const std::vector<ast::FlatParam>& params, Arena& into) {
    auto out = into.array<Template>(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) compile(params[i], out[i], into);
    return out;
  }

 private:
  void compile(const ast::FlatParam& p, Template& t, Arena& into) {
    t.id = m_names.intern(p.name);
    t.is_var = p.is_variable;
    t.append = p.append;
    t.location = p.location;
    auto words = into.array<TemplateWord>(p.words.size());
    for (std::size_t i = 0; i < p.words.size(); ++i) {
      const ast::FlatWord& w = p.words[i];
      TemplateWord& tw = words[i];
      tw.text = w.text;  // the record's store outlives its resolution
      tw.location = w.location;
      if (w.vars.empty()) continue;
      auto vars = into.array<VarRef>(w.vars.size());
      for (std::size_t k = 0; k < w.vars.size(); ++k)
        vars[k] = {m_names.intern(w.vars[k].name), w.vars[k].pos, w.vars[k].location};
      tw.vars = vars;
      t.has_vars = true;
    }
    t.words = words;
  }

  NameTable& m_names;
};

// One value while a jail is resolved. It is the template's text until a
// variable is substituted, then its own buffer.
struct WValue {
  std::string_view literal;  // the template's text
  std::span<const VarRef> vars;
  std::uint32_t next = 0;    // variables done
  std::uint32_t shift = 0;   // bytes inserted before the next variable's position
  bool substituted = false;  // the value is in buf
  Location location;
  std::string buf;

  bool pending() const { return next < vars.size(); }
  std::string_view text() const { return substituted ? std::string_view(buf) : literal; }
};

struct WParam {
  std::uint32_t id = 0;
  Location location;
  bool is_var = false;
  bool immutable = false;
  bool bad = false;
  unsigned gen = 0;
  Template* whole = nullptr;  // the values are exactly this template's
  std::vector<WValue> val;    // a pool: the first `count` are live
  std::size_t count = 0;

  std::span<WValue> values() { return {val.data(), count}; }
  std::span<const WValue> values() const { return {val.data(), count}; }
  void push(std::string_view text, std::span<const VarRef> vars, Location loc) {
    if (count == val.size()) val.emplace_back();
    WValue& v = val[count++];
    v.literal = text;
    v.vars = vars;
    v.next = 0;
    v.shift = 0;
    v.substituted = false;
    v.location = loc;
  }
};

bool numeric_name(const std::string& name) {
  // strtol(3) parses it completely and it is non-zero
  if (name.empty()) return false;
  char* end = nullptr;
  const long v = std::strtol(name.c_str(), &end, 10);
  return v != 0 && *end == '\0';
}

// Resolves one jail after another, reusing its working storage, so a
// jail costs no allocation once the pools have grown.
class JailResolver {
 public:
  JailResolver(NameTable& names, Arena& out, Diagnostics& diags)
      : m_names(names),
        m_out(out),
        m_diags(diags),
        m_name_id(names.intern("name")),
        m_jid_id(names.intern("jid")),
        m_rctl_id(names.intern("jailplan_rctl")),
        m_owner_id(names.intern("jailplan_owner")) {}

  void begin(ResolvedJail& jail) {
    m_jail = &jail;
    m_count = 0;
  }

  void add_identity(const std::string& name, bool jid, Location loc) {
    WParam& p = fresh(jid ? m_jid_id : m_name_id, loc);
    p.push(name, {}, loc);
    p.immutable = true;
  }

  void add(Template& src) {
    WParam* dp = nullptr;
    for (std::size_t i = 0; i < m_count; ++i)
      if (m_names.equivalent(m_params[i].id, src.id)) {
        dp = &m_params[i];
        break;
      }
    if (dp != nullptr) {
      if (dp->is_var != src.is_var) {
        clash(src);
        return;
      }
      if (dp->immutable) {
        const auto stored = m_names.name(dp->id);
        fail(src.location, fmt::format("cannot redefine parameter '{}' of jail '{}'", stored, m_jail->name))
            .detail = stored == "name"
                          ? "a jail's name comes from its block; only a numeric block may set 'name'"
                          : "'jid' and 'name' can be set only once";
        return;
      }
      dp->id = src.id;  // the later spelling is kept
      if (!src.append || src.words.empty()) dp->count = 0;
      dp->whole = dp->count == 0 ? &src : nullptr;
      push_words(*dp, src);
      dp->location = src.location;
      return;
    }
    WParam& np = fresh(src.id, src.location);
    np.is_var = src.is_var;
    np.immutable = m_names.identity(src.id);
    np.whole = &src;
    push_words(np, src);
    if (m_names.known(src.id) && src.is_var) clash(src);
  }

  void backfill_name(const std::string& record_name, Location loc) {
    for (std::size_t i = 0; i < m_count; ++i)
      if (!m_params[i].is_var && m_names.equivalent(m_params[i].id, m_name_id)) return;
    WParam& p = fresh(m_name_id, loc);
    p.push(record_name, {}, loc);
    p.immutable = true;
  }

  void substitute();

  // Moves the jail's parameters into the arena.
  void finish() {
    m_list.clear();
    m_reserved.clear();
    for (std::size_t i = 0; i < m_count; ++i) {
      WParam& p = m_params[i];
      const char* reserved = !p.is_var            ? nullptr
                             : p.id == m_rctl_id  ? "jailplan.rctl"
                             : p.id == m_owner_id ? "jailplan.owner"
                                                  : nullptr;
      if (p.is_var && reserved == nullptr) continue;
      if (reserved != nullptr)
        m_reserved.push_back(build(p, reserved));
      else if (p.whole != nullptr && !p.whole->has_vars)
        m_list.push_back(shared(*p.whole, p.immutable));
      else
        m_list.push_back(build(p, m_names.name(p.id)));
    }
    m_jail->params = m_out.copy(std::span<const ResolvedParam* const>(m_list));
    m_jail->reserved = m_out.copy(std::span<const ResolvedParam* const>(m_reserved));
  }

 private:
  WParam& fresh(std::uint32_t id, Location loc) {
    if (m_count == m_params.size()) m_params.emplace_back();
    WParam& p = m_params[m_count++];
    p.id = id;
    p.location = loc;
    p.is_var = p.immutable = p.bad = false;
    p.gen = 0;
    p.whole = nullptr;
    p.count = 0;
    return p;
  }

  static void push_words(WParam& p, const Template& t) {
    for (const auto& w : t.words) p.push(w.text, w.vars, w.location);
  }

  // A ResolvedParam in the arena with copies of the values' text (text
  // that is a slice of a source file is not copied: sources outlive it).
  template <typename Value>
  const ResolvedParam* emit(std::string_view name, std::span<const Value> from, Location location,
                            bool immutable) {
    auto values = m_out.array<std::string_view>(from.size());
    const bool mixed = std::any_of(from.begin(), from.end(),
                                   [&](const Value& v) { return v.location.file != location.file; });
    const std::size_t n = from.size();
    const std::size_t bytes = n * sizeof(std::uint32_t);
    const std::size_t files_at = (bytes + alignof(void*) - 1) & ~(alignof(void*) - 1);
    auto* offsets = static_cast<std::uint32_t*>(m_out.allocate(
        std::max<std::size_t>(mixed ? files_at + n * sizeof(void*) : bytes, 1), alignof(void*)));
    // where ResolvedParam::files_after finds them (`offsets` is pointer-aligned)
    auto* files =
        mixed ? reinterpret_cast<const SourceFile**>(reinterpret_cast<char*>(offsets) + files_at) : nullptr;
    for (std::size_t k = 0; k < n; ++k) {
      const std::string_view text = text_of(from[k]);
      values[k] = in_source(text, from[k].location) ? text : m_out.save(text);
      offsets[k] = from[k].location.offset;
      if (files != nullptr) files[k] = from[k].location.file;
    }
    return m_out.make<ResolvedParam>(name, values, offsets, mixed, location, immutable);
  }
  static bool in_source(std::string_view text, Location at) {
    if (at.file == nullptr || text.empty()) return false;
    const std::string_view src = at.file->text();
    return text.data() >= src.data() && text.data() + text.size() <= src.data() + src.size();
  }
  static std::string_view text_of(const WValue& v) { return v.text(); }
  static std::string_view text_of(const TemplateWord& w) { return w.text; }

  const ResolvedParam* build(const WParam& p, std::string_view name) {
    return emit(name, p.values(), p.location, p.immutable);
  }

  const ResolvedParam* shared(Template& t, bool immutable) {
    const ResolvedParam*& slot = t.shared[immutable ? 1 : 0];
    if (slot == nullptr) slot = emit(m_names.name(t.id), t.words, t.location, immutable);
    return slot;
  }

  Diagnostic& fail(Location loc, std::string msg) {
    m_jail->failed = true;
    return m_diags.error(loc, std::move(msg), "resolve");
  }

  void clash(const Template& src) {
    const auto name = m_names.name(src.id);
    fail(src.location, fmt::format("variable '${}' cannot have the same name as a parameter", name)).detail =
        fmt::format(
            "jail(8) treats '${}' and a parameter '{}' (or its 'no' form) as one "
            "name; rename the variable",
            name, name);
  }

  std::size_t find_exact(std::uint32_t id) const {
    for (std::size_t i = 0; i < m_count; ++i)
      if (m_params[i].id == id) return i;
    return m_count;
  }

  void not_found(const WParam& p, const VarRef& v, bool empty) {
    std::vector<std::string_view> names;
    for (std::size_t i = 0; i < m_count; ++i) names.push_back(m_names.name(m_params[i].id));
    const auto var = m_names.name(v.id);
    const auto param = m_names.name(p.id);
    auto& d =
        fail(v.location, empty ? fmt::format("'{}' has no value to substitute (in '{}' of jail '{}')", var,
                                             param, m_jail->name)
                               : fmt::format("variable '{}' is not defined for jail '{}' (used in '{}')", var,
                                             m_jail->name, param));
    if (!empty)
      if (auto s = closest_match(var, names)) d.detail = fmt::format("did you mean '{}'?", *s);
  }

  // A whole-word reference to a list: the word took the first value, and
  // the others follow it as values of their own (config.c load_config in
  // FreeBSD 15; older jail(8) dies with SIGSEGV here, hence the warning).
  void expand_whole(std::size_t p, std::size_t si, std::size_t vi, const VarRef& v) {
    WParam& dst = m_params[p];
    const auto vals = m_params[vi].values();  // vi != p: a self-reference is a loop
    m_diags
        .warning(v.location,
                 fmt::format("'{}' has {} values and is substituted as all of them (in '{}' of jail '{}')",
                             m_names.name(v.id), vals.size(), m_names.name(dst.id), m_jail->name),
                 "resolve")
        .detail =
        "FreeBSD 15's jail(8) does the same; older jail(8) crashes (SIGSEGV) on it: write the values out "
        "for a configuration older hosts also read";
    const Location at = dst.val[si].location;
    const std::size_t old_count = dst.count;
    for (std::size_t k = 1; k < vals.size(); ++k) {
      dst.push({}, {}, at);
      // copied: the referenced parameter may still be moved (and a short
      // string's text moves with it)
      WValue& added = dst.val[dst.count - 1];
      added.buf.assign(vals[k].text());
      added.substituted = true;
    }
    std::rotate(dst.val.begin() + static_cast<long>(si) + 1, dst.val.begin() + static_cast<long>(old_count),
                dst.val.begin() + static_cast<long>(dst.count));
  }

  NameTable& m_names;
  Arena& m_out;
  Diagnostics& m_diags;
  const std::uint32_t m_name_id, m_jid_id, m_rctl_id, m_owner_id;
  ResolvedJail* m_jail = nullptr;
  std::vector<WParam> m_params;  // a pool: the first m_count are this jail's
  std::size_t m_count = 0;
  std::vector<const ResolvedParam*> m_list, m_reserved;
};

// Late-binding substitution over the merged list (config.c load_config):
// a referenced parameter that still has references is moved just before
// the referencing one and resolved first; a cycle poisons the chain.
void JailResolver::substitute() {
  unsigned pgen = 0;
  for (std::size_t i = 0; i < m_count; ++i) {
    std::size_t p = i;
    m_params[p].gen = ++pgen;
  find_vars:
    for (std::size_t si = 0; si < m_params[p].count; ++si) {
      while (m_params[p].val[si].pending()) {
        WValue& s = m_params[p].val[si];
        const VarRef& v = s.vars[s.next];
        const std::size_t vi = find_exact(v.id);
        bool bad = false;
        if (vi == m_count || m_params[vi].count == 0) {
          not_found(m_params[p], v, vi != m_count);
          bad = true;
        } else if (m_params[vi].bad) {
          m_jail->failed = true;
          bad = true;
        } else if (m_params[vi].gen == pgen) {
          fail(v.location,
               fmt::format("variable loop through '{}' in jail '{}'", m_names.name(v.id), m_jail->name));
          bad = true;
        } else {
          const auto vals = m_params[vi].values();
          const bool unresolved =
              std::any_of(vals.begin(), vals.end(), [](const WValue& x) { return x.pending(); });
          if (unresolved) {
            m_params[vi].gen = pgen;
            // move the referenced parameter just before the referencing one
            // (everything before p is fully resolved, so vi > p here)
            if (vi < p) throw std::logic_error("variable reorder went backwards [this is a bug]");
            std::rotate(m_params.begin() + static_cast<long>(p), m_params.begin() + static_cast<long>(vi),
                        m_params.begin() + static_cast<long>(vi) + 1);
            goto find_vars;  // resolve the moved parameter first, as jail(8) does
          }
          if (vals.size() > 1 && (!s.text().empty() || s.vars.size() - s.next > 1)) {
            fail(v.location,
                 fmt::format("'{}' has {} values and cannot be substituted inside a longer "
                             "string (in '{}' of jail '{}')",
                             m_names.name(v.id), vals.size(), m_names.name(m_params[p].id), m_jail->name));
            bad = true;
          } else {
            const std::string_view text = vals.front().text();
            if (!s.substituted) {
              s.buf.assign(s.literal);
              s.substituted = true;
            }
            s.buf.insert(v.pos + s.shift, text);
            s.shift += static_cast<std::uint32_t>(text.size());
            if (vals.size() > 1) expand_whole(p, si, vi, v);  // `s` is stale from here
          }
        }
        if (bad) {
          for (std::size_t k = 0; k < m_count; ++k)
            if (m_params[k].gen == pgen) m_params[k].bad = true;
        }
        ++m_params[p].val[si].next;
      }
    }
  }
}

}  // namespace

const ResolvedParam* ResolvedJail::find(std::string_view exact) const {
  for (const auto* p : params)
    if (p->name() == exact) return p;
  return nullptr;
}

Resolution resolve(const std::vector<Record>& records,
                   const std::function<void(std::size_t record)>& resolved) {
  Resolution out;
  NameTable names(out.arena);
  TemplateCompiler compiler(names);
  // wildcard records are added to many jails: compile them once; a jail's
  // own statements are compiled into scratch space reused for the next jail
  Arena wild_space, own_space;
  std::vector<std::size_t> wild;
  std::vector<std::span<Template>> compiled(records.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records[i].wildcard) {
      wild.push_back(i);
      compiled[i] = compiler.compile(records[i].params, wild_space);
    }

  std::size_t jails = 0;
  for (const auto& r : records) jails += r.wildcard ? 0U : 1U;
  out.jails.reserve(jails);
  JailResolver jr(names, out.arena, out.diagnostics);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (r.wildcard) continue;
    ResolvedJail& jail = out.jails.emplace_back();
    jail.name = r.name;
    jail.location = r.location;
    own_space.reset();
    const auto own = compiler.compile(r.params, own_space);
    jr.begin(jail);
    jr.add_identity(r.name, numeric_name(r.name), r.location);
    bool did_self = false;
    for (std::size_t w : wild) {
      if (i < w && !did_self) {
        for (auto& t : own) jr.add(t);
        did_self = true;
      }
      if (wildcard_matches(r.name, records[w].name))
        for (auto& t : compiled[w]) jr.add(t);
    }
    if (!did_self)
      for (auto& t : own) jr.add(t);
    jr.backfill_name(r.name, r.location);
    jr.substitute();
    jr.finish();
    if (resolved) resolved(i);
  }
  return out;
}

}  // namespace jailplan
