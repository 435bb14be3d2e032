#include "executor/host_env.hpp"

#include <unistd.h>

#include <cstdlib>

namespace jailplan {

namespace {

std::string variable(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

}  // namespace

HostEnv HostEnv::from_process(std::istream& in) {
  HostEnv env;
  env.runtime_dir = variable("JAILPLAN_RUNTIME_DIR");
  env.state_dir = variable("JAILPLAN_STATE_DIR");
  env.tool_root = variable("JAILPLAN_FREEBSD_ROOT");
  env.lock_path = variable("JAILPLAN_LOCK", k_default_lock_path);
  if (const char* t = std::getenv("TERM")) env.term = t;
  env.input = &in;
  env.input_is_terminal = ::isatty(STDIN_FILENO) != 0;
  return env;
}

}  // namespace jailplan
