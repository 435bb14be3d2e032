#include "planner/steps.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "compiler/fstab.hpp"
#include "compiler/typecheck.hpp"

namespace jailplan {

namespace {

const std::vector<std::string> k_none;

Step make(StepKind kind, Phase phase, std::vector<std::string> args, Location origin) {
  return Step{kind, phase, std::move(args), {}, origin, {}};
}

Step make_params(StepKind kind, Phase phase, std::vector<StepParam> params, Location origin) {
  return Step{kind, phase, {}, std::move(params), origin, {}};
}

// exec.* hooks: one step per non-empty command, in written order.
void hooks(const SpecView& s, std::string_view param, StepKind kind, Phase phase, std::vector<Step>& out) {
  const auto* cmds = s.values(param);
  if (cmds == nullptr) return;
  for (std::size_t i = 0; i < cmds->size(); ++i)
    if (!(*cmds)[i].empty()) out.push_back(make(kind, phase, {(*cmds)[i]}, s.location(param, i)));
}

bool has_commands(const SpecView& s, std::string_view param) {
  const auto* v = s.values(param);
  return v != nullptr && std::any_of(v->begin(), v->end(), [](const auto& c) { return !c.empty(); });
}

void aliases(const SpecView& s, std::string_view param, bool v6, StepKind kind, Phase phase, bool reverse,
             std::vector<Step>& out) {
  const auto* entries = s.values(param);
  if (entries == nullptr) return;
  const std::string* interface = s.last("interface");
  for (std::size_t k = 0; k < entries->size(); ++k) {
    const std::size_t i = reverse ? entries->size() - 1 - k : k;
    auto args = alias_args((*entries)[i], v6, interface);
    if (!args.empty()) out.push_back(make(kind, phase, std::move(args), s.location(param, i)));
  }
}

void mounts(const SpecView& s, std::string_view param, StepKind kind, Phase phase, bool reverse,
            bool skip_blank, std::vector<Step>& out) {
  const auto* lines = s.values(param);
  if (lines == nullptr) return;
  for (std::size_t k = 0; k < lines->size(); ++k) {
    const std::size_t i = reverse ? lines->size() - 1 - k : k;
    if (skip_blank && split_blanks((*lines)[i]).empty()) continue;
    out.push_back(make(kind, phase, {(*lines)[i]}, s.location(param, i)));
  }
}

// mount.fstab (§4.3 row 5, §4.4 row 9): each line of the files, read when
// the plan was made, is a mount entry of its own. A spec without the lines
// (a record written before jailplan read the files) gets a step per file,
// read when it runs.
void fstab_mounts(const SpecView& s, Phase phase, bool stop, std::vector<Step>& out) {
  if (s.values(k_fstab_lines_param) != nullptr)
    mounts(s, k_fstab_lines_param, stop ? StepKind::umount : StepKind::mount, phase, stop, true, out);
  else
    mounts(s, "mount.fstab", stop ? StepKind::umount_fstab : StepKind::mount_fstab, phase, stop, false, out);
}

std::string under(const std::string* path, std::string_view sub) {
  std::string p = path != nullptr ? *path : std::string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p == "/") p.clear();
  return p + std::string(sub);
}

bool negatable_false(const std::vector<std::string>& values) {
  return !values.empty() && values.back() == "false";
}

}  // namespace

std::vector<std::string> alias_args(const std::string& raw, bool v6, const std::string* interface) {
  IpEntry e;
  if (!parse_ip_entry(raw, v6, e).empty()) return {};
  std::string iface(
      !e.interface.empty() ? e.interface : (interface != nullptr ? std::string_view(*interface) : ""));
  if (iface.empty()) return {};
  std::string mask(e.netmask);
  if (mask.empty() && e.prefix >= 0) mask.append("/").append(std::to_string(e.prefix));
  std::vector<std::string> args{v6 ? "inet6" : "inet", std::move(iface), std::string(e.address),
                                std::move(mask)};
  for (auto& x : e.extra) args.push_back(x);
  return args;
}

