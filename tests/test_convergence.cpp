// The convergence property: on many generated sites, applying a plan to the
// model host and planning again gives "No changes." — from nothing, and
// from another generated site already applied (with --prune).
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cstdlib>
#include <random>

#include "planner_util.hpp"

using namespace jailplan;
using namespace jailplan::test;

namespace {

const std::vector<std::string> k_names = {"a", "b", "c", "d", "e", "a.x", "b.y"};

class SiteGenerator {
 public:
  explicit SiteGenerator(unsigned seed) : m_rng(seed) {}

  std::string next() {
    std::vector<std::string> chosen;
    for (const auto& n : k_names) {
      const auto dot = n.find('.');
      const bool parent_ok = dot == std::string::npos ||
                             std::find(chosen.begin(), chosen.end(), n.substr(0, dot)) != chosen.end();
      if (parent_ok && coin(70)) chosen.push_back(n);
    }
    std::string text;
    if (coin(50)) text += "exec.clean;\nmount.devfs;\n";
    for (std::size_t i = 0; i < chosen.size(); ++i) text += jail(chosen, i);
    return text;
  }

 private:
  bool coin(int percent) { return std::uniform_int_distribution<int>(0, 99)(m_rng) < percent; }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_rng); }

  std::string jail(const std::vector<std::string>& chosen, std::size_t i) {
    const std::string& n = chosen[i];
    std::string b = fmt::format("\"{}\" {{\n  path = \"/j/{}{}\";\n", n, n, coin(20) ? "-2" : "");
    if (coin(60))
      b += fmt::format("  host.hostname = \"{}.{}\";\n", n, coin(50) ? "example.org" : "example.net");
    const std::size_t idx =
        static_cast<std::size_t>(std::find(k_names.begin(), k_names.end(), n) - k_names.begin());
    // a parent restricted to its own addresses admits only children with
    // one of them, and two jails share one only when each has just that
    // one (kern_jail_set): a parent here inherits the host's instead
    const bool parent = std::any_of(chosen.begin(), chosen.end(),
                                    [&](const std::string& c) { return c.rfind(n + ".", 0) == 0; });
    const bool child = n.find('.') != std::string::npos;
    std::vector<std::string> addrs;
    for (int k = 0; k < 3; ++k)
      if (!parent && coin(40))
        addrs.push_back(fmt::format("{}198.51.100.{}{}", coin(60) ? "em0|" : "",
                                    idx * 10 + static_cast<std::size_t>(k) + 1, coin(30) ? "/24" : ""));
    if (!addrs.empty()) b += fmt::format("  ip4.addr = {};\n", fmt::join(addrs, ", "));
    // bare jailsys flags mean "new", as libjail sends them
    if (parent)
      b += "  ip4 = inherit;\n";
    else if (addrs.empty() && coin(20))
      b += "  vnet;\n";
    else if (addrs.empty() && coin(15))
      b += "  ip4 = inherit;\n";
    if (!child && coin(20)) b += coin(50) ? "  sysvshm;\n" : "  sysvmsg = 1;\n";
    if (coin(50))
      b += "  persist;\n";
    else
      b += fmt::format("  exec.start = \"/bin/sh /etc/rc\"{};\n", coin(30) ? ", \"/usr/bin/true\"" : "");
    if (coin(40))
      b += fmt::format("  exec.stop = \"{}\";\n", coin(50) ? "/bin/sh /etc/rc.shutdown" : "/bin/true");
    // a child gets no permission its parent lacks
    if (coin(30)) b += fmt::format("  allow.raw_sockets = {};\n", !child && coin(50) ? "true" : "false");
    if (coin(20)) b += "  allow.nomount;\n";
    // a child may not go below its parent's levels, which the compiler refuses
    if (!child && coin(20)) b += fmt::format("  securelevel = {};\n", pick(3));
    if (!child && coin(20)) b += fmt::format("  enforce_statfs = {};\n", pick(3));
    if (coin(30)) b += "  mount.procfs;\n";
    if (coin(20)) b += "  mount.nodevfs;\n";
    if (coin(30)) b += fmt::format("  mount += \"tmpfs /j/{}/tmp tmpfs rw,size={}m\";\n", n, 8 << pick(3));
    if (coin(20)) b += fmt::format("  stop.timeout = {};\n", pick(3) * 5);
    if (i > 0 && coin(40)) {
      const auto& dep = chosen[static_cast<std::size_t>(pick(static_cast<int>(i)))];
      if (dep.find('.') == std::string::npos && n.rfind(dep + ".", 0) != 0)
        b += fmt::format("  depend = \"{}\";\n", dep);
    }
    if (n.find('.') == std::string::npos &&
        std::any_of(chosen.begin(), chosen.end(),
                    [&](const std::string& c) { return c.rfind(n + ".", 0) == 0; }))
      b += "  children.max = 4;\n";
    return b + "}\n";
  }

  std::mt19937 m_rng;
};

}  // namespace

