#include "planner/planner.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>

#include "compiler/validate.hpp"
#include "planner/diff.hpp"
#include "planner/sha256.hpp"
#include "planner/steps.hpp"

namespace jailplan {

namespace {

struct Edge {
  std::size_t to;
  bool parent_link;
};

struct Node {
  JailChange change;
  const JailSpec* spec = nullptr;         // declared jails
  const CanonSpec* canon = nullptr;       // declared jails
  const AppliedRecord* record = nullptr;  // the usable record, if any
  const ObservedJail* running = nullptr;
  bool cleanup = false;  // a record of a stopped jail whose leftovers go first
  std::vector<Edge> deps;
};

bool stops(Action a) {
  return a == Action::restart || a == Action::replace || a == Action::destroy;
}

std::string parent_name(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(0, dot);
}

class Planner {
 public:
  Planner(const DesiredState& d, const ObservedState& o, const PlanOptions& opt)
      : m_desired(d), m_observed(o), m_options(opt) {}

  Plan run() {
    add_declared();
    add_undeclared();
    add_edges();
    const auto order = topological_order();
    cascade(order);
    Plan plan;
    plan.tool_version = m_options.tool_version;
    plan.unmanaged = std::move(m_unmanaged);
    plan.orphans = std::move(m_orphans);
    for (auto& n : m_nodes)
      for (const auto& e : n.deps) n.change.depends_on.push_back(m_nodes[e.to].change.name);
    for (const std::size_t i : order) {
      Node& n = m_nodes[i];
      if (n.change.action == Action::none) continue;
      expand(n);
      plan.jails.push_back(std::move(n.change));
    }
    return plan;
  }

 private:
  void add_declared() {
    m_canon.resize(m_desired.jails.size());
    m_nodes.reserve(m_desired.jails.size());
    for (std::size_t i = 0; i < m_desired.jails.size(); ++i) {
      const JailSpec& spec = m_desired.jails[i];
      m_canon[i] = canon_spec(spec);
      m_index.emplace(spec.name, i);
    }
    for (std::size_t i = 0; i < m_desired.jails.size(); ++i) {
      Node n;
      n.spec = &m_desired.jails[i];
      n.canon = &m_canon[i];
      n.change.name = n.spec->name;
      n.change.location = n.spec->location;
      const ObservedJail* o = m_observed.find(n.spec->name);
      if (o != nullptr && o->dying) o = nullptr;  // a new jail may take a dying one's name (§4.5)
      if (o == nullptr) {
        plan_create(n);
      } else {
        plan_running(n, *o);
      }
      m_nodes.push_back(std::move(n));
    }
  }

  void plan_create(Node& n) {
    n.change.action = Action::create;
    n.change.reason = Reason::not_running;
    if (const AppliedRecord* r = m_observed.stopped_record(n.change.name)) {
      n.record = r;
      n.cleanup = true;
      n.change.reason = Reason::left_over;
    }
  }

  void plan_running(Node& n, const ObservedJail& o) {
    n.running = &o;
    n.change.jid = o.jid;
    const std::string& name = n.change.name;
    const DefaultFor defaults = [this, &name](const ParamInfo& info, std::string_view param) {
      return default_for(info, param, name);
    };
    JailDiff d = diff_jail(*n.spec, *n.canon, o, defaults);
    if (d.recorded) n.record = &*o.applied;
    n.change.unchanged = d.unchanged;
    switch (d.worst) {
      case Effect::replace:
        n.change.action = Action::replace;
        n.change.reason = Reason::create_only;
        break;
      case Effect::restart:
        n.change.action = Action::restart;
        n.change.reason = Reason::start_only;
        break;
      case Effect::update:
        n.change.action = Action::update;
        n.change.reason = Reason::kernel_changed;
        break;
      case Effect::record:
        n.change.action = Action::update;
        n.change.reason = Reason::record_changed;
        break;
      case Effect::none:
        if (!d.recorded) {
          n.change.action = Action::update;
          n.change.reason = Reason::adopt;
        }
        break;
    }
    if (!d.recorded && d.worst != Effect::none && n.change.action == Action::update)
      n.change.reason = Reason::adopt;
    n.change.subject = d.worst_param;
    n.change.changes = std::move(d.changes);
    if (!d.note.empty()) m_notes.emplace(name, d.note);
  }

