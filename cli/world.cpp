#include "cli/world.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace jailplan {

bool want_color(int fd, bool no_color_flag) {
  if (no_color_flag) return false;
  const char* nc = std::getenv("NO_COLOR");
  if (nc != nullptr && *nc != '\0') return false;
  return isatty(fd) != 0;
}

std::size_t terminal_width(int fd) {
  if (isatty(fd) == 0) return 0;
  const char* term = std::getenv("TERM");
  if (term == nullptr || std::string_view(term) == "dumb") return 0;
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 80;
  return ws.ws_col;
}

}  // namespace jailplan
