#include "executor/linux/entry.hpp"

#include <cstdlib>  // atoi
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
  // the backend always names its runtime directory (-R)
  if (what == "__jail-exec") return exec_main(std::vector<std::string>(argv + 2, argv + argc), k_runtime_dir);
  return std::nullopt;
}

}  // namespace jailplan::linux_jail