  // The value an absent parameter stands for. allow.* flags of a child jail
  // default to what its parent has (§3.3: defaults ∩ parent's permissions).
  std::optional<std::vector<std::string>> default_for(const ParamInfo& info, std::string_view param,
                                                      const std::string& jail) const {
    if (!compared_when_absent(info)) return std::nullopt;
    std::string value(info.default_value);
    if (info.type == ParamType::boolean && param.substr(0, 6) == "allow." && value == "true") {
      for (std::string p = parent_name(jail); !p.empty(); p = parent_name(p)) {
        const auto it = m_index.find(p);
        if (it == m_index.end()) break;
        if (const auto* v = find_param(m_canon[it->second], param)) {
          if (!v->values.empty() && v->values.back() == "false") value = "false";
          break;
        }
      }
    }
    return std::vector<std::string>{std::move(value)};
  }

  void add_undeclared() {
    for (const auto& o : m_observed.jails) {
      if (m_index.count(o.name) != 0 || o.dying) continue;
      const bool created = o.applied && o.applied->created && (!o.applied->jid || *o.applied->jid == o.jid);
      if (!created) {
        m_unmanaged.push_back(o.name);
        continue;
      }
      if (!m_options.prune) {
        m_orphans.push_back(o.name);
        continue;
      }
      Node n;
      n.record = &*o.applied;
      n.running = &o;
      n.change.name = o.name;
      n.change.jid = o.jid;
      n.change.action = Action::destroy;
      n.change.reason = Reason::not_declared;
      m_nodes.push_back(std::move(n));
    }
    for (const auto& [name, record] : m_observed.stopped) {
      if (m_index.count(name) != 0) continue;
      if (!m_options.prune) {
        m_orphans.push_back(name);
        continue;
      }
      Node n;
      n.record = &record;
      n.cleanup = true;
      n.change.name = name;
      n.change.action = Action::destroy;
      n.change.reason = Reason::left_over;
      m_nodes.push_back(std::move(n));
    }
  }

  void add_edges() {
    for (const auto& e : dependency_edges(m_desired, nullptr))
      m_nodes[e.from].deps.push_back({e.to, e.parent_link});
    // jails being destroyed stop before what their record says they needed
    std::unordered_map<std::string_view, std::size_t> extra;
    for (std::size_t i = m_desired.jails.size(); i < m_nodes.size(); ++i)
      extra.emplace(m_nodes[i].change.name, i);
    for (std::size_t i = m_desired.jails.size(); i < m_nodes.size(); ++i) {
      const auto* dep = find_param(m_nodes[i].record->params, "depend");
      const auto link = [&](const std::string& target, bool parent) {
        if (const auto it = extra.find(target); it != extra.end())
          m_nodes[i].deps.push_back({it->second, parent});
      };
      if (dep != nullptr)
        for (const auto& t : dep->values) link(t, false);
      if (auto p = parent_name(m_nodes[i].change.name); !p.empty()) link(p, true);
    }
  }

  // Kahn's algorithm; among ready jails the smallest name goes first.
  std::vector<std::size_t> topological_order() const {
    const std::size_t n = m_nodes.size();
    std::vector<std::size_t> waiting(n, 0);
    std::vector<std::vector<std::size_t>> dependents(n);
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& e : m_nodes[i].deps) {
        ++waiting[i];
        dependents[e.to].push_back(i);
      }
    const auto later = [this](std::size_t a, std::size_t b) {
      return m_nodes[a].change.name > m_nodes[b].change.name;
    };
    std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> ready(later);
    for (std::size_t i = 0; i < n; ++i)
      if (waiting[i] == 0) ready.push(i);
    std::vector<std::size_t> order;
    order.reserve(n);
    while (!ready.empty()) {
      const std::size_t i = ready.top();
      ready.pop();
      order.push_back(i);
      for (const std::size_t d : dependents[i])
        if (--waiting[d] == 0) ready.push(d);
    }
    if (order.size() < n) {  // a loop (validation reports declared ones): keep the rest in name order
      std::vector<std::size_t> rest;
      for (std::size_t i = 0; i < n; ++i)
        if (waiting[i] != 0) rest.push_back(i);
      std::sort(rest.begin(), rest.end(), [&later](std::size_t a, std::size_t b) { return later(b, a); });
      order.insert(order.end(), rest.begin(), rest.end());
    }
    return order;
  }

