#pragma once
/// The one set of exit codes every command uses.

namespace jailplan {

enum ExitCode : int {
  k_exit_ok = 0,       ///< success, or no changes
  k_exit_error = 1,    ///< any error (CLI11's own codes are mapped here too)
  k_exit_changes = 2,  ///< changes present, with --detailed-exitcode
  k_exit_interrupted = 130,
};

}  // namespace jailplan