bool holds_alias(const ObservedState& host, const std::vector<std::string>& a) {
  // by meaning: a configuration may spell an address otherwise than the
  // host reports it (`2001:DB8::0:1`)
  const int family = a[0] == "inet6" ? AF_INET6 : AF_INET;
  const auto canonical = [family](const std::string& address) {
    unsigned char buf[sizeof(in6_addr)];
    char text[INET6_ADDRSTRLEN];
    if (::inet_pton(family, address.c_str(), buf) == 1 &&
        ::inet_ntop(family, buf, text, sizeof text) != nullptr)
      return std::string(text);
    return address;
  };
  const std::string address = canonical(a[2]);
  return std::any_of(host.addresses.begin(), host.addresses.end(), [&](const ObservedAddress& x) {
    return x.family == a[0] && x.interface == a[1] && (x.address == a[2] || canonical(x.address) == address);
  });
}

bool undoes_nothing(const Step& st, const ObservedState& host) {
  const auto mounted = [&host](const std::string& target) {
    return std::any_of(host.mounts.begin(), host.mounts.end(),
                       [&](const auto& m) { return m.target == target; });
  };
  switch (st.kind) {
    case StepKind::umount_procfs:
    case StepKind::umount_fdescfs:
    case StepKind::umount_devfs: return !mounted(st.args[0]);
    case StepKind::umount: {
      const auto fields = fstab_fields(st.args[0]);
      return !(fields.size() >= 2 && mounted(fields[1]));
    }
    case StepKind::alias_remove: return !holds_alias(host, st.args);
    default: return false;
  }
}

std::vector<std::string> fstab_fields(std::string_view line) {
  auto fields = split_blanks(line);
  for (std::size_t i = 0; i < fields.size() && i < 2; ++i) fields[i] = unvis(fields[i]);
  return fields;
}

const std::vector<std::string>* SpecView::values(std::string_view name) const {
  const auto* p = find_param(*spec, name);
  return p != nullptr ? &p->values : nullptr;
}

const std::string* SpecView::last(std::string_view name) const {
  const auto* v = values(name);
  return v != nullptr && !v->empty() ? &v->back() : nullptr;
}

bool SpecView::flag(std::string_view name) const {
  const auto* v = last(name);
  return v != nullptr && *v == "true";
}

Location SpecView::location(std::string_view name, std::size_t index) const {
  if (typed == nullptr) return {};
  const auto* p = typed->find(name);
  if (p == nullptr) return {};
  if (const auto* addrs = typed->addresses(name))
    return index < addrs->size() ? (*addrs)[index].location : p->location();
  return p->value_location(index);
}

Location SpecView::statement(std::string_view name) const {
  const auto* p = typed != nullptr ? typed->find(name) : nullptr;
  return p != nullptr ? p->location() : Location{};
}

std::string kernel_word(std::string_view name, const std::vector<std::string>& values) {
  const ParamInfo* info = find_info(name);  // canonical names only
  const ParamType type = info != nullptr ? info->type : ParamType::string;
  if (type == ParamType::boolean) {
    if (!negatable_false(values)) return std::string(name);
    const auto dot = name.rfind('.');
    const std::size_t at = dot == std::string_view::npos ? 0 : dot + 1;
    return std::string(name.substr(0, at)) + "no" + std::string(name.substr(at));
  }
  std::string w = std::string(name) + "=";
  if (type == ParamType::ip4_list || type == ParamType::ip6_list) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      IpEntry e;
      if (i > 0) w += ',';
      w += parse_ip_entry(values[i], type == ParamType::ip6_list, e).empty() ? e.address
                                                                             : std::string_view(values[i]);
    }
    return w;
  }
  if (type == ParamType::list) {
    for (std::size_t i = 0; i < values.size(); ++i) w += (i > 0 ? "," : "") + values[i];
    return w;
  }
  if (!values.empty()) w += values.back();
  return w;
}

