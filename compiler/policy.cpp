#include "compiler/policy.hpp"

#include <fnmatch.h>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/suggest.hpp"
#include "compiler/typecheck.hpp"

namespace jailplan {

namespace {

Location at(const SourceFile& file, const YAML::Mark& m) {
  if (m.line < 0) return {&file, 0};
  return {&file,
          file.offset_of(static_cast<std::uint32_t>(m.line + 1), static_cast<std::uint32_t>(m.column + 1))};
}

/// The value of a set parameter as text: booleans as true/false, lists
/// as their values.
std::vector<std::string> values_of(const TypedParam& p) {
  if (const bool* b = std::get_if<bool>(&p.value)) return {*b ? "true" : "false"};
  if (const auto* n = std::get_if<std::int64_t>(&p.value)) return {std::to_string(*n)};
  if (const auto* ips = std::get_if<IpList>(&p.value)) {
    std::vector<std::string> out;
    for (const auto& e : *ips->entries) out.emplace_back(e.raw);
    return out;
  }
  const auto raw = p.raw();
  return {raw.begin(), raw.end()};
}

bool glob(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

}  // namespace

Result<Policy> parse_policy(const SourceFile& file) {
  Diagnostics d;
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(file.text()));
  } catch (const YAML::Exception& e) {
    d.error(at(file, e.mark), fmt::format("invalid YAML: {}", e.msg), "policy");
    return d;
  }
  const YAML::Node rules = doc["rules"];
  if (!doc.IsMap() || !rules || !rules.IsSequence()) {
    d.error({&file, 0}, "a policy is a map with a 'rules' list", "policy");
    return d;
  }
  Policy policy;
  std::size_t n = 0;
  for (const auto& r : rules) {
    ++n;
    PolicyRule rule;
    rule.location = at(file, r.Mark());
    if (!r.IsMap()) {
      d.error(rule.location, "a rule is a map: param, then one of deny, require, min, max", "policy");
      continue;
    }
    rule.id = r["id"] ? r["id"].as<std::string>() : fmt::format("rule {}", n);
    if (r["why"]) rule.why = r["why"].as<std::string>();
    if (r["jails"]) rule.jails = r["jails"].as<std::string>();
    const YAML::Node param = r["param"];
    if (!param || !param.IsScalar()) {
      d.error(rule.location, fmt::format("{}: no 'param'", rule.id), "policy");
      continue;
    }
    const auto m = lookup_param(param.as<std::string>());
    if (!m || m->negated) {
      auto& e = d.error(at(file, param.Mark()),
                        fmt::format("unknown parameter '{}'", param.as<std::string>()), "policy");
      if (auto s = closest_match(param.as<std::string>(), catalog_names()))
        e.detail = fmt::format("did you mean '{}'?", *s);
      continue;
    }
    rule.param = m->canonical;
    int kinds = 0;
    if (const YAML::Node v = r["deny"]) {
      ++kinds;
      rule.kind = PolicyRule::Kind::deny;
      const std::string text = v.as<std::string>();
      // `deny: true` forbids a boolean being on, or any value being set
      if (text != "true" || m->info->type == ParamType::boolean) rule.value = text;
      if (m->info->type == ParamType::boolean) {
        const auto b = parse_bool(text);
        if (!b) {
          d.error(at(file, v.Mark()), fmt::format("{}: '{}' is not a boolean", rule.id, text), "policy");
          continue;
        }
        rule.value = *b ? "true" : "false";
      }
    }
    if (const YAML::Node v = r["require"]) {
      ++kinds;
      rule.kind = PolicyRule::Kind::require;
      const std::string text = v.as<std::string>();
      rule.value = text == "true" ? "*" : text;
    }
    for (const char* key : {"min", "max"})
      if (const YAML::Node v = r[key]) {
        ++kinds;
        rule.kind = key[1] == 'i' ? PolicyRule::Kind::min : PolicyRule::Kind::max;
        const auto bound = parse_int(v.as<std::string>());
        if (!bound) {
          d.error(at(file, v.Mark()), fmt::format("{}: '{}' is not a number", rule.id, v.as<std::string>()),
                  "policy");
          continue;
        }
        rule.bound = *bound;
      }
    if (kinds != 1) {
      d.error(rule.location, fmt::format("{}: say exactly one of deny, require, min, max", rule.id),
              "policy");
      continue;
    }
    policy.rules.push_back(std::move(rule));
  }
  if (d.has_errors()) return d;
  return policy;
}

Diagnostics check_policy(const Policy& policy, const DesiredState& desired) {
  Diagnostics d;
  for (const auto& j : desired.jails) {
    for (const auto& rule : policy.rules) {
      if (!glob(rule.jails, j.name)) continue;
      const TypedParam* p = j.find(rule.param);
      const std::string because = rule.why.empty() ? "" : fmt::format(" ({})", rule.why);
      std::string broken;
      Location where = p != nullptr ? p->location() : j.location;
      switch (rule.kind) {
        case PolicyRule::Kind::deny: {
          if (p == nullptr) break;
          const auto values = values_of(*p);
          if (rule.value.empty())
            broken = fmt::format("{} is set", rule.param);
          else
            for (const auto& v : values)
              if (glob(rule.value, v)) broken = fmt::format("{} is {}", rule.param, v);
          break;
        }
        case PolicyRule::Kind::require: {
          if (p == nullptr) {
            broken = fmt::format("{} is not set", rule.param);
            break;
          }
          const auto values = values_of(*p);
          if (std::none_of(values.begin(), values.end(),
                           [&](const std::string& v) { return glob(rule.value, v); }))
            broken = fmt::format("no value of {} matches '{}'", rule.param, rule.value);
          break;
        }
        case PolicyRule::Kind::min:
        case PolicyRule::Kind::max: {
          const bool min = rule.kind == PolicyRule::Kind::min;
          const auto* n = p == nullptr ? nullptr : std::get_if<std::int64_t>(&p->value);
          // absent: the kernel's fixed default for a new jail, if it has one
          std::optional<std::int64_t> fallback;
          if (p == nullptr)
            if (const ParamInfo* info = find_info(rule.param);
                info != nullptr && !info->default_value.empty())
              fallback = parse_int(info->default_value);
          if (n == nullptr && fallback) n = &*fallback;
          if (n == nullptr)
            broken = fmt::format("{} is not set (it must be {} {})", rule.param, min ? "at least" : "at most",
                                 rule.bound);
          else if (min ? *n < rule.bound : *n > rule.bound)
            broken = fmt::format("{} is {} (it must be {} {})", rule.param, *n, min ? "at least" : "at most",
                                 rule.bound);
          break;
        }
      }
      if (broken.empty()) continue;
      auto& e = d.error(where, fmt::format("jail {}: policy '{}': {}{}", j.name, rule.id, broken, because),
                        "policy");
      if (rule.location.valid())
        e.detail = fmt::format("the rule is at {}",
                               rule.location.file->name() + ":" +
                                   std::to_string(rule.location.file->line_col(rule.location.offset).line));
    }
  }
  return d;
}

}  // namespace jailplan
