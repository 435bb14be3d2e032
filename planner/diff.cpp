#include "planner/diff.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "compiler/fstab.hpp"

namespace jailplan {

namespace {

int rank(Effect e) {
  return static_cast<int>(e);  // declared from least to most disruptive
}

// Observed values that need the kernel's normal form before comparing.
bool needs_kernel_form(const ParamInfo& info) {
  return info.type == ParamType::ip4_list || info.type == ParamType::ip6_list ||
         info.type == ParamType::path ||
         (info.type == ParamType::jailsys && (info.name == "ip4" || info.name == "ip6"));
}

void keys(const CanonSpec& spec, std::vector<NameKey>& out) {
  out.clear();
  for (const auto& p : spec) out.emplace_back(p.name);
}

class Differ {
 public:
  Differ(const JailSpec& d, const ObservedJail& o, const std::vector<const JailSpec*>& ancestors,
         DiffScratch& s)
      : m_desired(d), m_observed(o), m_ancestors(ancestors), m_s(s) {
    m_record = o.own_record();
    if (m_record == nullptr && o.applied)
      m_out.note = fmt::format(
          "the record is for jid {}, but the running jail has jid {}: it was re-created "
          "outside jailplan",
          *o.applied->jid, o.jid);
    m_out.recorded = m_record != nullptr;
  }

