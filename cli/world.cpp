#include "cli/world.hpp"

#include <unistd.h>

#include <cstdlib>

namespace jailplan {

bool want_color(int fd, bool no_color_flag) {
  if (no_color_flag) return false;
  const char* nc = std::getenv("NO_COLOR");
  if (nc != nullptr && *nc != '\0') return false;
  return isatty(fd) != 0;
}

}  // namespace jailplan
