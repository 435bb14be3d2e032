#include "executor/linux/backend.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "compiler/param_catalog.hpp"
#include "executor/freebsd/commands.hpp"
#include "executor/linux/capabilities.hpp"
#include "executor/linux/cgroup.hpp"
#include "executor/linux/launch.hpp"
#include "executor/linux/names.hpp"
#include "executor/linux/params.hpp"
#include "executor/linux/running.hpp"
#include "executor/linux/sys.hpp"
#include "planner/canon.hpp"
#include "planner/steps.hpp"

namespace jailplan {

using linux_jail::MountSpec;

namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// the kernel's reading of each family's address list (commas; "-" is none)
std::string addresses_of(const linux_jail::KernelParams& params, std::vector<linux_net::IpAddress>& out) {
  for (const auto& [name, value] : params) {
    if (name != "ip4.addr" && name != "ip6.addr") continue;
    const auto texts = canon_reported(*find_info(name), {value});
    for (const auto& text : texts.value_or(std::vector<std::string>{})) {
      linux_net::IpAddress a;
      if (!linux_net::parse_ip(text, a)) return fmt::format("{}: not an address: {}", name, text);
      out.push_back(a);
    }
  }
  return {};
}

// exec.consolelog, appended to as jail(8) does, but never through a
// symbolic link: a log under a jail's root is the jail's to replace
std::string append_consolelog_beneath(const JailChange& j, const Step& s, const std::string& text) {
  const auto* log = step_setting(j, s, "exec.consolelog");
  if (log == nullptr) return {};
  open_how how{};
  how.flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.mode = 0666;  // less the umask, as jail(8)'s DEFFILEMODE
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  linux_jail::Fd fd(static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, log->c_str(), &how, sizeof how)));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0)
    return fmt::format("exec.consolelog {}: {}", *log,
                       errno == ELOOP ? "a component is a symbolic link" : std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fmt::format("exec.consolelog {}: not a regular file", *log);
  if (!linux_jail::write_all(fd.get(), text))
    return fmt::format("exec.consolelog {}: {}", *log, std::strerror(errno));
  return {};
}

// a sentence from below, as it is ("" is success)
Status failed_if(std::string error) {
  return error.empty() ? Status{} : failure(std::move(error));
}

}  // namespace

std::string LinuxPaths::self_path() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/proc/self/exe") : p.string();
}

LinuxPaths LinuxPaths::from(const HostEnv& env) {
  LinuxPaths p;
  if (!env.runtime_dir.empty()) p.runtime_dir = env.runtime_dir;
  if (!env.state_dir.empty()) p.state_dir = env.state_dir;
  return p;
}

LinuxBackend::~LinuxBackend() {
  finish();
}

Status LinuxBackend::finish() {
  std::lock_guard lock(m_mutex);
  std::string e = linux_jail::await_links_gone(m_dying_links, std::chrono::seconds(2));
  m_dying_links.clear();
  return failed_if(std::move(e));
}

Status LinuxBackend::forget(const JailChange& j) {
  if (m_dry_run || !linux_jail::unusable_name(j.name).empty()) return {};
  auto r = runtime(j);
  if (r && linux_jail::alive(*r))
    return failure(
        fmt::format("jail: {}: it still runs (init pid {}): its record is kept", j.name, r->init_pid));
  // its init died without jailplan (or this process was killed before the
  // end of a teardown): what the kernel did not take along goes now
  const std::string e = r ? linux_jail::destroy(*r, m_paths.runtime_dir) : linux_cgroup::remove(j.name);
  return e.empty() ? Status{} : failure(fmt::format("jail: {}: {}", j.name, e));
}

Result<linux_jail::Runtime> LinuxBackend::runtime(const JailChange& j) const {
  return linux_jail::read_runtime(m_paths.runtime_dir, j.name);
}

