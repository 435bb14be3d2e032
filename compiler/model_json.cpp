#include "compiler/model_json.hpp"

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "base/json_bytes.hpp"

namespace jailplan {

namespace {

using nlohmann::ordered_json;

ordered_json location_json(Location l) {
  if (!l.valid()) return nullptr;
  const auto lc = l.file->line_col(l.offset);
  return {{"file", l.file->name()}, {"line", lc.line}, {"column", lc.column}};
}

ordered_json strings_json(std::span<const std::string_view> values) {
  ordered_json a = ordered_json::array();
  for (const auto v : values) a.push_back(v);
  return a;
}

ordered_json value_json(const TypedValue& v) {
  struct Visitor {
    ordered_json operator()(std::monostate) const { return nullptr; }
    ordered_json operator()(bool b) const { return b; }
    ordered_json operator()(std::int64_t n) const { return n; }
    ordered_json operator()(std::string_view s) const { return s; }
    ordered_json operator()(const StringList& l) const { return strings_json(l.values); }
    ordered_json operator()(const IpList& l) const {
      ordered_json a = ordered_json::array();
      for (const auto& e : *l.entries) {
        ordered_json o;
        o["address"] = e.address;
        o["interface"] = e.interface.empty() ? ordered_json(nullptr) : ordered_json(e.interface);
        o["prefix"] = e.prefix < 0 ? ordered_json(nullptr) : ordered_json(e.prefix);
        o["netmask"] = e.netmask.empty() ? ordered_json(nullptr) : ordered_json(e.netmask);
        o["options"] = e.extra;
        a.push_back(std::move(o));
      }
      return a;
    }
  };
  return std::visit(Visitor{}, v);
}

ordered_json model_json(const DesiredState& state) {
  ordered_json root;
  root["format"] = "jailplan-model";
  root["version"] = k_model_format_version;
  ordered_json jails = ordered_json::array();
  for (const auto& j : state.jails) {
    ordered_json o;
    o["name"] = j.name;
    o["record"] = j.record_name;
    o["jid"] = j.jid ? ordered_json(*j.jid) : ordered_json(nullptr);
    o["failed"] = j.failed;
    o["location"] = location_json(j.location);
    ordered_json params = ordered_json::array();
    for (const auto& p : j.params) {
      ordered_json q;
      q["name"] = p.name();
      if (p.spelled() != p.name()) q["spelled"] = p.spelled();
      q["type"] = std::string(to_string(p.info->type));
      q["kind"] = std::string(to_string(p.info->where));
      q["mutability"] = std::string(to_string(p.info->mutability));
      q["value"] = value_json(p.value);
      q["raw"] = strings_json(p.raw());
      q["location"] = location_json(p.location());
      params.push_back(std::move(q));
    }
    o["parameters"] = std::move(params);
    jails.push_back(std::move(o));
  }
  root["jails"] = std::move(jails);
  return root;
}

void emit(YAML::Emitter& out, const ordered_json& v) {
  switch (v.type()) {
    case ordered_json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, x] : v.items()) {
        out << YAML::Key << k << YAML::Value;
        emit(out, x);
      }
      out << YAML::EndMap;
      break;
    case ordered_json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& x : v) emit(out, x);
      out << YAML::EndSeq;
      break;
    case ordered_json::value_t::string: out << YAML::DoubleQuoted << v.get<std::string>(); break;
    case ordered_json::value_t::boolean: out << (v.get<bool>() ? "true" : "false"); break;
    case ordered_json::value_t::null: out << YAML::Null; break;
    default: out << v.dump();
  }
}

}  // namespace

std::string render_model_json(const DesiredState& state) {
  return dump_json(model_json(state), 2) + "\n";
}

std::string render_model_yaml(const DesiredState& state) {
  YAML::Emitter out;
  emit(out, model_json(state));
  return std::string(out.c_str()) + "\n";
}

}  // namespace jailplan
