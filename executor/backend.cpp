// What every backend reads of a jail change and its steps: the applied
// settings, where a hook runs, fstab files, and the inverse of a step for
// rollbacks.
#include "executor/backend.hpp"

#include <cstdlib>
#include <fstream>

#include "compiler/fstab.hpp"
#include "grammar/source_loader.hpp"
#include "planner/steps.hpp"

namespace jailplan {

const CanonSpec* step_settings(const JailChange& j, const Step& s) {
  if (s.phase == Phase::stop && j.teardown) return &*j.teardown;
  return j.applied ? &j.applied->params : nullptr;
}

const std::string* step_setting(const JailChange& j, const Step& s, std::string_view name) {
  const CanonSpec* spec = step_settings(j, s);
  if (spec == nullptr) return nullptr;
  const auto* p = find_param(*spec, name);
  return p != nullptr && !p->values.empty() ? &p->values.back() : nullptr;
}

bool step_flag(const JailChange& j, const Step& s, std::string_view name) {
  const auto* v = step_setting(j, s, name);
  return v != nullptr && *v == "true";
}

std::chrono::milliseconds step_exec_timeout(const JailChange& j, const Step& s) {
  const auto* v = step_setting(j, s, "exec.timeout");
  return std::chrono::seconds(v != nullptr ? std::strtoll(v->c_str(), nullptr, 10) : 0);
}

void append_consolelog(const JailChange& j, const Step& s, const std::string& out, const std::string& err) {
  if (const auto* log = step_setting(j, s, "exec.consolelog"))
    std::ofstream(*log, std::ios::app) << out << err;
}

HookPlace hook_place(StepKind k) {
  switch (k) {
    case StepKind::prepare:
    case StepKind::prestart:
    case StepKind::created:
    case StepKind::poststart:
    case StepKind::prestop:
    case StepKind::poststop:
    case StepKind::release: return HookPlace::host;
    case StepKind::start:
    case StepKind::command:
    case StepKind::stop: return HookPlace::jail;
    default: return HookPlace::none;
  }
}

std::optional<std::vector<std::string>> fstab_file_lines(const std::string& path) {
  // read and split as the planner does (compiler/fstab.hpp): a regular
  // file of bounded size
  FileSystemLoader files;
  std::string error;
  auto text = files.read_regular(path, k_max_fstab_bytes, error);
  if (!text) return std::nullopt;
  const SourceFile file(path, std::move(*text));
  std::vector<std::string> lines;
  for (auto& line : fstab_lines(file)) lines.push_back(std::move(line.text));
  return lines;
}

std::optional<Step> inverse(const Step& s) {
  // an undo keeps its step's phase: a rollback belongs to the start that
  // failed and runs with that start's settings
  const auto undo = [&s](StepKind k, std::vector<std::string> args) {
    return Step{k, s.phase, std::move(args), {}, s.origin, s.origin_text};
  };
  switch (s.kind) {
    case StepKind::alias_add: return undo(StepKind::alias_remove, s.args);
    case StepKind::mount: return undo(StepKind::umount, s.args);
    case StepKind::mount_fstab: return undo(StepKind::umount_fstab, s.args);
    case StepKind::mount_devfs: return undo(StepKind::umount_devfs, {s.args.at(0)});
    case StepKind::mount_fdescfs: return undo(StepKind::umount_fdescfs, s.args);
    case StepKind::mount_procfs: return undo(StepKind::umount_procfs, s.args);
    case StepKind::create: return undo(StepKind::remove, {});
    case StepKind::limits: return undo(StepKind::unlimit, {});
    default: return std::nullopt;
  }
}

}  // namespace jailplan
