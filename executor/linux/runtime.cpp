#include "executor/linux/runtime.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "base/json_bytes.hpp"
#include "base/text.hpp"
#include "executor/linux/names.hpp"
#include "executor/linux/params.hpp"
#include "executor/linux/sys.hpp"
#include "planner/steps.hpp"

namespace jailplan::linux_jail {

using nlohmann::json;

void put_param(KernelParams& params, const std::string& name, const std::string& value) {
  const auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  if (it != params.end())
    it->second = value;
  else
    params.emplace_back(name, value);
}

namespace {

// "kernel_params": [[name, value], ...], typed
json typed_to_json(const KernelParams& params) {
  json out = json::array();
  for (const auto& [name, value] : params) out.push_back(json::array({name, value}));
  return out;
}

// "parameters": jail(8)'s command-line words, as the versions before typed
// steps wrote and read them (`name=J` first), so that one of them, run
// again while jails are up, still sees those jails
json words_to_json(const std::string& jail, const KernelParams& params) {
  json out = json::array({"name=" + jail});
  for (const auto& [name, value] : params) out.push_back(kernel_word(name, {value}));
  return out;
}

KernelParams parameters_from(const json& record) {
  KernelParams out;
  if (const auto typed = record.find("kernel_params"); typed != record.end()) {
    for (const auto& e : *typed) out.emplace_back(e.at(0).get<std::string>(), e.at(1).get<std::string>());
    return out;
  }
  for (const auto& w : record.value("parameters", json::array())) {
    auto [name, value] = split_word(w.get<std::string>());
    if (name != "name") out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace

std::string runtime_jail_dir(const std::string& dir, const std::string& name) {
  // one component under dir whatever the name (names.hpp refuses the odd
  // ones before anything is made; this holds if one slips through)
  return fmt::format("{}/{}", dir, encode_path_component(name));
}

std::string runtime_file(const std::string& dir, const std::string& name) {
  return runtime_jail_dir(dir, name) + "/state.json";
}

std::uint64_t process_start_time(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string f;
  // fields after "(comm)": state is field 3; starttime is field 22. A
  // zombie has ended: it is only waiting for its parent
  fields >> f;
  if (f == "Z" || f == "X") return 0;
  for (int i = 4; i < 22 && (fields >> f); ++i) {
  }
  std::uint64_t start = 0;
  fields >> start;
  return start;
}

bool alive(const Runtime& r) {
  return r.init_pid > 0 && process_start_time(r.init_pid) == r.init_start;
}

namespace {

Result<Runtime> read_runtime_file(const std::string& file, const std::string& name) {
  std::ifstream in(file);
  if (!in) return one_error(fmt::format("no jail \"{}\" is running (no {})", name, file));
  try {
    json j = json::parse(in);
    restore_json_bytes(j);
    Runtime r;
    r.name = j.at("name").get<std::string>();
    r.index = j.at("index").get<int>();
    r.init_pid = j.at("init_pid").get<int>();
    r.init_start = j.at("init_start").get<std::uint64_t>();
    r.veth = j.value("veth", "");
    r.addresses = j.value("addresses", std::vector<std::string>{});
    r.gateway4 = j.value("gateway4", "");
    r.gateway6 = j.value("gateway6", "");
    r.drop_caps = j.value("drop_caps", std::uint64_t{0});
    r.nested = j.value("nested", false);
    r.new_net = j.value("new_net", true);
    r.parameters = parameters_from(j);
    return r;
  } catch (const std::exception& e) {
    return one_error(fmt::format("{}: not a jailplan runtime record: {}", file, e.what()));
  }
}

}  // namespace

Result<Runtime> read_runtime(const std::string& dir, const std::string& name) {
  auto r = read_runtime_file(runtime_file(dir, name), name);
  if (r && r->name != name)
    return one_error(
        fmt::format("{}: holds jail \"{}\", not \"{}\"", runtime_file(dir, name), r->name, name));
  return r;
}

std::string write_runtime(const std::string& dir, const Runtime& r) {
  if (auto why = unusable_name(r.name); !why.empty())
    return fmt::format("cannot record jail \"{}\" under {}: {}", r.name, dir, why);
  const std::string jail_dir = runtime_jail_dir(dir, r.name);
  for (const std::string& d : {dir, jail_dir})
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return errno_text("cannot create", d);
  const json j = {{"name", r.name},
                  {"index", r.index},
                  {"init_pid", r.init_pid},
                  {"init_start", r.init_start},
                  {"veth", r.veth},
                  {"addresses", r.addresses},
                  {"gateway4", r.gateway4},
                  {"gateway6", r.gateway6},
                  {"drop_caps", r.drop_caps},
                  {"nested", r.nested},
                  {"new_net", r.new_net},
                  {"parameters", words_to_json(r.name, r.parameters)},
                  {"kernel_params", typed_to_json(r.parameters)}};
  // what it describes ends with the machine: no need to reach the disk
  return write_file_atomically(runtime_file(dir, r.name), dump_json(j, 2) + "\n", Durability::crash);
}

std::string remove_runtime(const std::string& dir, const std::string& name) {
  const std::string file = runtime_file(dir, name);
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) return errno_text("cannot remove", file);
  const std::string jail_dir = runtime_jail_dir(dir, name);
  if (::rmdir(jail_dir.c_str()) != 0 && errno != ENOENT) return errno_text("cannot remove", jail_dir);
  return {};
}

std::vector<Runtime> list_runtimes(const std::string& dir) {
  std::vector<Runtime> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    // a record counts only in the directory its name gives
    auto r = read_runtime_file(fmt::format("{}/{}/state.json", dir, e->d_name), e->d_name);
    if (r && encode_path_component(r->name) == e->d_name) out.push_back(std::move(r.value()));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const Runtime& a, const Runtime& b) { return a.name < b.name; });
  return out;
}

int lowest_free_index(const std::string& dir) {
  std::vector<int> used;
  for (const auto& r : list_runtimes(dir)) used.push_back(r.index);
  std::sort(used.begin(), used.end());
  int i = 1;
  for (int u : used)
    if (u == i) ++i;
  return i;
}

}  // namespace jailplan::linux_jail
