// `jailplan status [FILE]`: the jails on this host (as jls lists them),
// which of them jailplan manages, the Linux backend's own facts (init pid,
// link), and, given the configuration, whether each one matches it.
#include <map>
#include <ostream>

#include <fmt/format.h>

#include "base/visible.hpp"
#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/host_input.hpp"
#include "executor/registry.hpp"
#include "planner/planner.hpp"

namespace jailplan {

namespace {

std::string joined(const CanonSpec& params, std::string_view name) {
  const auto* p = find_param(params, name);
  if (p == nullptr || p->values.empty()) return "-";
  std::string out;
  for (const auto& v : p->values) out += (out.empty() ? "" : ",") + v;
  return out;
}

}  // namespace

int run_status(const StatusOptions& o, World& w) {
  std::optional<Compilation> compiled;
  if (!o.file.empty()) {
    compiled = compile_for_plan(o.file, w);
    if (!compiled) return k_exit_error;
  }
  SourceSet sources;
  auto observed = observe_host(o.host, w, sources);
  if (!observed) return k_exit_error;
  std::optional<Plan> plan;
  if (compiled) plan = make_plan(compiled->desired, *observed, PlanOptions{false, JAILPLAN_VERSION});
  // the backend's own facts about live jails, as an extra column
  const BackendRow* row = o.host.state.empty() ? o.host.acting(w) : nullptr;
  const bool details = row != nullptr && row->status_details != nullptr;
  std::map<std::string, std::string> detail;
  if (details) detail = row->status_details(w.env);
  auto sync = [&](const std::string& name, const AppliedRecord* record) -> std::string {
    if (!plan) return "";
    if (claim_of(record, compiled->desired.owner) == Claim::other) return "not this configuration's";
    const JailChange* c = plan->find(name);
    if (c == nullptr || c->action == Action::none) return "in sync";
    // not a change of settings: a stop or start cut short, leftovers, ...
    if (c->changes.empty() && c->reason != Reason::none)
      return fmt::format("{} ({})", to_string(c->action), to_string(c->reason));
    return fmt::format("{} ({} change{})", to_string(c->action), c->changes.size(),
                       c->changes.size() == 1 ? "" : "s");
  };
  auto line = [&](std::string_view jid, std::string_view name, std::string_view state,
                  std::string_view managed, std::string_view host, std::string_view ip, std::string_view init,
                  std::string_view last, std::string_view owner) {
    // names and values from the host as a terminal may show them
    w.out << fmt::format("{:>4}  {:<16} {:<8} {:<9} {:<24} {:<16} ", jid, visible(name), state, managed,
                         visible(host), visible(ip));
    if (details) w.out << fmt::format("{:<14} ", visible(init));
    w.out << fmt::format("{:<24} {}", visible(last), visible(owner));
    w.out << '\n';
  };
  // whose it is: the configuration its record names
  const auto owner = [](const AppliedRecord* r) -> std::string {
    return r == nullptr ? "-" : r->owner.empty() ? "(unknown)" : r->owner;
  };
  line("JID", "NAME", "STATE", "MANAGED", "HOSTNAME", "IP", details ? row->status_title : "",
       plan ? "CONFIGURATION" : "PATH", "OWNER");
  for (const auto& j : observed->jails) {
    const char* managed = !j.applied ? "no" : j.applied->created ? "created" : "adopted";
    const auto known = detail.find(j.name);
    const std::string init = known != detail.end() ? known->second : "-";
    const std::string ip4 = joined(j.params, "ip4.addr");
    line(std::to_string(j.jid), j.name, j.dying ? "dying" : "running", managed,
         joined(j.params, "host.hostname"), ip4 != "-" ? ip4 : joined(j.params, "ip6.addr"), init,
         plan ? sync(j.name, j.applied ? &*j.applied : nullptr) : joined(j.params, "path"),
         owner(j.applied ? &*j.applied : nullptr));
  }
  for (const auto& [name, record] : observed->stopped)
    line("-", name, "stopped", "recorded", joined(record.params, "host.hostname"),
         joined(record.params, "ip4.addr"), "-", plan ? sync(name, &record) : joined(record.params, "path"),
         owner(&record));
  if (plan)
    for (const auto& c : plan->jails)
      if (c.action == Action::create && observed->find(c.name) == nullptr &&
          observed->stopped_record(c.name) == nullptr)
        line("-", c.name, "absent", "-", "-", "-", "-", "create", "-");
  return k_exit_ok;
}

}  // namespace jailplan
