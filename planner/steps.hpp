#pragma once
/// Expanding a jail's spec into the ordered Steps of jail(8)'s create and
/// remove sequences (jail-semantics §4.3, §4.4). The tables here are the
/// only place that knows the order.

#include <vector>

#include "base/text.hpp"
#include "compiler/model.hpp"
#include "planner/canon.hpp"
#include "planner/observed.hpp"
#include "planner/plan.hpp"

namespace jailplan {

/// A canonical spec with, when it comes from the configuration, the typed
/// jail that gives every value its Location (records have none).
struct SpecView {
  const CanonSpec* spec = nullptr;
  const JailSpec* typed = nullptr;

  const std::vector<std::string>* values(std::string_view name) const;
  const std::string* last(std::string_view name) const;
  bool flag(std::string_view name) const;
  Location location(std::string_view name, std::size_t index) const;
  /// Where the parameter itself was set (invalid without a typed jail).
  Location statement(std::string_view name) const;
};

/// §4.3 rows 1-17, then jailplan's `record` step.
void append_start_steps(const std::string& jail, const SpecView& spec, std::vector<Step>& out);
/// §4.4 rows 1-13 (then `forget` when `forget` is set).
void append_stop_steps(const std::string& jail, const SpecView& spec, bool forget, std::vector<Step>& out);
/// Whether a teardown runs the jail's exec.* stop hooks (`destroy --force`
/// does not).
enum class StopHooks : bool { run, skip };
/// `destroy --force`, as jail -R: no exec.prestop / exec.stop, no SIGTERM
/// and stop.timeout (the removal kills what runs), then §4.4 rows 5-13
/// without exec.poststop and exec.release, then `forget`.
void append_forced_stop_steps(const std::string& jail, const SpecView& spec, std::vector<Step>& out);
/// jail -rC for a jail that is gone: poststop, unmount what is still
/// mounted under its path, remove the aliases still configured, release.
void append_cleanup_steps(const std::string& jail, const SpecView& spec, const ObservedState& host,
                          bool forget, std::vector<Step>& out, StopHooks hooks = StopHooks::run);
/// In place: aliases for added addresses, one `set` of the changed kernel
/// parameters, removal of dropped aliases, then `record`. A jail adopted
/// without a record gets no alias the host already holds: ifconfig would
/// delete it and add it again.
void append_update_steps(const std::string& jail, const SpecView& desired, const SpecView* recorded,
                         const std::vector<ParamChange>& changes, const ObservedState& host,
                         std::vector<Step>& out);

/// An address entry's alias step arguments, {family, interface, address,
/// mask, extra...}, or empty when the entry gets no alias (no `iface|` and
/// no `interface`).
std::vector<std::string> alias_args(const std::string& raw, bool v6, const std::string* interface);
/// Whether the host has an alias step's {family, interface, address}.
bool holds_alias(const ObservedState& host, const std::vector<std::string>& args);
/// An unmount or alias removal whose mount or alias the host no longer
/// shows (the host's lists are read whole).
bool undoes_nothing(const Step& step, const ObservedState& host);

/// An fstab(5) line's fields, with fields 1-2 decoded as strunvis does
/// (`\040` is a space). Empty when blank.
std::vector<std::string> fstab_fields(std::string_view line);

/// The kernel parameters of a spec as `jail -c` would send them: `name`
/// first, then in name order, with a temporary `persist` when asked.
std::vector<StepParam> kernel_params(const SpecView& spec, bool add_persist);
/// One kernel parameter in jail(8)'s command-line form (`name=value`,
/// `flag` / `noflag`).
std::string kernel_word(std::string_view name, const std::vector<std::string>& values);
/// Its value as the kernel reads it (the text after `=`; "true"/"false"
/// for flags).
std::string kernel_value(std::string_view name, const std::vector<std::string>& values);
/// A step's arguments as people and jail(8) read them: for create and set
/// its parameters in command-line form, else its arguments.
std::vector<std::string> step_words(const Step& step);

}  // namespace jailplan
