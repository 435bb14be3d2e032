#include "planner/plan_file.hpp"

#include <fmt/format.h>

#include "base/json_bytes.hpp"

#include "planner/json_util.hpp"

namespace jailplan {

namespace {

using json_util::json;

json opt_values(const std::optional<std::vector<std::string>>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string text_of(const Location& loc, const std::string& fallback) {
  return loc.valid() ? loc.to_string() : fallback;
}

json change_json(const ParamChange& c) {
  return json{{"param", c.name},
              {"before", opt_values(c.before)},
              {"before_unknown", c.before_unknown},
              {"after", opt_values(c.after)},
              {"effect", to_string(c.effect)},
              {"list", c.is_list},
              {"origin", text_of(c.origin, c.origin_text)}};
}

bool has_params(StepKind k) {
  return k == StepKind::create || k == StepKind::set;
}

json step_json(const Step& s) {
  json o{{"phase", to_string(s.phase)},
         {"kind", to_string(s.kind)},
         {"args", s.args},
         {"origin", text_of(s.origin, s.origin_text)}};
  if (has_params(s.kind)) {
    json params = json::array();
    for (const auto& p : s.params)
      params.push_back(
          json{{"name", p.name}, {"values", p.values}, {"origin", text_of(p.origin, p.origin_text)}});
    o["params"] = std::move(params);
  }
  return o;
}

json drift_json(const Drift& d) {
  return json{
      {"kind", to_string(d.kind)}, {"what", d.what}, {"recorded", d.recorded}, {"observed", d.observed}};
}

json drift_array(const JailChange& j) {
  json out = json::array();
  for (const auto& d : j.drift) out.push_back(drift_json(d));
  return out;
}

json jail_json(const JailChange& j) {
  json changes = json::array();
  for (const auto& c : j.changes) changes.push_back(change_json(c));
  json steps = json::array();
  for (const auto& s : j.steps) steps.push_back(step_json(s));
  json actions = json::array();
  if (j.adopt) actions.push_back("adopt");
  actions.push_back(to_string(j.action));
  return json{{"name", j.name},
              {"actions", std::move(actions)},
              {"before", j.before ? json_util::spec_to_json(*j.before) : json(nullptr)},
              {"after", j.applied ? json_util::spec_to_json(j.applied->params) : json(nullptr)},
              {"action", to_string(j.action)},
              {"adopt", j.adopt},
              {"glyph", glyph(j.action)},
              {"reason", to_string(j.reason)},
              {"subject", j.subject},
              {"headline", headline(j)},
              {"note", j.note},
              {"location", text_of(j.location, j.location_text)},
              {"jid", j.jid ? json(*j.jid) : json(nullptr)},
              {"observed_digest", j.observed_digest},
              {"depends_on", j.depends_on},
              {"changes", std::move(changes)},
              {"unchanged", j.unchanged},
              {"steps", std::move(steps)},
              {"applied", j.applied ? json_util::record_to_json(*j.applied) : json(nullptr)},
              {"teardown", j.teardown ? json_util::spec_to_json(*j.teardown) : json(nullptr)},
              {"drift", drift_array(j)}};
}

// A small reader that remembers the first error with its JSON path.
class Reader {
 public:
  std::string error;

  const json* get(const json& o, const char* key, const std::string& where,
                  bool (json::*is)() const noexcept) {
    if (!error.empty()) return nullptr;
    const auto it = o.find(key);
    if (it == o.end() || !((*it).*is)()) {
      error = fmt::format("{}.{}: missing or of the wrong type", where, key);
      return nullptr;
    }
    return &*it;
  }
  std::string str(const json& o, const char* key, const std::string& where) {
    const json* v = get(o, key, where, &json::is_string);
    return v != nullptr ? v->get<std::string>() : std::string();
  }
  std::vector<std::string> strings(const json& o, const char* key, const std::string& where) {
    const json* v = get(o, key, where, &json::is_array);
    std::vector<std::string> out;
    if (v != nullptr)
      for (const auto& s : *v) out.push_back(s.is_string() ? s.get<std::string>() : s.dump());
    return out;
  }
  std::optional<std::vector<std::string>> opt_strings(const json& o, const char* key,
                                                      const std::string& where) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return std::nullopt;
    return strings(o, key, where);
  }
  template <typename E>
  E enumerated(const json& o, const char* key, const std::string& where,
               std::optional<E> (*parse)(std::string_view)) {
    const std::string s = str(o, key, where);
    const auto e = parse(s);
    if (!e && error.empty()) error = fmt::format("{}.{}: unknown value '{}'", where, key, s);
    return e.value_or(E{});
  }
};

json origin_json(const PlanOrigin& o) {
  json sources = json::array();
  for (const auto& s : o.sources) sources.push_back(json{{"path", s.path}, {"digest", s.digest}});
  return json{{"config", o.config},
              {"sources", std::move(sources)},
              {"host", {{"hostname", o.hostname}, {"host_id", o.host_id}}},
              {"options", {{"prune", o.prune}, {"restart_changed", o.restart_changed}, {"adopt", o.adopt}}}};
}

void origin_from(const json& o, PlanOrigin& out, Reader& r) {
  out.config = r.str(o, "config", "plan.origin");
  if (const json* sources = r.get(o, "sources", "plan.origin", &json::is_array))
    for (std::size_t i = 0; i < sources->size(); ++i) {
      const std::string w = fmt::format("plan.origin.sources[{}]", i);
      out.sources.push_back({r.str((*sources)[i], "path", w), r.str((*sources)[i], "digest", w)});
    }
  if (const auto it = o.find("host"); it != o.end() && it->is_object()) {
    const json* host = &*it;
    out.hostname = r.str(*host, "hostname", "plan.origin.host");
    out.host_id = r.str(*host, "host_id", "plan.origin.host");
  }
  if (const auto it = o.find("options"); it != o.end() && it->is_object()) {
    const json* options = &*it;
    out.prune = options->value("prune", false);
    out.restart_changed = options->value("restart_changed", false);
    out.adopt = options->value("adopt", false);
  }
}

JailChange jail_from(const json& o, const std::string& where, Reader& r) {
  JailChange j;
  j.name = r.str(o, "name", where);
  j.action = r.enumerated<Action>(o, "action", where, action_from_string);
  j.reason = r.enumerated<Reason>(o, "reason", where, reason_from_string);
  j.subject = r.str(o, "subject", where);
  j.adopt = o.value("adopt", false);
  j.note = o.value("note", "");
  j.location_text = o.value("location", "");
  if (const auto it = o.find("jid"); it != o.end() && it->is_number_integer())
    j.jid = it->get<std::int64_t>();
  j.observed_digest = o.value("observed_digest", "");
  j.depends_on = r.strings(o, "depends_on", where);
  j.unchanged = o.value("unchanged", std::size_t{0});
  if (const json* changes = r.get(o, "changes", where, &json::is_array)) {
    for (std::size_t i = 0; i < changes->size(); ++i) {
      const json& c = (*changes)[i];
      const std::string w = fmt::format("{}.changes[{}]", where, i);
      ParamChange pc;
      pc.name = r.str(c, "param", w);
      pc.before = r.opt_strings(c, "before", w);
      pc.after = r.opt_strings(c, "after", w);
      pc.before_unknown = c.value("before_unknown", false);
      pc.effect = r.enumerated<Effect>(c, "effect", w, effect_from_string);
      pc.is_list = c.value("list", false);
      pc.origin_text = c.value("origin", "");
      j.changes.push_back(std::move(pc));
    }
  }
  if (const json* steps = r.get(o, "steps", where, &json::is_array)) {
    for (std::size_t i = 0; i < steps->size(); ++i) {
      const json& s = (*steps)[i];
      const std::string w = fmt::format("{}.steps[{}]", where, i);
      Step st{r.enumerated<StepKind>(s, "kind", w, step_kind_from_string),
              r.enumerated<Phase>(s, "phase", w, phase_from_string),
              r.strings(s, "args", w),
              {},
              {},
              s.value("origin", "")};
      const json* params = has_params(st.kind) ? r.get(s, "params", w, &json::is_array) : nullptr;
      if (params != nullptr) {
        for (std::size_t k = 0; k < params->size(); ++k) {
          const json& p = (*params)[k];
          const std::string pw = fmt::format("{}.params[{}]", w, k);
          st.params.push_back({r.str(p, "name", pw), r.strings(p, "values", pw), {}, p.value("origin", "")});
        }
      }
      j.steps.push_back(std::move(st));
    }
  }
  if (const auto it = o.find("applied"); it != o.end() && !it->is_null() && r.error.empty()) {
    AppliedRecord rec;
    r.error = json_util::record_from_json(*it, where + ".applied", rec);
    j.applied = std::move(rec);
  }
  if (const auto it = o.find("drift"); it != o.end() && it->is_array())
    for (std::size_t i = 0; i < it->size() && r.error.empty(); ++i) {
      const json& d = (*it)[i];
      const std::string w = fmt::format("{}.drift[{}]", where, i);
      j.drift.push_back({r.enumerated<DriftKind>(d, "kind", w, drift_kind_from_string), r.str(d, "what", w),
                         r.str(d, "recorded", w), r.str(d, "observed", w)});
    }
  if (const auto it = o.find("teardown"); it != o.end() && !it->is_null() && r.error.empty()) {
    CanonSpec spec;
    r.error = json_util::spec_from_json(*it, where + ".teardown", spec);
    j.teardown = std::move(spec);
  }
  // derived fields must say what the data says: an edited copy is refused
  if (const auto it = o.find("after"); it != o.end() && r.error.empty()) {
    const json want = j.applied ? json_util::spec_to_json(j.applied->params) : json(nullptr);
    if (*it != want) r.error = where + ".after: not the parameters of its applied record";
  }
  if (const auto it = o.find("actions"); it != o.end() && r.error.empty()) {
    json want = json::array();
    if (j.adopt) want.push_back("adopt");
    want.push_back(to_string(j.action));
    if (*it != want) r.error = where + ".actions: not its action (and adoption)";
  }
  if (const auto it = o.find("before"); it != o.end() && !it->is_null() && r.error.empty()) {
    CanonSpec spec;
    r.error = json_util::spec_from_json(*it, where + ".before", spec);
    j.before = std::move(spec);
  }
  return j;
}

// Every drift of the plan, each with its jail: a program that wants only
// drift reads this.
json drift_section(const Plan& plan) {
  json out = json::array();
  for (const auto& j : plan.jails)
    for (const auto& d : j.drift) {
      json o = drift_json(d);
      o["jail"] = j.name;
      out.push_back(std::move(o));
    }
  return out;
}

}  // namespace

namespace {

/// Whether `apply PLAN` could carry it out as it is: it has changes, and it
/// is bound to a host and to a configuration that can be read again.
bool applyable(const Plan& plan) {
  const PlanOrigin& o = plan.origin;
  return plan.has_changes() && !plan.digest.empty() && (!o.hostname.empty() || !o.host_id.empty()) &&
         !o.config.empty() && o.config != "-";
}

}  // namespace

std::string render_plan_json(const Plan& plan) {
  const auto c = plan.counts();
  json jails = json::array();
  for (const auto& j : plan.jails) jails.push_back(jail_json(j));
  json foreign = json::array();
  for (const auto& [name, owner] : plan.foreign) foreign.push_back(json{{"name", name}, {"owner", owner}});
  json doc{{"format", "jailplan-plan"},
           {"format_version", k_plan_format_version},
           {"tool_version", plan.tool_version},
           {"plan_digest", plan.digest},
           {"owner", plan.owner},
           {"origin", origin_json(plan.origin)},
           {"desired_digest", plan.desired_digest},
           {"observed_digest", plan.observed_digest},
           {"summary",
            {{"create", c.create},
             {"update", c.update},
             {"restart", c.restart},
             {"replace", c.replace},
             {"destroy", c.destroy},
             {"changes", plan.has_changes()}}},
           {"jails", std::move(jails)},
           {"drift", drift_section(plan)},
           {"unmanaged", plan.unmanaged},
           {"orphans", plan.orphans},
           {"foreign", std::move(foreign)},
           {"observed", {{"source", plan.observed_source}, {"digest", plan.observed_digest}}},
           {"created_at", plan.created_at},
           {"applyable", applyable(plan)}};
  return dump_json(std::move(doc), 2) + "\n";
}

std::string render_drift_json(const Plan& plan) {
  json doc{{"format", "jailplan-drift"},
           {"format_version", 1},
           {"tool_version", plan.tool_version},
           {"drift", drift_section(plan)}};
  return dump_json(std::move(doc), 2) + "\n";
}

Result<Plan> parse_plan_json(const SourceFile& file) {
  const auto fail = [&file](std::string msg) {
    Diagnostics d;
    d.error(Location{&file, 0}, std::move(msg), "plan-file");
    return d;
  };
  Diagnostics diags;
  const auto parsed = json_util::parse_json(file, diags, "plan-file");
  if (!parsed) return diags;
  const json& doc = *parsed;
  if (!doc.is_object() || doc.value("format", "") != "jailplan-plan")
    return fail("not a jailplan plan file (expected \"format\": \"jailplan-plan\")");
  const int version = doc.value("format_version", 0);
  if (version != k_plan_format_version)
    return fail(fmt::format(
        "plan format version {} is not the one this jailplan reads ({}): make the plan again with "
        "'jailplan plan -o'",
        version, k_plan_format_version));
  Reader r;
  Plan plan;
  plan.tool_version = r.str(doc, "tool_version", "plan");
  plan.digest = r.str(doc, "plan_digest", "plan");
  plan.owner = r.str(doc, "owner", "plan");
  if (const json* origin = r.get(doc, "origin", "plan", &json::is_object))
    origin_from(*origin, plan.origin, r);
  plan.desired_digest = r.str(doc, "desired_digest", "plan");
  plan.observed_digest = r.str(doc, "observed_digest", "plan");
  plan.unmanaged = r.strings(doc, "unmanaged", "plan");
  plan.orphans = r.strings(doc, "orphans", "plan");
  if (const auto it = doc.find("foreign"); it != doc.end() && it->is_array())
    for (const auto& f : *it) plan.foreign.emplace_back(f.value("name", ""), f.value("owner", ""));
  if (const auto it = doc.find("observed"); it != doc.end() && it->is_object())
    plan.observed_source = it->value("source", "");
  plan.created_at = doc.value("created_at", "");
  if (const json* jails = r.get(doc, "jails", "plan", &json::is_array))
    for (std::size_t i = 0; i < jails->size() && r.error.empty(); ++i)
      plan.jails.push_back(jail_from((*jails)[i], fmt::format("jails[{}]", i), r));
  if (!r.error.empty()) return fail(r.error);
  return plan;
}

}  // namespace jailplan
