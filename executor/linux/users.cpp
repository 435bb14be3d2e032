#include "executor/linux/users.hpp"

#include <fstream>
#include <sstream>
#include <vector>

namespace jailplan::linux_jail {

std::optional<Account> find_account(const std::string& file, const std::string& user) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, ':');) f.push_back(x);
    if (f.size() < 7 || f[0] != user) continue;
    return Account{static_cast<uid_t>(std::stoul(f[2])), static_cast<gid_t>(std::stoul(f[3])), f[5], f[6]};
  }
  return std::nullopt;
}

}  // namespace jailplan::linux_jail
