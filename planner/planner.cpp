#include "planner/planner.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <thread>
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
  std::string_view key;            // the name, in storage that outlives the planner (spec or observation)
  const JailSpec* spec = nullptr;  // declared jails
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
    for (const std::size_t i : order) {
      Node& n = m_nodes[i];
      if (n.change.action == Action::none) continue;
      for (const auto& e : n.deps) n.change.depends_on.emplace_back(m_nodes[e.to].key);
      expand(n);
      plan.jails.push_back(std::move(n.change));
    }
    return plan;
  }

 private:
  void add_declared() {
    m_nodes.resize(m_desired.jails.size());
    for (std::size_t i = 0; i < m_desired.jails.size(); ++i) m_index.emplace(m_desired.jails[i].name, i);
    std::vector<std::size_t> running;
    for (std::size_t i = 0; i < m_desired.jails.size(); ++i) {
      Node& n = m_nodes[i];
      n.spec = &m_desired.jails[i];
      n.key = n.spec->name;
      n.change.name = n.spec->name;
      n.change.location = n.spec->location;
      const ObservedJail* o = m_observed.find(n.spec->name);
      if (o != nullptr && o->dying) o = nullptr;  // a new jail may take a dying one's name (§4.5)
      if (o == nullptr) {
        plan_create(n);
      } else {
        n.running = o;
        running.push_back(i);
      }
    }
    diff_all(running);
  }

  // Diffing is independent per jail and reads only shared, immutable input,
  // so large sites spread it over the CPUs (each worker with its own scratch).
  void diff_all(const std::vector<std::size_t>& running) {
    constexpr std::size_t k_per_worker = 2000;
    const std::size_t cpus = std::max(1U, std::thread::hardware_concurrency());
    const std::size_t workers =
        std::min<std::size_t>(std::min<std::size_t>(cpus, 8), running.size() / k_per_worker + 1);
    const auto work = [&](std::size_t w) {
      DiffScratch scratch;
      std::vector<const JailSpec*> ancestors;
      for (std::size_t k = w; k < running.size(); k += workers)
        plan_running(m_nodes[running[k]], scratch, ancestors);
    };
    std::vector<std::thread> threads;
    for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
    work(0);
    for (auto& t : threads) t.join();
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

  void plan_running(Node& n, DiffScratch& scratch, std::vector<const JailSpec*>& ancestors) const {
    const ObservedJail& o = *n.running;
    n.change.jid = o.jid;
    ancestors.clear();
    for (std::string p = parent_name(n.change.name); !p.empty(); p = parent_name(p)) {
      const auto it = m_index.find(p);
      if (it == m_index.end()) break;
      ancestors.push_back(&m_desired.jails[it->second]);
    }
    JailDiff d = diff_jail(*n.spec, o, ancestors, scratch);
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
        n.change.reason = d.recorded ? Reason::kernel_changed : Reason::adopt;
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
    n.change.subject = std::move(d.worst_param);
    n.change.changes = std::move(d.changes);
    n.change.note = std::move(d.note);
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
      n.key = o.name;
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
      n.key = name;
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
    // (declared or not): a child goes before a parent that restarts
    std::unordered_map<std::string_view, std::size_t> extra;
    for (std::size_t i = m_desired.jails.size(); i < m_nodes.size(); ++i)
      extra.emplace(m_nodes[i].change.name, i);
    for (std::size_t i = m_desired.jails.size(); i < m_nodes.size(); ++i) {
      const auto* dep = find_param(m_nodes[i].record->params, "depend");
      const auto link = [&](const std::string& target, bool parent) {
        if (const auto it = extra.find(target); it != extra.end())
          m_nodes[i].deps.push_back({it->second, parent});
        else if (const auto d = m_index.find(target); d != m_index.end())
          m_nodes[i].deps.push_back({d->second, parent});
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
    CanonSpec canon = n.spec != nullptr ? canon_spec(*n.spec) : CanonSpec{};
    const SpecView declared{&canon, n.spec};
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
    if (n.spec != nullptr) {
      AppliedRecord r;
      r.params = std::move(canon);
      r.digest = spec_digest(r.params);
      const bool recreated = c.action != Action::update;
      r.created = recreated || (n.record != nullptr && n.record->created);
      if (!recreated) r.jid = c.jid;
      c.applied = std::move(r);
    }
  }

  const DesiredState& m_desired;
  const ObservedState& m_observed;
  const PlanOptions& m_options;
  std::unordered_map<std::string_view, std::size_t> m_index;
  std::vector<Node> m_nodes;
  std::vector<std::string> m_unmanaged;
  std::vector<std::string> m_orphans;
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
