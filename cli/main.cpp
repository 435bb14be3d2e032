#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/heap.hpp"
#include "executor/linux/entry.hpp"

int main(int argc, char** argv) {
  // a Linux jail's init and the jexec path are this binary, re-executed
  if (auto rc = jailplan::linux_jail::hidden_entry(argc, argv)) std::_Exit(*rc);
  jailplan::prepare_heap();
  std::ios::sync_with_stdio(false);
  jailplan::FileSystemLoader loader;
  bool no_color = false;
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--no-color") no_color = true;
  jailplan::World world{loader, std::cout, std::cerr, jailplan::want_color(STDERR_FILENO, no_color)};
  world.terminal_width = jailplan::terminal_width(STDOUT_FILENO);
  // Never freed on purpose: see World::parking.
  world.parking = new std::vector<std::shared_ptr<const void>>();
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    const int rc = jailplan::run_cli(args, world);
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(rc);
  } catch (const std::exception& e) {
    std::cerr << "jailplan: internal error: " << e.what() << " [this is a bug]\n";
    return jailplan::k_exit_error;
  }
}
