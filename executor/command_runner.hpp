#pragma once
/// The CommandRunner seam: argv in, status and output out. The real runner
/// uses posix_spawn (never a shell string); dry runs record instead.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/text.hpp"

namespace jailplan {

struct Command {
  Command() = default;
  Command(std::vector<std::string> argv_, std::optional<std::vector<std::string>> env_ = std::nullopt,
          std::string cwd_ = {}, std::chrono::milliseconds timeout_ = {},
          std::chrono::milliseconds kill_grace_ = std::chrono::milliseconds(2000))
      : argv(std::move(argv_)),
        env(std::move(env_)),
        cwd(std::move(cwd_)),
        timeout(timeout_),
        kill_grace(kill_grace_) {}

  std::vector<std::string> argv;  ///< argv[0] is looked up in PATH when it has no '/'
  /// The whole environment ("NAME=value"); nullopt inherits the caller's.
  std::optional<std::vector<std::string>> env;
  std::string cwd;                             ///< "" = the caller's
  std::chrono::milliseconds timeout{0};        ///< 0 = none
  std::chrono::milliseconds kill_grace{2000};  ///< SIGTERM → SIGKILL after a timeout
  /// "NAME=value" set on top of `env` (or the inherited environment).
  std::vector<std::string> extra_env;
  /// Run as this user of the host (its uid, gid and groups); "" = ours.
  /// The environment is the caller's business (see `env`).
  std::string user;
};

/// A user of this host, as a command is run as it.
struct HostAccount {
  std::string name, home, shell;
  unsigned uid = 0, gid = 0;
  std::vector<unsigned> groups;
};
/// Looks `name` up in the host's passwd and group files ("" = the invoking
/// user); an error ("NAME: no such user") when it is unknown.
Result<HostAccount> host_account(const std::string& name);

struct CommandResult {
  int exit_code = -1;  ///< valid when the command exited
  int signal = 0;      ///< the signal that ended it, else 0
  bool timed_out = false;
  std::string spawn_error;  ///< set when it could not be started
  std::string out, err;

  bool ok() const { return spawn_error.empty() && !timed_out && signal == 0 && exit_code == 0; }
  /// `failed (exit 3)`, `exited on signal 9`, `timed out`, `cannot run: …`
  std::string describe() const;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual CommandResult run(const Command& command) = 0;
};

/// Runs commands for real: posix_spawnp in a process group of their own,
/// stdout and stderr captured, EINTR-safe, the group killed on timeout
/// (SIGTERM, then SIGKILL after the grace period).
///
/// With a tool root, an absolute program that exists below it runs from
/// there (`/sbin/ifconfig` → ROOT/sbin/ifconfig) with argv unchanged: the
/// tests' fake FreeBSD host (docs/testing.md) is put in place this way.
class PosixCommandRunner final : public CommandRunner {
 public:
  PosixCommandRunner() = default;
  explicit PosixCommandRunner(std::string tool_root) : m_tool_root(std::move(tool_root)) {}
  CommandResult run(const Command& command) override;

 private:
  std::string m_tool_root;
};

/// Records every command and reports success: `--dry-run` and argv tests.
class RecordingRunner final : public CommandRunner {
 public:
  CommandResult run(const Command& command) override;
  const std::vector<Command>& commands() const { return m_commands; }

 private:
  std::vector<Command> m_commands;
};

}  // namespace jailplan