std::string kernel_value(std::string_view name, const std::vector<std::string>& values) {
  const ParamInfo* info = find_info(name);
  if (info != nullptr && info->type == ParamType::boolean) return negatable_false(values) ? "false" : "true";
  const std::string word = kernel_word(name, values);
  return word.substr(std::min(word.size(), name.size() + 1));
}

std::vector<std::string> step_words(const Step& step) {
  if (step.kind != StepKind::create && step.kind != StepKind::set) return step.args;
  std::vector<std::string> words;
  words.reserve(step.params.size());
  for (const auto& p : step.params) words.push_back(kernel_word(p.name, p.values));
  return words;
}

std::vector<StepParam> kernel_params(const SpecView& s, bool add_persist) {
  std::vector<StepParam> params;
  bool persist_seen = false;
  if (const auto* name = s.last("name")) params.push_back({"name", {*name}, s.statement("name"), {}});
  for (const auto& p : *s.spec) {
    const ParamInfo* info = find_info(p.name);
    if (info == nullptr || !in_kernel(*info) || info->mutability == Mutability::read_only || p.name == "name")
      continue;
    if (p.name == "persist" && add_persist) {
      params.push_back({"persist", {"true"}, s.statement("persist"), {}});
      persist_seen = true;
      continue;
    }
    params.push_back({p.name, p.values, s.statement(p.name), {}});
  }
  if (add_persist && !persist_seen) params.push_back({"persist", {"true"}, {}, {}});
  return params;
}

void append_start_steps(const std::string& jail, const SpecView& s, std::vector<Step>& out) {
  constexpr Phase ph = Phase::start;
  const std::string* path = s.last("path");
  hooks(s, "exec.prepare", StepKind::prepare, ph, out);
  aliases(s, "ip4.addr", false, StepKind::alias_add, ph, false, out);
  aliases(s, "ip6.addr", true, StepKind::alias_add, ph, false, out);
  mounts(s, "mount", StepKind::mount, ph, false, true, out);
  fstab_mounts(s, ph, false, out);
  if (s.flag("mount.devfs")) {
    const std::string* ruleset = s.last("devfs_ruleset");
    out.push_back(make(StepKind::mount_devfs, ph, {under(path, "/dev"), ruleset != nullptr ? *ruleset : "4"},
                       s.location("mount.devfs", 0)));
  }
  if (s.flag("mount.fdescfs"))
    out.push_back(
        make(StepKind::mount_fdescfs, ph, {under(path, "/dev/fd")}, s.location("mount.fdescfs", 0)));
  if (s.flag("mount.procfs"))
    out.push_back(make(StepKind::mount_procfs, ph, {under(path, "/proc")}, s.location("mount.procfs", 0)));
  hooks(s, "exec.prestart", StepKind::prestart, ph, out);
  // jail(8) adds a temporary persist so the jail survives between commands
  const bool temporary_persist =
      !s.flag("persist") &&
      (has_commands(s, "exec.start") || has_commands(s, "command") || has_commands(s, "exec.poststart"));
  SpecView named = s;
  CanonSpec with_name;
  if (s.last("name") == nullptr) {
    with_name = *s.spec;
    put_param(with_name, CanonParam{"name", {jail}});
    named.spec = &with_name;
  }
  out.push_back(make_params(StepKind::create, ph, kernel_params(named, temporary_persist),
                            s.typed != nullptr ? s.typed->location : Location{}));
  if (const auto* rules = s.values("jailplan.rctl"); rules != nullptr && !rules->empty())
    out.push_back(make(StepKind::limits, ph, *rules, s.location("jailplan.rctl", 0)));
  hooks(s, "exec.created", StepKind::created, ph, out);
  if (const auto* ds = s.values("zfs.dataset"))
    for (std::size_t i = 0; i < ds->size(); ++i)
      out.push_back(make(StepKind::zfs_dataset, ph, {(*ds)[i]}, s.location("zfs.dataset", i)));
  if (const auto* ifs = s.values("vnet.interface"))
    for (std::size_t i = 0; i < ifs->size(); ++i)
      out.push_back(make(StepKind::vnet_interface, ph, {(*ifs)[i]}, s.location("vnet.interface", i)));
  hooks(s, "exec.start", StepKind::start, ph, out);
  hooks(s, "command", StepKind::command, ph, out);
  hooks(s, "exec.poststart", StepKind::poststart, ph, out);
  if (temporary_persist) out.push_back(make(StepKind::drop_persist, ph, {}, {}));
  out.push_back(make(StepKind::record, ph, {}, {}));
}

