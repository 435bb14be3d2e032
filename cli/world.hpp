#pragma once
/// The injected seams and streams of one invocation: commands take a World
/// instead of reaching for globals, so tests run them in-process.

#include <iosfwd>
#include <memory>
#include <type_traits>
#include <vector>

#include "base/atomic_file.hpp"
#include "base/diagnostic.hpp"
#include "executor/host_env.hpp"
#include "grammar/source_loader.hpp"

namespace jailplan {

struct World {
  World(SourceLoader& loader_, std::ostream& out_, std::ostream& err_, bool color_ = false)
      : loader(loader_), out(out_), err(err_), color(color_) {}

  SourceLoader& loader;
  std::ostream& out;
  std::ostream& err;
  bool color = false;  ///< decided once, from isatty, NO_COLOR and --no-color
  /// The terminal's columns when `out` is one (for apply's live status
  /// line); 0 otherwise, and with TERM=dumb.
  std::size_t terminal_width = 0;
  /// When set (only by main), commands park large results here instead of
  /// destroying them: the process exits right after, and tearing down
  /// millions of small allocations would cost more than the work itself.
  std::vector<std::shared_ptr<const void>>* parking = nullptr;

  template <typename T>
  void park(T&& value) {
    if (parking != nullptr) parking->push_back(std::make_shared<std::decay_t<T>>(std::forward<T>(value)));
  }

  /// What the process environment says about the host (paths, the lock,
  /// where a confirmation comes from); tests set their own.
  HostEnv env;

  RenderStyle style() const { return RenderStyle{color}; }
};

/// Colour only on a terminal, never with NO_COLOR set or --no-color.
bool want_color(int fd, bool no_color_flag);
/// The columns of the terminal on `fd`, or 0 when it is none (or dumb).
std::size_t terminal_width(int fd);

}  // namespace jailplan
