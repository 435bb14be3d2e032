#include "executor/linux/users.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <string_view>
#include <vector>

#include "executor/linux/sys.hpp"

namespace jailplan::linux_jail {

namespace {

// a jail's passwd is the jail's to write: read like any hostile input
constexpr std::size_t k_max_passwd = 4 * 1024 * 1024;

/// The file's text when it is a regular file within the size limit.
std::optional<std::string> read_passwd(const std::string& file) {
  // O_NONBLOCK: a FIFO planted in its place must not hold the caller
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::size_t>(st.st_size) > k_max_passwd)
    return std::nullopt;
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

template <typename T>
bool number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<Account> find_account(const std::string& file, const std::string& user) {
  const auto text = read_passwd(file);
  if (!text) return std::nullopt;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto eol = rest.find('\n');
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    std::vector<std::string_view> f;
    for (std::size_t at = 0;;) {
      const auto colon = line.find(':', at);
      f.push_back(line.substr(at, colon - at));
      if (colon == std::string_view::npos) break;
      at = colon + 1;
    }
    if (f.size() < 7 || f[0] != user) continue;
    Account a;
    if (!number(f[2], a.uid) || !number(f[3], a.gid)) continue;
    a.home = f[5].empty() ? "/" : std::string(f[5]);
    a.shell = f[6].empty() ? "/bin/sh" : std::string(f[6]);
    return a;
  }
  return std::nullopt;
}

}  // namespace jailplan::linux_jail
