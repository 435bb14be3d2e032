#include "executor/host_env.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace jailplan {

namespace {

std::string variable(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

/// The first line of a file, or "".
std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

HostEnv HostEnv::from_process(std::istream& in) {
  HostEnv env;
  env.runtime_dir = variable("JAILPLAN_RUNTIME_DIR");
  env.state_dir = variable("JAILPLAN_STATE_DIR");
  env.tool_root = variable("JAILPLAN_FREEBSD_ROOT");
  env.lock_path = variable("JAILPLAN_LOCK", k_default_lock_path);
  if (const char* t = std::getenv("TERM")) env.term = t;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) env.hostname = name;
  env.host_id = variable("JAILPLAN_HOST_ID");
  for (const char* file : {"/etc/hostid", "/etc/machine-id"})
    if (env.host_id.empty()) env.host_id = first_line(file);
  env.input = &in;
  env.input_is_terminal = ::isatty(STDIN_FILENO) != 0;
  return env;
}

}  // namespace jailplan
