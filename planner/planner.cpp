#include "planner/planner.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <queue>
#include <span>
#include <thread>
#include <unordered_map>

#include "compiler/validate.hpp"
#include "planner/diff.hpp"
#include "planner/drift.hpp"
#include "planner/sha256.hpp"
#include "planner/steps.hpp"

namespace jailplan {

namespace {

struct Edge {
  std::size_t to;
  bool parent_link;
};

// Kept small: a large site has a node per jail, and only the few that change
// get a JailChange (allocated when they do).
struct Node {
  std::unique_ptr<JailChange> change;
  std::string_view key;            // the name, in storage that outlives the planner (spec or observation)
  const JailSpec* spec = nullptr;  // declared jails
  const AppliedRecord* record = nullptr;  // the usable record, if any
  const ObservedJail* running = nullptr;
  bool cleanup = false;       // a record of a stopped jail whose leftovers go first
  bool adopt = false;         // a running declared jail nobody owns
  bool forced = false;        // destroy --force: no stop hooks (as jail -R)
  std::size_t unchanged = 0;  // of an unchanged running jail
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
    if (m_options.destroy.empty())
      add_undeclared();
    else
      add_recorded_undeclared();
    add_edges();
    if (!m_options.restart.empty()) restrict_to_restart();
    const auto order = topological_order();
    if (!m_options.destroy.empty())
      destroy_only(order);
    else
      cascade(order);
    Plan plan;
    plan.tool_version = m_options.tool_version;
    plan.owner = m_desired.owner;
    plan.observed_source = m_observed.source;
    plan.unmanaged = std::move(m_unmanaged);
    plan.orphans = std::move(m_orphans);
    plan.foreign = std::move(m_foreign);
    for (const std::size_t i : order) {
      Node& n = m_nodes[i];
      if (!n.change || n.change->action == Action::none) continue;
      for (const auto& e : deps(i)) n.change->depends_on.emplace_back(m_nodes[e.to].key);
      expand(n);
      plan.jails.push_back(std::move(*n.change));
    }
    return plan;
  }

