#pragma once
/// The FreeBSD backend: every Step as the command jail(8) itself would run
/// (commands.hpp), in-jail hooks through jexec, the stop.timeout SIGTERM
/// phase through pkill/pgrep. (The applier keeps the applied records.)

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "executor/backend.hpp"
#include "executor/command_runner.hpp"

namespace jailplan {

/// In a dry run, the jid of a jail created earlier in the run is known only
/// when the commands run: later hooks get this JID entry instead, which
/// `plan --script` turns into the value it asked jls for.
inline constexpr const char* k_script_jid_env = "JID=${jid}";

class FreeBsdBackend final : public Backend {
 public:
  /// With `dry_run`, only commands go to the runner (a recording one):
  /// console logs and fstab files are left alone, no jid is asked of jls.
  /// `term`: the TERM a clean environment (exec.clean) keeps, as jail(8)
  /// keeps its own.
  explicit FreeBsdBackend(CommandRunner& runner, bool dry_run = false,
                          std::optional<std::string> term = std::nullopt)
      : m_runner(runner), m_dry_run(dry_run), m_term(std::move(term)) {}
  Status run(const JailChange& jail, const Step& step) override;
  std::optional<std::int64_t> jid(const JailChange& jail) override;

 private:
  Status command(const JailChange& j, const Command& c);
  /// A command jail(8) runs on the host for the jail: as exec.system_user,
  /// in exec.clean's scrubbed environment.
  Command on_host(const JailChange& j, const Step& s, std::vector<std::string> argv) const;
  Status hook(const JailChange& j, const Step& s, bool in_jail);
  Status terminate(const JailChange& j, const Step& s);
  Status remove(const JailChange& j, std::vector<std::string> argv);
  Status fstab(const JailChange& j, const Step& s, bool mount);
  Status limits(const JailChange& j, const std::vector<std::string>& rules);
  Status unlimit(const JailChange& j);

  CommandRunner& m_runner;
  bool m_dry_run;
  std::optional<std::string> m_term;
  /// jids of the jails this backend made (asked of jls once, right after
  /// `jail -c`): for JID in later hooks and for jid()
  std::optional<std::int64_t> jid_of(const JailChange& j);
  static constexpr std::int64_t k_jid_unknown = -1;
  std::mutex m_jids_mutex;
  std::map<std::string, std::int64_t> m_jids;
};

}  // namespace jailplan