Status LinuxBackend::hook(const JailChange& j, const Step& s, bool in_jail) {
  const HookCommand h = hook_command(s.args.at(0));
  if (h.argv.empty()) return {};
  Command c;
  if (in_jail) {
    c.argv = {m_paths.self, "__jail-exec", "-R", m_paths.runtime_dir};
    if (step_flag(j, s, "exec.clean")) c.argv.emplace_back("-l");
    if (h.background) c.argv.emplace_back("-d");
    if (const auto* user = step_setting(j, s, "exec.jail_user")) {
      c.argv.emplace_back(step_flag(j, s, "exec.system_jail_user") ? "-u" : "-U");
      c.argv.push_back(*user);
    }
    c.argv.push_back(j.name);
    c.argv.emplace_back("--");
  }
  c.argv.insert(c.argv.end(), h.argv.begin(), h.argv.end());
  if (h.background && !in_jail) c.argv = {k_sh, "-c", format_argv(c.argv) + " >/dev/null 2>&1 &"};
  if (!in_jail && step_flag(j, s, "exec.clean"))
    c.env = std::vector<std::string>{"PATH=/bin:/usr/bin:/sbin:/usr/sbin"};
  c.timeout = step_exec_timeout(j, s);
  if (m_dry_run) return {};
  const CommandResult r = m_runner.run(c);
  if (in_jail)
    if (auto e = append_consolelog_beneath(j, s, r.out + r.err); !e.empty())
      return failure(fmt::format("jail: {}: {}", j.name, e));
  if (r.ok()) return {};
  std::string msg = fmt::format("jail: {}: {}: {}", j.name, format_argv(c.argv), r.describe());
  if (!r.err.empty()) msg += ": " + r.err.substr(0, r.err.find('\n'));
  return failure(std::move(msg));
}

Status LinuxBackend::queue_mount(const JailChange& j, const Step& s) {
  std::vector<MountSpec> specs;
  auto fstab_line = [&](const std::string& line) -> std::string {
    const auto f = fstab_fields(line);
    if (f.size() < 3) return fmt::format("jail: {}: mount: not an fstab line: {}", j.name, line);
    specs.push_back({MountSpec::Kind::fstab, f[0], f[1], f[2], f.size() > 3 ? f[3] : "rw"});
    return {};
  };
  switch (s.kind) {
    case StepKind::mount_devfs:
      specs.push_back({MountSpec::Kind::devfs, "devfs", s.args.at(0), "tmpfs", ""});
      break;
    case StepKind::mount_procfs:
      specs.push_back({MountSpec::Kind::procfs, "proc", s.args.at(0), "proc", ""});
      break;
    case StepKind::mount_fdescfs:
      specs.push_back({MountSpec::Kind::fdescfs, "fdesc", s.args.at(0), "", ""});
      break;
    case StepKind::mount:
      if (auto e = fstab_line(s.args.at(0)); !e.empty()) return failure(std::move(e));
      break;
    default: {  // mount_fstab
      const auto lines = fstab_file_lines(s.args.at(0));
      if (!lines)
        return failure(
            fmt::format("jail: {}: mount.fstab: {}: No such file or directory", j.name, s.args.at(0)));
      for (const auto& line : *lines)
        if (auto e = fstab_line(line); !e.empty()) return failure(std::move(e));
    }
  }
  // fail where jail(8)'s mount(8) would: before the jail exists
  for (const auto& m : specs) {
    struct stat st {};
    if (m.kind != MountSpec::Kind::fdescfs && ::stat(m.target.c_str(), &st) != 0)
      return failure(
          fmt::format("jail: {}: mount {}: {}: No such file or directory", j.name, m.type, m.target));
  }
  std::lock_guard lock(m_mutex);
  auto& pending = m_pending[j.name];
  pending.insert(pending.end(), specs.begin(), specs.end());
  return {};
}

