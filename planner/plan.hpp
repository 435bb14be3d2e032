#pragma once
/// The Plan is data: per jail an Action, the parameter changes that caused
/// it, and the ordered Steps that realise it (jail-semantics §4). Human,
/// JSON and Markdown renderings all read this one value; the executor runs
/// its steps and decides nothing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/source.hpp"
#include "planner/canon.hpp"
#include "planner/observed.hpp"

namespace jailplan {

/// What happens to a jail; the values are the glyphs (replace renders "-/+").
enum class Action : char {
  none = ' ',
  create = '+',
  update = '~',
  restart = 'R',
  replace = 'X',
  destroy = '-',
};

/// Why; for people only (the executor never reads it).
enum class Reason : std::uint8_t {
  none,
  not_running,     ///< declared, not running: create
  not_declared,    ///< managed, gone from the spec, --prune: destroy
  kernel_changed,  ///< modifiable kernel parameters differ
  record_changed,  ///< only settings used at the next stop (or bookkeeping) changed
  adopt,           ///< running, declared, never recorded by jailplan
  create_only,     ///< a create-only parameter differs (subject: the parameter)
  start_only,      ///< a setting used only at start differs (subject: the parameter)
  next_start,      ///< such a setting is recorded for the next start (subject: the parameter)
  dependency,      ///< a jail it depends on stops (subject: that jail)
  parent,          ///< its parent jail is re-created (subject: the parent)
  left_over,       ///< recorded, not running, resources remain: clean up
  interrupted,     ///< an apply was killed while starting it: start it afresh
  requested,       ///< `jailplan restart` or `jailplan destroy` asked for it
  damaged,         ///< running, but the backend found part of it broken (note: what)
  half_stopped,    ///< an apply was killed while stopping it: finish the stop (then start it, if declared)
  forced,          ///< `jailplan destroy --force`: removed without its stop hooks, processes killed
  drift,           ///< changed outside jailplan, nothing else: set back (subject: what, of the first drift)
  stopped_out,     ///< recorded as running, not running: it stopped outside jailplan (create it again)
};

/// What kind of resource changed outside jailplan.
enum class DriftKind : std::uint8_t {
  parameter,  ///< a kernel parameter (jail -m)
  alias,      ///< an address jail(8) added to an interface (ifconfig -alias), or to the jail's own link
  mount,      ///< a file system mounted for the jail (umount)
  limit,      ///< a resource limit (rctl, a cgroup file)
  link,       ///< the jail's own network link (Linux: its veth)
  stopped,    ///< the jail itself (jail -r)
};

/// One resource that differs from what jailplan's record says it applied:
/// changed outside jailplan. Computed by the planner from the record and
/// the observation (the configuration plays no part).
struct Drift {
  DriftKind kind = DriftKind::parameter;
  std::string what;      ///< the parameter, alias, mount point, rule (resource:action) or link
  std::string recorded;  ///< what jailplan applied ("": nothing)
  std::string observed;  ///< what the host has ("": nothing)
  bool operator==(const Drift&) const = default;
};

/// What one parameter change needs.
enum class Effect : std::uint8_t {
  none,    ///< same meaning
  record,  ///< only jailplan's record changes
  /// a setting read only when the jail starts (exec.start, exec.jail_user,
  /// ...): recorded now, in effect at its next start, as jail -cmr leaves a
  /// running jail alone (`apply --restart-changed` restarts it now)
  next_start,
  update,   ///< jail -m / in place
  restart,  ///< takes effect at the next start
  replace,  ///< create-only
};

struct ParamChange {
  std::string name;
  std::optional<std::vector<std::string>> before;  ///< nullopt: absent (or unknown)
  std::optional<std::vector<std::string>> after;   ///< nullopt: removed from the spec
  Effect effect = Effect::none;
  bool before_unknown = false;  ///< the observer did not report it
  bool is_list = false;
  Location origin;          ///< the statement that asked for it (invalid for removals)
  std::string origin_text;  ///< set when loaded from a plan file
};

enum class StepKind : std::uint8_t {
  // start (jail-semantics §4.3)
  prepare,
  alias_add,
  mount,
  mount_fstab,
  mount_devfs,
  mount_fdescfs,
  mount_procfs,
  prestart,
  create,
  limits,  ///< resource limits (jailplan.rctl): set the whole rule set
  created,
  zfs_dataset,
  vnet_interface,
  start,
  command,
  poststart,
  drop_persist,
  // stop (§4.4)
  prestop,
  stop,
  term,
  remove,
  unlimit,  ///< resource limits removed
  poststop,
  umount_procfs,
  umount_fdescfs,
  umount_devfs,
  umount_fstab,
  umount,
  alias_remove,
  release,
  // in place, and jailplan's own bookkeeping
  set,
  devfs_ruleset,  ///< a changed devfs_ruleset applied to the /dev mount.devfs made
  record,
  forget,
};

/// Where a step runs in the apply: stop steps (reverse dependency order),
/// then in-place steps, then start steps (dependency order).
enum class Phase : std::uint8_t { stop, update, start };

/// One kernel parameter a create or set step gives the jail.
struct StepParam {
  std::string name;                 ///< its catalog name (`allow.raw_sockets`)
  std::vector<std::string> values;  ///< canonical values: "true"/"false" for flags, lists whole
  Location origin;                  ///< the statement that asked for it (invalid: jailplan's own)
  std::string origin_text;          ///< set when loaded from a plan file
};

struct Step {
  StepKind kind;
  Phase phase;
  /// Arguments by kind (docs/plan-format.md): a command for exec.* hooks;
  /// {family, interface, address, mask, extra...} for aliases; an fstab line
  /// for mount/umount; a file for mount_fstab; {target[, ruleset]} for
  /// devfs/fdescfs/procfs; {target, ruleset} for devfs_ruleset; {seconds}
  /// for term; {interface} / {dataset};
  /// rctl rules without their subject for limits; none for create and set.
  std::vector<std::string> args;
  /// create and set: the kernel parameters, typed; each backend renders
  /// them its own way (FreeBSD: jail(8)'s command-line words).
  std::vector<StepParam> params;
  Location origin;
  std::string origin_text;
};

struct JailChange {
  std::string name;
  Action action = Action::none;
  Reason reason = Reason::none;
  std::string subject;  ///< the parameter or jail the reason names
  std::string note;     ///< something the reader should know (a stale record, ...)
  std::vector<ParamChange> changes;
  std::size_t unchanged = 0;  ///< parameters compared and found equal
  std::vector<Step> steps;    ///< in execution order, phases ascending
  Location location;          ///< the jail's block
  std::string location_text;
  std::optional<std::int64_t> jid;       ///< the running jail's jid
  std::string observed_digest;           ///< this jail's part of the observed state ("" when absent)
  std::optional<AppliedRecord> applied;  ///< the record the `record` step writes
  /// The settings its stop-phase steps run with (exec.jail_user, exec.fib,
  /// exec.clean, exec.timeout, path, ...): what the jail was started with,
  /// from its applied record, or its declared settings for a running jail
  /// jailplan holds no record of. nullopt when nothing is torn down.
  std::optional<CanonSpec> teardown;
  std::vector<std::string> depends_on;  ///< jails that must start first (depend and parents)
  /// What runs now, whole: its applied record's parameters, else the
  /// kernel's as observed; nullopt when it is not running. (What runs
  /// after is `applied`.)
  std::optional<CanonSpec> before;
  /// What changed outside jailplan, in resource order; the steps set it
  /// back (or start the jail again).
  std::vector<Drift> drift = {};
  /// A running jail no configuration owned becomes this one's (`--adopt`);
  /// its action says what else changes (update with reason adopt: nothing).
  bool adopt = false;
};

/// One input a plan was made from: a file read (its digest, or why it could
/// not be read), or a glob's matches (path `glob:PATTERN`).
struct SourceDigest {
  std::string path;
  std::string digest;  ///< "sha256:…" of the text; "unreadable: WHY" when it could not be read
  bool operator==(const SourceDigest&) const = default;
};

/// What a saved plan is bound to, besides its steps: the configuration it
/// was made from (every file read), the host, and the options that shaped
/// it. `apply PLAN` makes the plan again from these and runs it only when
/// it comes out the same.
struct PlanOrigin {
  std::string config;                 ///< the configuration file as it was named
  std::vector<SourceDigest> sources;  ///< every input read, in order
  std::string hostname;               ///< of the host observed (a snapshot's host for --state)
  std::string host_id;                ///< its host id (/etc/hostid, /etc/machine-id); "" unknown
  bool prune = false;
  bool restart_changed = false;
  bool adopt = false;
  bool operator==(const PlanOrigin&) const = default;
};

struct Plan {
  std::vector<JailChange> jails;       ///< dependency order, name tie-breaks
  std::vector<std::string> unmanaged;  ///< running, not declared, not created by jailplan
  /// created by jailplan (or leftovers of a dead jail nobody owns), not
  /// declared, kept (no --prune)
  std::vector<std::string> orphans;
  /// Running jails of other configurations, left alone: name and owner.
  std::vector<std::pair<std::string, std::string>> foreign;
  std::string desired_digest;
  std::string observed_digest;
  std::string tool_version;
  /// The configuration it was made from (DesiredState::owner): what every
  /// record it writes names as owner.
  std::string owner;
  PlanOrigin origin;            ///< set for `plan` (saved or shown), empty otherwise
  std::string observed_source;  ///< where the observation came from ("jls", "snapshot FILE")
  std::string created_at;       ///< when it was made, UTC, ISO 8601 (not in the digest); "" unset
  std::string digest;           ///< plan_digest(): what a reviewer quotes; "" when not computed

