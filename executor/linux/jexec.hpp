#pragma once
/// jexec for Linux jails: a command run inside a running jail with its
/// namespaces, cgroups and confinement (a bare setns would escape all
/// three). Nothing of the caller's crosses: its descriptors above 2 are
/// closed, its terminal is replaced by a pty of the command's own, and the
/// process that forks into the jail's pid namespace is already confined.

#include <optional>
#include <string>
#include <vector>

namespace jailplan::linux_jail {

/// `jailplan __jail-exec -R RUNTIME_DIR [-l] [-d] [-U user | -u user] NAME -- ARGV...`
/// (and `jailplan exec`, with `dir` for -R): runs ARGV inside the jail
/// (docs/linux-backend.md, "Commands in a jail"); returns the exit status
/// to exit with. `-d` leaves it running in the background once it has started (its
/// parent becomes the jail's init). A clean environment (-l) keeps `term`
/// as TERM, as jexec(8) keeps its own.
int exec_main(const std::vector<std::string>& args, std::string dir, const std::optional<std::string>& term);

}  // namespace jailplan::linux_jail