Status LinuxBackend::create(const JailChange& j, const Step& s) {
  linux_jail::JailSetup setup;
  setup.name = j.name;
  bool ip_inherit = false;
  for (const auto& p : s.params) {
    const std::string& name = p.name;
    const std::string value = kernel_value(p.name, p.values);
    if (name != "name") setup.parameters.emplace_back(name, value);
    if (name == "path")
      setup.path = value;
    else if (name == "host.hostname")
      setup.hostname = value;
    else if (name == "persist")
      setup.persist = value == "true";  // held until drop-persist
    else if (name == "vnet")
      setup.vnet = value == "new" || value == "1";
    else if ((name == "ip4" || name == "ip6") && value == "inherit")
      ip_inherit = true;
    else if (name == "allow.sysvipc" && value == "true")
      setup.new_ipc = false;
    else if (name.starts_with("sysv") && value == "inherit")
      setup.new_ipc = false;
    else if (name == "children.max")
      setup.confinement.nested = std::strtoll(value.c_str(), nullptr, 10) > 0;
  }
  if (setup.path.empty())
    return failure(fmt::format("jail: {}: no path: the Linux backend needs a root directory", j.name));
  if (auto e = addresses_of(setup.parameters, setup.addresses); !e.empty())
    return failure(fmt::format("jail: {}: {}", j.name, e));
  setup.new_net = setup.vnet || !ip_inherit;
  setup.confinement.drop_caps = linux_jail::capabilities_to_drop(setup.parameters);
  {
    std::lock_guard lock(m_mutex);
    setup.mounts = std::move(m_pending[j.name]);
    m_pending.erase(j.name);
  }
  if (!is_dir(setup.path))
    return failure(fmt::format("jail: {}: path {}: not a directory", j.name, setup.path));
  if (m_dry_run) return {};
  if (auto launched = linux_jail::launch(setup, m_paths.runtime_dir); !launched)
    return failure(fmt::format("jail: {}: {}", j.name, launched.message()));
  return {};
}

Status LinuxBackend::set(const JailChange& j, const Step& s) {
  if (m_dry_run) return {};
  auto r = runtime(j);
  if (!r) return failure(fmt::format("jail: {}: {}", j.name, r.message()));
  std::vector<linux_net::IpAddress> addresses;
  bool new_addresses = false;
  for (const auto& p : s.params) {
    const std::string& name = p.name;
    const std::string value = kernel_value(p.name, p.values);
    std::string e;
    if (name == "host.hostname") {
      e = linux_jail::set_hostname(*r, value);
    } else if (name == "persist") {
      e = linux_jail::set_persist(*r, value == "true");
    } else if (name == "devfs_ruleset") {
      // every ruleset gives the same /dev (params.cpp): only the value changes
    } else if (name == "ip4.addr" || name == "ip6.addr") {
      new_addresses = true;
      continue;
    } else {
      e = fmt::format("{} cannot be changed in a running jail by the Linux backend; restart the jail", name);
    }
    if (!e.empty()) return failure(fmt::format("jail: {}: {}", j.name, e));
    linux_jail::put_param(r->parameters, name, value);
  }
  if (new_addresses) {
    // the step carries the whole new list for each family it names; the
    // other family keeps what it has
    linux_jail::KernelParams params = r->parameters;
    for (const auto& p : s.params)
      if (p.name == "ip4.addr" || p.name == "ip6.addr")
        linux_jail::put_param(params, p.name, kernel_value(p.name, p.values));
    if (auto e = addresses_of(params, addresses); !e.empty())
      return failure(fmt::format("jail: {}: {}", j.name, e));
    if (auto e = linux_jail::set_addresses(*r, addresses); !e.empty())
      return failure(fmt::format("jail: {}: {}", j.name, e));
    r->parameters = std::move(params);
  }
  if (auto e = linux_jail::write_runtime(m_paths.runtime_dir, *r); !e.empty())
    return failure(fmt::format("jail: {}: {}", j.name, e));
  return {};
}

std::optional<std::int64_t> LinuxBackend::jid(const JailChange& j) {
  const auto r = runtime(j);
  return r ? std::optional<std::int64_t>(r->index) : std::nullopt;
}

