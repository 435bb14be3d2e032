#pragma once
/// Accounts for jexec's -U / -u (exec.jail_user, exec.system_jail_user),
/// read from a passwd file: static jail roots have no NSS.

#include <sys/types.h>

#include <optional>
#include <string>

namespace jailplan::linux_jail {

/// What a command run as a user needs: who, and where it starts.
struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home = "/", shell = "/bin/sh";
};

/// Looks `user` up in the passwd file `file` (the jail's or the host's):
/// static jail roots have no NSS, so this reads the file itself.
std::optional<Account> find_account(const std::string& file, const std::string& user);

}  // namespace jailplan::linux_jail