namespace {

// §4.4 rows 5-13: everything after the kernel removal.
void append_after_remove(const SpecView& s, std::vector<Step>& out, StopHooks run = StopHooks::run) {
  constexpr Phase ph = Phase::stop;
  const std::string* path = s.last("path");
  if (run == StopHooks::run) hooks(s, "exec.poststop", StepKind::poststop, ph, out);
  if (s.flag("mount.procfs"))
    out.push_back(make(StepKind::umount_procfs, ph, {under(path, "/proc")}, s.location("mount.procfs", 0)));
  if (s.flag("mount.fdescfs"))
    out.push_back(
        make(StepKind::umount_fdescfs, ph, {under(path, "/dev/fd")}, s.location("mount.fdescfs", 0)));
  if (s.flag("mount.devfs"))
    out.push_back(make(StepKind::umount_devfs, ph, {under(path, "/dev")}, s.location("mount.devfs", 0)));
  fstab_mounts(s, ph, true, out);
  mounts(s, "mount", StepKind::umount, ph, true, true, out);
  aliases(s, "ip6.addr", true, StepKind::alias_remove, ph, true, out);
  aliases(s, "ip4.addr", false, StepKind::alias_remove, ph, true, out);
  if (run == StopHooks::run) hooks(s, "exec.release", StepKind::release, ph, out);
}

}  // namespace

void append_stop_steps(const std::string& /*jail*/, const SpecView& s, bool forget, std::vector<Step>& out) {
  constexpr Phase ph = Phase::stop;
  hooks(s, "exec.prestop", StepKind::prestop, ph, out);
  hooks(s, "exec.stop", StepKind::stop, ph, out);
  const std::string* timeout = s.last("stop.timeout");
  const std::string seconds = timeout != nullptr ? *timeout : "10";
  if (seconds != "0") out.push_back(make(StepKind::term, ph, {seconds}, s.location("stop.timeout", 0)));
  out.push_back(make(StepKind::remove, ph, {}, {}));
  if (const auto* rules = s.values("jailplan.rctl"); rules != nullptr && !rules->empty())
    out.push_back(make(StepKind::unlimit, ph, {}, {}));
  append_after_remove(s, out);
  if (forget) out.push_back(make(StepKind::forget, ph, {}, {}));
}

void append_forced_stop_steps(const std::string& /*jail*/, const SpecView& s, std::vector<Step>& out) {
  constexpr Phase ph = Phase::stop;
  out.push_back(make(StepKind::remove, ph, {}, {}));
  if (const auto* rules = s.values("jailplan.rctl"); rules != nullptr && !rules->empty())
    out.push_back(make(StepKind::unlimit, ph, {}, {}));
  append_after_remove(s, out, StopHooks::skip);
  out.push_back(make(StepKind::forget, ph, {}, {}));
}

void append_cleanup_steps(const std::string& /*jail*/, const SpecView& s, const ObservedState& host,
                          bool forget, std::vector<Step>& out, StopHooks run) {
  // like jail -rC, but only undoing what the host still shows
  std::vector<Step> all;
  append_after_remove(s, all, run);
  for (auto& st : all)
    if (!undoes_nothing(st, host)) out.push_back(std::move(st));
  if (forget) out.push_back(make(StepKind::forget, Phase::stop, {}, {}));
}

