#include "planner/plan_digest.hpp"

#include "planner/plan_file.hpp"
#include "planner/sha256.hpp"

namespace jailplan {

namespace {

void values(Sha256& h, const std::vector<std::string>& vs) {
  h.field(std::to_string(vs.size()));
  for (const auto& v : vs) h.field(v);
}

void optional_values(Sha256& h, const std::optional<std::vector<std::string>>& vs) {
  h.field(vs ? "set" : "absent");
  if (vs) values(h, *vs);
}

void spec(Sha256& h, const CanonSpec& s) {
  h.field(std::to_string(s.size()));
  for (const auto& p : s) {
    h.field(p.name);
    values(h, p.values);
  }
}

}  // namespace

std::string jail_digest(const JailChange& j) {
  Sha256 h;
  h.field(j.name).field(to_string(j.action)).field(j.adopt ? "adopt" : "-");
  h.field(to_string(j.reason)).field(j.subject).field(j.note);
  h.field(j.jid ? std::to_string(*j.jid) : "-");
  h.field(std::to_string(j.changes.size()));
  for (const auto& c : j.changes) {
    h.field(c.name).field(to_string(c.effect)).field(c.before_unknown ? "unknown" : "-");
    optional_values(h, c.before);
    optional_values(h, c.after);
  }
  h.field(std::to_string(j.steps.size()));
  for (const auto& s : j.steps) {
    h.field(to_string(s.kind)).field(to_string(s.phase));
    values(h, s.args);
    h.field(std::to_string(s.params.size()));
    for (const auto& p : s.params) {
      h.field(p.name);
      values(h, p.values);
    }
  }
  h.field(j.applied ? "record" : "no-record");
  if (j.applied) {
    h.field(j.applied->digest).field(j.applied->owner).field(j.applied->created ? "created" : "adopted");
    h.field(j.applied->jid ? std::to_string(*j.applied->jid) : "-");
    spec(h, j.applied->params);
  }
  h.field(std::to_string(j.drift.size()));
  for (const auto& d : j.drift) h.field(to_string(d.kind)).field(d.what).field(d.recorded).field(d.observed);
  h.field(j.before ? "before" : "not-running");
  if (j.before) spec(h, *j.before);
  h.field(j.teardown ? "teardown" : "no-teardown");
  if (j.teardown) spec(h, *j.teardown);
  values(h, j.depends_on);
  return h.hex_digest();
}

std::string plan_digest(const Plan& plan) {
  Sha256 h;
  h.field("jailplan-plan").field(std::to_string(k_plan_format_version));
  h.field(plan.owner);
  const PlanOrigin& o = plan.origin;
  h.field(o.config).field(o.hostname).field(o.host_id);
  h.field(o.prune ? "prune" : "-")
      .field(o.restart_changed ? "restart-changed" : "-")
      .field(o.adopt ? "adopt" : "-");
  h.field(std::to_string(o.sources.size()));
  for (const auto& s : o.sources) h.field(s.path).field(s.digest);
  h.field(std::to_string(plan.jails.size()));
  for (const auto& j : plan.jails) h.field(jail_digest(j));
  return h.hex_digest();
}

}  // namespace jailplan