 private:
  void add_declared() {
    m_nodes.resize(m_desired.jails.size());
    m_index = name_index(m_desired);
    // match declared and running jails by a merge over both in name order
    // (the observation is sorted): hashing or binary searching a large
    // host's names misses the cache on every probe
    auto& declared = m_by_name;
    declared.resize(m_desired.jails.size());
    for (std::size_t i = 0; i < declared.size(); ++i) declared[i] = {NameKey(m_desired.jails[i].name), i};
    std::sort(declared.begin(), declared.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::size_t> running;
    std::size_t k = 0;
    const auto& live = m_observed.jails;
    for (const auto& [key, i] : declared) {
      Node& n = m_nodes[i];
      n.spec = &m_desired.jails[i];
      n.key = n.spec->name;
      while (k < live.size() && NameKey(live[k].name) < key) ++k;
      // a dying jail does not count: a new one may take its name (§4.5)
      if (k < live.size() && live[k].name == n.key && !live[k].dying) {
        n.running = &live[k];
        running.push_back(i);
      } else {
        plan_create(n);
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

  static JailChange& materialize(Node& n) {
    if (!n.change) {
      n.change = std::make_unique<JailChange>();
      n.change->name = std::string(n.key);
      if (n.spec != nullptr) n.change->location = n.spec->location;
      if (n.running != nullptr) n.change->jid = n.running->jid;
    }
    return *n.change;
  }

  static Action action_of(const Node& n) { return n.change ? n.change->action : Action::none; }

  void plan_create(Node& n) {
    JailChange& c = materialize(n);
    c.action = Action::create;
    c.reason = Reason::not_running;
    if (const AppliedRecord* r = m_observed.stopped_record(n.key);
        r != nullptr && claim_of(r, m_desired.owner) != Claim::other) {
      n.record = r;
      n.cleanup = true;
      c.reason = !r->complete  ? Reason::interrupted
                 : r->stopping ? Reason::half_stopped
                               : Reason::stopped_out;
      if (c.reason == Reason::stopped_out) c.drift.push_back(stopped_drift(*r));
    }
  }

  void plan_running(Node& n, DiffScratch& scratch, std::vector<const JailSpec*>& ancestors) const {
    const ObservedJail& o = *n.running;
    const Claim claim = claim_of(o.applied ? &*o.applied : nullptr, m_desired.owner);
    if (claim == Claim::other) return;  // another configuration's (check_ownership says so)
    n.adopt = claim == Claim::nobody;
    ancestors.clear();
    for (std::string p = parent_name(std::string(n.key)); !p.empty(); p = parent_name(p)) {
      const auto it = m_index.find(p);
      if (it == m_index.end()) break;
      ancestors.push_back(&m_desired.jails[it->second]);
    }
    JailDiff d = diff_jail(*n.spec, o, ancestors, scratch);
    if (d.recorded) n.record = &*o.applied;
    Action action = Action::none;
    Reason reason = Reason::none;
    switch (d.worst) {
      case Effect::replace:
        action = Action::replace;
        reason = Reason::create_only;
        break;
      case Effect::restart:
        action = Action::restart;
        reason = Reason::start_only;
        break;
      case Effect::update:
        action = Action::update;
        reason = d.recorded ? Reason::kernel_changed : Reason::adopt;
        break;
      case Effect::next_start:
        action = Action::update;
        reason = Reason::next_start;
        break;
      case Effect::record:
        action = Action::update;
        reason = Reason::record_changed;
        break;
      case Effect::none:
        if (!d.recorded || n.adopt) {
          action = Action::update;
          reason = Reason::adopt;
        }
        break;
    }
    // --restart-changed: a start-time change restarts the jail even when a
    // kernel change alone would have been made in place (its record would
    // otherwise keep the new settings unrun)
    const auto start_time = std::find_if(d.changes.begin(), d.changes.end(),
                                         [](const ParamChange& c) { return c.effect == Effect::next_start; });
    if (m_options.restart_changed && action == Action::update && start_time != d.changes.end()) {
      action = Action::restart;
      reason = Reason::start_only;
      d.worst_param = start_time->name;
    }
    std::vector<Drift> drift;
    if (d.recorded) drift = find_drift(o, *o.applied, m_observed, m_host, d.changes);
    note_drift(drift, action, reason, d.worst_param);
    if (!o.faults.empty() && action != Action::replace) {
      // a link down or a route gone: only a fresh start makes it whole
      action = Action::restart;
      reason = Reason::damaged;
      d.note.clear();
      for (const auto& f : o.faults) d.note += (d.note.empty() ? "" : "; ") + f;
    }
    if (o.applied && !o.applied->complete) {
      // its start was cut short: what ran of it is unknown
      action = Action::replace;
      reason = Reason::interrupted;
    }
    if (const AppliedRecord* own = o.own_record(); own != nullptr && own->stopping) {
      // a stop was cut short: its services may be down while the jail runs;
      // it is stopped again, wholly, and started
      if (action != Action::replace) action = Action::restart;
      reason = Reason::half_stopped;
    }
    if (action != Action::replace &&
        std::find(m_options.restart.begin(), m_options.restart.end(), n.key) != m_options.restart.end()) {
      action = Action::restart;
      reason = Reason::requested;
    }
    if (action == Action::none) {
      n.unchanged = d.unchanged;  // kept for a restart a dependency may force
      return;
    }
    JailChange& c = materialize(n);
    c.action = action;
    c.reason = reason;
    c.adopt = n.adopt;
    c.unchanged = d.unchanged;
    c.subject = std::move(d.worst_param);
    c.changes = std::move(d.changes);
    c.note = std::move(d.note);
    c.drift = std::move(drift);
  }

  // What drift takes: a missing mount a fresh start (jail(8) mounts only
  // then), a missing alias or a changed limit an update; a changed
  // parameter is already a change of the diff. The reason names the drift
  // when nothing else (the configuration) asked for more.
  static void note_drift(const std::vector<Drift>& drift, Action& action, Reason& reason,
                         std::string& subject) {
    if (drift.empty() || action == Action::replace) return;
    const bool ordinary = reason == Reason::none || reason == Reason::kernel_changed ||
                          reason == Reason::start_only || reason == Reason::create_only;
    for (const auto& x : drift)
      if (x.kind == DriftKind::parameter && x.what == subject && ordinary) reason = Reason::drift;
    const auto mount =
        std::find_if(drift.begin(), drift.end(), [](const Drift& x) { return x.kind == DriftKind::mount; });
    if (mount != drift.end() && action != Action::restart) {
      action = Action::restart;
      reason = Reason::drift;
      subject = mount->what;
    } else if (action == Action::none) {
      action = Action::update;
      reason = Reason::drift;
      subject = drift.front().what;
    }
  }

  // A running jail the configuration does not declare, with its record.
  static Node running_node(const ObservedJail& o, const AppliedRecord& own) {
    Node n;
    n.record = &own;
    n.running = &o;
    n.key = o.name;
    return n;
  }

  void add_undeclared() {
    for (const auto& o : m_observed.jails) {
      if (m_index.count(o.name) != 0 || o.dying) continue;
      const AppliedRecord* own = o.own_record();
      if (own != nullptr && claim_of(own, m_desired.owner) == Claim::other) {
        m_foreign.emplace_back(o.name, own->owner);
        continue;
      }
      if (own == nullptr || !own->created || claim_of(own, m_desired.owner) != Claim::ours) {
        m_unmanaged.push_back(o.name);
        continue;
      }
      // a stop that was cut short is finished, --prune or not: the run that
      // began it had decided it
      if (!m_options.prune && !own->stopping) {
        m_orphans.push_back(o.name);
        continue;
      }
      Node n = running_node(o, *own);
      JailChange& c = materialize(n);
      c.action = Action::destroy;
      c.reason = own->stopping ? Reason::half_stopped : Reason::not_declared;
      m_nodes.push_back(std::move(n));
    }
    // what a dead jail left (mounts, addresses, a runtime directory) is
    // cleaned by its owner's --prune; nobody's (a record older than owners)
    // by any: nothing runs, and its owner, if any, would clean it first
    for (const auto& [name, record] : m_observed.stopped) {
      if (m_index.count(name) != 0 || claim_of(&record, m_desired.owner) == Claim::other) continue;
      if (!m_options.prune && !record.stopping) {
        m_orphans.push_back(name);
        continue;
      }
      Node n;
      n.record = &record;
      n.cleanup = true;
      n.key = name;
      JailChange& c = materialize(n);
      c.action = Action::destroy;
      c.reason = record.stopping ? Reason::half_stopped : Reason::left_over;
      m_nodes.push_back(std::move(n));
    }
  }

  // `destroy`: the running jails jailplan created that are no longer
  // declared take part too, unchanged unless a doomed jail takes them along
  // (a child `a.x` of a destroyed `a`, which the kernel would remove without
  // its stop steps)
  void add_recorded_undeclared() {
    for (const auto& o : m_observed.jails) {
      if (m_index.count(o.name) != 0 || o.dying) continue;
      const AppliedRecord* own = o.own_record();
      if (own != nullptr && own->created && claim_of(own, m_desired.owner) == Claim::ours)
        m_nodes.push_back(running_node(o, *own));
    }
  }

  void add_edges() {
    std::vector<std::pair<std::size_t, Edge>> raw;
    for (const auto& e : dependency_edges(m_desired, m_index, nullptr))
      raw.push_back({e.from, {e.to, e.parent_link}});
    // jails being destroyed stop before what their record says they needed
    // (declared or not): a child goes before a parent that restarts
    std::unordered_map<std::string_view, std::size_t> extra;
    for (std::size_t i = m_desired.jails.size(); i < m_nodes.size(); ++i) extra.emplace(m_nodes[i].key, i);
    for (std::size_t i = m_desired.jails.size(); i < m_nodes.size(); ++i) {
      const auto* dep = find_param(m_nodes[i].record->params, "depend");
      const auto link = [&](const std::string& target, bool parent) {
        if (const auto it = extra.find(target); it != extra.end())
          raw.push_back({i, {it->second, parent}});
        else if (const auto d = m_index.find(target); d != m_index.end())
          raw.push_back({i, {d->second, parent}});
      };
      if (dep != nullptr)
        for (const auto& t : dep->values) link(t, false);
      if (auto p = parent_name(std::string(m_nodes[i].key)); !p.empty()) link(p, true);
    }
    // one array of edges grouped by jail (a counting sort), not a vector per jail
    m_dep_first.assign(m_nodes.size() + 1, 0);
    for (const auto& [from, e] : raw) ++m_dep_first[from + 1];
    for (std::size_t i = 0; i < m_nodes.size(); ++i) m_dep_first[i + 1] += m_dep_first[i];
    m_deps.resize(raw.size());
    std::vector<std::size_t> fill(m_dep_first.begin(), m_dep_first.end() - 1);
    for (const auto& [from, e] : raw) m_deps[fill[from]++] = e;
  }

  std::span<const Edge> deps(std::size_t i) const {
    return {m_deps.data() + m_dep_first[i], m_dep_first[i + 1] - m_dep_first[i]};
  }

  // Kahn's algorithm; among ready jails the smallest name goes first. Names
  // are ranked once, so the heap compares integers.
  std::vector<std::size_t> topological_order() const {
    const std::size_t n = m_nodes.size();
    // the declared jails are already in name order (add_declared); only the
    // jails being destroyed are sorted here and merged in
    const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
    std::vector<std::pair<NameKey, std::size_t>> keyed = m_by_name;
    const auto declared_end = static_cast<std::ptrdiff_t>(keyed.size());
    for (std::size_t i = keyed.size(); i < n; ++i) keyed.emplace_back(NameKey(m_nodes[i].key), i);
    std::sort(keyed.begin() + declared_end, keyed.end(), by_key);
    std::inplace_merge(keyed.begin(), keyed.begin() + declared_end, keyed.end(), by_key);
    std::vector<std::size_t> by_name(n), rank(n);
    for (std::size_t r = 0; r < n; ++r) {
      by_name[r] = keyed[r].second;
      rank[keyed[r].second] = r;
    }
    // dependents in one array (offsets per jail), not a vector per jail
    std::vector<std::size_t> waiting(n, 0), first(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& e : deps(i)) {
        ++waiting[i];
        ++first[e.to + 1];
      }
    for (std::size_t i = 0; i < n; ++i) first[i + 1] += first[i];
    std::vector<std::size_t> dependents(first[n]), fill(first.begin(), first.end() - 1);
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& e : deps(i)) dependents[fill[e.to]++] = i;
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;  // ranks
    for (std::size_t i = 0; i < n; ++i)
      if (waiting[i] == 0) ready.push(rank[i]);
    std::vector<std::size_t> order;
    order.reserve(n);
    while (!ready.empty()) {
      const std::size_t i = by_name[ready.top()];
      ready.pop();
      order.push_back(i);
      for (std::size_t k = first[i]; k < first[i + 1]; ++k)
        if (--waiting[dependents[k]] == 0) ready.push(rank[dependents[k]]);
    }
    if (order.size() < n)  // a loop (validation reports declared ones): the rest in name order
      for (const std::size_t i : by_name)
        if (waiting[i] != 0) order.push_back(i);
    return order;
  }

  // `jailplan restart A`: only A and what jail(8) -rc A reaches change.
  // Its stop phase stops A's dependents (state.c dep_check marks them
  // JF_STOP; cascade() below restarts the running ones); its start phase
  // starts A's dependencies (JF_START|JF_DEPEND: created when not running,
  // left alone when they are). A stopped A is started (jail -rc would say
  // "not found"), which needs those dependencies too. Nothing else
  // changes: not drift in other jails, not a cleanup, not a --prune.
  void restrict_to_restart() {
    const std::size_t n = m_nodes.size();
    std::vector<char> named(n, 0), needed(n, 0);
    std::vector<std::size_t> work;
    for (std::size_t i = 0; i < n; ++i)
      if (m_nodes[i].spec != nullptr && std::find(m_options.restart.begin(), m_options.restart.end(),
                                                  m_nodes[i].key) != m_options.restart.end()) {
        named[i] = needed[i] = 1;
        work.push_back(i);
      }
    while (!work.empty()) {
      const std::size_t i = work.back();
      work.pop_back();
      for (const auto& e : deps(i))
        if (needed[e.to] == 0) {
          needed[e.to] = 1;
          work.push_back(e.to);
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
      Node& node = m_nodes[i];
      if (named[i] != 0 || !node.change) continue;
      if (needed[i] != 0 && node.spec != nullptr && node.running == nullptr) continue;  // started for A
      if (node.running != nullptr && node.spec != nullptr) node.unchanged = node.change->unchanged;
      node.change.reset();
    }
  }

  // `jailplan destroy A`: as jail -r A (state.c dep_check marks A's
  // dependents JF_STOP), A and every running jail depending on it, directly
  // or through others, are stopped and forgotten; nothing else changes.
  void destroy_only(const std::vector<std::size_t>& order) {
    std::vector<std::string_view> because(m_nodes.size());  // the dependency that dooms it
    std::vector<char> doomed(m_nodes.size(), 0);
    for (const std::size_t i : order) {
      Node& n = m_nodes[i];
      const bool named =
          std::find(m_options.destroy.begin(), m_options.destroy.end(), n.key) != m_options.destroy.end();
      doomed[i] = named ? 1 : 0;
      // --force: the named jails and their children, which jail -R removes
      // with them; jails that only `depend` on them stop as they would
      n.forced = named && m_options.force;
      for (const auto& e : deps(i))
        if (doomed[e.to] && m_nodes[e.to].running != nullptr) {
          if (!doomed[i]) because[i] = m_nodes[e.to].key;
          doomed[i] = 1;
          n.forced = n.forced || (e.parent_link && m_nodes[e.to].forced);
        }
      if (n.change && n.change->action != Action::none) n.unchanged = n.change->unchanged;
      n.change.reset();
      n.cleanup = false;
      n.record = nullptr;
      if (!doomed[i]) continue;
      if (n.running != nullptr) {
        n.record = n.running->own_record();
      } else if (const AppliedRecord* r = m_observed.stopped_record(n.key); r != nullptr && named) {
        n.record = r;
        n.cleanup = true;  // it stopped on its own: tidy what it left (jail -rC)
      } else {
        continue;  // not running: nothing to stop
      }
      JailChange& c = materialize(n);
      c.action = Action::destroy;
      c.reason = named ? (n.forced    ? Reason::forced
                          : n.cleanup ? Reason::left_over
                                      : Reason::requested)
                       : Reason::dependency;
      c.subject = std::string(because[i]);
      if (n.running != nullptr && n.record == nullptr)
        c.note = "jailplan holds no record of it: it is stopped with the declared settings";
    }
  }

  // Stopping a jail stops what depends on it first (jail(8) -r does, §5);
  // the kernel removes a parent's children with it. jailplan starts them
  // again afterwards, which jail(8) -rc does not.
  void cascade(const std::vector<std::size_t>& order) {
    for (const std::size_t i : order) {
      Node& n = m_nodes[i];
      if (n.running == nullptr || stops(action_of(n))) continue;
      for (const auto& e : deps(i)) {
        const Node& dep = m_nodes[e.to];
        if (!stops(action_of(dep)) || dep.running == nullptr) continue;
        JailChange& c = materialize(n);
        if (c.action == Action::none) c.unchanged = n.unchanged;
        c.action = Action::restart;
        c.reason = e.parent_link ? Reason::parent : Reason::dependency;
        c.subject = std::string(dep.key);
        break;
      }
    }
  }

  void expand(Node& n) {
    JailChange& c = *n.change;
    const SpecView recorded{n.record != nullptr ? &n.record->params : nullptr, nullptr};
    CanonSpec canon = n.spec != nullptr ? canon_spec(*n.spec) : CanonSpec{};
    const SpecView declared{&canon, n.spec};
    const std::string& name = c.name;
    if (n.cleanup)
      append_cleanup_steps(name, recorded, m_observed, c.action == Action::destroy, c.steps,
                           n.forced ? StopHooks::skip : StopHooks::run);
    // what stops runs with the settings it was started with (jail(8) tears
    // a jail down with its own parameters, never the next configuration's)
    if (n.cleanup || stops(c.action)) c.teardown = teardown_settings(n, canon);
    if (n.running != nullptr) c.before = n.record != nullptr ? n.record->params : n.running->params;
    const SpecView stopping{c.teardown ? &*c.teardown : nullptr, n.record != nullptr ? nullptr : n.spec};
    switch (c.action) {
      case Action::create: append_start_steps(name, declared, c.steps); break;
      case Action::update:
        append_update_steps(name, declared, n.record != nullptr ? &recorded : nullptr, c.changes, m_observed,
                            c.steps);
        break;
      case Action::restart:
      case Action::replace:
        // tear down what was applied (the record), build what is declared
        append_stop_steps(name, stopping, false, c.steps);
        append_start_steps(name, declared, c.steps);
        break;
      case Action::destroy:
        if (n.forced && !n.cleanup)
          append_forced_stop_steps(name, stopping, c.steps);
        else if (!n.cleanup)
          append_stop_steps(name, stopping, true, c.steps);
        break;
      case Action::none: break;
    }
    fix_drift(c.drift, c.action, declared, m_observed, c.steps);
    if (n.spec != nullptr && c.action != Action::destroy) {
      AppliedRecord r;
      r.params = std::move(canon);
      r.digest = spec_digest(r.params);
      const bool recreated = c.action != Action::update;
      r.created = recreated || (n.record != nullptr && n.record->created);
      r.owner = m_desired.owner;
      if (!recreated) r.jid = c.jid;
      c.applied = std::move(r);
    }
  }

  // The applied record; for a running jail jailplan never recorded, its
  // declared settings where the kernel's own (its path) stand for what it
  // was really started with.
  static CanonSpec teardown_settings(const Node& n, const CanonSpec& declared) {
    if (n.record != nullptr) return n.record->params;
    CanonSpec spec = declared;
    if (n.running == nullptr) return spec;
    if (const CanonParam* path = find_param(n.running->params, "path")) put_param(spec, *path);
    return spec;
  }

  const DesiredState& m_desired;
  const ObservedState& m_observed;
  const PlanOptions& m_options;
  const HostIndex m_host{m_observed};  // built before the diffing threads start
  NameIndex m_index;
  std::vector<std::pair<NameKey, std::size_t>> m_by_name;  // declared jails in name order
  std::vector<Edge> m_deps;                                // every node's dependencies, grouped by node
  std::vector<std::size_t> m_dep_first;                    // node i's are m_deps[first[i] .. first[i+1])
  std::vector<Node> m_nodes;
  std::vector<std::string> m_unmanaged;
  std::vector<std::string> m_orphans;
  std::vector<std::pair<std::string, std::string>> m_foreign;
};

}  // namespace

Claim claim_of(const AppliedRecord* record, const std::string& owner) {
  if (record == nullptr) return Claim::nobody;
  if (record->owner == owner) return Claim::ours;
  return record->owner.empty() ? Claim::nobody : Claim::other;
}

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
