#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace jailplan {

namespace {
constexpr std::string_view k_temporary = ".jailplan-";  // then mkstemp's six characters
}  // namespace

bool is_temporary_of(std::string_view file, std::string_view suffix) {
  const std::size_t tail = k_temporary.size() + 6;
  if (file.size() <= suffix.size() + tail) return false;
  const std::string_view stem = file.substr(0, file.size() - tail);
  return file.substr(stem.size(), k_temporary.size()) == k_temporary && stem.ends_with(suffix);
}

std::string write_file_atomically(const std::string& path, const std::string& text, Durability durability) {
  std::string tmp = path + std::string(k_temporary) + "XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0)
    return fmt::format("cannot create a temporary file next to '{}': {}", path, std::strerror(errno));
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) fchmod(fd, st.st_mode & 07777);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string e = std::strerror(errno);
      close(fd);
      unlink(tmp.c_str());
      return fmt::format("cannot write '{}': {}", tmp, e);
    }
    done += static_cast<std::size_t>(n);
  }
  if ((durability == Durability::power_loss && fsync(fd) != 0) || close(fd) != 0) {
    const std::string e = std::strerror(errno);
    unlink(tmp.c_str());
    return fmt::format("cannot write '{}': {}", tmp, e);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string e = std::strerror(errno);
    unlink(tmp.c_str());
    return fmt::format("cannot rename '{}' to '{}': {}", tmp, path, e);
  }
  return {};
}

}  // namespace jailplan