Status LinuxBackend::run(const JailChange& j, const Step& s) {
  // plan refuses such a name (enforcement.cpp); a saved plan or a caller
  // that skipped it must not get to make a directory or cgroup of it
  if (auto why = linux_jail::unusable_name(j.name); !why.empty())
    return failure(fmt::format("jail: {}: the Linux backend cannot use this name: {}", j.name, why));
  if (const HookPlace place = hook_place(s.kind); place != HookPlace::none)
    return hook(j, s, place == HookPlace::jail);
  switch (s.kind) {
    case StepKind::mount:
    case StepKind::mount_fstab:
    case StepKind::mount_devfs:
    case StepKind::mount_fdescfs:
    case StepKind::mount_procfs: return queue_mount(j, s);
    // made inside the jail's own mount namespace: they end with it
    case StepKind::umount:
    case StepKind::umount_fstab:
    case StepKind::umount_devfs:
    case StepKind::umount_fdescfs:
    case StepKind::umount_procfs:
    // addresses live on the jail's own link, made and removed with the jail
    case StepKind::alias_add:
    case StepKind::alias_remove:
    // every ruleset gives the same /dev here (params.cpp, devfs_ruleset)
    case StepKind::devfs_ruleset: return {};
    case StepKind::create: return create(j, s);
    case StepKind::set: return set(j, s);
    case StepKind::zfs_dataset:
      return failure(fmt::format("jail: {}: zfs.dataset {}: the Linux backend has no ZFS datasets to attach",
                                 j.name, s.args.at(0)));
    default: break;
  }
  if (m_dry_run) return {};
  return on_running(j, s);
}

Status LinuxBackend::on_running(const JailChange& j, const Step& s) {
  auto r = runtime(j);
  switch (s.kind) {
    case StepKind::vnet_interface:
      if (!r) return failure(fmt::format("jail: {}: {}", j.name, r.message()));
      if (auto e = linux_jail::move_interface(*r, s.args.at(0)); !e.empty())
        return failure(fmt::format("jail: {}: {}", j.name, e));
      return {};
    case StepKind::limits: {
      if (!r) return failure(fmt::format("jail: {}: {}", j.name, r.message()));
      linux_cgroup::Limits limits;
      if (auto e = linux_cgroup::parse_limits(s.args, limits); !e.empty())
        return failure(fmt::format("jail: {}: {}", j.name, e));
      // the jail's processes in its `jail` leaf, under the limits; its
      // init beside them, on a budget of its own: a memory limit must end
      // the processes, not the jail, jail(8) has no init to count, and
      // the init is no way around the limits
      auto pids = linux_jail::processes(*r);
      if (!pids.empty()) pids.erase(pids.begin());
      if (auto e = linux_cgroup::apply(j.name, limits, pids); !e.empty())
        return failure(fmt::format("jail: {}: {}", j.name, e));
      if (auto e = linux_cgroup::place_init(j.name, r->init_pid); !e.empty())
        return failure(fmt::format("jail: {}: {}", j.name, e));
      return {};
    }
    case StepKind::unlimit: {
      // a running jail's limits are lifted; a removed jail's groups go
      if (r && linux_jail::alive(*r)) {
        if (auto e = linux_cgroup::apply(j.name, {}, {}); !e.empty())
          return failure(fmt::format("jail: {}: {}", j.name, e));
        return {};
      }
      if (auto e = linux_cgroup::remove(j.name); !e.empty())
        return failure(fmt::format("jail: {}: {}", j.name, e));
      return {};
    }
    case StepKind::drop_persist: {
      if (!r) return failure(fmt::format("jail: {}: {}", j.name, r.message()));
      if (auto e = linux_jail::set_persist(*r, false); !e.empty())
        return failure(fmt::format("jail: {}: {}", j.name, e));
      linux_jail::put_param(r->parameters, "persist", "false");
      return failed_if(linux_jail::write_runtime(m_paths.runtime_dir, *r));
    }
    case StepKind::term:
      if (!r) return {};  // already gone
      return failed_if(
          linux_jail::terminate(*r, static_cast<int>(std::strtol(s.args.at(0).c_str(), nullptr, 10))));
    case StepKind::remove:
      if (!r) return {};  // already gone: jail -r of a dead jail is a no-op for us
      if (auto e = linux_jail::destroy(*r, m_paths.runtime_dir, linux_jail::LinkRemoval::with_namespace);
          !e.empty())
        return failure(fmt::format("jail: {}: {}", j.name, e));
      if (!r->veth.empty()) {
        std::lock_guard lock(m_mutex);
        m_dying_links.push_back(r->veth);
      }
      return {};
    default:
      return failure(
          fmt::format("jail: {}: step {} is not known to the Linux backend", j.name, to_string(s.kind)));
  }
}

}  // namespace jailplan
