#include "planner/plan.hpp"

#include <array>

#include <fmt/format.h>

namespace jailplan {

namespace {

template <typename E, std::size_t N>
std::optional<E> from_table(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
  for (const auto& [e, name] : table)
    if (name == s) return e;
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view in_table(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, name] : table)
    if (v == e) return name;
  return "?";
}

constexpr std::array<std::pair<Action, std::string_view>, 6> k_actions{{
    {Action::none, "none"},
    {Action::create, "create"},
    {Action::update, "update"},
    {Action::restart, "restart"},
    {Action::replace, "replace"},
    {Action::destroy, "destroy"},
}};

constexpr std::array<std::pair<Effect, std::string_view>, 6> k_effects{{
    {Effect::none, "none"},
    {Effect::record, "record"},
    {Effect::next_start, "next-start"},
    {Effect::update, "update"},
    {Effect::restart, "restart"},
    {Effect::replace, "replace"},
}};

constexpr std::array<std::pair<Reason, std::string_view>, 19> k_reasons{{
    {Reason::none, "none"},
    {Reason::not_running, "not-running"},
    {Reason::not_declared, "not-declared"},
    {Reason::kernel_changed, "kernel-changed"},
    {Reason::record_changed, "record-changed"},
    {Reason::adopt, "adopt"},
    {Reason::create_only, "create-only"},
    {Reason::start_only, "start-only"},
    {Reason::next_start, "next-start"},
    {Reason::dependency, "dependency"},
    {Reason::parent, "parent"},
    {Reason::left_over, "left-over"},
    {Reason::interrupted, "interrupted"},
    {Reason::requested, "requested"},
    {Reason::damaged, "damaged"},
    {Reason::half_stopped, "half-stopped"},
    {Reason::forced, "forced"},
    {Reason::drift, "drift"},
    {Reason::stopped_out, "stopped-outside"},
}};

constexpr std::array<std::pair<DriftKind, std::string_view>, 6> k_drift_kinds{{
    {DriftKind::parameter, "parameter"},
    {DriftKind::alias, "alias"},
    {DriftKind::mount, "mount"},
    {DriftKind::limit, "limit"},
    {DriftKind::link, "link"},
    {DriftKind::stopped, "stopped"},
}};

constexpr std::array<std::pair<StepKind, std::string_view>, 34> k_steps{{
    {StepKind::prepare, "exec.prepare"},
    {StepKind::alias_add, "alias-add"},
    {StepKind::mount, "mount"},
    {StepKind::mount_fstab, "mount.fstab"},
    {StepKind::mount_devfs, "mount.devfs"},
    {StepKind::mount_fdescfs, "mount.fdescfs"},
    {StepKind::mount_procfs, "mount.procfs"},
    {StepKind::prestart, "exec.prestart"},
    {StepKind::create, "create"},
    {StepKind::limits, "limits"},
    {StepKind::created, "exec.created"},
    {StepKind::zfs_dataset, "zfs.dataset"},
    {StepKind::vnet_interface, "vnet.interface"},
    {StepKind::start, "exec.start"},
    {StepKind::command, "command"},
    {StepKind::poststart, "exec.poststart"},
    {StepKind::drop_persist, "drop-persist"},
    {StepKind::prestop, "exec.prestop"},
    {StepKind::stop, "exec.stop"},
    {StepKind::term, "term"},
    {StepKind::remove, "remove"},
    {StepKind::unlimit, "unlimit"},
    {StepKind::poststop, "exec.poststop"},
    {StepKind::umount_procfs, "umount.procfs"},
    {StepKind::umount_fdescfs, "umount.fdescfs"},
    {StepKind::umount_devfs, "umount.devfs"},
    {StepKind::umount_fstab, "umount.fstab"},
    {StepKind::umount, "umount"},
    {StepKind::alias_remove, "alias-remove"},
    {StepKind::release, "exec.release"},
    {StepKind::set, "set"},
    {StepKind::devfs_ruleset, "devfs_ruleset"},
    {StepKind::record, "record"},
    {StepKind::forget, "forget"},
}};

constexpr std::array<std::pair<Phase, std::string_view>, 3> k_phases{{
    {Phase::stop, "stop"},
    {Phase::update, "update"},
    {Phase::start, "start"},
}};

}  // namespace

std::string_view glyph(Action a) {
  switch (a) {
    case Action::none: return " ";
    case Action::create: return "+";
    case Action::update: return "~";
    case Action::restart: return "↻";
    case Action::replace: return "-/+";
    case Action::destroy: return "-";
  }
  return "?";
}

