#include "planner/json_util.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/json_bytes.hpp"
#include "compiler/typecheck.hpp"

namespace jailplan::json_util {

std::optional<json> parse_json(const SourceFile& file, Diagnostics& diags, const std::string& code) {
  try {
    json doc = json::parse(file.text());
    restore_json_bytes(doc);
    return doc;
  } catch (const json::parse_error& e) {
    const std::size_t at = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, file.text().size());
    diags.error(Location{&file, static_cast<std::uint32_t>(at)}, fmt::format("invalid JSON: {}", e.what()),
                code);
    return std::nullopt;
  }
}

json value_to_json(std::string_view name, const std::vector<std::string>& values) {
  const ParamInfo* info = find_info(name);  // canonical names only
  const ParamType type =
      info != nullptr ? info->type : (values.size() == 1 ? ParamType::string : ParamType::list);
  if (is_list_type(type)) return values;
  const std::string v = values.empty() ? std::string() : values.back();
  if (type == ParamType::boolean) {
    if (const auto b = parse_bool(v)) return *b;
  }
  if (type == ParamType::integer || type == ParamType::uinteger || type == ParamType::ulong) {
    if (const auto n = parse_int(v)) return *n;
  }
  return v;
}

json spec_to_json(const CanonSpec& spec) {
  json o = json::object();
  for (const auto& p : spec) o[p.name] = value_to_json(p.name, p.values);
  return o;
}

json record_to_json(const AppliedRecord& r) {
  json o = json::object();
  o["digest"] = r.digest;
  o["jid"] = r.jid ? json(*r.jid) : json(nullptr);
  o["created"] = r.created;
  if (!r.owner.empty()) o["owner"] = r.owner;
  if (!r.complete) o["complete"] = false;
  if (r.stopping) o["stopping"] = true;
  o["params"] = spec_to_json(r.params);
  return o;
}

void flatten(const json& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_boolean()) {
    out.emplace_back(v.get<bool>() ? "true" : "false");
  } else if (v.is_number_integer()) {
    out.push_back(std::to_string(v.get<std::int64_t>()));
  } else if (v.is_number()) {
    out.push_back(v.dump());
  } else if (v.is_array() || v.is_object()) {
    for (const auto& item : v) flatten(item, out);
  }
}

std::string spec_from_json(const json& obj, const std::string& where, CanonSpec& out) {
  if (!obj.is_object()) return fmt::format("{}: expected an object of parameters", where);
  for (const auto& [key, value] : obj.items()) {
    std::vector<std::string> values;
    flatten(value, values);
    const auto m = lookup_param(key);
    if (!m) {
      out.push_back({key, std::move(values)});
      continue;
    }
    auto canon = canon_reported(*m->info, std::move(values));
    if (!canon)
      return fmt::format("{}.{}: value {} is not a valid {}", where, key, dump_json(value),
                         to_string(m->info->type));
    if (m->negated && m->info->type == ParamType::boolean && !canon->empty())
      canon->back() = canon->back() == "true" ? "false" : "true";
    out.push_back({m->canonical, std::move(*canon)});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return {};
}

std::string record_from_json(const json& obj, const std::string& where, AppliedRecord& out) {
  if (!obj.is_object()) return fmt::format("{}: expected an object", where);
  const auto digest = obj.find("digest");
  if (digest == obj.end() || !digest->is_string()) return fmt::format("{}.digest: expected a string", where);
  out.digest = digest->get<std::string>();
  if (const auto jid = obj.find("jid"); jid != obj.end() && !jid->is_null()) {
    if (!jid->is_number_integer()) return fmt::format("{}.jid: expected a number", where);
    out.jid = jid->get<std::int64_t>();
  }
  if (const auto c = obj.find("created"); c != obj.end()) {
    if (!c->is_boolean()) return fmt::format("{}.created: expected true or false", where);
    out.created = c->get<bool>();
  }
  if (const auto c = obj.find("owner"); c != obj.end()) {
    if (!c->is_string()) return fmt::format("{}.owner: expected a string", where);
    out.owner = c->get<std::string>();
  }
  if (const auto c = obj.find("complete"); c != obj.end()) {
    if (!c->is_boolean()) return fmt::format("{}.complete: expected true or false", where);
    out.complete = c->get<bool>();
  }
  if (const auto c = obj.find("stopping"); c != obj.end()) {
    if (!c->is_boolean()) return fmt::format("{}.stopping: expected true or false", where);
    out.stopping = c->get<bool>();
  }
  const auto params = obj.find("params");
  if (params == obj.end()) return fmt::format("{}.params: missing", where);
  return spec_from_json(*params, where + ".params", out.params);
}

}  // namespace jailplan::json_util
