#include "executor/freebsd/commands.hpp"

#include <fmt/format.h>

namespace jailplan {

namespace {

// {family, interface, address, mask, extra...} → ifconfig words (§4.6).
std::vector<std::string> alias_argv(const std::vector<std::string>& a, bool add, std::string& error) {
  if (a.size() < 4) {
    error = "alias step without family, interface, address and mask [this is a bug]";
    return {};
  }
  const bool v6 = a[0] == "inet6";
  std::vector<std::string> argv{k_ifconfig, a[1], a[0]};
  const std::string& mask = a[3];
  if (mask.empty()) {
    argv.push_back(a[2]);
    argv.emplace_back(v6 ? "prefixlen" : "netmask");
    argv.emplace_back(v6 ? "128" : "255.255.255.255");
  } else if (mask[0] == '/') {
    argv.push_back(a[2] + mask);
  } else {
    argv.push_back(a[2]);
    argv.emplace_back("netmask");
    argv.push_back(mask);
  }
  if (add) argv.insert(argv.end(), a.begin() + 4, a.end());
  argv.emplace_back(add ? "alias" : "-alias");
  return argv;
}

std::vector<std::string> helper_argv(const std::string& jail, const std::string& jid_or_name,
                                     const Step& step, std::string& error) {
  const auto& a = step.args;
  const auto need = [&](std::size_t n) {
    if (a.size() >= n) return true;
    error = fmt::format("step {} lacks arguments [this is a bug]", to_string(step.kind));
    return false;
  };
  switch (step.kind) {
    case StepKind::alias_add: return alias_argv(a, true, error);
    case StepKind::alias_remove: return alias_argv(a, false, error);
    case StepKind::mount:
    case StepKind::umount: {
      if (!need(1)) return {};
      const auto f = fstab_fields(a[0]);
      if (f.size() < 3) {
        error = fmt::format("mount: {}: missing information", a[0]);
        return {};
      }
      if (f[1].empty() || f[1][0] != '/') {
        error = fmt::format("mount: {}: not an absolute pathname", f[1]);
        return {};
      }
      if (step.kind == StepKind::umount) return {k_umount, "-t", f[2], f[1]};
      if (f.size() >= 4) return {k_mount, "-t", f[2], "-o", f[3], f[0], f[1]};
      return {k_mount, "-t", f[2], f[0], f[1]};
    }
    case StepKind::mount_devfs:
      if (!need(2)) return {};
      return {k_mount, "-t", "devfs", "-oruleset=" + a[1], ".", a[0]};
    case StepKind::mount_fdescfs:
      if (!need(1)) return {};
      return {k_mount, "-t", "fdescfs", ".", a[0]};
    case StepKind::mount_procfs:
      if (!need(1)) return {};
      return {k_mount, "-t", "procfs", ".", a[0]};
    case StepKind::umount_devfs:
    case StepKind::umount_fdescfs:
    case StepKind::umount_procfs:
      if (!need(1)) return {};
      return {k_umount, a[0]};
    case StepKind::create:
    case StepKind::set: {
      // jail(8)'s command-line words, one per parameter
      std::vector<std::string> argv{k_jail};
      if (step.kind == StepKind::create)
        argv.emplace_back("-c");
      else
        argv.insert(argv.end(), {"-m", "name=" + jail});
      for (const auto& p : step.params) argv.push_back(kernel_word(p.name, p.values));
      return argv;
    }
    case StepKind::drop_persist: return {k_jail, "-m", "name=" + jail, "nopersist"};
    case StepKind::remove: return {k_jail, "-R", jail};
    case StepKind::vnet_interface:
      if (!need(1)) return {};
      return {k_ifconfig, a[0], "vnet", jid_or_name};
    case StepKind::zfs_dataset:
      if (!need(1)) return {};
      return {
          k_sh, "-c",
          fmt::format("if [ \"$(/sbin/zfs get -H -o value jailed '{0}')\" = on ]; then /sbin/zfs jail '{1}' "
                      "'{0}'; else echo 'jail: {2}: zfs.dataset: {0}: not jailed'; fi",
                      a[0], jid_or_name, jail)};
    default: error = fmt::format("step {} is not a helper command", to_string(step.kind)); return {};
  }
}

}  // namespace

Result<std::vector<std::vector<std::string>>> freebsd_devfs_ruleset_argvs(const Step& step) {
  if (step.kind != StepKind::devfs_ruleset || step.args.size() < 2)
    return one_error(
        fmt::format("step {} is not a devfs ruleset change [this is a bug]", to_string(step.kind)));
  const std::string& dir = step.args[0];
  const std::string& ruleset = step.args[1];
  std::vector<std::vector<std::string>> argvs{{k_devfs, "-m", dir, "ruleset", ruleset}};
  if (ruleset != "0") argvs.push_back({k_devfs, "-m", dir, "rule", "applyset"});
  return argvs;
}

Result<std::vector<std::string>> freebsd_helper_argv(const std::string& jail, const std::string& jid_or_name,
                                                     const Step& step) {
  std::string error;
  auto argv = helper_argv(jail, jid_or_name, step, error);
  if (!error.empty()) return one_error(std::move(error));
  return argv;
}

HookCommand hook_command(const std::string& value) {
  static constexpr std::string_view k_shell = "!\"$&'()*;<>?[\\]`{|}~";
  HookCommand h;
  const auto first = value.find_first_of(k_shell);
  std::string v = value;
  if (first != std::string::npos && v[first] == '&' && first + 1 == v.size()) {
    h.background = true;
    v.pop_back();
  } else if (first != std::string::npos) {
    h.argv = {k_sh, "-c", value};
    return h;
  }
  h.argv = split_blanks(v);
  return h;
}

}  // namespace jailplan