std::string_view to_string(Action a) {
  return in_table(k_actions, a);
}
std::string_view to_string(Effect e) {
  return in_table(k_effects, e);
}
std::string_view to_string(StepKind k) {
  return in_table(k_steps, k);
}
std::string_view to_string(Phase p) {
  return in_table(k_phases, p);
}
std::string_view to_string(Reason r) {
  return in_table(k_reasons, r);
}
std::optional<Action> action_from_string(std::string_view s) {
  return from_table(k_actions, s);
}
std::optional<Effect> effect_from_string(std::string_view s) {
  return from_table(k_effects, s);
}
std::optional<StepKind> step_kind_from_string(std::string_view s) {
  return from_table(k_steps, s);
}
std::optional<Reason> reason_from_string(std::string_view s) {
  return from_table(k_reasons, s);
}

std::optional<Phase> phase_from_string(std::string_view s) {
  return from_table(k_phases, s);
}

std::string_view to_string(DriftKind k) {
  return in_table(k_drift_kinds, k);
}
std::optional<DriftKind> drift_kind_from_string(std::string_view s) {
  return from_table(k_drift_kinds, s);
}

std::string drift_text(const Drift& d) {
  if (d.recorded.empty() && d.observed.empty()) return fmt::format("{}: {}", to_string(d.kind), d.what);
  const auto shown = [](const std::string& v) { return v.empty() ? std::string("(none)") : v; };
  return fmt::format("{} {}: {} → {}", to_string(d.kind), d.what, shown(d.recorded), shown(d.observed));
}

bool has_drift(const Plan& plan) {
  for (const auto& j : plan.jails)
    if (!j.drift.empty()) return true;
  return false;
}

bool Plan::has_changes() const {
  for (const auto& j : jails)
    if (j.action != Action::none) return true;
  return false;
}

Plan::Counts Plan::counts() const {
  Counts c;
  for (const auto& j : jails) {
    switch (j.action) {
      case Action::create: ++c.create; break;
      case Action::update: ++c.update; break;
      case Action::restart: ++c.restart; break;
      case Action::replace: ++c.replace; break;
      case Action::destroy: ++c.destroy; break;
      case Action::none: break;
    }
  }
  return c;
}

const JailChange* Plan::find(std::string_view name) const {
  for (const auto& j : jails)
    if (j.name == name) return &j;
  return nullptr;
}

std::string reason_text(const JailChange& j) {
  switch (j.reason) {
    case Reason::create_only: return fmt::format("{} changed", j.subject);
    case Reason::start_only: return fmt::format("{} changed, used at start", j.subject);
    case Reason::next_start:
      return fmt::format(
          "{} changed: recorded, in effect at its next start; --restart-changed restarts it now", j.subject);
    case Reason::dependency: return fmt::format("it depends on '{}', which stops", j.subject);
    case Reason::parent: return fmt::format("its parent '{}' is re-created", j.subject);
    case Reason::not_declared: return "no longer declared, --prune";
    case Reason::adopt:
      return j.adopt ? "no configuration owned it: --adopt makes it this one's"
                     : "running but not yet recorded by jailplan: recording it";
    case Reason::record_changed: return "settings used at the next stop changed: recording them";
    case Reason::left_over: return "it stopped without jailplan: cleaning up what it left";
    case Reason::interrupted: return "an earlier apply was interrupted while starting it: starting it afresh";
    case Reason::requested: return j.action == Action::destroy ? "destroy requested" : "restart requested";
    case Reason::damaged: return "it runs, but part of it is broken: restarting it";
    case Reason::half_stopped:
      return j.action == Action::destroy
                 ? "an earlier run was interrupted while stopping it: finishing the stop"
                 : "an earlier run was interrupted while stopping it: restarting it";
    case Reason::forced: return "forced: no stop hooks, its processes killed";
    case Reason::drift:
      return fmt::format("{} changed outside jailplan: {}", j.subject,
                         j.action == Action::update    ? "setting it back"
                         : j.action == Action::replace ? "re-creating it"
                                                       : "restarting it");
    case Reason::stopped_out: return "it stopped outside jailplan: starting it again";
    default: return {};
  }
}

std::string headline(const JailChange& j) {
  const char* verb = "is unchanged";
  switch (j.action) {
    case Action::create: verb = "will be created"; break;
    case Action::update: verb = "will be updated in place"; break;
    case Action::restart: verb = "will be restarted"; break;
    case Action::replace: verb = "will be replaced"; break;
    case Action::destroy: verb = "will be destroyed"; break;
    case Action::none: break;
  }
  if (j.adopt) {
    switch (j.action) {
      case Action::update:
        verb = j.reason == Reason::adopt ? "will be adopted" : "will be adopted and updated in place";
        break;
      case Action::restart: verb = "will be adopted and restarted"; break;
      case Action::replace: verb = "will be adopted and replaced"; break;
      default: break;
    }
  }
  const std::string why = reason_text(j);
  return fmt::format("jail \"{}\" {}{}", j.name, verb, why.empty() ? "" : " (" + why + ")");
}

}  // namespace jailplan
