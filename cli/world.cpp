#include "cli/world.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace jailplan {

bool want_color(int fd, bool no_color_flag) {
  if (no_color_flag) return false;
  const char* nc = std::getenv("NO_COLOR");
  if (nc != nullptr && *nc != '\0') return false;
  return isatty(fd) != 0;
}

}  // namespace jailplan
