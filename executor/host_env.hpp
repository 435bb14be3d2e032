#pragma once
/// What jailplan takes from its process environment, read once in main and
/// passed down: where runtime state and applied records live, where the
/// FreeBSD tools are, the host lock, and where a confirmation is read from.
/// Nothing below cli/main.cpp reads the environment or standard input for
/// these, so every command can run in-process in a test.

#include <iosfwd>
#include <optional>
#include <string>

namespace jailplan {

class CommandRunner;

inline constexpr const char* k_default_lock_path = "/var/run/jailplan.lock";

struct HostEnv {
  std::string runtime_dir;  ///< JAILPLAN_RUNTIME_DIR ("" = the backend's own default)
  std::string state_dir;    ///< JAILPLAN_STATE_DIR: applied records ("" = the backend's default)
  std::string tool_root;    ///< JAILPLAN_FREEBSD_ROOT: where /sbin/jail & co. are found ("" = /)
  std::string lock_path = k_default_lock_path;  ///< JAILPLAN_LOCK
  std::optional<std::string> term;              ///< TERM, handed to commands run in a jail
  /// Where `apply` reads the operator's "yes" (nullptr: nowhere, so it
  /// needs --auto-approve), and whether that is a terminal.
  std::istream* input = nullptr;
  bool input_is_terminal = false;
  /// This host's name (gethostname) and host id: JAILPLAN_HOST_ID, else
  /// the first line of /etc/hostid (FreeBSD) or /etc/machine-id (Linux);
  /// "" unknown. Saved plans are bound to them.
  std::string hostname;
  std::string host_id;
  /// Commands go here instead of a real runner (tests: a model host).
  CommandRunner* runner = nullptr;

  /// The environment of this process, `in` as the confirmation input.
  static HostEnv from_process(std::istream& in);
};

}  // namespace jailplan
