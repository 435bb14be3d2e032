#include "executor/registry.hpp"

#include <array>

#include "executor/rows.hpp"

namespace jailplan {

namespace {

struct Rows {
#ifdef JAILPLAN_HAVE_LINUX_BACKEND
  std::array<BackendRow, 2> all{freebsd_backend_row(), linux_backend_row()};
#else
  std::array<BackendRow, 1> all{freebsd_backend_row()};
#endif
};

const Rows& rows() {
  static const Rows r;
  return r;
}

}  // namespace

std::vector<std::string> ExecRequest::jexec_words() const {
  std::vector<std::string> words;
  if (clean) words.emplace_back("-l");
  if (!jail_user.empty()) words.insert(words.end(), {"-U", jail_user});
  words.push_back(jail);
  return words;
}

std::span<const BackendRow> backend_rows() {
  return rows().all;
}

const BackendRow* find_backend(std::string_view name) {
  for (const auto& row : backend_rows())
    if (row.name == name) return &row;
  return nullptr;
}

const BackendRow& native_backend() {
  for (const auto& row : backend_rows())
    if (row.native) return row;
  return backend_rows().front();
}

std::vector<std::string> backend_name_list() {
  std::vector<std::string> names;
  for (const auto& row : backend_rows()) names.emplace_back(row.name);
  return names;
}

std::string backend_names() {
  std::string out;
  const auto names = backend_name_list();
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

CommandRunner& live_runner(const BackendRow& row, const HostEnv& env, std::unique_ptr<CommandRunner>& own) {
  if (env.runner != nullptr) return *env.runner;
  own = std::make_unique<PosixCommandRunner>(row.uses_tool_root ? env.tool_root : std::string());
  return *own;
}

std::optional<int> run_backend_entry(int argc, char** argv) {
  for (const auto& row : backend_rows())
    if (row.hidden_entry != nullptr)
      if (auto rc = row.hidden_entry(argc, argv)) return rc;
  return std::nullopt;
}

}  // namespace jailplan
