#include "executor/freebsd/backend.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "executor/freebsd/commands.hpp"

namespace jailplan {

namespace {

Command plain(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  Command c;
  c.argv = std::move(argv);
  c.timeout = timeout;
  return c;
}

// `jail: web: /sbin/mount ...: failed (exit 1): mount: /x: No such file or
// directory`: the command, how it ended, and the first line it printed.
Status failed(const JailChange& j, const Command& c, const CommandResult& r) {
  std::string msg = fmt::format("jail: {}: {}: {}", j.name, format_argv(c.argv), r.describe());
  if (!r.err.empty()) msg += ": " + r.err.substr(0, r.err.find('\n'));
  return failure(std::move(msg));
}

// `rctl -r` fails with ESRCH when no rule matched: for jailplan, which
// wants the jail to have no rules, that is success.
bool nothing_to_remove(const CommandResult& r) {
  return r.exit_code == 1 && r.err.find("No such process") != std::string::npos;
}

}  // namespace

Status FreeBsdBackend::command(const JailChange& j, const Command& c) {
  const CommandResult r = m_runner.run(c);
  return r.ok() ? Status{} : failed(j, c, r);
}

Command FreeBsdBackend::on_host(const JailChange& j, const Step& s, std::vector<std::string> argv) const {
  Command c;
  c.argv = std::move(argv);
  c.timeout = std::chrono::minutes(5);
  // as exec.system_user; exec.clean: a scrubbed environment with the
  // user's USER, HOME and SHELL, started in its home (§4.7)
  if (const auto* user = step_setting(j, s, "exec.system_user")) c.user = *user;
  const bool clean = step_flag(j, s, "exec.clean");
  if (!clean && c.user.empty()) return c;
  const auto account = host_account(c.user);
  if (clean) {
    c.env = std::vector<std::string>{"PATH=/bin:/usr/bin"};
    if (m_term) c.env->push_back("TERM=" + *m_term);
  }
  if (account) {
    c.extra_env = {"USER=" + account->name, "HOME=" + account->home, "SHELL=" + account->shell};
    if (clean) c.cwd = account->home;
  }
  return c;
}

Status FreeBsdBackend::hook(const JailChange& j, const Step& s, bool jailed) {
  const HookCommand h = hook_command(s.args.at(0));
  if (h.argv.empty()) return {};
  const bool clean = step_flag(j, s, "exec.clean");
  Command c;
  if (jailed) {
    // jexec runs it inside: -l for exec.clean, the jail's own user (-U) or
    // a host user (-u) for exec.jail_user; exec.fib through setfib(1),
    // whose FIB jexec and the command inherit
    if (const auto* fib = step_setting(j, s, "exec.fib")) c.argv = {k_setfib, *fib};
    c.argv.emplace_back(k_jexec);
    if (clean) c.argv.emplace_back("-l");
    if (const auto* user = step_setting(j, s, "exec.jail_user")) {
      c.argv.emplace_back(step_flag(j, s, "exec.system_jail_user") ? "-u" : "-U");
      c.argv.push_back(*user);
    }
    c.argv.push_back(j.name);
    c.argv.insert(c.argv.end(), h.argv.begin(), h.argv.end());
    c.timeout = std::chrono::minutes(5);
  } else {
    c = on_host(j, s, h.argv);
  }
  if (h.background) c.argv = {k_sh, "-c", format_argv(c.argv) + " >/dev/null 2>&1 &"};
  if (!clean) {
    // jail(8) tells every command which jail it is for
    c.extra_env.push_back("JNAME=" + j.name);
    if (const auto* path = step_setting(j, s, "path")) c.extra_env.push_back("JPATH=" + *path);
    if (const auto jid = jid_of(j))
      c.extra_env.push_back(*jid == k_jid_unknown ? std::string(k_script_jid_env)
                                                  : "JID=" + std::to_string(*jid));
  }
  c.timeout = step_exec_timeout(j, s);
  const CommandResult r = m_runner.run(c);
  if (jailed && !m_dry_run) append_consolelog(j, s, r.out, r.err);
  return r.ok() ? Status{} : failed(j, c, r);
}

Status FreeBsdBackend::terminate(const JailChange& j, const Step& s) {
  if (!j.jid) return {};
  const std::string jid = std::to_string(*j.jid);
  // pkill exits 1 when nothing matched: not an error
  const CommandResult r = m_runner.run(plain({k_pkill, "-TERM", "-j", jid}, std::chrono::seconds(30)));
  if (!r.spawn_error.empty()) return failure(fmt::format("jail: {}: /bin/pkill: {}", j.name, r.spawn_error));
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(std::strtoll(s.args.at(0).c_str(), nullptr, 10));
  while (std::chrono::steady_clock::now() < deadline) {
    const CommandResult left = m_runner.run(plain({k_pgrep, "-j", jid}, std::chrono::seconds(30)));
    if (left.exit_code != 0 || left.out.empty()) break;  // timing out here is not an error (§4.4)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

Status FreeBsdBackend::remove(const JailChange& j, std::vector<std::string> argv) {
  // jail(8) removes with jail_remove(2), which SIGKILLs what is left. `jail
  // -R` would first SIGTERM again and wait its default 10 s, whatever
  // stop.timeout says; with nothing left in the jail it removes at once
  if (const auto jid = jid_of(j)) {
    const CommandResult k =
        m_runner.run(plain({k_pkill, "-KILL", "-j", std::to_string(*jid)}, std::chrono::seconds(30)));
    if (!k.spawn_error.empty())
      return failure(fmt::format("jail: {}: /bin/pkill: {}", j.name, k.spawn_error));
  }
  const Command c = plain(std::move(argv), std::chrono::minutes(5));
  const CommandResult r = m_runner.run(c);
  // a jail without persist ends with its last process: jail_remove then
  // fails with EINVAL, which jail(8) does not count as a failure
  if (r.ok() || (r.exit_code == 1 && r.err.find("not found") != std::string::npos)) return {};
  return failed(j, c, r);
}

std::optional<std::int64_t> FreeBsdBackend::jid(const JailChange& j) {
  if (auto known = jid_of(j)) return known;
  const CommandResult q = m_runner.run(plain({k_jls, "-j", j.name, "jid"}, std::chrono::seconds(30)));
  if (q.ok() && !q.out.empty()) return std::strtoll(q.out.c_str(), nullptr, 10);
  return std::nullopt;
}

std::optional<std::int64_t> FreeBsdBackend::jid_of(const JailChange& j) {
  std::lock_guard lock(m_jids_mutex);
  if (const auto it = m_jids.find(j.name); it != m_jids.end()) return it->second;
  return j.jid;
}

Status FreeBsdBackend::unlimit(const JailChange& j) {
  const Command c = plain({k_rctl, "-r", "jail:" + j.name}, std::chrono::minutes(1));
  const CommandResult r = m_runner.run(c);
  return r.ok() || nothing_to_remove(r) ? Status{} : failed(j, c, r);
}

Status FreeBsdBackend::limits(const JailChange& j, const std::vector<std::string>& rules) {
  // the jail's whole rule set: what it had goes, then each rule is added
  if (auto e = unlimit(j); !e.ok()) return e;
  for (const auto& rule : rules)
    if (auto e = command(
            j, plain({k_rctl, "-a", fmt::format("jail:{}:{}", j.name, rule)}, std::chrono::minutes(1)));
        !e.ok())
      return e;
  return {};
}

Status FreeBsdBackend::fstab(const JailChange& j, const Step& s, bool mount) {
  if (m_dry_run) return {};
  auto read = fstab_file_lines(s.args.at(0));
  if (!read)
    return failure(fmt::format("jail: {}: mount.fstab: {}: No such file or directory", j.name, s.args.at(0)));
  std::vector<std::string>& lines = *read;
  if (!mount) std::reverse(lines.begin(), lines.end());
  for (const auto& line : lines) {
    const Step one{mount ? StepKind::mount : StepKind::umount, s.phase, {line}, {}, s.origin, s.origin_text};
    if (auto err = run(j, one); !err.ok()) return err;
  }
  return {};
}

Status FreeBsdBackend::run(const JailChange& j, const Step& s) {
  if (const HookPlace place = hook_place(s.kind); place != HookPlace::none)
    return hook(j, s, place == HookPlace::jail);
  switch (s.kind) {
    case StepKind::term: return terminate(j, s);
    case StepKind::limits: return limits(j, s.args);
    case StepKind::unlimit: return unlimit(j);
    case StepKind::mount_fstab: return fstab(j, s, true);
    case StepKind::umount_fstab: return fstab(j, s, false);
    case StepKind::devfs_ruleset: {
      // devfs(8) on the host, as the devfs mount was made (system user)
      auto argvs = freebsd_devfs_ruleset_argvs(s);
      if (!argvs) return failure(fmt::format("jail: {}: {}", j.name, argvs.message()));
      for (auto& argv : *argvs)
        if (auto e = command(j, on_host(j, s, std::move(argv))); !e.ok()) return e;
      return {};
    }
    default: break;
  }
  // `ifconfig IF vnet J` and `zfs jail J DS` name the jail by its declared
  // jid, else by its name (command.c), never by the jid of a jail it replaces
  const std::string* declared_jid = step_setting(j, s, "jid");
  auto made = freebsd_helper_argv(j.name, declared_jid != nullptr ? *declared_jid : j.name, s);
  if (!made) return failure(fmt::format("jail: {}: {}", j.name, made.message()));
  std::vector<std::string> argv = std::move(*made);
  // jail(8) runs ifconfig, mount and umount as commands, with exec.system_user
  // and exec.clean; creating, changing and removing the jail it does itself
  const bool jail_call = argv.at(0) == k_jail;
  if (s.kind == StepKind::remove) {
    Status e = remove(j, std::move(argv));
    if (e.ok()) {
      std::lock_guard lock(m_jids_mutex);
      m_jids.erase(j.name);
    }
    return e;
  }
  Status e = command(
      j, jail_call ? plain(std::move(argv), std::chrono::minutes(5)) : on_host(j, s, std::move(argv)));
  if (e.ok() && s.kind == StepKind::create && m_dry_run) {
    // a script learns the new jail's jid when it runs (render_script)
    std::lock_guard lock(m_jids_mutex);
    m_jids[j.name] = k_jid_unknown;
  } else if (e.ok() && s.kind == StepKind::create) {
    // the new jail's jid, once, for the hooks that follow and the record
    const CommandResult q = m_runner.run(plain({k_jls, "-j", j.name, "jid"}, std::chrono::seconds(30)));
    if (q.ok() && !q.out.empty()) {
      std::lock_guard lock(m_jids_mutex);
      m_jids[j.name] = std::strtoll(q.out.c_str(), nullptr, 10);
    }
  }
  return e;
}

}  // namespace jailplan
