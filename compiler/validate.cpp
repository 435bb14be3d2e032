#include "compiler/validate.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <span>
#include <unordered_map>

#include <fmt/format.h>

#include "base/suggest.hpp"

namespace jailplan {

NameIndex name_index(const DesiredState& s) {
  NameIndex m;
  m.reserve(s.jails.size());
  for (std::size_t i = 0; i < s.jails.size(); ++i) m.emplace(s.jails[i].name, i);
  return m;
}

namespace {

// Keys with the jail they belong to, in one array sorted by the key's
// hash, then the key, then the jail: equal keys end up side by side in
// jail order, and sorting compares integers rather than long common
// prefixes (a hash map of nodes took three times the memory; sorting by
// the text itself took three times as long).
struct Keyed {
  std::size_t hash;
  std::string_view key;
  std::size_t jail;

  explicit Keyed(std::string_view k, std::size_t j = 0)
      : hash(std::hash<std::string_view>()(k)), key(k), jail(j) {}
  bool same_key(const Keyed& o) const { return hash == o.hash && key == o.key; }
  bool operator<(const Keyed& o) const {
    if (hash != o.hash) return hash < o.hash;
    if (key != o.key) return key < o.key;
    return jail < o.jail;
  }
};

// The first jail with `key`, or nullptr.
const std::size_t* first_with(const std::vector<Keyed>& keys, std::string_view key) {
  const Keyed probe(key);
  const auto it = std::lower_bound(keys.begin(), keys.end(), probe);
  return it != keys.end() && it->same_key(probe) ? &it->jail : nullptr;
}

void check_duplicates(const DesiredState& s, Diagnostics& diags) {
  std::vector<Keyed> names;
  names.reserve(s.jails.size());
  for (std::size_t i = 0; i < s.jails.size(); ++i) names.emplace_back(s.jails[i].record_name, i);
  std::sort(names.begin(), names.end());
  std::size_t first = 0;
  for (std::size_t k = 1; k < names.size(); ++k) {
    if (!names[k].same_key(names[first])) {
      first = k;
      continue;
    }
    const std::size_t i = names[k].jail;
    auto& d = diags.warning(s.jails[i].location,
                            fmt::format("jail '{}' is defined again", s.jails[i].record_name), "duplicate");
    d.detail = "jail(8) keeps both blocks as separate jails and does not merge them";
    d.notes.push_back({"first defined here", s.jails[names[first].jail].location});
  }
}

void check_addresses(const DesiredState& s, Diagnostics& diags) {
  struct Use {
    Keyed address;  // the typed entry's text, which lives as long as `s`; in jail order
    std::size_t jail;
    Location loc;
  };
  std::vector<Use> uses;
  uses.reserve(s.jails.size());  // most jails have at most one address
  std::vector<std::size_t> count(s.jails.size());
  for (const char* family : {"ip4.addr", "ip6.addr"}) {
    uses.clear();
    for (std::size_t i = 0; i < s.jails.size(); ++i) {
      const auto* p = s.jails[i].find(family);
      const auto* list = p == nullptr ? nullptr : std::get_if<IpList>(&p->value);
      count[i] = list == nullptr ? 0 : list->entries->size();
      if (list == nullptr) continue;
      for (const auto& a : *list->entries)
        uses.push_back({Keyed(a.address, uses.size()), i, a.location.valid() ? a.location : p->location()});
    }
    // one sorted array instead of a map of lists: equal addresses end up
    // side by side, each run in jail order
    std::sort(uses.begin(), uses.end(), [](const Use& a, const Use& b) { return a.address < b.address; });
    for (std::size_t run = 0; run < uses.size();) {
      std::size_t end = run + 1;
      while (end < uses.size() && uses[end].address.same_key(uses[run].address)) ++end;
      const std::span<const Use> list(uses.data() + run, end - run);
      const std::string_view addr = uses[run].address.key;
      run = end;
      if (list.size() < 2) continue;
      // the kernel lets two jails share an address only when each has exactly one
      const bool allowed =
          std::all_of(list.begin(), list.end(), [&](const Use& u) { return count[u.jail] == 1; });
      for (std::size_t k = 1; k < list.size(); ++k) {
        if (list[k].jail == list[0].jail) {
          diags.error(
              list[k].loc,
              fmt::format("address {} is listed twice for jail '{}'", addr, s.jails[list[k].jail].name),
              "address");
          continue;
        }
        if (allowed) continue;
        auto& d = diags.error(list[k].loc,
                              fmt::format("address {} of jail '{}' is also used by jail '{}'", addr,
                                          s.jails[list[k].jail].name, s.jails[list[0].jail].name),
                              "address-clash");
        d.detail = "the kernel allows a shared address only when both jails have exactly one address";
        d.notes.push_back({fmt::format("jail '{}' uses it here", s.jails[list[0].jail].name), list[0].loc});
      }
    }
  }
}

void check_paths(const DesiredState& s, Diagnostics& diags) {
  // views of the typed paths, which live as long as `s`
  std::vector<Keyed> by_path;
  by_path.reserve(s.jails.size());
  auto trimmed = [](std::string_view v) {
    while (v.size() > 1 && v.back() == '/') v.remove_suffix(1);
    return v;
  };
  for (std::size_t i = 0; i < s.jails.size(); ++i) {
    const auto* p = s.jails[i].text("path");
    if (p == nullptr) continue;
    by_path.emplace_back(trimmed(*p), i);
  }
  std::sort(by_path.begin(), by_path.end());
  for (std::size_t i = 0; i < s.jails.size(); ++i) {
    const auto* p = s.jails[i].text("path");
    if (p == nullptr || *p == "/") continue;
    std::string_view dir = trimmed(*p);
    for (auto slash = dir.rfind('/'); slash != std::string_view::npos && slash > 0; slash = dir.rfind('/')) {
      dir = dir.substr(0, slash);
      const std::size_t* found = first_with(by_path, dir);
      if (found == nullptr || *found == i) continue;
      const auto& outer = s.jails[*found];
      const auto& inner = s.jails[i];
      if (inner.name.rfind(outer.name + ".", 0) == 0) break;  // a child jail inside its parent
      auto& d = diags.warning(
          inner.find("path")->location(),
          fmt::format("path of jail '{}' is inside the path of jail '{}'", inner.name, outer.name),
          "nested-path");
      d.detail = "the outer jail can see and change the inner jail's files";
      d.notes.push_back({fmt::format("jail '{}' has path {}", outer.name, *outer.text("path")),
                         outer.find("path")->location()});
      break;
    }
  }
}

void check_vnet(const DesiredState& s, Diagnostics& diags) {
  for (const auto& j : s.jails) {
    const auto* vnet = j.text("vnet");
    if (vnet == nullptr || *vnet != "new") continue;
    for (const char* family : {"ip4.addr", "ip6.addr"}) {
      const auto* a = j.addresses(family);
      if (a == nullptr || a->empty()) continue;
      auto& d = diags.error(j.find(family)->location(),
                            fmt::format("vnet jail '{}' cannot have '{}'", j.name, family), "vnet-address");
      d.detail =
          "the kernel refuses IP address restrictions on vnet jails; configure addresses inside the "
          "jail (exec.start) instead";
      d.notes.push_back({"vnet is set here", j.find("vnet")->location()});
    }
  }
}

// An address as the kernel compares it (16 bytes; v4 in the first four),
// or nullopt when it does not parse (the type checker said so already).
std::optional<std::array<unsigned char, 16>> address_bytes(std::string_view text, bool v6) {
  std::array<unsigned char, 16> out{};
  const std::string s(text);
  if (::inet_pton(v6 ? AF_INET6 : AF_INET, s.c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

// kern_jail_set: a limited parent (restricted to its own list: it has
// addresses, or neither `ip4 = inherit` nor vnet) admits only children whose
// addresses are in its list (EPERM); a child may not be granted an allow.*
// permission its parent lacks, allow.unprivileged_proc_debug excepted
// (PR_ALLOW_DIFFERENCES). docs/kernel-rules.md.
void check_parent_grants(const JailSpec& child, const JailSpec& parent, Diagnostics& diags) {
  for (const bool v6 : {false, true}) {
    const char* list = v6 ? "ip6.addr" : "ip4.addr";
    const auto* mine = child.addresses(list);
    if (mine == nullptr || mine->empty()) continue;
    const auto* mode = parent.text(v6 ? "ip6" : "ip4");
    const auto* vnet = parent.text("vnet");
    const auto* theirs = parent.addresses(list);
    const bool limited = (theirs != nullptr && !theirs->empty()) ||
                         ((mode == nullptr || *mode != "inherit") && (vnet == nullptr || *vnet != "new"));
    if (!limited) continue;
    for (const auto& e : *mine) {
      const auto want = address_bytes(e.address, v6);
      const bool held =
          theirs != nullptr && std::any_of(theirs->begin(), theirs->end(), [&](const IpEntry& p) {
            return want && address_bytes(p.address, v6) == want;
          });
      if (held) continue;
      auto& d = diags.error(
          e.location,
          fmt::format("{} {} of jail '{}' is not one of its parent's addresses", list, e.address, child.name),
          "parent-limit");
      d.detail = fmt::format(
          "jail '{}' is limited to {}; the kernel refuses the child (jail_set: Operation not permitted)",
          parent.name,
          theirs != nullptr && !theirs->empty() ? "its own " + std::string(list)
                                                : std::string("no addresses"));
    }
  }
  // System V IPC: a child may have its own (new) or its parent's (inherit)
  // only when its parent has them at all
  for (const char* name : {"sysvmsg", "sysvsem", "sysvshm"}) {
    const auto* mine = child.text(name);
    if (mine == nullptr || *mine == "disable") continue;
    const auto* theirs = parent.text(name);
    if (theirs != nullptr && *theirs != "disable") continue;
    diags
        .error(child.find(name)->location(),
               fmt::format("jail '{}' cannot have {} = {}: its parent '{}' has {} disabled", child.name, name,
                           *mine, parent.name, name),
               "parent-limit")
        .detail = "the kernel refuses the child (jail_set: Operation not permitted)";
  }
  for (const auto& p : child.params) {
    const std::string_view name = p.name();
    if (name.rfind("allow.", 0) != 0 || name == "allow.unprivileged_proc_debug") continue;
    const auto* granted = std::get_if<bool>(&p.value);
    if (granted == nullptr || !*granted || p.info->where == ParamWhere::pseudo) continue;
    const TypedParam* theirs = parent.find(name);
    const bool parent_has = theirs != nullptr ? parent.flag(name) : p.info->default_value == "true";
    if (parent_has) continue;
    auto& d = diags.error(
        p.location(),
        fmt::format("jail '{}' cannot have {}: its parent '{}' does not", child.name, name, parent.name),
        "parent-limit");
    d.detail = "the kernel refuses the child (jail_set: Operation not permitted)";
    if (theirs != nullptr)
      d.notes.push_back({fmt::format("jail '{}' sets it here", parent.name), theirs->location()});
  }
}

// The kernel's limits between a child and its parent (§3.2): securelevel
// and enforce_statfs never below the parent's, children.max below the
// parent's, and a parent must allow children at all.
void check_parent_limits(const JailSpec& child, const JailSpec& parent, Diagnostics& diags) {
  const auto number = [](const JailSpec& j, std::string_view name) -> std::optional<std::int64_t> {
    const auto* p = j.find(name);
    if (p == nullptr) return std::nullopt;
    if (const auto* n = std::get_if<std::int64_t>(&p->value)) return *n;
    return std::nullopt;
  };
  for (const char* name : {"securelevel", "enforce_statfs"}) {
    const auto c = number(child, name), p = number(parent, name);
    if (!c || !p || *c >= *p) continue;
    auto& d =
        diags.error(child.find(name)->location(),
                    fmt::format("{} {} of jail '{}' is below its parent's ({})", name, *c, child.name, *p),
                    "parent-limit");
    d.detail = "the kernel refuses it (jail_set: Operation not permitted)";
    d.notes.push_back({fmt::format("jail '{}' sets it here", parent.name), parent.find(name)->location()});
  }
  const auto parent_max = number(parent, "children.max").value_or(0);
  if (parent_max == 0) {
    auto& d = diags.error(
        child.location, fmt::format("jail '{}' cannot have child jails: its children.max is 0", parent.name),
        "parent-limit");
    d.detail = fmt::format(
        "set children.max in jail '{}'; the kernel refuses the child with 'prison limit exceeded'",
        parent.name);
    return;
  }
  if (const auto c = number(child, "children.max"); c && *c >= parent_max)
    diags.error(child.find("children.max")->location(),
                fmt::format("children.max {} of jail '{}' must be below its parent's ({})", *c, child.name,
                            parent_max),
                "parent-limit");
}

void check_hierarchy(const DesiredState& s, const NameIndex& idx, Diagnostics& diags) {
  for (const auto& j : s.jails) {
    const auto dot = j.name.rfind('.');
    if (dot == std::string::npos || dot == 0) continue;
    const std::string parent = j.name.substr(0, dot);
    if (const auto it = idx.find(parent); it != idx.end()) {
      check_parent_limits(j, s.jails[it->second], diags);
      check_parent_grants(j, s.jails[it->second], diags);
      continue;
    }
    diags
        .warning(j.location,
                 fmt::format("parent jail '{}' of '{}' is not in this configuration", parent, j.name),
                 "missing-parent")
        .detail =
        "the kernel creates 'a.b' inside a running jail 'a'; it must be running before this one starts";
  }
}

void check_names(const DesiredState& s, Diagnostics& diags) {
  for (const auto& j : s.jails) {
    const std::string& n = j.name;
    const bool digits = !n.empty() && n.find_first_not_of("0123456789") == std::string::npos;
    if (digits && (!j.jid || std::to_string(*j.jid) != n)) {
      diags.error(j.location, fmt::format("jail name '{}' is numeric but is not its jid", n), "name").detail =
          "the kernel rejects numeric names unless they equal the jid; set 'name' in the block";
    }
  }
}

void check_cycles(const DesiredState& s, const std::vector<DependEdge>& edges, Diagnostics& diags) {
  const std::size_t n = s.jails.size();
  // each jail's outgoing edges, in edge order, as one array
  std::vector<std::size_t> first(n + 1, 0);
  for (const auto& e : edges) ++first[e.from + 1];
  for (std::size_t v = 0; v < n; ++v) first[v + 1] += first[v];
  std::vector<const DependEdge*> out(edges.size());
  {
    std::vector<std::size_t> fill(first.begin(), first.end() - 1);
    for (const auto& e : edges) out[fill[e.from]++] = &e;
  }
  std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
  std::vector<const DependEdge*> stack;
  std::vector<std::pair<std::size_t, std::size_t>> work;
  // iterative DFS keeps deep chains off the call stack
  for (std::size_t root = 0; root < n; ++root) {
    if (state[root] != 0) continue;
    work.assign(1, {root, first[root]});
    state[root] = 1;
    while (!work.empty()) {
      auto& [v, k] = work.back();
      if (k < first[v + 1]) {
        const DependEdge* e = out[k++];
        if (state[e->to] == 1) {
          // report the cycle: from e->to around to v, then e
          std::vector<const DependEdge*> cyc;
          for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
            cyc.push_back(*it);
            if ((*it)->from == e->to) break;
          }
          std::reverse(cyc.begin(), cyc.end());
          cyc.push_back(e);
          std::string path = s.jails[cyc.front()->from].name;
          for (const auto* c : cyc) path += " -> " + s.jails[c->to].name;
          auto& d = diags.error(e->location, fmt::format("dependency loop: {}", path), "depend-loop");
          for (const auto* c : cyc)
            d.notes.push_back(
                {fmt::format("'{}' {} '{}' here", s.jails[c->from].name,
                             c->parent_link ? "is a child of" : "depends on", s.jails[c->to].name),
                 c->location});
        } else if (state[e->to] == 0) {
          state[e->to] = 1;
          stack.push_back(e);
          work.push_back({e->to, first[e->to]});
        }
      } else {
        state[v] = 2;
        work.pop_back();
        if (!stack.empty()) stack.pop_back();
      }
    }
  }
}

}  // namespace

std::vector<DependEdge> dependency_edges(const DesiredState& s, Diagnostics* diags) {
  return dependency_edges(s, name_index(s), diags);
}

std::vector<DependEdge> dependency_edges(const DesiredState& s, const NameIndex& idx, Diagnostics* diags) {
  // counted first for an exact-size array: at 10,000 jails a doubling
  // vector's slack was the last rise of the front end's peak
  std::vector<DependEdge> edges;
  std::size_t count = 0;
  for (const auto& j : s.jails) {
    if (const auto* dep = j.find("depend")) count += dep->raw().size();
    count += j.name.find('.') != std::string::npos ? 1U : 0U;
  }
  edges.reserve(count);
  std::vector<std::string_view> names;  // for "did you mean", from the first unknown name on
  for (std::size_t i = 0; i < s.jails.size(); ++i) {
    const auto& j = s.jails[i];
    if (const auto* dep = j.find("depend")) {
      const auto& deps = dep->raw();
      for (std::size_t k = 0; k < deps.size(); ++k) {
        const Location loc = dep->value_location(k);
        const auto it = idx.find(deps[k]);
        if (it == idx.end()) {
          if (diags != nullptr) {
            if (names.empty())
              for (const auto& other : s.jails) names.push_back(other.name);
            auto& d = diags->error(
                loc, fmt::format("jail '{}' depends on undefined jail '{}'", j.name, deps[k]), "depend");
            if (auto m = closest_match(deps[k], names)) d.detail = fmt::format("did you mean '{}'?", *m);
          }
          continue;
        }
        edges.push_back({i, it->second, loc, false});
      }
    }
    const auto dot = j.name.rfind('.');
    if (dot != std::string::npos && dot > 0) {
      const auto it = idx.find(std::string_view(j.name).substr(0, dot));
      if (it != idx.end()) edges.push_back({i, it->second, j.location, true});
    }
  }
  return edges;
}

void validate(const DesiredState& state, Diagnostics& diags) {
  check_duplicates(state, diags);
  check_names(state, diags);
  check_addresses(state, diags);
  check_paths(state, diags);
  check_vnet(state, diags);
  const NameIndex idx = name_index(state);
  check_hierarchy(state, idx, diags);
  check_cycles(state, dependency_edges(state, idx, &diags), diags);
}

}  // namespace jailplan
