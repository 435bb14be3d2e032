#pragma once
/// The pseudo-terminal an interactive jexec gives the jail instead of the
/// operator's own terminal (as lxc-attach and ssh -t do): the jail's
/// processes hold only the pty's slave, jailplan relays between the
/// operator's terminal and the master, so nothing in the jail can push
/// keystrokes into the operator's shell (TIOCSTI) or keep the terminal
/// after the command ends.

#include <sys/types.h>

#include <optional>
#include <string>

#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

/// A new pseudo-terminal from the host's /dev/ptmx, set up like the
/// operator's terminal `like` (its modes and window size).
struct Pty {
  Fd master, slave;
};
/// "" and `out` filled, or why not.
std::string open_pty(int like, Pty& out);

/// Relays until `child` ends: the operator's terminal `in` (-1: none) to
/// the master, put in raw mode meanwhile (restored after); the master to
/// `out` (-1: dropped); window size changes follow; SIGTERM, SIGINT and
/// SIGHUP go to the child. Returns the child's exit status as a shell
/// gives it (128 + signal).
int relay(Pty& pty, pid_t child, int in, int out);

}  // namespace jailplan::linux_jail