  bool has_changes() const;
  struct Counts {
    std::size_t create = 0, update = 0, restart = 0, replace = 0, destroy = 0;
  };
  Counts counts() const;
  const JailChange* find(std::string_view name) const;
};

std::string_view glyph(Action a);  ///< "+", "~", "-/+", "↻", "-", " "
std::string_view to_string(Action a);
std::string_view to_string(Effect e);
std::string_view to_string(StepKind k);
std::string_view to_string(Phase p);
std::string_view to_string(Reason r);
std::optional<Action> action_from_string(std::string_view s);
std::optional<Effect> effect_from_string(std::string_view s);
std::optional<StepKind> step_kind_from_string(std::string_view s);
std::optional<Reason> reason_from_string(std::string_view s);
std::optional<Phase> phase_from_string(std::string_view s);
std::string_view to_string(DriftKind k);
std::optional<DriftKind> drift_kind_from_string(std::string_view s);
/// One drift in words: `parameter host.hostname: "a" → "b"`.
std::string drift_text(const Drift& d);
/// Whether any planned jail drifted.
bool has_drift(const Plan& plan);
/// Why, in words (`path changed`), or "" when the action says it all.
std::string reason_text(const JailChange& j);
/// One sentence: `jail "www" will be replaced (path changed)`.
std::string headline(const JailChange& j);

}  // namespace jailplan
