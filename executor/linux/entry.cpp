#include "executor/linux/entry.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "executor/linux/init.hpp"
#include "executor/linux/jexec.hpp"
#include "executor/linux/runtime.hpp"

namespace jailplan::linux_jail {

std::optional<int> hidden_entry(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  const std::string_view what = argv[1];
  if (what == "__jail-init" && argc == 5) init_main(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  if (what == "__jail-exec") {
    // a process of its own: the backend always names the runtime directory
    // (-R); TERM is this process's, as jexec(8) keeps its own
    const std::vector<std::string> args(argv + 2, argv + argc);
    if (args.empty() || args[0] != "-R") {
      std::fprintf(stderr,
                   "jailplan: __jail-exec: usage: -R RUNTIME_DIR [-l] [-d] [-U user] NAME -- ARGV...\n");
      return 64;
    }
    const char* term = std::getenv("TERM");
    return exec_main(args, k_runtime_dir, term != nullptr ? std::optional<std::string>(term) : std::nullopt);
  }
  return std::nullopt;
}

}  // namespace jailplan::linux_jail