  // Stopping a jail stops what depends on it first (jail(8) -r does, §5);
  // the kernel removes a parent's children with it. jailplan starts them
  // again afterwards, which jail(8) -rc does not.
  void cascade(const std::vector<std::size_t>& order) {
    for (const std::size_t i : order) {
      Node& n = m_nodes[i];
      if (n.running == nullptr || stops(n.change.action)) continue;
      for (const auto& e : n.deps) {
        const Node& dep = m_nodes[e.to];
        if (!stops(dep.change.action) || dep.running == nullptr) continue;
        n.change.action = Action::restart;
        n.change.reason = e.parent_link ? Reason::parent : Reason::dependency;
        n.change.subject = dep.change.name;
        break;
      }
    }
  }

  void expand(Node& n) {
    JailChange& c = n.change;
    const SpecView recorded{n.record != nullptr ? &n.record->params : nullptr, nullptr};
    const SpecView declared{n.canon, n.spec};
    const std::string& name = c.name;
    if (n.cleanup) append_cleanup_steps(name, recorded, m_observed, c.action == Action::destroy, c.steps);
    switch (c.action) {
      case Action::create: append_start_steps(name, declared, c.steps); break;
      case Action::update:
        append_update_steps(name, declared, n.record != nullptr ? &recorded : nullptr, c.changes, c.steps);
        break;
      case Action::restart:
      case Action::replace:
        // tear down what was applied (the record), build what is declared
        append_stop_steps(name, n.record != nullptr ? recorded : declared, false, c.steps);
        append_start_steps(name, declared, c.steps);
        break;
      case Action::destroy:
        if (!n.cleanup) append_stop_steps(name, recorded, true, c.steps);
        break;
      case Action::none: break;
    }
    if (n.canon != nullptr) {
      AppliedRecord r;
      r.params = *n.canon;
      r.digest = spec_digest(r.params);
      const bool recreated = c.action != Action::update;
      r.created = recreated || (n.record != nullptr && n.record->created);
      if (!recreated) r.jid = c.jid;
      c.applied = std::move(r);
    }
    if (const auto it = m_notes.find(name); it != m_notes.end()) c.note = it->second;
  }

  const DesiredState& m_desired;
  const ObservedState& m_observed;
  const PlanOptions& m_options;
  std::vector<CanonSpec> m_canon;
  std::unordered_map<std::string_view, std::size_t> m_index;
  std::vector<Node> m_nodes;
  std::vector<std::string> m_unmanaged;
  std::vector<std::string> m_orphans;
  std::unordered_map<std::string, std::string> m_notes;
};

}  // namespace

Plan make_plan(const DesiredState& desired, const ObservedState& observed, const PlanOptions& options) {
  return Planner(desired, observed, options).run();
}

std::string desired_digest(const DesiredState& desired) {
  Sha256 h;
  for (const auto& j : desired.jails) {
    h.field(j.name);
    h.field(spec_digest(canon_spec(j)));
  }
  return h.hex_digest();
}

void stamp_digests(Plan& plan, const DesiredState& desired, const ObservedState& observed) {
  plan.desired_digest = desired_digest(desired);
  plan.observed_digest = observed.digest();
  for (auto& j : plan.jails) {
    const ObservedJail* o = observed.find(j.name);
    j.observed_digest = o != nullptr ? ObservedState::digest(*o) : "";
  }
}

}  // namespace jailplan