TEST_CASE("convergence: apply then re-plan is empty on generated sites") {
  // a fixed seed keeps CI reproducible; JAILPLAN_SEED explores others
  const char* seed = std::getenv("JAILPLAN_SEED");
  SiteGenerator gen(seed != nullptr ? static_cast<unsigned>(std::strtoul(seed, nullptr, 10)) : 20261123U);
  int transitions = 0, changed_jails = 0;
  for (int round = 0; round < 300; ++round) {
    const std::string first = gen.next();
    const std::string second = gen.next();
    CAPTURE(first);
    CAPTURE(second);
    const auto a = site(first);
    const auto b = site(second);
    ModelHost host;
    host.apply(plan_of(a, host.state));
    const Plan again = plan_of(a, host.state);
    CHECK_MESSAGE(!again.has_changes(), render_human(again, {}));
    const Plan move = plan_of(b, host.state, true);
    changed_jails += static_cast<int>(move.jails.size());
    host.apply(move);
    const Plan after = plan_of(b, host.state, true);
    CHECK_MESSAGE(!after.has_changes(), render_human(after, {}));
    CHECK(after.orphans.empty());
    CHECK(host.state.jails.size() == b.desired.jails.size());
    ++transitions;
  }
  CHECK(transitions == 300);
  CHECK(changed_jails > 300);  // the generator really produces work
}

TEST_CASE("convergence: bare jailsys flags, inherit and vnet jails re-plan to no changes") {
  // libjail sends a bare `vnet;` as vnet=new; the kernel reports ip4=new as
  // disable (jail-semantics §3.2, docs/kernel-rules.md)
  for (const char* text : {"w { path = /j/w; vnet; persist; }", "w { path = /j/w; ip4 = inherit; persist; }",
                           "w { path = /j/w; sysvshm; sysvmsg = 1; host; persist; }",
                           "w { path = /j/w; ip4; ip6; persist; }", "w { path = /j/w; vnet = new; persist; }",
                           "w { path = /j/w; ip4 = inherit; ip4.addr = 203.0.113.9; persist; }"}) {
    CAPTURE(text);
    ModelHost host = applied(text);
    const Plan again = plan_of(site(text), host.state);
    CHECK_MESSAGE(!again.has_changes(), render_human(again, {}));
  }
}

TEST_CASE(
    "convergence: addresses for an inherit or vnet jail re-create it; the kernel refuses them in place") {
  for (const char* before :
       {"w { path = /j/w; ip4 = inherit; persist; }", "w { path = /j/w; vnet; persist; }"}) {
    CAPTURE(before);
    ModelHost host = applied(before);
    const auto next = site("w { path = /j/w; ip4.addr = 203.0.113.9; persist; }");
    const Plan plan = plan_of(next, host.state);
    REQUIRE(plan.jails.size() == 1);
    CHECK(plan.jails[0].action == Action::replace);
    host.apply(plan);  // the kernel model refuses what it would refuse
    CHECK_FALSE(plan_of(next, host.state).has_changes());
  }
  // a restricted jail takes a new list in place
  ModelHost host = applied("w { path = /j/w; ip4.addr = 203.0.113.8; persist; }");
  const auto next = site("w { path = /j/w; ip4.addr = 203.0.113.9; persist; }");
  const Plan plan = plan_of(next, host.state);
  REQUIRE(plan.jails.size() == 1);
  CHECK(plan.jails[0].action == Action::update);
  host.apply(plan);
  CHECK_FALSE(plan_of(next, host.state).has_changes());
}

TEST_CASE("convergence: a parameter removed from the configuration goes back to the kernel's default") {
  struct Case {
    const char* line;    // what the first configuration adds
    const char* param;   // what the kernel reports
    Action action;       // what removing it takes
    const char* result;  // what the kernel holds afterwards ("" = not reported)
  };
  for (const Case& k : std::initializer_list<Case>{
           {"sysvshm = new;", "sysvshm", Action::update, "disable"},
           {"devfs_ruleset = 5;", "devfs_ruleset", Action::update, "0"},
           {"host.hostname = w.example.org;", "host.hostname", Action::update, ""},
           {"ip4.addr = 203.0.113.5;", "ip4.addr", Action::update, ""},
           {"securelevel = 3;", "securelevel", Action::restart, nullptr},
       }) {
    CAPTURE(k.line);
    ModelHost host = applied(fmt::format("w {{ path = /j/w; persist; {} }}", k.line));
    const auto bare = site("w { path = /j/w; persist; }");
    const Plan plan = plan_of(bare, host.state);
    REQUIRE(plan.jails.size() == 1);
    CHECK(plan.jails[0].action == k.action);
    host.apply(plan);
    const Plan again = plan_of(bare, host.state);
    CHECK_MESSAGE(!again.has_changes(), render_human(again, {}));
    const ObservedJail* w = host.state.find("w");
    REQUIRE(w != nullptr);
    const CanonParam* p = find_param(w->params, k.param);
    if (k.result != nullptr) {
      const std::string held = p == nullptr || p->values.empty() ? "" : p->values.back();
      CHECK(held == k.result);
    }
  }
}