void append_update_steps(const std::string& /*jail*/, const SpecView& desired, const SpecView* recorded,
                         const std::vector<ParamChange>& changes, const ObservedState& host,
                         std::vector<Step>& out) {
  constexpr Phase ph = Phase::update;
  std::vector<Step> removals;
  std::vector<StepParam> params;
  Location set_origin;
  for (const auto& c : changes) {
    if (c.effect != Effect::update) continue;
    const bool v6 = c.name == "ip6.addr";
    if (c.name == "ip4.addr" || v6) {
      // new aliases go up before the kernel gets the address; dropped ones
      // come down after the kernel has let go of it
      const auto* now = desired.values(c.name);
      const auto* was = recorded != nullptr ? recorded->values(c.name) : nullptr;
      const std::vector<std::string>& now_v = now != nullptr ? *now : k_none;
      const std::vector<std::string>& was_v = was != nullptr ? *was : k_none;
      // an alias whose address stays on the same interface (only its mask
      // or extra words changed) comes down first, then up again: ifconfig
      // cannot hold the same address twice
      std::vector<std::vector<std::string>> dropped;
      for (std::size_t k = was_v.size(); k-- > 0;)
        if (std::find(now_v.begin(), now_v.end(), was_v[k]) == now_v.end())
          if (auto args = alias_args(was_v[k], v6, recorded->last("interface")); !args.empty())
            dropped.push_back(std::move(args));
      const auto same_place = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
        return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
      };
      for (std::size_t i = 0; i < now_v.size(); ++i) {
        if (std::find(was_v.begin(), was_v.end(), now_v[i]) != was_v.end()) continue;
        auto args = alias_args(now_v[i], v6, desired.last("interface"));
        if (args.empty() || (recorded == nullptr && holds_alias(host, args))) continue;
        const auto moved =
            std::find_if(dropped.begin(), dropped.end(), [&](const auto& d) { return same_place(d, args); });
        if (moved != dropped.end()) {
          out.push_back(make(StepKind::alias_remove, ph, std::move(*moved), {}));
          dropped.erase(moved);
        }
        out.push_back(make(StepKind::alias_add, ph, std::move(args), desired.location(c.name, i)));
      }
      for (auto& d : dropped) removals.push_back(make(StepKind::alias_remove, ph, std::move(d), {}));
    }
    if (c.name == "jailplan.rctl") {
      out.push_back(make(StepKind::limits, ph, c.after ? *c.after : std::vector<std::string>{}, c.origin));
      continue;
    }
    const ParamInfo* info = find_info(c.name);
    if (info == nullptr || !in_kernel(*info) || !c.after) continue;
    if ((c.name == "ip4.addr" || v6) && c.before &&
        kernel_view(*info, *c.before) == kernel_view(*info, *c.after))
      continue;  // only the aliases differ
    params.push_back({c.name, *c.after, c.origin, {}});
    if (!set_origin.valid()) set_origin = c.origin;
  }
  if (!params.empty()) out.push_back(make_params(StepKind::set, ph, std::move(params), set_origin));
  // `jail -m devfs_ruleset=N` changes only the kernel's value; the /dev
  // mount.devfs made keeps its rules until it gets the new ones, as
  // rc.subr's devfs_domount gives them (devfs ruleset N, rule applyset);
  // with devfs_ruleset gone, the one jail(8) mounts /dev with (4)
  if (recorded != nullptr && desired.flag("mount.devfs") && recorded->flag("mount.devfs")) {
    const auto c = std::find_if(changes.begin(), changes.end(), [](const ParamChange& x) {
      return x.name == "devfs_ruleset" && x.effect == Effect::update && x.after;
    });
    const std::string* declared = desired.last("devfs_ruleset");
    if (c != changes.end())
      out.push_back(make(StepKind::devfs_ruleset, ph,
                         {under(recorded->last("path"), "/dev"), declared != nullptr ? *declared : "4"},
                         c->origin));
  }
  for (auto& r : removals) out.push_back(std::move(r));
  out.push_back(make(StepKind::record, ph, {}, {}));
}

}  // namespace jailplan
