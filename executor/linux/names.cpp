#include "executor/linux/names.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace jailplan::linux_jail {

namespace {

bool allowed_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

/// The first component of a dotted name (the part before any '.').
std::string_view head(std::string_view name) {
  return name.substr(0, name.find('.'));
}

// A cgroup's own files are CONTROLLER.KNOB or cgroup.KNOB: a group named
// like one would collide with it in jailplan/.
constexpr std::array<std::string_view, 16> k_cgroup_prefixes = {
    "cgroup", "cpu",     "cpuacct", "cpuset",  "io",      "memory",   "pids",       "rdma",
    "misc",   "hugetlb", "blkio",   "freezer", "net_cls", "net_prio", "perf_event", "devices"};

struct NameRule {
  bool (*breaks)(std::string_view name);
  std::string (*why)(std::string_view name);
};

// In order: the first rule a name breaks is the one reported.
const NameRule k_rules[] = {
    {[](std::string_view n) { return n.empty(); },
     [](std::string_view) { return std::string("it is empty"); }},
    {[](std::string_view n) { return n.size() > k_max_name_length; },
     [](std::string_view n) {
       return fmt::format(
           "it is {} bytes long; the Linux backend takes at most {} (its record file "
           "NAME.json must fit in a file name)",
           n.size(), k_max_name_length);
     }},
    {[](std::string_view n) { return !std::all_of(n.begin(), n.end(), allowed_char); },
     [](std::string_view n) {
       const char c = *std::find_if_not(n.begin(), n.end(), allowed_char);
       const auto byte = static_cast<unsigned char>(c);
       const std::string shown =
           byte < 0x20 || byte >= 0x7f ? fmt::format("byte 0x{:02x}", byte) : fmt::format("'{}'", c);
       return fmt::format(
           "it contains {}; names the Linux backend makes files and cgroups of may hold "
           "only letters, digits, '_', '-' and '.'",
           shown);
     }},
    {[](std::string_view n) { return n.front() == '.' || n.back() == '.' || n.find("..") != n.npos; },
     [](std::string_view) {
       return std::string(
           "'.' separates the parts of a hierarchical name; no part may be empty (so no "
           "'.', '..', leading or trailing '.')");
     }},
    {[](std::string_view n) { return n.front() == '-'; },
     [](std::string_view) { return std::string("it starts with '-', which commands read as an option"); }},
    {[](std::string_view n) {
       return n.find('.') != n.npos && std::find(k_cgroup_prefixes.begin(), k_cgroup_prefixes.end(),
                                                 head(n)) != k_cgroup_prefixes.end();
     },
     [](std::string_view n) {
       return fmt::format("its cgroup jailplan/{} would be taken for a file of cgroup's own ({}.*)", n,
                          head(n));
     }},
};

}  // namespace

std::string unusable_name(std::string_view name) {
  for (const auto& rule : k_rules)
    if (rule.breaks(name)) return rule.why(name);
  return {};
}

}  // namespace jailplan::linux_jail