  // A merge walk over three name-sorted sequences: the spec, the record and
  // what the kernel reports (an absent parameter can differ from its
  // default). Names compare by an 8-byte big-endian prefix first: most
  // differ there, and the walk is the planner's hottest loop.
  JailDiff run() {
    auto& spec = m_s.spec;
    spec.clear();
    for (const auto& p : m_desired.params)
      if (!std::holds_alternative<std::monostate>(p.value)) spec.push_back({NameKey(p.name()), &p});
    std::sort(spec.begin(), spec.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    static const CanonSpec k_empty;
    const CanonSpec& rec = m_record != nullptr ? m_record->params : k_empty;
    const CanonSpec& obs = m_observed.params;
    keys(rec, m_s.rec_keys);
    keys(obs, m_s.obs_keys);
    std::size_t i = 0, k = 0, m = 0;
    while (i < spec.size() || k < rec.size() || m < obs.size()) {
      const NameKey* name = nullptr;
      if (i < spec.size()) name = &spec[i].first;
      if (k < rec.size() && (name == nullptr || m_s.rec_keys[k] < *name)) name = &m_s.rec_keys[k];
      if (m < obs.size() && (name == nullptr || m_s.obs_keys[m] < *name)) name = &m_s.obs_keys[m];
      const NameKey key = *name;
      const TypedParam* tp = i < spec.size() && spec[i].first == key ? spec[i++].second : nullptr;
      const CanonParam* rp = k < rec.size() && m_s.rec_keys[k] == key ? &rec[k++] : nullptr;
      const CanonParam* op = m < obs.size() && m_s.obs_keys[m] == key ? &obs[m++] : nullptr;
      compare(key.name, tp, rp, op);
    }
    address_modes();
    persist_dropped();
    if (m_desired.jid && *m_desired.jid != m_observed.jid)
      add({"jid",
           std::vector<std::string>{std::to_string(m_observed.jid)},
           std::vector<std::string>{std::to_string(*m_desired.jid)},
           Effect::replace,
           false,
           false,
           location_of("jid"),
           {}});
    return std::move(m_out);
  }

 private:
  // kern_jail_set takes a new address list in place only from a jail
  // restricted to its own list: an `ip4 = inherit` jail or a vnet jail
  // refuses any (`ip4 cannot be changed after creation`, `vnet jails cannot
  // have IP address restrictions`), so giving it addresses re-creates it
  void address_modes() {
    const auto reported = [this](std::string_view name) -> std::string_view {
      const CanonParam* p = find_param(m_observed.params, name);
      return p != nullptr && !p->values.empty() ? std::string_view(p->values.back()) : std::string_view();
    };
    const bool vnet = reported("vnet") == "new";
    for (auto& c : m_out.changes) {
      if (c.effect != Effect::update || (c.name != "ip4.addr" && c.name != "ip6.addr")) continue;
      if (!vnet && reported(c.name == "ip4.addr" ? "ip4" : "ip6") != "inherit") continue;
      if (!c.after || c.after->empty()) continue;
      c.effect = Effect::replace;
      raise_worst(c);
    }
  }

  // Without persist a jail lives only while processes run in it, and the
  // kernel removes one that has none at once. Dropping persist from a jail
  // whose start ran no command (its record has no exec.start or command),
  // or together with new start-time settings, needs a start that runs them:
  // a restart, not a `jail -m nopersist` that would end the jail.
  void persist_dropped() {
    const auto dropped = std::find_if(m_out.changes.begin(), m_out.changes.end(), [](const ParamChange& c) {
      return c.name == "persist" && c.after && c.after->size() == 1 && (*c.after)[0] == "false";
    });
    if (dropped == m_out.changes.end() || m_record == nullptr) return;
    const auto ran = [this](std::string_view name) {
      const CanonParam* p = find_param(m_record->params, name);
      return p != nullptr &&
             std::any_of(p->values.begin(), p->values.end(), [](const auto& v) { return !v.empty(); });
    };
    bool restart = !ran("exec.start") && !ran("command");
    for (auto& c : m_out.changes)
      if (c.effect == Effect::next_start) {
        c.effect = Effect::restart;
        restart = true;
      }
    if (!restart) return;
    dropped->effect = Effect::restart;
    raise_worst(*dropped);
  }

  Location location_of(std::string_view name) const {
    const auto* p = m_desired.find(name);
    return p != nullptr ? p->location() : Location{};
  }

  // The jail's worst effect so far, and the first parameter that has it.
  void raise_worst(const ParamChange& c) {
    if (rank(c.effect) <= rank(m_out.worst)) return;
    m_out.worst = c.effect;
    m_out.worst_param = c.name;
  }

  void add(ParamChange c) {
    raise_worst(c);
    m_out.changes.push_back(std::move(c));
  }

  void compare(std::string_view name, const TypedParam* tp, const CanonParam* rp, const CanonParam* op) {
    const ParamInfo* info = tp != nullptr ? tp->info : find_info(name);
    if (info == nullptr || info->mutability == Mutability::read_only ||
        info->mutability == Mutability::identity)
      return;
    bool kernel_differs = false;
    if (in_kernel(*info) && tp == nullptr && rp != nullptr && !compared_when_absent(*info))
      kernel_differs = compare_removed(*info, name, op);
    else if (in_kernel(*info))
      kernel_differs = compare_kernel(*info, name, tp, op);
    if (info->where != ParamWhere::kernel && !kernel_differs && m_record != nullptr)
      compare_recorded(*info, name, tp, rp);
  }

  // Returns true when the kernel's value differs from the spec's.
  bool compare_kernel(const ParamInfo& info, std::string_view name, const TypedParam* tp,
                      const CanonParam* op) {
    auto& want = m_s.want;
    // the common case, a value in the form the kernel reports it, compares
    // without building anything
    if (tp != nullptr && op != nullptr && !needs_kernel_form(info) && typed_equals(*tp, op->values)) {
      if (info.where == ParamWhere::kernel || m_record == nullptr) ++m_out.unchanged;
      return false;
    }
    if (tp != nullptr) {
      kernel_values_into(*tp, want);
      // `ip4 = inherit` with addresses: the addresses restrict the jail,
      // which the kernel then reports as disable (kern_jail_set)
      if ((name == "ip4" || name == "ip6") && want.size() == 1 && want[0] == "inherit")
        if (const auto* own = m_desired.addresses(name == "ip4" ? "ip4.addr" : "ip6.addr");
            own && !own->empty())
          want[0] = "disable";
    } else if (auto d = absent_default(info, name, m_ancestors)) {
      want.resize(1);
      want[0] = std::move(*d);
    } else {
      return false;  // create-only and absent: jail(8) compares only what is written
    }
    if (op == nullptr) {
      // the observer did not report it: a change only if the spec asks for
      // something other than the default
      if (tp == nullptr) return false;
      if (!info.default_value.empty() && want.size() == 1 && want[0] == info.default_value) return false;
      add({std::string(name),
           std::nullopt,
           want,
           kernel_effect(info),
           true,
           is_list_type(info.type),
           location_of(name),
           {}});
      return true;
    }
    const std::vector<std::string>* have = &op->values;
    if (needs_kernel_form(info)) {
      m_s.have = op->values;
      to_kernel_form(info, m_s.have);
      have = &m_s.have;
    }
    if (*have == want) {
      // a pseudo+kernel parameter is counted once, by its record comparison
      if (info.where == ParamWhere::kernel || m_record == nullptr) ++m_out.unchanged;
      return false;
    }
    add({std::string(name),
         *have,
         want,
         kernel_effect(info),
         false,
         is_list_type(info.type),
         location_of(name),
         {}});
    return true;
  }

  // What a jail created without the parameter would hold, when that is
  // known before it is created: the catalog's default, "" for a string;
  // devfs_ruleset the parent's (the host's is 0). securelevel comes from
  // the parent at creation (the host's kern.securelevel), as do values
  // without a default (osrelease, ...): nullopt.
  std::optional<std::string> removal_default(const ParamInfo& info, std::string_view name) const {
    if (name == "securelevel") return std::nullopt;
    if (name == "devfs_ruleset") {
      if (m_ancestors.empty()) return std::string("0");
      const auto* p = m_ancestors.front()->find(name);
      const auto* n = p != nullptr ? std::get_if<std::int64_t>(&p->value) : nullptr;
      return n != nullptr ? std::optional(std::to_string(*n)) : std::nullopt;
    }
    if (!info.default_value.empty()) return std::string(info.default_value);
    if (info.type == ParamType::string || is_list_type(info.type)) return std::string();
    return std::nullopt;
  }

  // A kernel parameter the record has and the spec no longer does: the
  // jail goes back to the kernel's default, in place where jail -m can set
  // it, else at a fresh start (docs/kernel-rules.md).
  bool compare_removed(const ParamInfo& info, std::string_view name, const CanonParam* op) {
    if (op == nullptr) return false;  // not reported: nothing to reset
    auto& have = m_s.have;
    have = op->values;
    to_kernel_form(info, have);
    const auto dflt = removal_default(info, name);
    if (!dflt) {
      add({std::string(name), have, std::nullopt, Effect::restart, false, is_list_type(info.type), {}, {}});
      m_out.note += fmt::format("{}{} was removed: a jail gets its parent's value only when it is created",
                                m_out.note.empty() ? "" : "; ", name);
      return true;
    }
    auto& want = m_s.want;
    want.clear();
    if (!dflt->empty() || !is_list_type(info.type)) want.push_back(*dflt);
    to_kernel_form(info, want);
    if (have == want) {
      if (info.where == ParamWhere::kernel) ++m_out.unchanged;
      return false;
    }
    add({std::string(name), have, want, kernel_effect(info), false, is_list_type(info.type), {}, {}});
    return true;
  }

  void compare_recorded(const ParamInfo& info, std::string_view name, const TypedParam* tp,
                        const CanonParam* rp) {
    if (tp != nullptr && rp != nullptr && typed_equals(*tp, rp->values)) {
      ++m_out.unchanged;
      return;
    }
    const std::vector<std::string>* want_v = nullptr;
    if (tp != nullptr) {
      typed_values_into(*tp, m_s.raw);
      want_v = &m_s.raw;
    }
    const auto* was_v = rp != nullptr ? &rp->values : nullptr;
    if (want_v == nullptr && was_v == nullptr) return;
    if (want_v != nullptr && was_v != nullptr && *want_v == *was_v) {
      ++m_out.unchanged;
      return;
    }
    // an absent flag equals its default: `mount.devfs` gone = false
    const auto or_default = [&info](const std::vector<std::string>* v) {
      if (v != nullptr) return *v;
      return info.default_value.empty() ? std::vector<std::string>{}
                                        : std::vector<std::string>{std::string(info.default_value)};
    };
    if (or_default(want_v) == or_default(was_v)) {
      ++m_out.unchanged;
      return;
    }
    // a record from before jailplan read the mount.fstab files when it
    // planned has no lines: what they were is unknown, and jail(8) reads
    // the files again at stop, so the lines are only recorded
    const bool unrecorded_lines = was_v == nullptr && name == k_fstab_lines_param;
    add({std::string(name),
         was_v != nullptr ? std::optional(*was_v) : std::nullopt,
         want_v != nullptr ? std::optional(*want_v) : std::nullopt,
         unrecorded_lines ? Effect::record : pseudo_effect(info),
         false,
         is_list_type(info.type),
         location_of(name),
         {}});
  }

  const JailSpec& m_desired;
  const ObservedJail& m_observed;
  const std::vector<const JailSpec*>& m_ancestors;
  DiffScratch& m_s;
  const AppliedRecord* m_record = nullptr;
  JailDiff m_out;
};

}  // namespace

std::optional<std::string> absent_default(const ParamInfo& info, std::string_view name,
                                          const std::vector<const JailSpec*>& ancestors) {
  if (!compared_when_absent(info)) return std::nullopt;
  std::string value(info.default_value);
  // allow.* of a child: the defaults ∩ the parent's permissions (§3.3)
  if (info.type == ParamType::boolean && name.substr(0, 6) == "allow." && value == "true") {
    for (const JailSpec* a : ancestors)
      if (const auto* p = a->find(name)) {
        if (const auto* b = std::get_if<bool>(&p->value); b != nullptr && !*b) value = "false";
        break;
      }
  }
  return value;
}

Effect kernel_effect(const ParamInfo& info) {
  switch (info.mutability) {
    case Mutability::modifiable:
    case Mutability::raise_only: return Effect::update;
    case Mutability::create_only:
    case Mutability::identity: return Effect::replace;
    default: return Effect::none;
  }
}

namespace {

// The settings jail(8) reads only while it runs a start (the exec.* hooks
// and how they run): a running jail has no use for them until its next
// start, so jail -cmr leaves it running. Mounts, addresses, interfaces and
// datasets are resources on the host: they still restart it.
bool starts_only(const ParamInfo& info) {
  return info.name.rfind("exec.", 0) == 0 || info.name == "command" || info.name == "ip_hostname";
}

}  // namespace

Effect pseudo_effect(const ParamInfo& info) {
  // the address lists' interface and mask live in the aliases, which
  // jailplan changes in place; other pseudo+kernel parameters are read by
  // jail(8) only at start (path, devfs_ruleset for mount.devfs, ...)
  if (info.type == ParamType::ip4_list || info.type == ParamType::ip6_list) return Effect::update;
  switch (info.mutability) {
    case Mutability::at_start: return starts_only(info) ? Effect::next_start : Effect::restart;
    case Mutability::modifiable: return Effect::update;  // jailplan's own (resource limits)
    case Mutability::at_stop:
    case Mutability::bookkeeping: return Effect::record;
    default: return info.where == ParamWhere::both ? Effect::record : Effect::restart;
  }
}

JailDiff diff_jail(const JailSpec& desired, const ObservedJail& observed,
                   const std::vector<const JailSpec*>& ancestors, DiffScratch& scratch) {
  return Differ(desired, observed, ancestors, scratch).run();
}

}  // namespace jailplan
